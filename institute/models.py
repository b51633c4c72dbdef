"""The institute (§4–§9, §23), where it works, and who works in it."""

import datetime
from collections.abc import Collection
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from institute import rules
from institute.text import clean_name


def localized(obj: models.Model, base: str) -> str:
    """The value of `<base>_<language>` for the active language, Kazakh when it is empty."""
    language = (get_language() or "kk")[:2]
    for code in (language, "kk", "ru"):
        value = getattr(obj, f"{base}_{code}", "")
        if value:
            return value
    return ""


class NamesCleaned(models.Model):
    """A model whose NAME_FIELDS hold names people type or paste (of a person, a place, an
    organisation, a programme): each is stored NFC-normalised, without zero-width or
    bidirectional-control characters, with single spaces (institute.text.clean_name), so a
    look-up by the visible letters finds it and no override can show it reversed (issue 18).

    Cleaned on every save, whoever saves (a form, the back-office, a service), and before a
    form's validation (clean_fields), so the uniqueness checks compare the stored spelling.
    The rows stored before are cleaned by the data migrations of issue 18."""

    NAME_FIELDS: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def clean_names(self) -> None:
        for name in self.NAME_FIELDS:
            setattr(self, name, clean_name(getattr(self, name)))

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        self.clean_names()
        super().clean_fields(exclude=exclude)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.clean_names()
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    METHODOLOGIST = "methodologist", _("Methodologist")
    DISTRICT_METHODOLOGIST = "district_methodologist", _("District methodologist (read-only)")
    LISTENER = "listener", _("Listener")


class User(AbstractUser, NamesCleaned):
    """A person who signs in. The role decides what they see; a district methodologist (§6)
    reads the reports of one district and changes nothing."""

    NAME_FIELDS = ("first_name", "last_name")

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.LISTENER)
    district = models.ForeignKey(
        "institute.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only for a district methodologist: the district they monitor."),
    )
    # The language of the person's letters: the one they last used the site in (kept at
    # sign-in and when they switch); empty until then, and letters go in Kazakh and Russian.
    language = models.CharField(
        _("language of letters"), max_length=8, blank=True, choices=settings.LANGUAGES
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.DISTRICT_METHODOLOGIST)
                | models.Q(district__isnull=False),
                name="district_methodologist_has_district",
                violation_error_message=_("A district methodologist needs their district."),
            ),
        ]
        # Listeners sign in and reset passwords by e-mail in any case (email__iexact, which
        # PostgreSQL compares as UPPER(email)): without it each sign-in reads every account.
        indexes = [models.Index(Upper("email"), name="user_email_upper")]

    def __str__(self) -> str:
        return self.get_username()

    @property
    def is_staff_member(self) -> bool:
        return self.role in {Role.ADMINISTRATOR, Role.METHODOLOGIST}

    @property
    def sees_one_district(self) -> bool:
        """A district methodologist sees the people of their own district only (§6)."""
        return self.role == Role.DISTRICT_METHODOLOGIST


def in_district_of(
    queryset: models.QuerySet, user: "User | None", lookup: str | tuple[str, ...]
) -> models.QuerySet:
    """The rows of `queryset` that `user` may see (§6): all of them for the
    institute's own staff (and for the worker, user None); for a district methodologist only
    those whose `lookup` (a path to a District, or several joined by OR) is their district.
    A row with no district on that path (a listener with no organisation) is nobody's district's.
    Every page, export and back-office list narrows its people through this one function."""
    if user is None or not getattr(user, "sees_one_district", False):
        return queryset
    if user.district_id is None:  # the database forbids it; never read it as "no district"
        return queryset.none()
    lookups = (lookup,) if isinstance(lookup, str) else lookup
    condition = models.Q()
    for path in lookups:
        condition |= models.Q(**{f"{path}_id": user.district_id})
    return queryset.filter(condition)


def validate_bin(value: str) -> None:
    """The BIN rule as a field validator: field validators raise a plain list of errors."""
    try:
        rules.validate_bin(value)
    except rules.RuleViolation as error:
        raise ValidationError(error.messages, code="bin") from None


class InstituteKind(models.TextChoices):
    """§6: the kinds of institutions that upgrade and retrain education workers."""

    REPUBLICAN = "republican", _("Republican institute")
    REGIONAL = "regional", _("Regional institute")
    UNIVERSITY_FACULTY = "university_faculty", _("University faculty")


