"""A teacher's own page on a phone, in Chromium: the course history with its order, the
document downloaded, the five-year status, an upgrade done elsewhere recorded with a PNG
scan, the course rated; then another listener tries the first one's addresses."""

import io

import pytest
from pypdf import PdfReader

from certificates.services import document_issue
from courses.models import Session
from listeners.feedback.services import appeal_lodge
from listeners.models import ExternalUpgrade, Feedback
from listeners.rules import EnrollmentState as S
from tests.conftest import browser_page, follow, make_enrollment, make_intake
from tests.listeners.portal.portal_scene import build_history, make_institute

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _fits(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


def _go(page, name: str) -> None:
    follow(page, page.locator(".portal-nav").get_by_role("link", name=name, exact=True))


def test_a_listener_walks_their_page_on_a_phone(
    browser, live_server, settings, tmp_path, listener, other_listener, administrator
):
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_BASE_URL = live_server.url
    make_institute()
    intake = make_intake()
    Session.objects.create(intake=intake, date=intake.start_date, topic="Opening", hours=6)
    enrollment = make_enrollment(listener, intake, state=S.COMPLETED)
    document = document_issue(enrollment=enrollment, by=administrator)
    order = enrollment.admission_order

    page = browser_page(browser, live_server, listener.user, **PHONE)
    page.goto(live_server.url + "/")
    assert page.url.endswith("/me/")
    _fits(page)

    _go(page, "My courses")
    course = page.locator(f"#enrollment-{enrollment.pk}")
    assert f"No. {order.number} of {order.date:%d.%m.%Y}" in course.inner_text()
    _fits(page)

    _go(page, "My documents")
    card = page.locator(f"#document-{document.pk}")
    assert document.number in card.inner_text()
    href = card.get_by_role("link", name="Download the PDF").get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    document.pdf.open("rb")
    assert response.body() == document.pdf.read()
    assert len(PdfReader(io.BytesIO(response.body())).pages) >= 1
    verify = card.get_by_role("link", name=live_server.url + f"/documents/verify/{document.token}/")
    assert verify.count() == 1
    _fits(page)

    _go(page, "Five-year status")
    assert page.locator(".status-word").inner_text() == "Up to date"
    _fits(page)
    page.get_by_label("Issued by").fill("Орлеу")
    page.get_by_label("Document number").fill("B-77")
    page.get_by_label("Date of the document").fill("10.04.2024")
    page.get_by_label("Academic hours").fill("36")
    page.get_by_label("Scan of the document").set_input_files(
        {"name": "scan.png", "mimeType": "image/png", "buffer": PNG}
    )
    follow(page, page.get_by_role("button", name="Record"))
    assert "Waiting for confirmation" in page.locator("main").inner_text()
    upgrade = ExternalUpgrade.objects.get(listener=listener)
    assert upgrade.scan.name.endswith(".png") and upgrade.confirmed_at is None
    _fits(page)

    _go(page, "My courses")
    follow(page, page.get_by_role("link", name="Rate this course"))
    _fits(page)
    page.get_by_label("5").check()
    page.get_by_label("Comment").fill("Very practical")
    follow(page, page.get_by_role("button", name="Send"))
    assert "Your rating: 5 of 5." in page.locator("main").inner_text()
    feedback = Feedback.objects.get(enrollment=enrollment)
    assert (feedback.rating, feedback.comment) == (5, "Very practical")

    _go(page, "Profile")
    _fits(page)
    page.context.close()

    intruder = browser_page(browser, live_server, other_listener.user, **PHONE)
    for path in [
        f"/me/documents/{document.pk}/document.pdf",
        f"/me/upgrade/{upgrade.pk}/scan/",
        f"/me/courses/{enrollment.pk}/feedback/",
        f"/me/orders/{order.pk}/appeal/",
    ]:
        response = intruder.goto(live_server.url + path)
        assert response.status == 404, path
    intruder.goto(live_server.url + "/me/documents/")
    assert document.number not in intruder.locator("main").inner_text()
    intruder.context.close()


def test_every_page_of_mine_fits_a_phone(
    browser, live_server, settings, tmp_path, listener, administrator, methodologist
):
    settings.MEDIA_ROOT = tmp_path
    build_history(listener, 8)
    listener.email = "a.very.long.address.of.a.teacher.from.a.village.school@example.kz"
    listener.save()
    completed = listener.enrollments.filter(state=S.COMPLETED).first()
    order = completed.admission_order
    appeal_lodge(listener=listener, order=order, text="Long words " * 40, by=None)
    page = browser_page(browser, live_server, listener.user, **PHONE)
    for path in [
        "/me/",
        "/me/courses/",
        "/me/documents/",
        "/me/upgrade/",
        "/me/profile/",
        f"/me/courses/{completed.pk}/feedback/",
        f"/me/orders/{order.pk}/appeal/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        _fits(page)
    page.context.close()
    for user, path in [
        (administrator, "/work/appeals/"),
        (methodologist, f"/work/intakes/{completed.intake_id}/feedback/"),
    ]:
        page = browser_page(browser, live_server, user, **PHONE)
        assert page.goto(live_server.url + path).status == 200
        _fits(page)
        page.context.close()
