"""Fixtures for issuing documents: the institute that issues them, PDFs written to a
temporary media folder, and completed enrollments."""

import pytest

from institute.models import Institute
from listeners.models import Enrollment
from listeners.rules import EnrollmentState
from tests.conftest import make_bin, make_enrollment, make_intake, make_listener


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


def make_completed(intake=None, **listener_fields) -> Enrollment:
    return make_enrollment(
        make_listener(**listener_fields),
        intake or make_intake(),
        state=EnrollmentState.COMPLETED,
    )
