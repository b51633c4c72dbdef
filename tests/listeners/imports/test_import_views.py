"""The import pages: upload, background check with progress, confirm once, all or nothing."""

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from institute.models import AuditEntry
from listeners.models import Enrollment, ImportJob, ImportStatus
from tests.conftest import IMMEDIATE_TASKS, make_iin, make_intake
from tests.listeners.imports.test_imports import xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(settings, tmp_path):
    """Background tasks run as soon as they are enqueued; uploads go to a temporary folder."""
    settings.TASKS = IMMEDIATE_TASKS
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def signed_in(client, methodologist):
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _upload(client, intake, data: bytes, name: str = "list.xlsx", **fields):
    payload = {
        "file": SimpleUploadedFile(name, data),
        "basis": "state_order",
        "with_work_interruption": "on",
        **fields,
    }
    return client.post(reverse("listeners:import_upload", args=[intake.pk]), payload)


def test_a_list_with_one_bad_row_is_shown_row_by_row_and_nothing_is_imported(
    signed_in, intake, organisation, worker, django_capture_on_commit_callbacks
):
    data = xlsx(
        [
            [make_iin(), "Әлиев", "Нұрлан", "", organisation.bin, "", ""],
            ["871008401428", "Сейіт", "Дана", "", organisation.bin, "", ""],
            [make_iin(), "Оспан", "Ерлан", "", organisation.bin, "", ""],
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(signed_in, intake, data)
    job = ImportJob.objects.get()
    assert response.url == reverse("listeners:import_detail", args=[intake.pk, job.pk])
    assert job.status == ImportStatus.INVALID
    page = signed_in.get(response.url).content.decode()
    assert "1 row cannot be imported" in page
    assert "871008401428" in page and "wrong check digit" in page
    assert not Enrollment.objects.filter(intake=intake).exists()


def test_a_clean_list_is_imported_once_even_if_confirmed_twice(
    signed_in, intake, organisation, worker, django_capture_on_commit_callbacks
):
    data = xlsx(
        [
            [make_iin(), "Әлиев", "Нұрлан", "", organisation.bin, "", ""],
            [make_iin(), "Оспан", "Ерлан", "", organisation.bin, "", "иә"],
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        _upload(signed_in, intake, data)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.CHECKED
    assert (
        "Import 2 applicants"
        in signed_in.get(
            reverse("listeners:import_detail", args=[intake.pk, job.pk])
        ).content.decode()
    )
    confirm = reverse("listeners:import_confirm", args=[intake.pk, job.pk])
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(confirm)
    with django_capture_on_commit_callbacks(execute=True):
        second = signed_in.post(confirm, follow=True)
    assert "not waiting to be imported" in second.content.decode()
    job.refresh_from_db()
    assert (job.status, job.imported) == (ImportStatus.IMPORTED, 2)
    assert Enrollment.objects.filter(intake=intake).count() == 2


def test_the_progress_is_a_partial_for_htmx(signed_in, intake, methodologist):
    job = ImportJob.objects.create(
        intake=intake, filename="a.xlsx", created_by=methodologist, total=200, processed=50
    )
    response = signed_in.get(
        reverse("listeners:import_detail", args=[intake.pk, job.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'value="25"' in html and 'hx-trigger="every 1s"' in html


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("list.pdf", b"%PDF-1.4", "Upload an .xlsx or .csv file."),
        ("list.xlsx", b"not a workbook", "not a readable .xlsx workbook"),
    ],
)
def test_a_wrong_file_is_refused_beside_the_field(signed_in, intake, worker, name, data, message):
    response = _upload(signed_in, intake, data, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_contract_basis_is_refused_for_a_list(signed_in, intake, organisation, worker):
    data = xlsx([[make_iin(), "Әлиев", "Нұрлан", "", organisation.bin, "", ""]])
    response = _upload(signed_in, intake, data, basis="contract_person")
    assert "add contract listeners one by one" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_district_methodologist_neither_reads_a_list_nor_uploads_or_confirms(
    client, district_methodologist, intake, methodologist
):
    """A list's rows are people of any district, typed before they are anyone's (issue 18)."""
    job = ImportJob.objects.create(
        intake=intake, filename="a.xlsx", created_by=methodologist, status=ImportStatus.CHECKED
    )
    client.force_login(district_methodologist)
    assert (
        client.get(reverse("listeners:import_detail", args=[intake.pk, job.pk])).status_code == 403
    )
    assert client.get(reverse("listeners:import_upload", args=[intake.pk])).status_code == 403
    assert (
        client.post(reverse("listeners:import_confirm", args=[intake.pk, job.pk])).status_code
        == 403
    )
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED


def test_a_job_of_another_intake_is_not_found(signed_in, intake, methodologist):
    job = ImportJob.objects.create(
        intake=make_intake(), filename="a.xlsx", created_by=methodologist
    )
    url = reverse("listeners:import_detail", args=[intake.pk, job.pk])
    assert signed_in.get(url).status_code == 404


def test_confirm_refuses_get(signed_in, intake, methodologist):
    job = ImportJob.objects.create(
        intake=intake, filename="a.xlsx", created_by=methodologist, status=ImportStatus.CHECKED
    )
    url = reverse("listeners:import_confirm", args=[intake.pk, job.pk])
    assert signed_in.get(url).status_code == 405
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED


def _silent(job: ImportJob, status: str) -> None:
    """The job left in `status` by a worker that died: nothing heard of it for too long."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        heartbeat_at=timezone.now()
        - settings.BACKGROUND_JOB_STALE_AFTER
        - datetime.timedelta(seconds=1),
    )


def test_a_check_left_by_a_dead_worker_is_shown_stopped_and_can_be_run_again(
    signed_in, intake, organisation, methodologist, worker, django_capture_on_commit_callbacks
):
    data = xlsx([[make_iin(), "Әлиев", "Нұрлан", "", organisation.bin, "", ""]])
    with django_capture_on_commit_callbacks(execute=False):  # the worker never picks it up
        _upload(signed_in, intake, data)
    job = ImportJob.objects.get()
    detail = reverse("listeners:import_detail", args=[intake.pk, job.pk])
    assert 'hx-trigger="every 1s"' in signed_in.get(detail).content.decode()  # still checking

    _silent(job, ImportStatus.CHECKING)
    page = signed_in.get(detail).content.decode()
    assert "The check stopped" in page and "Check again" in page
    assert 'hx-trigger="every 1s"' not in page  # no use polling a dead worker
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("listeners:import_confirm", args=[intake.pk, job.pk]))
    job.refresh_from_db()
    assert (job.status, job.total, job.processed) == (ImportStatus.CHECKED, 1, 1)
    assert (
        AuditEntry.objects.get(object_id=job.pk, action__startswith="import.").action
        == "import.check_restarted"
    )
    assert not job.stalled and not Enrollment.objects.filter(intake=intake).exists()


def test_an_import_left_by_a_dead_worker_is_imported_once_when_started_again(
    signed_in, intake, organisation, methodologist, worker, django_capture_on_commit_callbacks
):
    data = xlsx([[make_iin(), "Әлиев", "Нұрлан", "", organisation.bin, "", ""]])
    with django_capture_on_commit_callbacks(execute=True):
        _upload(signed_in, intake, data)
    job = ImportJob.objects.get()
    confirm = reverse("listeners:import_confirm", args=[intake.pk, job.pk])
    with django_capture_on_commit_callbacks(execute=False):  # the worker dies with it
        signed_in.post(confirm)
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING and not job.stalled
    with django_capture_on_commit_callbacks(execute=True):
        early = signed_in.post(confirm, follow=True)  # still within the time it may take
    assert "not waiting to be imported" in early.content.decode()

    _silent(job, ImportStatus.IMPORTING)
    page = signed_in.get(reverse("listeners:import_detail", args=[intake.pk, job.pk]))
    assert "The import stopped" in page.content.decode()
    assert "Nothing has been imported" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(confirm)
    with django_capture_on_commit_callbacks(execute=True):
        second = signed_in.post(confirm, follow=True)
    assert "not waiting to be imported" in second.content.decode()
    job.refresh_from_db()
    assert (job.status, job.imported) == (ImportStatus.IMPORTED, 1)
    assert Enrollment.objects.filter(intake=intake).count() == 1
    trail = AuditEntry.objects.filter(object_id=job.pk, action__startswith="import.").order_by("pk")
    assert [(e.action, e.by) for e in trail] == [
        ("import.confirmed", methodologist),
        ("import.restarted", methodologist),
    ]
