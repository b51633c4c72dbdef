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

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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

