"""Reports for the head and the education department: the five-year rule (§10.1, SPEC §3)
— who is overdue, due soon, up to date or without a record, by region → district →
organisation → person on any chosen day, and who falls due month by month — and the
staffing norm (§23).

Every count is an aggregate query (over `Listener.objects.with_upgrade_status(on=…)`, which
compares one stored date with two constants); nothing loops over people in Python.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db import models
from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Trim, TruncMonth
from django.utils.text import capfirst
from django.utils.translation import get_language

from courses.models import Intake, IntakeStatus, Language, Place
from courses.rules import Band, DocumentKind, ProgrammeKind
from institute.models import District, Field, Organisation, Region, Teacher
from institute.rules import (
    add_months,
    add_years,
    staffing_limit,
    staffing_ratio,
    staffing_within_norm,
)
from listeners.models import Enrollment, FundingBasis, Listener
from listeners.rules import (
    ADMITTED_BY_ORDER_STATES,
    UPGRADE_PERIOD_YEARS,
    EnrollmentState,
    ExpulsionGround,
    UpgradeStatus,
)

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


# --- forecast: who falls due in each of the coming months -----------------------------------

FORECAST_MONTHS = 24
# Subjects are typed by people: "Математика " and "математика" are one subject. The database
# trims them; the letter case is folded in Python, over the groups (SQLite's lower() knows
# only Latin letters).
FORECAST_GROUPS = {
    "region": F("organisation__district__region"),
    "subject": Trim("subject"),
}


@dataclass
class ForecastRow:
    """How many people of one region (or subject) fall due in each month, and how many are
    overdue already on the first day of the forecast."""

    key: object
    name: str
    overdue: int
    months: list[int]

    @property
    def total(self) -> int:
        return self.overdue + sum(self.months)


def forecast(
    scope: Scope, *, start: datetime.date, by: str, months: int = FORECAST_MONTHS
) -> tuple[list[datetime.date], list[ForecastRow], ForecastRow]:
    """People falling due in each of `months` months from `start`'s month, per region or per
    subject (SPEC §3), so that next year's intakes and state order can be planned. Two
    queries.

    Adding five years keeps the month (29 February falls back to the 28th), so the month a
    person falls due is the month of their counting date five years later: the database
    groups by the month of the stored date and Python only relabels the months.
    """
    first = start.replace(day=1)
    labels = [add_months(first, i) for i in range(months)]
    window_start = add_years(first, -UPGRADE_PERIOD_YEARS)
    window_end = add_years(add_months(first, months), -UPGRADE_PERIOD_YEARS)
    key = FORECAST_GROUPS[by]
    listeners = listeners_in(scope, on=first).order_by()
    due = (
        listeners.filter(upgrade_basis__gte=window_start, upgrade_basis__lt=window_end)
        .annotate(month=TruncMonth("upgrade_basis"))
        .values("month", group=key)
        .annotate(people=Count("pk"))
    )
    overdue = (
        listeners.filter(upgrade_basis__lt=window_start)
        .values(group=key)
        .annotate(people=Count("pk"))
    )
    index = {add_years(label, -UPGRADE_PERIOD_YEARS): i for i, label in enumerate(labels)}
    rows: dict[object, ForecastRow] = {}

    def row(group: object) -> ForecastRow:
        found = group.casefold() if isinstance(group, str) else group
        if found not in rows:
            rows[found] = ForecastRow(key=group, name="", overdue=0, months=[0] * months)
        return rows[found]

    for values in due:
        month = values["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        row(values["group"]).months[index[month]] += values["people"]
    for values in overdue:
        row(values["group"]).overdue += values["people"]
    if by == "region":
        regions = Region.objects.in_bulk([k for k in rows if k is not None])
        for group, forecast_row in rows.items():
            forecast_row.name = str(regions[group]) if group is not None else ""
    else:
        for forecast_row in rows.values():
            forecast_row.name = capfirst(forecast_row.key or "")
    ordered = sorted(rows.values(), key=lambda r: (not r.name, r.name.casefold()))
    total = ForecastRow(
        key=None,
        name="",
        overdue=sum(r.overdue for r in ordered),
        months=[sum(r.months[i] for r in ordered) for i in range(months)],
    )
    return labels, ordered, total


# --- staffing (§23) ---------------------------------------------------------------------------


@dataclass
class StaffingRow:
    """One field in one year: its teachers, the seats planned and the listeners admitted,
    each per teacher against the §23 limit."""

    field: Field
    teachers: int
    seats: int
    admitted: int

    @property
    def limit(self) -> Decimal:
        return staffing_limit(self.field.university_norm)

    @property
    def planned_ratio(self) -> Decimal | None:
        return staffing_ratio(self.seats, self.teachers)

    @property
    def admitted_ratio(self) -> Decimal | None:
        return staffing_ratio(self.admitted, self.teachers)

    def _within(self, listeners: int) -> bool:
        return staffing_within_norm(
            listeners_per_year=listeners,
            teachers=self.teachers,
            university_norm=self.field.university_norm,
        )

    @property
    def chart(self) -> dict[str, str]:
        """A bar of the planned load against the limit, for the template's SVG: the scale
        runs to twice the limit, the limit marked at its middle. Numbers formatted here, so
        no locale's decimal comma reaches an SVG attribute."""
        ratio = self.planned_ratio
        if ratio is None or not self.limit:
            return {}
        width = min(float(ratio / self.limit) * 50, 100.0)
        return {"width": f"{width:.2f}"}

    @property
    def planned_within_norm(self) -> bool:
        return self._within(self.seats)

    @property
    def admitted_within_norm(self) -> bool:
        return self._within(self.admitted)


