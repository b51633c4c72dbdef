"""The register of issued documents on a 390 px phone, in Russian: its filter wraps inside
the screen (the page never scrolls sideways) and the document's number stays in view when
the table is scrolled."""

import pytest

from institute.models import Organisation
from tests.certificates.test_views import completed, make_document
from tests.conftest import browser_page, make_bin, make_intake

PHONE = {"viewport": {"width": 390, "height": 844}}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_register_filter_fits_a_phone(browser, live_server, district, administrator):
    # A long organisation name is what made the filter's select wider than the screen.
    school = Organisation.objects.create(
        name_kk="Павлодар облысы білім беру басқармасының Ертіс ауданы бойынша білім бөлімінің "
        "№1 жалпы орта білім беретін мектебі",
        name_ru="Средняя общеобразовательная школа №1 отдела образования по Иртышскому району "
        "управления образования Павлодарской области",
        bin=make_bin(),
        kind="school",
        district=district,
    )
    document = make_document(
        completed(make_intake(), school, last_name="Константинопольская"), by=administrator
    )
    page = browser_page(browser, live_server, administrator, language="ru", **PHONE)
    page.goto(live_server.url + "/documents/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    form = page.get_by_role("search")
    box = form.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    for control in form.locator("input, select, button").all():
        edge = control.bounding_box()
        assert edge["x"] >= 0 and edge["x"] + edge["width"] <= 390, control.get_attribute("name")
    # The table scrolls inside its frame; the registration number stays at the left edge.
    number = page.get_by_role("link", name=document.number)
    before = number.bounding_box()["x"]
    page.locator(".table-wrap").evaluate("wrap => { wrap.scrollLeft = 400; }")
    assert page.locator(".table-wrap").evaluate("wrap => wrap.scrollLeft") > 0
    assert abs(number.bounding_box()["x"] - before) < 1
    page.context.close()
