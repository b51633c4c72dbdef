"""Diplomas on the ministry's blank forms (issue 13, item 5): batches received, each diploma
taking the next form, forms written off with the reason, the reprint of a misprint, the
strict-reporting statement, and the print of the variable text only."""

import datetime
import io

import openpyxl
import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates.blanks.report import blank_statement
from certificates.blanks.services import blank_of, blank_spoil
from certificates.models import (
    BlankBatch,
    BlankLayout,
    BlankUse,
    BlankUseState,
    Document,
    DocumentSeries,
)
from certificates.services import document_duplicate, document_issue, document_revoke
from courses.rules import DocumentKind, ProgrammeKind
from institute.models import AuditEntry
from institute.rules import RuleViolation
from tests.certificates.conftest import make_batch, make_completed
from tests.conftest import make_intake, make_programme

ON = datetime.date(2026, 3, 14)
SERIES = "ЖБ-Б"


@pytest.fixture(autouse=True)
def in_english(english):
    """The services' messages are read in English (the pages set the language cookie)."""


@pytest.fixture
def diploma_intake(db):
    programme = make_programme(
        kind=ProgrammeKind.SECOND_DEGREE,
        hours=1440,
        title_kk="Педагогика және психология",
        title_ru="Педагогика и психология",
    )
    return make_intake(
        programme, start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2026, 3, 6)
    )


def issue_diploma(intake, by, **listener_fields) -> Document:
    return document_issue(enrollment=make_completed(intake, **listener_fields), by=by, on=ON)


def forms() -> list[tuple[str, int, str, str | None]]:
    return list(BlankUse.objects.values_list("series", "number", "state", "document_id"))


# --- batches ---------------------------------------------------------------------------------


def test_a_batch_overlapping_another_of_the_same_series_is_refused(db, administrator):
    make_batch(1, 100, by=administrator)

    with pytest.raises(RuleViolation, match="overlap the batch ЖБ-Б 1–100"):
        make_batch(100, 150, by=administrator)

    assert list(BlankBatch.objects.values_list("first_number", "last_number")) == [(1, 100)]
    make_batch(100, 150, series="ЖБ-В", by=administrator)  # another series: other forms
    assert BlankBatch.objects.count() == 2


def test_a_reversed_range_is_refused(db, administrator):
    with pytest.raises(RuleViolation, match="first number must not exceed the last"):
        make_batch(20, 10, by=administrator)
    assert not BlankBatch.objects.exists()


# --- taking forms ----------------------------------------------------------------------------


def test_each_diploma_takes_the_lowest_free_form_of_the_oldest_batch(
    issuer, administrator, diploma_intake
):
    make_batch(1, 3, series="ЖБ-В", received_on=datetime.date(2026, 2, 1))
    make_batch(5, 6, received_on=datetime.date(2026, 1, 10))

    diplomas = [issue_diploma(diploma_intake, administrator) for _ in range(3)]

    assert forms() == [
        (SERIES, 5, "used", diplomas[0].number),
        (SERIES, 6, "used", diplomas[1].number),
        ("ЖБ-В", 1, "used", diplomas[2].number),
    ]
    assert [blank_of(d).number for d in diplomas] == [5, 6, 1]


def test_a_certificate_takes_no_form(issuer, administrator, intake):
    make_batch(1, 3)
    document = document_issue(enrollment=make_completed(intake), by=administrator, on=ON)
    assert document.kind == DocumentKind.CERTIFICATE
    assert forms() == []


def test_with_no_form_left_a_diploma_is_refused_and_nothing_is_saved(
    issuer, administrator, diploma_intake, tmp_path
):
    make_batch(1, 1)
    first = issue_diploma(diploma_intake, administrator)
    enrollment = make_completed(diploma_intake)

    with pytest.raises(RuleViolation, match="No blank diploma forms left: record a new batch"):
        document_issue(enrollment=enrollment, by=administrator, on=ON)

    assert list(Document.objects.values_list("number", flat=True)) == [first.number]
    assert DocumentSeries.objects.get(kind=DocumentKind.DIPLOMA).last_serial == 1
    assert forms() == [(SERIES, 1, "used", first.number)]
    assert [p.name for p in tmp_path.rglob("*.pdf")] == [first.pdf.name.rsplit("/", 1)[-1]]
    # A new batch and the refused diploma is issued with the number the refusal gave back.
    make_batch(2, 2)
    second = document_issue(enrollment=enrollment, by=administrator, on=ON)
    assert (second.serial, blank_of(second).number) == (2, 2)


