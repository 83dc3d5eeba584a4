"""Project ids the way OpenPanel derives them from names.

OpenPanel runs names through the ``slugify`` npm package in strict mode: known letters are
transliterated, ``-`` and whitespace separate words, and every other character (punctuation,
emoji, ``_``) simply disappears rather than splitting words. So ``"a.b"`` becomes ``"ab"``
while ``"a b"`` becomes ``"a-b"``, and a name made only of symbols gives the empty string.
"""

from __future__ import annotations

import re
import unicodedata

# Letters and symbols that Unicode decomposition does not turn into ASCII, with the words
# slugify writes for them. Not the package's whole table: the letters people put in names.
_CHAR_MAP: dict[str, str] = {
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "ł": "l",
    "Ł": "L",
    "þ": "th",
    "Þ": "TH",
    "ı": "i",
    "ħ": "h",
    "Ħ": "H",
    "ŧ": "t",
    "Ŧ": "T",
    "ŋ": "n",
    "Ŋ": "N",
    "&": "and",
    "$": "dollar",
    "%": "percent",
    "<": "less",
    ">": "greater",
    "¢": "cent",
    "£": "pound",
    "¤": "currency",
    "¥": "yen",
    "€": "euro",
    "₹": "indian rupee",
    "©": "(c)",
    "®": "(r)",
    "™": "tm",
    "ª": "a",
    "º": "o",
    "∑": "sum",
    "∞": "infinity",
    "♥": "love",
    # Cyrillic
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "j",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "c",
    "ч": "ch",
    "ш": "sh",
    "щ": "sh",
    "ъ": "u",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    # Greek
    "α": "a",
    "β": "b",
    "γ": "g",
    "δ": "d",
    "ε": "e",
    "ζ": "z",
    "η": "h",
    "θ": "8",
    "ι": "i",
    "κ": "k",
    "λ": "l",
    "μ": "m",
    "ν": "n",
    "ξ": "3",
    "ο": "o",
    "π": "p",
    "ρ": "r",
    "σ": "s",
    "ς": "s",
    "τ": "t",
    "υ": "y",
    "φ": "f",
    "χ": "x",
    "ψ": "ps",
    "ω": "w",
}

_NOT_ALNUM_OR_SPACE = re.compile(r"[^A-Za-z0-9\s]")
_SPACES = re.compile(r"\s+")


def _transliterate(char: str) -> str:
    if char in _CHAR_MAP:
        return _CHAR_MAP[char]
    lower = char.lower()
    if lower != char and lower in _CHAR_MAP:
        return _CHAR_MAP[lower].capitalize()
    if char.isascii():
        return char
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(name: str) -> str:
    """Lower-case ASCII words joined by ``-``; may be empty."""
    # OpenPanel turns runs of "|" into "-" before slugify sees the name.
    name = unicodedata.normalize("NFC", name).replace("|", "-")
    text = "".join(" " if c == "-" else _transliterate(c) for c in name)
    text = _NOT_ALNUM_OR_SPACE.sub("", text).strip()
    return _SPACES.sub("-", text).lower()


_FOUR_DIGIT_TAIL = re.compile(r"-\d{4}$")


def with_random_suffix(name: str, number: int) -> str:
    """The name OpenPanel retries with when the slug is taken.

    The suffix goes on the *name*, and a name already ending in ``-NNNN`` has that tail
    replaced instead of growing a second one.
    """
    if _FOUR_DIGIT_TAIL.search(name):
        return _FOUR_DIGIT_TAIL.sub(f"-{number}", name)
    return f"{name}-{number}"
