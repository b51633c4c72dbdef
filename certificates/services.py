"""Workflows on one issued document (§12): issue, duplicate, revoke and reissue, print.
Issuing a whole intake's documents in the background is certificates.issuing.services.

A document is never edited. Each one is issued in a transaction that locks the enrollment
(so two clerks cannot both issue it) and the number series (so numbers have no gaps), keeps
its own frozen copy of what it certifies, stores its PDF with the SHA-256, and leaves an
entry in the audit trail.
"""

import datetime
import functools
import logging
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import documents
from certificates.blanks.services import blank_take
from certificates.models import Document, DocumentSeries, DocumentStatus
from certificates.rules import TRAINING_WORDING, document_title, registration_number
from institute.models import AuditEntry, Institute, User
from institute.rules import RuleViolation
from institute.services import log_action
from institute.signing.pades import SignedPdf, pdf_signed
from institute.signing.parallel import RenderPool
from listeners.models import Enrollment
from listeners.rules import EnrollmentState, sex_of

# Every document issued, duplicated or revoked, by number and user id only: never a name or
# an IIN (the log leaves the database's protection). Told once the transaction commits.
logger = logging.getLogger("certificates")


def _log_on_commit(message: str, *args) -> None:
    transaction.on_commit(lambda: logger.info(message, *args))


def _user_id(by: User | None) -> int | None:
    return by.pk if by is not None and by.is_authenticated else None


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


def issuing_institute() -> Institute:
    """The institute that issues the documents; refused until its details are filled in."""
    institute = Institute.current()
    if institute is None:
        raise RuleViolation(
            _("Fill in the institute's details (name, head, city) before issuing documents."),
            code="no_institute",
        )
    return institute


def _locked_enrollment(enrollment: Enrollment) -> Enrollment:
    """The enrollment re-read under a row lock held until the transaction ends: a second
    issuer of the same enrollment waits here, then sees the first one's document."""
    return (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("listener", "intake__programme")
        .get(pk=enrollment.pk)
    )


# The refusals of _check_issuable that mean "nothing to issue here" to a run over an intake.
NOTHING_TO_ISSUE = ("already_issued", "not_completed")


def _check_issuable(enrollment: Enrollment) -> None:
    if enrollment.state != EnrollmentState.COMPLETED:
        raise RuleViolation(
            _("Only a completed enrollment earns a document."), code="not_completed"
        )
    valid = enrollment.documents.filter(status=DocumentStatus.VALID).first()
    if valid is not None:
        raise RuleViolation(
            _("This enrollment already has a valid document (No. %(number)s).")
            % {"number": valid.number},
            code="already_issued",
        )


def document_snapshot(
    enrollment: Enrollment, *, institute: Institute, on: datetime.date
) -> dict[str, object]:
    """What the document certifies, as it stands on the day of issue: the document
    keeps this copy, so later edits to the listener, the programme or the institute change
    nothing on it. Dates are ISO strings."""
    listener, intake = enrollment.listener, enrollment.intake
    programme = intake.programme
    kind = programme.document_kind
    title = document_title(kind, programme.kind)
    return {
        "full_name": listener.full_name,
        "last_name": listener.last_name,
        "first_name": listener.first_name,
        "patronymic": listener.patronymic,
        "iin": listener.iin or "",
        # The grammatical gender of the Russian text («прошёл» / «прошла»); "" when unknown.
        "sex": listener.sex or sex_of(iin=listener.iin or "", patronymic=listener.patronymic),
        "programme_code": programme.code,
        "programme_title_kk": programme.title_kk,
        "programme_title_ru": programme.title_ru,
        "programme_kind": programme.kind,
        "training_kk": TRAINING_WORDING[programme.kind]["kk"],
        "training_ru": TRAINING_WORDING[programme.kind]["ru"],
        "kind": kind,
        "title_kk": title["kk"],
        "title_ru": title["ru"],
        "hours": programme.hours,
        "intake_code": intake.code,
        "start_date": intake.start_date.isoformat(),
        "end_date": intake.end_date.isoformat(),
        "completed_on": enrollment.completed_on.isoformat() if enrollment.completed_on else None,
        "institute_name_kk": institute.name_kk,
        "institute_name_ru": institute.name_ru,
        "city_kk": institute.city_kk,
        "city_ru": institute.city_ru,
        "head_name": institute.head_name,
        "head_title_kk": institute.head_title_kk,
        "head_title_ru": institute.head_title_ru,
        "issued_on": on.isoformat(),
    }


def _issued_at(on: datetime.date) -> datetime.datetime:
    """The moment of issue: now, or now's time of day on `on` when the issue is dated
    another day, so the register sorts and dates it as the document says."""
    now = timezone.localtime()
    if on == now.date():
        return now
    return timezone.make_aware(datetime.datetime.combine(on, now.time()))


