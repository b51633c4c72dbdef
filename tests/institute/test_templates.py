"""The shared layouts and tags: the intake's header and navigation on every intake page, the
public layout, the state badges and the role tests."""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.urls import reverse

from certificates.models import Document, DocumentStatus
from courses.rules import IntakeStatus
from institute.models import Role
from institute.templatetags.institute import BADGES
from listeners.models import ImportJob
from listeners.rules import EnrollmentState
from tests.conftest import make_enrollment, make_user

NAV = re.compile(r'<nav class="filters intake-nav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"(?: aria-current="(\w+)")?>')


def _get(client, user, url: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _nav(page: str) -> dict[str, str | None]:
    """The intake navigation's links, each with its aria-current ("" when unmarked)."""
    navs = NAV.findall(page)
    assert len(navs) == 1, "one intake navigation per page"
    return dict(LINK.findall(navs[0]))


def _pages(intake) -> dict[str, str]:
    return {
        name: reverse(name, args=[intake.pk])
        for name in (
            "courses:intake_detail",
            "listeners:intake_enrollments",
            "listeners:attendance",
            "listeners:attestation",
            "listeners:intake_feedback",
            "certificates:intake_documents",
        )
    }


def test_every_intake_page_marks_itself_and_only_itself_in_the_intake_navigation(
    client, methodologist, intake
):
    pages = _pages(intake)
    for url in pages.values():
        links = _nav(_get(client, methodologist, url))
        assert set(links) == set(pages.values())
        assert {href for href, current in links.items() if current} == {url}
        assert links[url] == "page"


def test_the_import_pages_mark_the_enrollments_as_their_section_not_as_the_page(
    client, methodologist, intake
):
    job = ImportJob.objects.create(intake=intake, filename="a.xlsx", created_by=methodologist)
    enrollments = reverse("listeners:intake_enrollments", args=[intake.pk])
    for url in (
        reverse("listeners:import_upload", args=[intake.pk]),
        reverse("listeners:import_detail", args=[intake.pk, job.pk]),
    ):
        links = _nav(_get(client, methodologist, url))
        assert {href: c for href, c in links.items() if c} == {enrollments: "true"}


def test_the_pages_that_lacked_the_intake_header_now_have_it(client, methodologist, intake):
    job = ImportJob.objects.create(intake=intake, filename="a.xlsx", created_by=methodologist)
    for url in (
        reverse("certificates:intake_documents", args=[intake.pk]),
        reverse("listeners:import_upload", args=[intake.pk]),
        reverse("listeners:import_detail", args=[intake.pk, job.pk]),
        reverse("listeners:intake_feedback", args=[intake.pk]),
    ):
        page = _get(client, methodologist, url)
        header = page[page.index('<div class="intake-header">') : page.index("</dl>")]
        assert intake.programme.title in header
        assert intake.programme.code in header
        assert "02.03.2026 – 13.03.2026" in header
        assert intake.get_status_display() in header


def test_a_district_methodologist_sees_no_link_to_what_they_may_not_open(
    client, district_methodologist, intake
):
    documents = reverse("certificates:intake_documents", args=[intake.pk])
    for name, url in _pages(intake).items():
        if name == "certificates:intake_documents":
            continue
        page = _get(client, district_methodologist, url)
        assert documents not in _nav(page)
        assert f'href="{reverse("certificates:register")}"' not in page
        assert reverse("courses:intake_edit", args=[intake.pk]) not in page
    # ... and the links they may open are there, with the page they are on marked.
    attendance = reverse("listeners:attendance", args=[intake.pk])
    assert _nav(_get(client, district_methodologist, attendance))[attendance] == "page"


def test_a_methodologist_sees_the_documents_and_edit_links(client, methodologist, intake):
    page = _get(client, methodologist, reverse("courses:intake_detail", args=[intake.pk]))
    assert reverse("certificates:intake_documents", args=[intake.pk]) in _nav(page)
    assert f'href="{reverse("certificates:register")}"' in page
    assert reverse("courses:intake_edit", args=[intake.pk]) in page


def _render(source: str, **context) -> str:
    return Template("{% load institute %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("state", "tone"),
    [
        (EnrollmentState.APPLIED, ""),
        (EnrollmentState.WAITLISTED, " warn"),
        (EnrollmentState.ADMITTED, " ok"),
        (EnrollmentState.COMPLETED, " ok"),
        (EnrollmentState.FAILED, " bad"),
        (EnrollmentState.EXPELLED, " bad"),
        (EnrollmentState.WITHDRAWN, ""),
        (EnrollmentState.REJECTED, " bad"),
    ],
)
def test_the_badge_of_an_enrollment_names_its_state_in_its_colour(
    english, listener, intake, state, tone
):
    enrollment = make_enrollment(listener, intake, state=state)
    html = _render("{% state_badge e %}", e=enrollment)
    label = EnrollmentState(state).label
    assert html == f'<span class="badge{tone}" data-status="{state}">{label}</span>'


@pytest.mark.parametrize(
    ("status", "tone"),
    [
        (IntakeStatus.PLANNED, " warn"),
        (IntakeStatus.OPEN, " ok"),
        (IntakeStatus.IN_PROGRESS, " ok"),
        (IntakeStatus.FINISHED, ""),
        (IntakeStatus.CANCELLED, " bad"),
    ],
)
def test_the_badge_of_an_intake_names_its_status_in_its_colour(english, intake, status, tone):
    intake.status = status
    html = _render("{% state_badge i %}", i=intake)
    assert html == f'<span class="badge{tone}" data-status="{status}">{status.label}</span>'


def test_every_state_of_the_models_with_badges_is_a_real_choice():
    # A colour given to a value the model does not have is a typo that would leave it grey.
    for label, (field, tones) in BADGES.items():
        choices = {value for value, _ in apps.get_model(label)._meta.get_field(field).choices}
        assert set(tones) <= choices, label


def test_a_revoked_document_shows_the_day_it_was_revoked_in_red(english):
    document = Document(status=DocumentStatus.REVOKED)
    html = _render('{% state_badge d label="Revoked on 01.04.2026" %}', d=document)
    assert html == '<span class="badge bad" data-status="revoked">Revoked on 01.04.2026</span>'


@pytest.mark.parametrize(
    ("role", "view", "change", "staff", "administrator"),
    [
        (Role.ADMINISTRATOR, True, True, True, True),
        (Role.METHODOLOGIST, True, True, True, False),
        (Role.DISTRICT_METHODOLOGIST, True, False, False, False),
        (Role.LISTENER, False, False, False, False),
    ],
)
def test_the_role_tests_answer_as_the_view_decorators_do(
    district, role, view, change, staff, administrator
):
    scope = {"district": district} if role == Role.DISTRICT_METHODOLOGIST else {}
    user = make_user(role, f"user-{role}", **scope)
    source = (
        '{{ u|can:"workspace_view" }} {{ u|can:"workspace_change" }} '
        '{{ u|can:"institute_staff" }} {{ u|can:"administrator_only" }}'
    )
    assert _render(source, u=user) == f"{view} {change} {staff} {administrator}"
    assert _render(source, u=AnonymousUser()) == "False False False False"


def test_a_role_test_with_an_unknown_name_is_an_error_not_a_quiet_false(db, methodologist):
    with pytest.raises(KeyError):
        _render('{{ u|can:"workspace_veiw" }}', u=methodologist)


def test_the_public_pages_share_one_layout(client, intake):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in (reverse("public:catalogue"), reverse("login")):
        page = client.get(url).content.decode()
        assert page.count("listeners/public.css") == 1
        assert page.count('<div class="public">') == 1
