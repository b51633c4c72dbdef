"""The admission order and the expulsion reference as PDFs, read back as text; and the PDF
helper's fetcher, which serves the project's static files and nothing else."""

import datetime
import io

import pypdf
import pytest
from django.urls import reverse

from institute.models import Institute
from institute.pdf import STATIC_DIR, ResourceRefused, StaticOnlyFetcher, html_to_pdf
from listeners.enrollment.documents import (
    render_admission_order_pdf,
    render_expulsion_reference_pdf,
)
from listeners.rules import EnrollmentState as S
from listeners.rules import OrderKind
from tests.conftest import make_bin, make_enrollment, make_iin, make_listener, make_order

pytestmark = pytest.mark.django_db

HOSTILE_IMG = '<img src="file:///etc/passwd">'
HOSTILE_LINK = '<link rel=stylesheet href="http://127.0.0.1:9/x.css">'


@pytest.fixture
def institute(db) -> Institute:
    return Institute.objects.create(
        name_kk="Павлодар облыстық біліктілікті арттыру институты",
        name_ru="Павлодарский областной институт повышения квалификации",
        bin=make_bin(),
        head_name="Қ. Жұмабеков",
        head_title_kk="Директордың міндетін атқарушы",
        head_title_ru="Исполняющий обязанности директора",
        city_kk="Павлодар қ.",
        city_ru="г. Павлодар",
    )


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def font_names(data: bytes) -> set[str]:
    names = set()
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def admitted_order(institute, intake, organisation):
    order = make_order(
        OrderKind.ADMISSION, number="57", date=datetime.date(2026, 3, 1), intake=intake
    )
    for last, first in [("Әбілқасымова", "Үміт"), ("Қасымов", "Нұрлан"), ("Иванов", "Пётр")]:
        make_enrollment(
            make_listener(organisation, last_name=last, first_name=first),
            intake,
            state=S.ADMITTED,
            admission_order=order,
        )
    return order


def test_the_admission_order_reads_kazakh_then_russian(admitted_order, intake):
    data = render_admission_order_pdf(admitted_order)
    kk, ru = (flat(t) for t in pages_text(data))
    assert "БҰЙРЫҚ" in kk and "Тыңдаушыларды оқуға қабылдау туралы" in kk
    assert "01.03.2026 Павлодар қ. № 57" in kk
    assert (
        "№ 1211 бұйрығымен бекітілген Білім беру ұйымдары қызметкерлерінің біліктілігін"
        " арттыратын және оларды қайта даярлайтын оқу орындарының қызметін ұйымдастыру"
        " тәртібі туралы ережелердің 15-тармағына сәйкес, тыңдаушылардың өтініштері негізінде"
        " БҰЙЫРАМЫН: 1. Келесі тыңдаушылар"
    ) in kk
    assert "2. Осы бұйрықтың орындалуын бақылауды өзіме қалдырамын." in kk
    assert "ПРИКАЗ" in ru and "О зачислении слушателей на обучение" in ru
    assert "01.03.2026 г. Павлодар № 57" in ru
    assert (
        "В соответствии с п. 15 Правил о порядке организации деятельности учебных заведений"
    ) in ru
    assert (
        "от 29 декабря 2000 года № 1211, на основании заявлений слушателей ПРИКАЗЫВАЮ:"
        " 1. Зачислить на обучение по образовательной программе"
    ) in ru
    assert "2. Контроль за исполнением настоящего приказа оставляю за собой." in ru
    for text in (kk, ru):
        # The admitted in alphabetical order, numbered as the first point's sub-points.
        assert "1.1. Иванов Пётр" in text and "1.2. Қасымов Нұрлан" in text
        assert "1.3. Әбілқасымова Үміт" in text
        assert intake.code in text and "Қ. Жұмабеков" in text and "§" not in text
    assert "№1 мектеп" in kk and "Школа №1" in ru
    assert "Директордың міндетін атқарушы" in kk and "Исполняющий обязанности директора" in ru
    assert any("DejaVu" in name for name in font_names(data))


def test_the_expulsion_reference_states_order_ground_and_reason(institute, intake, listener):
    order = make_order(
        OrderKind.EXPULSION,
        number="88",
        date=datetime.date(2026, 3, 6),
        intake=intake,
        ground="curriculum",
        reason="Did not hand in the attestation work",
    )
    enrollment = make_enrollment(
        listener, intake, state=S.EXPELLED, expulsion_order=order, expulsion_reason=order.reason
    )
    data = render_expulsion_reference_pdf(enrollment)
    kk, ru = (flat(t) for t in pages_text(data))
    assert "АНЫҚТАМА" in kk and "СПРАВКА" in ru
    for text in (kk, ru):
        assert "Сұлтанова Гүлназ" in text and "№ 88" in text and "06.03.2026" in text
        assert "Did not hand in the attestation work" in text
    assert "оқу жоспарын орындамағаны үшін" in kk and "за невыполнение учебного плана" in ru
    assert "тәртібі туралы ережелердің 22-тармағына сәйкес берілді." in kk
    assert "Справка выдана в соответствии с п. 22 Правил о порядке организации" in ru
    assert "от 29 декабря 2000 года № 1211." in ru
    assert "§" not in kk + ru and "(-ась)" not in ru and "(а)" not in ru
    assert "приказом руководителя от 06.03.2026 № 88 за невыполнение учебного плана." in ru
    assert any("DejaVu" in name for name in font_names(data))


