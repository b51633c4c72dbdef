"""What is printed on the ministry's diploma form, and where.

The form arrives with its titles, emblem and wording already printed; the register lays
only the variable text on it. A layout places each field at an offset from the form's top
left corner, in millimetres, measured once on a test print (certificates.blanks.printing).
"""

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The fields a layout may place, with their labels for the calibration print and the admin.
FIELDS: dict[str, object] = {
    "full_name": gettext_lazy("Full name"),
    "programme_kk": gettext_lazy("Programme (Kazakh)"),
    "programme_ru": gettext_lazy("Programme (Russian)"),
    "hours": gettext_lazy("Hours"),
    "start_date": gettext_lazy("Start date"),
    "end_date": gettext_lazy("End date"),
    "issued_on": gettext_lazy("Issue date"),
    "number": gettext_lazy("Registration number"),
    "blank": gettext_lazy("Form series and number"),
    "city": gettext_lazy("City"),
    "head_name": gettext_lazy("Head of the institute"),
}

# A starting point for an A4 portrait form, to be corrected after the first test print.
DEFAULT_POSITIONS: dict[str, dict[str, float]] = {
    "full_name": {"x": 30, "y": 95, "size": 16},
    "programme_kk": {"x": 30, "y": 125, "size": 12},
    "programme_ru": {"x": 30, "y": 140, "size": 12},
    "hours": {"x": 150, "y": 160, "size": 12},
    "start_date": {"x": 30, "y": 160, "size": 12},
    "end_date": {"x": 80, "y": 160, "size": 12},
    "issued_on": {"x": 30, "y": 250, "size": 11},
    "number": {"x": 130, "y": 250, "size": 11},
    "blank": {"x": 130, "y": 270, "size": 11},
    "city": {"x": 30, "y": 270, "size": 11},
    "head_name": {"x": 130, "y": 230, "size": 12},
}
MAX_MM = 1000


def default_positions() -> dict[str, dict[str, float]]:
    """A new layout's positions, a copy to edit."""
    return {name: dict(place) for name, place in DEFAULT_POSITIONS.items()}


FONT_SIZES = (4, 72)


def _number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def positions_errors(positions: object) -> list[str]:
    """What is wrong with a layout's positions, in words the administrator can act on: an
    unknown field, a missing or negative offset, an unreadable font size."""
    if not isinstance(positions, dict):
        return [_("The positions must map each field to its x, y and size.")]
    errors = []
    for name, place in positions.items():
        if name not in FIELDS:
            errors.append(_("Unknown field: %(name)s.") % {"name": name})
            continue
        if not isinstance(place, dict):
            errors.append(_("%(field)s: give x, y and size.") % {"field": FIELDS[name]})
            continue
        for key in ("x", "y"):
            if not _number(place.get(key)) or not 0 <= place[key] <= MAX_MM:
                errors.append(
                    _("%(field)s: %(key)s must be a number of millimetres from 0 to 1000.")
                    % {"field": FIELDS[name], "key": key}
                )
        size = place.get("size", 12)
        if not _number(size) or not FONT_SIZES[0] <= size <= FONT_SIZES[1]:
            errors.append(
                _("%(field)s: the font size must be from 4 to 72 points.") % {"field": FIELDS[name]}
            )
    return errors


def _day(value: object) -> str:
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    return ""


def field_values(snapshot: dict, *, number: str, blank: str) -> dict[str, str]:
    """The text of each field for one diploma, read from its frozen snapshot, so the
    printed form says exactly what the signed electronic copy says."""
    return {
        "full_name": str(snapshot.get("full_name", "")),
        "programme_kk": str(snapshot.get("programme_title_kk", "")),
        "programme_ru": str(snapshot.get("programme_title_ru", "")),
        "hours": str(snapshot.get("hours", "")),
        "start_date": _day(snapshot.get("start_date")),
        "end_date": _day(snapshot.get("end_date")),
        "issued_on": _day(snapshot.get("issued_on")),
        "number": number,
        "blank": blank,
        "city": str(snapshot.get("city_kk", "")),
        "head_name": str(snapshot.get("head_name", "")),
    }
