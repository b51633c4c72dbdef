"""In a browser, in Kazakh on a phone: the listener downloads a document's digital
credential from their documents page, and a visitor checks the file on the verification
page, which says the credential is the institute's and valid. Each page passes axe-core."""

import pytest

from listeners.rules import EnrollmentState as S
from tests.certificates.conftest import make_issuing_institute
from tests.certificates.test_views import make_document
from tests.conftest import browser_page, follow, make_enrollment, make_intake

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_listener_downloads_the_credential_and_a_visitor_checks_it(
    browser, live_server, signing, settings, tmp_path, listener, administrator
):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    make_issuing_institute()
    document = make_document(
        make_enrollment(listener, make_intake(), state=S.COMPLETED), by=administrator
    )

    page = browser_page(browser, live_server, listener.user, language="kk", **PHONE)
    page.goto(f"{live_server.url}/me/documents/")
    link = page.get_by_role("link", name="Цифрлық куәлік ретінде жүктеп алу")
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "credential.jwt"
    download.value.save_as(path)
    assert download.value.suggested_filename == f"{document.number}.jwt"
    assert page.get_by_role("link", name="LinkedIn профиліне қосу").is_visible()

    visitor = browser.new_context(**PHONE)
    visitor.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "kk", "url": live_server.url}]
    )
    check = visitor.new_page()
    check.goto(f"{live_server.url}/documents/verify/")
    follow(check, check.get_by_role("link", name="Сізге жіберілген цифрлық куәлікті тексеру"))
    expect(check.get_by_role("heading", level=1)).to_have_text("Цифрлық куәлікті тексеру")
    check.get_by_label("Куәлік файлы (.jwt)").set_input_files(path)
    follow(check, check.get_by_role("button", name="Куәлікті тексеру"))
    expect(check.locator(".verdict.valid").first).to_contain_text("Институт берген және жарамды")
    expect(check.locator(".verdict.valid").first).to_contain_text(listener.last_name)
    assert check.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
