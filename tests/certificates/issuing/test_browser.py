"""In a browser: an administrator issues an intake's documents in the background, revokes one,
and anyone, signed out, sees it revoked on the public page, which fits a phone."""

import pytest

from certificates.models import Document, DocumentStatus
from institute.models import Role
from listeners.rules import EnrollmentState
from tests.certificates.test_views import make_institute
from tests.conftest import (
    IMMEDIATE_TASKS,
    browser_page,
    make_enrollment,
    make_intake,
    make_listener,
    make_programme,
    make_user,
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_issue_all_revoke_one_and_the_public_page_says_revoked(
    browser, live_server, settings, tmp_path
):
    from playwright.sync_api import expect

    settings.TASKS = IMMEDIATE_TASKS
    settings.MEDIA_ROOT = tmp_path
    make_institute()
    intake = make_intake(make_programme(hours=72))
    for last_name in ("Әлімов", "Бекова"):
        make_enrollment(make_listener(last_name=last_name), intake, state=EnrollmentState.COMPLETED)
    administrator = make_user(Role.ADMINISTRATOR, "admin", is_superuser=True)

    page = browser_page(browser, live_server, administrator)
    page.goto(f"{live_server.url}/documents/intakes/{intake.pk}/")
    # Issuing takes numbers for good: the browser asks first, and a "no" issues nothing.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Issue all 2 missing documents").click()
    page.wait_for_timeout(300)
    assert Document.objects.filter(enrollment__intake=intake).count() == 0
    questions = []

    def accept(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Issue all 2 missing documents").click()
    expect(page.locator("#issue-job [data-status]")).to_have_text("Done", timeout=15000)
    expect(page.locator("#issue-job")).to_contain_text("2 of 2 processed, 2 issued")
    assert Document.objects.filter(enrollment__intake=intake).count() == 2
    assert questions == ["Issue 2 documents? Each takes the next registration number for good."]

    first = Document.objects.get(enrollment__listener__last_name="Әлімов")
    page.get_by_role("link", name=first.number).click()
    page.get_by_text("Revoke this document").click()
    page.get_by_label("Reason for revocation").fill("The hours were typed wrong")
    page.get_by_role("button", name="Revoke", exact=True).click()
    expect(page.locator(".document-status")).to_contain_text("Revoked on")
    first.refresh_from_db()
    assert first.status == DocumentStatus.REVOKED
    assert first.revocation_reason == "The hours were typed wrong"
    page.context.close()

    # Anyone, signed out, on a phone: the page from the QR code.
    context = browser.new_context(viewport={"width": 375, "height": 740})
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    public = context.new_page()
    public.goto(f"{live_server.url}/documents/verify/{first.token}/")
    expect(public.locator(".verdict")).to_contain_text("Revoked")
    expect(public.locator(".verdict")).to_contain_text("was revoked on")
    assert first.enrollment.listener.iin not in public.content()
    overflow = public.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the verification page is {overflow}px wider than the phone"

    # The other one, typed in by number and surname in capitals.
    second = Document.objects.get(enrollment__listener__last_name="Бекова")
    public.goto(f"{live_server.url}/documents/verify/")
    public.get_by_label("Registration number").fill(second.number.lower())
    public.get_by_label("Holder's surname").fill("БЕКОВА")
    public.get_by_role("button", name="Check").click()
    expect(public.locator(".verdict")).to_contain_text("Valid")
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_one_document_is_issued_only_once_the_administrator_says_yes(
    browser, live_server, settings, tmp_path
):
    """The row's button says what it does, and asks before it takes a number (issue 19)."""
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    make_institute()
    intake = make_intake(make_programme(hours=72))
    make_enrollment(
        make_listener(last_name="Сейітова", first_name="Дана"),
        intake,
        state=EnrollmentState.COMPLETED,
    )
    administrator = make_user(Role.ADMINISTRATOR, "admin", is_superuser=True)
    page = browser_page(browser, live_server, administrator)
    page.goto(f"{live_server.url}/documents/intakes/{intake.pk}/")
    button = page.get_by_role("button", name="Issue the document", exact=True)
    page.once("dialog", lambda dialog: dialog.dismiss())
    button.click()
    page.wait_for_timeout(300)
    assert not Document.objects.filter(enrollment__intake=intake).exists()
    questions = []

    def accept(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    with page.expect_navigation(wait_until="domcontentloaded"):
        button.click()
    assert questions == [
        "Issue the document of Сейітова Дана? It takes the next registration number for good."
    ]
    document = Document.objects.get(enrollment__intake=intake)
    expect(page.get_by_role("link", name=document.number)).to_be_visible()
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_administrator_finds_the_intakes_waiting_for_documents_on_arrival(
    browser, live_server, settings, tmp_path
):
    """Signed in, the administrator lands on the dashboard, which lists the intakes whose
    listeners completed without a document (issue 19: there was no such queue); one click
    leads to the intake, one more issues; the queue then says everyone has theirs. In Kazakh,
    on a phone."""
    from playwright.sync_api import expect

    settings.TASKS = IMMEDIATE_TASKS
    settings.MEDIA_ROOT = tmp_path
    make_institute()
    intake = make_intake(make_programme(hours=72), code="ПВЛ-2026-07")
    for last_name in ("Әлімов", "Бекова", "Жұмабаев"):
        make_enrollment(make_listener(last_name=last_name), intake, state=EnrollmentState.COMPLETED)
    administrator = make_user(Role.ADMINISTRATOR, "admin")
    page = browser_page(
        browser, live_server, administrator, language="kk", viewport={"width": 390, "height": 800}
    )
    page.goto(f"{live_server.url}/")
    queue = page.locator("section.documents-due")
    expect(queue.locator("tbody tr")).to_have_count(1)
    expect(queue.locator("tbody tr td.num")).to_have_text("3")
    documents = f"/documents/intakes/{intake.pk}/"
    with page.expect_navigation(wait_until="domcontentloaded"):
        queue.locator(f'a[href="{documents}"]').click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action$='/issue/'] button[type=submit]").click()
    expect(page.locator("#issue-job [data-status]")).to_have_attribute("data-status", "done")
    assert Document.objects.filter(enrollment__intake=intake).count() == 3
    page.goto(f"{live_server.url}/")
    expect(page.locator("section.documents-due tbody tr")).to_have_count(0)
    expect(page.locator("section.documents-due")).to_contain_text(
        "Курсты аяқтаған әркімнің құжаты бар."
    )
    page.context.close()
