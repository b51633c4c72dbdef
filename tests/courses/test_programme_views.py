"""The programme catalogue of the workspace: who may use it, what it finds, how it refuses
hours that break the rules, the live preview, archiving instead of deleting."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses.models import Programme
from courses.rules import ProgrammeKind
from institute.models import Role
from tests.conftest import browser_page, make_intake, make_programme, make_user

pytestmark = pytest.mark.django_db
LIST = reverse("courses:programme_list")
CREATE = reverse("courses:programme_create")
PREVIEW = reverse("courses:programme_preview")


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _form(**overrides) -> dict:
    data = {
        "code": "UPG-101",
        "kind": ProgrammeKind.UPGRADE,
        "hours": "72",
        "duration_days": "",
        "title_kk": "Инклюзивті білім беру",
        "title_ru": "Инклюзивное образование",
        "description_kk": "",
        "description_ru": "",
        "language": "kk",
        "with_work_interruption": "on",
        "field": "",
        "internship_host": "",
    }
    data.update(overrides)
    return data


# --- who may do what -------------------------------------------------------------------------


def _read_urls(programme: Programme) -> list[str]:
    return [LIST, reverse("courses:programme_detail", args=[programme.pk])]


def _change_urls(programme: Programme) -> list[str]:
    return [CREATE, reverse("courses:programme_edit", args=[programme.pk]), PREVIEW]


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client, programme):
    for url in _read_urls(programme) + _change_urls(programme):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login"))
    archive = client.post(reverse("courses:programme_archive", args=[programme.pk]))
    assert archive.url.startswith(reverse("login"))
    programme.refresh_from_db()
    assert programme.is_active is True


def test_a_listener_is_refused_everywhere(client, listener, programme):
    client.force_login(listener.user)
    for url in _read_urls(programme) + _change_urls(programme):
        assert client.get(url).status_code == 403, url
    archive = reverse("courses:programme_archive", args=[programme.pk])
    assert client.post(archive).status_code == 403


def test_a_district_methodologist_reads_but_changes_nothing(client, district_methodologist):
    programme = make_programme(code="KEEP")
    client.force_login(district_methodologist)
    for url in _read_urls(programme):
        assert client.get(url).status_code == 200, url
    for url in _change_urls(programme):
        assert client.get(url).status_code == 403, url
    assert client.post(CREATE, _form()).status_code == 403
    archive = reverse("courses:programme_archive", args=[programme.pk])
    assert client.post(archive).status_code == 403
    assert list(Programme.objects.values_list("code", "is_active")) == [("KEEP", True)]


@pytest.mark.parametrize("persona", ["methodologist", "administrator"])
def test_staff_may_open_every_page(client, request, persona, programme):
    client.force_login(request.getfixturevalue(persona))
    for url in _read_urls(programme) + _change_urls(programme):
        assert client.get(url).status_code == 200, url


def test_unknown_programme_is_404(client, methodologist):
    client.force_login(methodologist)
    assert client.get(reverse("courses:programme_detail", args=[999])).status_code == 404
    assert client.get(reverse("courses:programme_edit", args=[999])).status_code == 404
    assert client.post(reverse("courses:programme_archive", args=[999])).status_code == 404


# --- the catalogue -----------------------------------------------------------------------------


def _codes(response) -> list[str]:
    return [programme.code for programme in response.context["page"]]


def test_search_finds_code_and_both_titles_whatever_the_letter_case(client, methodologist):
    make_programme(code="DEF-1", title_kk="Дефектология негіздері", title_ru="Основы")
    make_programme(code="MATH-2", title_kk="Математика", title_ru="Методика математики")
    make_programme(code="HIST-3", title_kk="Тарих", title_ru="История")
    client.force_login(methodologist)
    assert _codes(client.get(LIST, {"q": "дефектология"})) == ["DEF-1"]
    assert _codes(client.get(LIST, {"q": "МЕТОДИКА"})) == ["MATH-2"]
    assert _codes(client.get(LIST, {"q": "hist"})) == ["HIST-3"]


def test_filters_by_kind_band_language_and_state(client, methodologist):
    make_programme(code="A-SHORT", hours=72, language="ru")
    make_programme(code="B-LONG", hours=120)
    make_programme(ProgrammeKind.RETRAINING, hours=300, code="C-RETRAIN")
    make_programme(ProgrammeKind.INTERNSHIP, hours=40, code="D-INTERN", duration_days=60)
    make_programme(code="E-OLD", hours=80, is_active=False)
    client.force_login(methodologist)
    assert _codes(client.get(LIST, {"kind": "retraining"})) == ["C-RETRAIN"]
    assert _codes(client.get(LIST, {"band": "long"})) == ["B-LONG", "D-INTERN"]
    assert _codes(client.get(LIST, {"language": "ru"})) == ["A-SHORT"]
    assert _codes(client.get(LIST, {"state": "archived"})) == ["E-OLD"]
    assert "E-OLD" not in _codes(client.get(LIST, {"state": "active"}))
    assert len(_codes(client.get(LIST))) == 5


def test_the_catalogue_shows_length_band_and_document_in_english(en, methodologist):
    make_programme(code="UPG", hours=100, title_ru="Программа", title_kk="Бағдарлама")
    make_programme(ProgrammeKind.INTERNSHIP, hours=40, code="INT", duration_days=20)
    en.force_login(methodologist)
    page = en.get(LIST).content.decode()
    assert "100 h" in page and "Medium-term" in page and "Retraining certificate" in page
    assert "20 days" in page and "Professional internship" in page
    assert reverse("courses:programme_edit", args=[Programme.objects.get(code="UPG").pk]) in page


def test_the_catalogue_is_paginated_by_fifty(client, methodologist):
    for number in range(55):
        make_programme(code=f"P{number:03d}")
    client.force_login(methodologist)
    first, second = client.get(LIST, {"q": "p0"}), client.get(LIST, {"q": "p0", "page": 2})
    assert len(first.context["page"]) == 50
    assert 'href="?q=p0&amp;page=2"' in first.content.decode()
    assert _codes(second) == ["P050", "P051", "P052", "P053", "P054"]


@pytest.mark.parametrize("rows", [10, 200])
def test_the_number_of_queries_does_not_grow_with_programmes(
    client, methodologist, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        make_programme()
    client.force_login(methodologist)
    with django_assert_max_num_queries(5):
        response = client.get(LIST, {"q": "P-"})
    assert len(response.context["page"]) == min(rows, 50)


# --- create and edit ---------------------------------------------------------------------------


def test_a_methodologist_creates_a_programme_and_its_band_is_computed(client, methodologist):
    client.force_login(methodologist)
    response = client.post(CREATE, _form(hours="100"))
    programme = Programme.objects.get(code="UPG-101")
    assert response.status_code == 302
    assert response.url == reverse("courses:programme_detail", args=[programme.pk])
    assert (programme.hours, programme.band, programme.document_kind) == (100, "medium", "kualik")


def test_retraining_below_280_hours_is_refused_beside_the_field(en, methodologist):
    en.force_login(methodologist)
    response = en.post(CREATE, _form(kind=ProgrammeKind.RETRAINING, hours="279"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["hours"] == ["Retraining needs at least 280 hours, §10.3 (this one has 279)."]
    assert "§10.3" in response.content.decode()
    assert not Programme.objects.exists()


def test_an_internship_longer_than_two_years_is_refused(en, methodologist):
    en.force_login(methodologist)
    data = _form(kind=ProgrammeKind.INTERNSHIP, hours="40", duration_days="800")
    response = en.post(CREATE, data)
    assert "§10.2" in response.context["form"].errors["duration_days"][0]
    assert not Programme.objects.exists()


def test_editing_with_bad_hours_saves_nothing(en, methodologist):
    programme = make_programme(ProgrammeKind.RETRAINING, hours=300, code="RT")
    en.force_login(methodologist)
    url = reverse("courses:programme_edit", args=[programme.pk])
    response = en.post(url, _form(code="RT", kind=ProgrammeKind.RETRAINING, hours="200"))
    assert "§10.3" in response.context["form"].errors["hours"][0]
    programme.refresh_from_db()
    assert programme.hours == 300


def test_editing_changes_the_programme(client, methodologist):
    programme = make_programme(code="UP", hours=72)
    client.force_login(methodologist)
    url = reverse("courses:programme_edit", args=[programme.pk])
    response = client.post(url, _form(code="UP", hours="120", title_ru="Новое"))
    assert response.status_code == 302
    programme.refresh_from_db()
    assert (programme.hours, programme.band, programme.title_ru) == (120, "long", "Новое")


def test_a_programme_with_intakes_keeps_its_kind_and_hours_in_the_form(en, methodologist):
    programme = make_programme(code="UP", hours=72)
    make_intake(programme)
    en.force_login(methodologist)
    url = reverse("courses:programme_edit", args=[programme.pk])
    form = en.get(url).context["form"]
    assert form.fields["hours"].disabled and form.fields["kind"].disabled
    # A disabled field ignores what is posted: the title changes, the hours stay.
    response = en.post(url, _form(code="UP", hours="120", title_ru="Новое"))
    assert response.status_code == 302
    programme.refresh_from_db()
    assert (programme.hours, programme.band, programme.title_ru) == (72, "short", "Новое")


def test_a_programme_with_intakes_refuses_a_new_length_wherever_it_is_saved(english):
    programme = make_programme(code="UP", hours=72)
    make_intake(programme)
    programme.hours = 120
    with pytest.raises(ValidationError) as refused:
        programme.full_clean()
    assert "already has intakes" in str(refused.value.message_dict["hours"])
    with pytest.raises(ValidationError):
        programme.save()
    programme.refresh_from_db()
    assert programme.hours == 72


def test_an_unused_programme_may_still_change_its_kind(db):
    programme = make_programme(code="UP", hours=72)
    programme.kind, programme.hours = ProgrammeKind.RETRAINING, 300
    programme.full_clean()
    programme.save()
    programme.refresh_from_db()
    assert (programme.kind, programme.hours) == (ProgrammeKind.RETRAINING, 300)


def test_a_double_submitted_create_creates_one_programme(en, methodologist):
    en.force_login(methodologist)
    assert en.post(CREATE, _form()).status_code == 302
    again = en.post(CREATE, _form())
    assert again.status_code == 200
    assert "already exists" in again.context["form"].errors["code"][0]
    assert Programme.objects.filter(code="UPG-101").count() == 1


def test_the_form_carries_the_live_preview(en, methodologist):
    en.force_login(methodologist)
    page = en.get(CREATE).content.decode()
    assert f'hx-get="{PREVIEW}"' in page
    assert 'hx-target="#programme-preview"' in page
    assert 'id="programme-preview"' in page


# --- the live preview --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "band", "document"),
    [
        (72, "Short-term", "Certificate"),
        (73, "Medium-term", "Retraining certificate (kuälik)"),
        (108, "Medium-term", "Retraining certificate (kuälik)"),
        (109, "Long-term", "Retraining certificate (kuälik)"),
    ],
)
def test_the_preview_gives_band_and_document_of_an_upgrade(
    en, methodologist, hours, band, document
):
    en.force_login(methodologist)
    response = en.get(PREVIEW, {"kind": "upgrade", "hours": hours})
    assert response.context["preview"] == {"band": band, "document": document}
    assert band in response.content.decode()


def test_the_preview_names_the_rule_retraining_hours_break(en, methodologist):
    en.force_login(methodologist)
    response = en.get(PREVIEW, {"kind": "retraining", "hours": "279"})
    assert "Retraining needs at least 280 hours, §10.3" in response.content.decode()


def test_the_preview_waits_for_numbers(en, methodologist):
    en.force_login(methodologist)
    response = en.get(PREVIEW, {"kind": "upgrade", "hours": "abc"})
    assert response.status_code == 200
    assert response.context["preview"] == {}


# --- archive, never delete ---------------------------------------------------------------------


def test_a_programme_in_use_is_archived_and_restored(client, methodologist):
    programme = make_programme(code="USED")
    make_intake(programme)
    client.force_login(methodologist)
    url = reverse("courses:programme_archive", args=[programme.pk])
    assert client.post(url).status_code == 302
    programme.refresh_from_db()
    assert programme.is_active is False
    assert programme.intakes.count() == 1
    client.post(url)
    programme.refresh_from_db()
    assert programme.is_active is True


def test_archiving_needs_a_post(client, methodologist, programme):
    client.force_login(methodologist)
    response = client.get(reverse("courses:programme_archive", args=[programme.pk]))
    assert response.status_code == 405
    programme.refresh_from_db()
    assert programme.is_active is True


def test_there_is_no_delete(en, methodologist, programme):
    en.force_login(methodologist)
    page = en.get(reverse("courses:programme_detail", args=[programme.pk])).content.decode()
    assert "Archive" in page
    assert "Delete" not in page


# --- in a browser ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_preview_follows_the_typing_in_a_browser(browser, live_server):
    from playwright.sync_api import expect

    page = browser_page(browser, live_server, make_user(Role.METHODOLOGIST, "methodologist"))
    page.goto(live_server.url + CREATE)
    page.select_option("#id_kind", "retraining")
    page.fill("#id_hours", "279")
    preview = page.locator("#programme-preview")
    expect(preview).to_contain_text("§10.3")
    page.select_option("#id_kind", "upgrade")
    page.fill("#id_hours", "109")
    expect(preview).to_contain_text("Long-term")
    page.context.close()
    assert not Programme.objects.exists()
