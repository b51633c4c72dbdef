"""Django's own Kazakh catalogues are incomplete; institute/locale/kk fills the gaps.

The gaps are computed from Django's installed .po files, so a Django upgrade that
adds or changes msgids shows up here as a failing test rather than as English
text in a Kazakh interface.
"""

import ast
import gettext as gettext_module
import re
from pathlib import Path

import django
import pytest
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation

DJANGO_DIR = Path(django.__file__).resolve().parent
OUR_LOCALE = Path(__file__).resolve().parents[2] / "institute" / "locale" / "kk" / "LC_MESSAGES"

# The Django catalogues whose apps are installed (contrib.messages has none).
DJANGO_CATALOGUES = [
    "conf/locale/{lang}/LC_MESSAGES/django.po",
    "contrib/admin/locale/{lang}/LC_MESSAGES/django.po",
    "contrib/auth/locale/{lang}/LC_MESSAGES/django.po",
    "contrib/contenttypes/locale/{lang}/LC_MESSAGES/django.po",
    "contrib/humanize/locale/{lang}/LC_MESSAGES/django.po",
    "contrib/sessions/locale/{lang}/LC_MESSAGES/django.po",
]
JS_CATALOGUES = ["contrib/admin/locale/{lang}/LC_MESSAGES/djangojs.po"]

# Kazakh writes these exactly as English does.
SAME_IN_KAZAKH = {"IPv4", "IPv6"}


def parse_po(path):
    """Entries of a .po file as dicts: msgctxt, msgid, msgid_plural, msgstr (list), fuzzy."""
    entries, entry, field = [], None, None

    def flush():
        if entry is not None and "msgid" in entry and not entry.get("obsolete"):
            entries.append(entry)

    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            flush()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"msgstr": {}, "fuzzy": False}
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["fuzzy"] = entry["fuzzy"] or "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, int):
                entry["msgstr"][field] += value
            else:
                entry[field] += value
        else:
            keyword, quoted = line.split(" ", 1)
            value = ast.literal_eval(quoted)
            plural_index = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if keyword == "msgstr" or plural_index:
                field = int(plural_index.group(1)) if plural_index else 0
                entry["msgstr"][field] = value
            else:
                field = keyword
                entry[keyword] = value
    flush()
    for entry in entries:
        entry["msgstr"] = [entry["msgstr"][i] for i in sorted(entry["msgstr"])]
    return [e for e in entries if e["msgid"]]


def is_untranslated(entry):
    return entry["fuzzy"] or not entry["msgstr"] or any(s == "" for s in entry["msgstr"])


def key(entry):
    return entry.get("msgctxt"), entry["msgid"]


def gaps(catalogues):
    """Entries Django's kk files leave untranslated, plus msgids Django uses
    (its English catalogue) that the kk files lack altogether."""
    found = {}
    for catalogue in catalogues:
        kk = parse_po(DJANGO_DIR / catalogue.format(lang="kk"))
        en = parse_po(DJANGO_DIR / catalogue.format(lang="en"))
        kk_keys = {key(e) for e in kk}
        for entry in kk:
            if is_untranslated(entry):
                found.setdefault(key(entry), entry)
        for entry in en:
            if key(entry) not in kk_keys:
                found.setdefault(key(entry), entry)
    return list(found.values())


def has_letters(text):
    return re.search(r"[^\W\d_]", re.sub(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", "", text)) is not None


def untranslated_at_runtime(entries, gettext, pgettext, ngettext, npgettext):
    failures = []
    for entry in entries:
        msgid, context, plural = entry["msgid"], entry.get("msgctxt"), entry.get("msgid_plural")
        if not has_letters(msgid) or msgid in SAME_IN_KAZAKH:
            continue
        if plural is None:
            result = pgettext(context, msgid) if context else gettext(msgid)
            if result == msgid or not result:
                failures.append(msgid)
            continue
        for n, english in ((1, msgid), (5, plural)):
            if context:
                result = npgettext(context, msgid, plural, n)
            else:
                result = ngettext(msgid, plural, n)
            if result == english or not result:
                failures.append(f"{msgid} (n={n})")
    return failures


def test_django_kk_gaps_are_found():
    # Guards the parser: Django 5.2's kk django.po alone has 127 untranslated entries.
    conf = parse_po(DJANGO_DIR / DJANGO_CATALOGUES[0].format(lang="kk"))
    assert sum(is_untranslated(e) for e in conf) > 100
    assert len(gaps(DJANGO_CATALOGUES)) > 300


def test_every_django_gap_reads_in_kazakh():
    with translation.override("kk"):
        failures = untranslated_at_runtime(
            gaps(DJANGO_CATALOGUES),
            translation.gettext,
            translation.pgettext,
            translation.ngettext,
            translation.npgettext,
        )
    assert failures == []


def test_every_admin_javascript_gap_reads_in_kazakh():
    # A catalogue view without `packages` harvests every installed app's djangojs.
    catalogue = DjangoTranslation("kk", domain="djangojs")
    failures = untranslated_at_runtime(
        gaps(JS_CATALOGUES),
        catalogue.gettext,
        catalogue.pgettext,
        catalogue.ngettext,
        catalogue.npgettext,
    )
    assert failures == []


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_our_catalogue_is_complete_and_compiled(domain):
    po = parse_po(OUR_LOCALE / f"{domain}.po")
    assert po and not any(is_untranslated(e) for e in po)
    # Entries that legitimately read the same in Kazakh are still present.
    present = {e["msgid"] for e in po}
    if domain == "django":
        assert SAME_IN_KAZAKH <= present
    # The committed .mo says the same as the .po (recompile after editing).
    with open(OUR_LOCALE / f"{domain}.mo", "rb") as mo:
        compiled = gettext_module.GNUTranslations(mo)
    stale = []
    for e in po:
        context, msgid, plural = e.get("msgctxt"), e["msgid"], e.get("msgid_plural")
        if plural is None:
            got = [compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)]
        elif context:
            got = [compiled.npgettext(context, msgid, plural, n) for n in (1, 5)]
        else:
            got = [compiled.ngettext(msgid, plural, n) for n in (1, 5)]
        if got != e["msgstr"]:
            stale.append(msgid)
    assert stale == []


def test_form_validation_messages_read_in_kazakh():
    class Form(forms.Form):
        email = forms.EmailField()
        code = forms.CharField(min_length=5)
        quantity = forms.IntegerField(step_size=5)

    with translation.override("kk"):
        form = Form({"email": "not-an-email", "code": "ab", "quantity": "3"})
        assert not form.is_valid()
        assert form.errors["email"] == ["Дұрыс электрондық пошта мекенжайын енгізіңіз."]
        assert form.errors["code"] == ["Бұл мәндегі таңбалар саны кемінде 5 болуы тиіс (қазір 2)."]
        assert form.errors["quantity"] == ["Бұл мән 5 қадам өлшеміне еселі болуы тиіс."]


def test_password_validation_reads_in_kazakh():
    with translation.override("kk"), pytest.raises(ValidationError) as raised:
        validate_password("12345678")
    assert "Бұл құпиясөз тек цифрлардан тұрады." in raised.value.messages
