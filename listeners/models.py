"""Listeners (§14–§22): the people, their enrollments, the head's orders and the history."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import Intake
from courses.rules import FundingBasis, ProgrammeKind
from institute.models import BackgroundJob, NamesCleaned, Organisation, in_district_of
from listeners import rules
from listeners.rules import (
    EnrollmentState,
    ExpulsionGround,
    Grade,
    OrderKind,
    Sex,
    UpgradeStatus,
)

# Where a listener's district is: that of the organisation they work at. A district
# methodologist sees a person by this path, wherever the person studies.
LISTENER_DISTRICT = "organisation__district"


class ListenerQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ListenerQuerySet":
        """The people `user` may see: a district methodologist, their district's only (§6)."""
        return in_district_of(self, user, LISTENER_DISTRICT)

    def refresh_last_upgrade(self) -> int:
        """Recompute `last_upgrade_on` of these listeners in one UPDATE (§10.1).

        The latest counting completion: an upgrade studied with interruption from work,
        completed here or recorded from elsewhere and confirmed. Called by Enrollment.save()
        and ExternalUpgrade.save(); after bulk loads, call it on all listeners.
        """
        here = (
            Enrollment.objects.filter(
                listener=OuterRef("pk"),
                state=EnrollmentState.COMPLETED,
                with_work_interruption=True,
                intake__programme__kind=ProgrammeKind.UPGRADE,
            )
            .order_by()
            .values("listener")
            .annotate(last=Max("completed_on"))
            .values("last")
        )
        elsewhere = (
            ExternalUpgrade.objects.counting()
            .filter(listener=OuterRef("pk"))
            .order_by()
            .values("listener")
            .annotate(last=Max("completed_on"))
            .values("last")
        )
        date_field = models.DateField()
        here_sq = Subquery(here, output_field=date_field)
        elsewhere_sq = Subquery(elsewhere, output_field=date_field)
        # GREATEST is NULL on SQLite when one side is NULL: coalesce each side with the other.
        return self.update(
            last_upgrade_on=Greatest(
                Coalesce(here_sq, elsewhere_sq),
                Coalesce(elsewhere_sq, here_sq),
                output_field=date_field,
            )
        )

    def with_upgrade_status(self, *, on: datetime.date) -> "ListenerQuerySet":
        """Annotate each listener with the five-year rule (§10.1) as it stands on `on`.

        `last_upgrade`: the latest counting completion; `upgrade_basis`: that date or, with
        none, the start of employment in education; `upgrade_status`: an UpgradeStatus. The
        five years are turned into constant dates in Python (rules), so the database only
        compares a stored date with two constants: one cheap pass, even over 100,000 people.
        """
        overdue_up_to, due_soon_up_to = rules.status_thresholds(on)
        date_field = models.DateField()
        return self.annotate(
            last_upgrade=F("last_upgrade_on"),
            upgrade_basis=Coalesce(
                F("last_upgrade_on"), F("employment_start"), output_field=date_field
            ),
        ).annotate(
            upgrade_status=Case(
                When(upgrade_basis__isnull=True, then=Value(UpgradeStatus.NO_RECORD)),
                When(upgrade_basis__lte=overdue_up_to, then=Value(UpgradeStatus.OVERDUE)),
                When(upgrade_basis__lte=due_soon_up_to, then=Value(UpgradeStatus.DUE_SOON)),
                default=Value(UpgradeStatus.COMPLIANT),
                output_field=models.CharField(),
            ),
        )


