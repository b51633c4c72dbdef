"""Background work on issued documents (takes ids only, runs after the commit)."""

from django.utils import timezone
from django_tasks import task

from certificates.models import IssueJob, IssueJobStatus
from certificates.services import documents_issue_missing
from institute.rules import RuleViolation


class JobClosed(Exception):
    """The job was closed as abandoned (issue_job_start) while this run was still going."""


@task()
def documents_issue_job(job_id: int) -> None:
    """Issue the missing documents of the job's intake, reporting progress on the job row.

    The job is claimed (queued → running) before anything is done, and every later update
    is made only while it is still running: a task that runs late (enqueued before the
    worker died, run once it restarts) or a worker that was wrongly thought dead finds its
    job closed and stops, leaving the state to the job that replaced it. The documents
    themselves are safe either way: each is issued under a lock of its enrollment."""
    claimed = IssueJob.objects.filter(pk=job_id, status=IssueJobStatus.QUEUED).update(
        status=IssueJobStatus.RUNNING, heartbeat_at=timezone.now()
    )
    if not claimed:
        return
    job = IssueJob.objects.select_related("intake", "created_by").get(pk=job_id)
    running = IssueJob.objects.filter(pk=job_id, status=IssueJobStatus.RUNNING)

    def progress(done: int, total: int, issued: int) -> None:
        if not running.update(
            processed=done, total=total, issued=issued, heartbeat_at=timezone.now()
        ):
            raise JobClosed

    try:
        issued = documents_issue_missing(intake=job.intake, by=job.created_by, progress=progress)
    except JobClosed:
        return
    except RuleViolation as error:
        running.update(
            status=IssueJobStatus.FAILED, error=" ".join(error.messages), finished_at=timezone.now()
        )
        return
    except Exception as error:
        # Whole documents issued so far stay; starting the job again issues the rest.
        running.update(status=IssueJobStatus.FAILED, error=str(error), finished_at=timezone.now())
        raise
    running.update(status=IssueJobStatus.DONE, issued=issued, finished_at=timezone.now())
