"""The load test's virtual users (README, Measured). Run by tests/load/run.py, which prepares
the data file and the server; by hand:

    LOAD_DATA=.run/load/data.json locust -f tests/load/locustfile.py --headless \
        -u 33 -r 4 --run-time 2m --host http://127.0.0.1:8000

Who comes, in proportion (weights): listeners (teachers) looking at their own pages, the
public checking a document from its QR code or by number and surname, methodologists at
work; one more user, a monitor, asks /healthz throughout, as the baseline of what a request
costs this server. Each person pauses between pages as someone reading does
(LOAD_WAIT_SECONDS, "0.5-2" by default; "0" for no pause at all).

Every request is named after its page, so the figures group by page, not by URL. Sign-in is
a page of its own ("sign-in (listener)"): it hashes the password on purpose (PBKDF2, about
0.25 s of CPU), and each virtual user signs in once, while users are still being started. The
script reads the raw timings this file writes (LOAD_RESULTS) and counts the pages after the
last user has started apart from those before.

Bounded: --run-time, and LOAD_MAX_REQUESTS (the run stops after so many requests). Only a
server on this machine is accepted as --host (tests/load/loopback.py).
"""

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from locust import between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser

from tests.load.loopback import require_loopback

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

DATA = json.loads(Path(os.environ.get("LOAD_DATA", ".run/load/data.json")).read_text())
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "100000"))
RESULTS = os.environ.get("LOAD_RESULTS", "")


def _wait_time():
    low, _, high = os.environ.get("LOAD_WAIT_SECONDS", "0.5-2").partition("-")
    return between(float(low), float(high or low)) if float(high or low) else constant(0)


# Accounts are handed out in turn, so that no two virtual users share one while there are
# more accounts than users.
_listener_accounts = itertools.cycle(DATA["listeners"])
_methodologist_accounts = itertools.cycle(DATA["methodologists"])


# --- bounds, and the raw timings the script reads ------------------------------------------------

# (phase, page, milliseconds, succeeded, when): "ramp" until the last user has started.
_timings: list[tuple[str, str, float, bool, float]] = []
_phase: dict = {"now": "ramp"}
_environment = {}


@events.init.add_listener
def _refuse_other_hosts(environment, **_kwargs) -> None:
    # An exception here stops locust before the first request.
    require_loopback(environment.host or "")
    _environment["runner"] = environment.runner


def _started(*, user_count: int | None = None) -> None:
    """The steady part begins once every user is started and done signing in."""
    if user_count is not None:
        _phase["users"] = user_count
    else:
        _phase["started"] = _phase.get("started", 0) + 1
    if _phase.get("started", 0) >= _phase.get("users", float("inf")):
        _phase["now"] = "steady"


@events.spawning_complete.add_listener
def _all_users_spawned(user_count: int, **_kwargs) -> None:
    _started(user_count=user_count)


@events.request.add_listener
def _record(request_type, name, response_time, exception, **_kwargs) -> None:
    _timings.append((_phase["now"], name, response_time, exception is None, time.time()))
    if len(_timings) == MAX_REQUESTS and _environment.get("runner") is not None:
        gevent.spawn(_environment["runner"].quit)


@events.quitting.add_listener
def _write_timings(**_kwargs) -> None:
    if RESULTS:
        Path(RESULTS).write_text(json.dumps(_timings))


# --- the people -------------------------------------------------------------------------------


class Person(FastHttpUser):
    abstract = True
    wait_time = _wait_time()

    def on_start(self) -> None:
        try:
            self.arrive()
        finally:
            _started()

    def arrive(self) -> None:
        """What a person does first (sign in)."""

    def page(self, url: str, name: str, *, expect: str = "text/html") -> None:
        """GET a page; anything but a 200 of the expected type is a failure."""
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True
        ) as response:
            kind = response.headers.get("Content-Type", "") if response.headers else ""
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif not kind.startswith(expect):
                response.failure(f"{kind} instead of {expect}")

    def form_token(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as response:
            found = CSRF_INPUT.search(response.text or "")
            if response.status_code != 200 or found is None:
                response.failure(f"HTTP {response.status_code}, no CSRF token")
                return ""
            return found.group(1)

    def sign_in(self, login: str, *, name: str, lands_on: str) -> bool:
        """The real sign-in form: GET it for the CSRF token, POST the login and password."""
        token = self.form_token("/accounts/login/", "sign-in form")
        if not token:
            return False
        with self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": login,
                "password": DATA["password"],
            },
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            where = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or where != lands_on:
                response.failure(f"sign-in of {login!r}: HTTP {response.status_code} to {where!r}")
                return False
        return True


