"""Regulation of issued documents (§12): their registration numbers.

Each document kind has its own gapless series per calendar year; the number is readable:
a prefix for the kind, the year and the serial, e.g. «КУ-2026-00017».
"""

from courses.rules import DocumentKind, ProgrammeKind
from institute.text import fold_lookalikes

# The prefix is the document's Kazakh name shortened, so the kind is seen in the number.
NUMBER_PREFIX = {
    DocumentKind.CERTIFICATE: "СТ",  # Сертификат
    DocumentKind.KUALIK: "КУ",  # Куәлік
    DocumentKind.DIPLOMA: "ДП",  # Диплом
}
SERIAL_DIGITS = 5


def registration_number(kind: str, year: int, serial: int) -> str:
    """The registration number of the `serial`-th document of `kind` issued in `year`."""
    return f"{NUMBER_PREFIX[kind]}-{year}-{serial:0{SERIAL_DIGITS}d}"


# A number typed on a Latin layout: beside the look-alikes (C, T, K, Y), the prefixes as
# they are transliterated (ST, KU, DP); the Latin P, folded to the Cyrillic Р it looks
# like, stands for the П of ДП (no prefix has Р). A letter O among the digits is a zero.
_NUMBER_FOLD = str.maketrans({"S": "С", "U": "У", "D": "Д", "Р": "П", "О": "0"})


def number_key(number: str) -> str:
    """A registration number as a look-up compares it, applied to the stored number (kept
    in Document.number_key) and to the typed one alike: letters folded as for names
    (institute.text.fold_lookalikes), the Latin transliteration of the prefixes, and no
    spaces or dashes, so «КУ-2026-00017», «ку 2026 00017», «KY-2026-00017» and
    «KU202600017» are one number. The prefixes stay apart once folded (СТ, КУ, ДП)."""
    return fold_lookalikes(number).translate(_NUMBER_FOLD)


# §12: the document's name as printed on it, Kazakh first (§8), Russian second. A куәлік
# names what it certifies (the kind of training); a certificate and a diploma are named
# by their kind alone.
DOCUMENT_TITLE = {
    DocumentKind.CERTIFICATE: {"kk": "Сертификат", "ru": "Сертификат"},
    DocumentKind.KUALIK: {"kk": "Куәлік", "ru": "Удостоверение"},
    DocumentKind.DIPLOMA: {
        "kk": "Мемлекеттік үлгідегі диплом",
        "ru": "Диплом государственного образца",
    },
}
KUALIK_TITLE = {
    ProgrammeKind.UPGRADE: {
        "kk": "Біліктілікті арттыру туралы куәлік",
        "ru": "Удостоверение о повышении квалификации",
    },
    ProgrammeKind.RETRAINING: {
        "kk": "Қайта даярлау туралы куәлік",
        "ru": "Удостоверение о переподготовке",
    },
    ProgrammeKind.INTERNSHIP: {
        "kk": "Кәсіби машықтандыру туралы куәлік",
        "ru": "Удостоверение о стажировке",
    },
}


def document_title(kind: str, programme_kind: str) -> dict[str, str]:
    """The title printed on a document of `kind` earned on a programme of `programme_kind`:
    a куәлік says what it certifies (§12 gives it for upgrades and retraining alike)."""
    if kind == DocumentKind.KUALIK and programme_kind in KUALIK_TITLE:
        return KUALIK_TITLE[programme_kind]
    return DOCUMENT_TITLE[kind]


# How the document's formula opens: the name follows on its own line, in the nominative,
# as the subject of what follows, so it is never inflected.
DOCUMENT_OPENING = {
    DocumentKind.CERTIFICATE: {
        "kk": "Осы сертификат",
        "ru": "Настоящий сертификат свидетельствует о том, что",
    },
    DocumentKind.KUALIK: {
        "kk": "Осы куәлік",
        "ru": "Настоящее удостоверение свидетельствует о том, что",
    },
    DocumentKind.DIPLOMA: {
        "kk": "Осы диплом",
        "ru": "Настоящий диплом свидетельствует о том, что",
    },
}

# §10–§11: what the listener completed, as the document words it (GLOSSARY.md).
TRAINING_WORDING = {
    ProgrammeKind.UPGRADE: {"kk": "біліктілікті арттыру", "ru": "повышение квалификации"},
    ProgrammeKind.INTERNSHIP: {"kk": "кәсіби машықтандыру", "ru": "стажировка"},
    ProgrammeKind.RETRAINING: {"kk": "қайта даярлау", "ru": "переподготовка"},
    ProgrammeKind.SECOND_DEGREE: {"kk": "екінші жоғары білім", "ru": "второе высшее образование"},
}

# The training in the case the document's formula needs it: Kazakh in the ablative
# («… курсынан … өткені туралы берілді»), Russian in the accusative («прошёл …»).
TRAINING_COMPLETED = {
    ProgrammeKind.UPGRADE: {"kk": "біліктілікті арттыру курсынан", "ru": "повышение квалификации"},
    ProgrammeKind.INTERNSHIP: {"kk": "кәсіби машықтандырудан", "ru": "стажировку"},
    ProgrammeKind.RETRAINING: {"kk": "қайта даярлау курсынан", "ru": "переподготовку"},
    ProgrammeKind.SECOND_DEGREE: {
        "kk": "екінші жоғары білім беретін оқудан",
        "ru": "обучение с получением второго высшего образования",
    },
}
