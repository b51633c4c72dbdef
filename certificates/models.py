"""Issued documents (§12): numbered without gaps, frozen as issued, never deleted."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from certificates import rules
from certificates.blanks import layouts as blank_layouts
from courses.models import Intake
from courses.rules import DocumentKind
from institute.models import BackgroundJob
from listeners.models import Enrollment
from listeners.rules import EnrollmentState


class DocumentSeries(models.Model):
    """The last serial used for one document kind in one year: the gapless series.
    A number is taken by locking this row inside the transaction that issues the document."""

    kind = models.CharField(_("document kind"), max_length=16, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last_serial = models.PositiveIntegerField(_("last serial"), default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="one_series_per_kind_and_year"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}: {self.last_serial}"


class DocumentStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Document(models.Model):
    """A certificate, kuälik or diploma as issued: it keeps its own copy of what it certifies
    (`snapshot`), so later edits to the listener or the programme change nothing here. A
    mistake is corrected by revoking and issuing anew; a lost one by a duplicate."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("enrollment"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("document kind"), max_length=16, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial"))
    number = models.CharField(_("registration number"), max_length=30, unique=True)
    # The number as the public look-up compares it (rules.number_key), kept beside it so a
    # number typed on a Latin layout or without dashes is found through an index.
    number_key = models.CharField(
        _("registration number, folded for look-up"), max_length=30, db_index=True, editable=False
    )
    token = models.CharField(
        _("verification token"), max_length=64, unique=True, default=new_token, editable=False
    )
    snapshot = models.JSONField(_("what it certifies"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.VALID
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to="documents/%Y/", blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    # The institute's electronic signature on the stored PDF (institute.signing): when, by
    # whom as the certificate names the signer, and which certificate (its SHA-256), so a
    # replaced key is still known. Empty for a document issued without a configured key.
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signer_name = models.CharField(_("signed by"), max_length=300, blank=True)
    signer_fingerprint = models.CharField(
        _("signing certificate (SHA-256)"), max_length=64, blank=True
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "serial"], name="document_serial_unique"
            ),
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(status=DocumentStatus.VALID),
                name="one_valid_document_per_enrollment",
                violation_error_message=_("This enrollment already has a valid document."),
            ),
            models.CheckConstraint(
                condition=Q(status=DocumentStatus.VALID)
                | (Q(revoked_at__isnull=False) & ~Q(revocation_reason="")),
                name="revoked_document_has_reason",
                violation_error_message=_("A revoked document needs the date and the reason."),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        self.number_key = rules.number_key(self.number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "number_key"}
        super().save(*args, **kwargs)


def intakes_with_documents_due() -> QuerySet[Intake]:
    """The administrators' queue: intakes where someone completed the course and holds no
    valid document yet, each with `documents_missing`, the longest waiting first. Two
    subqueries over the enrollments of the intakes listed, whatever their number."""
    missing = Enrollment.objects.filter(
        intake=OuterRef("pk"), state=EnrollmentState.COMPLETED
    ).exclude(documents__status=DocumentStatus.VALID)
    count = missing.order_by().values("intake").annotate(n=Count("pk")).values("n")
    return (
        Intake.objects.filter(Exists(missing))
        .select_related("programme")
        .annotate(documents_missing=Coalesce(Subquery(count, output_field=IntegerField()), 0))
        .order_by("end_date", "pk")
    )


def documents_due_summary(rows: int) -> dict:
    """The queue as pages show it: its first `rows` intakes and how many there are."""
    due = intakes_with_documents_due()
    return {"documents_due": due[:rows], "documents_due_count": due.count()}


class IssueJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", pgettext_lazy("background job", "Failed")


class IssueJob(BackgroundJob):
    """Issuing the documents of a whole intake in the background: the page shows how far it
    got. Each document is issued in its own transaction, so a job that stops half way is
    simply started again and issues only what is still missing."""

    intake = models.ForeignKey(
        Intake, verbose_name=_("intake"), on_delete=models.CASCADE, related_name="issue_jobs"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=IssueJobStatus.choices, default=IssueJobStatus.QUEUED
    )
    issued = models.PositiveIntegerField(_("issued"), default=0)

    UNFINISHED = (IssueJobStatus.QUEUED, IssueJobStatus.RUNNING)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("issuing job")
        verbose_name_plural = _("issuing jobs")

    def __str__(self) -> str:
        return f"{self.intake} · {self.get_status_display()}"


# --- blank forms of the state-standard diploma (strict-reporting accounting) ----------------


class BlankBatch(models.Model):
    """A delivery of the ministry's pre-printed diploma forms: one series and a range of
    numbers, received on a date against a delivery note or act. Strict reporting: every
    number of the range is later accounted for as used, spoiled or still in the safe."""

    series = models.CharField(_("series"), max_length=10)
    first_number = models.PositiveIntegerField(_("first number"))
    last_number = models.PositiveIntegerField(_("last number"))
    received_on = models.DateField(_("received on"))
    delivery_note = models.CharField(_("delivery note or act"), max_length=100)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("batch of blank forms")
        verbose_name_plural = _("batches of blank forms")
        ordering = ["received_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_number__lte=models.F("last_number")),
                name="blank_batch_range_in_order",
                violation_error_message=_("The first number must not exceed the last one."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.first_number}–{self.last_number}"

    @property
    def size(self) -> int:
        return self.last_number - self.first_number + 1

    def clean(self) -> None:
        """A number is printed on one form only: the range must be in order and must not
        overlap another batch of the same series (a second delivery note for the same forms
        is a mistake of entry, not a delivery)."""
        if self.first_number is None or self.last_number is None:
            return
        if self.first_number > self.last_number:
            raise ValidationError(
                {"last_number": _("The first number must not exceed the last one.")}
            )
        overlapping = (
            BlankBatch.objects.filter(
                series=self.series,
                first_number__lte=self.last_number,
                last_number__gte=self.first_number,
            )
            .exclude(pk=self.pk)
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                _("These numbers overlap the batch %(batch)s already recorded.")
                % {"batch": overlapping}
            )


class BlankUseState(models.TextChoices):
    USED = "used", _("Used")
    SPOILED = "spoiled", _("Spoiled")


class BlankUse(models.Model):
    """One form taken out of the safe: printed with a diploma (used) or written off with
    the reason (spoiled). A number with no row is still in the safe, so the untouched forms
    of a batch need no rows. A form spoiled in printing keeps its diploma beside it."""

    batch = models.ForeignKey(
        BlankBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="uses"
    )
    series = models.CharField(_("series"), max_length=10)
    number = models.PositiveIntegerField(_("form number"))
    # By registration number: the form is taken while the diploma is being issued, before
    # its row exists; the constraint is checked when the issuing transaction commits.
    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        to_field="number",
        db_column="document_number",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="blank_uses",
    )
    state = models.CharField(_("state"), max_length=10, choices=BlankUseState.choices)
    reason = models.TextField(_("reason for writing off"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # When the form left the safe (printed or written off): the period it is reported in.
    at = models.DateTimeField(_("taken"))
    spoiled_at = models.DateTimeField(_("written off"), null=True, blank=True)

    class Meta:
        verbose_name = _("blank form used or spoiled")
        verbose_name_plural = _("blank forms used or spoiled")
        ordering = ["series", "number"]
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="blank_form_taken_once"),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(state="used"),
                name="one_blank_form_per_document",
            ),
            models.CheckConstraint(
                condition=Q(state="used") | ~Q(reason=""),
                name="spoiled_blank_form_has_reason",
                violation_error_message=_("A spoiled form needs the reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.number}"


class BlankLayout(models.Model):
    """Where the variable text goes on the ministry's form: the page size and, per field,
    the offset from the top left corner in millimetres and the font size. Forms of a new
    design get a new layout; the active one prints."""

    name = models.CharField(_("name"), max_length=100)
    page_width_mm = models.DecimalField(
        _("page width, mm"), max_digits=5, decimal_places=1, default=210
    )
    page_height_mm = models.DecimalField(
        _("page height, mm"), max_digits=5, decimal_places=1, default=297
    )
    positions = models.JSONField(
        _("positions of the fields"),
        default=blank_layouts.default_positions,
        help_text=_('Per field: {"x": mm from the left, "y": mm from the top, "size": points}.'),
    )
    active = models.BooleanField(_("used for printing"), default=False)

    class Meta:
        verbose_name = _("blank form layout")
        verbose_name_plural = _("blank form layouts")
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="one_active_blank_layout"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if errors := blank_layouts.positions_errors(self.positions):
            raise ValidationError({"positions": errors})
