"""The lists of an intake as .xlsx: its listeners, their attendance (§20) and the results of
the final attestation (§21), for the people admitted by order, in order of names."""

from django.db.models import QuerySet
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from courses.models import Intake
from institute import xlsx
from institute.models import User
from listeners.models import Attendance, Enrollment, FundingBasis, Mark
from listeners.rules import (
    ADMITTED_BY_ORDER_STATES,
    EnrollmentState,
    Grade,
)

BY_NAME = ("listener__last_name", "listener__first_name", "listener__patronymic", "pk")


def intake_title(what: Promise, intake: Intake) -> str:
    return str(
        _("%(what)s. Intake %(code)s: %(programme)s, %(start)s – %(end)s")
        % {
            "what": what,
            "code": intake.code,
            "programme": intake.programme.title,
            "start": xlsx.cell_day(intake.start_date),
            "end": xlsx.cell_day(intake.end_date),
        }
    )


def admitted_of(intake: Intake, viewer: User | None) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(intake=intake, state__in=ADMITTED_BY_ORDER_STATES)
        .visible_to(viewer)
        .order_by(*BY_NAME)
    )


def intake_list_xlsx(*, intake: Intake, language: str, viewer: User | None = None) -> bytes:
    """Every enrollment of the intake, whatever its state: who, where from, on what basis
    (§14), the facts accounting needs (§20), the admission order (§15) and the result.
    Two queries (three if the intake's programme is not loaded)."""
    columns = [
        xlsx.NUMBER_COLUMN,
        xlsx.IIN_COLUMN,
        xlsx.Column(_("Last name"), 18, xlsx.TEXT),
        xlsx.Column(_("First name"), 16, xlsx.TEXT),
        xlsx.Column(_("Patronymic"), 18, xlsx.TEXT),
        xlsx.Column(_("Organisation"), 36, xlsx.TEXT),
        xlsx.Column(_("District"), 22, xlsx.TEXT),
        xlsx.Column(_("Position"), 20, xlsx.TEXT),
        xlsx.Column(_("Subject taught"), 20, xlsx.TEXT),
        xlsx.Column(_("Funding basis"), 22, xlsx.TEXT),
        xlsx.Column(_("State"), 14, xlsx.TEXT),
        xlsx.Column(_("With interruption from work"), 14, xlsx.TEXT),
        xlsx.Column(_("From another town"), 12, xlsx.TEXT),
        xlsx.Column(_("Admission order No."), 12, xlsx.TEXT),
        xlsx.Column(_("Admission order date"), 12, xlsx.DATE),
        xlsx.Column(_("Grade"), 16, xlsx.TEXT),
        xlsx.Column(_("Remark"), 18, xlsx.TEXT),
        xlsx.Column(_("Completed on"), 12, xlsx.DATE),
    ]
    enrollments = (
        Enrollment.objects.filter(intake=intake)
        .visible_to(viewer)
        .select_related("listener__organisation__district", "admission_order")
        .order_by(*BY_NAME)
    )
    with translation.override(language):
        bases, states = xlsx.choice_labels(FundingBasis), xlsx.choice_labels(EnrollmentState)
        grades = xlsx.choice_labels(Grade)
        book = xlsx.Book()
        sheet = xlsx.sheet_add(
            book,
            name=intake.code,
            title=intake_title(_("List of listeners"), intake),
            columns=columns,
        )
        for number, enrollment in enumerate(enrollments.iterator(chunk_size=xlsx.CHUNK_SIZE), 1):
            person, order = enrollment.listener, enrollment.admission_order
            organisation = person.organisation
            sheet.append(
                [
                    number,
                    person.iin or person.passport_number,
                    person.last_name,
                    person.first_name,
                    person.patronymic,
                    xlsx.cell_text(organisation),
                    xlsx.cell_text(organisation.district if organisation else None),
                    person.position,
                    person.subject,
                    bases.get(enrollment.basis, enrollment.basis),
                    states.get(enrollment.state, enrollment.state),
                    xlsx.yes_no(enrollment.with_work_interruption),
                    xlsx.yes_no(enrollment.from_other_town),
                    order.number if order else "",
                    order.date if order else None,
                    grades.get(enrollment.grade, ""),
                    enrollment.final_result,
                    enrollment.completed_on,
                ]
            )
        return xlsx.book_bytes(book)


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
        labels = xlsx.choice_labels(Mark)
        columns = [
            xlsx.NUMBER_COLUMN,
            xlsx.Column(_("Listener"), 32, xlsx.TEXT),
            xlsx.IIN_COLUMN,
            *(
                xlsx.Column(
                    str(
                        _("%(date)s, %(hours)s h")
                        % {"date": xlsx.cell_day(session.date), "hours": session.hours}
                    ),
                    11,
                    xlsx.TEXT,
                )
                for session in sessions
            ),
            xlsx.Column(_("Hours present"), 10),
            xlsx.Column(_("Hours marked"), 10),
            xlsx.Column(_("Attendance, %"), 12),
        ]
        book = xlsx.Book()
        sheet = xlsx.sheet_add(
            book,
            name=intake.code,
            title=intake_title(_("Attendance"), intake),
            columns=columns,
        )
        for number, enrollment in enumerate(enrollments.iterator(chunk_size=xlsx.CHUNK_SIZE), 1):
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
        return xlsx.book_bytes(book)


def intake_results_xlsx(*, intake: Intake, language: str, viewer: User | None = None) -> bytes:
    """The results of the admitted listeners (§21): state, grade, remark, completion date and
    the share of hours attended. One query for the people (two if the programme is not
    loaded)."""
    columns = [
        xlsx.NUMBER_COLUMN,
        xlsx.Column(_("Listener"), 32, xlsx.TEXT),
        xlsx.IIN_COLUMN,
        xlsx.Column(_("Organisation"), 36, xlsx.TEXT),
        xlsx.Column(_("State"), 14, xlsx.TEXT),
        xlsx.Column(_("Grade"), 16, xlsx.TEXT),
        xlsx.Column(_("Remark"), 20, xlsx.TEXT),
        xlsx.Column(_("Completed on"), 12, xlsx.DATE),
        xlsx.Column(_("Attendance, %"), 12),
    ]
    enrollments = (
        admitted_of(intake, viewer).select_related("listener__organisation").with_attendance()
    )
    with translation.override(language):
        states, grades = xlsx.choice_labels(EnrollmentState), xlsx.choice_labels(Grade)
        book = xlsx.Book()
        sheet = xlsx.sheet_add(
            book,
            name=intake.code,
            title=intake_title(_("Results"), intake),
            columns=columns,
        )
        for number, enrollment in enumerate(enrollments.iterator(chunk_size=xlsx.CHUNK_SIZE), 1):
            person = enrollment.listener
            sheet.append(
                [
                    number,
                    person.full_name,
                    person.iin or person.passport_number,
                    xlsx.cell_text(person.organisation),
                    states.get(enrollment.state, enrollment.state),
                    grades.get(enrollment.grade, ""),
                    enrollment.final_result,
                    enrollment.completed_on,
                    enrollment.attendance_percent,
                ]
            )
        return xlsx.book_bytes(book)