def test_a_duplicate_and_a_corrected_diploma_each_take_a_new_form(
    issuer, administrator, diploma_intake
):
    make_batch(1, 5)
    original = issue_diploma(diploma_intake, administrator)

    duplicate = document_duplicate(document=original, by=administrator)
    corrected = document_revoke(
        document=duplicate, by=administrator, reason="Фамилия с ошибкой", reissue=True
    )

    assert forms() == [
        (SERIES, 1, "used", original.number),
        (SERIES, 2, "used", duplicate.number),
        (SERIES, 3, "used", corrected.number),
    ]


# --- writing off -----------------------------------------------------------------------------


def test_a_spoiled_printed_form_is_written_off_and_the_diploma_takes_the_next(
    issuer, administrator, diploma_intake
):
    make_batch(1, 5)
    diploma = issue_diploma(diploma_intake, administrator)

    reprint = blank_spoil(series=SERIES, number=1, reason="Принтер смазал", by=administrator)

    assert (reprint.number, reprint.document_id) == (2, diploma.number)
    assert forms() == [
        (SERIES, 1, "spoiled", diploma.number),
        (SERIES, 2, "used", diploma.number),
    ]
    spoiled = BlankUse.objects.get(number=1)
    assert spoiled.reason == "Принтер смазал" and spoiled.spoiled_at is not None
    diploma.refresh_from_db()
    assert diploma.number == "ДП-2026-00001" and blank_of(diploma).number == 2
    assert AuditEntry.objects.filter(
        action="document.reprinted", object_id=diploma.pk, data__form=f"{SERIES} 2"
    ).exists()


def test_a_form_spoiled_in_the_safe_is_passed_over(issuer, administrator, diploma_intake):
    make_batch(1, 5)
    assert blank_spoil(series=SERIES, number=1, reason="Порван", by=administrator) is None

    diploma = issue_diploma(diploma_intake, administrator)

    assert forms() == [(SERIES, 1, "spoiled", None), (SERIES, 2, "used", diploma.number)]


@pytest.mark.parametrize(
    ("number", "reason", "message"),
    [
        (1, "  ", "Give the reason for writing the form off"),
        (99, "Порван", "No batch recorded holds form ЖБ-Б 99"),
        (3, "Ещё раз", "already written off"),
    ],
)
def test_writing_off_is_refused_without_reason_outside_the_batches_or_twice(
    db, administrator, number, reason, message
):
    make_batch(1, 5)
    blank_spoil(series=SERIES, number=3, reason="Порван", by=administrator)

    with pytest.raises(RuleViolation, match=message):
        blank_spoil(series=SERIES, number=number, reason=reason, by=administrator)

    assert forms() == [(SERIES, 3, "spoiled", None)]


# --- the statement ---------------------------------------------------------------------------


def _taken_on(numbers: list[int], day: datetime.date) -> None:
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    BlankUse.objects.filter(number__in=numbers).update(at=moment)


@pytest.fixture
def stock(issuer, administrator, diploma_intake):
    """Batch ЖБ-Б 1–10 received 10.01, batch 11–15 received 01.03. In January forms 1 (used)
    and 2 (misprinted, written off later); in February 3 (used), 4 (torn in the safe) and
    5 (the misprint's reprint)."""
    make_batch(1, 10, received_on=datetime.date(2026, 1, 10))
    make_batch(11, 15, received_on=datetime.date(2026, 3, 1))
    issue_diploma(diploma_intake, administrator)
    issue_diploma(diploma_intake, administrator)
    issue_diploma(diploma_intake, administrator)
    blank_spoil(series=SERIES, number=4, reason="Порван при выдаче", by=administrator)
    blank_spoil(series=SERIES, number=2, reason="Опечатка в фамилии", by=administrator)
    _taken_on([1, 2], datetime.date(2026, 1, 20))
    _taken_on([3, 4, 5], datetime.date(2026, 2, 10))


def counts(batch) -> tuple[int, ...]:
    return (batch.on_hand, batch.received, batch.used, batch.spoiled, batch.left)


