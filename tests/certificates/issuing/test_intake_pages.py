"""An intake's documents page: its completed listeners with their documents, issuing one
or all of them (the job's progress polled), and printing them on one PDF."""

import io

import pypdf
import pytest
from django.urls import reverse

from certificates.models import Document, DocumentStatus
from listeners.rules import EnrollmentState
from tests.certificates.conftest import audit_trail
from tests.certificates.test_views import completed, make_document
from tests.conftest import make_enrollment, make_intake, make_listener

pytestmark = pytest.mark.django_db


def test_the_intake_page_lists_completed_listeners_with_their_document_or_none(
    en, intake, administrator
):
    with_document = completed(intake, last_name="Бекова")
    document = make_document(with_document, by=administrator)
    completed(intake, last_name="Жанова")
    make_enrollment(make_listener(last_name="Оқудағы"), intake, state=EnrollmentState.ADMITTED)
    en.force_login(administrator)
    response = en.get(reverse("certificates:intake_documents", args=[intake.pk]))
    page = response.content.decode()
    assert "Бекова" in page and document.number in page
    assert "Жанова" in page and "Оқудағы" not in page
    assert "1 with a document, 1 without" in page
    assert "Issue the 1 missing document" in page


def test_printing_with_no_valid_document_says_so(en, intake, administrator):
    completed(intake)
    en.force_login(administrator)
    response = en.get(reverse("certificates:intake_print", args=[intake.pk]), follow=True)
    assert "This intake has no valid document to print." in response.content.decode()


def test_the_job_of_another_intake_is_404(client, intake, administrator):
    client.force_login(administrator)
    other = make_intake()
    url = reverse("certificates:issue_job_status", args=[other.pk, 12345])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("count", [10, 200])
def test_the_intake_page_runs_a_fixed_number_of_queries(
    en, intake, administrator, django_assert_max_num_queries, count
):
    for number in range(count):
        enrollment = completed(intake)
        if number % 2:
            make_document(enrollment, by=administrator)
    en.force_login(administrator)
    # session and user, the intake, the counts, the paginator's count, a page of
    # enrollments, their documents, the last job
    with django_assert_max_num_queries(8):
        response = en.get(reverse("certificates:intake_documents", args=[intake.pk]))
    assert f"{count // 2} with a document, {count - count // 2} without" in (
        response.content.decode()
    )


def test_the_progress_polls_while_the_job_runs_and_reloads_the_page_when_done(
    en, intake, administrator
):
    from certificates.models import IssueJob, IssueJobStatus

    job = IssueJob.objects.create(
        intake=intake, created_by=administrator, status=IssueJobStatus.RUNNING, total=4
    )
    job.processed = job.issued = 1
    job.save()
    url = reverse("certificates:issue_job_status", args=[intake.pk, job.pk])
    en.force_login(administrator)
    running = en.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert "1 of 4 processed, 1 issued" in running.content.decode()
    assert "HX-Refresh" not in running
    page = en.get(reverse("certificates:intake_documents", args=[intake.pk])).content.decode()
    assert url in page  # the intake page follows the running job too

    IssueJob.objects.filter(pk=job.pk).update(status=IssueJobStatus.DONE, processed=4, issued=4)
    done = en.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    assert "every 1s" not in done.content.decode()
    assert 'value="100"' in done.content.decode()


def test_the_administrator_issues_one_document(en, intake, organisation, administrator, issuing):
    enrollment = completed(intake, organisation, last_name="Әлімов")
    en.force_login(administrator)
    url = reverse("certificates:enrollment_issue", args=[intake.pk, enrollment.pk])
    response = en.post(url, follow=True)
    document = Document.objects.get(enrollment=enrollment)
    assert f"{document.number} issued to Әлімов" in response.content.decode()
    assert document.status == DocumentStatus.VALID and document.pdf and document.pdf_sha256
    assert ("document.issued", "admin") in audit_trail(document)
    again = en.post(url, follow=True).content.decode()
    assert f"already has a valid document (No. {document.number})" in again
    assert Document.objects.filter(enrollment=enrollment).count() == 1


def test_issuing_a_listener_who_did_not_complete_is_refused(en, intake, administrator, issuing):
    enrollment = make_enrollment(make_listener(), intake, state=EnrollmentState.ADMITTED)
    en.force_login(administrator)
    url = reverse("certificates:enrollment_issue", args=[intake.pk, enrollment.pk])
    response = en.post(url, follow=True)
    assert "Only a completed enrollment earns a document." in response.content.decode()
    assert not Document.objects.exists()


def test_issue_all_issues_only_what_is_missing(
    en, intake, organisation, administrator, issuing, django_capture_on_commit_callbacks
):
    from certificates.models import IssueJob, IssueJobStatus

    held = make_document(completed(intake, organisation), by=administrator)
    for _ in range(2):
        completed(intake, organisation)
    en.force_login(administrator)
    url = reverse("certificates:intake_issue_all", args=[intake.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = en.post(url)
    assert response.url == reverse("certificates:intake_documents", args=[intake.pk])
    job = IssueJob.objects.get()
    assert (job.status, job.total, job.processed, job.issued) == (IssueJobStatus.DONE, 2, 2, 2)
    assert job.created_by == administrator
    assert Document.objects.filter(status=DocumentStatus.VALID).count() == 3
    assert Document.objects.get(pk=held.pk).status == DocumentStatus.VALID
    page = en.get(response.url).content.decode()
    assert "3 with a document, 0 without" in page and "2 of 2 processed, 2 issued" in page
    with django_capture_on_commit_callbacks(execute=True):
        en.post(url)
    assert IssueJob.objects.first().issued == 0
    assert Document.objects.count() == 3


def test_printing_an_intake_gives_one_pdf_of_its_valid_documents(
    en, intake, organisation, methodologist, administrator, issuing
):
    from certificates.services import document_issue

    documents = [
        document_issue(enrollment=completed(intake, organisation), by=administrator)
        for _ in range(2)
    ]
    revoked = make_document(
        completed(intake, organisation), by=administrator, status=DocumentStatus.REVOKED
    )
    en.force_login(methodologist)
    response = en.get(reverse("certificates:intake_print", args=[intake.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == 2
    text = " ".join(page.extract_text() for page in pages)
    assert all(document.number in text for document in documents)
    assert revoked.number not in text
    for document in documents:
        assert ("document.printed", "methodologist") in audit_trail(document)
    assert not [action for action, _ in audit_trail(revoked) if action == "document.printed"]
