"""A streaming .xlsx writer for the register's exports.

openpyxl (kept for reading the lists people upload) builds an object per cell, too slow for
the 100,000 people of a region within the export's target (README, "Measured"). This writer
formats each row of a sheet straight into SpreadsheetML text, spools it to a temporary file
and zips the parts at the end: the same workbook (typed cells, a bold title, a frozen header,
column widths, dd.mm.yyyy dates, text cells that keep an IIN's leading zeros).

Only what the exports need is written: inline strings, numbers, dates, one sheet per table.
"""

import datetime
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TEXT, DATE, NUMBER = "text", "date", "number"

# Cell styles, by their index in styles.xml below.
PLAIN, BOLD, DAY, AS_TEXT, HEADER = 0, 1, 2, 3, 4
EXCEL_EPOCH = datetime.date(1899, 12, 30)
SHEET_NAME_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")
# XML 1.0 refuses most control characters; a name pasted from a PDF may carry one.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

STYLES = (
    XML_HEAD + f'<styleSheet xmlns="{NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="DD.MM.YYYY"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"'
    ' applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def sheet_name(text: str) -> str:
    """Excel refuses sheet names longer than 31 characters or with []:*?/\\ in them."""
    return text.translate(SHEET_NAME_FORBIDDEN)[:31] or "Sheet"


def _text_cell(value: str, style: int) -> str:
    text = escape(XML_ILLEGAL.sub("", value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    styled = f' s="{style}"' if style else ""
    return f'<c t="inlineStr"{styled}><is><t{space}>{text}</t></is></c>'


class Sheet:
    """One sheet: a bold title row, a bold frozen header row, then rows typed by column."""

    def __init__(self, name: str, *, title: str, columns: list[tuple[str, float, str]]) -> None:
        self.name = name
        self.kinds = [kind for _header, _width, kind in columns]
        self._rows = 0
        self._file: IO[str] = tempfile.SpooledTemporaryFile(  # closed by Book.to_bytes
            max_size=8 * 1024 * 1024, mode="w+", encoding="utf-8"
        )
        widths = "".join(
            f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
            for i, (_header, width, _kind) in enumerate(columns, start=1)
        )
        self._file.write(
            XML_HEAD + f'<worksheet xmlns="{NS}"><sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>'
            f"</sheetView></sheetViews><cols>{widths}</cols><sheetData>"
        )
        self._write([_text_cell(title, BOLD)])
        self._write([_text_cell(str(header), HEADER) for header, _width, _kind in columns])

    def _write(self, cells: list[str]) -> None:
        self._rows += 1
        self._file.write(f'<row r="{self._rows}">{"".join(cells)}</row>')

    def append(self, values: Iterable[Any]) -> None:
        cells = []
        for kind, value in zip(self.kinds, values, strict=True):
            if value is None or value == "":
                cells.append("<c/>")
            elif isinstance(value, datetime.date):
                day = value
                if isinstance(value, datetime.datetime):  # a moment: its day in the institute
                    day = timezone.localdate(value) if timezone.is_aware(value) else value.date()
                cells.append(f'<c s="{DAY}"><v>{(day - EXCEL_EPOCH).days}</v></c>')
            elif isinstance(value, bool):
                cells.append(_text_cell(str(value), PLAIN))
            elif isinstance(value, int | float | Decimal) and kind != TEXT:
                cells.append(f"<c><v>{value}</v></c>")
            else:
                cells.append(_text_cell(str(value), AS_TEXT if kind == TEXT else PLAIN))
        self._write(cells)

    def _finish(self) -> IO[str]:
        self._file.write("</sheetData></worksheet>")
        self._file.seek(0)
        return self._file


class Book:
    """Sheets added in order; `to_bytes()` zips the workbook."""

    def __init__(self) -> None:
        self.sheets: list[Sheet] = []

    def add_sheet(self, name: str, *, title: str, columns: list[tuple[str, float, str]]) -> Sheet:
        taken = {sheet.name for sheet in self.sheets}
        name, base, n = sheet_name(name), sheet_name(name), 1
        while name in taken:  # Excel refuses two sheets of one name
            n += 1
            name = f"{base[: 31 - len(str(n)) - 1]} {n}"
        sheet = Sheet(name, title=title, columns=columns)
        self.sheets.append(sheet)
        return sheet

    def to_bytes(self) -> bytes:
        count = len(self.sheets)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, count + 1)
        )
        content_types = (
            XML_HEAD
            + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"
        )
        root_rels = (
            XML_HEAD + f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'
        )
        sheets = "".join(
            f'<sheet name="{escape(sheet.name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, sheet in enumerate(self.sheets, start=1)
        )
        workbook = (
            XML_HEAD + f'<workbook xmlns="{NS}" xmlns:r="{REL_NS}"><sheets>{sheets}</sheets>'
            "</workbook>"
        )
        workbook_rels = (
            XML_HEAD
            + f'<Relationships xmlns="{PKG_REL_NS}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/'
                f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, count + 1)
            )
            + f'<Relationship Id="rId{count + 1}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>'
        )
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as archive:
            archive.writestr("[Content_Types].xml", content_types)
            archive.writestr("_rels/.rels", root_rels)
            archive.writestr("xl/workbook.xml", workbook)
            archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
            archive.writestr("xl/styles.xml", STYLES)
            for i, sheet in enumerate(self.sheets, start=1):
                source = sheet._finish()
                with archive.open(f"xl/worksheets/sheet{i}.xml", "w") as target:
                    while chunk := source.read(1 << 20):
                        target.write(chunk.encode("utf-8"))
                source.close()
        return out.getvalue()


# --- the parts every export shares: typed columns, cell texts, a sheet with its title ---

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Column:
    header: Promise | str
    width: int
    kind: str = NUMBER  # TEXT is written with the text format, so IINs keep leading zeros


NUMBER_COLUMN = Column(_("No."), 6)
IIN_COLUMN = Column(_("IIN"), 15, TEXT)


def cell_text(value: Any) -> str:
    return str(value) if value is not None else ""


def cell_day(value: datetime.date | None) -> str:
    return f"{value:%d.%m.%Y}" if value else ""


def choice_labels(choices: type) -> dict:
    """The labels of a TextChoices or IntegerChoices, rendered once in the active language."""
    return {value: str(label) for value, label in choices.choices}


def yes_no(value: bool) -> str:
    return str(_("Yes") if value else _("No"))


def sheet_add(book: Book, *, name: str, title: str, columns: list[Column]) -> Sheet:
    return book.add_sheet(
        name, title=title, columns=[(str(c.header), c.width, c.kind) for c in columns]
    )


def book_bytes(book: Book) -> bytes:
    return book.to_bytes()
