"""Workspace pages about listeners and their enrollments."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from courses.models import Intake, IntakeStatus
from institute.access import workspace_view
from listeners.models import Enrollment
from listeners.rules import EnrollmentState as S

STARTING_SOON_DAYS = 30
DASHBOARD_ROWS = 8


@workspace_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs a methodologist's attention today, each count linking to its list."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=STARTING_SOON_DAYS)
    live = Intake.objects.exclude(status=IntakeStatus.CANCELLED)
    waiting = Enrollment.objects.filter(intake=OuterRef("pk"), state__in=[S.APPLIED, S.WAITLISTED])
    unrecorded = Enrollment.objects.filter(intake=OuterRef("pk"), state=S.ADMITTED)
    intakes = live.annotate(has_waiting=Exists(waiting), has_unrecorded=Exists(unrecorded))
    starting_soon = Q(start_date__gte=today, start_date__lte=soon)
    in_progress = Q(start_date__lte=today, end_date__gte=today)
    results_due = Q(end_date__lt=today, has_unrecorded=True)
    counts = intakes.aggregate(
        starting_soon=Count("pk", filter=starting_soon),
        in_progress=Count("pk", filter=in_progress),
        with_applications=Count("pk", filter=Q(has_waiting=True)),
        results_due=Count("pk", filter=results_due),
    )
    counts["applications"] = (
        Enrollment.objects.filter(state__in=[S.APPLIED, S.WAITLISTED])
        .exclude(intake__status=IntakeStatus.CANCELLED)
        .count()
    )
    listed = intakes.select_related("programme").annotate(
        waiting_count=Count(
            "enrollments", filter=Q(enrollments__state__in=[S.APPLIED, S.WAITLISTED])
        ),
        admitted_count=Count("enrollments", filter=Q(enrollments__state=S.ADMITTED)),
    )
    context = {
        "today": today,
        "counts": counts,
        "starting_soon": listed.filter(starting_soon).order_by("start_date")[:DASHBOARD_ROWS],
        "results_due": listed.filter(results_due).order_by("end_date")[:DASHBOARD_ROWS],
    }
    return render(request, "listeners/dashboard.html", context)


@workspace_view
def intake_enrollments(request: HttpRequest, pk: int) -> HttpResponse:
    from django.shortcuts import get_object_or_404

    intake = get_object_or_404(Intake.objects.select_related("programme"), pk=pk)
    enrollments = intake.enrollments.select_related("listener").order_by("listener__last_name")
    return render(
        request,
        "listeners/intake_enrollments.html",
        {"intake": intake, "enrollments": enrollments},
    )
