# ruff: noqa: F811 (the fixtures imported from test_every_url are parameters of the tests)
"""Bad input never makes a 500 (issue 7): every form of the project gets malformed and
overlong fields, URLs get unknown ids, list pages get garbage query strings, uploads come
too big or of the wrong kind. Each answer is a 4xx, a redirect, or the page again with the
error beside the field.

Text is refused at the edge (issue 18): a control character (NUL, ESC, BEL, NEL...) in any
text field of any form, ours or the back-office's, is an error beside that field and nothing
is stored; in a query string or a path it is a 400 page of ours, before any page or
back-office filter reads it. Names typed with zero-width or bidirectional-control
characters are stored without them.

The URLs and the objects they carry come from tests/institute/test_every_url.py, so a form
behind a new URL is tried here as soon as that URL is in its table.
"""

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import AdminForm, InlineAdminFormSet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.db.models import Q
from django.forms.formsets import BaseFormSet
from django.urls import reverse

from institute.models import NamesCleaned
from institute.text import validate_no_control
from tests.conftest import forms_modules
from tests.institute.test_every_url import (  # noqa: F401 (fixtures)
    PNG,
    POSTED,
    TABLE,
    URLS,
    client_for,
    people,
    quick_passwords,
    scene,
    url_of,
)


def _field_names() -> list[str]:
    """Every field name of every form of the project's pages."""
    names: set[str] = set()
    for module in forms_modules():
        for value in vars(module).values():
            fields = getattr(value, "base_fields", None)
            if isinstance(fields, dict):
                names.update(fields)
    return sorted(names)


FIELDS = _field_names()
BAD_VALUES = {
    "overlong": "x" * 100_000,
    "nul": "abc\x00def",
    "not_a_number": "abc",
    "bad_date": "2026-13-45",
    "negative": "-5",
    "huge_number": "9" * 40,
    "script": "<script>alert(1)</script>",
    # Issue 18: control characters (C0 and C1), and the invisible characters names are
    # stripped of.
    "esc": "abc\x1bdef",
    "bel": "abc\x07def",
    "nel": "abc\x85def",
    "zero_width": "Ә\u200bлиев",
    "bidi_override": "\u202eвеилА",
}
CONTROLS = ("nul", "esc", "bel", "nel")
INVISIBLE = ("zero_width", "bidi_override")


def who_posts(name: str) -> str:
    """The role the URL is for, so the form itself is reached."""
    if name.startswith("portal:"):
        return "listener"
    answers = TABLE[name][1]
    if answers.get("anonymous") == "ok":
        return "anonymous"
    return "administrator"


