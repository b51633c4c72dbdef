"""`manage.py backup` and `manage.py restore`: one archive with the database, the stored files
and a manifest; restored into an empty database (in a separate process, as on a server) it
gives back every listener, enrollment, order and document with its PDF."""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from certificates.models import Document
from certificates.services import document_issue
from institute.backup import pg_program
from listeners.models import Enrollment, Listener, Order
from tests.certificates.conftest import make_completed, make_issuing_institute
from tests.conftest import make_enrollment, make_intake, make_listener

BASE_DIR = Path(settings.BASE_DIR)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def populate(administrator) -> list[Document]:
    """Three issued documents (with their orders), an applied enrollment, and a stored
    import file that no document refers to."""
    make_issuing_institute()
    intake = make_intake()
    completed = [make_completed(intake) for _ in range(3)]
    make_enrollment(make_listener(), intake)
    documents = [document_issue(enrollment=e, by=administrator) for e in completed]
    imports = Path(settings.MEDIA_ROOT) / "imports" / "2026"
    imports.mkdir(parents=True)
    (imports / "list.xlsx").write_bytes(b"an imported list")
    return documents


def run_restore(archive: Path, database_url: str, media_root: Path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "DEBUG": "true",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def snapshot(cursor) -> dict:
    """What must survive a backup and restore, read with plain SQL."""
    rows = {}
    for model in (Listener, Enrollment, Order):
        cursor.execute(f'SELECT id FROM "{model._meta.db_table}" ORDER BY id')
        rows[model.__name__] = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        f'SELECT number, pdf, pdf_sha256 FROM "{Document._meta.db_table}" ORDER BY number'
    )
    rows["Document"] = [tuple(row) for row in cursor.fetchall()]
    return rows


def make_archive(path: Path, members: dict[str, bytes], vendor: str | None = None) -> Path:
    """A hand-made archive: a manifest for this database, its dump name, and `members`."""
    vendor = vendor or connection.vendor
    manifest = {
        "format_version": 1,
        "created_at": "2026-11-25T10:00:00+00:00",
        "database_vendor": vendor,
        "counts": {"listeners": 0, "enrollments": 0, "orders": 0, "documents": 0},
        "documents": [],
        "migrations": {},
    }
    dump = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}[vendor]
    content = {"manifest.json": json.dumps(manifest).encode(), dump: b"", **members}
    with tarfile.open(path, "w:gz") as archive:
        for name, data in content.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


# --- SQLite ---------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backup path")
@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_holds_everything_and_restores_into_an_empty_file(
    administrator, media, tmp_path
):
    documents = populate(administrator)
    archive = tmp_path / "out" / "backup.tar.gz"

    out = io.StringIO()
    call_command("backup", output=archive, stdout=out)

    assert "3 documents" in out.getvalue()
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
        dump = tmp_path / "dump.sqlite3"
        dump.write_bytes(tar.extractfile("database.sqlite3").read())
        stored = {d.pdf.name: tar.extractfile(f"media/{d.pdf.name}").read() for d in documents}
    assert "media/imports/2026/list.xlsx" in names
    assert manifest["format_version"] == 1
    assert manifest["database_vendor"] == "sqlite"
    assert manifest["counts"] == {
        "listeners": Listener.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "orders": Order.objects.count(),
        "documents": 3,
    }
    assert manifest["migrations"]["certificates"].startswith("00")
    assert {(d["number"], d["pdf_sha256"]) for d in manifest["documents"]} == {
        (d.number, d.pdf_sha256) for d in documents
    }
    for document in documents:
        assert hashlib.sha256(stored[document.pdf.name]).hexdigest() == document.pdf_sha256
    with connection.cursor() as cursor:
        expected = snapshot(cursor)
    with sqlite3.connect(dump) as copy:
        assert snapshot(copy.cursor()) == expected

    restored_db = tmp_path / "restored.sqlite3"
    restored_media = tmp_path / "restored-media"
    result = run_restore(archive, f"sqlite:///{restored_db}", restored_media)

    assert result.returncode == 0, result.stderr
    assert "all 3 document PDFs match" in result.stdout
    restored = sqlite3.connect(restored_db)
    try:
        assert snapshot(restored.cursor()) == expected
    finally:
        restored.close()
    for document in documents:
        assert sha256(restored_media / document.pdf.name) == document.pdf_sha256
    assert (restored_media / "imports/2026/list.xlsx").read_bytes() == b"an imported list"

    again = run_restore(archive, f"sqlite:///{restored_db}", tmp_path / "other-media")

    assert again.returncode != 0
    assert "The database is not empty" in again.stderr
    assert not (tmp_path / "other-media").exists()


@pytest.mark.django_db(transaction=True)
def test_a_pdf_missing_from_media_fails_the_backup_but_keeps_the_archive(
    administrator, media, tmp_path
):
    documents = populate(administrator)
    (media / documents[1].pdf.name).unlink()
    archive = tmp_path / "backup.tar.gz"

    with pytest.raises(CommandError, match=f"{documents[1].number}: .* is missing"):
        call_command("backup", output=archive, stdout=io.StringIO())

    assert archive.is_file()


