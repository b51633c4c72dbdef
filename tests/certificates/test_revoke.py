"""Correcting and replacing documents: never edited; a mistake is revoked, with a
reason, and may be reissued from today's data; a lost one is replaced by a duplicate that
refers to it and restates what it certified."""

import datetime

import pytest
from django.utils import timezone

from certificates.models import Document, DocumentStatus
from certificates.rules import registration_number
from certificates.services import (
    document_duplicate,
    document_issue,
    document_printed,
    document_revoke,
)
from institute.models import AuditEntry
from institute.rules import RuleViolation
from listeners.models import Listener
from tests.certificates.conftest import make_completed

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 3, 14)


@pytest.fixture
def issued(issuer, administrator, intake) -> Document:
    enrollment = make_completed(intake, last_name="Ахметова", first_name="Әлия")
    return document_issue(enrollment=enrollment, by=administrator, on=ON)


def actions() -> list[tuple[str, int, dict]]:
    return [
        (entry.action, entry.object_id, entry.data)
        for entry in AuditEntry.objects.filter(action__startswith="document.").order_by("pk")
    ]


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_revoking_without_a_reason_is_refused(issued, methodologist, english, reason):
    with pytest.raises(RuleViolation, match="Give the reason"):
        document_revoke(document=issued, by=methodologist, reason=reason)
    issued.refresh_from_db()
    assert issued.status == DocumentStatus.VALID and issued.revoked_at is None


def test_revoking_records_who_when_and_why(issued, methodologist):
    assert document_revoke(document=issued, by=methodologist, reason=" Typo in the name ") is None
    issued.refresh_from_db()
    assert issued.status == DocumentStatus.REVOKED
    assert issued.revoked_by == methodologist and issued.revoked_at is not None
    assert issued.revocation_reason == "Typo in the name"
    assert actions()[-1] == (
        "document.revoked",
        issued.pk,
        {"number": "СТ-2026-00001", "reason": "Typo in the name"},
    )


def test_a_revoked_document_cannot_be_revoked_again(issued, methodologist, english):
    document_revoke(document=issued, by=methodologist, reason="Typo")
    with pytest.raises(RuleViolation, match="already revoked"):
        document_revoke(document=issued, by=methodologist, reason="Again")
    issued.refresh_from_db()
    assert issued.revocation_reason == "Typo"


def test_reissuing_takes_todays_data_under_a_new_number(issued, methodologist):
    Listener.objects.filter(pk=issued.enrollment.listener_id).update(last_name="Ахметова-Серік")

    new = document_revoke(document=issued, by=methodologist, reason="Surname changed", reissue=True)

    issued.refresh_from_db()
    assert issued.status == DocumentStatus.REVOKED
    assert issued.snapshot["full_name"] == "Ахметова Әлия"
    assert new.status == DocumentStatus.VALID and new.replaces == issued
    year = timezone.localdate().year  # a reissue is dated today
    assert new.number == registration_number(new.kind, year, 2 if year == ON.year else 1)
    assert new.snapshot["full_name"] == "Ахметова-Серік Әлия"
    assert new.enrollment == issued.enrollment and new.pdf_sha256
    assert [a for a, _, _ in actions()] == [
        "document.issued",
        "document.revoked",
        "document.issued",
    ]
    assert list(issued.replaced_by.all()) == [new]


def test_after_a_revocation_the_enrollment_may_be_issued_again(issued, administrator):
    document_revoke(document=issued, by=administrator, reason="Wrong date")
    again = document_issue(enrollment=issued.enrollment, by=administrator, on=ON)
    assert again.number == "СТ-2026-00002" and again.replaces is None


def test_a_duplicate_replaces_the_original_and_restates_it(issued, administrator, english):
    Listener.objects.filter(pk=issued.enrollment.listener_id).update(last_name="Басқа")

    duplicate = document_duplicate(document=issued, by=administrator)

    issued.refresh_from_db()
    assert duplicate.duplicate_of == issued and duplicate.kind == issued.kind
    assert duplicate.status == DocumentStatus.VALID and duplicate.number != issued.number
    assert duplicate.snapshot == {
        **issued.snapshot,
        "duplicate": True,
        "original_number": "СТ-2026-00001",
        "duplicate_issued_on": timezone.localtime(duplicate.issued_at).date().isoformat(),
    }
    assert duplicate.snapshot["full_name"] == "Ахметова Әлия"  # what was certified then
    assert issued.status == DocumentStatus.REVOKED
    assert issued.revocation_reason == f"Replaced by duplicate No. {duplicate.number}"
    assert [a for a, _, _ in actions()] == [
        "document.issued",
        "document.revoked",
        "document.issued",
        "document.duplicated",
    ]
    assert actions()[-1][2] == {"number": duplicate.number, "original": "СТ-2026-00001"}


def test_only_a_valid_document_has_a_duplicate(issued, administrator, english):
    document_revoke(document=issued, by=administrator, reason="Typo")
    with pytest.raises(RuleViolation, match="Only a valid document can be replaced"):
        document_duplicate(document=issued, by=administrator)
    assert Document.objects.count() == 1


def test_a_duplicate_of_a_duplicate_chains_back(issued, administrator):
    first = document_duplicate(document=issued, by=administrator)
    second = document_duplicate(document=first, by=administrator)
    assert second.duplicate_of == first and first.duplicate_of == issued
    assert second.snapshot["original_number"] == first.number
    assert Document.objects.filter(status=DocumentStatus.VALID).get() == second


def test_printing_is_recorded_for_each_document(issuer, administrator, intake):
    printed = [
        document_issue(enrollment=make_completed(intake), by=administrator, on=ON) for _ in range(3)
    ]
    document_printed(documents=printed, by=administrator)
    entries = AuditEntry.objects.filter(action="document.printed").order_by("pk")
    assert [(e.object_id, e.by, e.data["number"]) for e in entries] == [
        (d.pk, administrator, d.number) for d in printed
    ]
