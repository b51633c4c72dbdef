"""Workspace pages of the programme catalogue and the intakes (being built)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from courses.models import Intake, Programme
from institute.access import workspace_view


@workspace_view
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = Programme.objects.order_by("code")[:50]
    return render(request, "courses/programme_list.html", {"programmes": programmes})


@workspace_view
def intake_list(request: HttpRequest) -> HttpResponse:
    intakes = Intake.objects.select_related("programme").order_by("-start_date")[:50]
    return render(request, "courses/intake_list.html", {"intakes": intakes})
