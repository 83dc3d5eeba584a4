"""Request body checks with the messages OpenPanel's zod schemas produce.

The server validates bodies with zod 4 before it looks at credentials, reports every problem
at once (``body/<path> <message>`` joined by ``, ``, in schema order) and silently drops
fields the schema does not know. A problem with the body as a whole has the path ``body/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MISSING: Any = object()


class ValidationFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def js_type(value: Any) -> str:
    """The type name zod writes after ``received``."""
    if value is MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


Issue = tuple[str, str]  # (path below body, message)
Check = Callable[[Any, str], tuple[Any, list[Issue]]]


def _expected(kind: str, value: Any) -> str:
    return f"Invalid input: expected {kind}, received {js_type(value)}"


def string(min_length: int | None = None) -> Check:
    def check(value: Any, path: str) -> tuple[Any, list[Issue]]:
        if not isinstance(value, str):
            return value, [(path, _expected("string", value))]
        # JavaScript counts UTF-16 code units.
        if min_length is not None and len(value.encode("utf-16-le")) // 2 < min_length:
            return value, [(path, f"Too small: expected string to have >={min_length} characters")]
        return value, []

    return check


def boolean() -> Check:
    def check(value: Any, path: str) -> tuple[Any, list[Issue]]:
        if not isinstance(value, bool):
            return value, [(path, _expected("boolean", value))]
        return value, []

    return check


def one_of(*options: str) -> Check:
    listed = "|".join(f'"{o}"' for o in options)

    def check(value: Any, path: str) -> tuple[Any, list[Issue]]:
        if not (isinstance(value, str) and value in options):
            return value, [(path, f"Invalid option: expected one of {listed}")]
        return value, []

    return check


def array_of(item: Check) -> Check:
    def check(value: Any, path: str) -> tuple[Any, list[Issue]]:
        if not isinstance(value, list):
            return value, [(path, _expected("array", value))]
        issues: list[Issue] = []
        parsed = []
        for index, element in enumerate(value):
            element_value, element_issues = item(element, f"{path}/{index}")
            parsed.append(element_value)
            issues.extend(element_issues)
        return parsed, issues

    return check


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_SPECIAL_SCHEMES = {"http", "https", "ws", "wss", "ftp"}
_FORBIDDEN_HOST_CHARS = re.compile(r"[\s#%/:<>?@\[\\\]^|]")


def is_url(text: str) -> bool:
    """Whether the WHATWG URL parser (``new URL(text)``) accepts ``text``, approximately.

    Any ``scheme:`` prefix makes a URL (so ``localhost:3000`` and ``mailto:x`` pass); the
    schemes browsers treat specially (http, https, ws, wss, ftp) also need a host.
    """
    match = _SCHEME.match(text)
    if not match:
        return False
    scheme = match.group()[:-1].lower()
    if scheme not in _SPECIAL_SCHEMES:
        return True
    rest = text[match.end() :].lstrip("/\\")
    authority = re.split(r"[/\\?#]", rest, maxsplit=1)[0]
    host_port = authority.rpartition("@")[2]
    if host_port.startswith("["):
        return "]" in host_port
    host, _, port = host_port.partition(":")
    if not host or _FORBIDDEN_HOST_CHARS.search(host):
        return False
    return port == "" or (port.isdigit() and int(port) <= 65535)


def url_or_empty_or_null() -> Check:
    """``z.string().url().or(z.literal('')).or(z.null())``.

    zod reports the URL problem only when the value was a string; any other type fails every
    branch of the union and gets the generic ``Invalid input``. A URL is kept trimmed.
    """

    def check(value: Any, path: str) -> tuple[Any, list[Issue]]:
        if value is None or value == "":
            return value, []
        if isinstance(value, str):
            trimmed = value.strip()
            if is_url(trimmed):
                return trimmed, []
            return value, [(path, "Invalid URL")]
        return value, [(path, "Invalid input")]

    return check


@dataclass(frozen=True)
class Field:
    name: str
    check: Check
    optional: bool = False
    default: Any = MISSING


Schema = tuple[Field, ...]


def validate(schema: Schema, body: Any) -> dict[str, Any]:
    """The parsed body (known fields only, defaults filled in) or :class:`ValidationFailed`."""
    if not isinstance(body, dict):
        raise ValidationFailed(f"body/ {_expected('object', body)}")
    issues: list[Issue] = []
    parsed: dict[str, Any] = {}
    for field in schema:
        value = body.get(field.name, MISSING)
        if value is MISSING:
            if field.default is not MISSING:
                parsed[field.name] = field.default() if callable(field.default) else field.default
                continue
            if field.optional:
                continue
        field_value, field_issues = field.check(value, field.name)
        issues.extend(field_issues)
        parsed[field.name] = field_value
    if issues:
        raise ValidationFailed(", ".join(f"body/{path} {message}" for path, message in issues))
    return parsed


CREATE_PROJECT: Schema = (
    Field("name", string(min_length=1)),
    Field("domain", url_or_empty_or_null(), optional=True),
    Field("cors", array_of(string()), default=list),
    Field("crossDomain", boolean(), default=False),
    Field("types", array_of(one_of("website", "app", "backend")), default=list),
)
UPDATE_PROJECT: Schema = (
    Field("name", string(min_length=1), optional=True),
    Field("domain", url_or_empty_or_null(), optional=True),
    Field("cors", array_of(string()), optional=True),
    Field("crossDomain", boolean(), optional=True),
    Field("allowUnsafeRevenueTracking", boolean(), optional=True),
)
CREATE_CLIENT: Schema = (
    Field("name", string(min_length=1)),
    Field("projectId", string(), optional=True),
    Field("type", one_of("read", "write", "root"), default="write"),
)
UPDATE_CLIENT: Schema = (Field("name", string(min_length=1), optional=True),)
CREATE_REFERENCE: Schema = (
    Field("projectId", string()),
    Field("title", string(min_length=1)),
    Field("description", string(), optional=True),
    Field("datetime", string()),
)
UPDATE_REFERENCE: Schema = (
    Field("title", string(min_length=1), optional=True),
    Field("description", string(), optional=True),
    Field("datetime", string(), optional=True),
)