def staffing_rows(*, year: int) -> list[StaffingRow]:
    """Every field with its active teachers, the seats of the year's intakes (cancelled ones
    left out) and the listeners admitted to them by order (§23): one query, each number a
    subquery so that the joins do not multiply one another."""
    intakes = Intake.objects.filter(programme__field=OuterRef("pk"), start_date__year=year).exclude(
        status=IntakeStatus.CANCELLED
    )
    seats = intakes.order_by().values("programme__field").annotate(n=Sum("capacity")).values("n")
    admitted = (
        Enrollment.objects.filter(
            intake__programme__field=OuterRef("pk"),
            intake__start_date__year=year,
            state__in=ADMITTED_BY_ORDER_STATES,
        )
        .exclude(intake__status=IntakeStatus.CANCELLED)
        .order_by()
        .values("intake__programme__field")
        .annotate(n=Count("pk"))
        .values("n")
    )
    teachers = (
        Teacher.objects.filter(field=OuterRef("pk"), is_active=True)
        .order_by()
        .values("field")
        .annotate(n=Count("pk"))
        .values("n")
    )
    fields = Field.objects.annotate(
        teacher_count=Coalesce(Subquery(teachers), 0),
        seat_count=Coalesce(Subquery(seats), 0),
        admitted_count=Coalesce(Subquery(admitted), 0),
    ).order_by("code")
    return [
        StaffingRow(
            field=field,
            teachers=field.teacher_count,
            seats=field.seat_count,
            admitted=field.admitted_count,
        )
        for field in fields
    ]


# --- the institute's report for a period --------------------------------------------------------

# What each outcome counts, by the enrollment's state.
OUTCOMES: dict[str, frozenset[str]] = {
    "admitted": ADMITTED_BY_ORDER_STATES,
    "completed": frozenset({EnrollmentState.COMPLETED}),
    "failed": frozenset({EnrollmentState.FAILED}),
    "expelled": frozenset({EnrollmentState.EXPELLED}),
    "withdrawn": frozenset({EnrollmentState.WITHDRAWN}),
}
# The facets the head reads the outcomes by: the enrollment field and its choices.
DIMENSIONS: dict[str, tuple[str, type[models.TextChoices]]] = {
    "kind": ("intake__programme__kind", ProgrammeKind),
    "band": ("intake__programme__band", Band),
    "language": ("intake__language", Language),
    "place": ("intake__place", Place),
    "basis": ("basis", FundingBasis),
}


@dataclass
class Tally:
    """One line of a report table: a label and its numbers by name."""

    label: str
    values: dict[str, object]


def period_enrollments(*, start: datetime.date, end: datetime.date) -> QuerySet[Enrollment]:
    """The enrollments of the intakes starting within the period (cancelled ones left out:
    nobody studied in them)."""
    return Enrollment.objects.filter(
        intake__start_date__gte=start, intake__start_date__lte=end
    ).exclude(intake__status=IntakeStatus.CANCELLED)


@dataclass
class PeriodCounts:
    """The period's enrollments counted once by every facet and state together (a few
    hundred groups), so each table of the report is a sum over those groups."""

    groups: list[dict[str, object]]

    def by(self, dimension: str) -> list[Tally]:
        """Admitted, completed, failed, expelled and withdrawn listeners by one facet (kind,
        band, language, place or funding); every value of the facet is listed, zeros too."""
        field, choices = DIMENSIONS[dimension]
        table = {value: dict.fromkeys(OUTCOMES, 0) for value in choices.values}
        for group in self.groups:
            row = table.get(group[field])
            if row is None:
                continue
            for outcome, states in OUTCOMES.items():
                if group["state"] in states:
                    row[outcome] += group["people"]
        labels = dict(choices.choices)
        return [Tally(label=str(labels[value]), values=row) for value, row in table.items()]

    def admitted(self, *, state_order_only: bool = False) -> int:
        """Listeners admitted by order; with `state_order_only`, those on state-order seats."""
        return sum(
            group["people"]
            for group in self.groups
            if group["state"] in ADMITTED_BY_ORDER_STATES
            and (not state_order_only or group["basis"] == FundingBasis.STATE_ORDER)
        )


