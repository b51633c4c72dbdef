"""The workspace's first page: the intakes to look after, the documents to issue, the appeals
to answer."""

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from certificates.models import documents_due_summary
from courses.models import Attention, Intake, IntakeStatus
from institute.access import can_change, workspace_view
from institute.models import Role, User
from listeners.models import (
    Appeal,
    AppealStatus,
    Enrollment,
)
from listeners.rules import APPLICANT_STATES
from listeners.rules import EnrollmentState as S

DASHBOARD_ROWS = 8


@workspace_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs a methodologist's attention today, each count linking to its list (the
    same Intake.objects.needing_attention the intake list filters by)."""
    today = timezone.localdate()

    def attention(kind: str) -> Q:
        return Intake.objects.attention_condition(kind, today=today)

    # Four small counts rather than one pass with four FILTERs: PostgreSQL then probes the
    # enrollments only for the intakes each condition leaves (measured by `make bench`).
    counts = {
        name: Intake.objects.needing_attention(kind, today=today).count()
        for name, kind in [
            ("starting_soon", Attention.STARTING_SOON),
            ("in_progress", Attention.IN_PROGRESS),
            ("with_applications", Attention.APPLICATIONS),
            ("results_due", Attention.RESULTS),
        ]
    }
    counts["applications"] = (
        Enrollment.objects.visible_to(request.user)
        .filter(state__in=APPLICANT_STATES)
        .exclude(intake__status=IntakeStatus.CANCELLED)
        .count()
    )
    # Counted by subqueries, so only the rows shown are counted (a join and GROUP BY counted
    # the enrollments of every intake starting within a month before keeping eight).
    listed = Intake.objects.select_related("programme").with_enrollments_in(
        waiting_count=list(APPLICANT_STATES), admitted_count=[S.ADMITTED]
    )
    context = {
        "today": today,
        "counts": counts,
        "starting_soon": listed.filter(attention(Attention.STARTING_SOON)).order_by("start_date")[
            :DASHBOARD_ROWS
        ],
        "results_due": listed.filter(attention(Attention.RESULTS)).order_by("end_date")[
            :DASHBOARD_ROWS
        ],
        **_documents_due(request.user),
        # Appeals of orders (§19.4) are the administrators' to answer.
        "open_appeals": (
            Appeal.objects.filter(status=AppealStatus.OPEN).count()
            if request.user.role == Role.ADMINISTRATOR
            else None
        ),
    }
    return render(request, "listeners/dashboard.html", context)


def _documents_due(user: User) -> dict:
    """The queue of documents to issue, for the institute's own staff (issued documents
    name people of every district: a district methodologist does not see them)."""
    if not can_change(user):
        return {"documents_due": None}
    return documents_due_summary(DASHBOARD_ROWS)
