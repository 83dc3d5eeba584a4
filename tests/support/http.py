"""Raw HTTP to a Manage API (emulator or real) that respects its rate limit.

A real OpenPanel server allows 20 requests per 10 s per client id. Tests written against it
must pace themselves instead of failing on 429, so :class:`ManageHttp` remembers, per client
id, what the last ``x-ratelimit-*`` headers said: when nothing is left it waits for the window
to end, and a 429 that still happens is waited out (``retry-after``) and retried.
Use :meth:`ManageHttp.send_once` to see a 429 instead.
"""

from __future__ import annotations

import json as jsonlib
import threading
import time
from typing import Any

import httpx

_UNSET: Any = object()
_MAX_RETRIES = 6
_MARGIN = 0.25  # the reset header is whole seconds; a little extra avoids landing just before it


class _Pacer:
    """Shared by every ManageHttp in the process, because the server counts per client id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blocked_until: dict[str, float] = {}

    def wait(self, key: str) -> None:
        with self._lock:
            until = self._blocked_until.get(key, 0.0)
        delay = until - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def observe(self, key: str, response: httpx.Response) -> None:
        retry_after = response.headers.get("retry-after")
        remaining = response.headers.get("x-ratelimit-remaining")
        reset = response.headers.get("x-ratelimit-reset")
        seconds: float | None = None
        if response.status_code == 429:
            seconds = float(retry_after or reset or 1)
        elif remaining is not None and int(remaining) <= 0 and reset is not None:
            seconds = float(reset)
        if seconds is not None:
            with self._lock:
                self._blocked_until[key] = time.monotonic() + seconds + _MARGIN


PACER = _Pacer()


class ManageHttp:
    """An httpx client for ``<api_url>/manage/...`` that sends a client's credentials."""

    def __init__(
        self, api_url: str, client_id: str | None, client_secret: str | None, *, timeout: float = 15.0
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self._client = httpx.Client(base_url=self.api_url, timeout=timeout)

    def __repr__(self) -> str:
        return f"ManageHttp({self.api_url!r}, client_id={self.client_id!r})"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ManageHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _build(
        self,
        method: str,
        path: str,
        *,
        json: Any = _UNSET,
        content: bytes | str | None = None,
        headers: dict[str, str | None] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Request:
        merged: dict[str, str | None] = {
            "openpanel-client-id": self.client_id,
            "openpanel-client-secret": self._secret,
        }
        if json is not _UNSET:
            content = jsonlib.dumps(json)
            merged["content-type"] = "application/json"
        merged.update(headers or {})
        final = {name: value for name, value in merged.items() if value is not None}
        return self._client.build_request(method, path, content=content, headers=final, params=params)

    def send_once(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, paced but not retried: a 429 is returned to the caller."""
        request = self._build(method, path, **kwargs)
        key = request.headers.get("openpanel-client-id", "")
        PACER.wait(key)
        response = self._client.send(request)
        PACER.observe(key, response)
        return response

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for _ in range(_MAX_RETRIES):
            response = self.send_once(method, path, **kwargs)
            if response.status_code != 429:
                return response
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def data(self, method: str, path: str, **kwargs: Any) -> Any:
        """The ``data`` of a 200 answer; anything else fails with the answer in the message."""
        response = self.request(method, path, **kwargs)
        if response.status_code != 200:
            raise AssertionError(f"{method} {path} answered {response.status_code}: {response.text[:500]}")
        return response.json()["data"]