def assert_handled(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if response.status_code in (400, 403, 404) and response["Content-Type"].startswith("text/html"):
        # A page of ours that says what is wrong, in the reader's language (English here),
        # not Django's bare English one.
        page = response.content.decode()
        assert '<html lang="en"' in page, f"{what}: {response.status_code} {page[:200]}"


@pytest.mark.parametrize("bad", sorted(BAD_VALUES))
@pytest.mark.parametrize("name", POSTED)
def test_every_form_survives_bad_values(name, bad, scene, people):
    url = url_of(name, scene)
    data = dict.fromkeys(FIELDS, BAD_VALUES[bad])
    response = client_for(people[who_posts(name)]).post(url, data)
    assert_handled(response, f"POST {name} with {bad}")
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        # The page again, in the language the person reads (English in these tests).
        assert '<html lang="en"' in response.content.decode(), name


@pytest.mark.parametrize("name", POSTED)
def test_every_form_survives_lists_where_one_value_is_expected(name, scene, people):
    url = url_of(name, scene)
    data = {field: ["1", "abc", "2026-13-45"] for field in FIELDS}
    response = client_for(people[who_posts(name)]).post(url, data)
    assert_handled(response, f"POST {name} with lists")


GARBAGE_QUERY = (
    "?page=zzz&month=2026-99&status=<script>&start=2026-13-45&end=abc&q=%00"
    "&region=abc&district=-1&organisation=999999&kind=zzz&year=99999999999&sort=;drop"
)


@pytest.mark.parametrize("name", sorted(n for n in URLS if n in TABLE))
def test_every_page_survives_garbage_in_its_query_string(name, scene, people):
    url = url_of(name, scene) + GARBAGE_QUERY
    # A listener's own URLs (the portal's, and the digital credential's under /documents/).
    listener_only = TABLE[name][0]["administrator"] == 403 and TABLE[name][0]["listener"] != 403
    role = "listener" if name.startswith("portal:") or listener_only else "administrator"
    for who in (role, "anonymous"):
        response = client_for(people[who]).get(url)
        assert_handled(response, f"GET {url} as {who}")


# --- control and invisible characters in forms (issue 18) ----------------------------------


def _context_values(response) -> list:
    if response.context is None:
        return []
    contexts = response.context if isinstance(response.context, list) else [response.context]
    values = [value for context in contexts for layer in context.dicts for value in layer.values()]
    # One level down: pages that keep their forms in a list or a dict.
    for value in list(values):
        if isinstance(value, list | tuple):
            values.extend(value)
        elif isinstance(value, dict):
            values.extend(value.values())
    return values


def forms_of(response) -> tuple[list[forms.BaseForm], list[BaseFormSet]]:
    """The forms and formsets a page shows, the back-office's included."""
    found_forms, found_formsets = [], []
    for value in _context_values(response):
        if isinstance(value, AdminForm):
            value = value.form
        elif isinstance(value, InlineAdminFormSet):
            value = value.formset
        if isinstance(value, forms.BaseForm) and value not in found_forms:
            found_forms.append(value)
        elif isinstance(value, BaseFormSet) and value not in found_formsets:
            found_formsets.append(value)
            found_forms.extend(form for form in value.forms if form not in found_forms)
    return found_forms, found_formsets


def everything_filled_with(page, value: str) -> dict[str, object]:
    """Every field name of the project's forms, and every field of each form and formset
    `page` shows (with its prefix, one row per formset), given `value`."""
    data: dict[str, object] = dict.fromkeys(FIELDS, value)
    page_forms, formsets = forms_of(page)
    for form in page_forms:
        data |= {form.add_prefix(name): value for name in form.fields}
    for formset in formsets:
        prefix = formset.prefix
        data |= {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        data |= {f"{prefix}-0-{name}": value for name in formset.empty_form.fields}
    return data


def assert_refused_beside_each_text_field(response, value: str, what: str) -> int:
    """Each text field of each form the answer shows, sent `value`, has an error: for a
    plain text field the refusal of the control character itself (Django's for NUL). Returns
    how many fields were checked."""
    code = "null_characters_not_allowed" if "\x00" in value else "control_character"
    checked = 0
    for form in forms_of(response)[0]:
        if not form.is_bound:
            continue
        for name, field in form.fields.items():
            sent = form.data.get(form.add_prefix(name))
            if not isinstance(field, forms.CharField) or field.disabled or sent != value:
                continue
            errors = form.errors.as_data().get(name, [])
            assert errors, f"{what}: {name} took {value!r}"
            if validate_no_control in field.validators:
                codes = [error.code for error in errors]
                assert code in codes, f"{what}: {name}: {codes}"
            checked += 1
    return checked


def text_columns() -> list[tuple[type[models.Model], list[str]]]:
    return [
        (model, names)
        for model in apps.get_models()
        if (
            names := [
                field.name
                for field in model._meta.concrete_fields
                if isinstance(field, models.CharField | models.TextField)
            ]
        )
    ]


def stored_with(text: str) -> list[str]:
    """Every stored text column, of every model, holding `text`. NUL is not looked for on
    PostgreSQL, which can hold none (a try to store one is a 500 the test sees)."""
    if "\x00" in text and connection.vendor == "postgresql":
        return []
    found = []
    for model, names in text_columns():
        match = Q()
        for name in names:
            match |= Q(**{f"{name}__contains": text})
        for row in model._default_manager.filter(match).values(*names):
            found += [f"{model._meta.label}.{n}" for n, v in row.items() if v and text in v]
    return found


def names_with_invisible_characters() -> list[str]:
    found = []
    for model in apps.get_models():
        if issubclass(model, NamesCleaned):
            for name in model.NAME_FIELDS:
                for char in ("\u200b", "\u202e"):
                    if model._default_manager.filter(**{f"{name}__contains": char}).exists():
                        found.append(f"{model._meta.label}.{name}")
    return found


def test_the_scan_of_stored_text_finds_a_control_character(scene):
    """The check the tests below rest on sees a control character where one is stored."""
    from listeners.models import Listener

    assert stored_with("\x1b") == []
    Listener.objects.filter(pk=Listener.objects.first().pk).update(position="a\x1bb")
    assert stored_with("\x1b") == ["listeners.Listener.position"]
    Listener.objects.update(last_name="Ә\u200bлиев")
    assert names_with_invisible_characters() == ["listeners.Listener.last_name"]


@pytest.mark.parametrize("bad", CONTROLS)
@pytest.mark.parametrize("name", POSTED)
def test_every_text_field_refuses_control_characters_beside_the_field(name, bad, scene, people):
    """Every field of every form the URL shows, and every field name of the project's forms,
    sent a control character: the page again with the refusal beside each text field (never a
    500), and no stored text holds the character."""
    client = client_for(people[who_posts(name)])
    url, value = url_of(name, scene), BAD_VALUES[bad]
    data = everything_filled_with(client.post(url, {}), value)
    response = client.post(url, data)
    assert_handled(response, f"POST {name} with {bad}")
    assert_refused_beside_each_text_field(response, value, f"POST {name}")
    assert stored_with(value[3]) == [], name


def test_the_text_fields_of_a_form_are_found_and_checked(scene, people, english):
    """The helpers above see the fields of a real form: the application form has ten text
    fields, each refusing ESC beside itself, and nothing is stored."""
    from listeners.models import Listener

    client = client_for(people["anonymous"])
    url = url_of("public:apply", scene)
    before = Listener.objects.count()
    response = client.post(url, everything_filled_with(client.post(url, {}), "abc\x1bdef"))
    assert response.status_code == 400  # the form again, with its errors
    assert assert_refused_beside_each_text_field(response, "abc\x1bdef", "apply") >= 6
    page = response.content.decode()
    assert "Remove the invisible control character at position 4: it cannot be stored." in page
    assert Listener.objects.count() == before


# --- control characters in addresses (issue 18) ---------------------------------------------

# Every query parameter a page reads: the fields of the GET forms (FIELDS) and the names the
# views read from request.GET themselves, found in their source.
_SOURCES = [
    path
    for app in ("institute", "courses", "listeners", "certificates")
    for path in (Path(__file__).resolve().parents[2] / app).rglob("*.py")
    if "migrations" not in path.parts
]
_READ = re.compile(r"""request\.GET(?:\.get|\.getlist)?[(\[]\s*["']([^"']+)["']""")
QUERY_PARAMETERS = sorted(
    set(FIELDS) | {name for path in _SOURCES for name in _READ.findall(path.read_text())}
)
CONTROL_ESCAPES = {"nul": "%00", "esc": "%1B", "bel": "%07", "nel": "%C2%85"}


def assert_control_page(response, what: str) -> None:
    assert response.status_code == 400, f"{what}: {response.status_code}"
    page = response.content.decode()
    assert '<html lang="en"' in page, what
    assert "The address contains a control character" in page, what


def test_the_query_parameters_include_those_the_views_read_themselves():
    assert {"page", "state", "expel", "by", "format", "organisation_query"} <= set(QUERY_PARAMETERS)


@pytest.mark.parametrize("name", sorted(n for n in URLS if n in TABLE))
def test_every_query_parameter_refuses_control_characters_with_400(name, scene, people):
    """NUL in each query parameter of each page, the other control characters in a value and
    in a name: our 400 page in the reader's language, never a 500 (PostgreSQL refused the NUL
    in a comparison on some pages)."""
    url = url_of(name, scene)
    client = client_for(people["listener" if name.startswith("portal:") else "administrator"])
    for parameter in QUERY_PARAMETERS:
        assert_control_page(client.get(f"{url}?{parameter}=a%00b"), f"{url}?{parameter}=%00")
    for bad, escape in CONTROL_ESCAPES.items():
        assert_control_page(client.get(f"{url}?q=a{escape}b"), f"{url}?q= {bad}")
        assert_control_page(client.get(f"{url}?a{escape}=1"), f"{url}? {bad} in a name")
        assert_control_page(client.get(f"{url}{escape}"), f"{url} {bad} in the path")


@pytest.mark.parametrize("bad", INVISIBLE)
@pytest.mark.parametrize("name", sorted(n for n in URLS if n in TABLE))
def test_every_query_parameter_survives_invisible_characters(name, bad, scene, people):
    url = url_of(name, scene)
    client = client_for(people["listener" if name.startswith("portal:") else "administrator"])
    query = "&".join(f"{p}={quote(BAD_VALUES[bad])}" for p in QUERY_PARAMETERS)
    assert_handled(client.get(f"{url}?{query}"), f"GET {url} with {bad}")


def test_a_control_character_in_the_path_answers_400_in_kazakh_by_default(scene):
    from django.test import Client

    response = Client().get("/courses/%00/")
    assert response.status_code == 400
    assert '<html lang="kk"' in response.content.decode()


def _registered() -> list[str]:
    return sorted(
        f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry
    )


def _admin_url(label: str, view: str, *args) -> str:
    return reverse(f"admin:{label.replace('.', '_')}_{view}", args=args)


@pytest.mark.parametrize("label", _registered())
def test_every_admin_changelist_refuses_nul_in_its_search_and_filters(label, scene, people):
    """The back-office's search (?q=), ordering, paging and every filter of each list, given
    NUL: our 400 page, never a 500."""
    client = client_for(people["administrator"])
    url = _admin_url(label, "changelist")
    page = client.get(url)
    assert page.status_code == 200, label
    changelist = page.context["cl"]
    parameters = {"q", "o", "p", "e", "all", "_popup", "_to_field"}
    for spec in changelist.filter_specs:
        parameters.update(spec.expected_parameters())
    if changelist.date_hierarchy:
        parameters.update(f"{changelist.date_hierarchy}__{part}" for part in ("year", "month"))
    for parameter in sorted(parameters):
        assert_control_page(client.get(f"{url}?{parameter}=%00"), f"{url}?{parameter}=%00")
    assert_control_page(client.get(f"{url}?q=%1B"), f"{url}?q=ESC")


def admin_form_pages(client, label: str) -> list[tuple[str, object]]:
    """The back-office's add page of the model, and the change page of its first record,
    where the administrator may change anything (not the read-only records: audit trail,
    documents, jobs)."""
    model = apps.get_model(label)
    existing = model._default_manager.order_by("pk").first()
    urls = [_admin_url(label, "add")]
    if existing is not None:
        urls.append(_admin_url(label, "change", existing.pk))
    pages = []
    for url in urls:
        page = client.get(url)
        if page.status_code == 403 or not page.context["has_change_permission"]:
            continue
        assert page.status_code == 200, url
        pages.append((url, page))
    return pages


def text_fields_given(page, value: str) -> dict[str, object]:
    """The forms of `page` sent back as shown, every text field of each form and of one new
    row of each inline given `value` (what a person types; the other fields as they were)."""
    data = as_submitted(page)
    for form in forms_of(page)[0]:
        for name, field in form.fields.items():
            if isinstance(field, forms.CharField) and not field.disabled:
                data[form.add_prefix(name)] = value
    return data


@pytest.mark.parametrize("bad", CONTROLS)
@pytest.mark.parametrize("label", _registered())
def test_every_admin_form_refuses_control_characters_beside_the_field(label, bad, scene, people):
    """The back-office's add form, and its change form of an existing record, every text
    field given a control character: the form again with the refusal beside each text field
    (never a 500), nothing added, no stored text holding the character."""
    client = client_for(people["administrator"])
    model = apps.get_model(label)
    value = BAD_VALUES[bad]
    checked = 0
    for url, page in admin_form_pages(client, label):
        count = model._default_manager.count()
        response = client.post(url, text_fields_given(page, value))
        assert_handled(response, f"POST {url} with {bad}")
        assert response.status_code == 200, f"{url}: {response.status_code} (saved?)"
        checked += assert_refused_beside_each_text_field(response, value, url)
        assert model._default_manager.count() == count, url
    assert stored_with(value[3]) == [], label
    if label in ("listeners.listener", "institute.organisation", "courses.programme"):
        assert checked >= 6, (label, checked)


@pytest.mark.parametrize("label", _registered())
def test_every_admin_form_survives_invisible_characters(label, scene, people):
    client = client_for(people["administrator"])
    for url, page in admin_form_pages(client, label):
        for bad in INVISIBLE:
            response = client.post(url, text_fields_given(page, BAD_VALUES[bad]))
            assert_handled(response, f"POST {url} with {bad}")


def as_submitted(page) -> dict[str, object]:
    """What a browser sends back for the forms and formsets of `page` left as shown."""
    data: dict[str, object] = {}
    page_forms, formsets = forms_of(page)
    for formset in formsets:
        management = formset.management_form
        data |= {management.add_prefix(n): management[n].value() for n in management.fields}
    for form in page_forms:
        for name, field in form.fields.items():
            value, key = form[name].value(), form.add_prefix(name)
            if field.disabled or isinstance(field, forms.FileField):
                continue
            if isinstance(field.widget, forms.MultiWidget):
                parts = field.widget.decompress(value)
                data |= {f"{key}_{i}": "" if p is None else str(p) for i, p in enumerate(parts)}
            elif isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = "" if value is None else str(value)
    return data


def test_the_back_office_stores_every_name_without_invisible_characters(scene, people):
    """Each record with names, changed in the back-office with a bidirectional override and
    a zero-width space around each name: saved, and stored as it looks."""
    from courses.models import Commission, CommissionMember, Intake
    from institute.models import Field, Teacher

    intake = Intake.objects.get(pk=scene["intake"])
    commission = Commission.objects.create(intake=intake, assessment_form="exam")
    CommissionMember.objects.create(commission=commission, full_name="Серікова Д.", role="chair")
    Teacher.objects.create(
        last_name="Омарова",
        first_name="Сәуле",
        field=Field.objects.create(
            code="F-1", name_kk="Физика", name_ru="Физика", university_norm=8
        ),
    )
    client = client_for(people["administrator"])
    tried = []
    for label in _registered():
        model = apps.get_model(label)
        existing = model._default_manager.order_by("pk").first()
        if not issubclass(model, NamesCleaned) or existing is None:
            continue
        page = client.get(_admin_url(label, "change", existing.pk))
        form = page.context["adminform"].form
        data = as_submitted(page)
        typed = {
            name: f"\u202e{getattr(existing, name)}\u200b"
            for name in model.NAME_FIELDS
            if name in form.fields and getattr(existing, name)
        }
        data |= typed
        response = client.post(_admin_url(label, "change", existing.pk), data)
        assert response.status_code == 302, (label, forms_of(response)[0][0].errors)
        existing.refresh_from_db()
        for name, value in typed.items():
            assert getattr(existing, name) == value[1:-1], (label, name)
        tried.append(label)
    assert {"listeners.listener", "institute.teacher", "institute.organisation"} <= set(tried)
    assert {"courses.programme", "institute.district", "institute.user"} <= set(tried)


@pytest.mark.parametrize("name", sorted(n for n in URLS if n in TABLE and URLS[n][1]))
def test_unknown_ids_answer_404(name, scene, people):
    """Every id in a URL replaced by one that does not exist: 404 (405 for POST-only URLs
    asked by GET), never a 500. "abc" does not match an <int:> converter: 404 by routing."""
    route, converters = URLS[name]
    real = url_of(name, scene)
    # A listener's own URLs (the portal's, and the digital credential's under /documents/).
    listener_only = TABLE[name][0]["administrator"] == 403 and TABLE[name][0]["listener"] != 403
    role = "listener" if name.startswith("portal:") or listener_only else "administrator"
    client = client_for(people[role])
    for converter in converters:
        if converter in ("uidb64", "token", "kind", "name"):
            continue
        kwargs = {c: v for c, v in zip(converters, _kwargs(name, scene), strict=True)}
        kwargs[converter] = 999999
        url = reverse(name, kwargs=kwargs)
        answers = {client.get(url).status_code}
        if TABLE[name][1] is not None:
            answers.add(client.post(url, {}).status_code)
        # public:applied sends anyone without this browser's application to the intake.
        allowed = {302} if name == "public:applied" else {404, 405}
        assert answers <= allowed, f"{url}: {answers} (real: {real})"
        unknown = client.get(url.replace("999999", "abc"))
        assert unknown.status_code == 404
        assert_handled(unknown, url)


def _kwargs(name: str, scene: dict) -> list:
    from django.urls import resolve

    match = resolve(url_of(name, scene))
    return [match.kwargs[c] for c in URLS[name][1]]


def test_verify_with_garbage_token_answers_404_or_the_page(scene, people):
    for token in ("abc", "x" * 5000, "%00"):
        response = client_for(None).get(reverse("certificates:verify", args=[token]))
        assert response.status_code in (200, 404), token


# --- uploads -----------------------------------------------------------------------------------


def test_import_refuses_a_renamed_exe(scene, people, english):
    url = reverse("listeners:import_upload", args=[scene["intake"]])
    exe = SimpleUploadedFile("list.xlsx", b"MZ\x90\x00" + b"\x00" * 500, content_type="text/plain")
    response = client_for(people["administrator"]).post(
        url, {"file": exe, "basis": "x", "state_order_reference": ""}
    )
    assert response.status_code in (200, 400)
    assert response.context["form"].errors.get("file"), response.context["form"].errors
    from listeners.models import ImportJob

    assert ImportJob.objects.count() == 1  # the scene's own, no new one


def test_import_refuses_an_oversized_file(scene, people, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    url = reverse("listeners:import_upload", args=[scene["intake"]])
    big = SimpleUploadedFile("list.xlsx", b"PK\x03\x04" + b"\x00" * (30 * 1024 * 1024))
    response = client_for(people["administrator"]).post(url, {"file": big, "basis": "x"})
    assert response.status_code in (200, 400, 413)
    from listeners.models import ImportJob

    assert ImportJob.objects.count() == 1


def test_scan_refuses_a_text_file_named_png(scene, people):
    url = reverse("portal:upgrade")
    text = SimpleUploadedFile("scan.png", b"just some text", content_type="image/png")
    response = client_for(people["listener"]).post(
        url,
        {
            "kind": "upgrade",
            "issuer": "X",
            "document_number": "1",
            "completed_on": "2024-05-20",
            "hours": "72",
            "scan": text,
        },
    )
    assert response.status_code == 200
    assert "The scan must be a PDF, JPEG or PNG file." in response.content.decode()


def test_scan_refuses_an_oversized_file(scene, people):
    from listeners.models import SCAN_MAX_BYTES, ExternalUpgrade

    big = SimpleUploadedFile("big.png", PNG + b"\x00" * SCAN_MAX_BYTES, content_type="image/png")
    response = client_for(people["listener"]).post(
        reverse("portal:upgrade"), {"issuer": "X", "scan": big}
    )
    assert response.status_code in (200, 302, 413)
    assert ExternalUpgrade.objects.count() == 1  # the scene's own


def test_an_intake_with_a_teacher_id_past_64_bits_shows_the_error_beside_the_field(
    scene, people, english
):
    """Was a 500: Django checked the chosen teachers with an `__in` query that raised
    OverflowError on the id (courses.forms.IdListField)."""
    from courses.models import Intake

    before = Intake.objects.count()
    response = client_for(people["methodologist"]).post(
        reverse("courses:intake_create"), {"code": "I-X", "teachers": ["9" * 40]}
    )
    assert response.status_code == 200
    assert "is not a valid value" in str(response.context["form"].errors["teachers"])
    assert Intake.objects.count() == before
