"""The emulator's building blocks, checked without HTTP."""

from __future__ import annotations

import pytest

from pulumi_openpanel.emulator.credentials import VerificationCache, hash_secret, new_secret, verify_secret
from pulumi_openpanel.emulator.dates import DateParseError, parse_js_date, to_iso
from pulumi_openpanel.emulator.handlers import ServerFault, uuid_column_value
from pulumi_openpanel.emulator.ratelimit import FixedWindowRateLimiter
from pulumi_openpanel.emulator.routing import match_route
from pulumi_openpanel.emulator.slug import with_random_suffix
from pulumi_openpanel.emulator.validation import is_url
from tests.support.manage import PLAIN_SECRET, SECRET_HASH


def test_random_suffix_replaces_an_existing_one() -> None:
    assert with_random_suffix("Probe", 1234) == "Probe-1234"
    assert with_random_suffix("Probe-1234", 5678) == "Probe-5678"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2026", "2026-01-01T00:00:00.000Z"),
        ("2026-03", "2026-03-01T00:00:00.000Z"),
        ("2026-01-02T03:04", "2026-01-02T03:04:00.000Z"),
        ("2026-01-02T03:04:05.123456Z", "2026-01-02T03:04:05.123Z"),
        ("2026-01-02 03:04:05", "2026-01-02T03:04:05.000Z"),
        ("2026-02-30", "2026-03-02T00:00:00.000Z"),
        ("2026-12-31T24:00:00Z", "2027-01-01T00:00:00.000Z"),
        ("2026-01-01T00:30:00+05:30", "2025-12-31T19:00:00.000Z"),
        ("+010000-01-01T00:00:00Z", "+010000-01-01T00:00:00.000Z"),
        ("-000001-01-01T00:00:00Z", "-000001-01-01T00:00:00.000Z"),
        ("Thu, 01 Jan 2026 00:00:00 GMT", "2026-01-01T00:00:00.000Z"),
    ],
)
def test_js_dates(text: str, iso: str) -> None:
    assert to_iso(parse_js_date(text)) == iso


@pytest.mark.parametrize(
    "text", ["2026-13-45", "1700000000000", "next tuesday", "", "2026-01-32", "2026-01-01T25:00", "-000000-01-01"]
)
def test_js_date_refusals(text: str) -> None:
    with pytest.raises(DateParseError):
        parse_js_date(text)


def test_iso_output_for_epoch_edges() -> None:
    assert to_iso(0) == "1970-01-01T00:00:00.000Z"
    assert to_iso(-1) == "1969-12-31T23:59:59.999Z"
    assert to_iso(951_782_400_000) == "2000-02-29T00:00:00.000Z"


def test_secrets_and_hashes() -> None:
    secret = new_secret()
    assert PLAIN_SECRET.fullmatch(secret)
    stored = hash_secret(secret)
    assert SECRET_HASH.fullmatch(stored)
    assert stored != hash_secret(secret)  # salted
    assert verify_secret(secret, stored)
    assert not verify_secret(new_secret(), stored)
    assert not verify_secret(secret, "00.zz")


def test_verification_cache_only_remembers_successes() -> None:
    secret = new_secret()
    stored = hash_secret(secret)
    cache = VerificationCache()
    assert cache.check("id", secret, stored)
    assert cache.check("id", secret, stored)
    assert not cache.check("id", "sec_wrong", stored)
    assert not cache.check("id", secret, hash_secret(new_secret()))


def test_rate_limiter_with_a_fake_clock() -> None:
    now = [100.0]
    limiter = FixedWindowRateLimiter(2, 10, clock=lambda: now[0])
    first = limiter.hit("a")
    assert (first.allowed, first.remaining, first.reset_seconds) == (True, 1, 10)
    now[0] = 104.2
    assert limiter.hit("a").reset_seconds == 6
    refused = limiter.hit("a")
    assert not refused.allowed and refused.headers()["retry-after"] == "6"
    assert limiter.hit("b").allowed
    now[0] = 110.0
    assert limiter.hit("a").remaining == 1
    with pytest.raises(ValueError):
        FixedWindowRateLimiter(0, 10)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("http://localhost:3000", True),
        ("https://example.com/path?q=1", True),
        ("localhost:3000", True),
        ("mailto:someone", True),
        ("example.com", False),
        ("not a url", False),
        ("http://", False),
        ("https://exa mple.com", False),
        ("http://example.com:99999", False),
    ],
)
def test_url_check(text: str, ok: bool) -> None:
    assert is_url(text) is ok


def test_uuid_column_values() -> None:
    canonical = "0b5f1a52-4c1e-4c61-9a7e-2f0cf1d0a9b1"
    for spelling in (canonical.upper(), canonical.replace("-", ""), f"{{{canonical}}}", f"urn:uuid:{canonical}"):
        assert uuid_column_value(spelling) == canonical
    for bad in ("not-a-uuid", canonical[:-1], f"{{{canonical.replace('-', '')}}}"):
        with pytest.raises(ServerFault):
            uuid_column_value(bad)


def test_route_matching() -> None:
    match = match_route("GET", "/manage/projects/my%20id/dashboards/d/reports")
    assert match is not None
    assert match.route.handler == "list_reports"
    assert match.params == {"projectId": "my id", "dashboardId": "d"}
    head = match_route("HEAD", "/manage/projects")
    assert head is not None and head.route.handler == "list_projects"
    assert match_route("GET", "/manage/projects/") is None
    assert match_route("PUT", "/manage/projects/x") is None
