"""An uploaded list of applicants (.xlsx or .csv) read, checked and imported (§14–§15).

`rows_read` turns a file into rows (listeners.imports.reading tells a .csv's encoding, and
refuses a workbook whose reading would not stay small) and marks the cells that cannot be kept
(a control character, a value too long, garbled text); `rows_check` marks every row that
cannot be imported and why (bad IIN, unknown organisation, duplicate in the file, already
enrolled), in a constant number of queries whatever the number of rows; `rows_apply` saves a
checked list, all or nothing. The worker runs them (`import_check`, `import_apply`);
`import_job_run` starts the import of a confirmed list, or runs again the stage of a job that
a dead worker left unfinished.
"""

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from courses.models import Intake
from institute.jobs import JobClosed, JobRun, enqueue_on_commit, job_reclaim_stale
from institute.models import Organisation, User
from institute.rules import RuleViolation
from institute.services import log_action
from institute.text import clean_name, has_control, strip_invisible
from listeners import rules
from listeners.imports.reading import (
    GARBLED,
    LOST,
    MIXED,
    ImportFileError,
    csv_decode,
    csv_table,
    text_fault,
    xlsx_table,
)
from listeners.models import (
    Enrollment,
    EnrollmentTransition,
    ImportJob,
    ImportStatus,
    Listener,
)

logger = logging.getLogger(__name__)

# Header names accepted for each column, compared without case and surrounding spaces.
COLUMNS: dict[str, tuple[str, ...]] = {
    "iin": ("жсн", "иин", "iin"),
    "last_name": ("тегі", "фамилия", "last name"),
    "first_name": ("аты", "имя", "first name"),
    "patronymic": ("әкесінің аты", "отчество", "patronymic"),
    "organisation_bin": ("ұйымның бсн", "бин организации", "organisation bin", "бсн", "бин", "bin"),
    "position": ("лауазымы", "должность", "position"),
    "subject": ("пәні", "предмет", "subject"),
    "email": ("электрондық пошта", "эл. почта", "e-mail", "email"),
    "phone": ("телефон", "phone"),
    "from_other_town": ("басқа қаладан", "из другого города", "from another town"),
}
KNOWN_TITLES = frozenset(title for aliases in COLUMNS.values() for title in aliases)
REQUIRED = ("iin", "last_name", "first_name", "organisation_bin")
NAMES = ("last_name", "first_name", "patronymic")
TEXTS = (*NAMES, "position", "subject")  # saved as text: checked for garbling
TWELVE_DIGITS = ("iin", "organisation_bin")
YES = {"1", "иә", "ия", "да", "yes", "true", "+"}
MAX_ROWS = 20_000


@dataclass
class Row:
    number: int  # as the person sees it in the spreadsheet (the header is row 1)
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    listener_id: int | None = None  # an existing person found by IIN
    organisation_id: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an IIN typed as a number comes back as 871008401427.0
    return str(value).strip()


def _longest(key: str) -> int:
    """The most characters a column's value may have: its field's; a few for an IIN or a BIN
    (whose own rule tells a wrong length) and for "from another town"."""
    if key in TWELVE_DIGITS:
        return 20
    try:
        return Listener._meta.get_field(key).max_length or 200
    except FieldDoesNotExist:
        return 20