P = ParamSpec("P")
R = TypeVar("R")
# The PDFs written by the issuing transactions under way in this thread (innermost last).
_pdfs_written: ContextVar[tuple[list[FieldFile], ...]] = ContextVar("pdfs_written", default=())


def _issuing(service: Callable[P, R]) -> Callable[P, R]:
    """`transaction.atomic`, and the PDFs written inside are deleted again if it rolls back.

    A PDF is written before the row that names it is saved, so a rolled back issue would
    leave its file behind, named by no document (and the next document, given the returned
    number, would be stored under another name). Nested uses hand their files to the
    enclosing one when they succeed. Not covered: a rollback of a caller's own transaction
    around the service, a failing COMMIT, and a process killed mid-transaction (its file
    stays, named by no document)."""

    @functools.wraps(service)
    def issuing(*args: P.args, **kwargs: P.kwargs) -> R:
        written: list[FieldFile] = []
        token = _pdfs_written.set((*_pdfs_written.get(), written))
        try:
            with transaction.atomic():
                try:
                    result = service(*args, **kwargs)
                except BaseException:  # the transaction rolls back as this leaves it
                    for pdf in written:
                        pdf.storage.delete(pdf.name)
                    raise
        finally:
            _pdfs_written.reset(token)
        if _pdfs_written.get():
            _pdfs_written.get()[-1].extend(written)
        return result

    return issuing


def _document_save(
    document: Document, *, by: User | None, signed: SignedPdf | None = None
) -> Document:
    """Render the document's PDF, sign it with the institute's key (institute.signing),
    store the signed file with its SHA-256, save the document and log it. Runs in the issuing
    transaction (`_issuing`), after the number is allocated: a document that cannot be
    signed now (SigningFailed) rolls the whole issue back, number included. The renderer is
    looked up on its module at each call, so a test can make it fail half way. `signed` is
    the PDF when it was already rendered and signed (documents_issue_together)."""
    if signed is None:
        signed = pdf_signed(lambda stamp: documents.render_document_pdf(document, stamp=stamp))
    document.pdf_sha256 = signed.sha256
    document.signed_at = signed.signed_at
    document.signer_name = signed.signer_name
    document.signer_fingerprint = signed.fingerprint
    document.pdf.save(
        f"{document.kind}-{document.year}-{document.serial:05d}.pdf",
        ContentFile(signed.data),
        save=False,
    )
    if _pdfs_written.get():
        _pdfs_written.get()[-1].append(document.pdf)
    document.save()
    log_action(obj=document, action="document.issued", by=by, number=document.number)
    _log_on_commit("document issued: %s by user %s", document.number, _user_id(by))
    return document


def _document_prepare(
    *,
    enrollment: Enrollment,
    kind: str,
    on: datetime.date,
    snapshot: dict,
    by: User | None,
    **fields: object,
) -> Document:
    """The new document, numbered and on its blank form, not yet rendered nor saved."""
    serial, number = document_number_allocate(kind=kind, year=on.year)
    document = Document(
        enrollment=enrollment,
        kind=kind,
        year=on.year,
        serial=serial,
        number=number,
        snapshot=snapshot,
        issued_by=by if by is not None and by.is_authenticated else None,
        issued_at=_issued_at(on),
        **fields,
    )
    blank_take(document=document, by=by)
    return document


def _document_prepared_from_current_data(
    enrollment: Enrollment, *, by: User | None, on: datetime.date, **fields: object
) -> Document:
    institute = issuing_institute()
    snapshot = document_snapshot(enrollment, institute=institute, on=on)
    return _document_prepare(
        enrollment=enrollment,
        kind=snapshot["kind"],
        on=on,
        snapshot=snapshot,
        by=by,
        **fields,
    )


def _issue_from_current_data(
    enrollment: Enrollment, *, by: User | None, on: datetime.date, **fields: object
) -> Document:
    document = _document_prepared_from_current_data(enrollment, by=by, on=on, **fields)
    return _document_save(document, by=by)


@_issuing
def document_issue(
    *, enrollment: Enrollment, by: User | None, on: datetime.date | None = None
) -> Document:
    """Issue the document a completed enrollment earns (§12): a certificate, a kuälik or a
    diploma by the programme's kind and hours, numbered in the kind's series of the issue
    date's year, dated `on` (today by default).

    Refused for an enrollment that is not completed, or that already has a valid document.
    """
    enrollment = _locked_enrollment(enrollment)
    _check_issuable(enrollment)
    return _issue_from_current_data(enrollment, by=by, on=on or timezone.localdate())