class Institute(NamesCleaned):
    """The legal entity (§8) whose head signs orders and documents (§28)."""

    NAME_FIELDS = (
        "name_kk",
        "name_ru",
        "name_en",
        "short_name_kk",
        "short_name_ru",
        "head_name",
        "city_kk",
        "city_ru",
    )

    kind = models.CharField(
        _("kind"), max_length=32, choices=InstituteKind.choices, default=InstituteKind.REGIONAL
    )
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300)
    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    short_name_kk = models.CharField(_("short name (Kazakh)"), max_length=100, blank=True)
    short_name_ru = models.CharField(_("short name (Russian)"), max_length=100, blank=True)
    bin = models.CharField(_("BIN"), max_length=12, unique=True, validators=[validate_bin])
    licence_number = models.CharField(_("licence number"), max_length=50, blank=True)
    licence_date = models.DateField(_("licence date"), null=True, blank=True)
    head_name = models.CharField(_("head's full name"), max_length=200)
    head_title_kk = models.CharField(_("head's title (Kazakh)"), max_length=200)
    head_title_ru = models.CharField(_("head's title (Russian)"), max_length=200)
    city_kk = models.CharField(_("city (Kazakh)"), max_length=100)
    city_ru = models.CharField(_("city (Russian)"), max_length=100)
    region = models.ForeignKey(
        "institute.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("institute")
        verbose_name_plural = _("institute")

    def __str__(self) -> str:
        return localized(self, "name")

    @classmethod
    def current(cls) -> "Institute | None":
        """The institute this installation serves (one per installation)."""
        return cls.objects.order_by("pk").first()

    @property
    def name(self) -> str:
        return localized(self, "name")


class RegionKind(models.TextChoices):
    REGION = "region", _("Region")
    CITY = "city", _("City of republican significance")


class Region(NamesCleaned):
    """One of the 17 regions and 3 cities of republican significance (ISO 3166-2:KZ)."""

    NAME_FIELDS = ("name_kk", "name_ru", "name_en")

    code = models.CharField(_("ISO code"), max_length=5, unique=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=RegionKind.choices, default=RegionKind.REGION
    )
    name_kk = models.CharField(_("name (Kazakh)"), max_length=100)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return localized(self, "name")


class DistrictKind(models.TextChoices):
    DISTRICT = "district", _("District")
    CITY = "city", _("City")
    CITY_DISTRICT = "city_district", _("City district")


class District(NamesCleaned):
    """A district or town of a region: the area a methodological office monitors (§6)."""

    NAME_FIELDS = ("name_kk", "name_ru", "name_en")

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="districts"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=DistrictKind.choices, default=DistrictKind.DISTRICT
    )
    name_kk = models.CharField(_("name (Kazakh)"), max_length=100)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["region__code", "name_ru"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name_ru"], name="district_unique_in_region"),
        ]

    def __str__(self) -> str:
        return localized(self, "name")


class Branch(NamesCleaned):
    """A branch of the institute in another town (§6)."""

    NAME_FIELDS = ("name_kk", "name_ru")

    institute = models.ForeignKey(
        Institute, verbose_name=_("institute"), on_delete=models.PROTECT, related_name="branches"
    )
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300)
    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["name_ru"]

    def __str__(self) -> str:
        return localized(self, "name")


class OrganisationKind(models.TextChoices):
    SCHOOL = "school", _("School")
    GYMNASIUM = "gymnasium", _("Gymnasium")
    LYCEUM = "lyceum", _("Lyceum")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    COLLEGE = "college", _("College")
    UNIVERSITY = "university", _("University")
    EXTRACURRICULAR = "extracurricular", _("Extracurricular education centre")
    SPECIAL = "special", _("Special (correctional) school")
    EDUCATION_OFFICE = "education_office", _("Education department")
    OTHER = "other", _("Other")


class Organisation(NamesCleaned):
    """An education organisation where listeners work."""

    NAME_FIELDS = ("name_kk", "name_ru")

    name_kk = models.CharField(_("name (Kazakh)"), max_length=300)
    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    bin = models.CharField(_("BIN"), max_length=12, unique=True, validators=[validate_bin])
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="organisations"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_ru"]

    def __str__(self) -> str:
        return localized(self, "name")

    @property
    def name(self) -> str:
        return localized(self, "name")


class Field(NamesCleaned):
    """A field of study with its university norm of students per teacher (§23)."""

    NAME_FIELDS = ("name_kk", "name_ru", "name_en")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    university_norm = models.DecimalField(
        _("university norm, students per teacher"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("§23: the institute keeps 25% below this norm."),
    )

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["code"]

    def __str__(self) -> str:
        return localized(self, "name")

    @property
    def staffing_limit(self) -> Decimal:
        return rules.staffing_limit(self.university_norm)


class Teacher(NamesCleaned):
    """A member of the teaching staff (§23–§27)."""

    NAME_FIELDS = ("last_name", "first_name", "patronymic")

    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    field = models.ForeignKey(
        Field, verbose_name=_("field"), on_delete=models.PROTECT, related_name="teachers"
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    academic_degree = models.CharField(_("academic degree"), max_length=100, blank=True)
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), null=True, blank=True, on_delete=models.PROTECT
    )
    user = models.OneToOneField(
        User, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)


class AuditEntry(models.Model):
    """Who did what to which record, and when: the audit trail of the register.

    Written by services through institute.services.log_action; never changed or deleted.
    """

    action = models.CharField(_("action"), max_length=64, db_index=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("record type"), on_delete=models.PROTECT
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    by = models.ForeignKey(
        User,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} #{self.object_id}"


def job_stale_before() -> datetime.datetime:
    """A job still unfinished whose last sign of life is older than this was abandoned
    (settings.BACKGROUND_JOB_STALE_AFTER: longer than any stage of any job takes between two
    signs of life)."""
    return timezone.now() - settings.BACKGROUND_JOB_STALE_AFTER


class BackgroundJob(models.Model):
    """What every piece of long work done by the worker keeps, so its page can show how far
    it has got (an import, an export, issuing an intake's documents): who started it and
    when, how many items there are and how many are done, why it stopped if it failed.

    The worker touches `heartbeat_at` when it takes up a stage of the job and at every
    progress step, so a job whose worker was killed is told from one that is merely long:
    it is unfinished and silent for longer than `job_stale_before` allows (`stalled`)."""

    total = models.PositiveIntegerField(_("items"), default=0)
    processed = models.PositiveIntegerField(_("done"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), default=timezone.now)

    # The statuses in which the worker still owes the job some work (queued or running).
    UNFINISHED: tuple[str, ...] = ()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    @property
    def stalled(self) -> bool:
        """Unfinished, and no sign of life from the worker for longer than a stage takes."""
        return self.status in self.UNFINISHED and self.heartbeat_at < job_stale_before()

    @property
    def busy(self) -> bool:
        """The worker is on it (or about to be): its page polls. A stalled job is not busy:
        its page says it stopped and offers to start it again."""
        return self.status in self.UNFINISHED and not self.stalled

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else 0
