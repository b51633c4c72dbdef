"""The search by part of a name is served by trigram indexes on PostgreSQL (migration
listeners 0010): the plan of the very query the five-year report runs uses them."""

import datetime

import pytest
from django.db import connection

from listeners.reports.queries import Scope, people

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plan"),
    pytest.mark.django_db,
]


def test_a_search_by_part_of_a_name_uses_the_trigram_indexes(listener):
    # A test's table is tiny: forbid reading it whole or in name order, as at 100,000 rows
    # the cost does; what is left is reading through the trigram indexes.
    with connection.cursor() as cursor:
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
    found = people(Scope(), on=datetime.date(2026, 11, 25), query="ұлта")
    assert [person.pk for person in found] == [listener.pk]  # Сұлтанова
    plan = found.explain()
    for column in ("last_name", "first_name", "patronymic"):
        assert f"listener_{column}_trgm" in plan, plan
