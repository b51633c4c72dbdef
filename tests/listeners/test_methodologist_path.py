"""A methodologist's whole path through an intake, in Chromium, as they would walk it: plan
the intake and its sessions, import a list with a bad row, fix it, admit by order, mark
attendance (by keyboard too), approve the commission, record results, expel one listener
with a reason, print the order and the reference (their text read back from the PDFs) and
download the lists. Then the same pages at a phone's width."""

import datetime
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from courses.models import Intake
from listeners.models import Attendance, Enrollment, EnrollmentTransition, Mark
from listeners.rules import EnrollmentState
from tests.conftest import (
    IMMEDIATE_TASKS,
    browser_page,
    follow,
    make_enrollment,
    make_iin,
    make_intake,
    make_listener,
)
from tests.listeners.imports.test_imports import xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def worker(settings, tmp_path):
    """The background tasks run as soon as their transaction commits; uploads and exports go
    to a temporary folder."""
    settings.TASKS = IMMEDIATE_TASKS
    settings.MEDIA_ROOT = tmp_path


def _pdf_text(page, url: str) -> str:
    response = page.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    return "\n".join(p.extract_text() for p in reader.pages)


def _download(page, link) -> bytes:
    with page.expect_download() as download:
        link.click()
    return open(download.value.path(), "rb").read()


