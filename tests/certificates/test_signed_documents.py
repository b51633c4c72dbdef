"""Documents signed on issue (PAdES B-T with a timestamp, B-LT with the revocation data)
against a real test PKI on 127.0.0.1: read back with pyHanko and with poppler's pdfsig, and
refused whole, number included, when the key or the time-stamping service fails."""

import hashlib
import io
import os
import shutil
import subprocess

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from pypdf import PdfReader

from certificates.issuing.services import documents_issue_job, issue_job_start
from certificates.models import Document, DocumentSeries, IssueJob, IssueJobStatus
from certificates.services import document_duplicate, document_issue, document_revoke
from institute.signing import pades
from institute.signing.pades import SigningFailed
from institute.signing.validate import signature_facts
from tests.certificates.conftest import make_completed
from tests.conftest import make_intake, use_signing_key

pytestmark = pytest.mark.django_db


def _stored(document: Document) -> bytes:
    with document.pdf.open("rb") as stored:
        return stored.read()


def _page_text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_an_issued_document_is_signed_timestamped_with_revocation_data_and_hashed_as_signed(
    issuer, administrator, signing
):
    document = document_issue(enrollment=make_completed(), by=administrator)

    document.refresh_from_db()
    data = _stored(document)
    [facts] = signature_facts(data)
    assert facts.intact and facts.whole and facts.trusted and not facts.revoked
    assert facts.timestamped and facts.long_term
    assert facts.signer_name.startswith("Өңірлік біліктілікті арттыру институты")
    assert document.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert document.signed_at is not None and document.signer_name == facts.signer_name
    assert document.signer_fingerprint == facts.fingerprint
    text = _page_text(data)
    assert "Подписано ЭЦП" in text and "Өңірлік біліктілікті арттыру институты" in text


def test_poppler_reads_the_stored_signature_as_valid(issuer, administrator, signing, tmp_path):
    if not shutil.which("pdfsig"):
        if os.environ.get("CI") == "true":
            pytest.fail("pdfsig (poppler-utils) is missing: .ci/run installs it")
        pytest.skip("poppler-utils (pdfsig) not installed")
    document = document_issue(enrollment=make_completed(), by=administrator)
    path = tmp_path / "document.pdf"
    path.write_bytes(_stored(document))

    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=True)

    assert "Signature is Valid." in out.stdout
    assert "Өңірлік біліктілікті арттыру институты" in out.stdout
    assert "ETSI.CAdES.detached" in out.stdout


def test_an_ecdsa_key_signs_as_well(issuer, administrator, settings, test_pki):
    use_signing_key(settings, test_pki, "signer-ecdsa")

    document = document_issue(enrollment=make_completed(), by=administrator)

    [facts] = signature_facts(_stored(document))
    assert facts.trusted and facts.timestamped and "(ECDSA)" in facts.signer_name


def test_a_duplicate_and_a_reissue_are_signed_too(issuer, administrator, signing):
    original = document_issue(enrollment=make_completed(), by=administrator)
    duplicate = document_duplicate(document=original, by=administrator)
    corrected = document_revoke(
        document=duplicate, by=administrator, reason="Қате / Ошибка", reissue=True
    )

    for document in (duplicate, corrected):
        [facts] = signature_facts(_stored(document))
        assert facts.trusted and facts.unchanged


def test_documents_signed_with_a_replaced_key_still_verify(
    issuer, administrator, settings, signing
):
    old = document_issue(enrollment=make_completed(), by=administrator)
    use_signing_key(settings, signing, "signer-new")
    new = document_issue(enrollment=make_completed(), by=administrator)

    old_facts, new_facts = signature_facts(_stored(old))[0], signature_facts(_stored(new))[0]
    assert old_facts.trusted and new_facts.trusted
    assert old_facts.fingerprint != new_facts.fingerprint
    assert Document.objects.get(pk=old.pk).signer_fingerprint == old_facts.fingerprint


