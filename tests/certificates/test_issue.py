"""Issuing a document (§12): only for a completed enrollment, the kind the
programme earns, a gapless number, a frozen snapshot, the PDF stored with its SHA-256."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from certificates import documents
from certificates.models import Document, DocumentSeries
from certificates.services import document_issue
from courses.models import Programme
from courses.rules import DocumentKind, ProgrammeKind
from institute.models import AuditEntry, Institute
from institute.rules import RuleViolation
from listeners.models import Listener
from listeners.rules import EnrollmentState
from tests.certificates.conftest import make_batch, make_completed
from tests.conftest import make_enrollment, make_iin, make_intake, make_listener, make_programme

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 3, 14)


def test_a_completed_enrollment_gets_a_numbered_stored_and_logged_document(
    issuer, administrator, english
):
    intake = make_intake(
        make_programme(hours=72, title_kk="Цифрлық сауаттылық", title_ru="Цифровая грамотность"),
        code="ЦС-2026-01",
    )
    enrollment = make_completed(
        intake,
        last_name="Сұлтанова",
        first_name="Гүлназ",
        patronymic="Әділқызы",
        iin=make_iin(datetime.date(1990, 5, 4), female=True),
    )

    document = document_issue(enrollment=enrollment, by=administrator, on=ON)

    document.refresh_from_db()
    assert (document.kind, document.year, document.serial) == (DocumentKind.CERTIFICATE, 2026, 1)
    assert document.number == "СТ-2026-00001"
    assert document.enrollment == enrollment and document.issued_by == administrator
    assert timezone.localtime(document.issued_at).date() == ON  # the day in Almaty
    assert document.snapshot == {
        "full_name": "Сұлтанова Гүлназ Әділқызы",
        "last_name": "Сұлтанова",
        "first_name": "Гүлназ",
        "patronymic": "Әділқызы",
        "iin": enrollment.listener.iin,
        "sex": "F",
        "programme_code": intake.programme.code,
        "programme_title_kk": "Цифрлық сауаттылық",
        "programme_title_ru": "Цифровая грамотность",
        "programme_kind": "upgrade",
        "training_kk": "біліктілікті арттыру",
        "training_ru": "повышение квалификации",
        "kind": "certificate",
        "title_kk": "Сертификат",
        "title_ru": "Сертификат",
        "hours": 72,
        "intake_code": "ЦС-2026-01",
        "start_date": "2026-03-02",
        "end_date": "2026-03-13",
        "completed_on": "2026-03-13",
        "institute_name_kk": issuer.name_kk,
        "institute_name_ru": issuer.name_ru,
        "city_kk": "Павлодар қ.",
        "city_ru": "г. Павлодар",
        "head_name": "Қ. Жұмабеков",
        "head_title_kk": "Директор",
        "head_title_ru": "Директор",
        "issued_on": "2026-03-14",
    }
    stored = document.pdf.read()
    assert stored.startswith(b"%PDF")
    assert document.pdf.name == "documents/2026/certificate-2026-00001.pdf"
    assert hashlib.sha256(stored).hexdigest() == document.pdf_sha256
    [entry] = AuditEntry.objects.filter(action="document.issued")
    assert (entry.object_id, entry.by, entry.data) == (
        document.pk,
        administrator,
        {"number": "СТ-2026-00001"},
    )


@pytest.mark.parametrize(
    ("kind", "hours", "document_kind", "number"),
    [
        (ProgrammeKind.UPGRADE, 72, DocumentKind.CERTIFICATE, "СТ-2026-00001"),
        (ProgrammeKind.UPGRADE, 73, DocumentKind.KUALIK, "КУ-2026-00001"),
        (ProgrammeKind.UPGRADE, 120, DocumentKind.KUALIK, "КУ-2026-00001"),
        (ProgrammeKind.INTERNSHIP, 200, DocumentKind.CERTIFICATE, "СТ-2026-00001"),
        (ProgrammeKind.RETRAINING, 280, DocumentKind.KUALIK, "КУ-2026-00001"),
        (ProgrammeKind.SECOND_DEGREE, 1440, DocumentKind.DIPLOMA, "ДП-2026-00001"),
    ],
)
def test_the_document_follows_the_programme_kind_and_hours(
    issuer, administrator, kind, hours, document_kind, number
):
    make_batch()  # a diploma is printed on a form from the safe
    enrollment = make_completed(make_intake(make_programme(kind=kind, hours=hours)))
    document = document_issue(enrollment=enrollment, by=administrator, on=ON)
    assert (document.kind, document.number) == (document_kind, number)
    assert document.snapshot["hours"] == hours


@pytest.mark.parametrize(
    "state",
    [s for s in EnrollmentState.values if s != EnrollmentState.COMPLETED],
)
def test_an_enrollment_not_completed_is_refused_and_nothing_is_saved(
    issuer, administrator, intake, english, state
):
    enrollment = make_enrollment(make_listener(), intake, state=state)
    with pytest.raises(RuleViolation, match="Only a completed enrollment earns a document"):
        document_issue(enrollment=enrollment, by=administrator, on=ON)
    assert not Document.objects.exists()
    assert not DocumentSeries.objects.filter(last_serial__gt=0).exists()
    assert not AuditEntry.objects.filter(action__startswith="document.").exists()


def test_a_second_document_for_the_same_enrollment_is_refused(
    issuer, administrator, intake, english
):
    enrollment = make_completed(intake)
    document_issue(enrollment=enrollment, by=administrator, on=ON)
    with pytest.raises(RuleViolation, match=r"already has a valid document \(No. СТ-2026-00001\)"):
        document_issue(enrollment=enrollment, by=administrator, on=ON)
    assert Document.objects.count() == 1
    assert DocumentSeries.objects.get().last_serial == 1


def test_without_the_institute_on_record_nothing_is_issued(db, administrator, intake, english):
    enrollment = make_completed(intake)
    with pytest.raises(RuleViolation, match="Fill in the institute"):
        document_issue(enrollment=enrollment, by=administrator, on=ON)
    assert not Document.objects.exists()


def test_numbers_run_on_without_gaps_per_kind_and_year_of_issue(issuer, administrator):
    certificates = make_intake(make_programme(hours=72))
    kualik = make_intake(make_programme(hours=100))
    issued = [
        document_issue(enrollment=make_completed(intake), by=administrator, on=on).number
        for intake, on in [
            (certificates, ON),
            (kualik, ON),
            (certificates, ON),
            (certificates, datetime.date(2027, 1, 5)),
            (certificates, ON),
        ]
    ]
    assert issued == [
        "СТ-2026-00001",
        "КУ-2026-00001",
        "СТ-2026-00002",
        "СТ-2027-00001",
        "СТ-2026-00003",
    ]


def test_a_failed_render_rolls_back_and_leaves_no_gap(issuer, administrator, intake, monkeypatch):
    first, second = make_completed(intake), make_completed(intake)
    real = documents.render_document_pdf

    def broken(document, **options):
        raise OSError("disk full")

    monkeypatch.setattr(documents, "render_document_pdf", broken)
    with pytest.raises(OSError):
        document_issue(enrollment=first, by=administrator, on=ON)
    assert not Document.objects.exists()
    assert not AuditEntry.objects.filter(action="document.issued").exists()

    monkeypatch.setattr(documents, "render_document_pdf", real)
    numbers = [
        document_issue(enrollment=e, by=administrator, on=ON).number for e in (first, second)
    ]
    assert numbers == ["СТ-2026-00001", "СТ-2026-00002"]


def test_the_document_does_not_change_when_the_records_do(issuer, administrator, intake):
    enrollment = make_completed(intake, last_name="Ахметова", first_name="Әлия")
    document = document_issue(enrollment=enrollment, by=administrator, on=ON)
    snapshot, sha = dict(document.snapshot), document.pdf_sha256

    Listener.objects.filter(pk=enrollment.listener_id).update(last_name="Серікова")
    Programme.objects.filter(pk=intake.programme_id).update(
        title_kk="Жаңа атау", title_ru="Новое название", hours=100
    )
    Institute.objects.filter(pk=issuer.pk).update(head_name="Б. Басқа")

    document = Document.objects.get(pk=document.pk)
    assert document.snapshot == snapshot
    assert document.snapshot["full_name"] == "Ахметова Әлия"
    assert document.snapshot["hours"] == 72 and document.snapshot["head_name"] == "Қ. Жұмабеков"
    assert document.pdf_sha256 == sha == hashlib.sha256(document.pdf.read()).hexdigest()
    text = " ".join(documents_text(documents.render_document_pdf(document)).split())
    assert "Ахметова Әлия" in text and "Серікова" not in text and "Жаңа атау" not in text


def documents_text(data: bytes) -> str:
    import io

    import pypdf

    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
