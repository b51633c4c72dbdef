"""Issuing an intake's documents at once, in the foreground and as a background job: only
the completed enrollments without a valid document, each document whole, progress shown."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from certificates import documents
from certificates.issuing.services import documents_issue_missing, issue_job_start
from certificates.models import Document, IssueJob, IssueJobStatus
from certificates.services import document_issue
from listeners.models import Listener
from listeners.rules import EnrollmentState
from tests.certificates.conftest import make_completed
from tests.conftest import IMMEDIATE_TASKS, make_enrollment, make_intake, make_listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def class_of_five(issuer):
    intake = make_intake()
    for name in ("Жұмабаев", "Әлімов", "Бекова"):
        make_completed(intake, last_name=name)
    for state in (EnrollmentState.ADMITTED, EnrollmentState.FAILED):
        make_enrollment(make_listener(last_name="Не"), intake, state=state)
    make_completed(make_intake())  # another intake's
    return intake


def test_only_completed_enrollments_get_documents_and_a_second_run_issues_none(
    class_of_five, administrator
):
    calls = []
    issued = documents_issue_missing(
        intake=class_of_five, by=administrator, progress=lambda *a: calls.append(a)
    )
    assert issued == 3
    assert calls == [(0, 3, 0), (1, 3, 1), (2, 3, 2), (3, 3, 3)]
    documents_of = Document.objects.filter(enrollment__intake=class_of_five).order_by("serial")
    # Numbered in the order of the names, as the database collates them.
    by_name = Listener.objects.filter(
        enrollments__intake=class_of_five, enrollments__state=EnrollmentState.COMPLETED
    ).order_by("last_name")
    assert [d.snapshot["last_name"] for d in documents_of] == [x.last_name for x in by_name]
    assert [d.serial for d in documents_of] == [1, 2, 3]
    assert Document.objects.count() == 3

    calls.clear()
    assert (
        documents_issue_missing(
            intake=class_of_five, by=administrator, progress=lambda *a: calls.append(a)
        )
        == 0
    )
    assert calls == [(0, 0, 0)] and Document.objects.count() == 3


def test_an_enrollment_issued_by_hand_is_skipped(class_of_five, administrator):
    first = class_of_five.enrollments.filter(state=EnrollmentState.COMPLETED).first()
    document_issue(enrollment=first, by=administrator)
    assert documents_issue_missing(intake=class_of_five, by=administrator) == 2
    assert Document.objects.filter(enrollment=first).count() == 1


def test_a_crash_half_way_leaves_whole_documents_and_a_rerun_issues_the_rest(
    class_of_five, administrator, monkeypatch
):
    real, rendered = documents.render_document_pdf, []

    def fails_on_the_second(document, **options):
        rendered.append(document.number)
        if len(rendered) == 2:
            raise OSError("disk full")
        return real(document, **options)

    monkeypatch.setattr(documents, "render_document_pdf", fails_on_the_second)
    with pytest.raises(OSError):
        documents_issue_missing(intake=class_of_five, by=administrator)
    [kept] = Document.objects.all()
    assert kept.pdf_sha256 and kept.number.endswith("00001")

    assert documents_issue_missing(intake=class_of_five, by=administrator) == 2
    assert sorted(Document.objects.values_list("serial", flat=True)) == [1, 2, 3]


def test_the_background_job_issues_and_reports(
    class_of_five, administrator, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        job = issue_job_start(intake=class_of_five, by=administrator)
        assert IssueJob.objects.get(pk=job.pk).status == IssueJobStatus.QUEUED

    job.refresh_from_db()
    assert job.status == IssueJobStatus.DONE
    assert (job.total, job.processed, job.issued, job.percent) == (3, 3, 3, 100)
    assert job.finished_at is not None and job.finished_at <= timezone.now()
    assert job.created_by == administrator and job.error == ""
    assert Document.objects.filter(enrollment__intake=class_of_five).count() == 3


def test_a_job_that_cannot_issue_says_why(
    db, administrator, settings, english, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE_TASKS
    intake = make_intake()
    make_completed(intake)  # but no institute on record
    with django_capture_on_commit_callbacks(execute=True):
        job = issue_job_start(intake=intake, by=administrator)
    job.refresh_from_db()
    assert job.status == IssueJobStatus.FAILED and "Fill in the institute" in job.error
    assert job.finished_at is not None and not Document.objects.exists()


def test_nothing_is_enqueued_when_the_start_is_rolled_back(
    class_of_five, administrator, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE_TASKS
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issue_job_start(intake=class_of_five, by=administrator)
    assert len(callbacks) == 1  # the task waits for the commit
    assert not Document.objects.exists()


def test_issuing_jobs_are_read_only_in_the_back_office(client, administrator, class_of_five):
    job = IssueJob.objects.create(intake=class_of_five, created_by=administrator, total=4)
    client.force_login(administrator)
    listing = client.get(reverse("admin:certificates_issuejob_changelist"))
    assert listing.status_code == 200 and class_of_five.code in listing.content.decode()
    assert client.get(reverse("admin:certificates_issuejob_add")).status_code == 403
    response = client.post(
        reverse("admin:certificates_issuejob_delete", args=[job.pk]), {"post": "yes"}
    )
    assert response.status_code == 403 and IssueJob.objects.filter(pk=job.pk).exists()
    assert job.percent == 0


def test_a_second_start_while_a_job_waits_returns_that_job(
    class_of_five, administrator, methodologist, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE_TASKS
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = issue_job_start(intake=class_of_five, by=administrator)
        again = issue_job_start(intake=class_of_five, by=methodologist)
    assert again.pk == first.pk and len(callbacks) == 1
    assert IssueJob.objects.filter(intake=class_of_five).count() == 1
    # Once it has finished, a new start makes a new job.
    IssueJob.objects.filter(pk=first.pk).update(status=IssueJobStatus.DONE)
    with django_capture_on_commit_callbacks(execute=False):
        assert issue_job_start(intake=class_of_five, by=administrator).pk != first.pk


def test_a_job_left_unfinished_by_a_dead_worker_gives_way_to_a_new_one(
    class_of_five, administrator, settings, english, django_capture_on_commit_callbacks
):
    """A worker killed mid-job leaves it "running"; silent for longer than
    BACKGROUND_JOB_STALE_AFTER it is closed as failed and a new start issues what is missing,
    each listener's document once."""
    settings.TASKS = IMMEDIATE_TASKS
    first = document_issue(
        enrollment=class_of_five.enrollments.order_by("pk").first(), by=administrator
    )
    dead = IssueJob.objects.create(
        intake=class_of_five, created_by=administrator, status=IssueJobStatus.RUNNING, total=3
    )
    IssueJob.objects.filter(pk=dead.pk).update(
        heartbeat_at=timezone.now()
        - settings.BACKGROUND_JOB_STALE_AFTER
        - datetime.timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = issue_job_start(intake=class_of_five, by=administrator)
    dead.refresh_from_db()
    job.refresh_from_db()
    assert job.pk != dead.pk and job.status == IssueJobStatus.DONE and job.issued == 2
    assert dead.status == IssueJobStatus.FAILED and "worker stopped" in dead.error
    per_enrollment = Document.objects.filter(enrollment__intake=class_of_five).values_list(
        "enrollment", flat=True
    )
    assert sorted(per_enrollment) == sorted(set(per_enrollment)) and len(per_enrollment) == 3
    assert Document.objects.get(enrollment=first.enrollment) == first


def test_a_late_run_of_a_job_closed_as_abandoned_issues_nothing(
    class_of_five, administrator, settings, django_capture_on_commit_callbacks
):
    """The task of a job closed as abandoned may still run once the worker restarts (it was
    queued, never picked up): it finds its job closed and leaves it, and the documents, to the
    job that replaced it."""
    from certificates.issuing.services import documents_issue_job

    settings.TASKS = IMMEDIATE_TASKS
    settings.BACKGROUND_JOB_STALE_AFTER = datetime.timedelta(0)
    with django_capture_on_commit_callbacks(execute=False):
        dead = issue_job_start(intake=class_of_five, by=administrator)
    with django_capture_on_commit_callbacks(execute=True):
        job = issue_job_start(intake=class_of_five, by=administrator)
    documents_issue_job.call(dead.pk)
    dead.refresh_from_db()
    job.refresh_from_db()
    assert (dead.status, dead.processed, dead.issued) == (IssueJobStatus.FAILED, 0, 0)
    assert (job.status, job.issued) == (IssueJobStatus.DONE, 3)
    assert Document.objects.count() == 3


def test_a_run_whose_job_is_closed_meanwhile_stops_at_the_next_document(
    class_of_five, administrator, settings, monkeypatch
):
    """A worker thought dead but only stalled (a machine paused for longer than the limit)
    stops as soon as it sees that its job was closed and replaced."""
    from certificates.issuing import services

    real = services.document_issue

    def closes_the_job_after_the_first(**kwargs):
        document = real(**kwargs)
        IssueJob.objects.update(status=IssueJobStatus.FAILED, error="The worker stopped")
        return document

    monkeypatch.setattr(services, "document_issue", closes_the_job_after_the_first)
    job = IssueJob.objects.create(intake=class_of_five, created_by=administrator)
    services.documents_issue_job.call(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error, job.processed) == (
        IssueJobStatus.FAILED,
        "The worker stopped",
        0,
    )
    assert Document.objects.count() == 1


def test_the_job_counts_the_documents_issued_while_it_runs(
    class_of_five, administrator, monkeypatch
):
    """The page following a job read "0 issued" until the very end: the count is written
    after every document, as the processed one is."""
    from certificates.issuing import services

    real = services.document_issue
    seen: list[tuple[int, int]] = []

    def watched(**kwargs):
        job = IssueJob.objects.get()
        seen.append((job.processed, job.issued))
        return real(**kwargs)

    monkeypatch.setattr(services, "document_issue", watched)
    job = IssueJob.objects.create(intake=class_of_five, created_by=administrator)
    services.documents_issue_job.call(job.pk)
    job.refresh_from_db()
    assert seen == [(0, 0), (1, 1), (2, 2)]
    assert (job.status, job.processed, job.issued) == (IssueJobStatus.DONE, 3, 3)


def test_a_rolled_back_issue_leaves_no_pdf_behind(class_of_five, administrator, monkeypatch):
    """The PDF is written before the document's row; when the transaction rolls back after
    that, the file goes too, and the number's next holder is stored under its plain name."""
    from certificates import services

    enrollment = class_of_five.enrollments.filter(state=EnrollmentState.COMPLETED).first()
    media = Path(settings.MEDIA_ROOT)

    def audit_log_down(**kwargs):
        raise OSError("the audit log is unavailable")

    monkeypatch.setattr(services, "log_action", audit_log_down)
    with pytest.raises(OSError):
        document_issue(enrollment=enrollment, by=administrator)
    assert not Document.objects.exists()
    assert not list(media.rglob("*.pdf"))

    monkeypatch.undo()
    document = document_issue(enrollment=enrollment, by=administrator)
    assert document.serial == 1
    assert [path.name for path in media.rglob("*.pdf")] == [
        f"{document.kind}-{document.year}-00001.pdf"
    ]


def test_the_page_of_a_job_whose_worker_died_lets_the_administrator_start_again(
    client, class_of_five, administrator, settings
):
    """While the worker is on a job the page polls it and the button waits; once the job
    has been silent past the limit, the page says it stopped and the button works again."""
    job = IssueJob.objects.create(
        intake=class_of_five, created_by=administrator, status=IssueJobStatus.RUNNING, total=3
    )
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("certificates:intake_documents", args=[class_of_five.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and " disabled>" in page
    IssueJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now()
        - settings.BACKGROUND_JOB_STALE_AFTER
        - datetime.timedelta(minutes=1)
    )
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' not in page and " disabled>" not in page
    assert "The worker stopped before the job finished; start it again." in page
