"""Error pages of our own, in the reader's language (issue 7): 400, 403, the expired form,
404, 500, and 503 when the database is away. A real gunicorn, behind a TCP relay to the
real PostgreSQL that the test cuts and restores, shows the database going away: the reader
gets the 503 page, nothing is half-saved, and the app recovers by itself."""

import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from django.utils import translation
from django.utils.translation import gettext

from certificates.services import document_issue
from listeners.models import Listener
from tests.certificates.conftest import make_completed, make_issuing_institute

ROOT = Path(__file__).resolve().parents[2]

HEADINGS = {
    400: "The request could not be understood",
    "csrf": "The form has expired",
    403: "You may not open this page",
    404: "There is no such page",
    500: "Something went wrong on our side",
    503: "The register cannot reach its database for a moment",
}


def translated(text: str, language: str) -> str:
    with translation.override(language):
        result = gettext(text)
    # The catalogue has it: a page in Kazakh or Russian never falls back to English.
    assert language == "en" or result != text, f"no {language} translation of {text!r}"
    return result


def client_in(language: str | None, **options) -> Client:
    client = Client(**options)
    if language:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("language", [None, "ru", "en"])
def test_an_unknown_address_gets_our_404_in_the_readers_language(language):
    response = client_in(language).get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    # Kazakh first: no cookie means Kazakh.
    assert translated(HEADINGS[404], language or "kk") in page
    assert f'<html lang="{language or "kk"}">' in page
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_another_listeners_document_gets_the_same_404(language, listener, other_listener):
    make_issuing_institute()
    enrollment = make_completed()
    enrollment.listener = listener
    enrollment.save()
    document = document_issue(enrollment=enrollment, by=None)
    client = client_in(language)
    client.force_login(other_listener.user)
    response = client.get(f"/me/documents/{document.pk}/document.pdf")
    assert response.status_code == 404
    assert translated(HEADINGS[404], language) in response.content.decode()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_page_the_role_may_not_open_gets_our_403(language, listener):
    client = client_in(language)
    client.force_login(listener.user)
    response = client.get("/work/compliance/")
    assert response.status_code == 403
    assert translated(HEADINGS[403], language) in response.content.decode()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_form_sent_without_its_token_gets_the_expired_form_page(language, listener):
    client = client_in(language, enforce_csrf_checks=True)
    client.force_login(listener.user)
    response = client.post("/me/profile/", {"phone": "+77011234567"})
    assert response.status_code == 403
    page = response.content.decode()
    assert translated(HEADINGS["csrf"], language) in page
    assert "CSRF" not in page  # Django's own page, in English, names the mechanism
    listener.refresh_from_db()
    assert listener.phone != "+77011234567"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_request_with_too_many_fields_gets_our_400(language, settings):
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client_in(language).post("/documents/verify/", fields)
    assert response.status_code == 400
    assert translated(HEADINGS[400], language) in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_host_gets_our_400():
    response = client_in("ru", raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert translated(HEADINGS[400], "ru") in response.content.decode()


# A URL configuration of the test's own, with the project's error handler: a view that fails
# as code fails (a bug), and one that fails as a database that went away fails.
def _bug(request):
    raise ZeroDivisionError


def _database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def _fine(request):
    return HttpResponse("ok")


urlpatterns = [
    path("bug/", _bug),
    path("database-gone/", _database_gone),
    path("fine/", _fine),
    path("", include("institute.urls")),
]
handler500 = "institute.views.server_error"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_bug_gets_our_500_page_and_no_details(language, settings):
    settings.ROOT_URLCONF = __name__
    client = client_in(language, raise_request_exception=False)
    response = client.get("/bug/")
    assert response.status_code == 500
    page = response.content.decode()
    assert translated(HEADINGS[500], language) in page
    assert "ZeroDivisionError" not in page and "Traceback" not in page
    assert client.get("/fine/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_database_error_gets_503_with_retry_after(language, settings):
    settings.ROOT_URLCONF = __name__
    response = client_in(language, raise_request_exception=False).get("/database-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert translated(HEADINGS[503], language) in response.content.decode()


# --- The database going away under a real server ------------------------------------------


class Relay:
    """A TCP relay between the app and PostgreSQL that can be cut (every open connection
    dropped, new ones closed at once: the database restarting, or the network gone) and
    restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        self.cut_off = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if self.cut_off:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.cut_off = True
        with self.lock:
            for end in self.open:
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                end.close()
            self.open = []

    def restore(self) -> None:
        self.cut_off = False

    def close(self) -> None:
        self.cut()
        self.listener.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory) -> Path:
    """Production serves hashed static names, which need `collectstatic` (about 10 s)."""
    target = tmp_path_factory.mktemp("static")
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(target),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return target


class Browser:
    """Cookies and the CSRF token, as a browser keeps them, over plain urllib."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if body is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def _sign_in(browser: Browser, username: str, password: str) -> None:
    status, page, _headers = browser.request("/accounts/login/")
    assert status == 200
    status, page, headers = browser.request(
        "/accounts/login/",
        {"csrfmiddlewaretoken": _token(page), "username": username, "password": password},
    )
    assert status == 302, page


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server process needs TCP")
@pytest.mark.django_db(transaction=True)
def test_the_database_going_away_gives_an_error_page_loses_nothing_and_heals(
    listener, collected_static, tmp_path
):
    listener.phone = "+77010000001"
    listener.save()
    # gunicorn checks the password with the production hashers (the tests use a quick one).
    listener.user.password = make_password("pass-12345-word", hasher="pbkdf2_sha256")
    listener.user.save(update_fields=["password"])
    db = connection.settings_dict
    relay = Relay((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)))
    port = _free_port()
    user = urllib.parse.quote(db.get("USER") or "", safe="")
    password = db.get("PASSWORD")
    credentials = f"{user}:{urllib.parse.quote(password, safe='')}" if password else user
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))},
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "STATIC_ROOT": str(collected_static),
        "DATABASE_URL": f"postgres://{credentials}@127.0.0.1:{relay.port}/{db['NAME']}",
        # Connections are kept between requests: the harder case, a kept connection that
        # died while the database was away must be noticed and replaced.
        "CONN_MAX_AGE": "600",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    log = open(tmp_path / "gunicorn.log", "w")  # closed in finally
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "institute/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _page, _headers = browser.request("/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)
        assert status == 200
        _sign_in(browser, "listener1", "pass-12345-word")
        status, page, _headers = browser.request("/me/profile/")
        assert status == 200
        # The reader switches to Russian, as with the buttons in the page's header.
        switch = {"csrfmiddlewaretoken": _token(page), "language": "ru", "next": "/me/profile/"}
        assert browser.request("/i18n/setlang/", switch)[0] == 302
        status, page, _headers = browser.request("/me/profile/")
        assert status == 200 and '<html lang="ru">' in page
        form = {"csrfmiddlewaretoken": _token(page), "email": "", "phone": "+77010000002"}

        relay.cut()
        status, page, headers = browser.request("/me/profile/", form)
        assert status == 503, page
        assert headers["Retry-After"] == "60"
        assert translated(HEADINGS[503], "ru") in page
        assert browser.request("/healthz")[0] == 503
        listener.refresh_from_db()  # read directly, not through the relay
        assert listener.phone == "+77010000001"

        relay.restore()
        # No restart: the next request opens a new connection.
        status, body, _headers = browser.request("/healthz")
        assert status == 200, body
        status, page, headers = browser.request("/me/profile/", form)
        assert status == 302, page
        listener.refresh_from_db()
        assert listener.phone == "+77010000002"
        assert Listener.objects.filter(phone="+77010000002").count() == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        relay.close()
        log.close()
