"""Input validation and normalisation, done offline in ``check``.

Every function here takes a value as the user wrote it and returns it in the form the server would
store, or raises :class:`InputError` with a reason that says what is allowed. Normalising exactly as the
server does is what keeps a second ``pulumi up`` free of diffs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from pulumi_openpanel.core.slug import slugify
from pulumi_openpanel.errors import InputError


def _type_name(value: Any) -> str:
    return type(value).__name__


def text(value: Any, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InputError(f"must be a string, got {_type_name(value)}")
    if not allow_empty and not value.strip():
        raise InputError("must not be empty")
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"must be true or false, got {_type_name(value)}")
    return value


def project_name(value: Any) -> str:
    """A name the server can derive a reachable project id from.

    Refused only when its slug is empty: the server would then create a project whose id is ``""``,
    which no later request can address. Anything else is the server's own business, including names
    in other scripts (``Проект`` becomes ``proekt``) and names made of a symbol (``€`` becomes ``euro``).
    """
    name = text(value)
    if not slugify(name):
        raise InputError(
            f"{name!r} has no letter or digit that OpenPanel can turn into an id. The server derives the "
            "project id from the name: it keeps A-Z and 0-9, spells out accented Latin, Greek, Cyrillic, "
            "Armenian, Georgian and Arabic letters and some symbols (& as 'and', € as 'euro'), and drops the "
            "rest (emoji, punctuation, Chinese or Japanese script), so this name would get an empty, "
            "unreachable id. Add such a letter or digit"
        )
    return name


# Characters a URL's host may not contain (the WHATWG URL standard, which the server's validation follows).
_FORBIDDEN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")


def domain(value: Any) -> str | None:
    """An absolute http(s) URL without trailing slash; ``""`` and null both mean no domain."""
    if value is None:
        return None
    url = text(value, allow_empty=True).strip()
    if not url:
        return None
    if any(char.isspace() for char in url):
        raise InputError(f"must be an absolute http(s) URL such as https://example.com, got {value!r}")
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    host = parts.hostname or ""
    valid_host = bool(host) and (
        (host.count(":") >= 2 and parts.netloc.split("@")[-1].startswith("["))  # an IPv6 literal
        or not _FORBIDDEN_HOST.search(host)
    )
    if parts.scheme not in ("http", "https") or not valid_host or not port_ok:
        raise InputError(f"must be an absolute http(s) URL such as https://example.com, got {value!r}")
    return url.rstrip("/")


def cors(value: Any) -> list[str]:
    """Allowed origins: ``*``, ``*.example.com``, ``example.org`` or a URL; trailing slashes dropped."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InputError(f"must be a list of origins, got {_type_name(value)}")
    entries = []
    for index, entry in enumerate(value):
        if not isinstance(entry, str):
            raise InputError(f"entry {index} must be a string, got {_type_name(entry)}")
        stripped = entry.strip().rstrip("/")
        if not stripped:
            raise InputError(
                f"entry {index} is empty; use an origin such as https://example.com, example.com, "
                "*.example.com or *"
            )
        entries.append(stripped)
    return entries


def choices(value: Any, allowed: Sequence[str], *, many: bool) -> Any:
    listed = ", ".join(allowed)
    if many:
        if value is None:
            return []
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise InputError(f"must be a list of {listed}, got {_type_name(value)}")
        return [choices(item, allowed, many=False) for item in value]
    if not isinstance(value, str) or value not in allowed:
        raise InputError(f"must be one of {listed}, got {value!r}")
    return value


def optional_text(value: Any) -> str | None:
    """``""`` and null are the same "nothing" (the server stores either, depending on history)."""
    if value is None:
        return None
    return text(value, allow_empty=True) or None


_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)(?P<offset>Z|z|[+-]\d{2}(?::?\d{2})?)?)?$"
)


def iso_datetime(value: Any) -> str:
    """An ISO 8601 date or date-time, returned as UTC ``YYYY-MM-DDTHH:MM:SS.sssZ`` like the server.

    A date alone means midnight UTC, as in JavaScript; a date-time without offset is taken as UTC (the
    server would read it in its own time zone, so the provider always sends an explicit UTC instant).
    """
    raw = text(value).strip()
    match = _ISO.match(raw)
    if not match:
        raise InputError(
            "must be an ISO 8601 date or date-time such as 2026-12-01 or 2026-12-01T10:00:00Z, "
            f"got {raw!r}"
        )
    time_part = match.group("time") or "00:00:00"
    offset = match.group("offset") or "Z"
    if offset in ("Z", "z"):
        offset = "+00:00"
    elif len(offset) == 3:
        offset += ":00"
    elif ":" not in offset:
        offset = offset[:3] + ":" + offset[3:]
    fraction = ""
    if "." in time_part or "," in time_part:
        time_part, digits = re.split(r"[.,]", time_part)
        fraction = "." + (digits + "000000")[:6]
    if time_part.count(":") == 1:
        time_part += ":00"
    try:
        moment = datetime.fromisoformat(f"{match.group('date')}T{time_part}{fraction}{offset}")
    except ValueError as exc:
        raise InputError(f"is not a valid date-time ({exc}), got {raw!r}") from None
    if abs(moment.utcoffset() or timedelta()) >= timedelta(hours=24):
        raise InputError(f"has an offset outside -23:59..+23:59, got {raw!r}")
    try:
        utc = moment.astimezone(timezone.utc)
    except OverflowError:
        raise InputError(f"is outside the years 0001 to 9999 once converted to UTC, got {raw!r}") from None
    # Formatted by hand: strftime does not pad years below 1000 on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}."
        f"{utc.microsecond // 1000:03d}Z"
    )
