"""The few pages of the institute package itself."""

import logging
import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.views import i18n
from django_tasks_db.models import DBTaskResult

from institute.access import WORKSPACE_READERS
from institute.languages import keep_language
from institute.models import Institute, Role

logger = logging.getLogger(__name__)


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
    """For monitoring: 200 when the database answers and the background worker keeps up,
    503 when the database is unreachable or the oldest task waiting for the worker has
    waited longer than settings.HEALTH_QUEUE_MAX_WAIT_SECONDS (the worker is down)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        # Ready to run now: neither started nor scheduled for later.
        waiting = DBTaskResult.objects.ready().aggregate(
            count=Count("pk"), oldest=Min("enqueued_at")
        )
    except DatabaseError:
        return JsonResponse({"database": "unreachable"}, status=503)
    waited = 0
    if waiting["oldest"] is not None:
        waited = max(0, int((timezone.now() - waiting["oldest"]).total_seconds()))
    late = waited > settings.HEALTH_QUEUE_MAX_WAIT_SECONDS
    return JsonResponse(
        {
            "database": "ok",
            "queue": {"waiting": waiting["count"], "oldest_waiting_seconds": waited},
        },
        status=503 if late else 200,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The page for an unhandled error, in the reader's language and without touching the
    database. When the error is the database itself not answering (restarted, network cut),
    the page says so and answers 503 with Retry-After: the next request opens a new
    connection, so the app recovers by itself once the database is back."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        logger.error("database unavailable: %s", type(error).__name__)
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "60"
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also keeps the choice as a signed-in person's own, so
    the letters they get later are written in it."""
    response = i18n.set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        keep_language(request.user, request.POST.get("language", ""))
    return response
