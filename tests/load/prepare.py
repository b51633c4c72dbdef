"""What the load test's virtual users need, made on a demo database through the ORM and
written to a JSON file that locustfile.py reads.

`demo_data` opens no listener accounts and issues no documents, so this step opens accounts
for a sample of listeners with a completed course (through listeners.accounts.listener_account,
as an application does), issues each of them one document (certificates.services
.document_issue: number, snapshot, stored PDF), opens a few methodologist accounts, and gives
all of these one new random password. Running it again reuses what is there: the same
listeners are chosen, no second document is issued, only the password changes.

It refuses any database that is not the demo one, since it sets a password it writes down.
"""

import json
import secrets
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db.models import Count
from django.db.models.functions import Lower

from certificates.models import Document, DocumentStatus
from certificates.services import document_issue
from courses.models import Intake
from institute.demo.load import demo_is_loaded
from institute.models import Role, User
from listeners.accounts import listener_account
from listeners.models import Enrollment, Listener
from listeners.rules import EnrollmentState

METHODOLOGISTS = 4
METHODOLOGIST_USERNAME = "load-methodologist-{}"
# Intakes a methodologist opens: those under way (attendance is marked there) and the most
# recently finished ones.
INTAKES = 60


class NotADemoDatabase(Exception):
    pass


def _sample(pks: list[int], count: int) -> list[int]:
    """`count` ids spread evenly over `pks` (same answer for the same ids)."""
    if len(pks) <= count:
        return pks
    step = len(pks) / count
    return [pks[int(i * step)] for i in range(count)]


def _listeners(count: int) -> list[Listener]:
    """A spread of listeners who have an IIN and a completed course; the demo `listener`
    account's person is left to the demo."""
    pks = list(
        Listener.objects.filter(iin__isnull=False)
        .exclude(user__username="listener")
        .filter(enrollments__state=EnrollmentState.COMPLETED)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    chosen = _sample(pks, count)
    return list(Listener.objects.filter(pk__in=chosen).select_related("user").order_by("pk"))


def _document_of(listener: Listener, by: User) -> Document | None:
    """The listener's valid document whose PDF is on disk, issued now for their latest
    completed course if they have none."""
    documents = Document.objects.filter(
        enrollment__listener=listener, status=DocumentStatus.VALID
    ).order_by("pk")
    for document in documents:
        if document.pdf and document.pdf.storage.exists(document.pdf.name):
            return document
    enrollment = (
        Enrollment.objects.filter(listener=listener, state=EnrollmentState.COMPLETED)
        .exclude(documents__status=DocumentStatus.VALID)
        .order_by("-completed_on", "-pk")
        .first()
    )
    if enrollment is None:
        return None  # every completed course has a document whose file is gone
    return document_issue(enrollment=enrollment, by=by)


def _logins(listeners: list[Listener]) -> list[dict[str, Any]]:
    """Half sign in by IIN, half by e-mail (where the e-mail names one account only)."""
    emails = dict(
        User.objects.filter(role=Role.LISTENER)
        .exclude(email="")
        .annotate(lower=Lower("email"))
        .values_list("lower")
        .annotate(n=Count("pk"))
        .values_list("lower", "n")
    )
    logins = []
    for i, listener in enumerate(listeners):
        email = listener.user.email.lower()
        by_email = i % 2 == 1 and email and emails.get(email) == 1
        logins.append({"login": email if by_email else listener.iin, "listener": listener.pk})
    return logins


def _intakes() -> list[int]:
    running = Intake.objects.filter(enrollments__state=EnrollmentState.ADMITTED).distinct()
    finished = Intake.objects.filter(enrollments__state=EnrollmentState.COMPLETED).distinct()
    half = INTAKES // 2
    return sorted(
        {
            *running.order_by("pk").values_list("pk", flat=True)[:half],
            *finished.order_by("-end_date", "-pk").values_list("pk", flat=True)[:half],
        }
    )


def prepare(*, listeners: int, output: Path) -> dict[str, Any]:
    """Make the accounts and documents, write the JSON file, return what it holds."""
    if not demo_is_loaded():
        raise NotADemoDatabase(
            "This database was not loaded by `manage.py demo_data`; the load test sets a "
            "password on the accounts it uses and runs on a demo database only."
        )
    issuer = User.objects.filter(role=Role.ADMINISTRATOR).order_by("pk").first()
    methodologists = []
    for n in range(1, METHODOLOGISTS + 1):
        user, _created = User.objects.update_or_create(
            username=METHODOLOGIST_USERNAME.format(n),
            defaults={"role": Role.METHODOLOGIST, "is_active": True, "last_name": "Load"},
        )
        methodologists.append(user)
    people = _listeners(listeners)
    for listener in people:
        if listener.user_id is None:
            listener.user = listener_account(listener=listener)
    documents = []
    for listener in people:
        document = _document_of(listener, issuer)
        if document is not None:
            documents.append(document)
    password = secrets.token_urlsafe(18)
    accounts = [p.user_id for p in people] + [m.pk for m in methodologists]
    User.objects.filter(pk__in=accounts).update(password=make_password(password), is_active=True)

    data: dict[str, Any] = {
        "password": password,
        "listeners": _logins(people),
        "methodologists": [m.username for m in methodologists],
        "documents": [
            {
                "pk": d.pk,
                "listener": d.enrollment.listener_id,
                "token": d.token,
                "number": d.number,
                "surname": d.snapshot.get("last_name") or d.enrollment.listener.last_name,
            }
            for d in Document.objects.filter(pk__in=[d.pk for d in documents]).select_related(
                "enrollment__listener"
            )
        ],
        "intakes": _intakes(),
        # What a methodologist types in the listener search: a surname, or a whole IIN.
        "searches": [
            value
            for listener in people[:20]
            for value in (listener.last_name, listener.iin)
            if value
        ],
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.touch(mode=0o600)  # it holds the accounts' password: readable by its owner only
    output.chmod(0o600)
    output.write_text(json.dumps(data, ensure_ascii=False, indent=1))
    return data