def period_counts(*, start: datetime.date, end: datetime.date) -> PeriodCounts:
    """One query: the period's enrollments grouped by kind, band, language, place, funding
    and state. At 430,000 enrollments a year that is one pass, where a query per facet took
    five."""
    fields = [field for field, _choices in DIMENSIONS.values()]
    grouped = (
        period_enrollments(start=start, end=end)
        .order_by()
        .values(*fields, "state")
        .annotate(people=Count("pk"))
    )
    return PeriodCounts(groups=list(grouped))


def expulsions(*, start: datetime.date, end: datetime.date) -> list[Tally]:
    """Expelled listeners of the period by the ground of their order (§22): one query."""
    grouped = (
        period_enrollments(start=start, end=end)
        .filter(state=EnrollmentState.EXPELLED)
        .order_by()
        .values(ground=F("expulsion_order__ground"))
        .annotate(people=Count("pk"))
    )
    labels = dict(ExpulsionGround.choices)
    return [
        Tally(label=str(labels.get(row["ground"], row["ground"])), values={"people": row["people"]})
        for row in grouped
    ]


def period_intakes(*, start: datetime.date, end: datetime.date) -> QuerySet[Intake]:
    """The intakes starting in the period (cancelled ones left out), each with the
    listeners admitted by order and those of them on state-order seats. Counted by
    subqueries, so that a page of 50 intakes costs 50 small counts, not the whole year's."""
    admitted = Enrollment.objects.filter(
        intake=OuterRef("pk"), state__in=ADMITTED_BY_ORDER_STATES
    ).order_by()

    def count(enrollments: QuerySet[Enrollment]) -> Coalesce:
        return Coalesce(
            Subquery(enrollments.values("intake").annotate(n=Count("pk")).values("n")), 0
        )

    return (
        Intake.objects.filter(start_date__gte=start, start_date__lte=end)
        .exclude(status=IntakeStatus.CANCELLED)
        .select_related("programme")
        .annotate(
            admitted=count(admitted),
            state_used=count(admitted.filter(basis=FundingBasis.STATE_ORDER)),
        )
        .order_by("start_date", "code")
    )


def seats_planned(*, start: datetime.date, end: datetime.date) -> dict[str, int]:
    """All seats and state-order seats of the period's intakes: one query."""
    totals = (
        Intake.objects.filter(start_date__gte=start, start_date__lte=end)
        .exclude(status=IntakeStatus.CANCELLED)
        .aggregate(capacity=Sum("capacity"), state_planned=Sum("state_order_seats"))
    )
    return {name: value or 0 for name, value in totals.items()}


def fill_percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def documents_issued(*, start: datetime.date, end: datetime.date) -> list[Tally]:
    """Documents issued within the period by kind, valid and revoked: one query.

    Documents belong to the certificates app, which sits above this one; the model is looked
    up by name so that listeners does not import it."""
    document = apps.get_model("certificates", "Document")
    grouped = (
        document.objects.filter(issued_at__date__gte=start, issued_at__date__lte=end)
        .order_by()
        .values("kind")
        .annotate(
            issued=Count("pk"),
            revoked=Count("pk", filter=Q(status="revoked")),
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


def ratings(*, start: datetime.date, end: datetime.date) -> list[Tally]:
    """The listeners' average rating (1–5) of each programme taught in the period (§19,
    §13.4): one query."""
    grouped = (
        period_enrollments(start=start, end=end)
        .filter(feedback__isnull=False)
        .order_by()
        .values(
            "intake__programme__code",
            "intake__programme__title_kk",
            "intake__programme__title_ru",
        )
        .annotate(average=Avg("feedback__rating"), answers=Count("feedback"))
        .order_by("intake__programme__code")
    )
    wanted = (get_language() or "kk")[:2]
    return [
        Tally(
            label=f"{row['intake__programme__code']} · "
            + (row.get(f"intake__programme__title_{wanted}") or row["intake__programme__title_kk"]),
            values={
                "average": Decimal(str(row["average"])).quantize(Decimal("0.1")),
                "answers": row["answers"],
            },
        )
        for row in grouped
    ]
