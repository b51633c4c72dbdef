"""The one way background work holds its job row (a `BackgroundJob`): claim, heartbeat,
progress, fail, finish, and the closing or reclaiming of jobs whose worker died.

Why every step is a conditional UPDATE on the job's status, never a read then a save:

- A claim survives a killed worker. Claiming moves the row from one status to a running
  status in one statement, so of two workers only one gets the job; a worker killed half
  way leaves the row running, and once it has been silent past `job_stale_before()` the
  service that owns the job closes it (`jobs_close_stale`) or claims it again
  (`job_reclaim_stale`) and starts a new task.
- A late task changes nothing. Every later write of a run (`heartbeat`, `progress`,
  `finish`, `fail`) is made only while the row is still in the running status this run
  holds: a task that runs late (enqueued before the worker died, run once it restarts), a
  duplicate, or a worker wrongly thought dead finds its job closed or taken over, and
  `heartbeat`/`progress` raise `JobClosed` so it stops where it is.

A job with two stages (an import: checking, then importing) is two runs, one per stage,
each holding its own running status. A stage whose last write must go with other writes
(the import saves the list and marks the job imported together) locks the row with
`JobRun.locked()` inside that transaction, and finishes through the same run.
"""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from institute.models import BackgroundJob, job_stale_before

Job = TypeVar("Job", bound=BackgroundJob)


class JobClosed(Exception):
    """The job left the running status this run holds (closed as abandoned, taken over by
    another worker, or already finished): the run must stop and change nothing more."""


class JobRun(Generic[Job]):
    """One worker's hold on one job while the job stays in `running`."""

    def __init__(self, model: type[Job], job_id: int, running: str) -> None:
        self.model, self.job_id, self.running = model, job_id, running

    @classmethod
    def claim(
        cls, model: type[Job], job_id: int, *, from_status: str, running: str, **fields: Any
    ) -> "JobRun[Job] | None":
        """Move the job from `from_status` to `running` (with `fields`, e.g. processed=0)
        and hold it; None when it is not in `from_status` (another worker has it, or it is
        finished or closed)."""
        claimed = model.objects.filter(pk=job_id, status=from_status).update(
            status=running, heartbeat_at=timezone.now(), **fields
        )
        return cls(model, job_id, running) if claimed else None

    @classmethod
    def attach(cls, model: type[Job], job_id: int, *, running: str) -> "JobRun[Job] | None":
        """Hold a job that the service enqueuing the task already put in `running` (an
        import confirmed in the request, a check that starts with the upload); None when it
        is no longer in it."""
        run = cls(model, job_id, running)
        try:
            run.heartbeat()
        except JobClosed:
            return None
        return run

    @property
    def rows(self) -> QuerySet[Job]:
        """The job's row, as long as this run still holds it."""
        return self.model.objects.filter(pk=self.job_id, status=self.running)

    def job(self, *related: str) -> Job:
        """The job as it stands (with `related` joined); JobClosed if no longer held."""
        job = self.rows.select_related(*related).first()
        if job is None:
            raise JobClosed
        return job

    def locked(self, *related: str) -> Job | None:
        """The job's row locked until the surrounding transaction ends, or None when the
        run no longer holds it (a second run waits for the lock, then gets None)."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("JobRun.locked must run inside the transaction it guards")
        return self.rows.select_for_update(of=("self",)).select_related(*related).first()

    def _update(self, **fields: Any) -> bool:
        return bool(self.rows.update(heartbeat_at=timezone.now(), **fields))

    def heartbeat(self) -> None:
        """A sign of life, so the job is not taken for abandoned; JobClosed if not held."""
        if not self._update():
            raise JobClosed

    def progress(self, done: int, total: int | None = None, **counts: int) -> None:
        """How far the run has got (`processed`, and `total` and other counts when given,
        e.g. issued=...); a sign of life too. JobClosed if the job is no longer held."""
        if total is not None:
            counts["total"] = total
        if not self._update(processed=done, **counts):
            raise JobClosed

    def finish(self, status: str, **fields: Any) -> bool:
        """End this run with `status` and `fields`; `finished_at` is now unless `fields`
        says otherwise (a stage that hands the job on gives finished_at=None). Says whether
        it did: False when the job was no longer held, and then nothing changed."""
        return self._update(status=status, **{"finished_at": timezone.now(), **fields})

    def fail(self, message: str, *, status: str = "failed") -> bool:
        """End this run as failed, with the reason a person reads on the job's page."""
        return self.finish(status, error=message)


def _stale(jobs: QuerySet[Job], statuses: tuple[str, ...] | None = None) -> QuerySet[Job]:
    """Those of `jobs` unfinished (or in `statuses`) and silent past the limit."""
    statuses = statuses if statuses is not None else jobs.model.UNFINISHED
    return jobs.filter(status__in=statuses, heartbeat_at__lt=job_stale_before())


def jobs_close_stale(jobs: QuerySet[Job], *, message: str, status: str = "failed") -> int:
    """Close as failed, with `message`, every one of `jobs` that is unfinished and silent
    past `job_stale_before()` (its worker died), and return how many. Their tasks, should
    they still run, find them closed and change nothing."""
    return _stale(jobs).update(status=status, error=message, finished_at=timezone.now())


def job_reclaim_stale(jobs: QuerySet[Job], *, status: str, **fields: Any) -> bool:
    """Take over one of `jobs` left in `status` (a running status) by a worker that died:
    its heartbeat is renewed (with `fields`, e.g. processed=0) so a new task can attach to
    it, and only one caller gets it. Says whether this caller did."""
    return bool(_stale(jobs, (status,)).update(heartbeat_at=timezone.now(), **fields))


def enqueue_on_commit(task: Any, *args: Any) -> None:
    """Start the task once the transaction that wrote the rows it reads has committed (at
    once outside one): a task reads ids, and the worker must find them."""
    enqueue: Callable[..., Any] = task.enqueue
    transaction.on_commit(lambda: enqueue(*args))
