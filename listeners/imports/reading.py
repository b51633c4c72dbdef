"""An uploaded list read into a table of strings, with bounded work (issue 18).

An upload is at most 5 MB (listeners.forms), but what an .xlsx unpacks to is not: it is a ZIP
of XML parts, and 2 MB can unpack to gigabytes (a zip bomb), to a million empty formatted
rows, or to XML entities that expand a billion times. So before openpyxl opens a workbook,
`_workbook_inspect` reads the ZIP's directory, then streams every part once through expat
(constant memory), and refuses at the first cap passed with a message that says what to do;
openpyxl then reads the first sheet in read-only mode, never beyond the caps.

A .csv has no such risks but many encodings: `csv_decode` tells them by the byte order mark,
then by which decoding gives plausible Kazakh and Russian text. `text_fault` tells a value
that is still garbled after all that (text pasted from a file read in the wrong encoding
elsewhere), so that it is refused rather than saved.
"""

import codecs
import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers import expat

from django.utils.translation import gettext as _


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why."""


# --- .xlsx ------------------------------------------------------------------------------------

MAX_COLUMNS = 50  # a list has about ten columns; a whole-row selection declares 16,384 (XFD)
# Rows read from the top of a sheet beyond the list's own rows: blank lines between blocks.
MAX_BLANK_ROWS = 1_000
# <row> elements in one sheet, the empty ones Excel keeps for a height or a format included:
# five times the longest list, so a sheet formatted far below its list is still read.
MAX_ROW_ELEMENTS = 100_000
# <c> elements in one sheet, empty formatted ones included (the longest list, 15 columns
# wide), and texts in the shared strings. openpyxl reads about 40,000 cells a second.
MAX_CELLS = 300_000
# XML elements in the whole workbook: bounds the scan itself (half a million a second on a
# slow machine). A 20,000-row list of ten columns has 420,000 to 620,000.
MAX_ELEMENTS = 800_000
# openpyxl holds in memory at once one row (or one shared text) with all its elements, and
# the whole of every other element of a part: styles, theme and workbook are parsed whole,
# and a sheet's columns, merged cells and hyperlinks kept (about half a kilobyte each).
# A list has a few hundred; 50,000 is a hyperlink on each e-mail of the longest list, twice.
MAX_ROW_CONTENT = 5_000
MAX_KEPT_ELEMENTS = 50_000
# The same in bytes: a row or a shared text (with the tags inside it), and what openpyxl keeps
# of a part. A list's row takes a few hundred bytes; Excel's longest cell, 32,767 letters.
# A tag is at most a row long too: expat holds a tag whole until it ends.
MAX_ROW_BYTES = 1024 * 1024
MAX_KEPT_BYTES = 5 * 1024 * 1024
MAX_PARTS = 1_000  # a workbook has about ten
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # a 20,000-row list unpacks to about 12 MB
# XML packs 5 to 30 times; a zip bomb a thousand times. Only parts over a megabyte are
# measured: a small part may pack any way it likes.
MAX_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
_WORKSHEET, _SST, _ROW, _CELL, _SI = (_MAIN + tag for tag in ("worksheet", "sst", "row", "c", "si"))
_VALUE_TAGS = {_MAIN + "v", _MAIN + "is"}
_REFERENCE = re.compile(r"([A-Za-z]{1,3})[0-9]+")
_CHUNK = 64 * 1024


def _unreadable() -> ImportFileError:
    return ImportFileError(_("The file is not a readable .xlsx workbook."))


def _too_big(part: str) -> ImportFileError:
    return ImportFileError(
        _(
            "The part “%(part)s” of the workbook is far larger than a list needs: copy the "
            "list into a new workbook and upload that."
        )
        % {"part": part}
    )


def _cells_refused() -> ImportFileError:
    return ImportFileError(
        _(
            "A sheet of the workbook has more than %(max)s cells, counting the empty ones kept "
            "for their format: copy the list into a new workbook and upload it again."
        )
        % {"max": MAX_CELLS}
    )


@dataclass
class _Sheet:
    """Where the values of a sheet lie, as far as the first value beyond the caps."""

    far_row: int | None = None  # the first row with a value beyond the rows read
    far_cell: tuple[int, int] | None = None  # (row, column) of a value beyond the columns read


def _doctype_refused(*args: object) -> None:
    raise ImportFileError(
        _(
            "The workbook declares XML entities (a DOCTYPE), which a spreadsheet never does: "
            "it is not read. Save the list again from the spreadsheet program."
        )
    )


def _rows_refused() -> ImportFileError:
    return ImportFileError(
        _(
            "A sheet of the workbook has more than %(max)s rows, counting the empty ones kept "
            "for their format: delete the rows below the list, or copy the list into a new "
            "workbook, and upload it again."
        )
        % {"max": MAX_ROW_ELEMENTS}
    )


class _WorkbookScan:
    """Every part of a workbook streamed once through expat, refused at the first cap passed.

    A DOCTYPE, where XML entities are declared, is refused before anything is expanded. In a
    sheet, rows and cells are counted and the values beyond the caps noted; in the shared
    strings, the texts. openpyxl clears each row and each text once read, but keeps the rest
    of a part (`MAX_KEPT_ELEMENTS`) and a row whole while it reads it (`MAX_ROW_CONTENT`).

    The handlers are closures over plain variables and the one for a part is chosen by its
    root element: expat calls them for every element, and a sheet has hundreds of
    thousands."""

    def __init__(self, last_row: int) -> None:
        self.last_row = last_row
        self.elements = 0  # in the whole workbook

    def part(self, archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> _Sheet | None:
        """Scan one part; where its values lie, if it is a sheet."""
        name, last_row = part.filename, self.last_row
        root: str | None = None
        budget = MAX_ELEMENTS - self.elements  # elements left for this part
        elements = depth = content_depth = content = kept = content_start = content_bytes = 0
        rows = cells = texts = row = column = 0
        cell_ref: str | None = None
        sheet = _Sheet()
        cell_tag, row_tag, value_tags = _CELL, _ROW, _VALUE_TAGS
        parser = expat.ParserCreate(namespace_separator=" ")

        def first(tag: str, attrs: dict[str, str]) -> None:
            nonlocal root, depth, elements
            root, depth, elements = tag, 1, 1
            parser.StartElementHandler = {_WORKSHEET: in_sheet, _SST: in_texts}.get(tag, other)

        def end(tag: str) -> None:
            nonlocal depth, content_depth, content_bytes
            if depth == content_depth:
                content_depth = 0
                span = parser.CurrentByteIndex - content_start
                if span > MAX_ROW_BYTES:
                    raise _too_big(name)
                content_bytes += span
            depth -= 1

        def kept_one() -> None:
            nonlocal kept
            kept += 1
            if kept > MAX_KEPT_ELEMENTS or elements > budget:
                raise _too_big(name)

        def in_sheet(tag: str, attrs: dict[str, str]) -> None:
            nonlocal depth, elements, content_depth, content, rows, cells, row, column, cell_ref
            nonlocal content_start
            depth += 1
            elements += 1
            if content_depth:  # in a row: the most frequent case first
                content += 1
                if content > MAX_ROW_CONTENT or elements > budget:
                    raise _too_big(name)
                if tag == cell_tag:
                    cells += 1
                    if cells > MAX_CELLS:
                        raise _cells_refused()
                    cell_ref = attrs.get("r")
                    column += 1
                elif tag in value_tags:
                    if cell_ref:
                        column, cell_ref = _column(cell_ref), None
                    if row > last_row and sheet.far_row is None:
                        sheet.far_row = row
                    if column > MAX_COLUMNS and sheet.far_cell is None:
                        sheet.far_cell = (row, column)
            elif tag == row_tag:
                rows += 1
                if rows > MAX_ROW_ELEMENTS:
                    raise _rows_refused()
                if elements > budget:
                    raise _too_big(name)
                number = attrs.get("r")
                # As openpyxl reads it: a row without a number follows the one before.
                row = int(float(number)) if number else row + 1
                column = 0
                content_depth, content, content_start = depth, 0, parser.CurrentByteIndex
            else:  # not the sheet's data, which is read row by row: kept
                kept_one()

        def in_texts(tag: str, attrs: dict[str, str]) -> None:
            nonlocal depth, elements, content_depth, content, texts, content_start
            depth += 1
            elements += 1
            if content_depth:
                content += 1
                if content > MAX_ROW_CONTENT or elements > budget:
                    raise _too_big(name)
            elif tag == _SI:
                texts += 1
                if texts > MAX_CELLS:
                    raise _cells_refused()
                content_depth, content, content_start = depth, 0, parser.CurrentByteIndex
            else:
                kept_one()

        def other(tag: str, attrs: dict[str, str]) -> None:
            nonlocal depth, elements
            depth += 1
            elements += 1
            kept_one()

        parser.StartDoctypeDeclHandler = _doctype_refused
        parser.EntityDeclHandler = _doctype_refused
        parser.StartElementHandler = first
        parser.EndElementHandler = end
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        fed = 0
        with archive.open(part) as stream:
            try:
                while chunk := stream.read(_CHUNK):
                    parser.Parse(chunk, False)
                    fed += len(chunk)
                    if fed - parser.CurrentByteIndex > MAX_ROW_BYTES:  # a tag not yet ended
                        raise _too_big(name)
                parser.Parse(b"", True)
            except expat.ExpatError as error:
                if root is not None:
                    raise _unreadable() from error
                return None  # not XML: openpyxl cannot parse it as XML either
            finally:
                self.elements += elements
        if part.file_size - content_bytes > MAX_KEPT_BYTES:
            raise _too_big(name)
        return sheet if root == _WORKSHEET else None


def _column(reference: str) -> int:
    """The column of a cell reference (“XFD5” is 16,384), as openpyxl reads it."""
    found = _REFERENCE.fullmatch(reference)
    if found is None:
        raise ValueError(reference)
    number = 0
    for letter in found[1].upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _workbook_inspect(archive: zipfile.ZipFile, *, last_row: int) -> dict[str, _Sheet]:
    """Refuse a workbook whose unpacking or parsing would not stay small; say where the values
    of each sheet lie (by part name)."""
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise _unreadable()
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            _(
                "The workbook unpacks to %(size)s MB, more than the %(max)s MB a list needs: "
                "copy the list into a new workbook and upload that."
            )
            % {"size": unpacked // (1024 * 1024), "max": MAX_UNPACKED_BYTES // (1024 * 1024)}
        )
    for part in parts:
        # Python's zipfile stops a part at its declared size (and fails its CRC check), so
        # the sizes of the directory bound what reading can unpack. Only the two methods a
        # spreadsheet writes are read: LZMA and bzip2 may ask for far more memory.
        if part.flag_bits & 0x1 or part.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            raise _unreadable()
        if part.file_size > RATIO_FROM_BYTES and part.file_size > MAX_RATIO * part.compress_size:
            raise ImportFileError(
                _(
                    "The part “%(part)s” of the workbook is packed %(ratio)s times, as only a zip "
                    "bomb is: the file is not read."
                )
                % {"part": part.filename, "ratio": part.file_size // max(part.compress_size, 1)}
            )
    scan = _WorkbookScan(last_row)
    sheets = {}
    for part in parts:
        if not part.is_dir() and (sheet := scan.part(archive, part)) is not None:
            sheets[part.filename] = sheet
    return sheets


def xlsx_table(data: bytes, *, max_rows: int) -> Iterator[tuple[object, ...]]:
    """The cell values of the first sheet, row by row from the first, at most `max_rows`
    under the header (and the blank rows among them) and `MAX_COLUMNS` wide."""
    from openpyxl import load_workbook

    last_row = max_rows + 1 + MAX_BLANK_ROWS
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = _workbook_inspect(archive, last_row=last_row)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, OverflowError) as error:
        raise _unreadable() from error
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not .xlsx
        raise _unreadable() from error
    try:
        if not book.worksheets:
            raise _unreadable()
        sheet = book.worksheets[0]
        # Only the first sheet's values are read; a read-only sheet knows its part (should a
        # later openpyxl not, every sheet must keep within the caps).
        path = getattr(sheet, "_worksheet_path", None)
        for facts in [sheets[path]] if path in sheets else sheets.values():
            _sheet_within_caps(facts, last_row=last_row)
        rows = sheet.iter_rows(max_row=last_row, max_col=MAX_COLUMNS, values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as error:  # a cell openpyxl cannot make sense of
                raise _unreadable() from error
            yield values
    finally:
        book.close()


def _sheet_within_caps(sheet: _Sheet, *, last_row: int) -> None:
    """Refuse a sheet with values beyond the rows or the columns read: none is dropped unseen."""
    from openpyxl.utils import get_column_letter

    if sheet.far_row is not None:
        raise ImportFileError(
            _(
                "The sheet has a value in row %(row)s; at most %(max)s rows are read: delete "
                "what is below the list and upload it again."
            )
            % {"row": sheet.far_row, "max": last_row}
        )
    if sheet.far_cell is not None:
        row, column = sheet.far_cell
        raise ImportFileError(
            _(
                "Row %(row)s has a value in column %(column)s; at most %(max)s columns are "
                "read: delete what is to the right of the list and upload it again."
            )
            % {"row": row, "column": get_column_letter(column), "max": MAX_COLUMNS}
        )


# --- .csv -------------------------------------------------------------------------------------

# Byte order marks, longest first: UTF-32's begin like UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, None),
    (codecs.BOM_UTF32_BE, None),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Eight-bit encodings in which a Kazakh or Russian list is saved: Windows (1251), Kazakh
# Windows (KZ-1048: 1251 with the Kazakh letters in place of Serbian and Ukrainian ones),
# DOS (866) and KOI8-R. Where two decode a file to the same text, the first one is taken.
SINGLE_BYTE = ("cp1251", "kz1048", "cp866", "koi8_r")
_RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_KAZAKH = "әғқңөұүһі"
_LETTERS = frozenset(_RUSSIAN + _KAZAKH + (_RUSSIAN + _KAZAKH).upper())
# Typography that a spreadsheet or a word processor puts in a list.
_TYPOGRAPHY = frozenset("«»„“”‘’–—…№\u00a0")
# The most frequent letters of Kazakh and Russian names: a wrong decoding swaps letters and
# brings rare ones forward (ъ, щ, э, ф).
_FREQUENT = frozenset("аеионрлтсквмдбжыуәі")
_WORD = re.compile(r"[^\W\d_]{2,}")
# Text has (almost) no control bytes; UTF-16 and UTF-32 without their mark, a third or more.
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b >= 32 or b in b"\t\n\r")


def _refused_encoding() -> ImportFileError:
    return ImportFileError(
        _(
            "The .csv file is in an encoding the register does not read. Save it as UTF-8 "
            "(“CSV UTF-8” in Excel), UTF-16 (“Unicode text”), Windows-1251, KZ-1048, DOS "
            "(866) or KOI8-R."
        )
    )


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


def _is_latin(char: str) -> bool:
    return char.isascii() or "\u00c0" <= char <= "\u024f"


def _improper(word: str) -> bool:
    """Neither lower case, upper case nor capitalised, or Latin and Cyrillic in one word: what
    a KOI8-R text read as Windows-1251 (and the reverse) looks like."""
    if not (word.islower() or word.isupper() or word.istitle()):
        return True
    return any(map(_is_cyrillic, word)) and any(_is_latin(c) and c.isalpha() for c in word)


def _plausibility(data: bytes, high: Counter, encoding: str, known: frozenset[str]) -> tuple:
    """How much `data` decoded as `encoding` looks like a Kazakh or Russian list (a key to
    sort by), or None when it decodes to characters a list never holds."""
    letters = typography = frequent = 0
    for byte, count in high.items():
        try:
            char = bytes([byte]).decode(encoding)
        except UnicodeDecodeError:
            return None  # a byte this encoding has no character for
        if char in _LETTERS:
            letters += count
            frequent += count if char.lower() in _FREQUENT else 0
        elif char in _TYPOGRAPHY:
            typography += count
    good = (letters + typography) / sum(high.values())
    if good < 0.98:
        return None  # box drawing, symbols, Serbian letters: not a list
    sample = data[: 64 * 1024].decode(encoding)
    # Only the words with a letter beyond ASCII differ from one decoding to another.
    words = [word for word in _WORD.findall(sample) if not word.isascii()]
    improper = sum(map(_improper, words)) / len(words) if words else 0.0
    if improper > 0.3:
        return None
    first_line = sample.split("\n", 1)[0]
    titles = {t.strip().lower() for t in re.split(r"[;,\t]", first_line)}
    return (len(titles & known), -round(improper, 2), good, frequent / max(letters, 1))


def csv_decode(data: bytes, *, known_titles: frozenset[str]) -> str:
    """The text of a .csv: by its byte order mark (UTF-8, UTF-16 LE or BE), as UTF-8 if it is
    valid UTF-8, else in the 8-bit encoding (SINGLE_BYTE) that gives the most plausible
    Kazakh and Russian text: of those that give almost only letters and typography, the one
    whose first line names the most known columns (`known_titles`, lower case), then whose
    words are cased as words are, then with the fewest other characters, then whose letters
    are the frequent ones. Anything else is refused, naming the encodings read."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding is None:
                raise _refused_encoding()
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise _refused_encoding() from error
    if len(data.translate(None, _NOT_CONTROL_BYTES)) > len(data) // 10:
        raise _refused_encoding()  # UTF-16 without its mark, or not text at all
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    high = Counter(data.translate(None, bytes(range(128))))
    keys = {e: _plausibility(data, high, e, known_titles) for e in SINGLE_BYTE}
    plausible = [e for e in SINGLE_BYTE if keys[e] is not None]
    if not plausible:
        raise _refused_encoding()
    return data.decode(max(plausible, key=lambda e: keys[e]))


