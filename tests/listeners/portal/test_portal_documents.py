"""My documents (/me/documents/): the listener's own issued documents, the stored PDF and the
link anyone can use to check it; nobody else's."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from certificates.models import DocumentStatus
from certificates.services import document_issue, document_revoke
from listeners.rules import EnrollmentState as S
from tests.conftest import make_enrollment, make_intake
from tests.listeners.portal.portal_scene import make_institute

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(settings, tmp_path, listener, administrator):
    """A completed course of the listener and the certificate issued for it."""
    settings.MEDIA_ROOT = tmp_path
    make_institute()
    enrollment = make_enrollment(listener, make_intake(), state=S.COMPLETED)
    return document_issue(enrollment=enrollment, by=administrator)


def _as(client, user):
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_page_lists_the_document_with_number_status_and_check_link(
    client, listener, issued, settings
):
    settings.PUBLIC_BASE_URL = "https://register.example.kz"
    text = _as(client, listener.user).get(reverse("portal:documents")).text
    assert issued.number in text
    assert "Valid" in text
    verify = "https://register.example.kz" + reverse("certificates:verify", args=[issued.token])
    assert f'href="{verify}"' in text
    assert reverse("portal:document_pdf", args=[issued.pk]) in text


def test_without_a_public_address_the_check_link_is_built_from_the_request(
    client, listener, issued, settings
):
    del settings.PUBLIC_BASE_URL
    text = _as(client, listener.user).get(reverse("portal:documents")).text
    verify = "http://testserver" + reverse("certificates:verify", args=[issued.token])
    assert f'href="{verify}"' in text


def test_the_download_is_the_stored_pdf_byte_for_byte(client, listener, issued):
    response = _as(client, listener.user).get(reverse("portal:document_pdf", args=[issued.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    issued.pdf.open("rb")
    assert body == issued.pdf.read()
    assert body.startswith(b"%PDF-")


def test_a_revoked_document_is_listed_as_revoked_with_the_reason(
    client, listener, issued, administrator
):
    document_revoke(document=issued, reason="A typo in the name", by=administrator)
    text = _as(client, listener.user).get(reverse("portal:documents")).text
    assert issued.number in text
    assert "Revoked" in text and "A typo in the name" in text


def test_another_listeners_document_answers_404(client, other_listener, issued):
    response = _as(client, other_listener.user).get(
        reverse("portal:document_pdf", args=[issued.pk])
    )
    assert response.status_code == 404
    text = client.get(reverse("portal:documents")).text
    assert issued.number not in text


def test_staff_cannot_use_the_listeners_download(client, methodologist, issued):
    response = _as(client, methodologist).get(reverse("portal:document_pdf", args=[issued.pk]))
    assert response.status_code == 403
    assert issued.status == DocumentStatus.VALID