def test_the_statement_counts_on_hand_received_used_spoiled_and_left(stock):
    february = blank_statement(
        date_from=datetime.date(2026, 2, 1), date_to=datetime.date(2026, 3, 31)
    )
    january = blank_statement(
        date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 1, 31)
    )

    assert [counts(batch) for batch in february.batches] == [(8, 0, 2, 1, 5), (0, 5, 0, 0, 5)]
    assert february.total == {"on_hand": 8, "received": 5, "used": 2, "spoiled": 1, "left": 10}
    assert [(u.number, u.reason) for u in february.spoiled] == [(4, "Порван при выдаче")]
    assert [counts(batch) for batch in january.batches] == [(0, 10, 1, 1, 8)]
    assert [(u.number, u.reason) for u in january.spoiled] == [(2, "Опечатка в фамилии")]


def test_the_statement_takes_the_same_queries_whatever_the_stock(stock, django_assert_num_queries):
    def run() -> None:
        statement = blank_statement(
            date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 12, 31)
        )
        list(statement.spoiled)

    with CaptureQueriesContext(connection) as few:
        run()
    for first in range(100, 1000, 100):
        make_batch(first, first + 50, received_on=datetime.date(2026, 4, 1))
        blank_spoil(series=SERIES, number=first, reason="Порван", by=None)
    with django_assert_num_queries(len(few.captured_queries)):
        run()
    assert len(few.captured_queries) == 2


def test_the_statement_page_and_its_export(stock, en, administrator, django_assert_max_num_queries):
    en.force_login(administrator)
    period = {"date_from": "2026-02-01", "date_to": "2026-03-31"}

    with django_assert_max_num_queries(6):
        page = en.get(reverse("certificates:blank_report"), period)
    export = en.get(reverse("certificates:blank_report_export"), period)

    text = page.content.decode()
    assert page.status_code == 200 and "Порван при выдаче" in text
    assert "Опечатка в фамилии" not in text  # taken in January
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[-1][1:] == ("Total", None, None, None, 8, 5, 2, 1, 10)
    spoiled = list(book.worksheets[1].iter_rows(values_only=True))
    assert spoiled[-1][1:3] == (SERIES, 4) and spoiled[-1][6] == "Порван при выдаче"


