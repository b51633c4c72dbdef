"""The few pages of the institute package itself."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from institute.models import Institute


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("admin:index")
    return render(request, "institute/home.html", {"institute": Institute.current()})


def health(request: HttpRequest) -> JsonResponse:
    """For monitoring: answers 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
