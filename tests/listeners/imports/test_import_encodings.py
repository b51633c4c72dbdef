"""A .csv in any encoding a Kazakh or Russian list is saved in is read as it was typed; one in
any other encoding is refused; a value still garbled, or holding a control character, is an
error of its row and nothing of the list is saved (issue 18)."""

import pytest
from django.core.files.base import ContentFile

from listeners.imports.reading import ImportFileError, text_fault
from listeners.imports.services import import_apply, import_check, rows_read
from listeners.models import Enrollment, ImportJob, ImportStatus, Listener
from tests.conftest import make_iin
from tests.listeners.imports.test_imports import HEADER_KK, xlsx

pytestmark = pytest.mark.django_db

HEADER_RU = ["ИИН", "Фамилия", "Имя", "Отчество", "БИН организации", "Должность"]
# Kazakh names with their own letters, and Russian ones with ё, й, щ, ъ, э.
KAZAKH = [
    ("Әлиев", "Нұрлан", "Серікұлы", "мұғалім"),
    ("Қасымова", "Гүлнәр", "Өмірзаққызы", "әдіскер"),
    ("Жақсылықов", "Ерұлан", "Бағдатұлы", "мектеп директоры"),
    ("Үсенова", "Һафиза", "Ғаниқызы", "мұғалім"),
]
RUSSIAN = [
    ("Иванова", "Мария", "Петровна", "учитель"),
    ("Сёмин", "Пётр", "Ильич", "заместитель директора"),
    ("Щукин", "Эдуард", "Подъячев", "учитель физики"),
    ("Ким", "Ольга", "Юрьевна", "педагог-психолог"),
]
# Kazakh names spelt with Russian letters: all that Windows-1251, DOS and KOI8-R can hold.
KAZAKH_IN_RUSSIAN_LETTERS = [
    ("Асанов", "Ерлан", "Серикович", "учитель"),
    ("Жумабаева", "Айгерим", "Болатовна", "методист"),
]


def _csv(header: list[str], people: list[tuple[str, ...]], bin_: str, sep: str = ";") -> tuple:
    iins = [make_iin() for _ in people]
    lines = [sep.join(header)]
    lines += [
        sep.join([iin, *person[:3], bin_, person[3]])
        for iin, person in zip(iins, people, strict=True)
    ]
    return "\r\n".join(lines) + "\r\n", iins


def _as_read(rows) -> list[tuple[str, ...]]:
    return [
        (
            r.values["last_name"],
            r.values["first_name"],
            r.values["patronymic"],
            r.values["position"],
        )
        for r in rows
    ]


@pytest.mark.parametrize(
    ("encoding", "header", "people", "sep"),
    [
        pytest.param("utf-8", HEADER_KK, KAZAKH + RUSSIAN, ";", id="utf-8"),
        pytest.param("utf-8-sig", HEADER_KK, KAZAKH + RUSSIAN, ",", id="utf-8-with-bom"),
        # Excel's "Unicode text": UTF-16 LE with its mark, columns split by tabs.
        pytest.param("utf-16", HEADER_KK, KAZAKH + RUSSIAN, "\t", id="utf-16-le-excel"),
        pytest.param("utf-16-be-bom", HEADER_RU, KAZAKH + RUSSIAN, ";", id="utf-16-be"),
        pytest.param("kz1048", HEADER_KK, KAZAKH + RUSSIAN, ";", id="kz1048"),
        pytest.param("cp1251", HEADER_RU, KAZAKH_IN_RUSSIAN_LETTERS + RUSSIAN, ";", id="cp1251"),
        pytest.param("cp866", HEADER_RU, KAZAKH_IN_RUSSIAN_LETTERS + RUSSIAN, ";", id="cp866"),
        pytest.param("koi8_r", HEADER_RU, KAZAKH_IN_RUSSIAN_LETTERS + RUSSIAN, ",", id="koi8-r"),
    ],
)
def test_a_csv_in_each_encoding_a_list_is_saved_in_is_read_as_typed(
    organisation, encoding, header, people, sep
):
    text, iins = _csv(header, people, organisation.bin, sep)
    if encoding == "utf-16-be-bom":
        data = "\ufeff".encode("utf-16-be") + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    if encoding == "utf-16":
        assert data.startswith(b"\xff\xfe")  # little-endian, as Windows writes it

    rows = rows_read(data, "тізім.csv")

    assert _as_read(rows) == people
    assert [r.values["iin"] for r in rows] == iins
    assert all(r.errors == [] for r in rows)


