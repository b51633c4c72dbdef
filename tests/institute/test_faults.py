"""A worker killed in the middle of a job, for real: `manage.py db_worker` runs as a separate
process against the test database, is sent SIGKILL half way through issuing an intake's
documents or importing a list, and a new worker then finishes the job once it is started
again. Whatever the moment of the kill, every completed listener ends with exactly one
document, numbered without gaps, and a list is imported whole, once.

PostgreSQL only: the pytest database on SQLite lives in memory, where no other process can
see it."""

import datetime
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django_tasks_db.models import DBTaskResult

from certificates.issuing.services import documents_issue_job, issue_job_start
from certificates.models import Document, DocumentStatus, IssueJob, IssueJobStatus
from listeners.imports.services import import_apply, import_check, import_job_run
from listeners.models import Enrollment, EnrollmentTransition, ImportJob, ImportStatus, Listener
from listeners.rules import EnrollmentState
from tests.certificates.conftest import make_completed, make_issuing_institute
from tests.conftest import DATABASE_TASKS, make_enrollment, make_iin, make_intake, make_listener
from tests.institute.test_backup import database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

BASE_DIR = Path(settings.BASE_DIR)
# Generous: CI is a busy two-core machine. Nothing waits this long when all is well.
PATIENCE = 60.0


