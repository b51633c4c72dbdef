"""The workspace pages of issued documents: who may use them, one document with its chain and
audit trail, revoking and duplicating, an intake's documents issued one by one or all at once
in the background, printing."""

import datetime
import hashlib
import io
import itertools

import pypdf
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from certificates.models import Document, DocumentStatus
from certificates.rules import registration_number
from courses.rules import DocumentKind
from institute.models import AuditEntry, Institute, User
from listeners.models import Enrollment
from listeners.rules import EnrollmentState
from tests.conftest import IMMEDIATE_TASKS, make_bin, make_enrollment, make_intake, make_listener

pytestmark = pytest.mark.django_db

_serials = itertools.count(1)


def make_institute() -> Institute:
    return Institute.objects.create(
        name_kk="Павлодар облыстық біліктілікті арттыру институты",
        name_ru="Павлодарский областной институт повышения квалификации",
        bin=make_bin(),
        head_name="Қ. Жұмабеков",
        head_title_kk="Директор",
        head_title_ru="Директор",
        city_kk="Павлодар қ.",
        city_ru="г. Павлодар",
    )


@pytest.fixture
def issuing(settings, tmp_path) -> Institute:
    """What issuing for real needs: the institute's details, a folder for the PDFs, and
    background tasks run at once."""
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = IMMEDIATE_TASKS
    return make_institute()


def make_document(
    enrollment: Enrollment,
    *,
    by: User | None = None,
    kind: str = DocumentKind.CERTIFICATE,
    year: int = 2026,
    status: str = DocumentStatus.VALID,
    **fields,
) -> Document:
    """A document written straight to the database, with a snapshot shaped like the one the
    issuing service freezes; for setting the scene of a test."""
    serial = next(_serials)
    listener, intake = enrollment.listener, enrollment.intake
    programme = intake.programme
    fields.setdefault(
        "snapshot",
        {
            "full_name": listener.full_name,
            "last_name": listener.last_name,
            "programme_title_kk": programme.title_kk,
            "programme_title_ru": programme.title_ru,
            "hours": programme.hours,
            "start_date": intake.start_date.isoformat(),
            "end_date": intake.end_date.isoformat(),
            "issued_on": f"{year}-03-20",
            "institute_name_kk": "Павлодар облыстық институты",
            "institute_name_ru": "Павлодарский областной институт",
            "head_name": "Қ. Жұмабеков",
        },
    )
    fields.setdefault("issued_at", timezone.make_aware(datetime.datetime(year, 3, 20, 10, 0)))
    if status == DocumentStatus.REVOKED:
        fields.setdefault("revoked_at", timezone.make_aware(datetime.datetime(year, 4, 2, 9, 0)))
        fields.setdefault("revocation_reason", "Wrong hours")
    return Document.objects.create(
        enrollment=enrollment,
        kind=kind,
        year=year,
        serial=serial,
        number=registration_number(kind, year, serial),
        status=status,
        issued_by=by,
        pdf_sha256="ab" * 32,
        **fields,
    )


def completed(intake, organisation=None, **listener_fields) -> Enrollment:
    return make_enrollment(
        make_listener(organisation, **listener_fields), intake, state=EnrollmentState.COMPLETED
    )


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def document(intake, organisation, administrator) -> Document:
    return make_document(completed(intake, organisation), by=administrator)


# --- who may do what -------------------------------------------------------------------------


def _read_urls(document: Document) -> list[str]:
    intake_pk = document.enrollment.intake_id
    return [
        reverse("certificates:register"),
        reverse("certificates:register_export"),
        reverse("certificates:document_detail", args=[document.pk]),
        reverse("certificates:intake_documents", args=[intake_pk]),
    ]


def _admin_urls(document: Document) -> list[str]:
    intake_pk = document.enrollment.intake_id
    return [
        reverse("certificates:document_duplicate", args=[document.pk]),
        reverse("certificates:document_revoke", args=[document.pk]),
        reverse("certificates:intake_issue_all", args=[intake_pk]),
        reverse("certificates:enrollment_issue", args=[intake_pk, document.enrollment_id]),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, document):
    for url in _read_urls(document):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url
    for url in _admin_urls(document):
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url


