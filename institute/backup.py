"""Backups of the register: the database and the stored files (MEDIA_ROOT) in one .tar.gz,
and bringing such an archive back into an empty database (`manage.py backup` / `restore`).

The archive holds:

- `manifest.json`: format version, when, the database vendor, the latest applied migration
  of each app, the counts of listeners, enrollments, orders and documents, and every issued
  document's PDF path and SHA-256 as the database records them;
- `database.dump` (PostgreSQL, `pg_dump --format=custom`) or `database.sqlite3` (SQLite,
  copied by SQLite's online backup API);
- `media/…`: every file under MEDIA_ROOT.

Consistency: the manifest is read from the very snapshot that is dumped (PostgreSQL: pg_dump
runs on the snapshot exported by our REPEATABLE READ transaction; SQLite: it is read from the
copy). Files are added after the dump, so every file the dump refers to is already there; a
file written later is in the archive but referenced by nothing in it, which is harmless.

This module sits in the lowest app (institute), which may not import the others: their
models are looked up with `apps.get_model` inside the functions that need them.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.utils import timezone

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA_PREFIX = "media"
# What the manifest counts, by model; documents are also checked file by file.
COUNTED = {
    "listeners": "listeners.Listener",
    "enrollments": "listeners.Enrollment",
    "orders": "listeners.Order",
    "documents": "certificates.Document",
}
# Restore refuses a database holding rows in any table of these apps.
GUARDED_APPS = ("listeners", "certificates")
CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def default_output() -> Path:
    folder = Path(os.environ.get("BACKUP_DIR") or ".")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return folder / f"backup-{stamp}.tar.gz"


# --- PostgreSQL client ---------------------------------------------------------------------


def pg_program(name: str) -> str:
    """pg_dump / pg_restore: from PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    folders = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in folders:
        if (folder / name).is_file():
            return str(folder / name)
    raise CommandError(
        f"{name} was not found on PATH nor under /usr/lib/postgresql/*/bin: install the "
        "PostgreSQL client (Debian package postgresql-client)."
    )