def _sheet_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data))
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def test_the_whole_path_of_an_intake(
    browser, live_server, methodologist, programme, organisation, worker
):
    page = browser_page(browser, live_server, methodologist)
    url = live_server.url
    start = datetime.date.today() - datetime.timedelta(days=14)
    end = start + datetime.timedelta(days=9)

    # 1. Plan the intake: 3 state-order seats and 1 contract seat.
    page.goto(url + "/work/intakes/new/")
    page.select_option("#id_programme", str(programme.pk))
    page.fill("#id_code", "ПК-2026-77")
    page.fill("#id_start_date", f"{start:%d.%m.%Y}")
    page.fill("#id_end_date", f"{end:%d.%m.%Y}")
    for name, value in [("capacity", "4"), ("state_order_seats", "3"), ("contract_seats", "1")]:
        page.fill(f"#id_{name}", value)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/work/intakes/*/")
    intake = Intake.objects.get(code="ПК-2026-77")
    assert (intake.state_order_seats, intake.contract_seats) == (3, 1)

    # Two sessions that add up to the programme's 72 hours.
    for offset, topic in [(0, "Кіріспе"), (1, "Практикум")]:
        page.fill("#id_session-date", f"{start + datetime.timedelta(days=offset):%d.%m.%Y}")
        page.fill("#id_session-topic", topic)
        page.fill("#id_session-hours", "36")
        follow(page, page.get_by_role("button", name="Add session"))
    assert page.locator("#sessions").get_by_text("Hours match").is_visible()

    # 2. Import a list with a bad IIN in the middle: nothing is imported, the row is named.
    iins = [make_iin(), make_iin(), make_iin()]
    rows = [
        [iins[0], "Әлиева", "Гүлнар", "", organisation.bin, "мұғалім", ""],
        ["871008401428", "Сейітов", "Дәулет", "", organisation.bin, "мұғалім", "иә"],
        [iins[2], "Қасымов", "Ерлан", "", organisation.bin, "мұғалім", ""],
    ]
    page.goto(url + f"/work/intakes/{intake.pk}/enrollments/")
    page.get_by_role("link", name="Import a list from .xlsx or .csv").click()
    page.set_input_files(
        "#id_file", files=[{"name": "list.xlsx", "mimeType": XLSX_TYPE, "buffer": xlsx(rows)}]
    )
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_text("1 row cannot be imported").wait_for()
    assert "wrong check digit" in page.locator("#import-status").inner_text()
    assert not Enrollment.objects.filter(intake=intake).exists()

    # Fix the row and upload again: all three are imported once confirmed.
    rows[1][0] = iins[1]
    page.get_by_role("link", name="Upload a corrected file").click()
    page.set_input_files(
        "#id_file", files=[{"name": "list.xlsx", "mimeType": XLSX_TYPE, "buffer": xlsx(rows)}]
    )
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name="Import 3 applicants").click()
    page.get_by_text("3 applications imported.").wait_for()
    assert Enrollment.objects.filter(intake=intake, state=EnrollmentState.APPLIED).count() == 3

    # 3. Admit all three by an admission order: the state-order seats are then full.
    page.goto(url + f"/work/intakes/{intake.pk}/enrollments/")
    boxes = page.locator("input[name=enrollment][form=admit]")
    select_all = page.get_by_role("checkbox", name="All")
    select_all.check()
    assert [box.is_checked() for box in boxes.all()] == [True, True, True]
    # One cleared: the "all" box is then in between, neither ticked nor clear.
    boxes.first.uncheck()
    assert select_all.evaluate("box => [box.checked, box.indeterminate]") == [False, True]
    boxes.first.check()
    assert select_all.is_checked()
    page.fill("#id_admit-number", "15-к")
    page.fill("#id_admit-head_name", "Нұрланов Серік")
    follow(page, page.get_by_role("button", name="Admit by this order"))
    assert page.locator(".seats-state").inner_text().strip() == "0 / 3"
    admitted = Enrollment.objects.filter(intake=intake, state=EnrollmentState.ADMITTED)
    assert admitted.count() == 3
    order_link = page.get_by_role("link", name="№ 15-к").first
    order_text = _pdf_text(page, url + order_link.get_attribute("href"))
    assert "БҰЙРЫҚ" in order_text and "ПРИКАЗ" in order_text and "15-к" in order_text
    assert "Әлиева" in order_text and "Қасымов" in order_text

    # A fourth state-order applicant is refused and told how many seats are left.
    late = make_enrollment(make_listener(organisation), intake)
    page.reload()
    page.locator(f"input[name=enrollment][value='{late.pk}']").check()
    page.fill("#id_admit-number", "16-к")
    page.fill("#id_admit-head_name", "Нұрланов Серік")
    follow(page, page.get_by_role("button", name="Admit by this order"))
    refusal = page.locator(".messages, .errorlist").first.inner_text()
    assert "but only 0 state-order seats are left" in refusal and "Nobody was admitted" in refusal
    late.refresh_from_db()
    assert late.state == EnrollmentState.APPLIED

    # 4. Attendance: one click, and the keyboard, save a mark in place.
    aliyeva = admitted.get(listener__last_name="Әлиева")
    kasymov = admitted.get(listener__last_name="Қасымов")
    seitov = admitted.get(listener__last_name="Сейітов")
    sessions = list(intake.sessions.order_by("date"))
    page.goto(url + f"/work/intakes/{intake.pk}/attendance/")
    page.evaluate("window.notReloaded = true")
    page.locator(f"#cell-{aliyeva.pk}-{sessions[0].pk} button").click()
    # expect() rather than wait_for_function: the page's CSP forbids eval().
    expect(page.locator(f"#cell-{aliyeva.pk}-{sessions[0].pk}")).to_have_text(
        "Present", use_inner_text=True
    )
    page.locator(f"#cell-{kasymov.pk}-{sessions[0].pk} button").focus()
    page.keyboard.press("Enter")
    # expect() rather than wait_for_function: the page's CSP forbids eval().
    expect(page.locator(f"#cell-{kasymov.pk}-{sessions[0].pk}")).to_have_text(
        "Present", use_inner_text=True
    )
    assert page.evaluate("window.notReloaded") is True
    assert Attendance.objects.filter(session=sessions[0], mark=Mark.PRESENT).count() == 2

    # 5. Expel Seitov by an order that states the reason (§22), and print his reference.
    page.goto(url + f"/work/intakes/{intake.pk}/enrollments/?expel={seitov.pk}#expel")
    page.fill("#id_expel-number", "21-о")
    page.fill("#id_expel-head_name", "Нұрланов Серік")
    page.get_by_role("button", name="Expel by this order").click()
    # No reason: the browser itself keeps the form (the field is required) and marks it.
    expect(page.locator("#id_expel-reason:invalid")).to_be_visible()
    assert page.url.endswith(f"?expel={seitov.pk}#expel")
    seitov.refresh_from_db()
    assert seitov.state == EnrollmentState.ADMITTED
    page.fill("#id_expel-reason", "Оқу бағдарламасын орындамады")
    follow(page, page.get_by_role("button", name="Expel by this order"))
    seitov.refresh_from_db()
    assert seitov.state == EnrollmentState.EXPELLED
    reference = page.get_by_role("link", name="Reference (PDF)")
    reference_text = _pdf_text(page, url + reference.get_attribute("href"))
    assert "АНЫҚТАМА" in reference_text and "СПРАВКА" in reference_text
    assert "Сейітов" in reference_text and "Оқу бағдарламасын орындамады" in reference_text

    # 6. Attestation: approve the commission by an order, then record the results.
    page.goto(url + f"/work/intakes/{intake.pk}/attestation/")
    page.fill("#id_member-0-full_name", "Омарова Сәуле")
    page.fill("#id_commission-number", "30-к")
    page.fill("#id_commission-head_name", "Нұрланов Серік")
    follow(page, page.get_by_role("button", name="Approve the commission by this order"))
    assert page.locator(".commission-members").get_by_text("Омарова Сәуле").is_visible()
    page.get_by_label("Result of Әлиева Гүлнар").select_option("passed")
    page.get_by_label("Grade of Әлиева Гүлнар").select_option("5")
    page.get_by_label("Remark on Әлиева Гүлнар").fill("жұмысы үздік")
    page.get_by_label("Result of Қасымов Ерлан").select_option("failed")
    follow(page, page.get_by_role("button", name="Record the results"))
    aliyeva.refresh_from_db()
    kasymov.refresh_from_db()
    assert (aliyeva.state, kasymov.state) == (EnrollmentState.COMPLETED, EnrollmentState.FAILED)
    assert (aliyeva.grade, aliyeva.final_result) == (5, "жұмысы үздік")
    # Every state change is kept with who made it.
    made_by = set(
        EnrollmentTransition.objects.filter(enrollment__intake=intake)
        .exclude(to_state=EnrollmentState.APPLIED)
        .values_list("by__username", flat=True)
    )
    assert made_by == {methodologist.username}

    # 7. The lists as .xlsx: the intake's list and results, and the accounting lists.
    page.goto(url + f"/work/intakes/{intake.pk}/enrollments/")
    listed = _sheet_text(_download(page, page.get_by_role("link", name="list", exact=True)))
    assert "Әлиева" in listed and "Қасымов" in listed
    results = _sheet_text(_download(page, page.get_by_role("link", name="results", exact=True)))
    assert "5 (excellent)" in results and "жұмысы үздік" in results
    page.goto(url + "/work/accounting/")
    page.fill("#id_start", f"{start:%d.%m.%Y}")
    page.fill("#id_end", f"{end:%d.%m.%Y}")
    page.get_by_role("button", name="Prepare .xlsx").click()
    ready = page.get_by_role("link", name="Download .xlsx")
    ready.wait_for()
    accounting = _sheet_text(_download(page, ready))
    # Seitov came from another town (the import's last column said «иә»).
    assert "Сейітов" in accounting
    page.context.close()


def test_the_workspace_fits_a_phone(browser, live_server, methodologist, organisation):
    intake = make_intake()
    for _ in range(3):
        make_enrollment(make_listener(organisation), intake)
    page = browser_page(browser, live_server, methodologist, viewport={"width": 375, "height": 740})
    for path in [
        "/work/",
        "/work/intakes/",
        f"/work/intakes/{intake.pk}/",
        f"/work/intakes/{intake.pk}/enrollments/",
        f"/work/intakes/{intake.pk}/attendance/",
        f"/work/intakes/{intake.pk}/attestation/",
    ]:
        page.goto(live_server.url + path)
        # Wide tables scroll inside their own box; the page itself never scrolls sideways.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
    page.context.close()
