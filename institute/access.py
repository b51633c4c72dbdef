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


# Issued documents carry the personal data of every district: the institute's own
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


# --- the back-office's permissions follow the role --------------------------------------------

# What each role may do in the back-office, by model ("app_label.model": actions). Django's
# per-user and per-group permissions still add to this (ModelBackend); nothing here needs a
# row in the database, so a new account of a role works at once. Each ModelAdmin narrows
# further: read-only registers (documents, jobs, the audit trail) allow no change whatever
# the permission, and a district methodologist changes nothing and sees only their district
# (institute.admin.DistrictScoped). Intake statuses move only through the workspace's
# buttons (courses.rules), never by editing the field.
VIEW = ("view",)
KEEP = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")
_CATALOGUE = {
    "courses.programme": KEEP,
    "courses.intake": KEEP,
    "courses.session": ALL,
    "courses.commission": KEEP,
    "courses.commissionmember": ALL,
    "institute.organisation": KEEP,
    "institute.teacher": KEEP,
    "institute.field": KEEP,
    "institute.branch": KEEP,
    "institute.region": VIEW,
    "institute.district": VIEW,
    "institute.institute": VIEW,
    "listeners.listener": KEEP,
    "listeners.order": KEEP,
    "listeners.enrollment": KEEP,
    "listeners.enrollmenttransition": VIEW,
    "listeners.externalupgrade": KEEP,
    "listeners.attendance": KEEP,
    "listeners.importjob": VIEW,
    "listeners.exportjob": VIEW,
    "listeners.feedback": VIEW,
    "listeners.appeal": VIEW,
    "listeners.reminder": VIEW,
    "certificates.document": VIEW,
    "certificates.documentseries": VIEW,
    "certificates.issuejob": VIEW,
}
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.METHODOLOGIST: _CATALOGUE,
    # Reads what its ModelAdmins let it (its own district's people, no accounts, no files).
    Role.DISTRICT_METHODOLOGIST: {model: VIEW for model in _CATALOGUE},
    # Everything of the project's own apps: accounts, the institute, documents, the audit trail.
    Role.ADMINISTRATOR: {
        **{model: ALL for model in _CATALOGUE},
        "institute.institute": KEEP,
        "institute.region": KEEP,
        "institute.district": KEEP,
        "institute.user": ALL,
        "institute.auditentry": VIEW,
        "auth.group": ALL,
    },
}


def role_permissions(role: str) -> frozenset[str]:
    """The permission names ("app_label.action_model") the role carries."""
    return frozenset(
        f"{model.split('.')[0]}.{action}_{model.split('.')[1]}"
        for model, actions in ROLE_PERMISSIONS.get(role, {}).items()
        for action in actions
    )


class RoleBackend:
    """Authenticates nobody; answers the back-office's permission questions from the role
    of an active staff account (is_staff still decides who enters the back-office)."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    def _permissions(self, user) -> frozenset[str]:
        if not user.is_active or user.is_anonymous or not user.is_staff:
            return frozenset()
        return role_permissions(user.role)

    def get_all_permissions(self, user, obj=None) -> frozenset[str]:
        return self._permissions(user)

    def has_perm(self, user, perm: str, obj=None) -> bool:
        return perm in self._permissions(user)

    def has_module_perms(self, user, app_label: str) -> bool:
        return any(perm.startswith(f"{app_label}.") for perm in self._permissions(user))
