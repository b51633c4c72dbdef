"""What the pages of every capability show of a document: the rows of a list, and what a
document certifies as read back from its snapshot (the register, an intake's documents,
the public verification page)."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from certificates.models import Document
from institute.text import clean_name

PER_PAGE = 50


def documents_listed() -> QuerySet[Document]:
    """Documents with everything a row of the register shows, in one query."""
    return Document.objects.select_related(
        "enrollment__listener__organisation",
        "enrollment__intake__programme",
        "issued_by",
        "duplicate_of",
        "replaces",
    )


def _language_value(snapshot: dict, base: str) -> str:
    """`<base>_<language>` from a snapshot for the active language, else Kazakh, else Russian."""
    language = (get_language() or "kk")[:2]
    for code in (language, "kk", "ru"):
        if snapshot.get(f"{base}_{code}"):
            return snapshot[f"{base}_{code}"]
    return ""


def _iso_day(value: object) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def certified(document: Document) -> dict:
    """What the document certifies, read from its snapshot as issued, in the
    reader's language where the snapshot has it. Nothing personal beyond the name.

    The names and titles are shown cleaned (institute.text.clean_name): a snapshot frozen
    before issue 18 may hold a zero-width or bidirectional-override character, which the
    page must not show (an override renders the name reversed). The snapshot itself stays
    as issued: it is the record of what the stored PDF says."""
    snapshot = document.snapshot
    return {
        "full_name": clean_name(snapshot.get("full_name")),
        "kind": document.get_kind_display(),
        "programme": clean_name(_language_value(snapshot, "programme_title")),
        "training": _language_value(snapshot, "training"),
        "hours": snapshot.get("hours"),
        "start_date": _iso_day(snapshot.get("start_date")),
        "end_date": _iso_day(snapshot.get("end_date")),
        "institute": clean_name(_language_value(snapshot, "institute_name")),
        "signatory": clean_name(snapshot.get("head_name")),
        "issued_on": _iso_day(snapshot.get("issued_on")) or timezone.localdate(document.issued_at),
    }
