"""The diploma forms as strict-reporting stock: batches received, the next form taken by
each diploma issued, forms written off with the reason, and the reprint of a misprint.

A form is taken inside the transaction that issues the diploma, under a row lock on its
batch: two issuers queue on the lock and never print on the same form, and a rolled back
issue gives the form (and the registration number) back.
"""

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import BlankBatch, BlankUse, BlankUseState, Document, DocumentStatus
from courses.rules import DocumentKind
from institute.models import User
from institute.rules import RuleViolation
from institute.services import log_action


def _who(by: User | None) -> User | None:
    return by if by is not None and by.is_authenticated else None


@transaction.atomic
def blank_batch_record(
    *,
    series: str,
    first_number: int,
    last_number: int,
    received_on: datetime.date,
    delivery_note: str,
    by: User | None,
) -> BlankBatch:
    """Record a delivery of forms. Refused when the range is reversed or overlaps a batch of
    the same series: each number exists on one form only."""
    batch = BlankBatch(
        series=series.strip(),
        first_number=first_number,
        last_number=last_number,
        received_on=received_on,
        delivery_note=delivery_note.strip(),
        received_by=_who(by),
    )
    # Locks the series' batches so that two clerks recording the same delivery queue here.
    list(BlankBatch.objects.select_for_update().filter(series=batch.series))
    try:
        batch.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        field = None if field == NON_FIELD_ERRORS else field
        raise RuleViolation(messages[0], field=field, code="batch_invalid") from error
    batch.save()
    log_action(
        obj=batch,
        action="blanks.received",
        by=by,
        series=batch.series,
        first=batch.first_number,
        last=batch.last_number,
    )
    return batch


def _lowest_free(batch: BlankBatch) -> int | None:
    """The lowest number of the batch on no use row: its first number, or the lowest one
    that follows a taken number and is itself free."""
    uses = BlankUse.objects.filter(series=batch.series)
    if not uses.filter(number=batch.first_number).exists():
        return batch.first_number
    after_taken = (
        uses.filter(number__gte=batch.first_number, number__lt=batch.last_number)
        .exclude(Exists(uses.filter(number=OuterRef("number") + 1)))
        .aggregate(number=Min("number"))["number"]
    )
    return None if after_taken is None else after_taken + 1


def _next_blank() -> tuple[BlankBatch, int]:
    """The oldest batch with a form left, locked, and its lowest free number. A batch
    emptied by another issuer while this one waited for its lock is passed over."""
    open_batches = (
        BlankBatch.objects.annotate(taken=Count("uses"))
        .filter(taken__lt=F("last_number") - F("first_number") + 1)
        .order_by("received_on", "pk")
        .values_list("pk", flat=True)
    )
    for pk in list(open_batches):
        batch = BlankBatch.objects.select_for_update().get(pk=pk)
        number = _lowest_free(batch)
        if number is not None:
            return batch, number
    raise RuleViolation(
        _("No blank diploma forms left: record a new batch."), code="no_blank_forms"
    )


def _use_blank(*, document_number: str, by: User | None) -> BlankUse:
    batch, number = _next_blank()
    use = BlankUse(
        batch=batch,
        series=batch.series,
        number=number,
        state=BlankUseState.USED,
        by=_who(by),
        at=timezone.now(),
    )
    # By number: the diploma's own row is saved later in the same transaction.
    use.document_id = document_number
    use.save()
    log_action(
        obj=batch,
        action="blanks.used",
        by=by,
        series=use.series,
        form=use.number,
        document=document_number,
    )
    return use


def blank_take(*, document: Document, by: User | None) -> BlankUse | None:
    """Give the diploma being issued the next form; other kinds are printed on plain paper
    and take none. Runs in the issuing transaction, before the document is saved: with no
    form left the issue is refused and rolls back, its number included."""
    if document.kind != DocumentKind.DIPLOMA:
        return None
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("blank_take must run inside the issuing transaction")
    return _use_blank(document_number=document.number, by=by)


@transaction.atomic
def blank_spoil(*, series: str, number: int, reason: str, by: User | None) -> BlankUse | None:
    """Write a form off with the reason. A form still in the safe (torn, stained) is simply
    written off. A form a valid diploma was printed on (a misprint) is written off and the
    diploma takes the next form, keeping its registration number: the new form is returned
    so it can be printed. A form already written off cannot be written off again."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(
            _("Give the reason for writing the form off."), field="reason", code="no_reason"
        )
    series = series.strip()
    batch = (
        BlankBatch.objects.select_for_update()
        .filter(series=series, first_number__lte=number, last_number__gte=number)
        .first()
    )
    if batch is None:
        raise RuleViolation(
            _("No batch recorded holds form %(series)s %(number)s.")
            % {"series": series, "number": number},
            code="unknown_form",
        )
    use = BlankUse.objects.select_for_update().filter(series=series, number=number).first()
    now = timezone.now()
    if use is not None and use.state == BlankUseState.SPOILED:
        raise RuleViolation(
            _("Form %(series)s %(number)s is already written off.")
            % {"series": series, "number": number},
            code="already_spoiled",
        )
    printed_on = use.document_id if use is not None else None
    if use is None:
        use = BlankUse(batch=batch, series=series, number=number, at=now)
    # A misprint keeps the moment it was taken: it is reported in the period it left the safe.
    use.state, use.reason, use.by, use.spoiled_at = BlankUseState.SPOILED, reason, _who(by), now
    use.save()
    log_action(
        obj=batch,
        action="blanks.spoiled",
        by=by,
        series=series,
        form=number,
        reason=reason,
        document=printed_on or "",
    )
    if printed_on is None:
        return None
    document = Document.objects.select_for_update().get(number=printed_on)
    if document.status != DocumentStatus.VALID:
        return None
    reprint = _use_blank(document_number=document.number, by=by)
    log_action(
        obj=document,
        action="document.reprinted",
        by=by,
        number=document.number,
        spoiled=f"{series} {number}",
        form=f"{reprint.series} {reprint.number}",
    )
    return reprint


def blank_of(document: Document) -> BlankUse | None:
    """The form the diploma is printed on now (the last reprint's), or None."""
    return document.blank_uses.filter(state=BlankUseState.USED).first()