@pytest.fixture
def worker(settings, tmp_path) -> Iterator[Callable[[], subprocess.Popen]]:
    """Starts `manage.py db_worker` in its own process group on the test database, with the
    stored files in a temporary folder shared with the test; every worker started is killed
    when the test ends, whatever happened."""
    settings.TASKS = DATABASE_TASKS
    settings.MEDIA_ROOT = tmp_path / "media"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict, connection.settings_dict["NAME"]),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DEBUG": "true",
    }
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        log_path = tmp_path / f"worker-{len(started)}.log"
        log = open(log_path, "wb")  # noqa: SIM115
        process = subprocess.Popen(
            # No reloader: it would run the worker in a child process that SIGKILL misses.
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
            + ["--interval", "0.1"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        process.log_path = log_path  # type: ignore[attr-defined]
        started.append(process)
        return process

    yield start
    for process in started:
        kill(process)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL, as the kernel's OOM killer or a pulled plug would: no clean-up runs."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=PATIENCE)


def wait_for(condition: Callable[[], object], what: str, process: subprocess.Popen) -> object:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if process.poll() is not None:
            pytest.fail(
                f"the worker exited ({process.returncode}) while waiting for {what}:\n"
                + _log_tail(process)
            )
        time.sleep(0.02)
    pytest.fail(f"no {what} within {PATIENCE:.0f} s; the worker said:\n" + _log_tail(process))


def _log_tail(process: subprocess.Popen) -> str:
    return process.log_path.read_text(errors="replace")[-3000:]  # type: ignore[attr-defined]


def stale_at_once(settings) -> None:
    """From now on, a job unheard of for any time at all counts as abandoned: the test has
    killed its worker, so it knows; a site waits BACKGROUND_JOB_STALE_AFTER (15 minutes)."""
    settings.BACKGROUND_JOB_STALE_AFTER = datetime.timedelta(0)


def tasks_after_the_kill() -> Callable[[], bool]:
    """A condition met once every task enqueued from now on has finished. The task the killed
    worker was running stays "running" in the queue for ever: django-tasks-db never runs a
    claimed task again, so a job is only ever run again by starting it again."""
    killed = list(DBTaskResult.objects.values_list("pk", flat=True))
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1

    def finished() -> bool:
        later = DBTaskResult.objects.exclude(pk__in=killed)
        if later.exclude(status__in=["SUCCESSFUL", "FAILED"]).exists():
            return False
        failed = later.filter(status="FAILED").values_list("traceback", flat=True)
        assert not failed, failed[0]
        return True

    return finished


# --- issuing an intake's documents ------------------------------------------------------------

COMPLETED = 60  # 50–100 ms each: seconds of work to kill in the middle of


def test_a_worker_killed_while_issuing_leaves_whole_documents_and_a_rerun_issues_the_rest(
    worker, administrator, settings, english
):
    make_issuing_institute()
    intake = make_intake()
    completed = {make_completed(intake).pk for _ in range(COMPLETED)}
    for state in (EnrollmentState.ADMITTED, EnrollmentState.FAILED):
        make_enrollment(make_listener(last_name="Басқа"), intake, state=state)

    first = worker()
    job = issue_job_start(intake=intake, by=administrator)
    wait_for(
        lambda: 3 <= IssueJob.objects.get(pk=job.pk).processed,
        "documents issued by the first worker",
        first,
    )
    kill(first)

    job.refresh_from_db()
    issued_before = Document.objects.filter(enrollment__intake=intake).count()
    assert job.status == IssueJobStatus.RUNNING and job.finished_at is None
    assert 3 <= job.processed <= issued_before < COMPLETED, "killed after the last document"

    finished = tasks_after_the_kill()
    stale_at_once(settings)
    again = issue_job_start(intake=intake, by=administrator)
    # The killed run's task, had it still been queued, runs late: it must change nothing.
    documents_issue_job.enqueue(job.pk)
    second = worker()
    wait_for(finished, "the end of every task", second)

    job.refresh_from_db()
    again.refresh_from_db()
    assert job.status == IssueJobStatus.FAILED and "worker stopped" in job.error
    assert again.pk != job.pk and again.status == IssueJobStatus.DONE
    assert again.issued == COMPLETED - issued_before
    documents = list(Document.objects.filter(enrollment__intake=intake).order_by("serial"))
    assert all(d.status == DocumentStatus.VALID for d in documents)
    assert sorted(d.enrollment_id for d in documents) == sorted(completed)  # one each, no other
    assert len({(d.kind, d.year) for d in documents}) == 1  # one series
    assert [d.serial for d in documents] == list(range(1, COMPLETED + 1))  # no gap, no twice
    assert len({d.number for d in documents}) == COMPLETED
    for document in documents:
        data = Path(document.pdf.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == document.pdf_sha256, document.number
    # The one document in flight at the kill may have left its file, named by no document.
    stored = {path.name for path in Path(settings.MEDIA_ROOT).rglob("*.pdf")}
    assert len(stored - {Path(d.pdf.name).name for d in documents}) <= 1


# --- importing a list -----------------------------------------------------------------------

ROWS = 5000  # a second or more of inserts in one transaction


def _list_csv(organisation_bin: str) -> tuple[bytes, list[str]]:
    """A clean list of new people, each with a different birthday and so a different IIN."""
    first_birthday = datetime.date(1970, 1, 1)
    iins = [make_iin(first_birthday + datetime.timedelta(days=i)) for i in range(ROWS)]
    lines = ["ИИН;Фамилия;Имя;БИН организации"]
    lines += [f"{iin};Тестов{i};Тест;{organisation_bin}" for i, iin in enumerate(iins)]
    return "\n".join(lines).encode(), iins


def _inserting_listeners() -> bool:
    """Another connection is inside a transaction that has inserted into the listeners table
    (PostgreSQL holds the table's RowExclusiveLock until the transaction ends): the import
    has begun writing and has not committed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation"
            " WHERE pg_class.relname = %s AND pg_locks.mode = 'RowExclusiveLock'"
            " AND pg_locks.granted AND pg_locks.pid <> pg_backend_pid()",
            [Listener._meta.db_table],
        )
        return cursor.fetchone() is not None


def test_a_worker_killed_while_importing_leaves_nothing_and_a_rerun_imports_every_row_once(
    worker, methodologist, organisation, settings
):
    intake = make_intake()
    data, iins = _list_csv(organisation.bin)
    job = ImportJob(intake=intake, filename="list.csv", created_by=methodologist)
    job.file.save("list.csv", ContentFile(data), save=False)
    job.save()
    import_check.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, job.bad_rows[:3]

    first = worker()
    assert import_job_run(job=job, by=methodologist)
    wait_for(_inserting_listeners, "the import's first inserts", first)
    kill(first)

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING, "killed after the import committed"
    assert not Enrollment.objects.filter(intake=intake).exists()
    assert not Listener.objects.filter(iin__in=iins).exists()
    assert not job.stalled  # 15 minutes of silence before it is called stopped

    finished = tasks_after_the_kill()
    stale_at_once(settings)
    assert job.stalled
    assert import_job_run(job=job, by=methodologist)  # "Import again"
    # The killed run's task, had it still been queued, runs late: it must change nothing.
    import_apply.enqueue(job.pk)
    import_check.enqueue(job.pk)
    second = worker()
    wait_for(finished, "the end of every task", second)

    job.refresh_from_db()
    assert (job.status, job.imported, job.total) == (ImportStatus.IMPORTED, ROWS, ROWS)
    enrollments = Enrollment.objects.filter(intake=intake)
    assert enrollments.count() == ROWS
    assert sorted(enrollments.values_list("listener__iin", flat=True)) == sorted(iins)
    assert Listener.objects.filter(iin__in=iins).count() == ROWS
    assert EnrollmentTransition.objects.filter(enrollment__intake=intake).count() == ROWS
