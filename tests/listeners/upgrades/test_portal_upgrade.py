"""My five-year status (/me/upgrade/): the status in words, and an upgrade done
elsewhere recorded with a scan checked by its content, counting once confirmed."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from institute.rules import add_years
from listeners.models import SCAN_MAX_BYTES, ExternalUpgrade
from listeners.upgrades.forms import ExternalUpgradeForm
from listeners.upgrades.services import external_upgrades_confirm

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _as(client, user):
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _form(scan: SimpleUploadedFile, **fields) -> dict:
    return {
        "issuer": "Орлеу",
        "document_number": "A-123",
        "completed_on": "2025-05-20",
        "hours": "72",
        "programme_title": "Digital literacy",
        "with_work_interruption": "on",
        "scan": scan,
        **fields,
    }


@pytest.mark.parametrize(
    ("status", "basis_years_ago", "words"),
    [
        ("overdue", 6, "Overdue"),
        ("due_soon", 4.5, "Due within 12 months"),
        ("compliant", 1, "Up to date"),
    ],
)
def test_the_status_in_words_and_colour(client, listener, status, basis_years_ago, words):
    today = timezone.localdate()
    listener.employment_start = today - datetime.timedelta(days=int(365.25 * basis_years_ago))
    listener.save()
    text = _as(client, listener.user).get(reverse("portal:upgrade")).text
    assert f"status-box status-{status}" in text
    assert words in text
    due = add_years(listener.employment_start, 5)
    assert f"{due:%d.%m.%Y}" in text


def test_no_record_says_so(client, listener):
    text = _as(client, listener.user).get(reverse("portal:upgrade")).text
    assert "status-no_record" in text and "No record" in text


def test_a_png_scan_is_recorded_under_a_random_name_and_waits_for_confirmation(
    client, listener, methodologist
):
    scan = SimpleUploadedFile("../../etc/passwd.exe", PNG, content_type="application/x-msdownload")
    response = _as(client, listener.user).post(reverse("portal:upgrade"), _form(scan))
    assert response.status_code == 302
    upgrade = ExternalUpgrade.objects.get(listener=listener)
    assert (upgrade.issuer, upgrade.document_number, upgrade.hours) == ("Орлеу", "A-123", 72)
    assert upgrade.confirmed_at is None
    assert upgrade.scan.name.startswith("scans/") and upgrade.scan.name.endswith(".png")
    assert "passwd" not in upgrade.scan.name
    upgrade.scan.open("rb")
    assert upgrade.scan.read() == PNG
    text = client.get(reverse("portal:upgrade")).text
    assert "Waiting for confirmation" in text
    assert "No record" in text  # not counted until confirmed
    listener.refresh_from_db()
    assert listener.last_upgrade_on is None

    external_upgrades_confirm(upgrades=ExternalUpgrade.objects.all(), by=methodologist)
    text = client.get(reverse("portal:upgrade")).text
    assert "Confirmed" in text and "20.05.2025" in text
    listener.refresh_from_db()
    assert listener.last_upgrade_on == datetime.date(2025, 5, 20)


@pytest.mark.parametrize(
    ("content", "extension"), [(JPEG, "jpg"), (PDF, "pdf")], ids=["jpeg", "pdf"]
)
def test_jpeg_and_pdf_are_accepted_by_their_content(client, listener, content, extension):
    scan = SimpleUploadedFile("scan.png", content, content_type="image/png")
    _as(client, listener.user).post(reverse("portal:upgrade"), _form(scan))
    assert ExternalUpgrade.objects.get(listener=listener).scan.name.endswith(f".{extension}")


def test_a_file_that_only_claims_to_be_a_pdf_is_refused(client, listener):
    scan = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = _as(client, listener.user).post(reverse("portal:upgrade"), _form(scan))
    assert response.status_code == 200
    assert "The scan must be a PDF, JPEG or PNG file." in response.text
    assert not ExternalUpgrade.objects.exists()


def test_a_scan_over_5_mb_is_refused(client, listener):
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * SCAN_MAX_BYTES, content_type="image/png")
    response = _as(client, listener.user).post(reverse("portal:upgrade"), _form(big), follow=True)
    assert "The scan is larger than 5 MB." in response.text
    assert not ExternalUpgrade.objects.exists()


def test_a_scan_over_5_mb_in_a_small_request_is_refused_by_the_form(listener, english):

    big = SimpleUploadedFile("big.png", PNG + b"\x00" * SCAN_MAX_BYTES, content_type="image/png")
    data = _form(big)
    form = ExternalUpgradeForm(data, {"scan": data.pop("scan")})
    assert not form.is_valid()
    assert form.errors["scan"] == ["The scan is larger than 5 MB."]


def test_the_same_document_twice_is_refused(client, listener):
    _as(client, listener.user).post(
        reverse("portal:upgrade"), _form(SimpleUploadedFile("a.png", PNG))
    )
    response = client.post(reverse("portal:upgrade"), _form(SimpleUploadedFile("b.png", PNG)))
    assert "This document is already recorded for the listener." in response.text
    assert ExternalUpgrade.objects.filter(listener=listener).count() == 1


def test_a_date_in_the_future_is_refused(client, listener):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = _as(client, listener.user).post(
        reverse("portal:upgrade"),
        _form(SimpleUploadedFile("a.png", PNG), completed_on=tomorrow.isoformat()),
    )
    assert "The date of the document is in the future." in response.text
    assert not ExternalUpgrade.objects.exists()


def _recorded(client, listener) -> ExternalUpgrade:
    _as(client, listener.user).post(
        reverse("portal:upgrade"), _form(SimpleUploadedFile("a.png", PNG))
    )
    return ExternalUpgrade.objects.get(listener=listener)


def test_the_owner_gets_the_scan_back(client, listener):
    upgrade = _recorded(client, listener)
    response = client.get(reverse("portal:upgrade_scan", args=[upgrade.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG


def test_another_listener_gets_404_for_the_scan(client, listener, other_listener):
    upgrade = _recorded(client, listener)
    client.logout()
    response = _as(client, other_listener.user).get(
        reverse("portal:upgrade_scan", args=[upgrade.pk])
    )
    assert response.status_code == 404
    assert upgrade.issuer not in client.get(reverse("portal:upgrade")).text


def test_staff_open_the_scan_through_its_only_link(client, listener, methodologist):
    upgrade = _recorded(client, listener)
    assert upgrade.scan.url == reverse(
        "listeners:external_upgrade_scan", kwargs={"name": upgrade.scan.name}
    )
    response = _as(client, methodologist).get(upgrade.scan.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG


def test_listeners_and_district_methodologists_cannot_open_a_scan_by_its_staff_link(
    client, listener, other_listener, district_methodologist
):
    upgrade = _recorded(client, listener)
    for user in (other_listener.user, listener.user, district_methodologist):
        assert _as(client, user).get(upgrade.scan.url).status_code == 403