def pg_environment(settings_dict: dict) -> dict:
    """Connection parameters for the PostgreSQL client programs, passed in the environment
    so that the password never appears on a command line (visible to every local user)."""
    env = os.environ.copy()
    for variable, key in (
        ("PGDATABASE", "NAME"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
    ):
        value = settings_dict.get(key)
        if value:
            env[variable] = str(value)
        else:
            env.pop(variable, None)
    options = settings_dict.get("OPTIONS") or {}
    for variable, key in (
        ("PGSSLMODE", "sslmode"),
        ("PGSSLROOTCERT", "sslrootcert"),
        ("PGSSLCERT", "sslcert"),
        ("PGSSLKEY", "sslkey"),
    ):
        if options.get(key):
            env[variable] = str(options[key])
    return env


def run_client(command: list[str], settings_dict: dict) -> None:
    result = subprocess.run(
        command, env=pg_environment(settings_dict), capture_output=True, text=True
    )
    if result.returncode != 0:
        raise CommandError(
            f"{Path(command[0]).name} failed (exit code {result.returncode}): "
            f"{result.stderr.strip() or result.stdout.strip()}"
        )


# --- the manifest -------------------------------------------------------------------------


def _table(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def read_state(cursor, quote) -> dict:
    """Counts, documents and migrations read through a DB-API cursor: the Django connection
    inside the dump's snapshot (PostgreSQL) or the copied SQLite file."""
    counts = {}
    for key, label in COUNTED.items():
        cursor.execute(f"SELECT COUNT(*) FROM {quote(_table(label))}")
        counts[key] = cursor.fetchone()[0]
    Document = apps.get_model("certificates.Document")  # noqa: N806 (a model class)
    columns = {name: Document._meta.get_field(name).column for name in ("number", "pdf")}
    cursor.execute(
        f"SELECT {quote(columns['number'])}, {quote(columns['pdf'])}, "
        f"{quote(Document._meta.get_field('pdf_sha256').column)} "
        f"FROM {quote(Document._meta.db_table)} "
        f"WHERE {quote(columns['pdf'])} <> '' ORDER BY {quote(columns['number'])}"
    )
    documents = [{"number": n, "pdf": p, "pdf_sha256": h} for n, p, h in cursor.fetchall()]
    cursor.execute("SELECT app, name FROM django_migrations")
    latest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        # Migration names start with their number: the greatest is the latest applied.
        if name > latest.get(app, ""):
            latest[app] = name
    return {
        "counts": counts,
        "documents": documents,
        "migrations": dict(sorted(latest.items())),
    }


# --- backup -------------------------------------------------------------------------------


def _dump_postgresql(target: Path) -> dict:
    if connection.in_atomic_block:
        raise CommandError("A backup must run outside a transaction.")
    pg_dump = pg_program("pg_dump")
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One snapshot for the manifest and the dump: pg_dump attaches to it.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            state = read_state(cursor, connection.ops.quote_name)
            run_client(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                connection.settings_dict,
            )
    return state


def _dump_sqlite(target: Path) -> dict:
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent image even while others write.
        connection.connection.backup(destination)
        state = read_state(destination.cursor(), connection.ops.quote_name)
    finally:
        destination.close()
    return state


def _media_files(root: Path, skip: Path) -> list[tuple[Path, str]]:
    """(file, name inside MEDIA_ROOT) of every regular file; symbolic links are left out."""
    found = []
    if not root.is_dir():
        return found
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not Path(folder, d).is_symlink())
        for name in sorted(filenames):
            path = Path(folder, name)
            if path.is_symlink() or not path.is_file() or path.resolve() == skip:
                continue
            found.append((path, path.relative_to(root).as_posix()))
    return found


class _HashingReader:
    """A file wrapper that hashes what tarfile reads from it."""

    def __init__(self, stream):
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.stream.read(size)
        self.digest.update(data)
        return data


def create_backup(output: Path) -> tuple[dict, list[str]]:
    """Write the archive to `output`; return its manifest and the problems found (document
    PDFs missing from MEDIA_ROOT or differing from their recorded hash)."""
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise CommandError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.part")
    media_root = Path(settings.MEDIA_ROOT).resolve()
    with tempfile.TemporaryDirectory(prefix="backup-") as work:
        dump = Path(work) / DUMPS[vendor]
        created_at = timezone.now()
        state = _dump_postgresql(dump) if vendor == "postgresql" else _dump_sqlite(dump)
        manifest = {
            "format_version": FORMAT_VERSION,
            "created_at": created_at.isoformat(),
            "database_vendor": vendor,
            **state,
        }
        problems = []
        hashes: dict[str, str] = {}
        try:
            with tarfile.open(partial, "w:gz") as archive:
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(created_at.timestamp())
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(data))
                archive.add(dump, arcname=DUMPS[vendor])
                for path, name in _media_files(media_root, partial):
                    try:
                        info = archive.gettarinfo(path, arcname=f"{MEDIA_PREFIX}/{name}")
                        with open(path, "rb") as stream:
                            reader = _HashingReader(stream)
                            # The hash of exactly the bytes archived (info.size of them).
                            archive.addfile(info, reader)
                    except FileNotFoundError:
                        continue  # deleted since the walk: the dump no longer needs it
                    hashes[name] = reader.digest.hexdigest()
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    for document in manifest["documents"]:
        found = hashes.get(document["pdf"])
        if found is None:
            problems.append(f"{document['number']}: {document['pdf']} is missing")
        elif found != document["pdf_sha256"]:
            problems.append(f"{document['number']}: {document['pdf']} differs from its hash")
    return manifest, problems


# --- restore ------------------------------------------------------------------------------


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or name.startswith("\\") or ".." in path.parts:
        raise CommandError(f"The archive holds an unsafe path, refused: {name!r}")
    return path


def read_archive(archive_path: Path) -> tuple[tarfile.TarFile, dict, list[tarfile.TarInfo]]:
    """Open and check the archive: only safe regular files and folders; return it, its
    manifest and its media members."""
    try:
        archive = tarfile.open(archive_path, "r:gz")
        members = archive.getmembers()
    except (OSError, tarfile.TarError) as error:
        raise CommandError(f"{archive_path} is not a readable backup archive: {error}") from error
    media = []
    names = set()
    for member in members:
        path = _safe_name(member.name)
        if not (member.isfile() or member.isdir()):
            raise CommandError(
                f"The archive holds a link or special file, refused: {member.name!r}"
            )
        if path.as_posix() in names:
            raise CommandError(f"The archive holds {member.name!r} twice, refused.")
        names.add(path.as_posix())
        if member.isfile() and path.parts[0] == MEDIA_PREFIX and len(path.parts) > 1:
            media.append(member)
    if MANIFEST not in names:
        raise CommandError(f"{archive_path} has no {MANIFEST}: not a backup of the register.")
    manifest = json.load(archive.extractfile(MANIFEST))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise CommandError(
            f"Unknown backup format {manifest.get('format_version')!r} "
            f"(this version reads {FORMAT_VERSION})."
        )
    vendor = manifest.get("database_vendor")
    if vendor != connection.vendor:
        raise CommandError(
            f"The backup is of a {vendor} database; this one is {connection.vendor}."
        )
    if DUMPS[vendor] not in names:
        raise CommandError(f"The archive has no {DUMPS[vendor]}.")
    return archive, manifest, media


