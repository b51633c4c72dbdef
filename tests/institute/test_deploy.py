"""Production settings (issue 7): `check --deploy` finds nothing, HTTPS only, cookies hidden
from scripts and sent over HTTPS only, a Content-Security-Policy without inline scripts,
no framing, and every document issued or revoked told in the log without personal data."""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from certificates.services import document_duplicate, document_issue, document_revoke
from tests.certificates.conftest import make_completed, make_issuing_institute

ROOT = Path(__file__).resolve().parents[2]


def _production_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy warns about.
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
        and not k.startswith(("SECURE_", "SESSION_", "BEHIND_PROXY", "DJANGO_"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50)[:50],
        ALLOWED_HOSTS="example.org",
        DATABASE_URL=f"sqlite:///{tmp_path}/production.db",
    )
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_nothing_in_production(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr


# Run under the production settings: what the settings hold, and what a request gets back.
PROBE = r"""
import json
import django
from django.conf import settings
django.setup()
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

out = {
    name: getattr(settings, name, None)
    for name in [
        "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_AGE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "X_FRAME_OPTIONS",
        "SECURE_REFERRER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF",
    ]
}
out["static_storage"] = settings.STORAGES["staticfiles"]["BACKEND"]
# The hashed names need `collectstatic`; the page is rendered with the plain storage here.
with override_settings(
    STORAGES={**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
    # No database here (the probe's is empty): sessions in a cache of the process's own.
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    SESSION_ENGINE="django.contrib.sessions.backends.cache",
):
    plain = Client().get("/accounts/login/", HTTP_HOST="example.org")
    out["http_status"] = plain.status_code
    out["http_location"] = plain.headers.get("Location")
    page = Client().get("/accounts/login/", HTTP_HOST="example.org", secure=True)
    out["https_status"] = page.status_code
    out["hsts"] = page.headers.get("Strict-Transport-Security")
    out["csp"] = page.headers.get("Content-Security-Policy")
    csrf = page.cookies["csrftoken"]
    out["csrf_cookie"] = {"secure": bool(csrf["secure"]), "httponly": bool(csrf["httponly"])}
    health = Client().get("/healthz", HTTP_HOST="example.org")
    out["health_status"] = health.status_code

    def view(request):
        request.session["seen"] = True
        return HttpResponse()

    request = RequestFactory().get("/", HTTP_HOST="example.org", secure=True)
    response = SessionMiddleware(view)(request)
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    out["session_cookie"] = {
        "secure": bool(session["secure"]),
        "httponly": bool(session["httponly"]),
        "max_age": session["max-age"],
    }
print(json.dumps(out))
"""


def _probe(env: dict[str, str]) -> dict:
    env = {**env, "DJANGO_SETTINGS_MODULE": "institute.settings"}
    result = _run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_are_strict(tmp_path):
    found = _probe(_production_env(tmp_path))
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["SESSION_COOKIE_HTTPONLY"] is True
    assert found["CSRF_COOKIE_SECURE"] is True
    assert found["CSRF_COOKIE_HTTPONLY"] is True
    assert found["SESSION_COOKIE_AGE"] == 8 * 60 * 60
    assert found["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_HSTS_SECONDS"] == 365 * 24 * 60 * 60
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["SECURE_HSTS_PRELOAD"] is True
    assert found["SECURE_PROXY_SSL_HEADER"] is None
    assert found["X_FRAME_OPTIONS"] == "DENY"
    assert found["SECURE_REFERRER_POLICY"] == "same-origin"
    assert found["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert found["static_storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # Plain HTTP is sent to HTTPS; over HTTPS the page comes with HSTS and the CSP.
    assert found["http_status"] == 301
    assert found["http_location"] == "https://example.org/accounts/login/"
    assert found["https_status"] == 200
    assert found["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self';" in found["csp"]
    # The cookies a browser gets: over HTTPS only, out of scripts' reach.
    assert found["csrf_cookie"] == {"secure": True, "httponly": True}
    # No max-age: the cookie ends with the browser; the session itself after 8 hours.
    assert found["session_cookie"] == {"secure": True, "httponly": True, "max_age": ""}
    # Monitoring may ask the app itself over plain HTTP: no redirect.
    assert found["health_status"] != 301


def test_production_settings_follow_the_environment(tmp_path):
    found = _probe(
        _production_env(
            tmp_path,
            BEHIND_PROXY="true",
            SECURE_HSTS_SECONDS="3600",
            SECURE_HSTS_PRELOAD="false",
            SECURE_SSL_REDIRECT="false",
            SESSION_HOURS="2",
        )
    )
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["SECURE_HSTS_SECONDS"] == 3600
    assert found["SECURE_HSTS_PRELOAD"] is False
    assert found["SECURE_SSL_REDIRECT"] is False
    assert found["http_status"] == 200
    assert found["SESSION_COOKIE_AGE"] == 2 * 60 * 60


def test_laptop_and_tests_read_static_files_without_collectstatic():
    import institute.settings as module

    assert module.DEBUG is True  # `make test` sets DEBUG; pytest-django then turns it off
    assert "whitenoise.middleware.WhiteNoiseMiddleware" not in django_settings.MIDDLEWARE
    assert (
        django_settings.STORAGES["staticfiles"]["BACKEND"]
        == "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    assert django_settings.SECURE_SSL_REDIRECT is False
    assert django_settings.SESSION_COOKIE_SECURE is False


@pytest.mark.django_db
def test_every_page_has_the_content_security_policy_and_may_not_be_framed(client):
    response = client.get("/")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "img-src 'self' data:" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_admin_sign_in_has_the_policy_too(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == django_settings.CONTENT_SECURITY_POLICY


def _template_files() -> list[Path]:
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    files = [f for folder in folders for f in folder.rglob("*.html")]
    assert len(files) > 20
    return files


def test_no_template_has_an_inline_script_or_event_handler():
    """The policy blocks them; every script is a file under static/."""
    script = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    offending = []
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        for tag in script.findall(text):
            # A data block (type="application/json") is not run; anything else needs a src.
            if "src=" not in tag and "application/json" not in tag:
                offending.append(f"{path}: {tag}")
        if handler.search(text) or "javascript:" in text.lower():
            offending.append(f"{path}: inline handler")
    assert offending == []


@pytest.mark.django_db
def test_the_apply_form_disables_its_button_through_the_site_script(client):
    """Its inline onsubmit became a data attribute read by static/institute/site.js."""
    import datetime

    from django.utils import timezone

    from courses.models import IntakeStatus
    from tests.conftest import make_intake

    start = timezone.localdate() + datetime.timedelta(days=30)
    intake = make_intake(
        status=IntakeStatus.OPEN, start_date=start, end_date=start + datetime.timedelta(days=11)
    )
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/courses/{intake.pk}/apply/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<form method="post" class="form" novalidate data-disable-on-submit>' in html
    assert "/static/institute/site.js" in html
    assert "data-disable-on-submit" in (ROOT / "static" / "institute" / "site.js").read_text()


@pytest.mark.django_db
def test_issuing_duplicating_and_revoking_are_logged_by_number_and_user_only(
    administrator, settings, tmp_path, caplog, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    make_issuing_institute()
    enrollment = make_completed(last_name="Ахметова", first_name="Әлия")
    listener = enrollment.listener
    caplog.set_level(logging.INFO, logger="certificates")

    with django_capture_on_commit_callbacks(execute=True):
        document = document_issue(enrollment=enrollment, by=administrator)
    with django_capture_on_commit_callbacks(execute=True):
        duplicate = document_duplicate(document=document, by=administrator)
    with django_capture_on_commit_callbacks(execute=True):
        document_revoke(document=duplicate, by=administrator, reason="Ахметова: typo in name")

    messages = [r.getMessage() for r in caplog.records if r.name == "certificates"]
    assert messages == [
        f"document issued: {document.number} by user {administrator.pk}",
        # The lost original is revoked when its duplicate is issued.
        f"document revoked: {document.number} by user {administrator.pk}",
        f"document issued: {duplicate.number} by user {administrator.pk}",
        f"document duplicated: {duplicate.number} of {document.number} by user {administrator.pk}",
        f"document revoked: {duplicate.number} by user {administrator.pk}",
    ]
    logged = caplog.text
    assert "Ахметова" not in logged
    assert "Әлия" not in logged
    assert listener.iin not in logged


@pytest.mark.django_db
def test_a_document_whose_issue_is_rolled_back_is_not_logged(
    administrator, settings, tmp_path, caplog, django_capture_on_commit_callbacks
):
    from django.db import transaction

    settings.MEDIA_ROOT = tmp_path
    make_issuing_institute()
    enrollment = make_completed()
    caplog.set_level(logging.INFO, logger="certificates")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                document_issue(enrollment=enrollment, by=administrator)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert [r for r in caplog.records if r.name == "certificates"] == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_break_no_rule_of_the_policy_in_a_browser(browser, live_server, administrator):
    """Chromium enforces the CSP: no page is refused a script or a style, and htmx still
    swaps content in place (the public catalogue's search)."""
    from django.urls import reverse

    from tests.conftest import browser_page, make_intake

    intake = make_intake()
    page = browser_page(browser, live_server, administrator)
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: refused.append(str(error)))
    for url in [
        reverse("listeners:dashboard"),
        reverse("courses:intake_list"),
        reverse("listeners:attendance", args=[intake.pk]),
        reverse("certificates:register"),
        reverse("public:catalogue"),
    ]:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        # The site's scripts ran: htmx from its file under static/.
        assert page.evaluate("typeof htmx") == "object", url
    for url in [reverse("admin:index"), reverse("admin:institute_user_changelist")]:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
    assert refused == []


def test_gunicorn_reads_its_settings_from_the_environment(monkeypatch):
    import runpy

    config = ROOT / "institute" / "gunicorn.conf.py"
    for name in ["GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_MAX_REQUESTS"]:
        monkeypatch.delenv(name, raising=False)
    default = runpy.run_path(str(config))
    assert default["bind"] == "127.0.0.1:8000"
    assert default["workers"] == 5  # 2 × 2 cores + 1
    assert default["max_requests"] > 0 < default["max_requests_jitter"]
    assert default["timeout"] == 60
    assert "%(U)s" in default["access_log_format"]  # the path, without its query string
    assert "%(r)s" not in default["access_log_format"]
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    chosen = runpy.run_path(str(config))
    assert (chosen["bind"], chosen["workers"]) == ("0.0.0.0:9000", 3)
    check = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "--check-config", "-c", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr
