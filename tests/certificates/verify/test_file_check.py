"""The public check of a PDF file: a signed document of the register is told unchanged and
its standing today; one byte changed, a PDF of someone else's, an unsigned stranger, a
non-PDF, a broken, an encrypted or an oversized file each get their own clear answer; and
nothing of the upload is stored."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from certificates.models import Document
from certificates.services import document_duplicate, document_issue
from certificates.verify.check import MAX_FILE_BYTES, Outcome, file_check
from institute.pdf import html_to_pdf
from institute.signing.pades import pdf_signed
from tests.certificates.conftest import make_completed
from tests.conftest import use_signing_key

pytestmark = pytest.mark.django_db
PAGE = reverse("certificates:verify_file")


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _stored(document: Document) -> bytes:
    with document.pdf.open("rb") as stored:
        return stored.read()


def _upload(client, data: bytes, name: str = "document.pdf"):
    return client.post(
        PAGE, {"file": SimpleUploadedFile(name, data, content_type="application/pdf")}
    )


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def test_the_register_s_own_signed_file_is_unchanged_valid_and_names_its_signer(
    en, issuer, administrator, signing
):
    document = document_issue(enrollment=make_completed(last_name="Ахметова"), by=administrator)

    response = _upload(en, _stored(document))

    assert response.status_code == 200
    text = _text(response)
    assert f"№ {document.number} was issued by the institute and is valid" in text
    assert "unchanged since signing" in text
    assert "time confirmed by a time-stamping service" in text
    assert "Өңірлік біліктілікті арттыру институты" in text
    assert "Ахметова" in text
    assert document.enrollment.listener.iin not in text


def test_a_replaced_document_is_told_revoked_and_names_its_duplicate(
    en, issuer, administrator, signing
):
    original = document_issue(enrollment=make_completed(), by=administrator)
    held = _stored(original)
    duplicate = document_duplicate(document=original, by=administrator)

    text = _text(_upload(en, held))

    assert "Revoked" in text
    assert f"A duplicate, № {duplicate.number}, was issued in its place." in text


def test_one_byte_changed_after_signing_is_caught(en, issuer, administrator, signing):
    document = document_issue(enrollment=make_completed(), by=administrator)
    data = bytearray(_stored(document))
    data[data.find(b"stream") + 40] ^= 0x01

    response = _upload(en, bytes(data))

    assert response.status_code == 200
    assert file_check(bytes(data)).outcome == Outcome.CHANGED
    text = _text(response)
    assert "Changed after signing" in text and "changed after signing" in text
    assert document.number not in text


def test_a_pdf_signed_with_someone_else_s_key_is_not_the_institute_s(
    issuer, administrator, settings, test_pki
):
    use_signing_key(settings, test_pki, "signer-new")
    other = pdf_signed(lambda stamp: html_to_pdf("<p>Анықтама</p>", stamp=stamp)).data
    use_signing_key(settings, test_pki, "signer-rsa")
    document_issue(enrollment=make_completed(), by=administrator)

    result = file_check(other)

    assert result.outcome == Outcome.FOREIGN
    assert result.signature.trusted  # same national root, but not the institute's key
    assert "(2027)" in result.signature.signer_name


def test_a_file_signed_by_the_institute_outside_the_register_is_said_so(signing):
    reference = pdf_signed(lambda stamp: html_to_pdf("<p>Анықтама</p>", stamp=stamp)).data

    assert file_check(reference).outcome == Outcome.INSTITUTE_SIGNED


def test_an_unsigned_stranger_pdf_is_not_a_document_of_the_register(en, db):
    response = _upload(en, html_to_pdf("<p>Сертификат № КУ-2026-00001</p>"))

    assert response.status_code == 200
    assert "Not a document of the register" in _text(response)


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04 a zip, not a PDF", "This file is not a PDF."),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog", "This PDF is damaged and cannot be read."),
        (None, "protected by a password"),
    ],
)
def test_files_that_cannot_be_checked_get_a_clear_answer(en, db, data, words):
    response = _upload(en, data if data is not None else _encrypted_pdf())

    assert response.status_code == 400
    assert words in _text(response)


def test_an_oversized_upload_is_refused_without_being_kept(en, db, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # Django alone would spill this to disk

    response = _upload(en, b"%PDF-1.7\n" + b"0" * (MAX_FILE_BYTES + 10))

    assert response.status_code == 400
    assert "larger than 5 MB" in _text(response)
    assert list(tmp_path.iterdir()) == []


def test_the_qr_page_shows_the_recorded_signature_or_says_unsigned(
    en, issuer, administrator, settings, signing
):
    signed = document_issue(enrollment=make_completed(), by=administrator)
    settings.SIGNING_KEY_FILE = ""
    unsigned = document_issue(enrollment=make_completed(), by=administrator)

    signed_text = _text(en.get(reverse("certificates:verify", args=[signed.token])))
    unsigned_text = _text(en.get(reverse("certificates:verify", args=[unsigned.token])))

    assert "signed with the institute's electronic digital signature" in signed_text
    assert signed.signer_name in signed_text
    assert "issued without an electronic signature" in unsigned_text


def test_the_check_needs_the_csrf_token(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        PAGE, {"file": SimpleUploadedFile("d.pdf", b"%PDF-1.7", content_type="application/pdf")}
    )

    assert response.status_code == 403
