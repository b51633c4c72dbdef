"""The few pages of the institute package itself."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from institute.access import WORKSPACE_READERS
from institute.models import Institute, Role


def home(request: HttpRequest) -> HttpResponse:
    """The front door: staff go to their workspace, listeners to their own page, everyone
    else sees the institute."""
    if request.user.is_authenticated and request.user.role in WORKSPACE_READERS:
        return redirect("listeners:dashboard")
    if (
        request.user.is_authenticated
        and request.user.role == Role.LISTENER
        and hasattr(request.user, "listener")
    ):
        return redirect("portal:home")
    return render(request, "institute/home.html", {"institute": Institute.current()})


def health(request: HttpRequest) -> JsonResponse:
    """For monitoring: answers 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
