"""Who may see and change what: the decorators every workspace view wears.

Methodologists and administrators work in the workspace; a district methodologist (§6) may
see but not change; listeners and anonymous visitors do not enter it (login page or 403).
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import HttpRequest, HttpResponse

from institute.models import Role

WORKSPACE_READERS = {Role.ADMINISTRATOR, Role.METHODOLOGIST, Role.DISTRICT_METHODOLOGIST}
WORKSPACE_WRITERS = {Role.ADMINISTRATOR, Role.METHODOLOGIST}

View = Callable[..., HttpResponse]


def _role_required(roles: set[str]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Reading the workspace: methodologists, administrators and district methodologists.
workspace_view = _role_required(WORKSPACE_READERS)
# Changing anything: methodologists and administrators only.
workspace_change = _role_required(WORKSPACE_WRITERS)


def can_change(user) -> bool:
    return user.is_authenticated and user.role in WORKSPACE_WRITERS


# Issued documents (SPEC §7) carry the personal data of every district: the institute's own
# staff read them (a district methodologist does not); only administrators issue, duplicate
# and revoke them.
ADMINISTRATORS = {Role.ADMINISTRATOR}
institute_staff = _role_required(WORKSPACE_WRITERS)
administrator_only = _role_required(ADMINISTRATORS)


def is_administrator(user) -> bool:
    return user.is_authenticated and user.role in ADMINISTRATORS


def listener_required(view: View) -> View:
    """The listener's own pages (/me/): the view receives the signed-in person's Listener.

    Anonymous visitors go to the login page; staff, and an account with no listener record
    attached, get 403: these pages show one person's own records and nobody else's.
    """

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.role != Role.LISTENER:
            raise PermissionDenied
        # The reverse one-to-one accessor: institute never imports listeners (CONVENTIONS §2).
        try:
            listener = request.user.listener
        except ObjectDoesNotExist:
            raise PermissionDenied from None
        return view(request, listener, *args, **kwargs)

    return wrapped
