"""The listener's own pages (/me/): who may enter, what they see, and at what cost."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_home_shows_the_listener_their_name_and_status(client, listener):
    response = _as(client, listener.user).get(reverse("portal:home"))
    assert response.status_code == 200
    assert "Сұлтанова Гүлназ" in response.text
    assert "No record" in response.text


def test_a_signed_in_listener_is_sent_from_the_front_door_to_their_page(client, listener):
    response = _as(client, listener.user).get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_staff_get_403(client, methodologist, administrator):
    assert _as(client, methodologist).get(reverse("portal:home")).status_code == 403
    assert _as(client, administrator).get(reverse("portal:home")).status_code == 403