@_issuing
def documents_issue_together(
    *, enrollments: Iterable[Enrollment], by: User | None, pool: RenderPool
) -> list[Document]:
    """Issue the documents of several enrollments in one transaction, as document_issue
    does each, with their PDFs rendered and signed side by side in `pool`'s processes.
    Enrollments that are no longer completed or already have a valid document are skipped.
    All or nothing: when one document cannot be signed (SigningFailed), none is issued and
    every number goes back to its series."""
    on = timezone.localdate()
    prepared = []
    for enrollment in enrollments:
        enrollment = _locked_enrollment(enrollment)
        try:
            _check_issuable(enrollment)
        except RuleViolation as error:
            if error.code not in NOTHING_TO_ISSUE:
                raise
            continue
        prepared.append(_document_prepared_from_current_data(enrollment, by=by, on=on))
    renders = []
    for document in prepared:
        html, images = documents.documents_html([document])
        renders.append(functools.partial(documents.render_html_pdf, html, images))
    signed = pool.sign_all(renders)
    return [
        _document_save(document, by=by, signed=pdf)
        for document, pdf in zip(prepared, signed, strict=True)
    ]


@_issuing
def document_duplicate(*, document: Document, by: User | None) -> Document:
    """Issue a duplicate of a lost or damaged document.

    The duplicate is a new document with its own number in the same kind's series (of this
    year), refers to the original (`duplicate_of`) and carries the original's frozen
    snapshot unchanged, marked as a duplicate with the original's number: a duplicate
    restates what was certified then, it does not re-read today's data.

    The original is revoked, with the reason "Replaced by duplicate No. …": an enrollment
    has one valid document at a time (the `one_valid_document_per_enrollment` constraint),
    and whoever checks the lost original must learn that it was replaced. Only a valid
    document can be duplicated.
    """
    original = Document.objects.select_for_update().get(pk=document.pk)
    enrollment = _locked_enrollment(original.enrollment)
    if original.status != DocumentStatus.VALID:
        raise RuleViolation(
            _("Only a valid document can be replaced by a duplicate; No. %(number)s is revoked.")
            % {"number": original.number},
            code="not_valid",
        )
    today = timezone.localdate()
    serial, number = document_number_allocate(kind=original.kind, year=today.year)
    _revoke(
        original,
        by=by,
        reason=_("Replaced by duplicate No. %(number)s") % {"number": number},
    )
    snapshot = {
        **original.snapshot,
        "duplicate": True,
        "original_number": original.number,
        "duplicate_issued_on": today.isoformat(),
    }
    duplicate = Document(
        enrollment=enrollment,
        kind=original.kind,
        year=today.year,
        serial=serial,
        number=number,
        snapshot=snapshot,
        duplicate_of=original,
        issued_by=by if by is not None and by.is_authenticated else None,
        issued_at=timezone.now(),
    )
    blank_take(document=duplicate, by=by)
    _document_save(duplicate, by=by)
    log_action(
        obj=duplicate, action="document.duplicated", by=by, number=number, original=original.number
    )
    _log_on_commit(
        "document duplicated: %s of %s by user %s", number, original.number, _user_id(by)
    )
    return duplicate


def _revoke(document: Document, *, by: User | None, reason: str) -> None:
    document.status = DocumentStatus.REVOKED
    document.revoked_at = timezone.now()
    document.revoked_by = by if by is not None and by.is_authenticated else None
    document.revocation_reason = reason
    document.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
    log_action(
        obj=document, action="document.revoked", by=by, number=document.number, reason=reason
    )
    _log_on_commit("document revoked: %s by user %s", document.number, _user_id(by))


@_issuing
def document_revoke(
    *, document: Document, by: User | None, reason: str, reissue: bool = False
) -> Document | None:
    """Revoke a document issued by mistake, with the reason (never edited).

    With `reissue`, issue the corrected document at once: a new number, `replaces` the
    revoked one, and a snapshot read afresh from today's data, since correcting it is the
    point. Returns the new document, or None. A revoked document cannot be revoked again.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(
            _("Give the reason for revoking the document."), field="reason", code="no_reason"
        )
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status != DocumentStatus.VALID:
        raise RuleViolation(
            _("Document No. %(number)s is already revoked.") % {"number": document.number},
            code="already_revoked",
        )
    enrollment = _locked_enrollment(document.enrollment)
    _revoke(document, by=by, reason=reason)
    if not reissue:
        return None
    _check_issuable(enrollment)
    return _issue_from_current_data(enrollment, by=by, on=timezone.localdate(), replaces=document)


def document_printed(*, documents: Iterable[Document], by: User | None) -> None:
    """Record in the audit trail that the documents were printed (who and when)."""
    content_type = ContentType.objects.get_for_model(Document)
    who = by if by is not None and by.is_authenticated else None
    AuditEntry.objects.bulk_create(
        AuditEntry(
            content_type=content_type,
            object_id=document.pk,
            action="document.printed",
            by=who,
            data={"number": document.number},
        )
        for document in documents
    )
