"""Workflows on issued documents."""

from django.db import IntegrityError, transaction

from certificates.models import DocumentSeries
from certificates.rules import registration_number


def document_number_allocate(*, kind: str, year: int) -> tuple[int, str]:
    """Take the next serial of the kind's series for the year and return (serial, number).

    Must run inside the transaction that saves the document: the series row stays locked
    until it commits, so concurrent issuers queue, and a rollback returns the number (no gap).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("document_number_allocate must run inside the issuing transaction")
    try:
        with transaction.atomic():
            DocumentSeries.objects.get_or_create(kind=kind, year=year)
    except IntegrityError:
        pass  # another transaction created the series at the same moment: lock it below
    series = DocumentSeries.objects.select_for_update().get(kind=kind, year=year)
    series.last_serial += 1
    series.save(update_fields=["last_serial"])
    return series.last_serial, registration_number(kind, year, series.last_serial)
