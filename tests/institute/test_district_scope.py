# ruff: noqa: F811 (the fixtures imported from test_every_url are parameters of the tests)
"""A district methodologist sees only the people of their own district (§6, issue 18).

Two district methodologists, of two districts, and people of both in one intake: every
workspace page and file the role may open, every export it may prepare, the search and the
back-office are tried by the methodologist of the other district, and the names and IINs
of the first district's people must appear nowhere in what comes back, pages and
downloaded .xlsx and PDF files alike. Each check has its counterpart: the district's own
methodologist does see them, so a page that shows nobody passes nothing.
"""

import io

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from courses.models import Session
from institute.admin import HIDDEN, DistrictScoped
from institute.models import District, Organisation, Role
from listeners.models import Attendance, Enrollment, ExportJob, Listener, Mark
from listeners.reports.services import export_build
from listeners.rules import EnrollmentState as S
from tests.conftest import make_bin, make_enrollment, make_listener, make_user
from tests.institute.test_every_url import (  # noqa: F401 (fixtures)
    READ,
    TABLE,
    URLS,
    client_for,
    people,
    quick_passwords,
    scene,
    url_of,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text_of(response) -> str:
    """What a person reads in a response: the page, or the cells of an .xlsx, or the text of
    a PDF, read back with the libraries that open them."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith(XLSX):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if content_type.startswith("application/pdf"):
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    return body.decode("utf-8", errors="replace")


def secrets_of(district: District) -> list[str]:
    """The surnames and IINs of the people who work in `district`."""
    found = Listener.objects.filter(organisation__district=district).values_list("last_name", "iin")
    return [value for pair in found for value in pair if value]


def assert_none_of(secrets: list[str], text: str, what: str, *, typed: str = "") -> None:
    """None of `secrets` is in `text`; what the reader `typed` (a search echoed in its field)
    does not count, but the rest of that person's facts do."""
    leaked = [value for value in secrets if value in text and value != typed]
    assert not leaked, f"{what} shows {leaked}"


@pytest.fixture
def two_districts(scene, organisation, district_methodologist, district):
    """The scene's people work in `district` (A); a second district (B) of the same region
    has its own school, methodologist and a listener admitted to the same intake."""
    other_district = District.objects.create(
        region=district.region,
        name_kk="Ақсу қаласы",
        name_ru="город Аксу",
        name_en="Aksu",
    )
    school = Organisation.objects.create(
        name_kk="Ақсу №3 мектебі",
        name_ru="Школа №3 Аксу",
        bin=make_bin(),
        kind="school",
        district=other_district,
    )
    theirs = make_listener(school, last_name="Бекмағамбетова", first_name="Дана")
    intake = Enrollment.objects.get(pk=scene["completed"]).intake
    their_enrollment = make_enrollment(theirs, intake, state=S.ADMITTED, from_other_town=True)
    # The first district's people are on every list the exports make.
    Enrollment.objects.filter(pk=scene["completed"]).update(from_other_town=True)
    session = Session.objects.get(pk=scene["session"])
    for enrollment in Enrollment.objects.filter(intake=intake):
        Attendance.objects.create(enrollment=enrollment, session=session, mark=Mark.PRESENT)
    other = make_user(Role.DISTRICT_METHODOLOGIST, "district-b", district=other_district)
    return {
        "a": district_methodologist,
        "b": other,
        "a_secrets": secrets_of(district),
        "b_secrets": secrets_of(other_district),
        "intake": intake,
        "their_enrollment": their_enrollment,
    }


# The workspace: what a district methodologist opens and an anonymous visitor may not (the
# public pages, the verification among them, show what they show to anyone).
READABLE = sorted(
    name
    for name in URLS
    if name in TABLE
    and TABLE[name][0]["district_methodologist"] == 200
    and TABLE[name][0]["anonymous"] != 200
)


def test_the_walk_reaches_the_pages_and_files_with_people():
    for name in (
        "listeners:intake_enrollments",
        "listeners:attendance",
        "listeners:attestation",
        "listeners:intake_export",
        "listeners:order_pdf",
        "listeners:expulsion_reference_pdf",
        "listeners:compliance",
        "listeners:intake_feedback",
    ):
        assert name in READABLE, name


@pytest.mark.parametrize("name", READABLE)
def test_no_page_or_file_shows_another_districts_people(name, scene, two_districts):
    url = url_of(name, scene)
    response = client_for(two_districts["b"]).get(url)
    assert response.status_code in (200, 404), f"{name}: {response.status_code}"
    assert_none_of(two_districts["a_secrets"], text_of(response), f"{name} ({url}) to B")


@pytest.mark.parametrize("kind", ["list", "attendance", "results"])
def test_each_intake_xlsx_holds_the_readers_own_district_only(kind, two_districts):
    url = reverse("listeners:intake_export", args=[two_districts["intake"].pk, kind])
    to_b = text_of(client_for(two_districts["b"]).get(url))
    to_a = text_of(client_for(two_districts["a"]).get(url))
    assert_none_of(two_districts["a_secrets"], to_b, f"{kind} .xlsx to B")
    assert_none_of(two_districts["b_secrets"], to_a, f"{kind} .xlsx to A")
    assert "Бекмағамбетова" in to_b
    assert "Сұлтанова" in to_a


def test_the_intake_shows_its_own_district_and_counts_the_hidden(scene, two_districts):
    url = reverse("listeners:intake_enrollments", args=[two_districts["intake"].pk])
    page_b = text_of(client_for(two_districts["b"]).get(url))
    assert "Бекмағамбетова" in page_b
    assert_none_of(two_districts["a_secrets"], page_b, "enrollments to B")
    # The scene's intake holds two people of district A: one completed, one expelled.
    assert "2 listeners of this intake work in other districts and are not shown" in page_b
    page_a = text_of(client_for(two_districts["a"]).get(url))
    assert "Сұлтанова" in page_a and "Ахметова" in page_a
    assert "1 listener of this intake works in another district" in page_a
    assert_none_of(two_districts["b_secrets"], page_a, "enrollments to A")
    # The institute's methodologist sees all three and is told of nobody hidden.
    page = text_of(client_for(make_user(Role.METHODOLOGIST, "m-2")).get(url))
    assert "Бекмағамбетова" in page and "Сұлтанова" in page
    assert "not shown" not in page


def test_the_journal_and_the_attestation_are_cut_to_the_district(two_districts):
    for name in ("listeners:attendance", "listeners:attestation"):
        url = reverse(name, args=[two_districts["intake"].pk])
        page_b = text_of(client_for(two_districts["b"]).get(url))
        assert "Бекмағамбетова" in page_b, name
        assert_none_of(two_districts["a_secrets"], page_b, f"{name} to B")
        page_a = text_of(client_for(two_districts["a"]).get(url))
        assert "Сұлтанова" in page_a, name
        assert_none_of(two_districts["b_secrets"], page_a, f"{name} to A")


def test_an_id_of_another_districts_person_is_not_found(scene, two_districts):
    reference = reverse(
        "listeners:expulsion_reference_pdf", args=[two_districts["intake"].pk, scene["expelled"]]
    )
    assert client_for(two_districts["b"]).get(reference).status_code == 404
    assert client_for(two_districts["a"]).get(reference).status_code == 200
    # The admission order of A's person names nobody else: A reads it, B does not.
    order = reverse("listeners:order_pdf", args=[scene["admission_order"]])
    assert client_for(two_districts["b"]).get(order).status_code == 404
    to_a = client_for(two_districts["a"]).get(order)
    assert to_a.status_code == 200 and "Сұлтанова" in text_of(to_a)
    # An order that admits people of both districts is read by neither of them.
    mixed = two_districts["their_enrollment"].admission_order
    Enrollment.objects.filter(pk=scene["completed"]).update(admission_order=mixed)
    mixed_url = reverse("listeners:order_pdf", args=[mixed.pk])
    assert client_for(two_districts["a"]).get(mixed_url).status_code == 404
    assert client_for(two_districts["b"]).get(mixed_url).status_code == 404
    assert client_for(make_user(Role.METHODOLOGIST, "m-3")).get(mixed_url).status_code == 200


def test_the_search_never_finds_another_districts_person(two_districts):
    url = reverse("listeners:compliance")
    for query in [*two_districts["a_secrets"], "Сұлтан"]:
        page = text_of(client_for(two_districts["b"]).get(url, {"q": query}))
        assert_none_of(two_districts["a_secrets"], page, f"search {query!r} by B", typed=query)
    found = text_of(client_for(two_districts["a"]).get(url, {"q": "Сұлтан"}))
    assert "Сұлтанова" in found


def _prepared(client, url: str, data: dict, on_commit) -> str:
    """Ask for an export, let the worker build it (at once in tests), download it."""
    with on_commit(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.status_code
    job = ExportJob.objects.latest("pk")
    download = client.get(reverse("listeners:export_download", args=[job.pk]))
    assert download.status_code == 200
    return text_of(download)


@pytest.mark.parametrize(
    "name,data",
    [
        ("listeners:accounting_export", {"start": "2026-03-01", "end": "2026-03-31"}),
        ("listeners:compliance_export", {"on": "2026-12-01"}),
    ],
)
def test_a_prepared_export_holds_the_askers_district_only(
    name, data, two_districts, django_capture_on_commit_callbacks
):
    url, on_commit = reverse(name), django_capture_on_commit_callbacks
    to_b = _prepared(client_for(two_districts["b"]), url, data, on_commit)
    assert "Бекмағамбетова" in to_b
    assert_none_of(two_districts["a_secrets"], to_b, f"{name} to B")
    to_a = _prepared(client_for(two_districts["a"]), url, data, on_commit)
    assert "Сұлтанова" in to_a
    assert_none_of(two_districts["b_secrets"], to_a, f"{name} to A")


def test_a_compliance_export_whose_district_is_gone_does_not_widen(two_districts):
    """A job's scope is narrowed when it is made; the worker narrows it again."""

    client = client_for(two_districts["b"])
    client.post(reverse("listeners:compliance_export"), {"on": "2026-12-01"})
    job = ExportJob.objects.latest("pk")
    job.params = {"on": "2026-12-01", "district": 999_999}
    job.status, job.file = "queued", None
    job.save()
    export_build.call(job.pk)
    text = text_of(client.get(reverse("listeners:export_download", args=[job.pk])))
    assert "Бекмағамбетова" in text
    assert_none_of(two_districts["a_secrets"], text, "a widened export")


# --- the back-office -----------------------------------------------------------------------

# Models that name nobody of a district: a district methodologist reads them in full.
NAMES_NO_ONE = {
    "institute.institute",
    "institute.region",
    "institute.district",
    "institute.branch",
    "institute.organisation",
    "institute.field",
    "institute.teacher",
    "courses.programme",
    "courses.intake",
    "courses.session",
    "courses.commission",
    "certificates.documentseries",
    "certificates.blanklayout",  # where the fields go on the diploma form
}


def test_every_back_office_list_says_whose_district_it_shows(two_districts, rf):
    request = rf.get("/admin/")
    request.user = two_districts["b"]
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if model._meta.app_label not in ("institute", "courses", "listeners", "certificates"):
            continue
        assert isinstance(model_admin, DistrictScoped), f"{label}: not DistrictScoped"
        if model_admin.district_lookup is None:
            assert label in NAMES_NO_ONE, f"{label} names people but is shown in full"
        elif model_admin.district_lookup == HIDDEN:
            assert not model_admin.get_queryset(request).exists(), label
        else:
            # The path leads to a district: the database filters by it.
            model_admin.get_queryset(request).count()


def _may_view_everything(user) -> None:
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))


