"""Programmes (§10–§12), their intakes, sessions and attestation commissions (§21)."""

import calendar
import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils.translation import gettext_lazy as _

from courses import rules
from courses.rules import Band, DocumentKind, IntakeStatus, ProgrammeKind
from institute.models import Branch, District, Field, NamesCleaned, Teacher, localized
from institute.rules import RuleViolation


class Language(models.TextChoices):
    KAZAKH = "kk", _("Kazakh")
    RUSSIAN = "ru", _("Russian")
    BOTH = "kk_ru", _("Kazakh and Russian")


class ProgrammeQuerySet(models.QuerySet):
    def active(self) -> "ProgrammeQuerySet":
        return self.filter(is_active=True)


class Programme(NamesCleaned):
    """An educational programme of one kind (§10–§11). Its band follows from kind and hours
    and is stored, so that catalogues filter on it in SQL; a programme in use is archived
    (is_active off), never deleted."""

    # Printed on every document and shown on the public verification page (issue 18).
    NAME_FIELDS = ("title_kk", "title_ru", "internship_host")

    code = models.CharField(_("code"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ProgrammeKind.choices)
    hours = models.PositiveIntegerField(_("academic hours"))
    duration_days = models.PositiveIntegerField(
        _("length in days"),
        null=True,
        blank=True,
        help_text=_("Internships only: from a day up to two years (§10.2)."),
    )
    band = models.CharField(
        _("band"), max_length=10, choices=Band.choices, blank=True, editable=False
    )
    title_kk = models.CharField(_("title (Kazakh)"), max_length=300)
    title_ru = models.CharField(_("title (Russian)"), max_length=300)
    description_kk = models.TextField(_("description (Kazakh)"), blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    language = models.CharField(
        _("language of instruction"),
        max_length=8,
        choices=Language.choices,
        default=Language.KAZAKH,
    )
    with_work_interruption = models.BooleanField(
        _("with interruption from work"),
        default=True,
        help_text=_("Studied with interruption from work: counts for the five-year rule (§10.1)."),
    )
    field = models.ForeignKey(
        Field,
        verbose_name=_("field"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    internship_host = models.CharField(
        _("host organisation"),
        max_length=300,
        blank=True,
        help_text=_("Internships only: where it takes place (§10.2)."),
    )
    internship_abroad = models.BooleanField(_("abroad"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code"]
        constraints = [
            # The database's own guard for the hour minimums, behind the rules' messages.
            models.CheckConstraint(
                condition=models.Q(hours__gt=0),
                name="programme_hours_positive",
                violation_error_message=_(
                    "A programme needs a whole positive number of academic hours."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ProgrammeKind.RETRAINING)
                | models.Q(hours__gte=rules.RETRAINING_MIN_HOURS),
                name="retraining_min_hours",
                violation_error_message=_("Retraining needs at least 280 hours, §10.3."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ProgrammeKind.SECOND_DEGREE)
                | models.Q(hours__gte=rules.SECOND_DEGREE_MIN_HOURS),
                name="second_degree_min_hours",
                violation_error_message=_("A second higher degree needs at least 1440 hours, §11."),
            ),
            models.CheckConstraint(
                # isnull=False: a CHECK on a NULL comparison is unknown, which passes.
                condition=~models.Q(kind=ProgrammeKind.INTERNSHIP)
                | models.Q(
                    duration_days__isnull=False,
                    duration_days__gte=1,
                    duration_days__lte=rules.INTERNSHIP_MAX_DAYS,
                ),
                name="internship_length",
                violation_error_message=_("An internship lasts from a day up to two years, §10.2."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def document_kind(self) -> str:
        return rules.document_kind(self.kind, self.hours)

    def get_document_kind_display(self) -> str:
        return DocumentKind(self.document_kind).label

    # What a programme with intakes may no longer change: enrollments, issued documents and
    # every listener's five-year due date (§10.1) were worked out from them.
    FIXED_ONCE_IN_USE = ("kind", "hours", "duration_days")

    def fixed_fields_changed(self) -> list[str]:
        """The fields of FIXED_ONCE_IN_USE that differ from the stored programme, if it has
        intakes; an unused programme may still change anything."""
        if self.pk is None or not self.intakes.exists():
            return []
        stored = Programme.objects.filter(pk=self.pk).values(*self.FIXED_ONCE_IN_USE).first()
        if stored is None:
            return []
        return [name for name in self.FIXED_ONCE_IN_USE if stored[name] != getattr(self, name)]

    def _refuse_fixed_changes(self) -> None:
        changed = self.fixed_fields_changed()
        if changed:
            message = _(
                "The programme already has intakes: its kind and length are fixed. "
                "Create a new programme for a different kind or number of hours."
            )
            raise RuleViolation({name: [message] for name in changed})

    def clean(self) -> None:
        rules.validate_programme_hours(self.kind, self.hours, self.duration_days)
        if self.kind != ProgrammeKind.INTERNSHIP and (
            self.internship_host or self.internship_abroad
        ):
            self.internship_host, self.internship_abroad = "", False
        self._refuse_fixed_changes()

    def save(self, *args, **kwargs) -> None:
        # The rules are checked on every save, not only in forms: nothing breaking them is
        # stored.
        rules.validate_programme_hours(self.kind, self.hours, self.duration_days)
        self._refuse_fixed_changes()
        self.band = rules.programme_band(self.kind, self.hours, self.duration_days)
        super().save(*args, **kwargs)


class Place(models.TextChoices):
    INSTITUTE = "institute", _("At the institute")
    BRANCH = "branch", _("At a branch")
    DISTRICT = "district", _("In a district")
    DISTANCE = "distance", _("Distance learning")


STARTING_SOON_DAYS = 30


class Attention(models.TextChoices):
    """What the dashboard counts as needing a methodologist's attention (the workspace dashboard)."""

    STARTING_SOON = "starting_soon", _("Starting within 30 days")
    IN_PROGRESS = "in_progress", _("Running today")
    APPLICATIONS = "applications", _("With applications waiting")
    RESULTS = "results", _("Finished, results to record")


class DaysBetween(models.Func):
    """Whole days from the second date to the first, computed by the database: PostgreSQL
    subtracts dates to an integer, SQLite through julianday()."""

    arity = 2
    output_field = models.IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND(julianday(%(expressions)s)) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def days_within_year(year: int, *, prefix: str = "") -> models.Expression:
    """The days an intake (reached through `prefix`, e.g. "intake__") runs within `year`,
    first and last day included: the listener-days behind §23's average yearly contingent.
    Only for intakes that run in the year (see IntakeQuerySet.running_in_year)."""
    date = models.DateField()
    first = models.Value(datetime.date(year, 1, 1), output_field=date)
    last = models.Value(datetime.date(year, 12, 31), output_field=date)
    return (
        DaysBetween(
            Least(models.F(f"{prefix}end_date"), last, output_field=date),
            Greatest(models.F(f"{prefix}start_date"), first, output_field=date),
        )
        + 1
    )


def running_in_year(year: int, *, prefix: str = "") -> Q:
    """Intakes (reached through `prefix`) that run on at least one day of `year`."""
    return Q(
        **{
            f"{prefix}start_date__lte": datetime.date(year, 12, 31),
            f"{prefix}end_date__gte": datetime.date(year, 1, 1),
        }
    )


class IntakeQuerySet(models.QuerySet):
    def open_for_applications(self) -> "IntakeQuerySet":
        return self.filter(status=IntakeStatus.OPEN)

    def running_in_month(self, year: int, month: int) -> "IntakeQuerySet":
        """Intakes that run on at least one day of the month."""
        first = datetime.date(year, month, 1)
        last = first.replace(day=calendar.monthrange(year, month)[1])
        return self.filter(start_date__lte=last, end_date__gte=first)

    def needing_attention(self, attention: str, *, today: datetime.date) -> "IntakeQuerySet":
        """The intakes behind each count of the dashboard, with the same meaning; cancelled
        intakes need nobody's attention."""
        return self.filter(self.attention_condition(attention, today=today))

    def attention_condition(self, attention: str, *, today: datetime.date) -> Q:
        """needing_attention's condition, for a filter or a count's FILTER (the dashboard
        counts the four in one pass over the intakes)."""
        # The intake's enrollments, probed on the (intake, state) index: reached through the
        # relation (courses does not import listeners), not through a join back to Intake,
        # which made PostgreSQL probe each intake twice.
        enrollment = self.model._meta.get_field("enrollments").related_model
        same = enrollment.objects.filter(intake=OuterRef("pk")).order_by()
        live = ~Q(status=IntakeStatus.CANCELLED)
        if attention == Attention.STARTING_SOON:
            soon = today + datetime.timedelta(days=STARTING_SOON_DAYS)
            return live & Q(start_date__gte=today, start_date__lte=soon)
        if attention == Attention.IN_PROGRESS:
            return live & Q(start_date__lte=today, end_date__gte=today)
        if attention == Attention.APPLICATIONS:
            return live & Q(Exists(same.filter(state__in=rules.APPLICANT_STATES)))
        if attention == Attention.RESULTS:
            unrecorded = same.filter(state=rules.EnrollmentState.ADMITTED)
            return live & Q(Exists(unrecorded), end_date__lt=today)
        return Q()

    def with_seats_taken(self) -> "IntakeQuerySet":
        """`state_taken` and `contract_taken`: enrollments holding a seat of each funding kind
        (§14). Counted by subqueries, so a page of 20 intakes costs 40 small index look-ups
        however many intakes and enrollments there are (a join and GROUP BY would read every
        open intake's enrollments). The enrollment model is
        reached through the relation: courses does not import listeners."""
        holding = Q(state__in=rules.SEAT_HOLDING_STATES)
        return self.annotate(
            state_taken=self._enrollments_counted(holding & Q(basis__in=rules.STATE_SEAT_BASES)),
            contract_taken=self._enrollments_counted(
                holding & ~Q(basis__in=rules.STATE_SEAT_BASES)
            ),
        )

    def with_enrollments_in(self, **states: Iterable[str]) -> "IntakeQuerySet":
        """Each keyword names a count of the intake's enrollments in the given states, by a
        subquery (see with_seats_taken): only the rows the page keeps are counted."""
        return self.annotate(
            **{
                name: self._enrollments_counted(Q(state__in=list(kept)))
                for name, kept in states.items()
            }
        )

    def _enrollments_counted(self, condition: Q) -> Coalesce:
        enrollment = self.model._meta.get_field("enrollments").related_model
        counted = (
            enrollment.objects.filter(condition, intake=OuterRef("pk"))
            .order_by()
            .values("intake")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted), 0)


class Intake(models.Model):
    """A run of one programme: dates, place, language, seats by funding, staff."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="intakes"
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    language = models.CharField(
        _("language of instruction"),
        max_length=8,
        choices=Language.choices,
        default=Language.KAZAKH,
    )
    place = models.CharField(
        _("place"), max_length=16, choices=Place.choices, default=Place.INSTITUTE
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), null=True, blank=True, on_delete=models.PROTECT
    )
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT
    )
    with_work_interruption = models.BooleanField(_("with interruption from work"), default=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    state_order_seats = models.PositiveIntegerField(_("state-order seats"), default=0)
    contract_seats = models.PositiveIntegerField(_("contract seats"), default=0)
    state_order_reference = models.CharField(
        _("state order"),
        max_length=200,
        blank=True,
        help_text=_("Which state order funds the state-order seats (§14)."),
    )
    methodologist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("methodologist in charge"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intakes_in_charge",
    )
    teachers = models.ManyToManyField(
        Teacher, verbose_name=_("teachers"), blank=True, related_name="intakes"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=IntakeStatus.choices, default=IntakeStatus.PLANNED
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = IntakeQuerySet.as_manager()

    class Meta:
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="intake_ends_after_start",
                violation_error_message=_("The intake ends before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    capacity=models.F("state_order_seats") + models.F("contract_seats")
                ),
                name="intake_seats_split",
                violation_error_message=_(
                    "State-order seats and contract seats must add up to the capacity, §14."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=IntakeStatus.CANCELLED) | ~models.Q(cancel_reason=""),
                name="intake_cancel_has_reason",
                violation_error_message=_("A cancelled intake needs the reason."),
            ),
        ]
        indexes = [models.Index(fields=["status", "start_date"])]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        kind = self.programme.kind if self.programme_id else None
        rules.validate_intake_dates(self.start_date, self.end_date, kind=kind)
        if self.capacity is not None:
            rules.validate_seats(
                capacity=self.capacity,
                state_order_seats=self.state_order_seats or 0,
                contract_seats=self.contract_seats or 0,
            )
        if self.place == Place.BRANCH and not self.branch_id:
            raise RuleViolation(_("Choose the branch where the intake studies."), field="branch")
        if self.status == IntakeStatus.CANCELLED and not self.cancel_reason.strip():
            raise RuleViolation(_("A cancelled intake needs the reason."), field="cancel_reason")

    def save(self, *args, **kwargs) -> None:
        # The rules are checked on every save, not only in forms (they need no query but the
        # programme's kind).
        kind = self.programme.kind if self.programme_id else None
        rules.validate_intake_dates(self.start_date, self.end_date, kind=kind)
        rules.validate_seats(
            capacity=self.capacity,
            state_order_seats=self.state_order_seats,
            contract_seats=self.contract_seats,
        )
        super().save(*args, **kwargs)

    @property
    def hours(self) -> int:
        return self.programme.hours


class Session(models.Model):
    """A class of an intake, with its hours: the rows of the attendance journal."""

    intake = models.ForeignKey(
        Intake, verbose_name=_("intake"), on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=300)
    hours = models.PositiveSmallIntegerField(_("hours"))
    teacher = models.ForeignKey(
        Teacher, verbose_name=_("teacher"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0),
                name="session_hours_positive",
                violation_error_message=_("A session lasts at least one hour."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} · {self.topic}"

    def clean(self) -> None:
        if (
            self.intake_id
            and self.date
            and not (self.intake.start_date <= self.date <= self.intake.end_date)
        ):
            raise RuleViolation(_("The session falls outside the intake's dates."), field="date")
        if self._state.adding and self.intake_id:
            rules.intake_timetable_check(self.intake.status)


class AssessmentForm(models.TextChoices):
    """§21: how knowledge is assessed."""

    DEFENCE = "defence", _("Defence of a final or attestation work")
    ESSAY = "essay", _("Essay")
    EXAM = "exam", _("Examination")
    INTERVIEW = "interview", _("Interview")


class Commission(models.Model):
    """The attestation commission of an intake (§21); its members are approved by an order
    of the head (a listeners.Order of kind "commission" for this intake)."""

    intake = models.OneToOneField(
        Intake, verbose_name=_("intake"), on_delete=models.CASCADE, related_name="commission"
    )
    assessment_form = models.CharField(
        _("form of assessment"), max_length=16, choices=AssessmentForm.choices
    )
    sits_on = models.DateField(_("date of attestation"), null=True, blank=True)

    class Meta:
        verbose_name = _("attestation commission")
        verbose_name_plural = _("attestation commissions")

    def __str__(self) -> str:
        return str(self.intake)


class CommissionRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    MEMBER = "member", _("Member")
    SECRETARY = "secretary", _("Secretary")


class CommissionMember(NamesCleaned):
    NAME_FIELDS = ("full_name",)

    commission = models.ForeignKey(
        Commission, verbose_name=_("commission"), on_delete=models.CASCADE, related_name="members"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    role = models.CharField(
        _("role"), max_length=16, choices=CommissionRole.choices, default=CommissionRole.MEMBER
    )
    teacher = models.ForeignKey(
        Teacher, verbose_name=_("teacher"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("commission member")
        verbose_name_plural = _("commission members")
        constraints = [
            models.UniqueConstraint(
                fields=["commission"],
                condition=models.Q(role=CommissionRole.CHAIR),
                name="one_chair_per_commission",
                violation_error_message=_("A commission has one chair."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name
