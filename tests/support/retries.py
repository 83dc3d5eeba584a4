"""Retry policies the tests use (the package itself always retries)."""

from __future__ import annotations

from pulumi_openpanel.api.settings import RetryPolicy

# Not even after a 429: one request, one answer, so that a test sees each reply the fake server gives.
NO_RETRIES = RetryPolicy(max_attempts=1, rate_limit_wait=0.0)
