"""Searching ignores letter case in Kazakh and Russian on both databases."""

import pytest

from institute.models import Organisation
from tests.conftest import make_bin


@pytest.mark.parametrize("query", ["дефект", "ДЕФЕКТ", "Дефектология", "ӘЛІППЕ", "әліппе"])
def test_icontains_ignores_case_of_cyrillic_and_kazakh_letters(district, query):
    Organisation.objects.create(
        name_kk="Әліппе балабақшасы",
        name_ru="Дефектология центр",
        bin=make_bin(),
        kind="other",
        district=district,
    )
    Organisation.objects.create(
        name_kk="Мектеп", name_ru="Школа", bin=make_bin(), kind="school", district=district
    )
    found = Organisation.objects.filter(name_ru__icontains=query) | Organisation.objects.filter(
        name_kk__icontains=query
    )
    assert [o.name_ru for o in found] == ["Дефектология центр"]


def test_like_wildcards_stay_literal_when_escaped(district):
    Organisation.objects.create(
        name_kk="100% мектеп",
        name_ru="Школа 100%",
        bin=make_bin(),
        kind="school",
        district=district,
    )
    Organisation.objects.create(
        name_kk="1000 мектеп",
        name_ru="Школа 1000",
        bin=make_bin(),
        kind="school",
        district=district,
    )
    assert [o.name_ru for o in Organisation.objects.filter(name_ru__icontains="100%")] == [
        "Школа 100%"
    ]
    assert Organisation.objects.filter(name_ru__istartswith="школа_").count() == 0
