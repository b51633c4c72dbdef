"""The issued document as a PDF, read back: Kazakh and Russian text from the snapshot, every
Kazakh letter in the embedded font, the QR code of the verification address, the duplicate
and revoked marks, the PDF/A variant, and the print of many documents on one PDF."""

import datetime
import io

import pypdf
import pytest
from django.urls import reverse

from certificates.documents import (
    qr_code,
    render_document_pdf,
    render_documents_print_pdf,
    verification_url,
)
from certificates.models import Document, DocumentStatus
from certificates.services import document_duplicate, document_issue, document_revoke
from courses.rules import ProgrammeKind
from institute.pdf import STATIC_DIR, StaticOnlyFetcher
from tests.certificates.conftest import make_batch, make_completed
from tests.conftest import make_intake, make_programme

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 3, 14)
KAZAKH_LETTERS = "ӘҒҚҢӨҰҮҺІәғқңөұүһі"
HOSTILE_IMG = '<img src="file:///etc/passwd">'
HOSTILE_LINK = '<link rel=stylesheet href="http://evil.example/x.css">'


def read(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def text_of(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in read(data).pages).split())


def fonts_of(data: bytes) -> set[str]:
    return {
        str(font.get_object()["/BaseFont"])
        for page in read(data).pages
        for font in page["/Resources"]["/Font"].values()
    }


@pytest.fixture
def kualik(issuer, administrator) -> Document:
    programme = make_programme(
        kind=ProgrammeKind.RETRAINING,
        hours=320,
        title_kk="Инклюзивті білім беру",
        title_ru="Инклюзивное образование",
    )
    intake = make_intake(
        programme, start_date=datetime.date(2026, 1, 12), end_date=datetime.date(2026, 3, 6)
    )
    enrollment = make_completed(
        intake, last_name="Әбілқасымова", first_name="Үміт", patronymic="Қанатқызы"
    )
    return document_issue(enrollment=enrollment, by=administrator, on=ON)


def test_the_pdf_says_it_all_in_kazakh_then_russian(kualik, issuer):
    data = kualik.pdf.read()
    [page] = read(data).pages
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    text = text_of(data)
    for words in [
        issuer.name_kk.upper(),
        "КУӘЛІК",
        "Тіркеу нөмірі № КУ-2026-00001",
        "Әбілқасымова Үміт Қанатқызы",
        "12.01.2026 – 06.03.2026 аралығында",
        "«Инклюзивті білім беру»",
        "қайта даярлау оқуын 320 академиялық сағат көлемінде",
        "Павлодар қ., 2026 ж.",
        "Берілген күні: 14.03.2026",
        issuer.name_ru.upper(),
        "УДОСТОВЕРЕНИЕ",
        "Регистрационный номер № КУ-2026-00001",
        "с 12.01.2026 по 06.03.2026",
        "«Инклюзивное образование»",
        "(переподготовка) в объёме 320 академических часов",
        "г. Павлодар, 2026 г.",
        "Дата выдачи: 14.03.2026",
        "Директор ______________ Қ. Жұмабеков",
    ]:
        assert words in text
    assert text.index("КУӘЛІК") < text.index("УДОСТОВЕРЕНИЕ")
    assert "ТЕЛНҰСҚА" not in text and "АННУЛИРОВАН" not in text


def test_every_kazakh_letter_comes_out_of_the_embedded_font(issuer, administrator):
    enrollment = make_completed(
        last_name=KAZAKH_LETTERS[:9], first_name=KAZAKH_LETTERS[9:], patronymic="№ «» – —"
    )
    data = document_issue(enrollment=enrollment, by=administrator, on=ON).pdf.read()
    text = text_of(data)
    assert f"{KAZAKH_LETTERS[:9]} {KAZAKH_LETTERS[9:]} № «» – —" in text
    # Only the bundled faces: a letter missing from them would bring in a fallback font.
    fonts = fonts_of(data)
    assert fonts and all("+Document-" in name for name in fonts)