def _value_read(row: Row, key: str, title: str, raw: str) -> str:
    """A cell's value as it is kept: names NFC-normalised, without invisible characters and
    with single spaces (institute.text). A control character, a value longer than its field
    or a text still garbled is an error of the row, naming the column as the file does, and
    nothing of it is kept that a database or a page could choke on."""
    where = {"row": row.number, "column": title}
    if has_control(raw):
        row.errors.append(
            _(
                "Row %(row)s, column «%(column)s»: the value holds a control character (an "
                "invisible code such as NUL or ESC): type it again."
            )
            % where
        )
        return "".join("\ufffd" if has_control(char) else char for char in raw[:200])
    value = clean_name(raw) if key in TEXTS else strip_invisible(raw).strip()
    longest = _longest(key)
    if len(value) > longest:
        row.errors.append(
            _("Row %(row)s, column «%(column)s»: longer than %(max)s characters.")
            % {**where, "max": longest}
        )
        return value[:longest] + "…"
    fault = text_fault(value, name=key in NAMES) if key in TEXTS else None
    if fault == GARBLED:
        message = _(
            "Row %(row)s, column «%(column)s»: “%(value)s” is garbled (the text was saved in "
            "one encoding and read in another): save the list as UTF-8 or .xlsx and upload "
            "it again."
        )
    elif fault == LOST:
        message = _(
            "Row %(row)s, column «%(column)s»: “%(value)s” has “?” for letters lost when the "
            "file was saved in an encoding without them: save the list as UTF-8 or .xlsx and "
            "upload it again."
        )
    elif fault == MIXED:
        message = _(
            "Row %(row)s, column «%(column)s»: “%(value)s” mixes Latin and Cyrillic letters in "
            "one word: type it again in one alphabet."
        )
    else:
        return value
    row.errors.append(message % {**where, "value": value})
    return value


def _garbled(row: Row) -> bool:
    return any(text_fault(row.values.get(key, ""), name=key in NAMES) for key in TEXTS)


