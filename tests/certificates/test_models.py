"""What the database itself keeps true of issued documents."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates.models import Document, DocumentStatus
from certificates.services import document_number_allocate
from courses.rules import DocumentKind
from listeners.rules import EnrollmentState
from tests.conftest import make_enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed(listener, intake):
    return make_enrollment(listener, intake, state=EnrollmentState.COMPLETED)


def _issue(enrollment, administrator, **fields) -> Document:
    with transaction.atomic():
        serial, number = document_number_allocate(kind=DocumentKind.CERTIFICATE, year=2026)
        return Document.objects.create(
            enrollment=enrollment,
            kind=DocumentKind.CERTIFICATE,
            year=2026,
            serial=serial,
            number=number,
            issued_by=administrator,
            issued_at=timezone.now(),
            snapshot={"full_name": str(enrollment.listener)},
            **fields,
        )


def test_a_second_valid_document_for_one_enrollment_is_refused(completed, administrator):
    _issue(completed, administrator)
    with pytest.raises(IntegrityError), transaction.atomic():
        _issue(completed, administrator)
    assert Document.objects.filter(enrollment=completed).count() == 1


def test_a_new_document_may_follow_a_revoked_one_and_refer_to_it(completed, administrator):
    first = _issue(completed, administrator)
    Document.objects.filter(pk=first.pk).update(
        status=DocumentStatus.REVOKED, revoked_at=timezone.now(), revocation_reason="Typo"
    )
    second = _issue(completed, administrator, replaces=first)
    assert second.number == "СТ-2026-00002"
    assert list(first.replaced_by.all()) == [second]


def test_revoking_without_a_reason_is_refused_by_the_database(completed, administrator):
    document = _issue(completed, administrator)
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            status=DocumentStatus.REVOKED, revoked_at=timezone.now()
        )
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.VALID


def test_every_document_gets_its_own_unguessable_token(
    completed, other_listener, intake, administrator
):
    a = _issue(completed, administrator)
    b = _issue(
        make_enrollment(other_listener, intake, state=EnrollmentState.COMPLETED), administrator
    )
    assert a.token != b.token
    assert len(a.token) >= 32
