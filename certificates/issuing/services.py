"""Issuing the documents still missing in an intake (§12), in the foreground or as a
background job whose page shows how far it has got. The task lives here, beside the
service that enqueues it; it takes the job's id and starts once the job is committed."""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from certificates.models import DocumentStatus, IssueJob, IssueJobStatus
from certificates.services import (
    NOTHING_TO_ISSUE,
    document_issue,
    documents_issue_together,
    issuing_institute,
)
from courses.models import Intake
from institute.jobs import JobClosed, JobRun, enqueue_on_commit, jobs_close_stale
from institute.models import User
from institute.rules import RuleViolation
from institute.signing.pades import SigningFailed
from institute.signing.parallel import RenderPool, pool_size
from listeners.models import Enrollment
from listeners.rules import EnrollmentState

# Documents a worker process renders per batch: the issuing transaction (and the lock on the
# number series) lasts one batch, a fraction of a second.
BATCH_PER_PROCESS = 4


def documents_issue_missing(
    *,
    intake: Intake,
    by: User | None,
    progress: Callable[[int, int, int], None] | None = None,
) -> int:
    """Issue a document to every completed enrollment of the intake that has no valid one,
    in the order of the listeners' names, and return how many were issued.

    Each document is issued in its own transaction: if the run stops half way, the documents
    issued so far are whole, and running it again issues only what is still missing.
    `progress(done, total, issued)` is called before the first and after each enrollment, so
    the page following the job counts the documents issued as they are.
    """
    issuing_institute()  # refuse the whole run at once rather than each enrollment
    pending = list(
        Enrollment.objects.filter(intake=intake, state=EnrollmentState.COMPLETED)
        .exclude(documents__status=DocumentStatus.VALID)
        .order_by("listener__last_name", "listener__first_name", "listener__patronymic", "pk")
        .only("pk")
    )
    total, issued = len(pending), 0
    if progress:
        progress(0, total, 0)
    processes = pool_size()
    if processes > 1 and total >= settings.ISSUE_PARALLEL_FROM:
        return _issue_in_parallel(pending, by=by, processes=processes, progress=progress)
    for done, enrollment in enumerate(pending, start=1):
        try:
            document_issue(enrollment=enrollment, by=by)
        except RuleViolation as error:
            # Issued by someone else meanwhile, or no longer completed: nothing to do.
            if error.code not in NOTHING_TO_ISSUE:
                raise
        else:
            issued += 1
        if progress:
            progress(done, total, issued)
    return issued


def _issue_in_parallel(
    pending: list[Enrollment],
    *,
    by: User | None,
    processes: int,
    progress: Callable[[int, int, int], None] | None,
) -> int:
    """documents_issue_missing on every CPU: the enrollments go in batches of a few
    documents per process, each batch issued in one transaction whose PDFs are rendered and
    signed side by side (certificates.services.documents_issue_together). A batch that
    cannot be signed issues nothing; the batches before it stay issued."""
    batch_size = processes * BATCH_PER_PROCESS
    total, issued = len(pending), 0
    with RenderPool(processes) as pool:
        for start in range(0, total, batch_size):
            batch = pending[start : start + batch_size]
            issued += len(documents_issue_together(enrollments=batch, by=by, pool=pool))
            if progress:
                progress(start + len(batch), total, issued)
    return issued


@transaction.atomic
def issue_job_start(*, intake: Intake, by: User) -> IssueJob:
    """Start issuing the intake's missing documents in the background; the job reports its
    progress. The task starts once this transaction has committed.

    While a job of the intake is queued or running, that job is returned instead of a second
    one (a double click, or two administrators at once): the intake row is locked while
    looking, so two requests cannot both start one."""
    Intake.objects.select_for_update().filter(pk=intake.pk).first()
    unfinished = IssueJob.objects.filter(intake=intake, status__in=IssueJob.UNFINISHED)
    # A job silent for longer than any document takes was left by a worker that died
    # (killed, machine restarted): it is closed as failed, and a new job issues what it did
    # not, since every document is issued in its own transaction. Should the old task still
    # run later, it finds its job closed and does nothing (documents_issue_job).
    jobs_close_stale(
        unfinished, message=_("The worker stopped before the job finished; start it again.")
    )
    running = unfinished.first()
    if running is not None:
        return running
    job = IssueJob.objects.create(intake=intake, created_by=by)
    enqueue_on_commit(documents_issue_job, job.pk)
    return job


@task()
def documents_issue_job(job_id: int) -> None:
    """Issue the missing documents of the job's intake, reporting progress on the job row.

    The job is claimed (queued → running) before anything is done, and every later write
    is made only while it is still running (institute.jobs): a task that runs late, or a
    worker wrongly thought dead, finds its job closed and stops, leaving the state to the
    job that replaced it. The documents themselves are safe either way: each is issued
    under a lock of its enrollment."""
    run = JobRun.claim(
        IssueJob, job_id, from_status=IssueJobStatus.QUEUED, running=IssueJobStatus.RUNNING
    )
    if run is None:
        return

    def progress(done: int, total: int, issued: int) -> None:
        run.progress(done, total, issued=issued)

    try:
        job = run.job("intake", "created_by")
        issued = documents_issue_missing(intake=job.intake, by=job.created_by, progress=progress)
    except JobClosed:
        return
    except SigningFailed as error:
        if not error.transient:
            run.fail(" ".join(error.messages))
            return
        # The time-stamping service did not answer: what was issued stays whole, the document
        # that failed was not issued at all (its number went back), and the job waits in the
        # queue, saying why, to be tried again.
        run.finish(IssueJobStatus.QUEUED, error=" ".join(error.messages), finished_at=None)
        _retry_later(job_id)
        return
    except RuleViolation as error:
        run.fail(" ".join(error.messages))
        return
    except Exception as error:
        # Whole documents issued so far stay; starting the job again issues the rest.
        run.fail(str(error))
        raise
    run.finish(IssueJobStatus.DONE, issued=issued, error="")


def _retry_later(job_id: int) -> None:
    """Queue the job's task again after SIGNING_RETRY_SECONDS, where the task backend can
    defer (the worker's database backend does); a backend that runs tasks at once (the
    tests) leaves the job queued for a person or a test to start."""
    task = documents_issue_job
    if not task.get_backend().supports_defer:
        return
    run_after = timezone.now() + datetime.timedelta(seconds=settings.SIGNING_RETRY_SECONDS)
    task.using(run_after=run_after).enqueue(job_id)
