# ruff: noqa: F811 (the fixtures imported from test_every_url are parameters of the tests)
"""Bad input never makes a 500 (issue 7): every form of the project gets malformed and
overlong fields, URLs get unknown ids, list pages get garbage query strings, uploads come
too big or of the wrong kind. Each answer is a 4xx, a redirect, or the page again with the
error beside the field.

The URLs and the objects they carry come from tests/institute/test_every_url.py, so a form
behind a new URL is tried here as soon as that URL is in its table.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates import forms as certificate_forms
from courses import forms as course_forms
from listeners import forms as listener_forms
from listeners import portal_forms, public_forms
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
    for module in (certificate_forms, course_forms, listener_forms, portal_forms, public_forms):
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
}


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
    if response.status_code in (400, 403, 404) and response["Content-Type"].startswith(
        "text/html"
    ):
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
    role = "listener" if name.startswith("portal:") else "administrator"
    for who in (role, "anonymous"):
        response = client_for(people[who]).get(url)
        assert_handled(response, f"GET {url} as {who}")


@pytest.mark.parametrize("name", sorted(n for n in URLS if n in TABLE and URLS[n][1]))
def test_unknown_ids_answer_404(name, scene, people):
    """Every id in a URL replaced by one that does not exist: 404 (405 for POST-only URLs
    asked by GET), never a 500. "abc" does not match an <int:> converter: 404 by routing."""
    route, converters = URLS[name]
    real = url_of(name, scene)
    role = "listener" if name.startswith("portal:") else "administrator"
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
