"""A teacher on a phone, in Chromium: finds a course in the catalogue, applies (the school
picked from the register's search box), opens the account from the e-mailed link, sets a
password and signs in with the IIN, landing on their page. No page scrolls sideways."""

import datetime
import re

import pytest
from django.core import mail

from courses.models import IntakeStatus, Language
from institute.models import Organisation
from listeners.models import Enrollment, Listener
from listeners.rules import EnrollmentState
from tests.conftest import IMMEDIATE_TASKS, make_bin, make_iin, make_intake, make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PASSWORD = "Kókterek-2027-alma"


def fits(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


@pytest.fixture
def phone(browser, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The worker's part (the confirmation e-mail) runs at once.
    settings.TASKS = IMMEDIATE_TASKS
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page = context.new_page()
    yield page
    context.close()


def test_a_teacher_finds_a_course_applies_and_signs_in_on_a_phone(phone, live_server, district):
    from playwright.sync_api import expect

    school = Organisation.objects.create(
        name_kk="Абай атындағы №12 мектеп-лицей",
        name_ru="Школа-лицей №12 имени Абая",
        bin=make_bin(),
        kind="school",
        district=district,
    )
    start = datetime.date(2027, 3, 1)
    make_intake(
        make_programme(
            hours=72,
            title_kk="Жаратылыстану пәндерін оқытудың заманауи әдістері",
            title_ru="Современные методы преподавания естественных наук",
        ),
        code="NAT-27-03",
        status=IntakeStatus.OPEN,
        language=Language.RUSSIAN,
        start_date=start,
        end_date=start + datetime.timedelta(days=11),
    )
    make_intake(
        code="OTHER-KK",
        status=IntakeStatus.OPEN,
        language=Language.KAZAKH,
        start_date=start,
        end_date=start + datetime.timedelta(days=4),
    )
    iin = make_iin(datetime.date(1990, 6, 2), female=True)
    page = phone

    # The front page leads to the catalogue; a Russian speaker filters by language.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Courses open for applications").click()
    page.wait_for_url(re.compile(r"/courses/$"))
    fits(page)
    page.get_by_label("Language").select_option("ru")
    page.get_by_role("button", name="Show").click()
    # Read the filtered page only once it has loaded (a count taken while the browser was
    # still between the two pages once read an empty document).
    page.wait_for_url(re.compile(r"language=ru"))
    expect(page.locator(".offer")).to_have_count(1)
    assert "72 academic hours" in page.content()
    fits(page)
    title = "Жаратылыстану пәндерін оқытудың заманауи әдістері"
    page.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(re.compile(r"/courses/\d+/$"))
    fits(page)
    page.get_by_role("link", name="Apply").click()
    page.wait_for_url(re.compile(r"/courses/\d+/apply/$"))
    fits(page)

    # The form, with a mistyped IIN first: the error stands beside the field.
    page.get_by_label("IIN").fill(iin[:-1] + str((int(iin[-1]) + 1) % 10))
    page.get_by_label("Last name").fill("Ермекова")
    page.get_by_label("First name").fill("Дана")
    page.get_by_label("E-mail").fill("dana@example.kz")
    page.get_by_label("Find your organisation").fill("абая")
    page.get_by_label(re.compile("Школа-лицей №12|мектеп-лицей")).check()
    page.get_by_label("Position").fill("Учитель биологии")
    page.get_by_label("Subject taught").fill("Биология")
    page.get_by_role("button", name="Send the application").click()
    expect(page.locator(".field:has(#id_iin) .errorlist")).to_contain_text("wrong check digit")
    assert Listener.objects.count() == 0
    fits(page)
    # The school stays picked; the IIN is corrected.
    assert page.get_by_label(re.compile("Школа-лицей №12|мектеп-лицей")).is_checked()
    page.get_by_label("IIN").fill(iin)
    page.get_by_role("button", name="Send the application").click()
    page.wait_for_url(re.compile(r"/courses/\d+/applied/$"))
    assert "Application received" in page.content()
    fits(page)

    listener = Listener.objects.get(iin=iin)
    assert listener.organisation == school
    assert Enrollment.objects.get(listener=listener).state == EnrollmentState.APPLIED

    # The e-mail's link opens the account.
    link = re.search(r"http://\S+/accounts/invitation/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    assert "Open your account" in page.content()
    fits(page)
    page.get_by_label(re.compile(r"^New password:?$")).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Set the password").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert "Your password is set" in page.content()
    fits(page)

    # Signing in with the IIN lands on the listener's page.
    page.get_by_label("IIN or e-mail").fill(iin)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/me/$"))
    assert page.url == live_server.url + "/me/"
    fits(page)
    assert page.get_by_role("link", name="My page").count() >= 1