@pytest.mark.parametrize("encoding", ["cp1251", "koi8_r", "cp866"])
@pytest.mark.parametrize("case", [str.upper, str.lower], ids=["capitals", "small-letters"])
def test_names_all_in_capitals_or_small_letters_are_told_apart_too(organisation, encoding, case):
    """Windows-1251 and KOI8-R both decode each other to Cyrillic letters; with the header in
    English and the names in one case, only which letters are frequent tells them apart."""
    people = [tuple(map(case, p[:3])) + (p[3],) for p in KAZAKH_IN_RUSSIAN_LETTERS + RUSSIAN]
    text, _ = _csv(
        ["IIN", "Last name", "First name", "Patronymic", "BIN", "Position"],
        people,
        organisation.bin,
    )
    assert _as_read(rows_read(text.encode(encoding), "list.csv")) == people


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("ИИН;Фамилия;Имя;БИН\n".encode("utf-32"), id="utf-32"),
        pytest.param("ИИН;Фамилия;Имя;БИН\n".encode("utf-16-le"), id="utf-16-without-its-mark"),
        pytest.param("ИИН;Фамилия;Имя;БИН\nИванова\n".encode("iso8859_5"), id="iso-8859-5"),
        pytest.param("ИИН;Фамилия;Имя;БИН\nИванова\n".encode("mac_cyrillic"), id="mac-cyrillic"),
        pytest.param(
            "IIN;Last name;First name;BIN\n1;Müller;Zoë;2\n".encode("cp1252"), id="cp1252"
        ),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)), id="binary"),
    ],
)
def test_a_csv_in_another_encoding_is_refused_naming_the_encodings_read(english, data):
    with pytest.raises(ImportFileError) as refused:
        rows_read(data, "list.csv")
    message = str(refused.value)
    for name in ("UTF-8", "UTF-16", "Windows-1251", "KZ-1048", "DOS (866)", "KOI8-R"):
        assert name in message


def test_a_csv_whose_quote_is_never_closed_is_refused_with_its_line(english, organisation):
    data = f'ИИН;Фамилия;Имя;БИН\n{make_iin()};"Иванова;Мария;{organisation.bin}\n'
    data += "x" * 140_000  # past the csv module's field limit
    with pytest.raises(ImportFileError, match="cannot be read from line"):
        rows_read(data.encode(), "list.csv")


def test_the_delimiter_is_the_one_that_splits_the_header_into_known_columns(organisation):
    iin = make_iin()
    text = f"ИИН,Фамилия,Имя,БИН организации,Должность\n{iin},Иванова,Мария,{organisation.bin},учитель; завуч\n"
    [row] = rows_read(text.encode(), "list.csv")
    assert (row.values["last_name"], row.values["position"]) == ("Иванова", "учитель; завуч")


# --- values still garbled, and control characters ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "fault"),
    [
        ("Ð˜Ð²Ð°Ð½Ð¾Ð²Ð°", "garbled"),  # UTF-8 read as Windows-1252
        ("Р’Р°РЅСЏ", "garbled"),  # «Ваня» in UTF-8 read as Windows-1251
        ("РђР»РёРµРІ", "garbled"),  # «Алиев» in UTF-8 read as Windows-1251
        ("Ð\x98Ð²Ð°Ð½", "garbled"),  # UTF-8 read as Latin-1
        ("╚трэютр", "garbled"),  # Windows-1251 read as DOS
        ("щЧБОПЧБ", "garbled"),  # KOI8-R read as Windows-1251
        ("Ива\ufffdова", "garbled"),  # bytes that were no text
        ("?лиев", "lost"),  # Kazakh letters saved in Windows-1251
        ("Ивaнова", "mixed"),  # a Latin «a» among Cyrillic letters
        ("Сёмин", None),
        ("Ёлкина", None),
        ("Жақсылықов", None),
        ("Мария-Тереза", None),
        ("Д’Артаньян", None),
        ("О'Коннор", None),
        ("МакКензи", None),
        ("José Müller", None),
        ("ИВАНОВА", None),
    ],
)
def test_a_garbled_name_is_told_from_a_true_one(name, fault):
    assert text_fault(name, name=True) == fault


