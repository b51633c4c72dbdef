"""Downloading the .xlsx exports: who may, and that a real workbook comes back."""

import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from listeners.models import ExportJob, ExportKind, ExportStatus
from listeners.reports.services import export_build
from listeners.rules import EnrollmentState
from tests.conftest import IMMEDIATE_TASKS, make_enrollment

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


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE_TASKS


def test_accounting_needs_a_period_that_ends_after_it_starts(client, methodologist):
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("listeners:accounting_export")
    page = client.post(url, {"start": "2026-03-31", "end": "2026-03-01"})
    assert page.status_code == 200
    assert "The period ends before it starts." in page.content.decode()
    assert not ExportJob.objects.exists()


def test_accounting_is_prepared_in_the_background_and_downloaded_by_who_asked(
    client, methodologist, admitted, immediate_tasks, django_capture_on_commit_callbacks
):
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    intake = admitted.intake
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("listeners:accounting_export"),
            {"start": intake.start_date.isoformat(), "end": intake.end_date.isoformat()},
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("listeners:export_detail", args=[job.pk])
    # From another town and with interruption from work: a row on each sheet.
    assert (admitted.from_other_town, admitted.with_work_interruption) == (True, True)
    assert (job.status, job.processed, job.total, job.percent) == (ExportStatus.DONE, 2, 2, 100)

    status = client.get(response["Location"], headers={"HX-Request": "true"})
    assert "hx-trigger" not in status.content.decode()  # done: the page stops asking
    assert "2 of 2 rows written" in status.content.decode()

    download = client.get(reverse("listeners:export_download", args=[job.pk]))
    assert job.filename in download["Content-Disposition"]
    book = load_workbook(io.BytesIO(download.content))
    assert len(book.worksheets) == 2
    names = [str(cell) for row in book.worksheets[0].iter_rows(values_only=True) for cell in row]
    assert any(admitted.listener.last_name in name for name in names)


def test_an_export_in_progress_keeps_the_page_asking(client, methodologist):
    job = ExportJob.objects.create(
        kind=ExportKind.ACCOUNTING, language="en", created_by=methodologist, total=4000
    )
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, processed=2000)
    client.force_login(methodologist)
    page = client.get(reverse("listeners:export_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="50"' in page
    assert client.get(reverse("listeners:export_download", args=[job.pk])).status_code == 404


def test_another_persons_export_is_not_found(client, methodologist, administrator):
    job = ExportJob.objects.create(
        kind=ExportKind.ACCOUNTING, language="en", created_by=methodologist
    )
    client.force_login(administrator)
    for name in ("export_detail", "export_download"):
        assert client.get(reverse(f"listeners:{name}", args=[job.pk])).status_code == 404


def test_a_failing_export_says_so_and_stops(methodologist, immediate_tasks, monkeypatch):
    job = ExportJob.objects.create(
        kind=ExportKind.ACCOUNTING,
        params={"start": "2026-03-01", "end": "2026-03-31"},
        language="en",
        created_by=methodologist,
    )

    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("listeners.reports.services.accounting_xlsx", broken)
    export_build.call(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert job.error == "The export could not be prepared. Please try again."
    assert not job.file


def test_an_export_whose_worker_died_stops_asking_and_says_to_ask_again(
    client, methodologist, settings
):
    import datetime

    from django.utils import timezone

    job = ExportJob.objects.create(
        kind=ExportKind.ACCOUNTING, language="en", created_by=methodologist, total=4000
    )
    silent = timezone.now() - settings.BACKGROUND_JOB_STALE_AFTER - datetime.timedelta(minutes=1)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, processed=2000, heartbeat_at=silent
    )
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("listeners:export_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' not in page
    assert "The worker stopped before the file was ready. Ask for the export again." in page
