"""What the emulator adds to the package's slug rule: the retry name for an id that is taken.

The slug itself comes from :mod:`pulumi_openpanel.core.slug`, the one definition the provider's ``check``
uses too, so the ids the emulator hands out and the names ``check`` refuses cannot drift apart.
"""

from __future__ import annotations

import re

_FOUR_DIGIT_TAIL = re.compile(r"-\d{4}$")


def with_random_suffix(name: str, number: int) -> str:
    """The name OpenPanel retries with when the slug is taken.

    The suffix goes on the *name*, and a name already ending in ``-NNNN`` has that tail
    replaced instead of growing a second one.
    """
    if _FOUR_DIGIT_TAIL.search(name):
        return _FOUR_DIGIT_TAIL.sub(f"-{number}", name)
    return f"{name}-{number}"
