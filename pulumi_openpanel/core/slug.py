"""The project id OpenPanel derives from a project's name, computed offline.

OpenPanel never lets the caller choose a project id: the server slugifies the name. The provider needs
the same answer before it sends anything, because a name whose slug is empty creates a project with
the id ``""``, which no later request can reach. So this module is the one definition of that rule,
shared by the provider's ``check`` (which must refuse exactly those names and no others) and by the
emulator (which must hand out the ids the real server would). It is plain Python without third-party
imports: the provider must not depend on the emulator's web stack.

What the server does (OpenPanel's ``slug()`` turns ``å ä ö Å Ä Ö`` into plain letters and runs of ``|``
into ``-``, then calls the ``slugify`` npm package, version 1.6.x, with ``lower``, ``strict`` and
``trim``), character by character after Unicode NFC composition:

* letters and symbols in the package's transliteration table become their ASCII spelling
  (``é`` -> ``e``, ``Ж`` -> ``zh``, ``&`` -> ``and``, ``€`` -> ``euro``);
* ``-``, ``|``, the en dash and whitespace separate words;
* ASCII letters and digits stay;
* everything else disappears without separating anything: punctuation, ``_``, emoji, letters the
  table does not know (CJK ideographs, ``ĝ``), so ``web_app`` gives ``webapp`` and ``日本語`` gives ``""``.

The words are then joined with ``-`` and lower-cased. Measured examples are in the tests.
"""

from __future__ import annotations

import unicodedata

# Characters that end a word. "-" is the replacement character itself, which slugify treats as a space;
# the en dash is transliterated to "-" and so ends a word too; OpenPanel turns "|" into "-" before
# slugify would spell it "or".
_WORD_BREAKS = frozenset("-\u2013|")

# OpenPanel replaces these six letters before slugify composes the name (NFC). Their table spellings are
# the same, but the order matters for a letter followed by a combining accent: "å" + U+0301 becomes "a"
# + U+0301, which composes to "á" (spelled "a"), not to "ǻ" (not in the table, so dropped).
_REPLACED_BEFORE_COMPOSING = str.maketrans({"å": "a", "ä": "a", "ö": "o", "Å": "A", "Ä": "A", "Ö": "O"})

# What JavaScript's \s and String.prototype.trim count as white space. Python's str.isspace differs
# (it includes U+001C..U+001F and U+0085, and leaves out U+FEFF), so the set is spelled out.
_JS_WHITESPACE = frozenset(
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)