# --- printing --------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_print_lays_only_the_variable_text_on_the_form(
    issuer, en, administrator, diploma_intake
):
    make_batch(7, 9)
    diploma = issue_diploma(
        diploma_intake, administrator, last_name="Әбілқасымова", first_name="Үміт"
    )
    en.force_login(administrator)

    response = en.get(reverse("certificates:blank_print", args=[diploma.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    [page] = pypdf.PdfReader(io.BytesIO(response.content)).pages
    assert (round(page.mediabox.width), round(page.mediabox.height)) == (595, 842)  # A4
    text = pdf_text(response.content)
    for variable in (
        "Әбілқасымова Үміт",
        "Педагогика және психология",
        "Педагогика и психология",
        "1440",
        "01.09.2025",
        "06.03.2026",
        "14.03.2026",
        diploma.number,
        "ЖБ-Б 7",
    ):
        assert variable in text, variable
    # The form's own wording is pre-printed: none of it comes from the register.
    assert "ДИПЛОМ" not in text.upper() and "МЕМЛЕКЕТТІК" not in text.upper()
    assert AuditEntry.objects.filter(action="document.printed", object_id=diploma.pk).exists()


def test_the_print_follows_the_active_layout(issuer, en, administrator, diploma_intake):
    make_batch(1, 2)
    diploma = issue_diploma(diploma_intake, administrator)
    BlankLayout.objects.create(
        name="Бланк 2026",
        page_width_mm=200,
        page_height_mm=140,
        positions={"blank": {"x": 10, "y": 10, "size": 10}},
        active=True,
    )
    en.force_login(administrator)

    response = en.get(reverse("certificates:blank_print", args=[diploma.pk]))

    [page] = pypdf.PdfReader(io.BytesIO(response.content)).pages
    assert round(float(page.mediabox.width) / 72 * 25.4) == 200
    assert pdf_text(response.content) == "ЖБ-Б 1"  # only the fields the layout places


def test_the_test_print_has_rulers_and_a_box_per_field(en, administrator):
    en.force_login(administrator)

    response = en.get(reverse("certificates:blank_test_print"))

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Full name (30, 95)" in text and "Form series and number (130, 270)" in text
    assert "100" in text and "290" in text  # the millimetre rulers


def test_a_layout_with_an_unknown_field_or_a_bad_offset_is_refused(db):
    layout = BlankLayout(name="Кривой", positions={"stamp": {}, "hours": {"x": -1, "y": 10}})
    with pytest.raises(ValidationError) as error:
        layout.full_clean()
    messages = error.value.message_dict["positions"]
    assert "Unknown field: stamp." in messages
    assert any("Hours: x must be a number of millimetres" in m for m in messages)


def test_a_certificate_has_no_print_on_a_form(en, administrator, document):
    en.force_login(administrator)
    response = en.get(reverse("certificates:blank_print", args=[document.pk]))
    assert response.status_code == 404


# --- the pages -------------------------------------------------------------------------------


def test_the_administrator_records_a_batch_on_the_page(en, administrator):
    en.force_login(administrator)
    data = {
        "series": "ЖБ-Б",
        "first_number": "1",
        "last_number": "50",
        "received_on": "2026-01-10",
        "delivery_note": "Акт № 12",
    }

    recorded = en.post(reverse("certificates:blank_batches"), data, follow=True)
    overlapping = en.post(reverse("certificates:blank_batches"), {**data, "first_number": "50"})

    assert "Batch ЖБ-Б 1–50 recorded: 50 forms." in recorded.content.decode()
    assert overlapping.status_code == 400
    assert "overlap the batch ЖБ-Б 1–50" in overlapping.content.decode()
    batch = BlankBatch.objects.get()
    assert (batch.size, batch.delivery_note, batch.received_by) == (50, "Акт № 12", administrator)


def test_the_administrator_writes_a_misprint_off_on_the_page(
    issuer, en, administrator, diploma_intake
):
    make_batch(1, 5)
    diploma = issue_diploma(diploma_intake, administrator)
    en.force_login(administrator)

    missing_reason = en.post(reverse("certificates:blank_spoil"), {"series": SERIES, "number": 1})
    response = en.post(
        reverse("certificates:blank_spoil"),
        {"series": SERIES, "number": 1, "reason": "Смазано"},
        follow=True,
    )

    assert missing_reason.status_code == 400
    text = response.content.decode()
    assert f"diploma {diploma.number} now takes form ЖБ-Б 2" in text
    assert BlankUse.objects.get(number=1).state == BlankUseState.SPOILED


@pytest.mark.parametrize("who", ["methodologist", "district_methodologist", "listener"])
@pytest.mark.parametrize(
    "name", ["blank_batches", "blank_report", "blank_report_export", "blank_test_print"]
)
def test_only_administrators_see_the_blank_forms(client, request, who, name):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    assert client.get(reverse(f"certificates:{name}")).status_code == 403


def test_anyone_else_may_not_write_a_form_off(client, methodologist):
    make_batch(1, 5)
    client.force_login(methodologist)
    data = {"series": SERIES, "number": 1, "reason": "Порван"}
    assert client.post(reverse("certificates:blank_spoil"), data).status_code == 403
    assert not BlankUse.objects.exists()


def test_the_document_page_shows_the_form_and_the_reprint(
    issuer, en, administrator, diploma_intake
):
    make_batch(1, 5)
    diploma = issue_diploma(diploma_intake, administrator)
    blank_spoil(series=SERIES, number=1, reason="Смазано", by=administrator)
    en.force_login(administrator)

    page = en.get(reverse("certificates:document_detail", args=[diploma.pk])).content.decode()

    assert "Blank form</dt><dd>ЖБ-Б 2" in page
    assert reverse("certificates:blank_print", args=[diploma.pk]) in page
    assert "Moved to a new blank form" in page


# --- at the same moment (PostgreSQL) -----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_diplomas_never_share_a_form(issuer, administrator, diploma_intake):
    from tests.certificates.test_concurrency import at_once

    make_batch(1, 4)
    enrollments = [make_completed(diploma_intake) for _ in range(6)]

    results = at_once(
        [lambda e=e: document_issue(enrollment=e, by=administrator, on=ON) for e in enrollments]
    )

    issued = [r for r in results if isinstance(r, Document)]
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(issued) == 4 and len(refused) == 2, results
    assert all(error.code == "no_blank_forms" for error in refused)
    assert sorted(BlankUse.objects.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert DocumentSeries.objects.get(kind=DocumentKind.DIPLOMA).last_serial == 4


@pytest.mark.parametrize(("who", "linked"), [("administrator", True), ("methodologist", False)])
def test_the_register_leads_administrators_to_the_blank_forms(en, request, who, linked):
    en.force_login(request.getfixturevalue(who))
    page = en.get(reverse("certificates:register")).content.decode()
    assert (reverse("certificates:blank_batches") in page) is linked
