"""Adding by IIN in a browser, in Russian on a 390 px phone: the form opens near the top, the
contract's fields show only for a contract seat, and a wrong IIN brings the page back at the
form with the focus on the summary of what to correct."""

import pytest
from playwright.sync_api import expect

from listeners.models import Enrollment, Listener
from tests.conftest import browser_page, make_enrollment, make_iin, make_listener
from tests.listeners.enrollment.test_enrollment_views import page_url

PHONE = {"viewport": {"width": 390, "height": 844}}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_add_by_iin_on_a_phone_in_russian(
    browser, live_server, methodologist, intake, organisation
):
    for i in range(40):
        make_enrollment(make_listener(organisation, last_name=f"Слушатель {i:02}"), intake)
    page = browser_page(browser, live_server, methodologist, language="ru", **PHONE)
    page.goto(live_server.url + page_url(intake))
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The form's heading is on the first screen, above the list of forty.
    opener = page.locator(".add-by-iin summary")
    assert opener.bounding_box()["y"] < 844
    assert opener.bounding_box()["y"] < page.locator("table").bounding_box()["y"]
    # Scrolled sideways, the table keeps the listener's name at its left edge.
    wrap = page.locator(".table-wrap")
    wrap.evaluate("wrap => { wrap.scrollLeft = 300; }")
    assert wrap.evaluate("wrap => wrap.scrollLeft") > 0
    name = page.locator("tbody td.pin").first
    assert abs(name.bounding_box()["x"] - wrap.bounding_box()["x"]) < 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    opener.click()

    contract_number = page.locator("#id_add-contract_number")
    customer = page.locator("#id_add-customer")
    state_order = page.locator("#id_add-state_order_reference")
    basis = page.locator("#id_add-basis")
    # A state-order seat (the default): no contract fields.
    expect(state_order).to_be_visible()
    expect(contract_number).to_be_hidden()
    expect(customer).to_be_hidden()
    basis.select_option("contract_organisation")
    expect(contract_number).to_be_visible()
    expect(customer).to_be_visible()
    expect(state_order).to_be_hidden()
    basis.select_option("contract_person")
    expect(contract_number).to_be_visible()
    expect(customer).to_be_hidden()
    # Typed for a contract, then the seat made a state-order one: the number is not sent.
    contract_number.fill("Д-17")
    basis.select_option("state_order")
    expect(contract_number).to_be_hidden()

    page.locator("#id_add-iin").fill("850314300001")
    page.locator("#id_add-last_name").fill("Петрова")
    page.locator("#id_add-first_name").fill("Анна")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator(".add-by-iin button[type=submit]").click()
    assert page.url.endswith("#add")
    summary = page.locator("#add.error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("ИИН")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The summary's link leads to the field; the contract number was never sent.
    summary.get_by_role("link", name="ИИН").click()
    expect(page.locator("#id_add-iin")).to_be_in_viewport()
    expect(page.locator(".add-by-iin")).not_to_contain_text("Д-17")
    assert not Listener.objects.filter(last_name="Петрова").exists()
    assert Enrollment.objects.count() == 40

    # Corrected, the person is added; the contract number typed earlier was not kept.
    page.locator("#id_add-iin").fill(make_iin())
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator(".add-by-iin button[type=submit]").click()
    added = Enrollment.objects.get(listener__last_name="Петрова")
    assert (added.basis, added.contract_number) == ("state_order", "")
    page.context.close()
