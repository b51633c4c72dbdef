"""Attendance: one mark per listener and session; the share present counted by hours."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from courses.models import Session
from listeners.models import Attendance, Enrollment, Mark
from listeners.rules import EnrollmentState
from tests.conftest import make_enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def journal(listener, other_listener, intake, methodologist):
    day = intake.start_date
    sessions = [
        Session.objects.create(intake=intake, date=day, topic="Кіріспе", hours=2),
        Session.objects.create(
            intake=intake, date=day + datetime.timedelta(days=1), topic="Әдістеме", hours=6
        ),
    ]
    first = make_enrollment(listener, intake, state=EnrollmentState.ADMITTED)
    second = make_enrollment(other_listener, intake, state=EnrollmentState.ADMITTED)
    return sessions, first, second


def test_the_share_present_is_counted_by_hours(journal, methodologist):
    (short, long), first, second = journal
    Attendance.objects.create(enrollment=first, session=short, mark=Mark.ABSENT)
    Attendance.objects.create(enrollment=first, session=long, mark=Mark.PRESENT)
    Attendance.objects.create(enrollment=second, session=short, mark=Mark.EXCUSED)
    rows = {e.pk: e for e in Enrollment.objects.with_attendance()}
    assert (rows[first.pk].hours_present, rows[first.pk].hours_marked) == (6, 8)
    assert rows[first.pk].attendance_percent == 75
    assert rows[second.pk].attendance_percent == 0


def test_before_any_mark_there_is_no_percentage(journal):
    _sessions, first, _second = journal
    assert Enrollment.objects.with_attendance().get(pk=first.pk).attendance_percent is None


def test_a_second_mark_for_one_session_is_refused(journal):
    (short, _long), first, _second = journal
    Attendance.objects.create(enrollment=first, session=short, mark=Mark.PRESENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(enrollment=first, session=short, mark=Mark.ABSENT)
    assert Attendance.objects.get(enrollment=first, session=short).mark == Mark.PRESENT
