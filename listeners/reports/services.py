"""Big exports prepared by the worker (accounting for a period, the five-year report of a
scope): the job is made by the page, the task writes the file and reports its progress."""

import datetime
import logging

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from django_tasks import task

from institute.models import District, Organisation, Region, User
from institute.services import enqueue_on_commit
from listeners.models import (
    ExportJob,
    ExportKind,
    ExportStatus,
)
from listeners.reports.exports import accounting_xlsx, compliance_xlsx
from listeners.reports.queries import Scope

logger = logging.getLogger(__name__)


def _accounting(job: ExportJob, progress) -> tuple[bytes, str]:
    start = datetime.date.fromisoformat(job.params["start"])
    end = datetime.date.fromisoformat(job.params["end"])
    data = accounting_xlsx(
        start=start, end=end, language=job.language, progress=progress, viewer=job.created_by
    )
    return data, f"accounting-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"


def _compliance(job: ExportJob, progress) -> tuple[bytes, str]:
    """The scope's ids were narrowed to what the asker may see when the job was made."""
    params = job.params
    scope = Scope(
        region=Region.objects.filter(pk=params.get("region")).first(),
        district=District.objects.filter(pk=params.get("district")).first(),
        organisation=Organisation.objects.filter(pk=params.get("organisation")).first(),
    )
    creator = job.created_by
    if creator is not None and creator.sees_one_district and scope.district != creator.district:
        # Narrowed when the job was made; a place deleted since must not widen it to all.
        scope = Scope(region=creator.district.region, district=creator.district)
    on = datetime.date.fromisoformat(params["on"])
    data = compliance_xlsx(
        scope=scope,
        on=on,
        status=params.get("status", ""),
        query=params.get("q", ""),
        language=job.language,
        progress=progress,
    )
    return data, f"five-year-rule-{on:%Y%m%d}.xlsx"


EXPORT_BUILDERS = {ExportKind.ACCOUNTING: _accounting, ExportKind.COMPLIANCE: _compliance}


def export_job_start(*, kind: str, params: dict, language: str, by: User) -> ExportJob:
    """Make the job of an export and hand it to the worker once it is committed; the page
    follows its progress (`export_build`)."""
    job = ExportJob.objects.create(kind=kind, params=params, language=language, created_by=by)
    enqueue_on_commit(export_build, job.pk)
    return job


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
