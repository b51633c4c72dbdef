"""The workspace pages of issued documents as a whole: who may use each of them, and every
page in each language. Its scene-setting helpers are shared by the other tests of
documents (and of the institute)."""

import datetime
import itertools

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from certificates.models import Document, DocumentStatus
from certificates.rules import registration_number
from courses.rules import DocumentKind
from institute.models import Institute, User
from listeners.models import Enrollment
from listeners.rules import EnrollmentState
from tests.conftest import make_bin, make_enrollment, make_listener

pytestmark = pytest.mark.django_db

_serials = itertools.count(1)


def make_institute() -> Institute:
    return Institute.objects.create(
        name_kk="Павлодар облыстық біліктілікті арттыру институты",
        name_ru="Павлодарский областной институт повышения квалификации",
        bin=make_bin(),
        head_name="Қ. Жұмабеков",
        head_title_kk="Директор",
        head_title_ru="Директор",
        city_kk="Павлодар қ.",
        city_ru="г. Павлодар",
    )


def make_document(
    enrollment: Enrollment,
    *,
    by: User | None = None,
    kind: str = DocumentKind.CERTIFICATE,
    year: int = 2026,
    status: str = DocumentStatus.VALID,
    **fields,
) -> Document:
    """A document written straight to the database, with a snapshot shaped like the one the
    issuing service freezes; for setting the scene of a test."""
    serial = next(_serials)
    listener, intake = enrollment.listener, enrollment.intake
    programme = intake.programme
    fields.setdefault(
        "snapshot",
        {
            "full_name": listener.full_name,
            "last_name": listener.last_name,
            "programme_title_kk": programme.title_kk,
            "programme_title_ru": programme.title_ru,
            "hours": programme.hours,
            "start_date": intake.start_date.isoformat(),
            "end_date": intake.end_date.isoformat(),
            "issued_on": f"{year}-03-20",
            "institute_name_kk": "Павлодар облыстық институты",
            "institute_name_ru": "Павлодарский областной институт",
            "head_name": "Қ. Жұмабеков",
        },
    )
    fields.setdefault("issued_at", timezone.make_aware(datetime.datetime(year, 3, 20, 10, 0)))
    if status == DocumentStatus.REVOKED:
        fields.setdefault("revoked_at", timezone.make_aware(datetime.datetime(year, 4, 2, 9, 0)))
        fields.setdefault("revocation_reason", "Wrong hours")
    return Document.objects.create(
        enrollment=enrollment,
        kind=kind,
        year=year,
        serial=serial,
        number=registration_number(kind, year, serial),
        status=status,
        issued_by=by,
        pdf_sha256="ab" * 32,
        **fields,
    )


def completed(intake, organisation=None, **listener_fields) -> Enrollment:
    return make_enrollment(
        make_listener(organisation, **listener_fields), intake, state=EnrollmentState.COMPLETED
    )


# --- who may do what -------------------------------------------------------------------------


def _read_urls(document: Document) -> list[str]:
    intake_pk = document.enrollment.intake_id
    return [
        reverse("certificates:register"),
        reverse("certificates:register_export"),
        reverse("certificates:document_detail", args=[document.pk]),
        reverse("certificates:intake_documents", args=[intake_pk]),
    ]


def _admin_urls(document: Document) -> list[str]:
    intake_pk = document.enrollment.intake_id
    return [
        reverse("certificates:document_duplicate", args=[document.pk]),
        reverse("certificates:document_revoke", args=[document.pk]),
        reverse("certificates:intake_issue_all", args=[intake_pk]),
        reverse("certificates:enrollment_issue", args=[intake_pk, document.enrollment_id]),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, document):
    for url in _read_urls(document):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url
    for url in _admin_urls(document):
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url


@pytest.mark.parametrize("persona", ["listener", "district_methodologist"])
def test_listeners_and_district_methodologists_are_refused(client, document, persona, request):
    person = request.getfixturevalue(persona)
    client.force_login(person.user if persona == "listener" else person)
    for url in _read_urls(document):
        assert client.get(url).status_code == 403, url
    for url in _admin_urls(document):
        assert client.post(url).status_code == 403, url
    assert Document.objects.get().status == DocumentStatus.VALID


def test_a_methodologist_reads_but_may_not_issue_duplicate_or_revoke(
    client, document, methodologist
):
    client.force_login(methodologist)
    for url in _read_urls(document):
        assert client.get(url).status_code == 200, url
    for url in _admin_urls(document):
        assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403, url
    assert Document.objects.count() == 1
    assert Document.objects.get().status == DocumentStatus.VALID


def test_the_methodologist_sees_no_issuing_buttons(en, document, methodologist):
    en.force_login(methodologist)
    detail = en.get(reverse("certificates:document_detail", args=[document.pk])).content.decode()
    assert "Revoke this document" not in detail and "Issue a duplicate" not in detail
    completed(document.enrollment.intake)
    page = en.get(reverse("certificates:intake_documents", args=[document.enrollment.intake_id]))
    assert "missing document" not in page.content.decode()


def test_state_changing_urls_refuse_get(client, document, administrator):
    client.force_login(administrator)
    for url in _admin_urls(document):
        assert client.get(url).status_code == 405, url


def test_the_documents_link_is_in_the_nav_and_on_the_intake(en, document, methodologist):
    en.force_login(methodologist)
    intake_pk = document.enrollment.intake_id
    page = en.get(reverse("courses:intake_detail", args=[intake_pk])).content.decode()
    assert reverse("certificates:intake_documents", args=[intake_pk]) in page
    assert reverse("certificates:register") in page


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_page_renders_in_each_language(client, document, administrator, language):
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    urls = [
        *_read_urls(document),
        reverse("certificates:verify", args=[document.token]),
        reverse("certificates:verify_lookup"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if response["Content-Type"].startswith("text/html"):
            assert f'lang="{language}"' in response.content.decode(), url
