"""The attendance journal of an intake: the table of listeners by sessions, marked cell by cell
(htmx) or a whole session present at once."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from courses.models import Intake, Session
from institute.access import can_change, workspace_change, workspace_view
from listeners.attendance import services
from listeners.attendance.services import JOURNAL_STATES, MARKABLE_STATES, attendance_mark_present
from listeners.models import (
    Attendance,
    Enrollment,
    Mark,
)
from listeners.web import enrollment_or_404, hidden_count, id_or_zero, intake_or_404

# --- the attendance journal ------------------------------------------------------------------

# One click moves a cell on: not marked → present → absent → excused → present …
NEXT_MARK = {"": Mark.PRESENT, Mark.PRESENT: Mark.ABSENT, Mark.ABSENT: Mark.EXCUSED}
MARK_BADGES = {Mark.PRESENT: "ok", Mark.ABSENT: "bad", Mark.EXCUSED: "warn"}


@dataclass(frozen=True)
class Cell:
    """One square of the journal: a listener at a session, as the template shows it."""

    enrollment: Enrollment
    session: Session
    mark: str
    markable: bool

    @property
    def label(self) -> str:
        return Mark(self.mark).label if self.mark else _("not marked")

    @property
    def badge(self) -> str:
        return MARK_BADGES.get(self.mark, "")

    @property
    def next_mark(self) -> str:
        return NEXT_MARK.get(self.mark, Mark.PRESENT)

    @property
    def next_label(self) -> str:
        return Mark(self.next_mark).label


def _journal(request: HttpRequest, intake: Intake) -> dict:
    """What the journal shows: the intake's sessions, and a row of cells for each listener
    the user may see. A handful of queries whatever its size: the marks of the whole intake
    are read once and looked up in a dict."""
    sessions = list(intake.sessions.all())
    journal = Enrollment.objects.filter(intake=intake, state__in=JOURNAL_STATES)
    enrollments = list(
        journal.visible_to(request.user)
        .with_attendance()
        .select_related("listener")
        .order_by("listener__last_name", "listener__first_name", "pk")
    )
    marks = dict(
        (
            (enrollment_id, session_id),
            mark,
        )
        for enrollment_id, session_id, mark in Attendance.objects.filter(
            enrollment__in=[enrollment.pk for enrollment in enrollments]
        ).values_list("enrollment_id", "session_id", "mark")
    )
    writer = can_change(request.user)
    rows = []
    for enrollment in enrollments:
        markable = writer and enrollment.state in MARKABLE_STATES
        cells = [
            Cell(
                enrollment=enrollment,
                session=session,
                mark=marks.get((enrollment.pk, session.pk), ""),
                markable=markable,
            )
            for session in sessions
        ]
        rows.append((enrollment, cells, markable))
    return {
        "intake": intake,
        "sessions": sessions,
        "rows": rows,
        "hidden": hidden_count(request.user, intake, len(enrollments), state__in=JOURNAL_STATES),
        "can_change": writer,
    }


@workspace_view
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance journal of an intake: its sessions across, its listeners down, the
    share present by hours at the end of each row."""
    return render(request, "listeners/attendance.html", _journal(request, intake_or_404(pk)))


@require_POST
@workspace_change
def attendance_present(request: HttpRequest, pk: int) -> HttpResponse:
    """ "All present" for one session (`session`: every listener of the journal the user may
    see) or for one listener (`enrollment`: every session), cells already marked kept. With
    htmx the answer is the journal's table and what was done; without JavaScript, back to the
    journal with a message. Only people the user may see are marked, whatever is posted."""
    intake = intake_or_404(pk)
    visible = Enrollment.objects.visible_to(request.user).filter(intake=intake)
    if "session" in request.POST:
        sessions = [
            get_object_or_404(Session, pk=id_or_zero(request.POST["session"]), intake=intake)
        ]
        enrollments = list(visible.filter(state__in=MARKABLE_STATES).select_related("listener"))
    else:
        enrollments = [
            get_object_or_404(
                visible.select_related("listener"), pk=id_or_zero(request.POST.get("enrollment"))
            )
        ]
        sessions = list(intake.sessions.all())
    htmx = bool(request.headers.get("HX-Request"))
    try:
        done = attendance_mark_present(enrollments=enrollments, sessions=sessions, by=request.user)
    except ValidationError as error:
        if htmx:
            return HttpResponse(" ".join(error.messages), status=400)
        for text in error.messages:
            messages.error(request, text)
        return redirect("listeners:attendance", pk=intake.pk)
    if done:
        said = ngettext("%(n)s cell marked present.", "%(n)s cells marked present.", done) % {
            "n": done
        }
    else:
        said = _("Every cell here was marked already: nothing changed.")
    if not htmx:
        messages.success(request, said)
        return redirect("listeners:attendance", pk=intake.pk)
    context = _journal(request, intake) | {"said": said}
    return render(request, "listeners/_attendance_table.html", context)


@require_POST
@workspace_change
def attendance_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one cell of the journal. With htmx the answer is the new cell (and the row's
    share present, out of band); without JavaScript, back to the journal."""
    intake = intake_or_404(pk)
    enrollment = enrollment_or_404(intake, id_or_zero(request.POST.get("enrollment")))
    session = get_object_or_404(Session, pk=id_or_zero(request.POST.get("session")))
    htmx = bool(request.headers.get("HX-Request"))
    try:
        services.attendance_mark(
            enrollment=enrollment,
            session=session,
            mark=request.POST.get("mark", ""),
            by=request.user,
        )
    except ValidationError as error:
        if htmx:
            return HttpResponse(" ".join(error.messages), status=400)
        for text in error.messages:
            messages.error(request, text)
        return redirect("listeners:attendance", pk=intake.pk)
    if not htmx:
        return redirect("listeners:attendance", pk=intake.pk)
    counted = Enrollment.objects.with_attendance().get(pk=enrollment.pk)
    enrollment.attendance_percent = counted.attendance_percent
    cell = Cell(
        enrollment=enrollment,
        session=session,
        mark=Attendance.objects.get(enrollment=enrollment, session=session).mark,
        markable=True,
    )
    return render(
        request,
        "listeners/_attendance_cell.html",
        {"cell": cell, "intake": intake, "percent_out_of_band": True},
    )
