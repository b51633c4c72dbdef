"""The list of an intake's listeners as an .xlsx, and the parts the intake's other lists share
(the title, the admitted people in order of names)."""

from django.db.models import QuerySet
from django.utils import translation
from django.utils.functional import Promise
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
    cell_day,
    cell_text,
    choice_labels,
    sheet_add,
    yes_no,
)
from listeners.models import Enrollment, FundingBasis
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
            "start": cell_day(intake.start_date),
            "end": cell_day(intake.end_date),
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
        NUMBER_COLUMN,
        IIN_COLUMN,
        Column(_("Last name"), 18, TEXT),
        Column(_("First name"), 16, TEXT),
        Column(_("Patronymic"), 18, TEXT),
        Column(_("Organisation"), 36, TEXT),
        Column(_("District"), 22, TEXT),
        Column(_("Position"), 20, TEXT),
        Column(_("Subject taught"), 20, TEXT),
        Column(_("Funding basis"), 22, TEXT),
        Column(_("State"), 14, TEXT),
        Column(_("With interruption from work"), 14, TEXT),
        Column(_("From another town"), 12, TEXT),
        Column(_("Admission order No."), 12, TEXT),
        Column(_("Admission order date"), 12, DATE),
        Column(_("Grade"), 16, TEXT),
        Column(_("Remark"), 18, TEXT),
        Column(_("Completed on"), 12, DATE),
    ]
    enrollments = (
        Enrollment.objects.filter(intake=intake)
        .visible_to(viewer)
        .select_related("listener__organisation__district", "admission_order")
        .order_by(*BY_NAME)
    )
    with translation.override(language):
        bases, states = choice_labels(FundingBasis), choice_labels(EnrollmentState)
        grades = choice_labels(Grade)
        book = Book()
        sheet = sheet_add(
            book,
            name=intake.code,
            title=intake_title(_("List of listeners"), intake),
            columns=columns,
        )
        for number, enrollment in enumerate(enrollments.iterator(chunk_size=CHUNK_SIZE), 1):
            person, order = enrollment.listener, enrollment.admission_order
            organisation = person.organisation
            sheet.append(
                [
                    number,
                    person.iin or person.passport_number,
                    person.last_name,
                    person.first_name,
                    person.patronymic,
                    cell_text(organisation),
                    cell_text(organisation.district if organisation else None),
                    person.position,
                    person.subject,
                    bases.get(enrollment.basis, enrollment.basis),
                    states.get(enrollment.state, enrollment.state),
                    yes_no(enrollment.with_work_interruption),
                    yes_no(enrollment.from_other_town),
                    order.number if order else "",
                    order.date if order else None,
                    grades.get(enrollment.grade, ""),
                    enrollment.final_result,
                    enrollment.completed_on,
                ]
            )
        return book_bytes(book)
