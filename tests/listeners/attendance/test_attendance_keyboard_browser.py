"""The attendance journal in a browser, in Kazakh on a 390 px phone: "all present" marks a
session in place, the keyboard walks the grid and sets marks, the focus stays where the
person is, and the listener's name stays in view when the journal scrolls sideways."""

import pytest
from django.utils.translation import override
from playwright.sync_api import expect

from listeners.models import Attendance, Mark
from listeners.rules import EnrollmentState as S
from tests.conftest import browser_page, make_enrollment
from tests.listeners.attendance.test_attendance_views import journal_url, make_sessions

PHONE = {"viewport": {"width": 390, "height": 844}}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_all_present_and_the_keyboard_on_a_phone_in_kazakh(
    browser, live_server, methodologist, intake, listener, other_listener
):
    sessions = make_sessions(intake, hours=(2, 2, 2, 2, 2, 2))
    first = make_enrollment(listener, intake, state=S.ADMITTED)
    second = make_enrollment(other_listener, intake, state=S.ADMITTED)
    Attendance.objects.create(enrollment=first, session=sessions[0], mark=Mark.ABSENT)
    page = browser_page(browser, live_server, methodologist, language="kk", **PHONE)
    page.goto(live_server.url + journal_url(intake))
    assert page.locator("html").get_attribute("lang") == "kk"
    page.evaluate("window.notReloaded = true")

    # "All present" for the first session: the other listener becomes present, the absence
    # noted before is kept, in place.
    page.locator(f"#present-session-{sessions[0].pk}").click()
    expect(page.locator("#journal-status")).not_to_be_empty()
    expect(page.locator(f"#cell-{second.pk}-{sessions[0].pk} button")).to_have_class("badge ok")
    assert page.evaluate("window.notReloaded") is True
    assert page.evaluate("document.activeElement.id") == f"present-session-{sessions[0].pk}"
    assert Attendance.objects.get(enrollment=first, session=sessions[0]).mark == Mark.ABSENT
    assert Attendance.objects.get(enrollment=second, session=sessions[0]).mark == Mark.PRESENT

    # The keyboard: from the first row's first cell (Иванов before Сұлтанова), right and
    # down, then 3 marks that cell excused.
    page.locator(f"#mark-{second.pk}-{sessions[0].pk}").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == f"mark-{first.pk}-{sessions[1].pk}"
    page.keyboard.press("3")
    expect(page.locator(f"#cell-{first.pk}-{sessions[1].pk} button")).to_have_class("badge warn")
    # The new button has the focus, and says the new mark to a screen reader.
    focused = page.locator(f"#mark-{first.pk}-{sessions[1].pk}")
    expect(focused).to_be_focused()
    label = focused.get_attribute("aria-label")
    with override("kk"):
        excused = str(Mark.EXCUSED.label)
    assert listener.full_name in label and excused in label
    # Space moves it on (excused → present), as a click would.
    page.keyboard.press("Space")
    expect(page.locator(f"#cell-{first.pk}-{sessions[1].pk} button")).to_have_class("badge ok")
    expect(page.locator(f"#mark-{first.pk}-{sessions[1].pk}")).to_be_focused()
    assert Attendance.objects.get(enrollment=first, session=sessions[1]).mark == Mark.PRESENT
    # The focus can be seen.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"

    # Sideways, the journal scrolls inside its frame and the name stays at the left edge.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    name = page.locator("#journal tbody th").first
    before = name.bounding_box()["x"]
    page.locator(".table-wrap").evaluate("wrap => { wrap.scrollLeft = 300; }")
    assert page.locator(".table-wrap").evaluate("wrap => wrap.scrollLeft") > 0
    assert abs(name.bounding_box()["x"] - before) < 1
    assert page.evaluate("window.notReloaded") is True
    page.context.close()
