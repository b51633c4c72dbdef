"""Reports for the head and the education department: the five-year rule (§10.1)
— who is overdue, due soon, up to date or without a record, by region → district →
organisation → person on any chosen day, and who falls due month by month — and the
staffing norm (§23).

Every count is an aggregate query (over `Listener.objects.with_upgrade_status(on=…)`, which
compares one stored date with two constants); nothing loops over people in Python.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Trim, TruncMonth
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from courses.models import (
    Intake,
    IntakeStatus,
    Language,
    Place,
    days_within_year,
    running_in_year,
)
from courses.rules import Band, ProgrammeKind
from institute.models import District, Field, Organisation, Region, Teacher
from institute.rules import (
    add_months,
    add_years,
    average_yearly_contingent,
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


def has_status(status: str) -> Q:
    """The one definition of "has this five-year status on the report's day", over
    `listeners_in(…, on=day)`: the compliance counts and the forecast's overdue column both
    filter by it, so the two pages cannot count different overdue people on one day."""
    return Q(upgrade_status=status)


def _counts() -> dict[str, Count]:
    counts = {status: Count("pk", filter=has_status(status)) for status in STATUSES}
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
    """How many people of one region (or subject) are overdue on the report's day, and how
    many fall due in each month from that day on."""

    key: object
    name: str
    overdue: int
    months: list[int]

    @property
    def total(self) -> int:
        return self.overdue + sum(self.months)


def forecast(
    scope: Scope, *, on: datetime.date, by: str, months: int = FORECAST_MONTHS
) -> tuple[list[datetime.date], list[ForecastRow], ForecastRow]:
    """On the day `on`: the people overdue, and those falling due in each of `months` months
    from `on`'s month, per region or per subject (§10.1), so that next year's intakes and
    state order can be planned. Two queries.

    "Overdue" is the compliance report's own status on the same day (`has_status`): a person
    whose due date fell between the 1st of the month and `on` is overdue in both reports,
    not "due this month" in one of them. The others fall due on or after `on`; adding the
    upgrade period keeps the month (29 February falls back to the 28th), so the month they
    fall due is the month of their counting date that many years later: the database groups
    by the month of the stored date and Python only relabels the months.
    """
    first = on.replace(day=1)
    labels = [add_months(first, i) for i in range(months)]
    window_end = add_years(add_months(first, months), -UPGRADE_PERIOD_YEARS)
    key = FORECAST_GROUPS[by]
    listeners = listeners_in(scope, on=on).order_by()
    due = (
        listeners.filter(
            has_status(UpgradeStatus.DUE_SOON) | has_status(UpgradeStatus.COMPLIANT),
            upgrade_basis__lt=window_end,
        )
        .annotate(month=TruncMonth("upgrade_basis"))
        .values("month", group=key)
        .annotate(people=Count("pk"))
    )
    overdue = (
        listeners.filter(has_status(UpgradeStatus.OVERDUE))
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


def nice_ticks(peak: int, *, most: int = 5) -> list[int]:
    """Round tick values from 0 to at least `peak`: steps of 1, 2 or 5 times a power of ten,
    at most `most` steps, so an axis reads 0, 5, 10, 15 and not 0, 3.7, 7.4."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if peak <= step * factor * most:
                top = -(-peak // (step * factor)) * step * factor or step * factor
                return list(range(0, top + 1, step * factor))
        step *= 10


@dataclass(frozen=True)
class ChartBar:
    month: datetime.date
    count: int
    y: str
    width: str
    text_x: str
    text_y: str


@dataclass(frozen=True)
class ChartTick:
    value: int
    x: str


@dataclass(frozen=True)
class ForecastChart:
    """A horizontal bar chart of who falls due month by month, laid out for an SVG that
    reads on a 390 px phone: a month a row (labels on the left axis), the number of people
    along the bottom axis with round ticks, each bar's number written beside it. Every
    coordinate is formatted here, so no locale's decimal comma reaches an SVG attribute."""

    bars: list[ChartBar]
    ticks: list[ChartTick]
    width: int
    height: int
    left: int
    top: int
    axis_y: int
    plot_right: int
    label_x: int

    @property
    def peak(self) -> ChartBar | None:
        best = max(self.bars, key=lambda bar: bar.count, default=None)
        return best if best and best.count else None


CHART_WIDTH, CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_ROW, CHART_BAR = 360, 58, 40, 22, 16, 11


def forecast_chart(labels: list[datetime.date], counts: list[int]) -> ForecastChart:
    """The geometry of the forecast's chart (see ForecastChart)."""
    ticks = nice_ticks(max(counts, default=0))
    plot = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    scale = plot / ticks[-1]
    bars = []
    for i, (month, count) in enumerate(zip(labels, counts, strict=True)):
        y = CHART_TOP + i * CHART_ROW + (CHART_ROW - CHART_BAR) / 2
        width = count * scale
        bars.append(
            ChartBar(
                month=month,
                count=count,
                y=f"{y:.1f}",
                width=f"{width:.1f}",
                text_x=f"{CHART_LEFT + width + 3:.1f}",
                text_y=f"{y + CHART_BAR - 2:.1f}",
            )
        )
    axis_y = CHART_TOP + len(labels) * CHART_ROW
    return ForecastChart(
        bars=bars,
        ticks=[ChartTick(value=v, x=f"{CHART_LEFT + v * scale:.1f}") for v in ticks],
        width=CHART_WIDTH,
        height=axis_y + 36,
        left=CHART_LEFT,
        top=CHART_TOP,
        axis_y=axis_y,
        plot_right=CHART_LEFT + plot,
        label_x=CHART_LEFT + plot // 2,
    )


# --- staffing (§23) ---------------------------------------------------------------------------


# The staffing bar runs to one and a half times the limit, the limit marked at two thirds of
# it: a field at 120 % of its limit shows how far over it is, and one at 400 % fills the bar
# and is marked as cut off, its number written beside it.
STAFFING_SCALE = Decimal("1.5")


class StaffingState(models.TextChoices):
    WITHIN = "within", _("Within the limit")
    OVER = "over", _("Over the limit")
    NO_TEACHER = "no_teacher", _("No teacher")
    NOTHING = "nothing", _("No listeners")


@dataclass(frozen=True)
class StaffingGauge:
    """One load against the §23 limit, ready for the page: the state (its label says it in
    words, the colour only repeats it), listeners per teacher, the share of the limit in
    percent, and the bar's width and limit mark in percent of the bar, formatted here so no
    locale's decimal comma reaches an SVG attribute."""

    state: str
    ratio: Decimal | None
    percent: int | None
    width: str
    capped: bool
    limit_at: str = f"{100 / STAFFING_SCALE:.2f}"

    @property
    def label(self) -> str:
        return StaffingState(self.state).label

    @property
    def met(self) -> bool:
        return self.state in (StaffingState.WITHIN, StaffingState.NOTHING)


@dataclass
class StaffingRow:
    """One field in one year: its teachers, the seats planned and the listeners admitted,
    each per teacher against the §23 limit."""

    field: Field
    year: int
    teachers: int
    seats: int
    admitted: int
    seat_days: int
    admitted_days: int

    @property
    def limit(self) -> Decimal:
        return staffing_limit(self.field.university_norm)

    @property
    def planned_contingent(self) -> Decimal:
        """The average yearly contingent the planned seats bring (§23)."""
        return average_yearly_contingent(self.seat_days, year=self.year)

    @property
    def admitted_contingent(self) -> Decimal:
        """The average yearly contingent of the listeners admitted by order (§23)."""
        return average_yearly_contingent(self.admitted_days, year=self.year)

    @property
    def planned_ratio(self) -> Decimal | None:
        return staffing_ratio(self.planned_contingent, self.teachers)

    @property
    def admitted_ratio(self) -> Decimal | None:
        return staffing_ratio(self.admitted_contingent, self.teachers)

    def _within(self, listeners: Decimal) -> bool:
        return staffing_within_norm(
            listeners_per_year=listeners,
            teachers=self.teachers,
            university_norm=self.field.university_norm,
        )

    def _gauge(self, listeners: Decimal) -> StaffingGauge:
        ratio = staffing_ratio(listeners, self.teachers)
        if not listeners:
            state = StaffingState.NOTHING
        elif self.teachers <= 0:
            state = StaffingState.NO_TEACHER
        else:
            state = StaffingState.WITHIN if self._within(listeners) else StaffingState.OVER
        if ratio is None or not self.limit:
            # No teacher: nothing to divide by, so the bar is drawn full, as over.
            full = bool(listeners)
            return StaffingGauge(
                state=state,
                ratio=None,
                percent=None,
                width="100.00" if full else "0.00",
                capped=full,
            )
        share = listeners / self.teachers / self.limit
        width = min(share / STAFFING_SCALE, Decimal(1)) * 100
        return StaffingGauge(
            state=state,
            ratio=ratio,
            percent=round(share * 100),
            width=f"{width:.2f}",
            capped=share > STAFFING_SCALE,
        )

    @property
    def planned(self) -> StaffingGauge:
        return self._gauge(self.planned_contingent)

    @property
    def admitted_gauge(self) -> StaffingGauge:
        return self._gauge(self.admitted_contingent)

    @property
    def planned_within_norm(self) -> bool:
        return self._within(self.planned_contingent)

    @property
    def admitted_within_norm(self) -> bool:
        return self._within(self.admitted_contingent)


def staffing_rows(*, year: int) -> list[StaffingRow]:
    """Every field with its active teachers, the seats of the intakes starting in the year
    and the listeners admitted to them by order, and the listener-days of the year behind
    §23's average yearly contingent (seats or admitted listeners × days of study within the
    year, of every intake running in it; cancelled intakes left out): one query, each number
    a subquery so that the joins do not multiply one another."""
    intakes = (
        Intake.objects.filter(running_in_year(year), programme__field=OuterRef("pk"))
        .exclude(status=IntakeStatus.CANCELLED)
        .order_by()
        .values("programme__field")
    )
    seats = intakes.annotate(n=Sum("capacity", filter=Q(start_date__year=year))).values("n")
    seat_days = intakes.annotate(n=Sum(F("capacity") * days_within_year(year))).values("n")
    enrollments = (
        Enrollment.objects.filter(
            running_in_year(year, prefix="intake__"),
            intake__programme__field=OuterRef("pk"),
            state__in=ADMITTED_BY_ORDER_STATES,
        )
        .exclude(intake__status=IntakeStatus.CANCELLED)
        .order_by()
        .values("intake__programme__field")
    )
    admitted = enrollments.annotate(n=Count("pk", filter=Q(intake__start_date__year=year))).values(
        "n"
    )
    admitted_days = enrollments.annotate(n=Sum(days_within_year(year, prefix="intake__"))).values(
        "n"
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
        seat_days=Coalesce(Subquery(seat_days), 0),
        admitted_days=Coalesce(Subquery(admitted_days), 0),
    ).order_by("code")
    return [
        StaffingRow(
            field=field,
            year=year,
            teachers=field.teacher_count,
            seats=field.seat_count,
            admitted=field.admitted_count,
            seat_days=field.seat_days,
            admitted_days=field.admitted_days,
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
