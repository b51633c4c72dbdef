"""Shared fixtures: the personas (an administrator, a methodologist, a district
methodologist, two listeners) and small factory functions for the domain."""

import datetime
import importlib
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation

from courses.models import Intake, Programme
from courses.rules import ProgrammeKind
from institute.models import District, Organisation, Region, Role, User
from institute.rules import kz_check_digit
from listeners.models import Enrollment, Listener, Order
from listeners.rules import ADMITTED_BY_ORDER_STATES, EnrollmentState, OrderKind

_serial = itertools.count(1)


def make_iin(birth: datetime.date = datetime.date(1985, 3, 14), *, female: bool = False) -> str:
    """A valid IIN for `birth` with a fresh serial (skipping serials with no check digit)."""
    century = {1800: 1, 1900: 3, 2000: 5}[birth.year // 100 * 100] + (1 if female else 0)
    while True:
        head = f"{birth:%y%m%d}{century}{next(_serial) % 10000:04d}"
        digit = kz_check_digit(head)
        if digit is not None:
            return f"{head}{digit}"


def make_bin() -> str:
    while True:
        head = f"0405400{next(_serial) % 10000:04d}"
        digit = kz_check_digit(head)
        if digit is not None:
            return f"{head}{digit}"


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


# settings.TASKS for a test: the worker's part run at once, in the request that queues it;
# or queued in the database, as in production, for a test that reads the queue or starts a
# real worker.
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def worker_at_once(settings, django_capture_on_commit_callbacks):
    """The worker's part of a request run at once: tasks are immediate, and the ones the
    request queued on commit run when the returned block ends."""
    settings.TASKS = IMMEDIATE_TASKS
    return lambda: django_capture_on_commit_callbacks(execute=True)


QUICK_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    """Passwords made by a test are hashed with MD5, as Django advises for test suites:
    PBKDF2's million rounds take 0.3 s here, paid for every account a test opens and every
    sign-in it tries. The production hashers stay in the list (tests/institute/test_deploy
    checks the production settings in their own process); a test whose password another
    process must check (a real gunicorn) hashes it with the production hasher itself."""
    settings.PASSWORD_HASHERS = [QUICK_HASHER, *settings.PASSWORD_HASHERS]


@pytest.fixture(autouse=True)
def fresh_cache(request: pytest.FixtureRequest) -> None:
    """Each test that uses the database starts with an empty cache: the sign-in lockout and
    the verification throttle count failures there (a table, settings.CACHES), and one
    test's failures must not lock out the next. A test in a transaction rolls its entries
    back anyway; one that commits (browser tests, subprocesses) would leave them."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not DATABASE_FIXTURES & names:
        return
    committing = (marker is not None and marker.kwargs.get("transaction")) or (
        names & (DATABASE_FIXTURES - {"db"})
    )
    # The database fixture the test asked for, set up before the test's own fixtures run.
    request.getfixturevalue("transactional_db" if committing else "db")
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def region(db) -> Region:
    return Region.objects.create(
        code="KZ-55",
        name_kk="Павлодар облысы",
        name_ru="Павлодарская область",
        name_en="Pavlodar Region",
    )


@pytest.fixture
def district(region) -> District:
    return District.objects.create(
        region=region, name_kk="Ертіс ауданы", name_ru="Иртышский район", name_en="Irtysh District"
    )


@pytest.fixture
def organisation(district) -> Organisation:
    return Organisation.objects.create(
        name_kk="№1 мектеп", name_ru="Школа №1", bin=make_bin(), kind="school", district=district
    )


def make_user(role: str, username: str, **extra) -> User:
    return User.objects.create_user(
        username=username,
        password="pass-12345-word",
        role=role,
        is_staff=role != Role.LISTENER,
        **extra,
    )


@pytest.fixture
def administrator(db) -> User:
    return make_user(Role.ADMINISTRATOR, "admin", is_superuser=True)


@pytest.fixture
def methodologist(db) -> User:
    return make_user(Role.METHODOLOGIST, "methodologist")


@pytest.fixture
def district_methodologist(district) -> User:
    return make_user(Role.DISTRICT_METHODOLOGIST, "district", district=district)


def make_listener(organisation: Organisation | None = None, **fields) -> Listener:
    fields.setdefault("iin", make_iin())
    fields.setdefault("last_name", "Ахметова")
    fields.setdefault("first_name", "Әлия")
    return Listener.objects.create(organisation=organisation, **fields)


@pytest.fixture
def listener(organisation) -> Listener:
    user = make_user(Role.LISTENER, "listener1")
    return make_listener(organisation, user=user, last_name="Сұлтанова", first_name="Гүлназ")


@pytest.fixture
def other_listener(organisation) -> Listener:
    user = make_user(Role.LISTENER, "listener2")
    return make_listener(organisation, user=user, last_name="Иванов", first_name="Пётр")


def make_programme(kind: str = ProgrammeKind.UPGRADE, hours: int = 72, **fields) -> Programme:
    fields.setdefault("code", f"P-{next(_serial)}")
    fields.setdefault("title_kk", "Бағдарлама")
    fields.setdefault("title_ru", "Программа")
    if kind == ProgrammeKind.INTERNSHIP:
        fields.setdefault("duration_days", 14)
    return Programme.objects.create(kind=kind, hours=hours, **fields)


def make_intake(programme: Programme | None = None, **fields) -> Intake:
    programme = programme or make_programme()
    fields.setdefault("code", f"I-{next(_serial)}")
    fields.setdefault("start_date", datetime.date(2026, 3, 2))
    fields.setdefault("end_date", datetime.date(2026, 3, 13))
    fields.setdefault("state_order_seats", 2)
    fields.setdefault("contract_seats", 1)
    fields.setdefault("capacity", fields["state_order_seats"] + fields["contract_seats"])
    return Intake.objects.create(programme=programme, **fields)


def make_order(kind: str = OrderKind.ADMISSION, **fields) -> Order:
    fields.setdefault("number", str(next(_serial)))
    fields.setdefault("date", datetime.date(2026, 3, 1))
    fields.setdefault("head_name", "Қ. Жұмабеков")
    if kind == OrderKind.EXPULSION:
        fields.setdefault("ground", "discipline")
        fields.setdefault("reason", "Gross breach of the internal rules")
    return Order.objects.create(kind=kind, **fields)


@pytest.fixture
def programme(db) -> Programme:
    return make_programme()


@pytest.fixture
def intake(programme) -> Intake:
    return make_intake(programme)


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English, so a test can read what a rule says whatever catalogues exist."""
    with translation.override("en"):
        yield


def make_enrollment(
    listener: Listener, intake: Intake, *, state: str = EnrollmentState.APPLIED, **fields
) -> Enrollment:
    """An enrollment written straight to the database in `state` (no service, no history),
    with the orders and dates its state needs; for setting the scene of a test."""
    if state in ADMITTED_BY_ORDER_STATES:
        fields.setdefault("admission_order", make_order(OrderKind.ADMISSION, intake=intake))
    if state == EnrollmentState.COMPLETED:
        fields.setdefault("completed_on", intake.end_date)
    if state == EnrollmentState.EXPELLED:
        fields.setdefault("expulsion_order", make_order(OrderKind.EXPULSION, intake=intake))
        fields.setdefault("expulsion_reason", fields["expulsion_order"].reason)
    return Enrollment.objects.create(listener=listener, intake=intake, state=state, **fields)


# --- a real browser -------------------------------------------------------------------------

# Debian's Chromium, started as the sandbox allows and without calls to outside hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def test_pki():
    """A real test PKI on 127.0.0.1 (root and issuing CA, TSA, OCSP, CRLs) for this test
    process, with the institute's keys as PKCS#12 files (institute.signing.testpki)."""
    from institute.signing import testpki

    pki = testpki.start()
    yield pki
    pki.stop()


def use_signing_key(settings, pki, label: str = "signer-rsa") -> None:
    from institute.signing import testpki

    for name, value in testpki.signing_settings(pki, label).items():
        setattr(settings, name, value)


@pytest.fixture
def signing(settings, test_pki):
    """Documents signed for real with the institute's RSA key, timestamped by the test TSA,
    validated against the test root."""
    use_signing_key(settings, test_pki)
    return test_pki


@pytest.fixture(scope="session")
def chromium():
    """Chromium driven by Playwright. Locally the browser tests skip when Playwright or
    Chromium is missing; in CI (CI=true) that is a failure."""
    import os
    import shutil

    def missing(what: str):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{what} is missing: CI must run the browser tests")
        pytest.skip(f"{what} is not installed")

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright")
    chromium = shutil.which("chromium")
    if chromium is None:
        missing("Chromium")
    # Playwright's sync API keeps an event loop in this thread; Django's ORM calls made by
    # the tests around it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


AXE_CHECKER = pytest.StashKey["object"]()


@pytest.fixture
def browser(chromium, request: pytest.FixtureRequest):
    """The session's Chromium for one test: every page of the contexts the test makes
    (browser.new_context / new_page, browser_page) is checked by axe-core (tests/axe.py)
    after each load and when the test ends; a serious or critical finding fails the test.
    A page broken on purpose is exempted by @pytest.mark.axe_exempt("/path/glob/", reason=...).
    The contexts are closed after the test."""
    from tests.axe import CheckedBrowser, Checker

    exempt = [
        pattern for marker in request.node.iter_markers("axe_exempt") for pattern in marker.args
    ]
    checker = Checker(exempt=exempt)
    request.node.stash[AXE_CHECKER] = checker
    yield CheckedBrowser(chromium, checker)
    checker.done = True
    for context in checker.contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """The axe verdict is part of the test itself: once its body has passed, the pages it
    left open are checked a last time, and the findings fail it (a failure, not an error
    of teardown)."""
    result = yield
    checker = item.stash.get(AXE_CHECKER, None)
    if checker is not None:
        checker.finish()
    return result


def browser_page(browser, live_server, user: User, *, language: str = "en", **page_options):
    """A new page signed in as `user`, reading the interface in `language`."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(**page_options)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )
    return context.new_page()


def follow(page, target) -> None:
    """Click a link or a form's button and return once the page it leads to has loaded.
    A read straight after click() may see the page being left, or a blank one between the
    two; page.wait_for_load_state() does not help, the old page being loaded already."""
    with page.expect_navigation(wait_until="domcontentloaded"):
        target.click()


def forms_modules() -> list:
    """Every `forms` module of the four apps, wherever a capability keeps it."""
    root = Path(__file__).resolve().parents[1]
    found = []
    for app in ("institute", "courses", "listeners", "certificates"):
        for path in sorted((root / app).rglob("forms.py")):
            dotted = ".".join(path.relative_to(root).with_suffix("").parts)
            found.append(importlib.import_module(dotted))
    assert len(found) >= 10, found  # one per app and one per capability that has forms
    return found
