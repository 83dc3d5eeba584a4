"""Creating without duplicates when the network fails mid-request.

A POST that timed out after sending, or whose connection was reset, or that got a 5xx, may have created
the object or not. Retrying blindly would duplicate it; giving up would orphan it. So before another
try we look for it: found, it is adopted (or, when its once-only secret was lost, discarded and created
again); not found, the POST is repeated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from pulumi_openpanel.errors import ApiError, ReconcileError, ServerError, TransportError

log = logging.getLogger(__name__)

Created = TypeVar("Created")
Found = TypeVar("Found")

# Server clocks and ours disagree a little; anything created this long before our POST is not ours.
CLOCK_SKEW = timedelta(minutes=5)


def outcome_unknown(error: ApiError) -> bool:
    if isinstance(error, TransportError):
        return error.maybe_sent
    return isinstance(error, ServerError) and error.status is not None and error.status >= 500


def now() -> datetime:
    return datetime.now(timezone.utc)


def created_since(created_at: str | None, started: datetime) -> bool:
    """Whether a server timestamp is recent enough to be the object our uncertain POST made."""
    if not created_at:
        return False
    try:
        moment = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment >= started - CLOCK_SKEW


def create_reconciled(
    post: Callable[[], Created],
    find: Callable[[], list[Found]],
    *,
    describe: str,
    discard: Callable[[Found], None] | None = None,
    attempts: int = 5,
) -> Created | Found:
    """POST, and settle an unknown outcome by looking before trying again.

    Returns the POST's answer, or the object found after an unknown outcome. With ``discard`` (for objects
    whose secret exists only in the lost answer) a found object is deleted and the POST repeated.
    ``attempts`` matches the API client's retry budget: with 10% of requests failing, three attempts
    left about one create in a thousand failing outright, which a 60-resource up hit every few runs.
    """
    last_error: ApiError | None = None
    for _ in range(attempts):
        try:
            return post()
        except ApiError as exc:
            if not outcome_unknown(exc):
                raise
            last_error = exc
        log.warning("creating %s: outcome unknown (%s); looking it up before trying again", describe, last_error)
        try:
            found = find()
        except ApiError as lookup_error:
            raise ReconcileError(
                f"creating {describe} may or may not have succeeded ({last_error}), and looking it up failed "
                f"as well ({lookup_error}). Check OpenPanel for {describe} and delete it if present, then run "
                "pulumi up again"
            ) from None
        if len(found) > 1:
            raise ReconcileError(
                f"creating {describe} had an unknown outcome and {len(found)} recent matching objects exist; "
                "delete the ones you do not want in OpenPanel, then run pulumi up again"
            )
        if found:
            if discard is None:
                log.warning("creating %s: it had been created; adopting it", describe)
                return found[0]
            log.warning("creating %s: it had been created, but its secret was lost; recreating it", describe)
            discard(found[0])
    assert last_error is not None
    raise last_error
