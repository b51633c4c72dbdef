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
from tests.conftest import make_iin, make_intake, make_programme

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
        intake,
        last_name="Әбілқасымова",
        first_name="Үміт",
        patronymic="Қанатқызы",
        iin=make_iin(datetime.date(1987, 10, 8), female=True),
    )
    return document_issue(enrollment=enrollment, by=administrator, on=ON)


def test_the_pdf_says_it_all_in_kazakh_then_russian(kualik, issuer):
    data = kualik.pdf.read()
    [page] = read(data).pages
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    text = text_of(data)
    for words in [
        issuer.name_kk.upper(),
        "ҚАЙТА ДАЯРЛАУ ТУРАЛЫ КУӘЛІК",
        "Тіркеу № КУ-2026-00001",
        "Осы куәлік Әбілқасымова Үміт Қанатқызы 12.01.2026 – 06.03.2026 аралығында"
        " «Инклюзивті білім беру» білім беру бағдарламасы бойынша қайта даярлау курсынан"
        " 320 академиялық сағат көлемінде өткені туралы берілді.",
        "Павлодар қ., 2026 ж.",
        "Берілген күні: 14.03.2026",
        issuer.name_ru.upper(),
        "УДОСТОВЕРЕНИЕ О ПЕРЕПОДГОТОВКЕ",
        "Регистрационный № КУ-2026-00001",
        "Настоящее удостоверение свидетельствует о том, что Әбілқасымова Үміт Қанатқызы"
        " с 12.01.2026 по 06.03.2026 прошла переподготовку по образовательной программе"
        " «Инклюзивное образование» в объёме 320 академических часов.",
        "г. Павлодар, 2026 г.",
        "Дата выдачи: 14.03.2026",
        "Директор ______________ Қ. Жұмабеков",
    ]:
        assert words in text
    assert text.index("КУӘЛІК") < text.index("УДОСТОВЕРЕНИЕ")
    assert "ТЕЛНҰСҚА" not in text and "АННУЛИРОВАН" not in text
    for wrong in ("нөмірі №", "номер №", "(-ла)", "(а)", "§", "прошёл"):
        assert wrong not in text
    assert kualik.snapshot["sex"] == "F"


def words_of(data: bytes) -> list[tuple[str, float]]:
    """Every piece of text on the first page with its height above the bottom edge (mm)."""
    found: list[tuple[str, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((text.strip(), (tm[5] * cm[3] + cm[5]) * 25.4 / 72))

    read(data).pages[0].extract_text(visitor_text=visit)
    return found


def short_upgrade(*, iin: str | None, patronymic: str, by) -> Document:
    intake = make_intake(
        make_programme(kind=ProgrammeKind.UPGRADE, hours=72, title_ru="Цифровая школа"),
        start_date=datetime.date(2026, 2, 2),
        end_date=datetime.date(2026, 2, 13),
    )
    fields = {"iin": iin, "patronymic": patronymic}
    if iin is None:
        fields.update(passport_number="N1234567", citizenship="RU")
    enrollment = make_completed(intake, last_name="Смирнов", first_name="Саша", **fields)
    return document_issue(enrollment=enrollment, by=by, on=ON)


@pytest.mark.parametrize(
    ("iin_female", "patronymic", "sex", "verb"),
    [
        (False, "Петровна", "M", "прошёл повышение квалификации"),
        (True, "Петрович", "F", "прошла повышение квалификации"),
        (None, "Сергеевна", "F", "прошла повышение квалификации"),
        (None, "Серікұлы", "M", "прошёл повышение квалификации"),
        (
            None,
            "",
            "",
            "является лицом, прошедшим с 02.02.2026 по 13.02.2026 повышение квалификации",
        ),
    ],
    ids=["male-iin", "female-iin", "female-patronymic", "male-patronymic", "unknown"],
)
def test_the_russian_agrees_with_the_sex_the_iin_or_patronymic_gives(
    issuer, administrator, iin_female, patronymic, sex, verb
):
    # The IIN, when there is one, wins over a patronymic that says otherwise.
    iin = None if iin_female is None else make_iin(female=iin_female)
    document = short_upgrade(iin=iin, patronymic=patronymic, by=administrator)
    text = text_of(document.pdf.read())
    assert document.snapshot["sex"] == sex
    assert verb in text and "по образовательной программе «Цифровая школа»" in text
    assert "СЕРТИФИКАТ" in text and "Осы сертификат" in text
    assert "біліктілікті арттыру курсынан 72 академиялық сағат көлемінде" in text
    assert "(-ла)" not in text and "(а)" not in text
    other = {"M": "прошла", "F": "прошёл", "": "прошёл"}[sex]
    assert other not in text


def test_a_document_issued_before_the_snapshot_kept_the_sex_reads_it_from_the_iin(kualik):
    snapshot = dict(kualik.snapshot)
    del snapshot["sex"]
    Document.objects.filter(pk=kualik.pk).update(snapshot=snapshot)
    kualik.refresh_from_db()
    assert "прошла переподготовку" in text_of(render_document_pdf(kualik))


def test_an_upgrade_kualik_names_the_upgrade(issuer, administrator):
    intake = make_intake(make_programme(kind=ProgrammeKind.UPGRADE, hours=108))
    document = document_issue(enrollment=make_completed(intake), by=administrator, on=ON)
    text = text_of(document.pdf.read())
    assert "БІЛІКТІЛІКТІ АРТТЫРУ ТУРАЛЫ КУӘЛІК" in text
    assert "УДОСТОВЕРЕНИЕ О ПОВЫШЕНИИ КВАЛИФИКАЦИИ" in text
    assert "прошёл повышение квалификации" in text


def test_the_bottom_strip_is_left_for_the_signature_stamp(kualik, administrator):
    document_revoke(document=kualik, by=administrator, reason="Typo in the name")
    kualik.refresh_from_db()
    data = render_document_pdf(kualik)
    heights = [height for _, height in words_of(data)]
    assert heights and min(heights) > 22


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
    assert f"Регистрационный № {duplicate.number}" in text
    assert "№ КУ-2026-00001 құжаттың телнұсқасы" in text
    assert "Дубликат документа № КУ-2026-00001" in text
    assert "Әбілқасымова Үміт Қанатқызы" in text


def test_a_revoked_document_printed_again_says_so(kualik, administrator):
    document_revoke(document=kualik, by=administrator, reason="Typo in the name")
    kualik.refresh_from_db()
    assert kualik.status == DocumentStatus.REVOKED
    text = text_of(render_document_pdf(kualik))
    assert "АННУЛИРОВАНО" in text and "ЖОЙЫЛДЫ" in text
    assert "Әбілқасымова Үміт Қанатқызы" in text


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
