"""What every page's layout needs to know about the person looking at it."""

from django.http import HttpRequest

from institute.access import can_change


def workspace(request: HttpRequest) -> dict[str, bool]:
    # A request refused before the authentication middleware (an unknown Host header gets
    # the 400 page) has no user: it may change nothing.
    user = getattr(request, "user", None)
    return {"can_change": user is not None and can_change(user)}
