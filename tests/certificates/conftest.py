"""Fixtures for issuing documents: the institute that issues them, PDFs written to a
temporary media folder, completed enrollments, a document, and its audit trail. The
scene-setting helpers of the workspace pages stay in test_views, which other tests import."""

import datetime

import pytest
from django.conf import settings

from certificates.blanks.services import blank_batch_record
from certificates.models import BlankBatch, Document
from institute.models import AuditEntry, Institute, User
from listeners.models import Enrollment
from listeners.rules import EnrollmentState
from tests.certificates.test_views import completed, make_document
from tests.conftest import IMMEDIATE_TASKS, make_bin, make_enrollment, make_intake, make_listener


def make_issuing_institute() -> Institute:
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
def issuer(db, settings, tmp_path) -> Institute:
    """The institute, with issued PDFs going to a temporary media folder."""
    settings.MEDIA_ROOT = tmp_path
    return make_issuing_institute()


def make_batch(
    first: int = 1,
    last: int = 10,
    *,
    series: str = "ЖБ-Б",
    received_on: datetime.date = datetime.date(2026, 1, 15),
    by: User | None = None,
) -> BlankBatch:
    """A delivery of diploma forms, recorded as the administrator records one."""
    return blank_batch_record(
        series=series,
        first_number=first,
        last_number=last,
        received_on=received_on,
        delivery_note=f"Акт № {first}",
        by=by,
    )


def make_completed(intake=None, **listener_fields) -> Enrollment:
    return make_enrollment(
        make_listener(**listener_fields),
        intake or make_intake(),
        state=EnrollmentState.COMPLETED,
    )


@pytest.fixture
def issuing(settings, tmp_path) -> Institute:
    """What issuing for real needs: the institute's details, a folder for the PDFs, and
    background tasks run at once."""
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = IMMEDIATE_TASKS
    return make_issuing_institute()


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def document(intake, organisation, administrator) -> Document:
    return make_document(completed(intake, organisation), by=administrator)


def audit_trail(document: Document) -> list[tuple[str, str]]:
    return [
        (entry.action, entry.by.username if entry.by else "")
        for entry in AuditEntry.objects.filter(object_id=document.pk, action__startswith="doc")
    ]
