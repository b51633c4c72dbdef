"""The results of an intake's final attestation as an .xlsx (§21): passed or failed, grade,
the commission's remark."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from courses.models import Intake
from institute.models import User
from institute.xlsx import (
    CHUNK_SIZE,
    DATE,
    IIN_COLUMN,
    NUMBER_COLUMN,
    TEXT,
    Book,
    Column,
    book_bytes,
    cell_text,
    choice_labels,
    sheet_add,
)
from listeners.enrollment.exports import admitted_of, intake_title
from listeners.rules import (
    EnrollmentState,
    Grade,
)


def intake_results_xlsx(*, intake: Intake, language: str, viewer: User | None = None) -> bytes:
    """The results of the admitted listeners (§21): state, grade, remark, completion date and
    the share of hours attended. One query for the people (two if the programme is not
    loaded)."""
    columns = [
        NUMBER_COLUMN,
        Column(_("Listener"), 32, TEXT),
        IIN_COLUMN,
        Column(_("Organisation"), 36, TEXT),
        Column(_("State"), 14, TEXT),
        Column(_("Grade"), 16, TEXT),
        Column(_("Remark"), 20, TEXT),
        Column(_("Completed on"), 12, DATE),
        Column(_("Attendance, %"), 12),
    ]
    enrollments = (
        admitted_of(intake, viewer).select_related("listener__organisation").with_attendance()
    )
    with translation.override(language):
        states, grades = choice_labels(EnrollmentState), choice_labels(Grade)
        book = Book()
        sheet = sheet_add(
            book,
            name=intake.code,
            title=intake_title(_("Results"), intake),
            columns=columns,
        )
        for number, enrollment in enumerate(enrollments.iterator(chunk_size=CHUNK_SIZE), 1):
            person = enrollment.listener
            sheet.append(
                [
                    number,
                    person.full_name,
                    person.iin or person.passport_number,
                    cell_text(person.organisation),
                    states.get(enrollment.state, enrollment.state),
                    grades.get(enrollment.grade, ""),
                    enrollment.final_result,
                    enrollment.completed_on,
                    enrollment.attendance_percent,
                ]
            )
        return book_bytes(book)