@pytest.mark.parametrize(
    ("fields", "studied", "expelled"),
    [
        ({"female": False}, "обучался", "и отчислен приказом"),
        ({"female": True}, "обучалась", "и отчислена приказом"),
        (
            {"passport_number": "N7654321", "citizenship": "RU"},
            "является лицом, с 02.03.2026 обучавшимся",
            "и отчисленным приказом",
        ),
    ],
    ids=["male", "female", "unknown"],
)
def test_the_reference_agrees_with_the_listeners_sex(
    institute, intake, organisation, fields, studied, expelled
):
    if "female" in fields:
        fields = {"iin": make_iin(female=fields["female"])}
    else:
        fields = {"iin": None, **fields}
    # No fixed number: make_enrollment makes orders numbered from the shared serial.
    order = make_order(OrderKind.EXPULSION, date=datetime.date(2026, 3, 6), intake=intake)
    enrollment = make_enrollment(
        make_listener(organisation, last_name="Ким", first_name="Саша", **fields),
        intake,
        state=S.EXPELLED,
        expulsion_order=order,
    )
    ru = flat(pages_text(render_expulsion_reference_pdf(enrollment))[1])
    assert studied in ru and expelled in ru
    if "лицом" not in studied:
        assert "лицом" not in ru
    assert "обучался(" not in ru and "отчислен(" not in ru


def test_the_bottom_margin_is_left_for_the_signature_stamp(admitted_order):
    heights = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            heights.append((tm[5] * cm[3] + cm[5]) * 25.4 / 72)

    for page in pypdf.PdfReader(io.BytesIO(render_admission_order_pdf(admitted_order))).pages:
        page.extract_text(visitor_text=visit)
    assert heights and min(heights) > 20


def test_a_hostile_name_is_printed_as_text_and_nothing_is_fetched(
    admitted_order, intake, organisation, monkeypatch
):
    make_enrollment(
        make_listener(organisation, last_name=HOSTILE_IMG, first_name=HOSTILE_LINK),
        intake,
        state=S.ADMITTED,
        admission_order=admitted_order,
    )
    fetched = []
    original = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    text = flat(pages_text(render_admission_order_pdf(admitted_order))[0])
    assert HOSTILE_IMG in text
    assert "".join(HOSTILE_LINK.split()) in "".join(text.split())  # the line may wrap
    assert fetched and all(url.startswith(STATIC_DIR.as_uri() + "/fonts/") for url in fetched)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        f"{STATIC_DIR.as_uri()}/../manage.py",
        f"{STATIC_DIR.as_uri()}/fonts/../../db.sqlite3",
        "http://127.0.0.1:9/x.css",
        "https://example.com/font.ttf",
        "data:text/css,body{}",
        "ftp://example.com/x",
        "file://evil.example.com/etc/passwd",
    ],
)
def test_the_fetcher_refuses_everything_outside_static(url):
    with pytest.raises(ResourceRefused):
        StaticOnlyFetcher()(url)


def test_the_fetcher_serves_the_fonts():
    response = StaticOnlyFetcher()(f"{STATIC_DIR.as_uri()}/fonts/DejaVuSerif.ttf")
    assert response.read(4) == b"\x00\x01\x00\x00"
    response.close()


def test_a_file_url_in_the_html_is_not_read():
    data = html_to_pdf('<p>x</p><img src="file:///etc/passwd"><iframe src="file:///etc/hostname">')
    assert "root:" not in "".join(pages_text(data))


def test_the_pdf_views_serve_pdf_and_404_for_the_unknown(client, methodologist, admitted_order):
    client.force_login(methodologist)
    response = client.get(reverse("listeners:order_pdf", args=[admitted_order.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(reverse("listeners:order_pdf", args=[0])).status_code == 404


def test_the_reference_view_after_an_expulsion_through_the_page(
    client, methodologist, institute, intake, listener
):
    enrollment = make_enrollment(listener, intake, state=S.ADMITTED)
    client.force_login(methodologist)
    client.post(
        reverse("listeners:enrollment_expel", args=[intake.pk, enrollment.pk]),
        {
            "expel-number": "301",
            "expel-date": "2026-03-07",
            "expel-head_name": "Қ. Жұмабеков",
            "expel-head_title": "",
            "expel-ground": "discipline",
            "expel-reason": "Absent since 3 March",
        },
    )
    response = client.get(
        reverse("listeners:expulsion_reference_pdf", args=[intake.pk, enrollment.pk])
    )
    assert response.status_code == 200
    text = flat(" ".join(pages_text(response.content)))
    assert "Absent since 3 March" in text and "№ 301" in text