def test_default_name_is_dated_in_backup_dir(monkeypatch, tmp_path):
    from institute.backup import default_output

    monkeypatch.setenv("BACKUP_DIR", str(tmp_path))

    path = default_output()

    assert path.parent == tmp_path
    assert path.name.startswith("backup-") and path.name.endswith(".tar.gz")
    assert len(path.name) == len("backup-YYYYmmdd-HHMMSS.tar.gz")


# --- restore refuses, before changing anything ------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../evil.pdf", "/tmp/evil.pdf", "media/../../evil.pdf", "media/a/../../../x"]
)
def test_restore_rejects_paths_that_leave_the_target(name, tmp_path):
    archive = make_archive(tmp_path / "bad.tar.gz", {name: b"%PDF"})

    with pytest.raises(CommandError, match="unsafe path"):
        call_command("restore", str(archive))

    assert not (tmp_path.parent / "evil.pdf").exists()


def test_restore_rejects_links(tmp_path):
    archive = tmp_path / "link.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        link = tarfile.TarInfo("media/passwd")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)

    with pytest.raises(CommandError, match="link or special file"):
        call_command("restore", str(archive))


def test_restore_rejects_a_member_stored_twice(tmp_path):
    archive = make_archive(tmp_path / "twice.tar.gz", {"media/a.pdf": b"%PDF"})
    with tarfile.open(archive, "r:gz") as source:
        members = [(m, source.extractfile(m).read()) for m in source.getmembers()]
    with tarfile.open(archive, "w:gz") as tar:
        for member, data in [*members, members[-1]]:
            tar.addfile(member, io.BytesIO(data))

    with pytest.raises(CommandError, match="twice"):
        call_command("restore", str(archive))


def test_restore_rejects_a_backup_of_another_database_vendor(tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    archive = make_archive(tmp_path / "other.tar.gz", {}, vendor=other)

    with pytest.raises(CommandError, match=f"backup is of a {other} database"):
        call_command("restore", str(archive))


def test_restore_refuses_a_database_with_listeners(db, media, tmp_path):
    make_listener()
    archive = make_archive(tmp_path / "b.tar.gz", {"media/documents/2026/a.pdf": b"%PDF"})

    with pytest.raises(CommandError, match="database is not empty"):
        call_command("restore", str(archive))

    assert not (media / "documents").exists()
    assert Listener.objects.count() == 1


def test_restore_refuses_to_overwrite_a_stored_file(db, media, tmp_path):
    existing = media / "documents" / "2026" / "a.pdf"
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"the original")
    archive = make_archive(tmp_path / "b.tar.gz", {"media/documents/2026/a.pdf": b"%PDF"})

    with pytest.raises(CommandError, match="already exist in MEDIA_ROOT"):
        call_command("restore", str(archive))

    assert existing.read_bytes() == b"the original"


# --- PostgreSQL -------------------------------------------------------------------------------


def require_pg_client() -> None:
    for program in ("pg_dump", "pg_restore"):
        try:
            pg_program(program)
        except CommandError as error:
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI needs the PostgreSQL client programs: {error}")
            pytest.skip(str(error))


def database_url(settings_dict: dict, name: str) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD")
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{name}"


@pytest.fixture
def empty_pg_database():
    """A new, empty database on the same server, dropped afterwards."""
    import psycopg

    settings_dict = connection.settings_dict
    params = {
        "host": settings_dict.get("HOST") or "127.0.0.1",
        "port": settings_dict.get("PORT") or 5432,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "dbname": settings_dict["NAME"],
    }
    name = f"restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name, {**params, "dbname": name}
    finally:
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_restores_into_a_new_database(
    administrator, media, tmp_path, empty_pg_database
):
    import psycopg

    require_pg_client()
    documents = populate(administrator)
    with connection.cursor() as cursor:
        expected = snapshot(cursor)
    assert len(expected["Listener"]) == 4 and len(expected["Order"]) >= 1
    archive = tmp_path / "backup.tar.gz"

    call_command("backup", output=archive, stdout=io.StringIO())

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {"manifest.json", "database.dump", "media/imports/2026/list.xlsx"} <= names
    assert manifest["database_vendor"] == "postgresql"
    assert manifest["counts"]["documents"] == 3

    name, params = empty_pg_database
    restored_media = tmp_path / "restored-media"
    result = run_restore(archive, database_url(connection.settings_dict, name), restored_media)

    assert result.returncode == 0, result.stderr
    assert "all 3 document PDFs match" in result.stdout
    with psycopg.connect(**params) as restored:
        assert snapshot(restored.cursor()) == expected
    for document in documents:
        assert sha256(restored_media / document.pdf.name) == document.pdf_sha256
    assert (restored_media / "imports/2026/list.xlsx").read_bytes() == b"an imported list"

    again = run_restore(archive, database_url(connection.settings_dict, name), tmp_path / "m2")

    assert again.returncode != 0
    assert "The database is not empty" in again.stderr
