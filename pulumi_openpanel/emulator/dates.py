"""Instants as the OpenPanel server reads and writes them.

The server stores JavaScript ``Date`` values: milliseconds since the epoch, read from strings
with ``new Date(string)`` and written with ``toISOString()``. Working in integer milliseconds
(rather than ``datetime``) keeps JavaScript's arithmetic: day 31 of February rolls into March,
``24:00`` is the next midnight, and extra fraction digits are dropped rather than rounded.
"""

from __future__ import annotations

import email.utils
import re
import time

MS_PER_DAY = 86_400_000
# Earliest instant PostgreSQL's timestamp type stores (4713 BC); later instants than any
# JavaScript Date can hold are refused by the Date range itself.
_MIN_MS = -210_866_803_200_000
_MAX_MS = 8_640_000_000_000_000


class DateParseError(ValueError):
    """The string is not something ``new Date(string)`` understands."""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar; month and day may overflow."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468 + (day - 1)


def _civil_from_days(days: int) -> tuple[int, int, int]:
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def to_iso(ms: int) -> str:
    """``Date.prototype.toISOString``: UTC, milliseconds, six-digit signed years outside 0..9999."""
    days, rest = divmod(ms, MS_PER_DAY)
    year, month, day = _civil_from_days(days)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    year_text = f"{year:04d}" if 0 <= year <= 9999 else f"{'-' if year < 0 else '+'}{abs(year):06d}"
    return f"{year_text}-{month:02d}-{day:02d}T{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


_ISO = re.compile(
    r"""
    (?P<year>[+-]\d{6}|\d{4})
    (?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?
    (?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?
       (?P<zone>Z|[+-]\d{2}:?\d{2})?)?
    """,
    re.VERBOSE,
)
_MONTH_NAME = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.IGNORECASE)


def _compose(year: int, month: int, day: int, hour: int, minute: int, second: int, millis: int, offset_min: int) -> int:
    if not (1 <= month <= 12 and 1 <= day <= 31 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise DateParseError("out of range")
    if hour > 24 or (hour == 24 and (minute or second or millis)):
        raise DateParseError("out of range")
    ms = _days_from_civil(year, month, day) * MS_PER_DAY
    ms += ((hour * 60 + minute - offset_min) * 60 + second) * 1000 + millis
    if not _MIN_MS <= ms <= _MAX_MS:
        raise DateParseError("out of range")
    return ms


def _zone_minutes(zone: str | None) -> int:
    if not zone or zone == "Z":
        return 0
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise DateParseError("bad offset")
    return (hours * 60 + minutes) * (1 if zone[0] == "+" else -1)


def parse_js_date(text: str) -> int:
    """Epoch milliseconds for ``new Date(text)``, or :class:`DateParseError`.

    Understood: the ISO 8601 forms JavaScript defines (``2026``, ``2026-01``, ``2026-01-02``,
    with ``THH:mm[:ss[.fff]]`` and ``Z``/``±HH:mm``; a date alone is midnight UTC), the same with
    a space instead of ``T``, and RFC 2822 strings such as ``Thu, 01 Jan 2026 00:00:00 GMT``.
    Times without an offset are read as UTC, the time zone OpenPanel's containers run in.
    """
    match = _ISO.fullmatch(text)
    if match:
        if match["year"] == "-000000":
            raise DateParseError("year -0")
        fraction = (match["fraction"] or "")[:3].ljust(3, "0")
        return _compose(
            int(match["year"]),
            int(match["month"] or 1),
            int(match["day"] or 1),
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            int(fraction),
            _zone_minutes(match["zone"]),
        )
    if _MONTH_NAME.search(text):
        parsed = email.utils.parsedate_tz(text)
        if parsed is not None:
            year, month, day, hour, minute, second = parsed[:6]
            offset_seconds = parsed[9] or 0
            return _compose(year, month, day, hour, minute, second, 0, offset_seconds // 60)
    raise DateParseError("unparseable date")
