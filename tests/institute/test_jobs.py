"""The job runner (institute.jobs) on real job rows: a job is claimed once, a run that lost
its job changes nothing, a job is ended only from its running status, and a job whose
worker died is told from one that is merely long."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from certificates.models import IssueJob, IssueJobStatus
from courses.models import Intake
from institute.jobs import (
    JobClosed,
    JobRun,
    enqueue_on_commit,
    job_reclaim_stale,
    jobs_close_stale,
)
from tests.conftest import make_intake

pytestmark = pytest.mark.django_db

QUEUED, RUNNING = IssueJobStatus.QUEUED, IssueJobStatus.RUNNING
DONE, FAILED = IssueJobStatus.DONE, IssueJobStatus.FAILED


@pytest.fixture
def intake() -> Intake:
    return make_intake()


def make_job(intake: Intake, by, **fields) -> IssueJob:
    return IssueJob.objects.create(intake=intake, created_by=by, **fields)


def claim(job: IssueJob) -> JobRun | None:
    return JobRun.claim(IssueJob, job.pk, from_status=QUEUED, running=RUNNING)


def silent_for(job: IssueJob, minutes: int) -> None:
    heartbeat = timezone.now() - datetime.timedelta(minutes=minutes)
    IssueJob.objects.filter(pk=job.pk).update(heartbeat_at=heartbeat)


def test_a_job_is_claimed_once(intake, administrator):
    job = make_job(intake, administrator)
    silent_for(job, 1)
    first = claim(job)
    second = claim(job)
    assert first is not None and second is None
    job.refresh_from_db()
    assert job.status == RUNNING
    assert job.heartbeat_at > timezone.now() - datetime.timedelta(seconds=30)


def test_a_finished_job_is_not_claimed_again(intake, administrator):
    job = make_job(intake, administrator, status=DONE, processed=4)
    assert claim(job) is None
    job.refresh_from_db()
    assert (job.status, job.processed) == (DONE, 4)


def test_progress_is_written_while_the_run_holds_the_job(intake, administrator):
    job = make_job(intake, administrator)
    run = claim(job)
    run.progress(2, 5, issued=1)
    run.progress(3)  # the total stays as it was
    job.refresh_from_db()
    assert (job.processed, job.total, job.issued, job.status) == (3, 5, 1, RUNNING)


def test_progress_after_the_job_was_closed_raises_and_changes_nothing(intake, administrator):
    job = make_job(intake, administrator)
    run = claim(job)
    run.progress(1, 5, issued=1)
    IssueJob.objects.filter(pk=job.pk).update(status=FAILED, error="closed as abandoned")
    job.refresh_from_db()
    before = (job.status, job.processed, job.total, job.issued, job.heartbeat_at, job.error)
    with pytest.raises(JobClosed):
        run.progress(4, 5, issued=4)
    with pytest.raises(JobClosed):
        run.heartbeat()
    job.refresh_from_db()
    assert (job.status, job.processed, job.total, job.issued, job.heartbeat_at, job.error) == (
        before
    )


def test_a_run_ends_its_job_once_and_only_from_running(intake, administrator):
    job = make_job(intake, administrator)
    run = claim(job)
    assert run.finish(DONE, issued=3) is True
    assert run.fail("too late") is False
    assert run.finish(DONE, issued=9) is False
    job.refresh_from_db()
    assert (job.status, job.issued, job.error) == (DONE, 3, "")
    assert job.finished_at is not None


def test_a_queued_job_is_not_ended_by_a_run_that_never_claimed_it(intake, administrator):
    job = make_job(intake, administrator)
    run = JobRun(IssueJob, job.pk, RUNNING)
    assert run.fail("not mine") is False
    job.refresh_from_db()
    assert (job.status, job.error, job.finished_at) == (QUEUED, "", None)


def test_a_failed_run_says_why(intake, administrator):
    job = make_job(intake, administrator)
    run = claim(job)
    assert run.fail("the institute has no head") is True
    job.refresh_from_db()
    assert (job.status, job.error) == (FAILED, "the institute has no head")
    assert job.finished_at is not None


def test_a_stage_handed_on_is_not_marked_finished(intake, administrator):
    job = make_job(intake, administrator)
    run = claim(job)
    assert run.finish(QUEUED, finished_at=None) is True
    job.refresh_from_db()
    assert (job.status, job.finished_at) == (QUEUED, None)


def test_attach_holds_a_job_already_running_and_nothing_else(intake, administrator):
    running = make_job(intake, administrator, status=RUNNING)
    queued = make_job(intake, administrator)
    assert JobRun.attach(IssueJob, running.pk, running=RUNNING) is not None
    assert JobRun.attach(IssueJob, queued.pk, running=RUNNING) is None


def test_the_row_is_locked_and_read_only_while_the_run_holds_it(intake, administrator):
    job = make_job(intake, administrator)
    run = claim(job)
    with transaction.atomic():
        assert run.locked("intake").intake == intake
    run.finish(DONE)
    with transaction.atomic():
        assert run.locked() is None
    with pytest.raises(JobClosed):
        run.job()


def test_only_jobs_silent_past_the_limit_are_closed(intake, administrator, settings):
    settings.BACKGROUND_JOB_STALE_AFTER = datetime.timedelta(minutes=15)
    dead = make_job(intake, administrator, status=RUNNING)
    never_started = make_job(intake, administrator)
    long = make_job(intake, administrator, status=RUNNING)
    finished = make_job(intake, administrator, status=DONE)
    for job in (dead, never_started, finished):
        silent_for(job, 16)
    silent_for(long, 14)
    dead.refresh_from_db()
    long.refresh_from_db()
    assert dead.stalled and not long.stalled and long.busy
    closed = jobs_close_stale(IssueJob.objects.all(), message="The worker stopped")
    assert closed == 2
    statuses = dict(IssueJob.objects.values_list("pk", "status"))
    assert statuses == {
        dead.pk: FAILED,
        never_started.pk: FAILED,
        long.pk: RUNNING,
        finished.pk: DONE,
    }
    dead.refresh_from_db()
    assert dead.error == "The worker stopped" and dead.finished_at is not None
    assert not dead.stalled and not dead.busy


def test_a_run_of_a_job_closed_as_stale_stops(intake, administrator, settings):
    settings.BACKGROUND_JOB_STALE_AFTER = datetime.timedelta(minutes=15)
    job = make_job(intake, administrator)
    run = claim(job)
    silent_for(job, 16)
    jobs_close_stale(IssueJob.objects.filter(pk=job.pk), message="The worker stopped")
    with pytest.raises(JobClosed):
        run.progress(1)
    assert run.finish(DONE) is False
    job.refresh_from_db()
    assert (job.status, job.processed) == (FAILED, 0)


def test_a_stale_job_is_reclaimed_by_one_caller_only(intake, administrator, settings):
    settings.BACKGROUND_JOB_STALE_AFTER = datetime.timedelta(minutes=15)
    job = make_job(intake, administrator, status=RUNNING, processed=7)
    jobs = IssueJob.objects.filter(pk=job.pk)
    silent_for(job, 14)
    assert job_reclaim_stale(jobs, status=RUNNING, processed=0) is False  # merely long
    silent_for(job, 16)
    assert job_reclaim_stale(jobs, status=QUEUED) is False  # not in that status
    assert job_reclaim_stale(jobs, status=RUNNING, processed=0) is True
    assert job_reclaim_stale(jobs, status=RUNNING, processed=0) is False  # alive again
    job.refresh_from_db()
    assert (job.status, job.processed, job.stalled) == (RUNNING, 0, False)


def test_a_task_is_enqueued_only_once_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    started: list[tuple] = []

    class Task:
        def enqueue(self, *args) -> None:
            started.append(args)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(Task(), 12, "kk")
        assert started == []
    assert len(callbacks) == 1 and started == [(12, "kk")]
