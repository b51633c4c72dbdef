"""The axe-core check of the browser tests can fail (issue 19): pages with a known serious
violation, served by the browser itself (context.route) from a made-up host, must be
reported, whether the violation is there at load, added in place after it, or on a page the
test left before its check ended; and a page a test exempts is not held against it."""

import pytest

pytestmark = pytest.mark.browser

HOST = "http://axe-proof.test"
CLEAN = (
    '<!doctype html><html lang="en"><head><title>Clean</title></head>'
    "<body><main><h1>Clean</h1><p>Nothing wrong here.</p></main></body></html>"
)
# An image without a text alternative (image-alt, critical) and a field without a label
# (label, critical).
BROKEN = (
    '<!doctype html><html lang="en"><head><title>Broken</title></head>'
    '<body><main><h1>Broken</h1><img id="photo" src="data:,">'
    '<form><input id="iin" type="text"></form></main></body></html>'
)


def serve(browser, pages: dict[str, str]):
    """A context whose requests to HOST get `pages` (path -> HTML), 404 for anything else."""
    context = browser.new_context()

    def answer(route):
        path = route.request.url.removeprefix(HOST)
        if path in pages:
            route.fulfill(body=pages[path], content_type="text/html; charset=utf-8")
        else:
            route.fulfill(status=404, body="")

    context.route(f"{HOST}/**", answer)
    return context


def test_a_serious_violation_at_load_fails_the_test_with_a_readable_message(browser):
    page = serve(browser, {"/broken/": BROKEN}).new_page()
    page.goto(f"{HOST}/broken/")
    with pytest.raises(AssertionError) as failure:
        browser.axe.finish()
    message = str(failure.value)
    assert "axe-core found 2 serious or critical" in message
    assert f"{HOST}/broken/" in message
    assert "image-alt (critical): Images must have alternative text" in message
    assert "at #photo" in message
    assert "label (critical)" in message and "at #iin" in message


def test_a_clean_page_passes(browser):
    page = serve(browser, {"/clean/": CLEAN}).new_page()
    page.goto(f"{HOST}/clean/")
    browser.axe.check(page)
    assert f"{HOST}/clean/" in browser.axe.checked
    assert browser.axe.take() == []


def test_a_violation_added_in_place_after_the_load_is_found_at_the_end(browser):
    """As htmx swaps a fragment in: the last check reads the page as the test leaves it."""
    page = serve(browser, {"/clean/": CLEAN}).new_page()
    page.goto(f"{HOST}/clean/")
    browser.axe.check(page)
    assert browser.axe.take() == []
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"data:,\">')"
    )
    with pytest.raises(AssertionError, match="image-alt"):
        browser.axe.finish()


def test_a_page_left_before_its_check_ended_is_still_checked(browser):
    """The test moves on at once: the check of the page left is cut by the navigation,
    which must neither crash the test nor lose the page."""
    page = serve(browser, {"/broken/": BROKEN, "/clean/": CLEAN}).new_page()
    page.goto(f"{HOST}/broken/")
    page.goto(f"{HOST}/clean/")
    with pytest.raises(AssertionError) as failure:
        browser.axe.finish()
    assert f"{HOST}/broken/\n    image-alt" in str(failure.value)


def test_a_closed_context_has_its_pages_checked_first(browser):
    context = serve(browser, {"/clean/": CLEAN})
    page = context.new_page()
    page.goto(f"{HOST}/clean/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input>')")
    context.close()
    assert [finding.rule for finding in browser.axe.take()] == ["label"]


@pytest.mark.axe_exempt("/broken/*", reason="broken on purpose")
def test_a_page_the_test_exempts_is_not_held_against_it(browser):
    page = serve(browser, {"/broken/": BROKEN}).new_page()
    page.goto(f"{HOST}/broken/")
    browser.axe.check(page)
    assert {finding.rule for finding in browser.axe.findings.values()} == {"image-alt", "label"}
    assert browser.axe.take() == []