# The transliteration table, as what each character contributes to the slug once the package's later
# steps have run: lower case, only ASCII letters, digits and the spaces inside multi-word spellings
# ("©" is spelled "(c)", whose brackets strict mode removes, so it contributes "c"). Grouped by what a
# character becomes, so that a wrong spelling shows up as a letter in the wrong row. Characters the
# package spells as nothing (ь, curly quotes, the bullet ...) are left out: unknown characters vanish
# anyway.
_SPELLINGS: dict[str, dict[str, str]] = {
    "Latin": {
        "a": "ªÀÁÂÃÄÅàáâãäåĀāĂăĄąẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặ",
        "ae": "Ææ",
        "c": "ÇçĆćČč",
        "d": "ÐðĎď",
        "dj": "Đđ",
        "e": "ÈÉÊËèéêëĒēĖėĘęĚěƏəẸẹẺẻẼẽẾếỀềỂểỄễỆệ",
        "f": "ƒ",
        "g": "ĞğĢģ",
        "i": "ÌÍÎÏìíîïĨĩĪīĮįİıỈỉỊị",
        "k": "Ķķ",
        "l": "ĻļĽľŁł",
        "lj": "ǈǉ",
        "n": "ÑñŃńŅņŇň",
        "nj": "ǋǌ",
        "o": "ºÒÓÔÕÖØòóôõöøŌōŐőƠơ˚ỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ",
        "oe": "Œœ",
        "r": "ŔŕŘř",
        "s": "ŚśŞşŠšȘșṢṣ",
        "ss": "ßẞ",
        "t": "ŢţŤťȚț",
        "th": "Þþ",
        "u": "ÙÚÛÜùúûüŨũŪūŮůŰűŲųƯưỤụỦủỨứỪừỬửỮữỰự",
        "w": "ŴŵẀẁẂẃẄẅ",
        "y": "ÝýÿŶŷŸỲỳỴỵỶỷỸỹ",
        "z": "ŹźŻżŽž",
    },
    "Greek": {
        "3": "Ξξ",
        "8": "Θθ",
        "a": "ΑαΆά",
        "b": "Ββ",
        "d": "Δδ",
        "e": "ΕεΈέ",
        "f": "Φφ",
        "g": "Γγ",
        "h": "ΗηΉή",
        "i": "ΙιΊίΪϊΐ",
        "k": "Κκ",
        "l": "Λλ",
        "m": "Μμ",
        "n": "Νν",
        "o": "ΟοΌό",
        "p": "Ππ",
        "ps": "Ψψ",
        "r": "Ρρ",
        "s": "Σσς",
        "t": "Ττ",
        "w": "ΩωΏώ",
        "x": "Χχ",
        "y": "ΥυΎύΫϋΰ",
        "z": "Ζζ",
    },
    "Cyrillic": {
        "a": "Аа",
        "ae": "Әә",
        "b": "Бб",
        "c": "ЦцЋћ",
        "ch": "Чч",
        "d": "Дд",
        "dj": "Ђђ",
        "dz": "Џџ",
        "e": "ЕеЭэ",
        "f": "Фф",
        "g": "ГгҐґ",
        "gh": "Ғғ",
        "h": "ХхҺһ",
        "i": "ИиІі",
        "j": "ЙйЈј",
        "k": "Кк",
        "kh": "Ққ",
        "l": "Лл",
        "lj": "Љљ",
        "m": "Мм",
        "n": "Нн",
        "ng": "Ңң",
        "nj": "Њњ",
        "o": "Оо",
        "oe": "Өө",
        "p": "Пп",
        "r": "Рр",
        "s": "Сс",
        "sh": "ШшЩщ",
        "t": "Тт",
        "u": "УуЪъѝҰұ",
        "ue": "Үү",
        "v": "Вв",
        "y": "Ыы",
        "ya": "Яя",
        "ye": "Єє",
        "yi": "Її",
        "yo": "Ёё",
        "yu": "Юю",
        "z": "Зз",
        "zh": "Жж",
    },
    # Capital letters only, and one ligature: the package knows no other Armenian lower case.
    "Armenian": {
        "a": "Ա",
        "b": "Բ",
        "c": "ԾՑ",
        "ch": "Չ",
        "d": "ԴՁ",
        "e": "ԵԷ",
        "ev": "և",
        "f": "Ֆ",
        "g": "Գ",
        "gh": "Ղ",
        "h": "Հ",
        "i": "Ի",
        "j": "Ջ",
        "jh": "Ժ",
        "k": "Կ",
        "l": "Լ",
        "m": "Մ",
        "n": "Ն",
        "o": "Օ",
        "p": "ՊՓ",
        "q": "Ք",
        "r": "ՌՐ",
        "s": "Ս",
        "sh": "Շ",
        "t": "ԹՏ",
        "tw": "Ճ",
        "v": "Վ",
        "x": "Խ",
        "y": "ԸՅ",
        "z": "Զ",
    },
    # Arabic and Persian letters, both sets of Arabic-Indic digits, four lam-alef ligatures, and the
    # short-vowel marks (written as escapes: on their own they would sit on the quote mark).
    "Arabic": {
        "0": "٠۰",
        "1": "١۱",
        "2": "٢۲",
        "3": "٣۳",
        "4": "٤۴",
        "5": "٥۵",
        "6": "٦۶",
        "7": "٧۷",
        "8": "٨۸",
        "9": "٩۹",
        "a": "ءأاعى\u064e",
        "aa": "آ",
        "an": "\u064b",
        "b": "ب",
        "ch": "چ",
        "d": "د",
        "dh": "ض",
        "e": "ئ\u0650",
        "en": "\u064d",
        "f": "ف",
        "g": "گ",
        "gh": "غ",
        "h": "ةحه",
        "i": "إ",
        "j": "ج",
        "k": "كک",
        "kh": "خ",
        "l": "ل",
        "la": "ﻻ",
        "laa": "ﻵﻷ",
        "lai": "ﻹ",
        "m": "م",
        "n": "ن",
        "on": "\u064c",
        "p": "پ",
        "q": "ق",
        "r": "ر",
        "s": "سص",
        "sh": "ش",
        "t": "تط",
        "th": "ثذ",
        "u": "ؤ\u064f",
        "w": "و",
        "y": "يی",
        "z": "زظ",
        "zh": "ژ",
    },
    "Georgian": {
        "a": "ა",
        "b": "ბ",
        "ch": "ჩჭ",
        "d": "დ",
        "dz": "ძ",
        "e": "ე",
        "f": "ფ",
        "g": "გ",
        "gh": "ღ",
        "h": "ჰ",
        "i": "ი",
        "j": "ჯ",
        "k": "კქ",
        "kh": "ხ",
        "l": "ლ",
        "m": "მ",
        "n": "ნ",
        "o": "ო",
        "p": "პ",
        "q": "ყ",
        "r": "რ",
        "s": "ს",
        "sh": "შ",
        "t": "თტ",
        "ts": "ცწ",
        "u": "უ",
        "v": "ვ",
        "z": "ზ",
        "zh": "ჟ",
    },
    "symbols": {
        "and": "&",
        "austral": "₳",
        "baht": "฿",
        "bitcoin": "₿",
        "c": "©",
        "cedi": "₵",
        "cent": "¢",
        "cruzeiro": "₢",
        "currency": "¤",
        "d": "∂",
        "delta": "∆",
        "dollar": "$",
        "dong": "₫",
        "drachma": "₯",
        "ecu": "₠",
        "euro": "€",
        "french franc": "₣",
        "greater": ">",
        "guarani": "₲",
        "hryvnia": "₴",
        "indian rupee": "₹",
        "infinity": "∞",
        "kazakhstani tenge": "₸",
        "kip": "₭",
        "less": "<",
        "lira": "₤",
        "love": "♥",
        "mill": "₥",
        "naira": "₦",
        "new shequel": "₪",
        "penny": "₰",
        "percent": "%",
        "peseta": "₧",
        "peso": "₱",
        "pound": "£",
        "r": "®",
        "rial": "﷼",
        "rupee": "₨",
        "russian ruble": "₽",
        "sm": "℠",
        "sum": "∑",
        "tm": "™",
        "tugrik": "₮",
        "turkish lira": "₺",
        "won": "₩",
        "yen": "¥円",
        "yuan": "元",
    },
}


