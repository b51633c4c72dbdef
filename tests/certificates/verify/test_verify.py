"""The public verification page: from the QR code's token or by number and surname, with no
login; it says whether the document stands and what it certifies, never the IIN or contacts;
failed look-ups from one address are throttled."""

import datetime
import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from certificates.models import Document, DocumentStatus
from courses.rules import DocumentKind
from listeners.models import Listener
from tests.certificates.test_views import completed, make_document

pytestmark = pytest.mark.django_db
LOOKUP = reverse("certificates:verify_lookup")


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def document(intake, organisation, administrator):
    enrollment = completed(
        intake,
        organisation,
        last_name="Әлімов",
        first_name="Нұрлан",
        phone="+7 701 555 12 34",
        email="alimov@example.kz",
    )
    return make_document(enrollment, by=administrator)


def _token_page(client, document) -> str:
    response = client.get(reverse("certificates:verify", args=[document.token]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_qr_page_says_valid_and_what_it_certifies_without_personal_data(en, document):
    page = _token_page(en, document)
    person = document.enrollment.listener
    assert "Valid" in page and document.number in page
    assert "Әлімов Нұрлан" in page and "Бағдарлама" in page
    assert "20.03.2026" in page and "02.03.2026" in page and "13.03.2026" in page
    assert person.iin not in page
    assert "701 555" not in page and "alimov@example.kz" not in page
    assert person.organisation.bin not in page and "№1 мектеп" not in page


def test_the_page_needs_no_login_and_is_in_kazakh_by_default(client, document):
    page = _token_page(client, document)
    assert document.number in page
    assert 'lang="kk"' in page


def test_an_unknown_token_is_404_saying_the_document_is_not_in_the_register(en, document):
    response = en.get(reverse("certificates:verify", args=["no-such-token"]))
    page = response.content.decode()
    assert response.status_code == 404
    assert "Not in the register" in page
    assert "No document issued by the institute has this QR code or link." in page
    assert "There is no such page" not in page  # not the generic 404
    assert "Check by number and surname" in page and document.number not in page


def test_an_unknown_token_speaks_the_visitors_language(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.get(reverse("certificates:verify", args=["no-such-token"]))
    assert response.status_code == 404
    assert "Нет в реестре" in response.content.decode()


def test_a_revoked_document_says_revoked_with_the_date_and_its_replacement(
    en, intake, administrator
):
    enrollment = completed(intake)
    old = make_document(enrollment, by=administrator, status=DocumentStatus.REVOKED)
    new = make_document(enrollment, by=administrator, replaces=old)
    page = _token_page(en, old)
    assert "Revoked" in page and "was revoked on 02.04.2026" in page
    assert f"It was replaced by № {new.number}" in page
    assert enrollment.listener.iin not in page
    new_page = _token_page(en, new)
    assert "Valid" in new_page and f"in place of the revoked № {old.number}" in new_page


def test_a_duplicate_refers_to_its_original(en, intake, administrator):
    enrollment = completed(intake)
    original = make_document(
        enrollment,
        by=administrator,
        status=DocumentStatus.REVOKED,
        revocation_reason="Replaced by duplicate",
    )
    duplicate = make_document(enrollment, by=administrator, duplicate_of=original)
    page = _token_page(en, duplicate)
    assert "Valid" in page
    assert f"This is a duplicate issued in place of № {original.number}" in page
    original_page = _token_page(en, original)
    assert "Revoked" in original_page
    assert f"A duplicate, № {duplicate.number}, was issued in its place" in original_page


@pytest.mark.parametrize("surname", ["Әлімов", "әлімов", "ӘЛІМОВ", "  ӘлІмОв  "])
def test_the_surname_is_matched_whatever_its_case_with_kazakh_letters(en, document, surname):
    response = en.post(LOOKUP, {"number": document.number, "surname": surname})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Valid" in page and "Әлімов Нұрлан" in page
    assert document.enrollment.listener.iin not in page


def test_the_number_is_matched_whatever_its_case_and_spaces(en, document):
    typed = f"  {document.number.lower()} "
    response = en.post(LOOKUP, {"number": typed, "surname": "әлімов"})
    assert "Әлімов Нұрлан" in response.content.decode()


def test_a_wrong_surname_finds_nothing(en, document):
    response = en.post(LOOKUP, {"number": document.number, "surname": "Әлиев"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "No document matches this number and surname." in page
    assert "Әлімов Нұрлан" not in page


def test_an_unknown_number_gets_the_same_answer_as_a_wrong_surname(en, document):
    """Nothing tells whether the number exists."""
    wrong_surname = en.post(LOOKUP, {"number": document.number, "surname": "Әлиев"})
    unknown = en.post(LOOKUP, {"number": "СТ-2026-99999", "surname": "Әлиев"})
    assert wrong_surname.status_code == unknown.status_code == 200

    def shown(response) -> str:  # the page without its CSRF tokens and what was typed
        page = re.sub(r'(X-CSRFToken": |value=)"[^"]*"', "", response.content.decode())
        return page.replace(document.number, "СТ-2026-99999")

    assert shown(wrong_surname) == shown(unknown)


# --- what ordinary typing gets wrong (issue 19) ---------------------------------------------


@pytest.mark.parametrize(
    "surname",
    ["Алимов", "алимов", "АЛИМОВ", "Әлимов", "Алімов", "Aлимoв", "Али-мов", "али мов"],
)
def test_the_surname_typed_with_russian_or_latin_look_alike_letters_is_found(en, document, surname):
    """Ә typed as А, І as И, Latin A and o for the Cyrillic ones, a dash or a space."""
    response = en.post(LOOKUP, {"number": document.number, "surname": surname})
    assert "Әлімов Нұрлан" in response.content.decode()


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Қасымова", "Касымова"),
        ("Ғабитов", "габитов"),
        ("Жаңабаев", "Жанабаев"),
        ("Төлеуов", "Толеуов"),
        ("Ұлықпанов", "Улыкпанов"),
        ("Үсенов", "Усенов"),
        ("Шаһизада", "Шахизада"),
        ("Шаһизада", "Шаhизада"),  # a Latin h for the Kazakh һ
        ("Ерёмина", "Еремина"),
        ("Касымова", "Қасымова"),  # Kazakh letters typed for a Russian name
    ],
)
def test_kazakh_letters_fold_to_the_russian_ones_typed_for_them(
    en, intake, organisation, administrator, stored, typed
):
    enrollment = completed(intake, organisation, last_name=stored, first_name="Нұр")
    document = make_document(enrollment, by=administrator)
    response = en.post(LOOKUP, {"number": document.number, "surname": typed})
    assert response.status_code == 200
    assert f"<bdi>{stored} Нұр</bdi>" in response.content.decode()


def _number_typed(number: str, how: str) -> str:
    """The number as a person might type it from the paper or on the wrong layout."""
    prefix, year, serial = number.split("-")
    latin = {"СТ": "CT", "КУ": "KY", "ДП": "DP"}[prefix]
    transliterated = {"СТ": "ST", "КУ": "KU", "ДП": "DP"}[prefix]
    return {
        "latin look-alikes": f"{latin}-{year}-{serial}",
        "transliterated": f"{transliterated.lower()} {year} {serial}",
        "without dashes": f"{prefix}{year}{serial}",
        "with spaces and en dashes": f" {prefix.lower()} – {year} – {serial} ",
        "kazakh layout": f"{prefix.replace('К', 'Қ')}-{year}-{serial}",
        "letter O for zero": f"{prefix}-{year}-{serial.replace('0', 'O')}",
    }[how]


@pytest.mark.parametrize(
    "kind", [DocumentKind.CERTIFICATE, DocumentKind.KUALIK, DocumentKind.DIPLOMA]
)
@pytest.mark.parametrize(
    "how",
    [
        "latin look-alikes",
        "transliterated",
        "without dashes",
        "with spaces and en dashes",
        "kazakh layout",
        "letter O for zero",
    ],
)
def test_the_number_typed_on_a_latin_layout_or_without_dashes_is_found(
    en, intake, organisation, administrator, kind, how
):
    enrollment = completed(intake, organisation, last_name="Әлімов", first_name="Нұрлан")
    document = make_document(enrollment, by=administrator, kind=kind)
    typed = _number_typed(document.number, how)
    response = en.post(LOOKUP, {"number": typed, "surname": "Алимов"})
    page = response.content.decode()
    assert "Valid" in page and document.number in page, typed


def test_the_prefixes_stay_apart_once_folded(en, intake, administrator):
    """A certificate's serial typed with the kuälik's prefix finds nothing."""
    enrollment = completed(intake, last_name="Әлімов")
    document = make_document(enrollment, by=administrator, kind=DocumentKind.CERTIFICATE)
    typed = document.number.replace("СТ", "КУ")
    response = en.post(LOOKUP, {"number": typed, "surname": "Әлімов"})
    assert "No document matches this number and surname." in response.content.decode()


def test_the_folded_number_is_stored_and_found_through_its_column(
    en, document, django_assert_max_num_queries
):
    assert document.number_key == document.number.replace("-", "")
    with django_assert_max_num_queries(6):
        response = en.post(
            LOOKUP, {"number": document.number.replace("-", ""), "surname": "Алимов"}
        )
    assert "Valid" in response.content.decode()


def test_the_data_migration_folds_the_numbers_already_issued(document):
    fill_number_keys = importlib.import_module(
        "certificates.migrations.0006_document_number_key"
    ).fill_number_keys
    Document.objects.filter(pk=document.pk).update(number_key="")
    fill_number_keys(django_apps, None)
    document.refresh_from_db()
    assert document.number_key == document.number.replace("-", "")


def test_the_lookup_form_is_shown_empty(en, db):
    response = en.get(LOOKUP)
    assert response.status_code == 200
    assert "Check by number and surname" in response.content.decode()


def _miss(client, address: str = "10.0.0.1"):
    return client.post(LOOKUP, {"number": "СТ-2026-99999", "surname": "Кім"}, REMOTE_ADDR=address)


def test_five_failures_in_ten_minutes_from_one_address_are_throttled(en, document):
    for _ in range(5):
        assert _miss(en).status_code == 200
    response = _miss(en)
    assert response.status_code == 429
    assert "Checking by number and surname is paused: try again in 10 minutes, at" in (
        response.content.decode()
    )
    assert int(response["Retry-After"]) == 600
    # Even a right answer waits now; another address does not.
    right = {"number": document.number, "surname": "Әлімов"}
    assert en.post(LOOKUP, right, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert en.post(LOOKUP, right, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_successful_lookup_does_not_count_as_a_failure(en, document):
    right = {"number": document.number, "surname": "әлімов"}
    for _ in range(4):
        _miss(en)
    for _ in range(3):
        assert en.post(LOOKUP, right, REMOTE_ADDR="10.0.0.1").status_code == 200
    assert _miss(en).status_code == 200  # the fifth failure is still answered
    assert _miss(en).status_code == 429


def test_the_wait_shrinks_as_the_window_passes(en, document, monkeypatch):
    import time

    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    for _ in range(5):
        _miss(en)
    monkeypatch.setattr(time, "time", lambda: now + 9 * 60 + 10)
    response = _miss(en)
    assert response.status_code == 429
    assert "try again in 1 minute, at" in response.content.decode()
    monkeypatch.setattr(time, "time", lambda: now + 10 * 60 + 1)
    assert _miss(en).status_code == 200


# --- names with invisible characters (issue 18) --------------------------------------------


@pytest.mark.parametrize("typed", ["Сейітқызы", "сейіт\u200bқызы", "\u202eСЕЙІТҚЫЗЫ\u202c"])
def test_a_holder_saved_with_invisible_characters_is_found_by_the_visible_surname(
    en, intake, organisation, administrator, typed
):
    """The listener is stored as the name looks (NamesCleaned), so is the document's frozen
    copy; what is typed is cleaned the same way."""
    enrollment = completed(
        intake, organisation, last_name="Сейіт\u200bқызы", first_name="\u202eАйгерім\u202c"
    )
    assert enrollment.listener.last_name == "Сейітқызы"
    document = make_document(enrollment, by=administrator)
    response = en.post(LOOKUP, {"number": document.number, "surname": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Valid" in page and "<bdi>Сейітқызы Айгерім</bdi>" in page


def test_a_document_frozen_with_invisible_characters_is_found_and_shown_as_it_looks(
    en, intake, organisation, administrator
):
    """Issued before names were cleaned: the snapshot keeps them as issued (the record of
    what the stored PDF says), the page shows them cleaned and isolated, and the look-up
    compares both sides by their visible letters."""
    enrollment = completed(intake, organisation, last_name="Әлімов", first_name="Нұрлан")
    Listener.objects.filter(pk=enrollment.listener_id).update(last_name="\u202eӘлімов\u200b")
    snapshot = {
        "full_name": "\u202eӘлімов\u200b Нұрлан",
        "last_name": "\u202eӘлімов\u200b",
        "programme_title_kk": "Бағдарлама\u202e  бойынша",
        "hours": 72,
        "start_date": "2026-03-02",
        "end_date": "2026-03-13",
        "issued_on": "2026-03-20",
        "institute_name_kk": "Павлодар\u200b облыстық институты",
        "head_name": "\u2067Қ. Жұмабеков\u2069",
    }
    document = make_document(enrollment, by=administrator, snapshot=snapshot)
    response = en.post(LOOKUP, {"number": document.number, "surname": "әлімов"})
    page = response.content.decode()
    assert response.status_code == 200 and "Valid" in page
    for char in ("\u202e", "\u200b", "\u2067", "\u2069"):
        assert char not in page
    assert "<bdi>Әлімов Нұрлан</bdi>" in page
    assert "<bdi>Бағдарлама бойынша</bdi>" in page
    assert "<bdi>Павлодар облыстық институты</bdi>" in page
    assert "<bdi>Қ. Жұмабеков</bdi>" in page
    document.refresh_from_db()
    assert document.snapshot == snapshot


def test_the_page_isolates_every_text_people_typed_in_bdi(en, document):
    """An override in a name or a title cannot reverse the text around it."""
    page = _token_page(en, document)
    assert "<dd><bdi>Әлімов Нұрлан</bdi></dd>" in page
    assert "<bdi>Павлодар облыстық институты</bdi>" in page
    assert "<bdi>Қ. Жұмабеков</bdi>" in page
    programme = document.snapshot["programme_title_kk"]
    assert f"<bdi>{programme}</bdi>" in page


def test_the_lookup_refuses_a_control_character_beside_the_field_and_counts_no_failure(
    en, document
):
    typed = {"number": document.number, "surname": "Әлі\x1bмов"}
    response = en.post(LOOKUP, typed, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 400
    errors = response.context["form"].errors.as_data()["surname"]
    assert [error.code for error in errors] == ["control_character"]
    assert "Remove the invisible control character at position 4" in response.content.decode()
    assert "Әлімов Нұрлан" not in response.content.decode()
    for _ in range(4):
        _miss(en)
    assert _miss(en).status_code == 200  # the fifth miss: the refused form did not count


# --- the pause, said and shown (issue 19) ---------------------------------------------------


def _inputs(page: str) -> list[str]:
    return re.findall(r"<input [^>]*name=\"(?:number|surname)\"[^>]*>", page)


def test_the_fifth_miss_says_the_lookup_is_paused_until_when_and_disables_the_form(
    en, document, monkeypatch
):
    import time

    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    for _ in range(4):
        page = _miss(en).content.decode()
        assert "is paused" not in page
        assert all("disabled" not in tag for tag in _inputs(page))
    response = _miss(en)
    page = response.content.decode()
    assert response.status_code == 200
    assert "No document matches this number and surname." in page
    resumes = timezone.localtime(
        datetime.datetime.fromtimestamp(now + 600, tz=datetime.UTC)
    ).strftime("%H:%M")
    assert f"paused: try again in 10 minutes, at {resumes}." in page
    inputs = _inputs(page)
    assert len(inputs) == 2 and all("disabled" in tag for tag in inputs)
    assert re.search(r'<button type="submit" class="primary" disabled>', page)
    # The look-up page itself, opened again, shows the same.
    again = en.get(LOOKUP, REMOTE_ADDR="10.0.0.1").content.decode()
    assert f"at {resumes}." in again and all("disabled" in tag for tag in _inputs(again))


def test_the_qr_page_still_shows_the_document_while_paused_with_the_form_disabled(en, document):
    for _ in range(5):
        _miss(en, "127.0.0.1")
    page = _token_page(en, document)
    assert "Valid" in page and "is paused" in page
    assert all("disabled" in tag for tag in _inputs(page))


def test_the_pause_is_said_in_kazakh(client, document):
    for _ in range(5):
        _miss(client)
    response = _miss(client)
    assert response.status_code == 429
    page = response.content.decode()
    assert 'lang="kk"' in page and "Too many" not in page
    assert all("disabled" in tag for tag in _inputs(page))


# --- the page is linked from where people look (issue 19) -----------------------------------


@pytest.mark.parametrize("path", ["/", "/courses/"])
def test_the_public_pages_link_the_check_page(client, db, path):
    page = client.get(path).content.decode()
    assert page.count(f'href="{LOOKUP}"') >= 2  # the header, and the page itself


def test_the_header_links_the_check_page_for_the_signed_in_staff(client, methodologist):
    client.force_login(methodologist)
    page = client.get(reverse("listeners:dashboard")).content.decode()
    assert f'href="{LOOKUP}"' in page