def test_a_garbled_name_is_an_error_of_its_row_naming_the_column(english, organisation):
    data = xlsx(
        [
            [make_iin(), "Әлиев", "Нұрлан", "", organisation.bin, "", ""],
            [make_iin(), "РђР»РёРµРІ", "Нұрлан", "", organisation.bin, "", ""],
            [make_iin(), "Оспанов", "?рлан", "", organisation.bin, "мұғалім", ""],
            [make_iin(), "Оспанов", "Ерлан", "", organisation.bin, "╨╝╤Г╨│╨░╨╗╤Ц╨╝", ""],
        ]
    )
    errors = {row.number: row.errors for row in rows_read(data, "list.xlsx")}
    assert errors[2] == []
    assert errors[3] == [
        "Row 3, column «Тегі»: “РђР»РёРµРІ” is garbled (the text was saved in one encoding and "
        "read in another): save the list as UTF-8 or .xlsx and upload it again."
    ]
    assert errors[4][0].startswith("Row 4, column «Аты»: “?рлан” has “?” for letters lost")
    assert errors[5][0].startswith("Row 5, column «Лауазымы»: “╨╝╤Г")


def test_names_are_normalised_and_invisible_characters_dropped(organisation):
    iin = make_iin()
    decomposed = "Баи\u0306мурат"  # и + combining breve, as a Mac writes «й»
    data = xlsx(
        [
            [
                f"\u200b{iin[:6]}\u200c{iin[6:]}",
                "\u202eӘлиев\u202c",
                decomposed,
                "  Серік\u00adұлы  ",
                organisation.bin,
                "",
                "",
            ]
        ]
    )
    [row] = rows_read(data, "list.xlsx")
    assert (row.values["iin"], row.values["last_name"], row.values["first_name"]) == (
        iin,
        "Әлиев",
        "Баймурат",
    )
    assert row.values["patronymic"] == "Серікұлы"
    assert row.errors == []


def test_a_cell_with_a_control_character_is_an_error_and_the_list_is_not_saved(
    english, intake, organisation, methodologist, settings, tmp_path
):
    """NUL in a name is refused by PostgreSQL in any text, JSON included: the check must say
    which cell, keep nothing of the character, and save nothing."""
    settings.MEDIA_ROOT = tmp_path
    iin = make_iin()
    text = (
        "ЖСН;Тегі;Аты;Ұйымның БСН\r\n"
        f"{make_iin()};Оспанов;Ерлан;{organisation.bin}\r\n"
        f"{iin};Әли\x00ев;Нұр\x1blan;{organisation.bin}\r\n"
    )
    job = ImportJob(intake=intake, filename="list.csv", created_by=methodologist)
    job.file.save("list.csv", ContentFile(text.encode()), save=False)
    job.save()
    before = (Listener.objects.count(), Enrollment.objects.count())

    import_check.call(job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID
    [bad] = job.bad_rows
    assert bad["errors"] == [
        "Row 3, column «Тегі»: the value holds a control character (an invisible code such as "
        "NUL or ESC): type it again.",
        "Row 3, column «Аты»: the value holds a control character (an invisible code such as "
        "NUL or ESC): type it again.",
    ]
    assert bad["values"]["last_name"] == "Әли\ufffdев"
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING)  # forced
    import_apply.call(job.pk)
    assert (Listener.objects.count(), Enrollment.objects.count()) == before
    assert not Listener.objects.filter(iin=iin).exists()


def test_a_value_longer_than_its_field_is_an_error_of_its_row(english, organisation):
    [row] = rows_read(
        xlsx([[make_iin(), "Ә" * 101, "Нұрлан", "", organisation.bin, "", ""]]), "a.xlsx"
    )
    assert row.errors == ["Row 2, column «Тегі»: longer than 100 characters."]
    assert len(row.values["last_name"]) == 101  # cut, with an ellipsis


def test_a_utf16_list_from_excel_is_imported_with_its_kazakh_names(
    intake, organisation, methodologist, settings, tmp_path
):
    """The tester's file: Excel's "Unicode text" ended in an unexpected error."""
    settings.MEDIA_ROOT = tmp_path
    text, iins = _csv(HEADER_KK[:6], KAZAKH, organisation.bin, "\t")
    job = ImportJob(intake=intake, filename="тізім.txt.csv", created_by=methodologist)
    job.file.save("list.csv", ContentFile(text.encode("utf-16")), save=False)
    job.save()

    import_check.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING)
    import_apply.call(job.pk)

    job.refresh_from_db()
    assert (job.status, job.imported) == (ImportStatus.IMPORTED, 4)
    saved = Listener.objects.filter(iin__in=iins).order_by("iin")
    assert sorted((p.last_name, p.first_name, p.patronymic, p.position) for p in saved) == sorted(
        KAZAKH
    )