def csv_table(text: str, *, known_titles: frozenset[str]) -> Iterator[list[str]]:
    """The fields of a .csv's lines, split by the delimiter (semicolon, tab or comma) that
    makes the most known column titles of its first line."""
    first_line = text.split("\n", 1)[0]

    def titles_found(delimiter: str) -> tuple[int, int]:
        fields = next(csv.reader([first_line], delimiter=delimiter), [])
        return (sum(f.strip().lower() in known_titles for f in fields), len(fields))

    delimiter = max(";\t,", key=titles_found)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # an opened quote never closed runs past the field limit
            raise ImportFileError(
                _("The .csv file cannot be read from line %(line)s: is a quote left open?")
                % {"line": reader.line_num}
            ) from error
        yield values


# --- values -----------------------------------------------------------------------------------

GARBLED, LOST, MIXED = "garbled", "lost", "mixed"
# Characters a name or a position never holds but a wrong decoding produces: box drawing and
# blocks (DOS and KOI8-R read as another), symbols and Serbian letters (Windows-1251 read as
# another), the replacement character (bytes that were no text).
_MISREAD = re.compile("[\u2500-\u25ff\ufffd\ue000-\uf8ff‚„†‡€‰‹›™¤¦§©®°±µ¶·¬ЂЃѓЉЊЋЌЏђљњћќџЅѕЈј]")
_LOWER_THEN_UPPER = re.compile("[a-zа-яё" + _KAZAKH + "][A-ZА-ЯЁ" + _KAZAKH.upper() + "]{2}")