@pytest.mark.parametrize("persona", ["listener", "district_methodologist"])
def test_listeners_and_district_methodologists_are_refused(client, document, persona, request):
    person = request.getfixturevalue(persona)
    client.force_login(person.user if persona == "listener" else person)
    for url in _read_urls(document):
        assert client.get(url).status_code == 403, url
    for url in _admin_urls(document):
        assert client.post(url).status_code == 403, url
    assert Document.objects.get().status == DocumentStatus.VALID


def test_a_methodologist_reads_but_may_not_issue_duplicate_or_revoke(
    client, document, methodologist
):
    client.force_login(methodologist)
    for url in _read_urls(document):
        assert client.get(url).status_code == 200, url
    for url in _admin_urls(document):
        assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403, url
    assert Document.objects.count() == 1
    assert Document.objects.get().status == DocumentStatus.VALID


def test_the_methodologist_sees_no_issuing_buttons(en, document, methodologist):
    en.force_login(methodologist)
    detail = en.get(reverse("certificates:document_detail", args=[document.pk])).content.decode()
    assert "Revoke this document" not in detail and "Issue a duplicate" not in detail
    completed(document.enrollment.intake)
    page = en.get(reverse("certificates:intake_documents", args=[document.enrollment.intake_id]))
    assert "missing document" not in page.content.decode()


def test_state_changing_urls_refuse_get(client, document, administrator):
    client.force_login(administrator)
    for url in _admin_urls(document):
        assert client.get(url).status_code == 405, url


def test_the_documents_link_is_in_the_nav_and_on_the_intake(en, document, methodologist):
    en.force_login(methodologist)
    intake_pk = document.enrollment.intake_id
    page = en.get(reverse("courses:intake_detail", args=[intake_pk])).content.decode()
    assert reverse("certificates:intake_documents", args=[intake_pk]) in page
    assert reverse("certificates:register") in page


# --- one document ----------------------------------------------------------------------------


def test_the_document_page_shows_what_it_certifies_and_the_chain(en, intake, administrator):
    enrollment = completed(intake, last_name="Әлімов", first_name="Нұрлан")
    old = make_document(enrollment, by=administrator, status=DocumentStatus.REVOKED)
    new = make_document(enrollment, by=administrator, replaces=old)
    en.force_login(administrator)
    page = en.get(reverse("certificates:document_detail", args=[new.pk])).content.decode()
    assert new.number in page and "Әлімов Нұрлан" in page
    assert "Бағдарлама" in page  # the programme's title as frozen in the snapshot
    assert old.number in page and "Replaces" in page
    old_page = en.get(reverse("certificates:document_detail", args=[old.pk])).content.decode()
    assert "Replaced by" in old_page and new.number in old_page
    assert "Revoked on 02.04.2026" in old_page and "Wrong hours" in old_page
    assert "Revoke this document" not in old_page  # a revoked document is not revoked twice


def test_revoking_without_a_reason_shows_the_error_beside_the_field(en, document, administrator):
    en.force_login(administrator)
    url = reverse("certificates:document_revoke", args=[document.pk])
    response = en.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert response.context["revoke_form"].errors["reason"]
    document.refresh_from_db()
    assert document.status == DocumentStatus.VALID and document.revoked_at is None


def test_a_duplicate_needs_the_confirmation(en, document, administrator):
    en.force_login(administrator)
    url = reverse("certificates:document_duplicate", args=[document.pk])
    response = en.post(url, {})
    assert response.status_code == 400
    assert "Confirm that the original is lost." in response.content.decode()
    assert Document.objects.count() == 1


def test_an_unknown_document_is_404(client, administrator):
    client.force_login(administrator)
    assert client.get(reverse("certificates:document_detail", args=[999])).status_code == 404


# --- an intake's documents -------------------------------------------------------------------


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


# --- issuing, revoking, duplicating and printing for real (certificates.services) -------------


def _trail(document: Document) -> list[tuple[str, str]]:
    return [
        (entry.action, entry.by.username if entry.by else "")
        for entry in AuditEntry.objects.filter(object_id=document.pk, action__startswith="doc")
    ]


def test_the_administrator_issues_one_document(en, intake, organisation, administrator, issuing):
    enrollment = completed(intake, organisation, last_name="Әлімов")
    en.force_login(administrator)
    url = reverse("certificates:enrollment_issue", args=[intake.pk, enrollment.pk])
    response = en.post(url, follow=True)
    document = Document.objects.get(enrollment=enrollment)
    assert f"{document.number} issued to Әлімов" in response.content.decode()
    assert document.status == DocumentStatus.VALID and document.pdf and document.pdf_sha256
    assert ("document.issued", "admin") in _trail(document)
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


