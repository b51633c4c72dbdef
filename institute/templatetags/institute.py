"""The tags every page shares: a record's state as a badge, and what the user's role allows.

`{% load institute %}`, then `{% state_badge enrollment %}` or `{% if user|can:"institute_staff" %}`.
"""

from django import template
from django.db.models import Model
from django.utils.html import format_html

from institute.access import ADMINISTRATORS, WORKSPACE_READERS, WORKSPACE_WRITERS

register = template.Library()

# For each model with a state: the field that holds it, and the colour of each value (ok
# green, warn amber, bad red, none grey). A state missing here is shown grey.
BADGES: dict[str, tuple[str, dict[str, str]]] = {
    "listeners.enrollment": (
        "state",
        {
            "waitlisted": "warn",
            "admitted": "ok",
            "completed": "ok",
            "failed": "bad",
            "expelled": "bad",
            "rejected": "bad",
        },
    ),
    "courses.intake": (
        "status",
        {"planned": "warn", "open": "ok", "in_progress": "ok", "cancelled": "bad"},
    ),
    "certificates.document": ("status", {"valid": "ok", "revoked": "bad"}),
    "certificates.issuejob": ("status", {"done": "ok", "failed": "bad"}),
    "listeners.importjob": (
        "status",
        {"checked": "ok", "imported": "ok", "invalid": "bad", "failed": "bad"},
    ),
    "listeners.exportjob": ("status", {"done": "ok", "failed": "bad"}),
    "listeners.appeal": ("status", {"open": "warn", "answered": "ok"}),
}


def badge_tone(obj: Model) -> tuple[str, str]:
    """The state field's value and its colour class ("" for grey)."""
    field, tones = BADGES[obj._meta.label_lower]
    value = getattr(obj, field)
    return value, tones.get(value, "")


@register.simple_tag
def state_badge(obj: Model, label: str = "") -> str:
    """`<span class="badge ok">Admitted</span>`: the state's name (or `label`, when the page
    says more, e.g. the day a document was revoked) in the state's colour."""
    field, _tones = BADGES[obj._meta.label_lower]
    value, tone = badge_tone(obj)
    text = label or getattr(obj, f"get_{field}_display")()
    return format_html(
        '<span class="badge{}" data-status="{}">{}</span>', f" {tone}" if tone else "", value, text
    )


# What a role may open, named after the view decorator of institute.access that guards it: a
# page shows a link only to those who pass the decorator of the view it opens.
ROLES_PASSING = {
    "workspace_view": WORKSPACE_READERS,
    "workspace_change": WORKSPACE_WRITERS,
    "institute_staff": WORKSPACE_WRITERS,
    "administrator_only": ADMINISTRATORS,
}


@register.filter
def can(user, decorator: str) -> bool:
    """`user|can:"workspace_change"`: True when `user` passes that decorator of
    institute.access. An unknown name is an error, not a quiet False."""
    roles = ROLES_PASSING[decorator]
    return bool(user.is_authenticated and user.role in roles)
