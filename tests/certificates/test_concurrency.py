"""Issuing at the same moment from several connections (PostgreSQL): the numbers stay gapless
and unique, and one enrollment never gets two valid documents. SQLite runs one writer at a
time, so these run only on PostgreSQL (DATABASE_URL=postgres://…)."""

import threading

import pytest
from django.db import connection

from certificates.models import Document, DocumentSeries, DocumentStatus
from certificates.services import document_duplicate, document_issue
from institute.rules import RuleViolation
from tests.certificates.conftest import make_completed
from tests.conftest import make_intake

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def at_once(actions: list) -> list:
    """Run each action in its own thread and connection, all released together; return
    what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index: int, action) -> None:
        try:
            barrier.wait()
            results[index] = action()
        except Exception as error:  # the test inspects it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_simultaneous_issues_take_consecutive_numbers_without_gaps(issuer, administrator):
    intake = make_intake()
    enrollments = [make_completed(intake) for _ in range(6)]

    results = at_once(
        [lambda e=e: document_issue(enrollment=e, by=administrator) for e in enrollments]
    )

    assert all(isinstance(result, Document) for result in results), results
    serials = sorted(Document.objects.values_list("serial", flat=True))
    assert serials == [1, 2, 3, 4, 5, 6]
    assert len(set(Document.objects.values_list("number", flat=True))) == 6
    assert DocumentSeries.objects.get().last_serial == 6


def test_the_same_enrollment_issued_twice_at_once_gets_one_document(
    issuer, administrator, methodologist
):
    enrollment = make_completed(make_intake())

    results = at_once(
        [
            lambda by=by: document_issue(enrollment=enrollment, by=by)
            for by in (administrator, methodologist, administrator)
        ]
    )

    issued = [r for r in results if isinstance(r, Document)]
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(issued) == 1 and len(refused) == 2, results
    assert all(error.code == "already_issued" for error in refused)
    assert Document.objects.filter(enrollment=enrollment, status=DocumentStatus.VALID).count() == 1
    assert DocumentSeries.objects.get().last_serial == 1  # the refused left no gap


def test_two_duplicates_of_one_document_at_once_give_one(issuer, administrator):
    original = document_issue(enrollment=make_completed(make_intake()), by=administrator)

    results = at_once([lambda: document_duplicate(document=original, by=administrator)] * 2)

    assert sum(isinstance(r, Document) for r in results) == 1, results
    assert sum(isinstance(r, RuleViolation) for r in results) == 1
    assert Document.objects.filter(status=DocumentStatus.VALID).count() == 1
    assert sorted(Document.objects.values_list("serial", flat=True)) == [1, 2]
