"""Text as it comes in from people and files, made safe once, at the edge.

Three kinds of character are never wanted in what a person types or a file carries:

- control characters (Unicode category Cc: NUL, ESC, the C1 range...), except the tab and
  the line breaks a text area may hold. PostgreSQL refuses NUL in text outright, and the
  others make a name that prints as nothing or breaks an XML-based `.xlsx`. They are
  *refused* (a person is told), never silently dropped: a value with them is corrupt.
- invisible format characters: zero-width spaces and joiners, the word joiner, the byte
  order mark, the soft hyphen, and the bidirectional marks, embeddings, overrides and
  isolates. Pasted from a web page or a PDF they are common and harmless to drop, but kept
  they make a surname that no look-up by its visible letters finds, and an override can
  show a name reversed. They are *stripped*.
- the same letter written two ways (a precomposed «Й» or «Й» and a combining breve): text is
  NFC-normalised so both compare equal.
"""

import logging
import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# Tab, line feed and carriage return are what a multi-line text area legitimately sends.
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}
_CONTROL = re.compile(
    "["
    + "".join(
        re.escape(chr(c))
        for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]
        if chr(c) not in _ALLOWED_CONTROLS
    )
    + "]"
)
# Zero-width and bidirectional-control characters (category Cf, those text carries by
# accident): U+00AD soft hyphen, U+061C Arabic letter mark, U+180E Mongolian vowel separator,
# U+200B..U+200F zero-width space/non-joiner/joiner and the LRM/RLM marks, U+202A..U+202E
# embeddings and overrides, U+2060..U+2064 word joiner and invisible operators, U+2066..U+2069
# isolates, U+FEFF byte order mark / zero-width no-break space.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"\s+")


def first_control(value: str) -> int | None:
    """The position of the first refused control character in `value`, or None."""
    found = _CONTROL.search(value)
    return found.start() if found else None


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def strip_invisible(value: str) -> str:
    """`value` NFC-normalised, without zero-width and bidirectional-control characters."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", value))


def clean_name(value: str | None) -> str:
    """A person's or a place's name as it is stored and compared: NFC, no invisible
    characters, single spaces, nothing around. Control characters are not handled here:
    a form or an import refuses them before (has_control)."""
    if not value:
        return ""
    return _SPACES.sub(" ", strip_invisible(value)).strip()


def validate_no_control(value: Any) -> None:
    """The validator every form text field runs (institute.apps): a control character gives
    an error beside the field, in the reader's language, and the page keeps what was typed.
    NUL is left to Django's own ProhibitNullCharactersValidator, which every form CharField
    already runs (one error, not two, and its message is in Django's catalogues)."""
    if not isinstance(value, str):
        return
    position = first_control(value.replace("\x00", " "))
    if position is not None:
        raise ValidationError(
            _(
                "Remove the invisible control character at position %(position)s: "
                "it cannot be stored."
            ),
            code="control_character",
            params={"position": position + 1},
        )


def _unique_groups(model: type[models.Model], fields: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The sets of columns that must stay unique together and hold one of `fields`."""
    groups = [(field.name,) for field in model._meta.fields if field.unique]
    groups += [tuple(together) for together in model._meta.unique_together]
    groups += [
        tuple(constraint.fields)
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields
    ]
    return [group for group in groups if set(group) & set(fields)]


def clean_stored_names(
    model: type[models.Model], fields: tuple[str, ...], *, batch_size: int = 500
) -> int:
    """Clean the names already stored in `fields` of `model` with clean_name (the data
    migrations of issue 18); returns how many rows changed.

    The rows are read in chunks and written with bulk_update in batches, so 100,000 listeners
    are never all in memory. A row whose cleaned name would duplicate another row's under a
    unique constraint (two districts «Алматы» and «Алматы» + a zero-width space in one
    region) keeps its stored name and is logged: the migration must not fail, and which of
    the two records is the right one is a person's decision, made in the back-office."""
    groups = _unique_groups(model, fields)
    columns = sorted(set(fields).union(*groups))
    changed: dict[Any, dict[str, Any]] = {}
    final: dict[tuple[str, ...], dict[tuple, list]] = {group: {} for group in groups}
    for row in model._default_manager.values("pk", *columns).iterator(chunk_size=2000):
        cleaned = {
            name: row[name] if row[name] is None else clean_name(row[name]) for name in fields
        }
        if any(cleaned[name] != row[name] for name in fields):
            changed[row["pk"]] = cleaned
        for group in groups:
            key = tuple(cleaned.get(name, row[name]) for name in group)
            final[group].setdefault(key, []).append(row["pk"])
    colliding = {
        pk
        for keys in final.values()
        for pks in keys.values()
        if len(pks) > 1
        for pk in pks
        if pk in changed
    }
    for pk in sorted(colliding):
        logger.warning(
            "%s %s keeps its stored name: cleaned, it would duplicate another's",
            model._meta.label,
            pk,
        )
    rows = [model(pk=pk, **values) for pk, values in changed.items() if pk not in colliding]
    model._default_manager.bulk_update(rows, fields, batch_size=batch_size)
    return len(rows)


# What a look-up by visible letters folds away (the public verification page, issue 19):
# the Kazakh letters a Russian keyboard lacks, typed as the Russian letter nearest them; ё
# typed as е; and the Latin letters that look like Cyrillic ones, typed on the wrong layout
# or pasted. Upper case on both sides of the table: the text is upper-cased first, except
# the Latin «h», which looks like the Kazakh «һ» only in lower case.
_KAZAKH_AS_RUSSIAN = {
    "Ә": "А",
    "Ғ": "Г",
    "Қ": "К",
    "Ң": "Н",
    "Ө": "О",
    "Ұ": "У",
    "Ү": "У",
    "Һ": "Х",
    "І": "И",
    "Ё": "Е",
}
_LATIN_LOOKALIKES = {
    "A": "А",
    "B": "В",
    "C": "С",
    "E": "Е",
    "H": "Н",
    "I": "И",  # Latin I for the Kazakh І
    "K": "К",
    "M": "М",
    "O": "О",
    "P": "Р",
    "T": "Т",
    "X": "Х",
    "Y": "У",
}
_FOLD = str.maketrans({**_KAZAKH_AS_RUSSIAN, **_LATIN_LOOKALIKES})
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def fold_lookalikes(value: str | None) -> str:
    """`value` as a look-up compares it: NFC without invisible characters, upper case, the
    Kazakh letters folded to the Russian ones typed for them (Қ→К, Ә→А, Ғ→Г, Ң→Н, Ө→О,
    Ұ and Ү→У, Һ→Х, І→И), Ё→Е, Latin look-alikes to the Cyrillic letters they mimic, and
    nothing but letters and digits (no spaces, dashes or dots). Applied to what is stored
    and to what is typed alike, so «Қасымов», «Касымов» and «KACЫMOB» compare equal. Two
    names that differ only by these letters compare equal too: a look-up must still ask
    for something else beside them (the number with the surname)."""
    if not value:
        return ""
    text = strip_invisible(value).replace("h", "Һ").upper().translate(_FOLD)
    return _NOT_LETTER_OR_DIGIT.sub("", text)
