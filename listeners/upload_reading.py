"""An uploaded list read into a table of strings (issue 18).

A .csv comes in many encodings: `csv_decode` tells them by the byte order mark, then by
which decoding gives plausible Kazakh and Russian text. `text_fault` tells a value
that is still garbled after all that (text pasted from a file read in the wrong encoding
elsewhere), so that it is refused rather than saved.
"""

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator

from django.utils.translation import gettext as _


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why."""


# --- .xlsx ------------------------------------------------------------------------------------


def _unreadable() -> ImportFileError:
    return ImportFileError(_("The file is not a readable .xlsx workbook."))


def xlsx_table(data: bytes, *, max_rows: int) -> Iterator[tuple[object, ...]]:
    """The cell values of the first sheet, row by row from the first."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not .xlsx
        raise _unreadable() from error
    yield from book.worksheets[0].iter_rows(values_only=True)


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
