"""Background work on issued documents (takes ids only, runs after the commit)."""

from django.utils import timezone
from django_tasks import task

from certificates.models import IssueJob, IssueJobStatus
from certificates.services import documents_issue_missing
from institute.rules import RuleViolation


@task()
def documents_issue_job(job_id: int) -> None:
    """Issue the missing documents of the job's intake, reporting progress on the job row."""
    job = IssueJob.objects.select_related("intake", "created_by").get(pk=job_id)
    IssueJob.objects.filter(pk=job_id).update(status=IssueJobStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        IssueJob.objects.filter(pk=job_id).update(processed=done, total=total)

    try:
        issued = documents_issue_missing(intake=job.intake, by=job.created_by, progress=progress)
    except RuleViolation as error:
        IssueJob.objects.filter(pk=job_id).update(
            status=IssueJobStatus.FAILED, error=" ".join(error.messages), finished_at=timezone.now()
        )
        return
    except Exception as error:
        # Whole documents issued so far stay; starting the job again issues the rest.
        IssueJob.objects.filter(pk=job_id).update(
            status=IssueJobStatus.FAILED, error=str(error), finished_at=timezone.now()
        )
        raise
    IssueJob.objects.filter(pk=job_id).update(
        status=IssueJobStatus.DONE, issued=issued, finished_at=timezone.now()
    )
