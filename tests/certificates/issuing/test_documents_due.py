"""The administrators' queue of documents to issue (issue 19, item 6): finished intakes
whose listeners completed and hold no valid document, on the dashboard and the register;
the intake's documents page paged; its row buttons wait while a job issues."""

import pytest
from django.conf import settings
from django.urls import reverse

from certificates.models import DocumentStatus, IssueJob, IssueJobStatus, intakes_with_documents_due
from listeners.rules import EnrollmentState
from tests.certificates.test_views import completed, make_document
from tests.conftest import make_enrollment, make_intake, make_listener


def signed_in(client, user):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def scene(db):
    """Intake A: 3 completed, 1 with a document; B: 2 completed, both revoked (so both
    missing); C: 2 completed, both with documents; D: admitted only."""
    a, b, c, d = (make_intake(code=code) for code in ("A-1", "B-1", "C-1", "D-1"))
    first, _second, _third = (completed(a) for _ in range(3))
    make_document(first)
    for _ in range(2):
        make_document(completed(b), status=DocumentStatus.REVOKED)
    for _ in range(2):
        make_document(completed(c))
    make_enrollment(make_listener(), d, state=EnrollmentState.ADMITTED)
    return {"a": a, "b": b, "c": c, "d": d}


def test_the_queue_counts_what_is_missing_per_intake(scene):
    due = {intake.code: intake.documents_missing for intake in intakes_with_documents_due()}
    assert due == {"A-1": 2, "B-1": 2}


def test_the_administrators_dashboard_shows_the_queue_linking_to_each_intake(
    client, administrator, scene
):
    page = signed_in(client, administrator).get(reverse("listeners:dashboard")).content.decode()
    assert "Documents to issue" in page
    assert "2 intakes have listeners who completed them and have no document yet." in page
    for key in ("a", "b"):
        assert reverse("certificates:intake_documents", args=[scene[key].pk]) in page
    assert reverse("certificates:intake_documents", args=[scene["c"].pk]) not in page


def test_a_district_methodologist_sees_no_queue_of_documents(client, district_methodologist, scene):
    page = signed_in(client, district_methodologist).get(reverse("listeners:dashboard"))
    assert page.status_code == 200
    assert "Documents to issue" not in page.content.decode()


def test_the_empty_register_says_where_documents_are_issued(client, administrator):
    intake = make_intake(code="E-1")
    completed(intake)
    page = signed_in(client, administrator).get(reverse("certificates:register")).content.decode()
    assert "No document has been issued yet." in page
    assert reverse("certificates:intake_documents", args=[intake.pk]) in page


def test_the_intake_documents_page_is_paged(client, administrator):
    intake = make_intake()
    for n in range(55):
        completed(intake, last_name=f"Surname{n:02d}")
    client = signed_in(client, administrator)
    url = reverse("certificates:intake_documents", args=[intake.pk])
    first = client.get(url)
    assert len(first.context["page"]) == 50
    assert "55 listeners completed the intake" in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert len(second.context["page"]) == 5


def test_while_a_job_issues_the_row_buttons_wait(client, administrator):
    intake = make_intake()
    completed(intake)
    client = signed_in(client, administrator)
    url = reverse("certificates:intake_documents", args=[intake.pk])
    idle = client.get(url).content.decode()
    job = IssueJob.objects.create(
        intake=intake, created_by=administrator, status=IssueJobStatus.RUNNING
    )
    job.heartbeat_at = job.created_at
    job.save()
    busy = client.get(url).content.decode()
    assert "being issued: wait for the job to end" not in idle
    assert "being issued: wait for the job to end" in busy
