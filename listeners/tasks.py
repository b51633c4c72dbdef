"""Background work on listeners: checking and importing an uploaded list (takes ids only)."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from institute.rules import RuleViolation
from listeners.imports import ImportFileError, rows_apply, rows_check, rows_read
from listeners.models import ImportJob, ImportStatus


@task()
def import_check(job_id: int) -> None:
    """Read the uploaded file and mark every bad row; the page shows the progress."""
    job = ImportJob.objects.select_related("intake").get(pk=job_id)
    try:
        with job.file.open("rb") as handle:
            rows = rows_read(handle.read(), job.filename)
    except ImportFileError as error:
        job.status, job.error, job.finished_at = ImportStatus.INVALID, str(error), timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return
    job.total = len(rows)
    job.save(update_fields=["total"])

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed=done)

    rows = rows_check(intake=job.intake, rows=rows, progress=progress)
    job.rows = [row.as_dict() for row in rows]
    job.processed = len(rows)
    job.status = ImportStatus.INVALID if any(r.errors for r in rows) else ImportStatus.CHECKED
    job.save(update_fields=["rows", "processed", "status"])


@task()
def import_apply(job_id: int) -> None:
    """Import a checked list, all or nothing."""
    job = ImportJob.objects.select_related("intake", "created_by").get(pk=job_id)
    try:
        count = rows_apply(job=job, by=job.created_by)
    except RuleViolation as error:
        job.status, job.error = ImportStatus.FAILED, " ".join(error.messages)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return
    job.status, job.imported, job.finished_at = ImportStatus.IMPORTED, count, timezone.now()
    job.save(update_fields=["status", "imported", "finished_at"])


def enqueue_on_commit(runner, job_id: int) -> None:
    """Background tasks take ids and start once the row they read is committed."""
    transaction.on_commit(lambda: runner.enqueue(job_id))
