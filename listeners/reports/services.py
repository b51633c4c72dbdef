"""Big exports prepared by the worker (accounting for a period, the five-year report of a
scope): the job is made by the page, the task writes the file and reports its progress."""

import datetime
import logging

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from django_tasks import task

from institute.jobs import JobClosed, JobRun, enqueue_on_commit
from institute.models import District, Organisation, Region, User
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
    """Write an export's file; the page polls the job for its progress. Only the worker that
    claimed the job writes to it (institute.jobs): a late or second run stops."""
    run = JobRun.claim(
        ExportJob, job_id, from_status=ExportStatus.QUEUED, running=ExportStatus.RUNNING
    )
    if run is None:
        return  # already built, or being built by another worker
    job = run.job("created_by")
    try:
        data, filename = EXPORT_BUILDERS[job.kind](job, run.progress)
    except JobClosed:
        return
    except Exception:
        logger.exception("Export %s failed", job_id)
        with override(job.language):
            run.fail(str(_("The export could not be prepared. Please try again.")))
        return
    job.file.save(filename, ContentFile(data), save=False)
    if not run.finish(ExportStatus.DONE, file=job.file.name, filename=filename):
        job.file.delete(save=False)  # closed meanwhile: no row names the file