class Listener(NamesCleaned):
    """One person, one record, whatever the number of courses (§14–§22). The names are
    stored cleaned (NamesCleaned): pasted with a zero-width space or a bidirectional
    override, a surname would not be found by its visible letters (issue 18)."""

    NAME_FIELDS = ("last_name", "first_name", "patronymic")

    iin = models.CharField(
        _("IIN"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        help_text=_(
            "12 digits. A foreign citizen without an IIN gives passport and citizenship (§16)."
        ),
    )
    passport_number = models.CharField(_("passport number"), max_length=30, blank=True)
    citizenship = models.CharField(
        _("citizenship"),
        max_length=2,
        default="KZ",
        help_text=_("ISO 3166 country code, e.g. KZ, RU, UZ."),
    )
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="listeners",
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    subject = models.CharField(_("subject taught"), max_length=200, blank=True)
    employment_start = models.DateField(
        _("start of employment in education"), null=True, blank=True
    )
    # kept by refresh_last_upgrade() whenever a completion or an upgrade recorded
    # from elsewhere changes: reports over 100,000 people then compare one stored date
    # instead of searching a million enrollments per report.
    last_upgrade_on = models.DateField(
        _("last counting upgrade"), null=True, blank=True, editable=False, db_index=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="listener",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ListenerQuerySet.as_manager()

    class Meta:
        verbose_name = _("listener")
        verbose_name_plural = _("listeners")
        ordering = ["last_name", "first_name", "patronymic"]
        constraints = [
            models.CheckConstraint(
                condition=Q(iin__isnull=False) | (~Q(passport_number="") & ~Q(citizenship="KZ")),
                name="listener_identified",
                violation_error_message=_(
                    "Give the IIN, or for a foreign citizen the passport number and citizenship (§16)."
                ),
            ),
            models.UniqueConstraint(
                fields=["citizenship", "passport_number"],
                condition=~Q(passport_number=""),
                name="listener_passport_unique",
                violation_error_message=_("A listener with this passport is already registered."),
            ),
        ]
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    def _derive_from_iin(self) -> None:
        """Birth date and sex come from the IIN, never typed (GLOSSARY.md)."""
        if not self.iin:
            self.iin = None
            return
        facts = rules.parse_iin(self.iin)
        self.iin, self.birth_date, self.sex = facts.iin, facts.birth_date, facts.sex

    def clean(self) -> None:
        self.citizenship = (self.citizenship or "").upper()
        self._derive_from_iin()
        if self.iin is None and not (self.passport_number and self.citizenship != "KZ"):
            raise rules.RuleViolation(
                _(
                    "Give the IIN, or for a foreign citizen the passport number and citizenship (§16)."
                ),
                field="iin",
                code="identity",
            )

    def save(self, *args, **kwargs) -> None:
        self._derive_from_iin()
        super().save(*args, **kwargs)


class Order(NamesCleaned):
    """An order of the head (§15, §21, §22), numbered within its year."""

    NAME_FIELDS = ("head_name",)

    kind = models.CharField(_("kind"), max_length=16, choices=OrderKind.choices)
    number = models.CharField(_("number"), max_length=20)
    date = models.DateField(_("date"))
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    intake = models.ForeignKey(
        Intake,
        verbose_name=_("intake"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    head_name = models.CharField(_("signed by"), max_length=200)
    head_title = models.CharField(_("signatory's title"), max_length=200, blank=True)
    ground = models.CharField(
        _("ground"),
        max_length=16,
        choices=ExpulsionGround.choices,
        blank=True,
        help_text=_("Expulsion orders only (§22)."),
    )
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Required for an expulsion order (§22).")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "number"],
                name="order_number_unique_in_year",
                violation_error_message=_("An order with this number already exists this year."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=OrderKind.EXPULSION) | (~Q(reason="") & ~Q(ground="")),
                name="expulsion_order_has_reason",
                violation_error_message=_(
                    "An expulsion order must state its ground and reason, §22."
                ),
            ),
        ]

    def __str__(self) -> str:
        return _("No. %(number)s of %(date)s") % {
            "number": self.number,
            "date": self.date.strftime("%d.%m.%Y") if self.date else "",
        }

    def clean(self) -> None:
        if self.date and self.number:
            # The year is derived, so a model form cannot check (year, number) by itself.
            self.year = self.date.year
            if (
                Order.objects.filter(year=self.year, number=self.number)
                .exclude(pk=self.pk)
                .exists()
            ):
                raise rules.RuleViolation(
                    _("An order with this number already exists this year."), field="number"
                )
        if self.kind == OrderKind.EXPULSION and not (self.reason.strip() and self.ground):
            raise rules.RuleViolation(
                _("An expulsion order must state its ground and reason, §22."), field="reason"
            )

    def save(self, *args, **kwargs) -> None:
        self.year = self.date.year
        super().save(*args, **kwargs)

    @classmethod
    def next_number(cls, year: int) -> str:
        """A suggestion for the next order number of the year (numbers stay editable)."""
        numbers = cls.objects.filter(year=year).values_list("number", flat=True)
        highest = max((int(n) for n in numbers if n.isdigit()), default=0)
        return str(highest + 1)


class EnrollmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "EnrollmentQuerySet":
        """The enrollments of the people `user` may see (ListenerQuerySet.visible_to)."""
        return in_district_of(self, user, f"listener__{LISTENER_DISTRICT}")

    def holding_seats(self) -> "EnrollmentQuerySet":
        return self.filter(state__in=rules.SEAT_HOLDING_STATES)

    def with_attendance(self) -> "EnrollmentQuerySet":
        """Annotate hours present, hours marked and the share present (0–100, None before
        any mark), counted by the sessions' hours, in the same query."""
        present = Sum("attendance__session__hours", filter=Q(attendance__mark="present"))
        marked = Sum("attendance__session__hours")
        return self.annotate(
            hours_present=Coalesce(present, 0),
            hours_marked=Coalesce(marked, 0),
        ).annotate(
            attendance_percent=Case(
                When(hours_marked=0, then=Value(None)),
                default=F("hours_present") * 100 / F("hours_marked"),
                output_field=models.IntegerField(),
            )
        )


S = EnrollmentState


class Enrollment(models.Model):
    """One listener in one intake. Its state changes only through
    listeners.enrollment.services.enrollment_change_state, which checks the transition and
    writes the history."""

    listener = models.ForeignKey(
        Listener, verbose_name=_("listener"), on_delete=models.PROTECT, related_name="enrollments"
    )
    intake = models.ForeignKey(
        Intake, verbose_name=_("intake"), on_delete=models.PROTECT, related_name="enrollments"
    )
    basis = models.CharField(
        _("funding basis"),
        max_length=24,
        choices=FundingBasis.choices,
        default=FundingBasis.STATE_ORDER,
    )
    state_order_reference = models.CharField(_("state order"), max_length=200, blank=True)
    customer = models.ForeignKey(
        Organisation,
        verbose_name=_("customer organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contract_number = models.CharField(_("contract number"), max_length=50, blank=True)
    price = models.DecimalField(
        _("price, tenge"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    with_work_interruption = models.BooleanField(
        _("with interruption from work"),
        default=True,
        help_text=_("Keeps their salary while studying (§20)."),
    )
    from_other_town = models.BooleanField(
        _("from another town"),
        default=False,
        help_text=_("Owed travel and per-diem payments (§20)."),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=EnrollmentState.choices, default=S.APPLIED
    )
    grade = models.PositiveSmallIntegerField(
        _("grade"), null=True, blank=True, choices=Grade.choices
    )
    # Words of the commission beside the decision and the grade ("did not come"): shown as
    # typed, never as a label of the decision (the state says passed or failed).
    final_result = models.CharField(_("commission's remark"), max_length=100, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    admission_order = models.ForeignKey(
        Order,
        verbose_name=_("admission order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    expulsion_order = models.ForeignKey(
        Order,
        verbose_name=_("expulsion order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    expulsion_reason = models.TextField(_("reason for expulsion"), blank=True)
    applied_at = models.DateTimeField(_("applied"), default=timezone.now)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-applied_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["listener", "intake"],
                name="one_enrollment_per_intake",
                violation_error_message=_("This listener is already enrolled in this intake."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[S.ADMITTED, S.COMPLETED, S.FAILED, S.EXPELLED])
                | Q(admission_order__isnull=False),
                name="admitted_by_order",
                violation_error_message=_("Admission is by an order of the head, §15."),
            ),
            models.CheckConstraint(
                condition=~Q(state=S.EXPELLED)
                | (Q(expulsion_order__isnull=False) & ~Q(expulsion_reason="")),
                name="expelled_by_order_with_reason",
                violation_error_message=_(
                    "Expulsion is by an order of the head with a reason, §22."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(state=S.COMPLETED) | Q(completed_on__isnull=False),
                name="completed_has_date",
                violation_error_message=_("A completed enrollment needs its completion date."),
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True)
                | (Q(state=S.COMPLETED) & Q(grade__gte=3) & Q(grade__lte=5))
                | (Q(state=S.FAILED) & Q(grade=2)),
                name="grade_agrees_with_the_result",
                violation_error_message=_("A grade of 3 to 5 passes and 2 fails, §21."),
            ),
            models.CheckConstraint(
                condition=~Q(basis=FundingBasis.CONTRACT_ORGANISATION) | Q(customer__isnull=False),
                name="organisation_contract_has_customer",
                violation_error_message=_(
                    "A contract with an organisation names the organisation, §14."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["intake", "state"]),
            models.Index(fields=["listener", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.listener} · {self.intake}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remember the stored state: save() refuses a change that bypassed the service.
        instance._stored_state = instance.__dict__.get("state")
        return instance

    def save(self, *args, **kwargs) -> None:
        stored = getattr(self, "_stored_state", None)
        if stored is not None and stored != self.state and not self._change_recorded:
            raise rules.RuleViolation(
                _(
                    "An enrollment's state changes only through its order, the commission or "
                    "the listener's request, so that who and when is recorded."
                ),
                field="state",
                code="state_bypass",
            )
        super().save(*args, **kwargs)
        self._stored_state, self._change_recorded = self.state, False
        if self.state == S.COMPLETED:
            Listener.objects.filter(pk=self.listener_id).refresh_last_upgrade()

    _change_recorded = False

    def clean(self) -> None:
        if self.basis == FundingBasis.CONTRACT_ORGANISATION and not self.customer_id:
            raise rules.RuleViolation(
                _("A contract with an organisation names the organisation, §14."), field="customer"
            )


class EnrollmentTransition(models.Model):
    """The state history of an enrollment (§14–§22): who, when, from, to, why. Never deleted."""

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment"),
        on_delete=models.PROTECT,
        related_name="transitions",
    )
    from_state = models.CharField(
        _("from"), max_length=16, choices=EnrollmentState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=16, choices=EnrollmentState.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transitions",
    )

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_state_display() or '—'} → {self.get_to_state_display()}"


# --- scans of documents from elsewhere (§10.1) ------------------------------------------------

SCAN_MAX_BYTES = 5 * 1024 * 1024
# What a scan may be, told by its first bytes: the file name and the browser's content type
# are whatever the sender says they are.
SCAN_SIGNATURES = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)


def scan_type(head: bytes) -> tuple[str, str] | None:
    """(extension, content type) of a scan from its first bytes, or None if it is none of
    PDF, JPEG, PNG."""
    for signature, extension, content_type in SCAN_SIGNATURES:
        if head.startswith(signature):
            return extension, content_type
    return None


def _head(file) -> bytes:
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    return head


def validate_scan(file) -> None:
    """A scan is a PDF, JPEG or PNG by its content, and at most 5 MB."""
    if file.size > SCAN_MAX_BYTES:
        raise ValidationError(_("The scan is larger than 5 MB."), code="scan_size")
    if scan_type(_head(file)) is None:
        raise ValidationError(_("The scan must be a PDF, JPEG or PNG file."), code="scan_type")


def scan_upload_to(instance: "ExternalUpgrade", filename: str) -> str:
    """A random name, never the uploaded one, with the extension its content shows."""
    kind = scan_type(_head(instance.scan.file))
    return f"scans/{secrets.token_hex(16)}.{kind[0] if kind else 'bin'}"


@deconstructible
class ScanStorage(FileSystemStorage):
    """Scans carry personal data: the only link to one goes through a view that checks who
    asks (institute staff here; the owner has their own link under /me/)."""

    def url(self, name: str | None) -> str:
        return reverse("listeners:external_upgrade_scan", kwargs={"name": name})


class ExternalUpgradeQuerySet(models.QuerySet):
    def counting(self) -> "ExternalUpgradeQuerySet":
        """Upgrades from elsewhere that count for the five-year rule (§10.1)."""
        return self.filter(
            confirmed_at__isnull=False,
            kind=ProgrammeKind.UPGRADE,
            with_work_interruption=True,
        )


class ExternalUpgrade(NamesCleaned):
    """An upgrade completed at another institution, recorded from its document (§10.1)."""

    NAME_FIELDS = ("issuer", "programme_title")

    listener = models.ForeignKey(
        Listener,
        verbose_name=_("listener"),
        on_delete=models.PROTECT,
        related_name="external_upgrades",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=ProgrammeKind.choices, default=ProgrammeKind.UPGRADE
    )
    issuer = models.CharField(_("issued by"), max_length=300)
    document_number = models.CharField(_("document number"), max_length=50)
    completed_on = models.DateField(_("date of the document"))
    hours = models.PositiveIntegerField(_("academic hours"))
    programme_title = models.CharField(_("programme"), max_length=300, blank=True)
    with_work_interruption = models.BooleanField(_("with interruption from work"), default=True)
    scan = models.FileField(
        _("scan of the document"),
        upload_to=scan_upload_to,
        storage=ScanStorage(),
        blank=True,
        validators=[validate_scan],
        help_text=_("PDF, JPEG or PNG, up to 5 MB."),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ExternalUpgradeQuerySet.as_manager()

    class Meta:
        verbose_name = _("upgrade completed elsewhere")
        verbose_name_plural = _("upgrades completed elsewhere")
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["listener", "issuer", "document_number"],
                name="external_upgrade_unique",
                violation_error_message=_("This document is already recorded for the listener."),
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0),
                name="external_upgrade_hours",
                violation_error_message=_("Give the hours of the course."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} № {self.document_number}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        Listener.objects.filter(pk=self.listener_id).refresh_last_upgrade()

    def delete(self, *args, **kwargs):
        listener_id = self.listener_id
        deleted = super().delete(*args, **kwargs)
        Listener.objects.filter(pk=listener_id).refresh_last_upgrade()
        return deleted


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking")
    INVALID = "invalid", _("Has errors")
    CHECKED = "checked", _("Ready to import")
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", pgettext_lazy("background job", "Failed")


class ImportJob(BackgroundJob):
    """A list of applicants uploaded for one intake: checked in the background row by row,
    imported all or nothing once a methodologist confirms it (§14–§15)."""

    intake = models.ForeignKey(
        Intake, verbose_name=_("intake"), on_delete=models.CASCADE, related_name="imports"
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/")
    filename = models.CharField(_("file name"), max_length=200)
    basis = models.CharField(
        _("funding basis"),
        max_length=24,
        choices=FundingBasis.choices,
        default=FundingBasis.STATE_ORDER,
    )
    state_order_reference = models.CharField(_("state order"), max_length=200, blank=True)
    with_work_interruption = models.BooleanField(_("with interruption from work"), default=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    rows = models.JSONField(_("rows"), default=list, blank=True)
    imported = models.PositiveIntegerField(_("imported"), default=0)

    UNFINISHED = (ImportStatus.CHECKING, ImportStatus.IMPORTING)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("list import")
        verbose_name_plural = _("list imports")

    def __str__(self) -> str:
        return f"{self.filename} → {self.intake}"

    @property
    def bad_rows(self) -> list[dict]:
        return [row for row in self.rows if row.get("errors")]


class Mark(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class Attendance(models.Model):
    """One listener at one session of their intake: the attendance journal's cell."""

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    session = models.ForeignKey(
        "courses.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    mark = models.CharField(_("mark"), max_length=8, choices=Mark.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    marked_at = models.DateTimeField(_("marked"), auto_now=True)

    class Meta:
        verbose_name = _("attendance mark")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "session"], name="one_mark_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} · {self.session}: {self.get_mark_display()}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", pgettext_lazy("background job", "Failed")


class ExportKind(models.TextChoices):
    ACCOUNTING = "accounting", _("Lists for accounting (§20)")
    COMPLIANCE = "compliance", _("Five-year rule (§10.1)")


class ExportJob(BackgroundJob):
    """A big .xlsx prepared by the worker (a year of accounting lists runs to thousands of
    rows): the page shows how far it has got, and the file is served only to whoever asked
    for it."""

    kind = models.CharField(_("export"), max_length=24, choices=ExportKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    file = models.FileField(_("file"), upload_to="exports/%Y/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)

    UNFINISHED = (ExportStatus.QUEUED, ExportStatus.RUNNING)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        return 100 if self.status == ExportStatus.DONE else super().percent


class Feedback(models.Model):
    """A listener's say on a course they completed (§19: taking part in shaping the
    programme): a mark from 1 to 5 and a comment, once per enrollment."""

    enrollment = models.OneToOneField(
        Enrollment,
        verbose_name=_("enrollment"),
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("given"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_1_to_5",
                violation_error_message=_("The rating is from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} · {self.rating}"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")


class Appeal(models.Model):
    """A listener appeals an order of the head that concerns them (§19.4); administrators
    answer it and the listener reads the answer on their page."""

    listener = models.ForeignKey(
        Listener, verbose_name=_("listener"), on_delete=models.PROTECT, related_name="appeals"
    )
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="appeals"
    )
    text = models.TextField(_("appeal"))
    created_at = models.DateTimeField(_("lodged"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=AppealStatus.OPEN)
                | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="answered_appeal_has_answer",
                violation_error_message=_("An answered appeal needs the answer and its date."),
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.listener} · {self.order}"


class ReminderKind(models.TextChoices):
    LISTENER = "listener", _("To a listener")
    ORGANISATION = "organisation", _("To an organisation")


class ReminderStatus(models.TextChoices):
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")


class Reminder(models.Model):
    """A five-year reminder (§10.1), claimed before its e-mail goes and marked sent after, so
    that it is sent once (listeners.upgrades.reminders): to a listener once per counting date (a new
    upgrade gives a new due date, and a new reminder), to an organisation once a month."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    listener = models.ForeignKey(
        Listener,
        verbose_name=_("listener"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    basis_on = models.DateField(_("counted from"), null=True, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    month = models.DateField(_("month"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.SENDING
    )
    created_at = models.DateTimeField(_("claimed"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["listener", "basis_on"],
                condition=Q(kind="listener"),
                name="one_reminder_per_listener_and_due_date",
            ),
            models.UniqueConstraint(
                fields=["organisation", "month"],
                condition=Q(kind="organisation"),
                name="one_reminder_per_organisation_and_month",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="listener", listener__isnull=False, basis_on__isnull=False)
                    | Q(kind="organisation", organisation__isnull=False, month__isnull=False)
                ),
                name="reminder_names_its_addressee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
