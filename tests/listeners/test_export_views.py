"""Downloading the .xlsx exports: who may, and that a real workbook comes back."""

import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from listeners.rules import EnrollmentState
from tests.conftest import make_enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def admitted(listener, intake):
    return make_enrollment(listener, intake, state=EnrollmentState.ADMITTED, from_other_town=True)


@pytest.mark.parametrize("kind", ["list", "attendance", "results"])
def test_each_intake_export_is_a_workbook_with_the_listener(client, methodologist, admitted, kind):
    client.force_login(methodologist)
    response = client.get(reverse("listeners:intake_export", args=[admitted.intake_id, kind]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"{admitted.intake.code}-{kind}.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = {str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell}
    assert any(admitted.listener.last_name in value for value in values)


def test_an_unknown_export_is_not_found(client, methodologist, intake):
    client.force_login(methodologist)
    assert (
        client.get(reverse("listeners:intake_export", args=[intake.pk, "secrets"])).status_code
        == 404
    )


def test_a_district_methodologist_may_download_a_listener_may_not(
    client, district_methodologist, listener, intake
):
    url = reverse("listeners:intake_export", args=[intake.pk, "list"])
    client.force_login(district_methodologist)
    assert client.get(url).status_code == 200
    client.force_login(listener.user)
    assert client.get(url).status_code == 403


def test_accounting_needs_a_period_that_ends_after_it_starts(client, methodologist):
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("listeners:accounting_export")
    page = client.get(url, {"start": "2026-03-31", "end": "2026-03-01"})
    assert page.status_code == 200
    assert "The period ends before it starts." in page.content.decode()
    download = client.get(url, {"start": "2026-03-01", "end": "2026-03-31"})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(load_workbook(io.BytesIO(download.content)).worksheets) == 2
