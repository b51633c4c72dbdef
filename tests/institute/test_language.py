"""Kazakh is the default interface language whatever the browser asks; the switch changes it."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("browser", ["en-US,en;q=0.9", "ru-RU,ru;q=0.9", ""])
def test_the_interface_opens_in_kazakh_whatever_the_browser_language(client, db, browser):
    response = client.get(reverse("admin:login"), headers={"accept-language": browser})
    assert response.headers["Content-Language"] == "kk"
    assert '<html lang="kk"' in response.content.decode()


@pytest.mark.parametrize(
    ("language", "expected"), [("ru", "Войти"), ("en", "Log in"), ("kk", "Кіру")]
)
def test_the_language_switch_is_remembered(client, db, language, expected):
    response = client.post(reverse("set_language"), {"language": language, "next": "/admin/"})
    assert response.status_code == 302
    page = client.get(reverse("admin:login"), headers={"accept-language": "en"})
    assert page.headers["Content-Language"] == language
    assert expected in page.content.decode()


def test_an_unknown_language_in_the_cookie_falls_back_to_kazakh(client, db):
    client.cookies["django_language"] = "xx"
    response = client.get(reverse("admin:login"))
    assert response.headers["Content-Language"] == "kk"
