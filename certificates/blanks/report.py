"""The strict-reporting statement of the diploma forms for a period: per batch and in
total, the forms on hand at its start, received, used, spoiled, and left at its end, with
the list of forms written off and why.

A form is reported in the period it left the safe (`BlankUse.at`), as used or as spoiled
by what became of it, so on hand + received − used − spoiled = left in every period. The
counts are conditional aggregates over the batches: two queries whatever the stock.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from certificates.models import BlankBatch, BlankUse, BlankUseState
from institute.xlsx import DATE, NUMBER_COLUMN, TEXT, Book, Column, book_bytes, sheet_add

COUNTS = ("on_hand", "received", "used", "spoiled", "left")


@dataclass
class Statement:
    date_from: datetime.date
    date_to: datetime.date
    batches: list[BlankBatch]
    total: dict[str, int]
    spoiled: QuerySet[BlankUse] = field(repr=False)


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def blank_statement(*, date_from: datetime.date, date_to: datetime.date) -> Statement:
    """The statement for the days `date_from` to `date_to`, both included."""
    start, end = _moment(date_from), _moment(date_to + datetime.timedelta(days=1))
    in_period = Q(uses__at__gte=start, uses__at__lt=end)
    batches = list(
        BlankBatch.objects.filter(received_on__lte=date_to)
        .select_related("received_by")
        .annotate(
            taken_before=Count("uses", filter=Q(uses__at__lt=start)),
            used=Count("uses", filter=in_period & Q(uses__state=BlankUseState.USED)),
            spoiled=Count("uses", filter=in_period & Q(uses__state=BlankUseState.SPOILED)),
        )
        .order_by("received_on", "pk")
    )
    total = dict.fromkeys(COUNTS, 0)
    for batch in batches:
        received_before = batch.received_on < date_from
        batch.on_hand = batch.size - batch.taken_before if received_before else 0
        batch.received = 0 if received_before else batch.size
        batch.left = batch.on_hand + batch.received - batch.used - batch.spoiled
        for name in COUNTS:
            total[name] += getattr(batch, name)
    spoiled = (
        BlankUse.objects.filter(state=BlankUseState.SPOILED, at__gte=start, at__lt=end)
        .select_related("by")
        .order_by("at", "series", "number")
    )
    return Statement(date_from, date_to, batches, total, spoiled)


BATCH_COLUMNS = [
    NUMBER_COLUMN,
    Column(_("Series"), 10, TEXT),
    Column(_("Numbers"), 18, TEXT),
    Column(_("Received on"), 12, DATE),
    Column(_("Delivery note or act"), 24, TEXT),
    Column(_("On hand at the start"), 12),
    Column(_("Received"), 10),
    Column(_("Used"), 10),
    Column(_("Spoiled"), 10),
    Column(_("Left"), 10),
]
SPOILED_COLUMNS = [
    NUMBER_COLUMN,
    Column(_("Series"), 10, TEXT),
    Column(_("Form number"), 12),
    Column(_("Taken on"), 12, DATE),
    Column(_("Written off on"), 12, DATE),
    Column(_("Diploma"), 16, TEXT),
    Column(_("Reason for writing off"), 48, TEXT),
    Column(_("By"), 22, TEXT),
]


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def blank_statement_xlsx(statement: Statement, *, language: str) -> bytes:
    """The statement as .xlsx: the batches with a total row, and the forms written off."""
    with translation.override(language):
        book = Book()
        period = f"{statement.date_from:%d.%m.%Y} – {statement.date_to:%d.%m.%Y}"
        sheet = sheet_add(
            book,
            name=str(_("Blank forms")),
            title=f"{_('Diploma blank forms')} · {period}",
            columns=BATCH_COLUMNS,
        )
        for number, batch in enumerate(statement.batches, 1):
            sheet.append(
                [
                    number,
                    batch.series,
                    f"{batch.first_number}–{batch.last_number}",
                    batch.received_on,
                    batch.delivery_note,
                    *(getattr(batch, name) for name in COUNTS),
                ]
            )
        total = statement.total
        sheet.append(["", str(_("Total")), "", None, "", *(total[name] for name in COUNTS)])
        spoiled = sheet_add(
            book,
            name=str(_("Written off")),
            title=f"{_('Blank forms written off')} · {period}",
            columns=SPOILED_COLUMNS,
        )
        for number, use in enumerate(statement.spoiled, 1):
            who = use.by
            spoiled.append(
                [
                    number,
                    use.series,
                    use.number,
                    _day(use.at),
                    _day(use.spoiled_at),
                    use.document_id or "",
                    use.reason,
                    (who.get_full_name() or who.username) if who else "",
                ]
            )
        return book_bytes(book)
