"""One document's page: what it certifies, its chain and audit trail, its stored and
archival PDFs, and revoking or duplicating it from there."""

import hashlib
import io

import pypdf
import pytest
from django.urls import reverse

from certificates.models import Document, DocumentStatus
from tests.certificates.conftest import audit_trail
from tests.certificates.test_views import completed, make_document

pytestmark = pytest.mark.django_db


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
    assert ("document.revoked", "admin") in audit_trail(document)
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
    assert ("document.duplicated", "admin") in audit_trail(duplicate)


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
    assert ("document.printed", "methodologist") in audit_trail(document)
    detail = en.get(reverse("certificates:document_detail", args=[document.pk]))
    assert "Printed or downloaded" in detail.content.decode()


def test_a_document_without_a_stored_pdf_is_404(client, document, methodologist):
    client.force_login(methodologist)
    assert client.get(reverse("certificates:document_pdf", args=[document.pk])).status_code == 404


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
    assert ("document.printed", methodologist.username) in audit_trail(document)
