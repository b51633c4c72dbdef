"""`manage.py restore ARCHIVE`: bring a backup made by `manage.py backup` back into an empty
database and MEDIA_ROOT, then check it against the archive's manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from institute.backup import restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an EMPTY database and MEDIA_ROOT (existing rows or "
        "files are never overwritten), then check counts and document PDFs against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The .tar.gz written by manage.py backup.")

    def handle(self, *args, archive: Path, **options):
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist.")
        manifest, files = restore_backup(archive)
        counts = manifest["counts"]
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']} ({manifest['database_vendor']}): "
            f"{counts['listeners']} listeners, {counts['enrollments']} enrollments, "
            f"{counts['orders']} orders, {counts['documents']} documents; {files} files in "
            f"MEDIA_ROOT; all {len(manifest['documents'])} document PDFs match their SHA-256."
        )
        self.stdout.write("If this code is newer than the backup, run `manage.py migrate` now.")
