"""The signed-in listener's own pages (/me/, issue 5).

Every view wears `listener_required`, which hands it the request's Listener; every object
is then fetched through that listener, so another person's id answers 404, never 403
(which would confirm that the id exists).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from institute.access import listener_required
from listeners.models import Listener


def _with_status(listener: Listener) -> Listener:
    """The listener annotated with the five-year rule as it stands today (SPEC §3)."""
    return (
        Listener.objects.with_upgrade_status(on=timezone.localdate())
        .select_related("organisation")
        .get(pk=listener.pk)
    )


@listener_required
def home(request: HttpRequest, listener: Listener) -> HttpResponse:
    """The overview a teacher opens on a phone: status, current courses, where to look."""
    return render(
        request,
        "listeners/portal/home.html",
        {"listener": _with_status(listener), "section": "home"},
    )
