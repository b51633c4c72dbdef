"""Every page of the site passes axe-core, WCAG 2.1 AA (issue 19): each HTML page that answers
GET is visited by a role that may see it (TABLE of test_every_url), in Kazakh at desktop width
and in Russian at a phone's 390 px; the browser fixture checks each one (tests/axe.py)."""

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import browser_page
from tests.institute import test_every_url
from tests.institute.test_every_url import TABLE, url_of

# The scene of test_every_url (one of each object a URL can carry) and its people.
scene = test_every_url.scene
people = test_every_url.people

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One visitor per kind of page: the public, a listener, the institute's staff, and the
# administrator for the pages only they see.
VISITORS = ["anonymous", "listener", "methodologist", "administrator"]
SCREENS = {
    "kk": {"viewport": {"width": 1280, "height": 900}},
    "ru": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def pages_by_visitor(scene, people) -> dict[str, list[str]]:
    """{role: the URLs of HTML pages it is the first of VISITORS to get with 200}. Fragments
    htmx swaps into a page (no <html> of their own) are checked inside it, not alone."""
    found: dict[str, list[str]] = {role: [] for role in VISITORS}
    for name, (get, _post) in sorted(TABLE.items()):
        role = next((r for r in VISITORS if get.get(r) == 200), None)
        if role is None:
            continue
        url = url_of(name, scene)
        client = Client()
        if people[role] is not None:
            client.force_login(people[role])
        response = client.get(url)
        html = response["Content-Type"].startswith("text/html")
        if response.status_code == 200 and html and b"<html" in response.content:
            found[role].append(url)
    return found


@pytest.mark.parametrize("language", list(SCREENS))
def test_every_page_passes_axe(language, browser, live_server, scene, people):
    from django.db import connection

    if connection.vendor != "sqlite":
        # The markup does not depend on the database engine, and CI's budget is short: the
        # tour runs once, in the SQLite run (the other browser tests run on both).
        pytest.skip("the accessibility tour runs on SQLite only")
    visits = pages_by_visitor(scene, people)
    assert len(visits["anonymous"]) >= 8 and len(visits["listener"]) >= 5
    assert len(visits["methodologist"]) >= 20 and visits["administrator"]
    for role, urls in visits.items():
        if people[role] is None:
            context = browser.new_context(**SCREENS[language])
            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
            )
            page = context.new_page()
        else:
            page = browser_page(
                browser, live_server, people[role], language=language, **SCREENS[language]
            )
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, url
            assert page.evaluate("document.documentElement.lang") == language, url
            # Checked before moving on, so that the next page does not cut the check short.
            browser.axe.check(page)
            assert page.url in browser.axe.checked, url
        page.context.close()