def check_empty_database() -> None:
    tables = set(connection.introspection.table_names())
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for app in GUARDED_APPS:
            for model in apps.get_app_config(app).get_models():
                table = model._meta.db_table
                if table not in tables:
                    continue
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
                if cursor.fetchone():
                    raise CommandError(
                        f"The database is not empty (table {table} has rows): restore only "
                        "into an empty database. Create a new one, point DATABASE_URL at it "
                        "and run restore again."
                    )


def _media_target(root: Path, member: tarfile.TarInfo) -> Path:
    relative = PurePosixPath(member.name).relative_to(MEDIA_PREFIX)
    target = root.joinpath(*relative.parts)
    if not target.resolve().is_relative_to(root):
        raise CommandError(f"The archive's file {member.name!r} would land outside MEDIA_ROOT.")
    return target


def _restore_postgresql(archive: tarfile.TarFile, work: Path) -> None:
    pg_restore = pg_program("pg_restore")
    dump = work / DUMPS["postgresql"]
    with open(dump, "wb") as stream:
        shutil.copyfileobj(archive.extractfile(DUMPS["postgresql"]), stream, CHUNK)
    settings_dict = connection.settings_dict
    connections.close_all()
    run_client(
        [
            pg_restore,
            "--no-owner",
            "--clean",
            "--if-exists",
            "--single-transaction",  # all or nothing
            f"--dbname={settings_dict['NAME']}",
            str(dump),
        ],
        settings_dict,
    )


def _restore_sqlite(archive: tarfile.TarFile, work: Path) -> None:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise CommandError("Cannot restore into an in-memory SQLite database.")
    dump = work / DUMPS["sqlite"]
    with open(dump, "wb") as stream:
        shutil.copyfileobj(archive.extractfile(DUMPS["sqlite"]), stream, CHUNK)
    # The restored image replaces the whole database file: no connection may stay open.
    connections.close_all()
    source = sqlite3.connect(dump)
    destination = sqlite3.connect(name)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def verify(manifest: dict, media_root: Path) -> list[str]:
    """Compare the restored database and files with the manifest; return the mismatches."""
    problems = []
    for key, label in COUNTED.items():
        found = apps.get_model(label).objects.count()
        if found != manifest["counts"][key]:
            problems.append(f"{key}: {found} restored, {manifest['counts'][key]} in the backup")
    Document = apps.get_model("certificates.Document")  # noqa: N806 (a model class)
    recorded = {
        number: (pdf, sha)
        for number, pdf, sha in Document.objects.exclude(pdf="").values_list(
            "number", "pdf", "pdf_sha256"
        )
    }
    for document in manifest["documents"]:
        number = document["number"]
        if recorded.get(number) != (document["pdf"], document["pdf_sha256"]):
            problems.append(f"document {number}: not restored as recorded")
            continue
        path = media_root.joinpath(*PurePosixPath(document["pdf"]).parts)
        if not path.is_file():
            problems.append(f"document {number}: {document['pdf']} is missing")
        elif sha256_of(path) != document["pdf_sha256"]:
            problems.append(f"document {number}: {document['pdf']} differs from its hash")
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        latest: dict[str, str] = {}
        for app, name in cursor.fetchall():
            latest[app] = max(name, latest.get(app, ""))
    if latest != manifest["migrations"]:
        problems.append("the migration state differs from the backup's")
    return problems


def restore_backup(archive_path: Path) -> tuple[dict, int]:
    """Bring the archive back; return its manifest and the number of files restored.
    Raises CommandError before changing anything if the archive or the target is wrong."""
    archive, manifest, media = read_archive(archive_path)
    with archive:
        check_empty_database()
        media_root = Path(settings.MEDIA_ROOT).resolve()
        targets = [(member, _media_target(media_root, member)) for member in media]
        existing = [str(target) for _, target in targets if target.exists()]
        if existing:
            raise CommandError(
                f"{len(existing)} file(s) already exist in MEDIA_ROOT and would be overwritten, "
                f"refused (first: {existing[0]}). Restore into an empty MEDIA_ROOT."
            )
        with tempfile.TemporaryDirectory(prefix="restore-") as work:
            if manifest["database_vendor"] == "postgresql":
                _restore_postgresql(archive, Path(work))
            else:
                _restore_sqlite(archive, Path(work))
        for member, target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as stream:  # "x": never overwrite
                shutil.copyfileobj(archive.extractfile(member), stream, CHUNK)
            os.utime(target, (member.mtime, member.mtime))
    problems = verify(manifest, media_root)
    if problems:
        raise CommandError(
            "The restored data does not match the backup's manifest:\n  " + "\n  ".join(problems)
        )
    return manifest, len(targets)