def _by_character(groups: dict[str, dict[str, str]]) -> dict[str, str]:
    """Turn the table round for lookups, refusing a character listed twice (it could only mean a typo)."""
    table: dict[str, str] = {}
    for script, spellings in groups.items():
        for spelling, characters in spellings.items():
            for character in characters:
                if character in table:
                    raise ValueError(f"{character!r} is listed twice in the {script} spellings")
                table[character] = spelling
    return table


TRANSLITERATION: dict[str, str] = _by_character(_SPELLINGS)
"""Character -> what it contributes to a slug (lower-case ASCII letters and digits, maybe spaces)."""


def _contribution(character: str) -> str:
    """What one NFC character adds to the text before it is split into words (``" "`` ends a word)."""
    spelling = TRANSLITERATION.get(character)
    if spelling is not None:
        return spelling
    if character in _WORD_BREAKS or character in _JS_WHITESPACE:
        return " "
    if character.isascii() and character.isalnum():
        return character.lower()
    return ""


def slugify(name: str) -> str:
    """The id OpenPanel derives from ``name`` before making it unique; ``""`` when nothing is left of it.

    The server appends ``-`` and four random digits when the result is already taken; that part is the
    emulator's business, not this function's.
    """
    composed = unicodedata.normalize("NFC", name.translate(_REPLACED_BEFORE_COMPOSING))
    text = "".join(_contribution(character) for character in composed)
    # Only ASCII letters, digits and spaces are left, so str.split's idea of white space is the right one.
    return "-".join(text.split())