def _utf8_misread(value: str) -> bool:
    """UTF-8 read as Windows-1251 or Latin-1 (“Ð˜Ð²Ð°Ð½”, “РђР»РёРµРІ”): encoded back, it is
    valid UTF-8 of other letters. A true name never is: its letters would all have to come
    in pairs of a letter and a symbol."""
    if value.isascii():
        return False
    for encoding in ("cp1251", "cp1252", "latin-1"):
        try:
            value.encode(encoding).decode("utf-8")
        except UnicodeError:
            continue
        return True
    return False


def text_fault(value: str, *, name: bool) -> str | None:
    """What is wrong with a text read from a file, or None: GARBLED (decoded in the wrong
    encoding somewhere on its way), and for a person's name LOST (“?” where an encoding had
    no letter: Kazakh letters saved as Windows-1251) or MIXED (Latin and Cyrillic letters in
    one word)."""
    value = unicodedata.normalize("NFC", value)
    if _MISREAD.search(value) or _LOWER_THEN_UPPER.search(value) or _utf8_misread(value):
        return GARBLED
    if name and "?" in value:
        return LOST
    if name and any(
        any(map(_is_cyrillic, word)) and any(_is_latin(c) for c in word)
        for word in _WORD.findall(value)
    ):
        return MIXED
    return None