def test_the_back_office_shows_no_one_of_another_district(two_districts):
    """Even given every view permission, B finds none of A's people in any back-office list
    or page, nor any way to change anything; A, with the same permissions, finds them."""
    _may_view_everything(two_districts["b"])
    _may_view_everything(two_districts["a"])
    client_b, client_a = client_for(two_districts["b"]), client_for(two_districts["a"])
    seen_by_a = ""
    for model in admin.site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = client_b.get(changelist)
        assert response.status_code in (200, 403), f"{changelist}: {response.status_code}"
        assert_none_of(two_districts["a_secrets"], text_of(response), changelist)
        seen_by_a += text_of(client_a.get(changelist))
        for pk in model._default_manager.values_list("pk", flat=True)[:20]:
            for view in ("change", "history"):
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[pk])
                response = client_b.get(url)
                assert response.status_code in (200, 302, 403, 404), f"{url}"
                assert_none_of(two_districts["a_secrets"], text_of(response), url)
                if response.status_code == 200 and view == "change":
                    # Read-only for them: no form posts a change.
                    assert 'name="_save"' not in response.content.decode(), url
    for surname in ("Сұлтанова", "Ахметова"):
        assert surname in seen_by_a
    search = reverse("admin:listeners_listener_changelist")
    for value in two_districts["a_secrets"]:
        assert_none_of(
            two_districts["a_secrets"],
            text_of(client_b.get(search, {"q": value})),
            f"admin search {value!r}",
            typed=value,
        )


def test_a_district_methodologist_changes_nothing_in_the_back_office(two_districts, scene):
    """Given every permission there is, B still changes nothing."""
    b = two_districts["b"]
    b.user_permissions.set(Permission.objects.all())
    client = client_for(b)
    theirs = two_districts["their_enrollment"].listener
    url = reverse("admin:listeners_listener_change", args=[theirs.pk])
    client.post(url, {"last_name": "Changed", "first_name": "X", "citizenship": "KZ"})
    theirs.refresh_from_db()
    assert theirs.last_name == "Бекмағамбетова"
    assert client.get(reverse("admin:listeners_listener_add")).status_code == 403
    assert client.get(reverse("admin:courses_programme_add")).status_code == 403
