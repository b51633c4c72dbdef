"""The register of issued documents in the back-office: read, searched and filtered, never
added, edited or deleted there."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates.models import Document, DocumentSeries, DocumentStatus
from courses.rules import DocumentKind
from listeners.models import Enrollment
from listeners.rules import EnrollmentState, OrderKind
from tests.conftest import make_intake, make_listener, make_order


@pytest.fixture
def back_office(client: Client, administrator) -> Client:
    """The administrator signed in to the back-office, reading it in English."""
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # as the language switch sets it
    return client


def issue(kind: str = DocumentKind.CERTIFICATE, year: int = 2026, **fields: object) -> Document:
    """A document written straight to the register for a fresh completed enrollment."""
    intake = make_intake()
    enrollment = Enrollment.objects.create(
        listener=make_listener(),
        intake=intake,
        state=EnrollmentState.COMPLETED,
        admission_order=make_order(OrderKind.ADMISSION, intake=intake),
        completed_on=intake.end_date,
    )
    serial = Document.objects.filter(kind=kind, year=year).count() + 1
    prefix = {"certificate": "СТ", "kualik": "КУ", "diploma": "ДП"}[kind]
    return Document.objects.create(
        enrollment=enrollment,
        kind=kind,
        year=year,
        serial=serial,
        number=f"{prefix}-{year}-{serial:05d}",
        issued_at=timezone.now(),
        snapshot={"listener": enrollment.listener.full_name},
        **fields,
    )


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_documents_are_found_by_number_and_filtered(back_office):
    certificate = issue(DocumentKind.CERTIFICATE)
    kualik = issue(DocumentKind.KUALIK, year=2025)
    revoked = issue(
        DocumentKind.CERTIFICATE,
        status=DocumentStatus.REVOKED,
        revoked_at=timezone.now(),
        revocation_reason="Қате жазылған",
    )
    url = reverse("admin:certificates_document_changelist")

    by_number = back_office.get(url, {"q": kualik.number}).context["cl"].result_list
    by_kind = back_office.get(url, {"kind__exact": "kualik"}).context["cl"].result_list
    by_year = back_office.get(url, {"year__exact": "2026"}).context["cl"].result_list
    by_status = back_office.get(url, {"status__exact": "revoked"}).context["cl"].result_list

    assert list(by_number) == [kualik]
    assert list(by_kind) == [kualik]
    assert set(by_year) == {certificate, revoked}
    assert list(by_status) == [revoked]


def test_a_document_is_read_but_never_added_edited_or_deleted(back_office):
    document = issue()
    change_url = reverse("admin:certificates_document_change", args=[document.pk])

    view = back_office.get(change_url)
    add = back_office.get(reverse("admin:certificates_document_add"))
    edit = back_office.post(change_url, {"number": "СТ-2026-99999", "status": "revoked"})
    delete = back_office.post(
        reverse("admin:certificates_document_delete", args=[document.pk]), {"post": "yes"}
    )

    assert view.status_code == 200
    assert document.number in view.content.decode()
    assert (add.status_code, edit.status_code, delete.status_code) == (403, 403, 403)
    document.refresh_from_db()
    assert (document.number, document.status) == ("СТ-2026-00001", DocumentStatus.VALID)


def test_number_series_are_read_only(back_office):
    series = DocumentSeries.objects.create(kind=DocumentKind.CERTIFICATE, year=2026, last_serial=4)
    change_url = reverse("admin:certificates_documentseries_change", args=[series.pk])

    listed = back_office.get(reverse("admin:certificates_documentseries_changelist"))
    edit = back_office.post(change_url, {"kind": "certificate", "year": "2026", "last_serial": "1"})
    delete = back_office.post(
        reverse("admin:certificates_documentseries_delete", args=[series.pk]), {"post": "yes"}
    )

    assert listed.status_code == 200
    assert (edit.status_code, delete.status_code) == (403, 403)
    series.refresh_from_db()
    assert series.last_serial == 4


def test_document_list_queries_do_not_grow_with_rows(back_office):
    url = reverse("admin:certificates_document_changelist")
    for _ in range(5):
        issue()
    back_office.get(url)
    few = count_queries(back_office, url)

    for _ in range(25):
        issue(DocumentKind.KUALIK, year=datetime.date.today().year)
    many = count_queries(back_office, url)

    assert Document.objects.count() == 30
    assert many == few
