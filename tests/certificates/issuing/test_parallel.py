"""Issuing a whole intake in worker processes (institute.signing.parallel): every document
rendered, signed and stored as one issued alone would be, numbers in the listeners' order,
and a batch that cannot be signed leaves nothing of itself behind."""

import hashlib
from pathlib import Path

import pytest

from certificates.issuing import services as issuing
from certificates.issuing.services import documents_issue_missing
from certificates.models import Document, DocumentSeries
from institute.signing.pades import SigningFailed
from institute.signing.validate import signature_facts
from tests.certificates.conftest import make_completed
from tests.conftest import make_intake

pytestmark = pytest.mark.django_db

NAMES = ("Жұмабаев", "Әлімов", "Бекова", "Ахметова", "Сейітов")


@pytest.fixture
def in_processes(settings):
    settings.ISSUE_PROCESSES = 2
    settings.ISSUE_PARALLEL_FROM = 1


def _intake_of_five():
    intake = make_intake()
    for name in NAMES:
        make_completed(intake, last_name=name)
    return intake


def test_documents_signed_in_worker_processes_are_whole_and_numbered_in_order(
    issuer, administrator, signing, in_processes, monkeypatch
):
    monkeypatch.setattr(issuing, "BATCH_PER_PROCESS", 1)  # batches of two: three of them
    intake = _intake_of_five()

    assert documents_issue_missing(intake=intake, by=administrator) == 5

    issued = list(Document.objects.order_by("serial").select_related("enrollment__listener"))
    assert [d.serial for d in issued] == [1, 2, 3, 4, 5]
    assert [d.enrollment.listener.last_name for d in issued] == sorted(NAMES)
    for document in issued:
        with document.pdf.open("rb") as stored:
            data = stored.read()
        assert document.pdf_sha256 == hashlib.sha256(data).hexdigest()
        [facts] = signature_facts(data)
        assert facts.intact and facts.whole and facts.trusted and facts.timestamped
        assert document.signer_fingerprint == facts.fingerprint
        assert document.signed_at is not None
    # A second run finds nothing missing.
    assert documents_issue_missing(intake=intake, by=administrator) == 0


def test_unsigned_documents_are_issued_in_worker_processes_too(
    issuer, administrator, settings, in_processes
):
    settings.SIGNING_KEY_FILE = ""
    intake = _intake_of_five()

    assert documents_issue_missing(intake=intake, by=administrator) == 5

    for document in Document.objects.all():
        with document.pdf.open("rb") as stored:
            assert document.pdf_sha256 == hashlib.sha256(stored.read()).hexdigest()
        assert document.signed_at is None


def test_a_batch_that_cannot_be_timestamped_issues_nothing_and_returns_its_numbers(
    issuer, administrator, settings, signing, in_processes, english
):
    settings.SIGNING_TSA_URL = "http://127.0.0.1:9/tsa"  # discard port: nothing answers
    intake = _intake_of_five()

    with pytest.raises(SigningFailed) as refused:
        documents_issue_missing(intake=intake, by=administrator)

    assert refused.value.transient
    assert "time-stamping service did not answer" in refused.value.messages[0]
    assert not Document.objects.exists()
    assert not DocumentSeries.objects.filter(last_serial__gt=0).exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