def test_revoking_with_a_reason_revokes_and_says_so(en, intake, organisation, administrator):
    document = make_document(completed(intake, organisation), by=administrator)
    en.force_login(administrator)
    url = reverse("certificates:document_revoke", args=[document.pk])
    response = en.post(url, {"reason": "The hours were typed wrong"}, follow=True)
    page = response.content.decode()
    assert f"{document.number} revoked." in page
    assert "Revoked on" in page and "The hours were typed wrong" in page
    document.refresh_from_db()
    assert document.status == DocumentStatus.REVOKED
    assert document.revoked_by == administrator
    assert ("document.revoked", "admin") in _trail(document)
    again = en.post(url, {"reason": "twice"})
    assert again.status_code == 400
    assert f"Document No. {document.number} is already revoked." in again.content.decode()


def test_revoking_and_reissuing_leads_to_the_new_document(
    en, intake, organisation, administrator, issuing
):
    document = make_document(completed(intake, organisation), by=administrator)
    en.force_login(administrator)
    url = reverse("certificates:document_revoke", args=[document.pk])
    response = en.post(url, {"reason": "Wrong name", "reissue": "on"})
    new = Document.objects.get(replaces=document)
    assert response.url == reverse("certificates:document_detail", args=[new.pk])
    assert new.status == DocumentStatus.VALID
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.REVOKED
    page = en.get(response.url).content.decode()
    assert f"{document.number} revoked; {new.number} issued in its place." in page


def test_a_duplicate_replaces_the_lost_original(en, intake, organisation, administrator, issuing):
    original = make_document(completed(intake, organisation), by=administrator)
    en.force_login(administrator)
    url = reverse("certificates:document_duplicate", args=[original.pk])
    response = en.post(url, {"confirm": "on"})
    duplicate = Document.objects.get(duplicate_of=original)
    assert response.url == reverse("certificates:document_detail", args=[duplicate.pk])
    original.refresh_from_db()
    assert original.status == DocumentStatus.REVOKED
    assert duplicate.number in original.revocation_reason
    page = en.get(response.url).content.decode()
    assert f"Duplicate {duplicate.number} issued in place of {original.number}." in page
    assert "Duplicate of" in page and original.number in page
    assert ("document.duplicated", "admin") in _trail(duplicate)


def test_the_methodologist_downloads_the_stored_pdf_and_it_is_recorded(
    en, intake, organisation, administrator, methodologist, issuing
):
    from certificates.services import document_issue

    document = document_issue(enrollment=completed(intake, organisation), by=administrator)
    en.force_login(methodologist)
    response = en.get(reverse("certificates:document_pdf", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == document.pdf_sha256
    assert ("document.printed", "methodologist") in _trail(document)
    detail = en.get(reverse("certificates:document_detail", args=[document.pk]))
    assert "Printed or downloaded" in detail.content.decode()


def test_a_document_without_a_stored_pdf_is_404(client, document, methodologist):
    client.force_login(methodologist)
    assert client.get(reverse("certificates:document_pdf", args=[document.pk])).status_code == 404


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
        assert ("document.printed", "methodologist") in _trail(document)
    assert not [action for action, _ in _trail(revoked) if action == "document.printed"]


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_page_renders_in_each_language(client, document, administrator, language):
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    urls = [
        *_read_urls(document),
        reverse("certificates:verify", args=[document.token]),
        reverse("certificates:verify_lookup"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if response["Content-Type"].startswith("text/html"):
            assert f'lang="{language}"' in response.content.decode(), url


def test_the_archival_pdf_a_copy_is_rendered_from_the_snapshot(
    client, intake, organisation, administrator, methodologist, listener, issuing
):
    from certificates.services import document_issue

    document = document_issue(
        enrollment=completed(intake, organisation, last_name="Әлімов"), by=administrator
    )
    url = reverse("certificates:document_archive_pdf", args=[document.pk])
    client.force_login(listener.user)
    assert client.get(url).status_code == 403
    client.force_login(methodologist)
    response = client.get(url)
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    metadata = reader.xmp_metadata
    assert (str(metadata.pdfaid_part), metadata.pdfaid_conformance) == ("3", "B")
    text = reader.pages[0].extract_text()
    assert document.number in text and "Әлімов" in text
    assert ("document.printed", methodologist.username) in _trail(document)
