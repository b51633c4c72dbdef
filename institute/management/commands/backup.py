"""`manage.py backup [--output PATH]`: the database and MEDIA_ROOT in one .tar.gz (see
institute/backup.py for what the archive holds and why it is consistent)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from institute.backup import create_backup, default_output


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database and the stored files (MEDIA_ROOT) to one "
        ".tar.gz archive; by default backup-YYYYmmdd-HHMMSS.tar.gz in BACKUP_DIR or here."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="Path of the archive to write (default: backup-YYYYmmdd-HHMMSS.tar.gz in "
            "BACKUP_DIR, or in the current folder).",
        )

    def handle(self, *args, output: Path | None = None, **options):
        output = output or default_output()
        if output.exists():
            raise CommandError(f"{output} already exists: choose another --output.")
        manifest, problems = create_backup(output)
        counts = manifest["counts"]
        self.stdout.write(
            f"Backup written to {output.resolve()} ({output.stat().st_size:,} bytes): "
            f"{manifest['database_vendor']} database with {counts['listeners']} listeners, "
            f"{counts['enrollments']} enrollments, {counts['orders']} orders, "
            f"{counts['documents']} documents ({len(manifest['documents'])} PDFs)."
        )
        if problems:
            # The archive is kept (the database in it is still worth having), but the run
            # fails so that cron reports it.
            raise CommandError(
                f"The backup was written, but {len(problems)} document PDF(s) in MEDIA_ROOT "
                "do not match the database; a restore of it will report them:\n  "
                + "\n  ".join(problems)
            )
