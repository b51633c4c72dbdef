"""The register of issued documents as .xlsx, the way an auditor asks for it.

One query whatever the number of rows; the rows stream into a write-only workbook with the
sheet style of the other exports (institute.xlsx). What a document certifies (name,
hours, dates) is read from its snapshot, as issued, not from today's records.
"""

import datetime

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from certificates.models import Document, DocumentStatus
from courses.rules import DocumentKind
from institute.text import clean_name
from institute.xlsx import (
    CHUNK_SIZE,
    DATE,
    IIN_COLUMN,
    NUMBER_COLUMN,
    TEXT,
    Book,
    Column,
    book_bytes,
    cell_text,
    choice_labels,
    sheet_add,
)

COLUMNS = [
    NUMBER_COLUMN,
    Column(_("Registration number"), 16, TEXT),
    Column(_("Document kind"), 22, TEXT),
    Column(_("Status"), 12, TEXT),
    Column(_("Issue date"), 12, DATE),
    Column(_("Issued by"), 22, TEXT),
    Column(_("Listener"), 32, TEXT),
    IIN_COLUMN,
    Column(_("Organisation"), 36, TEXT),
    Column(_("Programme"), 36, TEXT),
    Column(_("Hours"), 8),
    Column(_("Intake"), 14, TEXT),
    Column(_("Start date"), 12, DATE),
    Column(_("End date"), 12, DATE),
    Column(_("Duplicate of"), 16, TEXT),
    Column(_("Replaces"), 16, TEXT),
    Column(_("Revoked on"), 12, DATE),
    Column(_("Reason for revocation"), 36, TEXT),
    Column(_("SHA-256 of the PDF"), 66, TEXT),
]


def _local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def _snapshot_day(value: object, fallback: datetime.date) -> datetime.date:
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    return fallback


def _snapshot_title(snapshot: dict, fallback: str, language: str) -> str:
    for key in (f"programme_title_{language}", "programme_title_kk", "programme_title_ru"):
        if snapshot.get(key):
            return snapshot[key]
    return fallback


def register_xlsx(*, documents: QuerySet[Document], language: str) -> bytes:
    """The documents given, in register order, with who issued, who holds, what is certified,
    the chain (duplicate of, replaces), the revocation and the SHA-256 of the stored PDF."""
    documents = documents.select_related(
        "enrollment__listener__organisation",
        "enrollment__intake__programme",
        "issued_by",
        "duplicate_of",
        "replaces",
    ).order_by("year", "kind", "serial")
    with translation.override(language):
        kinds, statuses = choice_labels(DocumentKind), choice_labels(DocumentStatus)
        book = Book()
        sheet = sheet_add(
            book,
            name=str(_("Documents")),
            title=str(_("Register of issued documents")),
            columns=COLUMNS,
        )
        for number, document in enumerate(documents.iterator(chunk_size=CHUNK_SIZE), 1):
            snapshot, enrollment = document.snapshot, document.enrollment
            person, intake = enrollment.listener, enrollment.intake
            issuer = document.issued_by
            sheet.append(
                [
                    number,
                    document.number,
                    kinds.get(document.kind, document.kind),
                    statuses.get(document.status, document.status),
                    _local_day(document.issued_at),
                    (issuer.get_full_name() or issuer.username) if issuer else "",
                    # Cleaned as the verification page shows it (certificates.pages.certified).
                    clean_name(snapshot.get("full_name") or person.full_name),
                    person.iin or person.passport_number,
                    cell_text(person.organisation),
                    clean_name(_snapshot_title(snapshot, intake.programme.title, language)),
                    snapshot.get("hours") or intake.programme.hours,
                    intake.code,
                    _snapshot_day(snapshot.get("start_date"), intake.start_date),
                    _snapshot_day(snapshot.get("end_date"), intake.end_date),
                    cell_text(document.duplicate_of),
                    cell_text(document.replaces),
                    _local_day(document.revoked_at),
                    document.revocation_reason,
                    document.pdf_sha256,
                ]
            )
        return book_bytes(book)
