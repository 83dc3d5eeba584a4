"""Project names and the ids OpenPanel derives from them, shared by the slug, check and emulator tests.

Kept in one place so that the three agree on what the server does: the unit tests of
:func:`pulumi_openpanel.core.slug.slugify`, the provider's ``check`` and the emulator's created ids.
"""

from __future__ import annotations

# Measured on the real server (the "Projects" section of the Manage API contract). "" means the server
# creates a project whose id is empty, which the provider must refuse.
MEASURED: list[tuple[str, str]] = [
    ("Probe Project", "probe-project"),
    ("Café Déjà Vu Ünïcode", "cafe-deja-vu-unicode"),
    ("Проект", "proekt"),
    ("€", "euro"),
    ("R&D", "randd"),
    ("web_app", "webapp"),
    ("🚀!!", ""),
    ("日本語", ""),
]

# Not measured on the server: what slugify 1.6.6 (the version OpenPanel installs) gives, behind
# OpenPanel's own replacements, each checked by running that package. They pin the corners of the rule.
DERIVED: list[tuple[str, str]] = [
    ("Ünïcödé Sïte", "unicode-site"),
    ("Hello || World, | Test å å ä ä", "hello-world-test-a-a-a-a"),  # "|" separates (OpenPanel's replacement)
    ("  --Lead and trail--  ", "lead-and-trail"),
    ("a.b_c", "abc"),  # punctuation and "_" vanish without separating
    ("Straße Ørsted", "strasse-orsted"),
    ("Привет мир", "privet-mir"),
    ("Ελλάδα", "ellada"),
    ("ΑΘΗΝΑ", "a8hna"),  # the package's Greek table spells theta as 8
    ("Tbilisi თბილისი", "tbilisi-tbilisi"),
    ("Q3 – Q4", "q3-q4"),  # the en dash is spelled "-", which separates
    ("Đakovo", "djakovo"),
    ("Esperanto ĝi", "esperanto-i"),  # a letter missing from the table vanishes, accent and all
    ("₹ 100", "indian-rupee-100"),  # a multi-word spelling gives several words
    ("©2026", "c2026"),
    ("円 元", "yen-yuan"),
    ("e\u0301cole", "ecole"),  # composed first: e + combining acute is é
    # OpenPanel replaces a ready-made å before composing, so å + acute gives á; a + ring + acute composes
    # to ǻ, which the table does not know.
    ("\u00e5\u0301 a\u030a\u0301", "a"),
    ("a\u00a0b\ufeffc", "a-b-c"),  # JavaScript white space, which includes U+FEFF
    ("a\u0085b\u001cc", "abc"),  # Python white space that JavaScript does not count as such
    ("Ь!", ""),
]

ACCEPTED: list[tuple[str, str]] = [(name, slug) for name, slug in MEASURED if slug] + [DERIVED[0]]
"""Names ``check`` must accept, with the id the server gives them."""

REFUSED: list[str] = [name for name, slug in MEASURED if not slug]
"""Names ``check`` must refuse: the server would give them an empty id."""
