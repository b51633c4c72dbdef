"""Settings of the institute register: one module, every deployment value from the environment.

Defaults suit a laptop (SQLite file beside the project, console e-mail). With DEBUG off a
missing SECRET_KEY or ALLOWED_HOSTS stops start-up with a message that says what to set.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    # A laptop only: a fixed key is harmless there and keeps sessions across restarts.
    SECRET_KEY = env.str("SECRET_KEY", default="laptop-only-insecure-key-do-not-deploy")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    missing = [
        name
        for name, value in (("SECRET_KEY", SECRET_KEY), ("ALLOWED_HOSTS", ALLOWED_HOSTS))
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            f"DEBUG is off, so {' and '.join(missing)} must be set in the environment or in "
            f"{BASE_DIR / '.env'} (see .env.example). On a laptop set DEBUG=true instead."
        )

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The site's address as the public reaches it: printed in every document's QR code, so anyone
# can check the document. Set it to the real https:// address in production.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

# The institute's electronic digital signature on every document it issues (PAdES;
# institute/signing/pades.py, README "Signed documents"): its PKCS#12 key from the national
# certification authority and the key's password, the RFC 3161 time-stamping service, and
# the root certificates documents are validated against (the current and any earlier root,
# so documents signed with a replaced key still verify). Without a key documents are issued
# unsigned; with SIGNING_REQUIRED the server refuses to start without a usable key.
SIGNING_KEY_FILE = env.str("SIGNING_KEY_FILE", default="")
SIGNING_KEY_PASSWORD = env.str("SIGNING_KEY_PASSWORD", default="")
SIGNING_TSA_URL = env.str("SIGNING_TSA_URL", default="")
SIGNING_TRUST_ROOTS = env.list("SIGNING_TRUST_ROOTS", default=[])
SIGNING_REQUIRED = env.bool("SIGNING_REQUIRED", default=False)
SIGNING_TIMEOUT = env.float("SIGNING_TIMEOUT", default=10.0)
SIGNING_LOCATION = env.str("SIGNING_LOCATION", default="")
# An issuing job whose timestamps fail waits this long before it tries again.
SIGNING_RETRY_SECONDS = env.int("SIGNING_RETRY_SECONDS", default=60)
# Issuing a whole intake renders and signs its documents in this many worker processes at
# once (institute.signing.parallel); unset: one more than the CPUs. 1 or 0: one at a time.
ISSUE_PROCESSES = env.int("ISSUE_PROCESSES", default=None)
# Intakes with fewer documents to issue than this are issued one by one in the process.
ISSUE_PARALLEL_FROM = env.int("ISSUE_PARALLEL_FROM", default=24)

INSTALLED_APPS = [
    # First: its ready() gives every form text field the refusal of control characters
    # before the admin (next) builds the admin modules' forms (institute.apps).
    "institute",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "courses",
    "listeners",
    "certificates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Production: static files straight from the app (compressed, hashed names, cached for a
    # year). On a laptop runserver serves them from static/.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "institute.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "institute.middleware.KazakhFirstLocaleMiddleware",
    "institute.middleware.RefuseControlCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "institute.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "institute.context_processors.workspace",
            ],
        },
    },
]

WSGI_APPLICATION = "institute.wsgi.application"
ASGI_APPLICATION = "institute.asgi.application"

# SQLite in the project folder unless DATABASE_URL names another database
# (postgres://user:password@host:port/name selects PostgreSQL through psycopg 3).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A connection kept between requests (CONN_MAX_AGE > 0) is checked before it is reused, so
# after the database restarts the next request opens a new one instead of failing.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the background worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the sign-in lockout and the verification throttle, so it must be one for
# every gunicorn worker and survive a worker's restart: a table in the database (created by
# institute's migration 0003), not each process's memory. Entries are few (one per address or
# account that failed lately); the limit is high so that flooding it cannot evict counters.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "institute_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 10},
    }
}
AUTH_USER_MODEL = "institute.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Listeners sign in with their IIN or e-mail (institute.auth), staff with their username.
AUTHENTICATION_BACKENDS = [
    "institute.auth.IinOrEmailBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The back-office's permissions follow the role (institute/access.py).
    "institute.access.RoleBackend",
]
LOGIN_URL = "login"
# Staff: the front page sends them to the workspace; listeners land on /me/ (institute.auth).
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# How long an invitation or a password-reset link works.
PASSWORD_RESET_TIMEOUT = env.int("ACCOUNT_LINK_DAYS", default=7) * 24 * 60 * 60
# Failed sign-ins (institute.auth): so many within the window lock the account, or the
# address, for the lockout. A school's teachers may share one address, hence its higher limit.
LOGIN_FAILURES_PER_ACCOUNT = 5
LOGIN_FAILURES_PER_ADDRESS = 20
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
LOGIN_LOCKOUT_SECONDS = 15 * 60

# Kazakh is the state language (§8): the default interface language.
LANGUAGE_CODE = "kk"
LANGUAGES = [
    ("kk", _("Kazakh")),
    ("ru", _("Russian")),
    ("en", _("English")),
]
# Ours first; then institute/locale, which fills the gaps of Django's own Kazakh catalogue
# (listed here too, because the admin's JavaScript catalogue reads only LOCALE_PATHS).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "institute" / "locale"]
# Django ships no formats for kk: ours live in institute/formats/kk/formats.py.
FORMAT_MODULE_PATH = ["institute.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Almaty")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `manage.py collectstatic` gathers the files here; WhiteNoise serves them from here.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production: gzip/brotli copies and content-hashed names (cached for ever by browsers);
    # needs `collectstatic` first. On a laptop and in tests (DEBUG on) the files are read
    # from static/ as they are, so nothing has to be collected.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Request bodies. Files are not counted here: a file over FILE_UPLOAD_MAX_MEMORY_SIZE is
# streamed to a temporary file, and each form caps its own files (a scan at 5 MB,
# listeners.models.SCAN_MAX_BYTES; an import at 5 MB and 20,000 rows, listeners.forms and
# listeners.imports). The reverse proxy caps the whole request (README, Production).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Sessions end after a working day, and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_HOURS", default=8) * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Pages send the CSRF token in a header taken from the page (hx-headers in base.html), never
# read from the cookie by JavaScript, so the cookie can be hidden from scripts.
CSRF_COOKIE_HTTPONLY = True
# Over HTTPS only, except on a laptop served by runserver over plain HTTP. SECURE_COOKIES=false
# is for a load test against gunicorn on 127.0.0.1 over plain HTTP (tests/load), never a server.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# HTTPS. Production defaults are the strict ones; a laptop has none of them.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Monitoring may ask the app itself over plain HTTP (gunicorn's port, no proxy in between).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# The header only allows the domain onto browsers' preload list; it is put there only when
# someone submits it at hstspreload.org. Set false if a subdomain may ever need plain HTTP.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# Behind nginx or another proxy that ends TLS: it must set X-Forwarded-Proto (and strip any
# the client sent), otherwise HTTPS is not recognised and every request is redirected.
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client's address is the last one in X-Forwarded-For, the one the proxy appended
    # (nginx: proxy_add_x_forwarded_for); the sign-in lockout and the verification throttle
    # count by it. Without a proxy the header is ignored: anyone can send it.
    CLIENT_ADDRESS_FROM_FORWARDED_FOR = True
    USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent on every response by institute.middleware.ContentSecurityPolicyMiddleware. No inline
# scripts: every script is a file under static/. Styles keep 'unsafe-inline' because
# templates use style="" attributes (bar widths, hidden rows) and htmx adds its indicator
# style; img-src allows data: for the empty favicon (<link rel="icon" href="data:,">).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# A background job (bulk issue, import, export) unfinished and silent for longer than this
# was left by a worker that died: its page says so and lets it be started again. Each job
# gives a sign of life at every step, and no step takes minutes.
BACKGROUND_JOB_STALE_AFTER = datetime.timedelta(
    seconds=env.int("BACKGROUND_JOB_STALE_SECONDS", default=15 * 60)
)

# /healthz answers 503 when the oldest task waiting for the worker has waited longer: the
# worker (`manage.py db_worker`) is down or overwhelmed.
HEALTH_QUEUE_MAX_WAIT_SECONDS = env.int("HEALTH_QUEUE_MAX_WAIT_SECONDS", default=300)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# A mail server that does not answer must not hold a page (an admission, an application)
# for ever: sending gives up after this many seconds, and the failure is logged.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@institute.localhost")
# send_upgrade_reminders tells those whose five years end within this many months (§10.1).
UPGRADE_REMINDER_MONTHS = env.int("UPGRADE_REMINDER_MONTHS", default=3)

# Background work (bulk issuing, imports, exports) runs in `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# One console handler with timestamps (gunicorn and the worker write to stderr; systemd or
# the container keeps it). "institute.auth" tells sign-ins, failures and lockouts;
# "certificates" every document issued, duplicated or revoked (number and user id only).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "timestamped": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "timestamped"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "institute.auth": {"level": "INFO"},
        "certificates": {"level": "INFO"},
        # WeasyPrint tells every rendering step at INFO; only its warnings matter here.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