def rows_read(data: bytes, filename: str) -> list[Row]:
    """The rows of the first sheet (or the .csv) under a header row naming the columns; a
    row whose cells cannot be kept as they are (a control character, garbled text) carries
    its errors already."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        table = ([_cell(v) for v in values] for values in xlsx_table(data, max_rows=MAX_ROWS))
    elif name.endswith(".csv"):
        text = csv_decode(data, known_titles=KNOWN_TITLES)
        table = (
            [_cell(v) for v in values] for values in csv_table(text, known_titles=KNOWN_TITLES)
        )
    else:
        raise ImportFileError(_("Upload an .xlsx or .csv file."))
    header = next(table, None)
    if header is None:
        raise ImportFileError(_("The file is empty."))
    header = [clean_name(title) for title in header]
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        for key, aliases in COLUMNS.items():
            if title.lower() in aliases and key not in positions:
                positions[key] = index
    missing = [key for key in REQUIRED if key not in positions]
    if missing:
        raise ImportFileError(
            _("The header row lacks the columns: %(columns)s.")
            % {"columns": ", ".join(COLUMNS[key][0].upper() for key in missing)}
        )
    rows = []
    for number, values in enumerate(table, start=2):
        if not any(values):
            continue  # blank lines between blocks are not rows
        if len(rows) == MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS}
            )
        row = Row(number=number, values={})
        for key, i in positions.items():
            raw = values[i] if i < len(values) else ""
            row.values[key] = _value_read(row, key, header[i], raw)
        for key in TWELVE_DIGITS:
            # A spreadsheet stores an IIN or BIN typed as a number without its leading zeros
            # (people born in 2000–2009 have IINs starting with 0).
            if row.values.get(key, "").isdigit() and len(row.values[key]) < 12:
                row.values[key] = row.values[key].zfill(12)
        rows.append(row)
    if not rows:
        raise ImportFileError(_("The file has a header but no rows."))
    return rows


def rows_check(
    *, intake: Intake, rows: list[Row], progress: Callable[[int], None] | None = None
) -> list[Row]:
    """Mark what is wrong with each row, in the person's language; find existing people.

    Five queries whatever the number of rows: people by IIN, organisations by BIN, and who
    of them is already in the intake.
    """
    iins = {r.values.get("iin", "") for r in rows}
    bins = {r.values.get("organisation_bin", "") for r in rows}
    people = dict(Listener.objects.filter(iin__in=iins).values_list("iin", "pk"))
    organisations = dict(Organisation.objects.filter(bin__in=bins).values_list("bin", "pk"))
    enrolled = set(
        Enrollment.objects.filter(intake=intake, listener_id__in=people.values()).values_list(
            "listener_id", flat=True
        )
    )
    first_row_of: dict[str, int] = {}
    for done, row in enumerate(rows, start=1):
        v = row.values
        iin = v.get("iin", "")
        try:
            rules.parse_iin(iin)
        except RuleViolation as error:
            row.errors.extend(error.messages)
        else:
            if iin in first_row_of:
                row.errors.append(
                    _("The same IIN as row %(row)s: the person is twice in the file.")
                    % {"row": first_row_of[iin]}
                )
            else:
                first_row_of[iin] = row.number
            row.listener_id = people.get(iin)
            if row.listener_id in enrolled:
                row.errors.append(_("Already enrolled in this intake."))
        if row.listener_id is None:
            for key, label in (("last_name", _("last name")), ("first_name", _("first name"))):
                if not v.get(key):
                    row.errors.append(_("The %(column)s is missing.") % {"column": label})
        row.organisation_id = organisations.get(v.get("organisation_bin", ""))
        if row.organisation_id is None:
            row.errors.append(
                _("No organisation with BIN “%(bin)s” in the register.")
                % {"bin": v.get("organisation_bin", "")}
            )
        if progress and done % 250 == 0:
            progress(done)
    if progress:
        progress(len(rows))
    return rows


def is_yes(value: str) -> bool:
    return value.strip().lower() in YES


def rows_apply(*, job: ImportJob, by: User | None) -> int:
    """Import a checked list, all or nothing (§14): the rows are checked again against the
    register as it is now; new people are created, existing ones found by IIN (not
    duplicated, their names kept); each gets an application with its first history row."""
    rows = [Row(number=r["number"], values=r["values"]) for r in job.rows]
    with transaction.atomic():
        rows_check(intake=job.intake, rows=rows)
        # What was read is checked again too: no garbled name is saved, whatever the job says.
        bad = [row for row in rows if row.errors or _garbled(row)]
        if bad:
            raise RuleViolation(
                _("%(count)s rows cannot be imported (first: row %(row)s): nothing was saved.")
                % {"count": len(bad), "row": bad[0].number},
                code="import_rows",
            )
        new = [
            Listener(
                iin=facts.iin,
                birth_date=facts.birth_date,
                sex=facts.sex,
                last_name=row.values["last_name"],
                first_name=row.values["first_name"],
                patronymic=row.values.get("patronymic", ""),
                organisation_id=row.organisation_id,
                position=row.values.get("position", ""),
                subject=row.values.get("subject", ""),
                email=row.values.get("email", ""),
                phone=row.values.get("phone", ""),
            )
            for row in rows
            if row.listener_id is None
            for facts in [rules.parse_iin(row.values["iin"])]
        ]
        Listener.objects.bulk_create(new, batch_size=1000)
        ids = dict(
            Listener.objects.filter(iin__in=[r.values["iin"] for r in rows]).values_list(
                "iin", "pk"
            )
        )
        now = timezone.now()
        enrollments = Enrollment.objects.bulk_create(
            [
                Enrollment(
                    listener_id=ids[row.values["iin"]],
                    intake=job.intake,
                    basis=job.basis,
                    state_order_reference=job.state_order_reference,
                    with_work_interruption=job.with_work_interruption,
                    from_other_town=is_yes(row.values.get("from_other_town", "")),
                    applied_at=now,
                )
                for row in rows
            ],
            batch_size=1000,
        )
        if any(e.pk is None for e in enrollments):  # a backend that returns no ids
            enrollments = list(Enrollment.objects.filter(intake=job.intake, applied_at=now))
        EnrollmentTransition.objects.bulk_create(
            [
                EnrollmentTransition(
                    enrollment=e,
                    from_state="",
                    to_state=e.state,
                    by=by,
                    at=now,
                    reason=_("Imported from %(file)s") % {"file": job.filename},
                )
                for e in enrollments
            ],
            batch_size=1000,
        )
    return len(enrollments)


@transaction.atomic
def import_job_create(
    *,
    intake: Intake,
    upload: UploadedFile,
    basis: str,
    state_order_reference: str,
    with_work_interruption: bool,
    by: User,
) -> ImportJob:
    """Keep an uploaded list and have the worker check it (`import_check`) once committed;
    nothing is imported until the checked list is confirmed."""
    job = ImportJob(
        intake=intake,
        filename=upload.name[:200],
        basis=basis,
        state_order_reference=state_order_reference,
        with_work_interruption=with_work_interruption,
        created_by=by,
    )
    # The stored name is ours: the uploaded one is only shown, never used as a path.
    extension = upload.name.rsplit(".", 1)[-1].lower()
    job.file.save(f"list-{intake.pk}.{extension}", upload, save=False)
    job.save()
    enqueue_on_commit(import_check, job.pk)
    return job


def import_job_run(*, job: ImportJob, by: User | None) -> bool:
    """Start the next stage of an import a methodologist asks for, and say whether one was
    started: a checked list is imported; a check or an import that a dead worker left
    unfinished (`ImportJob.stalled`) is run again. Nothing is lost by running them again:
    a check saves nothing, and an import that did not finish saved nothing.

    Each is claimed with a conditional UPDATE, so a second click (or a second tab) starts
    nothing; the task starts once the claim is committed and makes sure itself that a late
    run of an older task cannot import twice (`import_apply`, below). Who asked is in the audit
    trail."""

    jobs = ImportJob.objects.filter(pk=job.pk)
    with transaction.atomic():
        if JobRun.claim(
            ImportJob, job.pk, from_status=ImportStatus.CHECKED, running=ImportStatus.IMPORTING
        ):
            action, task = "import.confirmed", import_apply
        elif job_reclaim_stale(jobs, status=ImportStatus.IMPORTING):
            action, task = "import.restarted", import_apply
        elif job_reclaim_stale(jobs, status=ImportStatus.CHECKING, processed=0):
            action, task = "import.check_restarted", import_check
        else:
            return False
        log_action(obj=job, action=action, by=by, file=job.filename)
        enqueue_on_commit(task, job.pk)
    return True


@task()
def import_check(job_id: int) -> None:
    """Read the uploaded file and mark every bad row; the page shows the progress.

    Every write is made only while the job is still being checked (institute.jobs): a check
    that runs late (enqueued before the worker died, run again by hand, and now run once
    more by the restarted worker) finds the job checked or imported already and stops."""
    run = JobRun.attach(ImportJob, job_id, running=ImportStatus.CHECKING)
    if run is None:
        return
    try:
        _check(run)
    except JobClosed:
        return
    except Exception:
        # Logged with the task's result; the page stops waiting and says what to do.
        run.fail(
            str(_("The list could not be checked because of an unexpected error.")),
            status=ImportStatus.INVALID,
        )
        raise


def _check(run: JobRun[ImportJob]) -> None:
    job = run.job("intake")
    try:
        with job.file.open("rb") as handle:
            rows = rows_read(handle.read(), job.filename)
    except ImportFileError as error:
        run.fail(str(error), status=ImportStatus.INVALID)
        return
    run.progress(0, len(rows))
    rows = rows_check(intake=job.intake, rows=rows, progress=run.progress)
    # Checked is a stage, not the end: the job goes on when the list is confirmed.
    run.finish(
        ImportStatus.INVALID if any(r.errors for r in rows) else ImportStatus.CHECKED,
        rows=[row.as_dict() for row in rows],
        processed=len(rows),
        finished_at=None,
    )


@task()
def import_apply(job_id: int) -> None:
    """Import a confirmed list, all or nothing, and only once.

    The job row is locked, and must still be importing, in the transaction that saves the
    list and marks it imported: a worker killed half way leaves nothing and the job still
    importing (to be started again once it has gone silent, see ImportJob.stalled), and a
    second run of the task (a late one, or one started again by hand) waits for the lock,
    then finds the job imported and does nothing."""
    run = JobRun.attach(ImportJob, job_id, running=ImportStatus.IMPORTING)
    if run is None:
        return
    try:
        _apply(run)
    except Exception:
        # Nothing was saved; logged with the task's result, and the page says so at once.
        run.fail(str(_("The import stopped on an unexpected error: nothing was imported.")))
        raise


def _apply(run: JobRun[ImportJob]) -> None:
    with transaction.atomic():
        job = run.locked("intake", "created_by")
        if job is None:
            return
        try:
            count = rows_apply(job=job, by=job.created_by)
        except RuleViolation as error:
            run.fail(" ".join(error.messages))
            return
        run.finish(ImportStatus.IMPORTED, imported=count)
