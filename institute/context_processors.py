"""What every page's layout needs to know about the person looking at it."""

from django.http import HttpRequest

from institute.access import can_change


def workspace(request: HttpRequest) -> dict[str, bool]:
    return {"can_change": can_change(request.user)}
