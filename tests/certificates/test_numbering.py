"""Registration numbers: a gapless yearly series per document kind."""

import pytest
from django.db import transaction

from certificates.models import DocumentSeries
from certificates.rules import registration_number
from certificates.services import document_number_allocate
from courses.rules import DocumentKind

CERTIFICATE, KUALIK, DIPLOMA = DocumentKind.CERTIFICATE, DocumentKind.KUALIK, DocumentKind.DIPLOMA


def series() -> dict[tuple[str, int], int]:
    return {(s.kind, s.year): s.last_serial for s in DocumentSeries.objects.all()}


@pytest.mark.parametrize(
    ("kind", "year", "serial", "number"),
    [
        (CERTIFICATE, 2026, 1, "СТ-2026-00001"),
        (KUALIK, 2026, 1, "КУ-2026-00001"),
        (DIPLOMA, 2026, 1, "ДП-2026-00001"),
        (KUALIK, 2026, 17, "КУ-2026-00017"),
        (CERTIFICATE, 2027, 12345, "СТ-2027-12345"),
        (CERTIFICATE, 2027, 123456, "СТ-2027-123456"),  # the series does not stop at 99999
    ],
)
def test_registration_number_shows_kind_year_and_serial(kind, year, serial, number):
    assert registration_number(kind, year, serial) == number


@pytest.mark.django_db
def test_allocation_gives_1_2_3_within_a_kind_and_year():
    numbers = [document_number_allocate(kind=KUALIK, year=2026) for _ in range(3)]
    assert numbers == [(1, "КУ-2026-00001"), (2, "КУ-2026-00002"), (3, "КУ-2026-00003")]
    assert series() == {(KUALIK, 2026): 3}


@pytest.mark.django_db
def test_each_kind_has_its_own_series():
    taken = [
        document_number_allocate(kind=kind, year=2026)
        for kind in (KUALIK, CERTIFICATE, KUALIK, DIPLOMA, CERTIFICATE)
    ]
    assert taken == [
        (1, "КУ-2026-00001"),
        (1, "СТ-2026-00001"),
        (2, "КУ-2026-00002"),
        (1, "ДП-2026-00001"),
        (2, "СТ-2026-00002"),
    ]
    assert series() == {(KUALIK, 2026): 2, (CERTIFICATE, 2026): 2, (DIPLOMA, 2026): 1}


@pytest.mark.django_db
def test_each_year_has_its_own_series():
    taken = [document_number_allocate(kind=CERTIFICATE, year=y) for y in (2026, 2026, 2027, 2026)]
    assert taken == [
        (1, "СТ-2026-00001"),
        (2, "СТ-2026-00002"),
        (1, "СТ-2027-00001"),
        (3, "СТ-2026-00003"),
    ]
    assert series() == {(CERTIFICATE, 2026): 3, (CERTIFICATE, 2027): 1}


@pytest.mark.django_db(transaction=True)
def test_allocation_outside_a_transaction_is_refused():
    assert not transaction.get_connection().in_atomic_block
    with pytest.raises(RuntimeError, match="inside the issuing transaction"):
        document_number_allocate(kind=KUALIK, year=2026)
    assert series() == {}


class IssueFailed(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_issue_returns_its_number_and_leaves_no_gap():
    with transaction.atomic():
        assert document_number_allocate(kind=KUALIK, year=2026) == (1, "КУ-2026-00001")
    with pytest.raises(IssueFailed), transaction.atomic():
        assert document_number_allocate(kind=KUALIK, year=2026) == (2, "КУ-2026-00002")
        raise IssueFailed  # e.g. the PDF could not be rendered

    assert series() == {(KUALIK, 2026): 1}
    with transaction.atomic():
        assert document_number_allocate(kind=KUALIK, year=2026) == (2, "КУ-2026-00002")
    assert series() == {(KUALIK, 2026): 2}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_first_issue_of_a_year_leaves_the_series_to_start_at_1():
    with pytest.raises(IssueFailed), transaction.atomic():
        document_number_allocate(kind=DIPLOMA, year=2027)
        raise IssueFailed

    assert series() == {}
    with transaction.atomic():
        assert document_number_allocate(kind=DIPLOMA, year=2027) == (1, "ДП-2027-00001")
    assert series() == {(DIPLOMA, 2027): 1}
