"""The Kazakh and Russian catalogues translate every string a person sees (Kazakh first).

The source is copied aside and `makemessages` is run on the copy with the committed
catalogues: any string added to the code or templates without a translation shows up as
untranslated there. The committed .mo files must be the compiled .po files.
"""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["kk", "ru"]
SOURCES = ["institute", "courses", "listeners", "certificates", "templates"]

pytestmark = pytest.mark.skipif(
    shutil.which("msgattrib") is None or shutil.which("xgettext") is None,
    reason="GNU gettext is not installed (CI installs it)",
)


def _entries(po: Path, *flags: str) -> str:
    out = subprocess.run(
        ["msgattrib", *flags, "--no-obsolete", str(po)], capture_output=True, text=True, check=True
    ).stdout
    # msgattrib prints the header entry whenever anything else is printed; the header alone
    # means nothing matched.
    return "\n".join(line for line in out.splitlines() if line.startswith("msgid "))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("messages")
    for name in SOURCES:
        shutil.copytree(
            ROOT / name,
            work / name,
            ignore=shutil.ignore_patterns("__pycache__", "locale", "migrations"),
        )
    shutil.copytree(ROOT / "locale", work / "locale")
    cwd = Path.cwd()
    try:
        import os

        os.chdir(work)
        with override_settings(LOCALE_PATHS=[work / "locale"]):
            call_command("makemessages", locale=LANGUAGES, no_obsolete=True, verbosity=0)
    finally:
        os.chdir(cwd)
    return work / "locale"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_in_the_source_is_translated(extracted, language):
    po = extracted / language / "LC_MESSAGES" / "django.po"
    assert _entries(po, "--untranslated") == "", f"untranslated in {language}"
    assert _entries(po, "--only-fuzzy") == "", f"fuzzy in {language}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_mo_is_the_compiled_po(tmp_path, language):
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    fresh = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)
    with fresh.open("rb") as a, (po.with_suffix(".mo")).open("rb") as b:
        assert gettext.GNUTranslations(b)._catalog == gettext.GNUTranslations(a)._catalog
