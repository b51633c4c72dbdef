"""The staff's side of what listeners say: the feedback on an intake, the appeals and their answer."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.models import Intake
from institute.access import administrator_only, workspace_view
from listeners.feedback import services
from listeners.feedback.forms import AnswerForm
from listeners.models import (
    Appeal,
    AppealStatus,
    Enrollment,
    Feedback,
)

# --- the workspace side: what listeners said ---------------------------------------------------


@workspace_view
def intake_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """What the listeners of an intake said about it (§19), beside the programme's average
    over all its intakes."""
    intake = get_object_or_404(Intake.objects.select_related("programme"), pk=pk)
    # A district methodologist reads what their district's listeners said (§6).
    answers = Feedback.objects.filter(
        enrollment__in=Enrollment.objects.filter(intake=intake).visible_to(request.user)
    ).select_related("enrollment__listener")
    summary = answers.aggregate(average=Avg("rating"), count=Count("pk"))
    programme = Feedback.objects.filter(enrollment__intake__programme=intake.programme_id)
    programme_summary = programme.aggregate(
        average=Avg("rating"), count=Count("pk"), intakes=Count("enrollment__intake", distinct=True)
    )
    distribution = answers.aggregate(
        **{f"r{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)}
    )
    return render(
        request,
        "listeners/feedback.html",
        {
            "intake": intake,
            "answers": answers,
            "summary": summary,
            "programme_summary": programme_summary,
            "distribution": [(n, distribution[f"r{n}"]) for n in range(5, 0, -1)],
        },
    )


@administrator_only
def appeals(request: HttpRequest) -> HttpResponse:
    """Appeals against orders (§19.4): the open ones first, each with its answer form."""
    status = request.GET.get("status", AppealStatus.OPEN)
    if status not in AppealStatus.values:
        status = AppealStatus.OPEN
    listed = (
        Appeal.objects.filter(status=status)
        .select_related("listener", "order__intake", "answered_by")
        .order_by("created_at" if status == AppealStatus.OPEN else "-answered_at", "pk")
    )
    counts = Appeal.objects.aggregate(
        open=Count("pk", filter=Q(status=AppealStatus.OPEN)),
        answered=Count("pk", filter=Q(status=AppealStatus.ANSWERED)),
    )
    return render(
        request,
        "listeners/appeals.html",
        {"appeals": listed, "status": status, "counts": counts, "form": AnswerForm()},
    )


@administrator_only
@require_POST
def appeal_answer(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal, pk=pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_answer(
                appeal=appeal, answer=form.cleaned_data["answer"], by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The answer is sent to the listener."))
    else:
        messages.error(request, _("Write the answer."))
    return redirect("listeners:appeals")
