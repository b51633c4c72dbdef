"""Reports on the five-year rule (§10.1, SPEC §3): who is overdue, due soon, up to date or
without a record, by region → district → organisation → person, on any chosen day.

Every count is one aggregate query over `Listener.objects.with_upgrade_status(on=…)`, which
compares one stored date with two constants; nothing loops over people in Python.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import get_language

from institute.models import District, Organisation, Region
from listeners.models import Listener
from listeners.rules import UpgradeStatus

STATUSES = [status.value for status in UpgradeStatus]


@dataclass(frozen=True)
class Scope:
    """Where a report looks: everywhere, a region, a district or one organisation."""

    region: Region | None = None
    district: District | None = None
    organisation: Organisation | None = None

    @property
    def level(self) -> str:
        """What the rows of the report are at this scope."""
        if self.organisation:
            return "person"
        if self.district:
            return "organisation"
        if self.region:
            return "district"
        return "region"

    def as_params(self) -> dict[str, int]:
        params = {}
        for name in ("region", "district", "organisation"):
            place = getattr(self, name)
            if place is not None:
                params[name] = place.pk
        return params


# The foreign key a row of each level groups by, and where its names are.
GROUP_BY = {
    "region": "organisation__district__region",
    "district": "organisation__district",
    "organisation": "organisation",
}


def listeners_in(scope: Scope, *, on: datetime.date) -> QuerySet[Listener]:
    """The listeners the scope covers, with their five-year status on `on`."""
    listeners = Listener.objects.with_upgrade_status(on=on)
    if scope.organisation:
        return listeners.filter(organisation=scope.organisation)
    if scope.district:
        return listeners.filter(organisation__district=scope.district)
    if scope.region:
        return listeners.filter(organisation__district__region=scope.region)
    return listeners


def _counts() -> dict[str, Count]:
    counts = {status: Count("pk", filter=Q(upgrade_status=status)) for status in STATUSES}
    counts["total"] = Count("pk")
    return counts


@dataclass
class Row:
    """One line of the report: a place (or nobody's workplace) and its counts."""

    pk: int | None
    name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return self.counts["total"]

    @property
    def cells(self) -> list[tuple[str, int]]:
        """(status, count) in the order of UpgradeStatus, for the table's columns."""
        return [(status, self.counts[status]) for status in STATUSES]

    @property
    def segments(self) -> list[tuple[str, float, float]]:
        """(status, start, width) in percent of the row's people: a stacked bar, drawn as SVG
        by the template."""
        start, bar = 0.0, []
        for status in STATUSES:
            width = 100 * self.counts[status] / self.total if self.total else 0.0
            if width:
                bar.append((status, round(start, 2), round(width, 2)))
            start += width
        return bar


def compliance_rows(scope: Scope, *, on: datetime.date) -> tuple[list[Row], Row]:
    """The rows one level below `scope` (none inside one organisation: its people are
    listed instead) and the scope's total: two queries.

    Listeners with no recorded workplace are counted on a row of their own (pk None) at the
    top level, so the rows always add up to the total.
    """
    total = listeners_in(scope, on=on).order_by().aggregate(**_counts())
    if scope.level == "person":
        return [], Row(pk=None, name="", counts=total)
    key = GROUP_BY[scope.level]
    # Organisations have no English name; regions and districts have one.
    languages = ["kk", "ru"] if scope.level == "organisation" else ["kk", "ru", "en"]
    grouped = (
        listeners_in(scope, on=on)
        .order_by()
        .values(place=F(key))
        .annotate(**{f"name_{code}": F(f"{key}__name_{code}") for code in languages}, **_counts())
    )
    wanted = (get_language() or "kk")[:2]
    rows = []
    for values in grouped:
        counts = {status: values[status] for status in [*STATUSES, "total"]}
        name = next(
            (
                values.get(f"name_{code}")
                for code in (wanted, "kk", "ru")
                if values.get(f"name_{code}")
            ),
            "",
        )
        rows.append(Row(pk=values["place"], name=name, counts=counts))
    rows.sort(key=lambda row: (row.pk is None, row.name.casefold()))
    return rows, Row(pk=None, name="", counts=total)


def people(
    scope: Scope, *, on: datetime.date, status: str = "", query: str = ""
) -> QuerySet[Listener]:
    """The people of the scope with their status, optionally of one status or found by IIN
    (all twelve digits) or by a part of the name; ordered by name."""
    listeners = listeners_in(scope, on=on).select_related("organisation__district__region")
    if status:
        listeners = listeners.filter(upgrade_status=status)
    query = query.strip()
    if query.isdigit() and len(query) == 12:
        listeners = listeners.filter(iin=query)
    elif query:
        for word in query.split():
            listeners = listeners.filter(
                Q(last_name__icontains=word)
                | Q(first_name__icontains=word)
                | Q(patronymic__icontains=word)
            )
    return listeners.order_by("last_name", "first_name", "patronymic", "pk")