def test_a_diploma_is_titled_as_the_state_standard_one(issuer, administrator):
    make_batch()  # a diploma is printed on a form from the safe
    intake = make_intake(make_programme(kind=ProgrammeKind.SECOND_DEGREE, hours=1440))
    document = document_issue(enrollment=make_completed(intake), by=administrator, on=ON)
    text = text_of(document.pdf.read())
    assert "МЕМЛЕКЕТТІК ҮЛГІДЕГІ ДИПЛОМ" in text and "ДИПЛОМ ГОСУДАРСТВЕННОГО ОБРАЗЦА" in text
    assert "ДП-2026-00001" in text and "екінші жоғары білім" in text


def test_the_qr_code_encodes_the_verification_address(kualik, settings):
    settings.PUBLIC_BASE_URL = "https://register.institute.example"
    url = verification_url(kualik)
    assert url == "https://register.institute.example" + reverse(
        "certificates:verify", args=[kualik.token]
    )
    data = render_document_pdf(kualik)
    assert url in text_of(data)
    [image] = read(data).pages[0].images
    picture = image.image.convert("1")
    expected = qr_code(url).matrix
    border = (picture.width - len(expected)) // 2
    assert border == 4 and picture.width == picture.height
    decoded = [
        [picture.getpixel((border + x, border + y)) == 0 for x in range(len(expected))]
        for y in range(len(expected))
    ]
    assert decoded == [[bool(module) for module in row] for row in expected]


def test_hostile_text_is_printed_as_text_and_nothing_is_fetched(issuer, administrator, monkeypatch):
    intake = make_intake(make_programme(title_kk=HOSTILE_LINK, title_ru=HOSTILE_IMG))
    enrollment = make_completed(intake, last_name=HOSTILE_IMG, first_name=HOSTILE_LINK)
    fetched = []
    original = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    data = document_issue(enrollment=enrollment, by=administrator, on=ON).pdf.read()
    flat = "".join(text_of(data).split())
    assert "".join(HOSTILE_IMG.split()) in flat and "".join(HOSTILE_LINK.split()) in flat
    fonts = STATIC_DIR.as_uri() + "/fonts/"
    assert fetched and all(url.startswith(fonts) or url.startswith("memory:") for url in fetched)
    assert not any("passwd" in url or "evil" in url for url in fetched)


def test_the_pdfa_copy_declares_pdfa_3b(kualik):
    data = render_document_pdf(kualik, pdfa=True)
    metadata = read(data).xmp_metadata
    assert metadata is not None
    assert (str(metadata.pdfaid_part), metadata.pdfaid_conformance) == ("3", "B")
    assert "КУ-2026-00001" in text_of(data)
    assert read(render_document_pdf(kualik)).xmp_metadata is None


def test_a_duplicate_is_marked_and_names_its_original(kualik, administrator):
    duplicate = document_duplicate(document=kualik, by=administrator)
    text = text_of(duplicate.pdf.read())
    assert "ТЕЛНҰСҚА / ДУБЛИКАТ" in text
    assert f"Регистрационный номер № {duplicate.number}" in text
    assert "№ КУ-2026-00001 құжаттың телнұсқасы" in text
    assert "Дубликат документа № КУ-2026-00001" in text
    assert "Әбілқасымова Үміт Қанатқызы" in text


def test_a_revoked_document_printed_again_says_so(kualik, administrator):
    document_revoke(document=kualik, by=administrator, reason="Typo in the name")
    kualik.refresh_from_db()
    assert kualik.status == DocumentStatus.REVOKED
    assert "КҮШІ ЖОЙЫЛДЫ / АННУЛИРОВАН" in text_of(render_document_pdf(kualik))


def test_the_print_puts_each_document_on_its_own_page_in_order(issuer, administrator):
    intake = make_intake()
    issued = [
        document_issue(enrollment=make_completed(intake, last_name=name), by=administrator, on=ON)
        for name in ("Әлімов", "Бекова", "Жұмабаев")
    ]
    reader = read(render_documents_print_pdf(issued))
    assert len(reader.pages) == 3
    names = ("Әлімов", "Бекова", "Жұмабаев")
    for page, document, name in zip(reader.pages, issued, names, strict=True):
        text = page.extract_text()
        assert document.number in text and name in text
