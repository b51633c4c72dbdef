"""The attendance of an intake as an .xlsx: one row per admitted listener, one column per
session (§20)."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from courses.models import Intake
from institute.models import User
from institute.xlsx import (
    CHUNK_SIZE,
    IIN_COLUMN,
    NUMBER_COLUMN,
    TEXT,
    Book,
    Column,
    book_bytes,
    cell_day,
    choice_labels,
    sheet_add,
)
from listeners.enrollment.exports import admitted_of, intake_title
from listeners.models import Attendance, Mark


def intake_attendance_xlsx(*, intake: Intake, language: str, viewer: User | None = None) -> bytes:
    """The attendance journal: a row per admitted listener, a column per session with its
    date and hours, then hours present, hours marked and the share present (counted by hours,
    EnrollmentQuerySet.with_attendance). Three queries: sessions, people, all the marks."""
    sessions = list(intake.sessions.order_by("date", "starts_at", "pk"))
    enrollments = admitted_of(intake, viewer).select_related("listener").with_attendance()
    marks = {
        (enrollment_id, session_id): mark
        for enrollment_id, session_id, mark in Attendance.objects.filter(
            enrollment__in=admitted_of(intake, viewer).order_by()
        ).values_list("enrollment_id", "session_id", "mark")
    }
    with translation.override(language):
        labels = choice_labels(Mark)
        columns = [
            NUMBER_COLUMN,
            Column(_("Listener"), 32, TEXT),
            IIN_COLUMN,
            *(
                Column(
                    str(
                        _("%(date)s, %(hours)s h")
                        % {"date": cell_day(session.date), "hours": session.hours}
                    ),
                    11,
                    TEXT,
                )
                for session in sessions
            ),
            Column(_("Hours present"), 10),
            Column(_("Hours marked"), 10),
            Column(_("Attendance, %"), 12),
        ]
        book = Book()
        sheet = sheet_add(
            book,
            name=intake.code,
            title=intake_title(_("Attendance"), intake),
            columns=columns,
        )
        for number, enrollment in enumerate(enrollments.iterator(chunk_size=CHUNK_SIZE), 1):
            person = enrollment.listener
            cells = (marks.get((enrollment.pk, session.pk)) for session in sessions)
            sheet.append(
                [
                    number,
                    person.full_name,
                    person.iin or person.passport_number,
                    *(labels[mark] if mark else None for mark in cells),
                    enrollment.hours_present,
                    enrollment.hours_marked,
                    enrollment.attendance_percent,
                ]
            )
        return book_bytes(book)