class Listener(Person):
    """A teacher on their own pages (/me/), signed in with their IIN or e-mail."""

    weight = 6

    def arrive(self) -> None:
        account = next(_listener_accounts)
        self.documents = [
            d["pk"] for d in DATA["documents"] if d["listener"] == account["listener"]
        ]
        if not self.sign_in(account["login"], name="sign-in (listener)", lands_on="/me/"):
            self.stop()

    @task(3)
    def home(self) -> None:
        self.page("/me/", "me: home")

    @task(3)
    def courses(self) -> None:
        self.page("/me/courses/", "me: courses")

    @task(2)
    def documents_page(self) -> None:
        self.page("/me/documents/", "me: documents")

    @task(1)
    def document_pdf(self) -> None:
        if self.documents:
            pk = random.choice(self.documents)
            self.page(
                f"/me/documents/{pk}/document.pdf", "me: document PDF", expect="application/pdf"
            )

    @task(2)
    def upgrade(self) -> None:
        self.page("/me/upgrade/", "me: five-year status")

    @task(1)
    def profile(self) -> None:
        self.page("/me/profile/", "me: profile")


class Public(Person):
    """Someone checking a document: mostly from its QR code, sometimes by typing its number
    and the holder's surname. Only look-ups that succeed: five misses from one address in ten
    minutes are answered 429 on purpose, and every virtual user comes from 127.0.0.1."""

    weight = 3

    @task(3)
    def by_qr_link(self) -> None:
        document = random.choice(DATA["documents"])
        self.page(f"/documents/verify/{document['token']}/", "verify: QR link")

    @task(1)
    def by_number_and_surname(self) -> None:
        token = self.form_token("/documents/verify/", "verify: form")
        if not token:
            return
        document = random.choice(DATA["documents"])
        with self.client.post(
            "/documents/verify/",
            data={
                "csrfmiddlewaretoken": token,
                "number": document["number"],
                "surname": document["surname"],
            },
            name="verify: number + surname",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or document["number"] not in (response.text or ""):
                response.failure(f"HTTP {response.status_code}, {document['number']} not shown")


class Methodologist(Person):
    """A methodologist in the workspace: intakes, their enrollments and attendance, the
    five-year report and the listener search."""

    weight = 1

    def arrive(self) -> None:
        if not self.sign_in(
            next(_methodologist_accounts), name="sign-in (methodologist)", lands_on="/"
        ):
            self.stop()

    @task(1)
    def dashboard(self) -> None:
        self.page("/work/", "work: dashboard")

    @task(2)
    def intakes(self) -> None:
        self.page("/work/intakes/", "work: intakes")

    @task(3)
    def enrollments(self) -> None:
        pk = random.choice(DATA["intakes"])
        self.page(f"/work/intakes/{pk}/enrollments/", "work: intake's enrollments")

    @task(2)
    def attendance(self) -> None:
        pk = random.choice(DATA["intakes"])
        self.page(f"/work/intakes/{pk}/attendance/", "work: attendance")

    @task(1)
    def search(self) -> None:
        query = random.choice(DATA["searches"])
        self.page(f"/work/compliance/?q={query}", "work: listener search")

    @task(1)
    def compliance(self) -> None:
        self.page("/work/compliance/", "work: five-year report")


class Monitor(FastHttpUser):
    """The trivial page, asked throughout by one user: what any request costs this server
    under the same load (a database round trip, no template)."""

    fixed_count = 1
    wait_time = between(0.1, 0.3)

    def on_start(self) -> None:
        _started()

    @task
    def health(self) -> None:
        with self.client.get("/healthz", name="healthz", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
