"""The streaming .xlsx writer: what it writes reads back with openpyxl as the same typed
cells, styles and sheets."""

import datetime
import io
from decimal import Decimal

from openpyxl import load_workbook

from institute.xlsx import DATE, NUMBER, TEXT, Book


def read(book: Book):
    return load_workbook(io.BytesIO(book.to_bytes()))


def test_cells_come_back_typed_and_styled():
    book = Book()
    sheet = book.add_sheet(
        "Тізім",
        title="Тыңдаушылар <тізімі> & басқа",
        columns=[("No.", 6, NUMBER), ("ЖСН", 15, TEXT), ("Күні", 12, DATE), ("Сағат", 8, NUMBER)],
    )
    sheet.append([1, "010203400123", datetime.date(2026, 2, 28), Decimal("7.50")])
    sheet.append([2, "  Әлиева\x07 ", None, ""])
    ws = read(book)["Тізім"]
    assert ws["A1"].value == "Тыңдаушылар <тізімі> & басқа" and ws["A1"].font.b
    assert [c.value for c in ws[2]] == ["No.", "ЖСН", "Күні", "Сағат"] and ws["B2"].font.b
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["B"].width == 15
    assert ws["A3"].value == 1
    assert ws["B3"].value == "010203400123"  # the leading zero stays: a text cell
    assert ws["B3"].number_format == "@"
    assert (
        ws["C3"].value == datetime.datetime(2026, 2, 28) and ws["C3"].number_format == "DD.MM.YYYY"
    )
    assert ws["D3"].value == 7.5
    # Surrounding spaces are kept; a control character (which XML refuses) is dropped.
    assert ws["B4"].value == "  Әлиева "
    assert ws["C4"].value is None and ws["D4"].value is None


def test_sheet_names_are_made_acceptable_to_excel():
    book = Book()
    for _ in range(2):
        book.add_sheet("Ratings: 2026/2027 [all programmes of the year]", title="", columns=[])
    names = read(book).sheetnames
    assert names[0] == "Ratings 20262027 all programmes"[:31]
    assert len(names[1]) <= 31 and names[1] != names[0]


def test_many_rows_stream_through_a_temporary_file():
    book = Book()
    sheet = book.add_sheet("Big", title="t", columns=[("n", 8, NUMBER), ("name", 20, TEXT)])
    for n in range(30000):
        sheet.append([n, f"Тыңдаушы {n}"])
    ws = read(book)["Big"]
    assert ws.max_row == 30002 and ws.cell(30002, 2).value == "Тыңдаушы 29999"


def test_a_moment_is_written_as_its_day_in_the_institute():
    """A document issued at 02:30 in Almaty on 14 March is 21:30 UTC on 13 March: the
    sheet says 14.03 (TIME_ZONE is Asia/Almaty)."""
    book = Book()
    sheet = book.add_sheet("Issued", title="t", columns=[("Issued on", 12, DATE)])
    sheet.append([datetime.datetime(2026, 3, 13, 21, 30, tzinfo=datetime.UTC)])
    sheet.append([datetime.datetime(2026, 3, 13, 21, 30)])  # naive: taken as it is
    ws = read(book)["Issued"]
    assert ws["A3"].value == datetime.datetime(2026, 3, 14)
    assert ws["A4"].value == datetime.datetime(2026, 3, 13)
