"""In a browser, on a phone, in Kazakh: a visitor finds the check page from the home page's
header, types the number on a Latin layout and the surname with Russian letters, and the
document is found; after repeated misses the page says until when look-ups are paused and the
form cannot be used; an unknown QR link says the document is not in the register."""

import pytest
from django.conf import settings

from tests.certificates.test_views import completed, make_document
from tests.conftest import make_intake, make_programme, make_user

PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visitor_on_a_phone_checks_a_document_typed_loosely_and_is_paused_after_misses(
    browser, live_server
):
    from playwright.sync_api import expect

    administrator = make_user("administrator", "admin")
    enrollment = completed(
        make_intake(make_programme(hours=72)), last_name="Әлімқұлова", first_name="Гүлнар"
    )
    document = make_document(enrollment, by=administrator)
    prefix, year, serial = document.number.split("-")
    assert prefix == "СТ"

    context = browser.new_context(viewport=PHONE)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "kk", "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.locator("header").get_by_role("link", name="Құжатты тексеру").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Құжатты тексеру")
    # A Latin C and T, no dashes; the surname with Russian letters for Ә, Қ and Ұ.
    page.get_by_label("Тіркеу нөмірі").fill(f"ct {year}{serial}")
    page.get_by_label("Иесінің тегі").fill("алимкулова")
    page.get_by_role("button", name="Тексеру").click()
    expect(page.locator(".verdict.valid")).to_contain_text("Жарамды")
    expect(page.locator(".verdict.valid")).to_contain_text(document.number)
    expect(page.get_by_text("Әлімқұлова Гүлнар")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    for _ in range(5):
        page.get_by_label("Тіркеу нөмірі").fill("СТ-2026-99999")
        page.get_by_label("Иесінің тегі").fill("Кім")
        page.get_by_role("button", name="Тексеру").click()
        page.wait_for_load_state("domcontentloaded")
    expect(page.locator("#verify-paused")).to_contain_text("уақытша тоқтатылды")
    expect(page.locator("#verify-paused")).to_contain_text("10 минуттан кейін")
    expect(page.get_by_label("Тіркеу нөмірі")).to_be_disabled()
    expect(page.get_by_label("Иесінің тегі")).to_be_disabled()
    expect(page.get_by_role("button", name="Тексеру")).to_be_disabled()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    response = page.goto(f"{live_server.url}/documents/verify/no-such-token/")
    assert response.status == 404
    expect(page.locator(".verdict")).to_contain_text("Тізілімде жоқ")
    expect(page.get_by_label("Тіркеу нөмірі")).to_be_disabled()  # still paused
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_employer_on_a_phone_drops_the_signed_pdf_and_then_a_tampered_copy(
    browser, live_server, settings, tmp_path, signing
):
    from playwright.sync_api import expect

    from certificates.services import document_issue
    from tests.certificates.conftest import make_completed, make_issuing_institute

    settings.MEDIA_ROOT = tmp_path
    make_issuing_institute()
    document = document_issue(
        enrollment=make_completed(last_name="Сейітова"), by=make_user("administrator", "admin")
    )
    with document.pdf.open("rb") as stored:
        data = stored.read()
    tampered = bytearray(data)
    tampered[tampered.find(b"stream") + 40] ^= 0x01

    context = browser.new_context(viewport=PHONE)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/documents/verify/")
    page.get_by_role("link", name="Check a PDF file you were sent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a PDF file")
    page.get_by_label("PDF file of the document").set_input_files(
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": data}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".verdict.valid")).to_contain_text(document.number)
    expect(page.get_by_text("unchanged since signing")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_label("PDF file of the document").set_input_files(
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": bytes(tampered)}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".verdict.revoked")).to_contain_text("Changed after signing")
    context.close()