@pytest.mark.parametrize(
    ("label", "password", "words"),
    [
        ("signer-revoked", None, "revoked"),
        ("signer-expired", None, "expired"),
        ("signer-rsa", "wrong password", "password is wrong"),
    ],
)
def test_a_key_that_cannot_sign_refuses_the_issue_and_keeps_the_number(
    issuer, administrator, settings, test_pki, english, label, password, words
):
    use_signing_key(settings, test_pki, label)
    if password:
        settings.SIGNING_KEY_PASSWORD = password
    enrollment = make_completed()

    with pytest.raises(SigningFailed) as refused:
        document_issue(enrollment=enrollment, by=administrator)

    assert words in refused.value.messages[0]
    assert not refused.value.transient
    assert not Document.objects.exists()
    assert not DocumentSeries.objects.filter(last_serial__gt=0).exists()


def test_a_silent_time_stamping_service_refuses_the_issue_for_now(
    issuer, administrator, settings, signing, english
):
    settings.SIGNING_TSA_URL = "http://127.0.0.1:9/tsa"  # discard port: nothing answers
    enrollment = make_completed()

    with pytest.raises(SigningFailed) as refused:
        document_issue(enrollment=enrollment, by=administrator)

    assert refused.value.transient
    assert "time-stamping service did not answer" in refused.value.messages[0]
    assert not Document.objects.exists()
    assert not DocumentSeries.objects.filter(last_serial__gt=0).exists()


def test_the_issuing_job_waits_for_the_time_stamping_service_and_then_issues(
    issuer, administrator, settings, signing, english, django_capture_on_commit_callbacks
):
    intake = make_intake()
    for _ in range(2):
        make_completed(intake)
    settings.SIGNING_TSA_URL = "http://127.0.0.1:9/tsa"
    with django_capture_on_commit_callbacks():  # the task is run by hand below
        job = issue_job_start(intake=intake, by=administrator)

    documents_issue_job.call(job.pk)

    job.refresh_from_db()
    assert job.status == IssueJobStatus.QUEUED and job.issued == 0
    assert "time-stamping service did not answer" in job.error
    assert not Document.objects.exists()

    settings.SIGNING_TSA_URL = signing.tsa_url
    documents_issue_job.call(job.pk)

    job.refresh_from_db()
    assert job.status == IssueJobStatus.DONE and job.issued == 2 and job.error == ""
    assert [d.serial for d in Document.objects.order_by("serial")] == [1, 2]
    assert IssueJob.objects.count() == 1


def test_without_a_key_documents_are_issued_unsigned(issuer, administrator, settings):
    settings.SIGNING_KEY_FILE = ""

    document = document_issue(enrollment=make_completed(), by=administrator)

    assert signature_facts(_stored(document)) == []
    assert document.signed_at is None and document.signer_name == ""
    assert "Подписано ЭЦП" not in _page_text(_stored(document))


def test_a_required_signature_without_a_usable_key_stops_the_start_up(settings, test_pki):
    settings.SIGNING_REQUIRED = True
    settings.SIGNING_KEY_FILE = ""
    with pytest.raises(ImproperlyConfigured, match="SIGNING_KEY_FILE is not set"):
        pades.signing_check_startup()

    use_signing_key(settings, test_pki)
    settings.SIGNING_KEY_PASSWORD = "wrong"
    with pytest.raises(ImproperlyConfigured, match="password is wrong"):
        pades.signing_check_startup()

    use_signing_key(settings, test_pki)
    pades.signing_check_startup()


def test_the_issuing_page_says_whether_documents_will_be_signed(
    client, administrator, issuer, settings, test_pki
):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(administrator)
    intake = make_intake()
    page = reverse("certificates:intake_documents", args=[intake.pk])

    settings.SIGNING_KEY_FILE = ""
    unsigned = " ".join(client.get(page).content.decode().split())
    use_signing_key(settings, test_pki)
    signed = " ".join(client.get(page).content.decode().split())
    settings.SIGNING_KEY_PASSWORD = "wrong"
    broken = " ".join(client.get(page).content.decode().split())

    assert "documents are issued without an electronic signature" in unsigned
    assert "Documents are signed with the electronic signature of" in signed
    assert "Өңірлік біліктілікті арттыру институты" in signed
    assert "Documents cannot be issued: the signing key cannot be used." in broken
    assert "password is wrong" in broken
