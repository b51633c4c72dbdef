"""What the reports read about issued documents (the period report counts them by kind)."""

import datetime

from django.db.models import Count, Q

from certificates.models import Document, DocumentStatus
from courses.rules import DocumentKind
from listeners.reports.queries import Tally


def documents_issued(*, start: datetime.date, end: datetime.date) -> list[Tally]:
    """Documents issued within the period by kind, valid and revoked: one query."""
    grouped = (
        Document.objects.filter(issued_at__date__gte=start, issued_at__date__lte=end)
        .order_by()
        .values("kind")
        .annotate(
            issued=Count("pk"),
            revoked=Count("pk", filter=Q(status=DocumentStatus.REVOKED)),
            duplicates=Count("pk", filter=Q(duplicate_of__isnull=False)),
        )
    )
    rows = {row["kind"]: row for row in grouped}
    return [
        Tally(
            label=str(label),
            values={
                name: rows[kind][name] if kind in rows else 0
                for name in ("issued", "revoked", "duplicates")
            },
        )
        for kind, label in DocumentKind.choices
    ]
