"""The register as .xlsx, with the columns an auditor asks for, read back with openpyxl."""

import datetime
import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from certificates.models import Document, DocumentStatus
from certificates.register.exports import register_xlsx
from tests.certificates.test_views import completed, make_document

pytestmark = pytest.mark.django_db
EXPORT = reverse("certificates:register_export")
HEADERS = [
    "No.",
    "Registration number",
    "Document kind",
    "Status",
    "Issue date",
    "Issued by",
    "Listener",
    "IIN",
    "Organisation",
    "Programme",
    "Hours",
    "Intake",
    "Start date",
    "End date",
    "Duplicate of",
    "Replaces",
    "Revoked on",
    "Reason for revocation",
    "SHA-256 of the PDF",
]


@pytest.fixture
def staff(client, methodologist):
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _rows(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data)).active
    return list(sheet.iter_rows(values_only=True))


def test_the_export_has_the_auditor_columns_and_the_values_as_issued(
    staff, intake, organisation, administrator
):
    administrator.first_name, administrator.last_name = "Айгүл", "Серікова"
    administrator.save()
    enrollment = completed(intake, organisation, last_name="Әлімов", first_name="Нұрлан")
    original = make_document(
        enrollment,
        by=administrator,
        status=DocumentStatus.REVOKED,
        revocation_reason="Replaced by duplicate",
    )
    duplicate = make_document(enrollment, by=administrator, duplicate_of=original)
    response = staff.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = _rows(response.content)
    assert rows[0][0] == "Register of issued documents"
    assert list(rows[1]) == HEADERS
    by_number = {row[1]: row for row in rows[2:]}
    row = dict(zip(HEADERS, by_number[duplicate.number], strict=True))
    assert row["Document kind"] == "Certificate"
    assert row["Status"] == "Valid"
    assert row["Issue date"] == datetime.datetime(2026, 3, 20)
    assert row["Issued by"] == "Айгүл Серікова"
    assert row["Listener"] == "Әлімов Нұрлан"
    assert row["IIN"] == enrollment.listener.iin
    assert row["Organisation"] == "№1 мектеп"
    assert row["Programme"] == "Бағдарлама"
    assert row["Hours"] == 72
    assert row["Intake"] == intake.code
    assert row["Start date"] == datetime.datetime(2026, 3, 2)
    assert row["End date"] == datetime.datetime(2026, 3, 13)
    assert row["Duplicate of"] == original.number
    assert row["SHA-256 of the PDF"] == "ab" * 32
    revoked = dict(zip(HEADERS, by_number[original.number], strict=True))
    assert revoked["Status"] == "Revoked"
    assert revoked["Revoked on"] == datetime.datetime(2026, 4, 2)
    assert revoked["Reason for revocation"] == "Replaced by duplicate"


def test_the_export_follows_the_register_filters(staff, intake, organisation, administrator):
    make_document(completed(intake, organisation), by=administrator)
    revoked = make_document(
        completed(intake, organisation), by=administrator, status=DocumentStatus.REVOKED
    )
    rows = _rows(staff.get(EXPORT, {"status": "revoked"}).content)
    assert [row[1] for row in rows[2:]] == [revoked.number]


def test_the_export_is_in_the_language_asked(intake, organisation, administrator):
    make_document(completed(intake, organisation), by=administrator)
    rows = _rows(register_xlsx(documents=Document.objects.all(), language="ru"))
    assert rows[2][9] == "Программа"  # the programme's Russian title, as frozen


@pytest.mark.parametrize("count", [10, 200])
def test_the_export_runs_a_fixed_number_of_queries(
    staff, intake, organisation, administrator, django_assert_max_num_queries, count
):
    for _ in range(count):
        make_document(completed(intake, organisation), by=administrator)
    # session and user, the intakes and organisations the filter offers, then one for the rows
    with django_assert_max_num_queries(6):
        response = staff.get(EXPORT)
    assert len(_rows(response.content)) == count + 2
