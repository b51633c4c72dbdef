"""Background work on listeners: checking and importing an uploaded list, preparing big
exports, and the e-mails a page should not wait for (takes ids only)."""

import datetime
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from django_tasks import task

from institute.models import District, Organisation, Region
from institute.rules import RuleViolation
from listeners import exports, reports
from listeners.imports import ImportFileError, rows_apply, rows_check, rows_read
from listeners.models import (
    Enrollment,
    ExportJob,
    ExportKind,
    ExportStatus,
    ImportJob,
    ImportStatus,
)

logger = logging.getLogger(__name__)


@task()
def import_check(job_id: int) -> None:
    """Read the uploaded file and mark every bad row; the page shows the progress.

    Every write is made only while the job is still being checked: a check that runs late
    (enqueued before the worker died, run again by hand, and now run once more by the
    restarted worker) finds the job checked or imported already and changes nothing."""
    checking = ImportJob.objects.filter(pk=job_id, status=ImportStatus.CHECKING)
    if not checking.update(heartbeat_at=timezone.now()):
        return
    try:
        _check(ImportJob.objects.select_related("intake").get(pk=job_id), checking)
    except Exception:
        # Logged with the task's result; the page stops waiting and says what to do.
        checking.update(
            status=ImportStatus.INVALID,
            error=str(_("The list could not be checked because of an unexpected error.")),
            finished_at=timezone.now(),
        )
        raise


def _check(job: ImportJob, checking: QuerySet[ImportJob]) -> None:
    try:
        with job.file.open("rb") as handle:
            rows = rows_read(handle.read(), job.filename)
    except ImportFileError as error:
        checking.update(status=ImportStatus.INVALID, error=str(error), finished_at=timezone.now())
        return
    checking.update(total=len(rows), processed=0, heartbeat_at=timezone.now())

    def progress(done: int) -> None:
        checking.update(processed=done, heartbeat_at=timezone.now())

    rows = rows_check(intake=job.intake, rows=rows, progress=progress)
    checking.update(
        rows=[row.as_dict() for row in rows],
        processed=len(rows),
        status=ImportStatus.INVALID if any(r.errors for r in rows) else ImportStatus.CHECKED,
        heartbeat_at=timezone.now(),
    )


@task()
def import_apply(job_id: int) -> None:
    """Import a confirmed list, all or nothing, and only once.

    The job row is locked, and must still be importing, in the transaction that saves the
    list and marks it imported: a worker killed half way leaves nothing and the job still
    importing (to be started again once it has gone silent, see ImportJob.stalled), and a
    second run of the task (a late one, or one started again by hand) waits for the lock,
    then finds the job imported and does nothing."""
    importing = ImportJob.objects.filter(pk=job_id, status=ImportStatus.IMPORTING)
    importing.update(heartbeat_at=timezone.now())
    try:
        _apply(importing)
    except Exception:
        # Nothing was saved; logged with the task's result, and the page says so at once.
        importing.update(
            status=ImportStatus.FAILED,
            error=str(_("The import stopped on an unexpected error: nothing was imported.")),
            finished_at=timezone.now(),
        )
        raise


def _apply(importing: QuerySet[ImportJob]) -> None:
    with transaction.atomic():
        job = (
            importing.select_for_update(of=("self",)).select_related("intake", "created_by").first()
        )
        if job is None:
            return
        try:
            count = rows_apply(job=job, by=job.created_by)
        except RuleViolation as error:
            job.status, job.error = ImportStatus.FAILED, " ".join(error.messages)
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            return
        job.status, job.imported, job.finished_at = ImportStatus.IMPORTED, count, timezone.now()
        job.save(update_fields=["status", "imported", "finished_at"])


def _accounting(job: ExportJob, progress) -> tuple[bytes, str]:
    start = datetime.date.fromisoformat(job.params["start"])
    end = datetime.date.fromisoformat(job.params["end"])
    data = exports.accounting_xlsx(
        start=start, end=end, language=job.language, progress=progress, viewer=job.created_by
    )
    return data, f"accounting-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"


def _compliance(job: ExportJob, progress) -> tuple[bytes, str]:
    """The scope's ids were narrowed to what the asker may see when the job was made."""
    params = job.params
    scope = reports.Scope(
        region=Region.objects.filter(pk=params.get("region")).first(),
        district=District.objects.filter(pk=params.get("district")).first(),
        organisation=Organisation.objects.filter(pk=params.get("organisation")).first(),
    )
    creator = job.created_by
    if creator is not None and creator.sees_one_district and scope.district != creator.district:
        # Narrowed when the job was made; a place deleted since must not widen it to all.
        scope = reports.Scope(region=creator.district.region, district=creator.district)
    on = datetime.date.fromisoformat(params["on"])
    data = exports.compliance_xlsx(
        scope=scope,
        on=on,
        status=params.get("status", ""),
        query=params.get("q", ""),
        language=job.language,
        progress=progress,
    )
    return data, f"five-year-rule-{on:%Y%m%d}.xlsx"


EXPORT_BUILDERS = {ExportKind.ACCOUNTING: _accounting, ExportKind.COMPLIANCE: _compliance}


@task()
def export_build(job_id: int) -> None:
    """Write an export's file; the page polls the job for its progress."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, heartbeat_at=timezone.now()
    )
    if not claimed:
        return  # already built, or being built by another worker
    job = ExportJob.objects.get(pk=job_id)

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(
            processed=done, total=total, heartbeat_at=timezone.now()
        )

    try:
        data, filename = EXPORT_BUILDERS[job.kind](job, progress)
    except Exception:
        logger.exception("Export %s failed", job_id)
        with override(job.language):
            job.error = str(_("The export could not be prepared. Please try again."))
        job.status, job.finished_at = ExportStatus.FAILED, timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return
    job.refresh_from_db(fields=["processed", "total"])
    job.file.save(filename, ContentFile(data), save=False)
    job.filename, job.status, job.finished_at = filename, ExportStatus.DONE, timezone.now()
    job.save(update_fields=["file", "filename", "status", "finished_at"])


@task()
def invite_admitted(enrollment_ids: list[int], base_url: str) -> int:
    """E-mail an invitation to each listener just admitted who has no password yet (an
    admission by one order may name dozens; a mail server may be slow). Whoever already set
    a password meanwhile is skipped, so a rerun sends nobody a second link they need not."""
    from listeners.online import admitted_invite

    enrollments = list(Enrollment.objects.filter(pk__in=enrollment_ids).select_related("listener"))
    return admitted_invite(enrollments=enrollments, request_or_base_url=base_url)


@task()
def confirm_application(
    enrollment_id: int, invite: bool, base_url: str, language: str | None
) -> bool:
    """E-mail the confirmation of an online application (with the invitation link when the
    form decided to invite): the applicant's page does not wait for the mail server."""
    from listeners.online import application_confirm

    return application_confirm(
        enrollment_id=enrollment_id,
        invite=invite,
        request_or_base_url=base_url,
        language=language,
    )


def enqueue_on_commit(runner, job_id: int) -> None:
    """Background tasks take ids and start once the row they read is committed."""
    transaction.on_commit(lambda: runner.enqueue(job_id))
