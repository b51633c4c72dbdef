"""The sign-in lockout and the verification throttle count by the client's address, kept in
a cache every gunicorn worker shares (issue 7). Behind the institute's proxy the address is
the one the proxy appended to X-Forwarded-For; without a proxy the header is ignored."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from certificates.models import DocumentStatus
from certificates.verify.views import VERIFY_MAX_FAILURES
from tests.certificates.test_views import completed, make_document

LOOKUP = reverse("certificates:verify_lookup")
MISS = {"number": "СТ-2026-99999", "surname": "Кім"}


@pytest.fixture
def document(intake, organisation, administrator):
    enrollment = completed(intake, organisation, last_name="Әлімов", first_name="Нұрлан")
    return make_document(enrollment, by=administrator)


def miss(forwarded_for: str, remote: str = "127.0.0.1"):
    return Client().post(LOOKUP, MISS, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_behind_the_proxy_each_client_is_counted_by_the_address_the_proxy_saw(settings, document):
    settings.CLIENT_ADDRESS_FROM_FORWARDED_FOR = True
    # Every request arrives from the proxy (127.0.0.1); the clients differ.
    for _ in range(VERIFY_MAX_FAILURES):
        assert miss("203.0.113.5").status_code == 200
    assert miss("203.0.113.5").status_code == 429
    # Another client behind the same proxy is not refused for the first one's misses.
    right = {"number": document.number, "surname": "Әлімов"}
    other = Client().post(
        LOOKUP, right, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert other.status_code == 200
    assert document.status == DocumentStatus.VALID


def test_an_address_forged_in_front_of_the_proxys_does_not_escape_the_count(settings, document):
    settings.CLIENT_ADDRESS_FROM_FORWARDED_FOR = True
    # The client sends its own X-Forwarded-For; nginx appends the address it saw.
    for n in range(VERIFY_MAX_FAILURES):
        assert miss(f"10.0.0.{n}, 203.0.113.5").status_code == 200
    assert miss("10.9.9.9, 203.0.113.5").status_code == 429


def test_without_a_proxy_the_header_is_ignored(settings, document):
    settings.CLIENT_ADDRESS_FROM_FORWARDED_FOR = False
    for n in range(VERIFY_MAX_FAILURES):
        assert miss(f"203.0.113.{n}", remote="192.0.2.1").status_code == 200
    assert miss("203.0.113.99", remote="192.0.2.1").status_code == 429
    assert miss("203.0.113.99", remote="192.0.2.2").status_code == 200


def test_sign_in_failures_behind_the_proxy_lock_the_address_the_proxy_saw(settings, listener):
    settings.CLIENT_ADDRESS_FROM_FORWARDED_FOR = True
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        Client().post(
            reverse("login"),
            {"username": f"guess{n}", "password": "nope"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )

    def sign_in(address: str):
        return Client().post(
            reverse("login"),
            {"username": "listener1", "password": "pass-12345-word"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=address,
        )

    assert sign_in("203.0.113.5").status_code == 200  # refused: the address is locked
    assert sign_in("198.51.100.7").status_code == 302


def test_the_counts_live_in_the_database_shared_by_every_worker(document):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    miss("203.0.113.5", remote="203.0.113.5")
    table = connection.ops.quote_name(settings.CACHES["default"]["LOCATION"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {table}")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("verify-failures:203.0.113.5" in key for key in keys), keys
