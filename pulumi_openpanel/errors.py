"""Every exception this package raises on purpose, in one tree under :class:`OpenPanelError`.

::

    OpenPanelError
    ├── ConfigurationError          settings missing or malformed
    │   └── MissingCredentialsError no client id or secret anywhere
    ├── InputError                  a resource input the server would refuse (also a ValueError)
    ├── ApiError                    a Manage API request failed
    │   ├── AuthenticationError     401
    │   ├── ForbiddenError          403
    │   ├── NotFoundError           404
    │   │   └── ReferredNotFoundError  404 for the object an input names (project_id)
    │   ├── ValidationError         400
    │   ├── RateLimitedError        429
    │   ├── ServerError             5xx, or an answer not shaped like the API's
    │   └── TransportError          no answer at all
    ├── AdoptionError               adopt= names an object that cannot be taken over as written
    ├── ReconcileError              a create's outcome is unknown and could not be settled
    ├── RunOverError                a request not sent: the Pulumi run it was for is over (cancel, kill)
    └── ProjectDeleteError          a project delete stopped half-way

Every error raised by the Manage API client says which request failed (method, path, status) and what to
do about it. Messages pass through :func:`redact` so that no secret, not even the hash the server returns
for a client secret, can reach a Pulumi error, a log or a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# The shapes of the secrets OpenPanel hands out and of the hash it stores for them.
_SECRET_PATTERNS = (
    re.compile(r"sec_[0-9a-fA-F]{8,}"),
    re.compile(r"\b[0-9a-fA-F]{32}\.[0-9a-fA-F]{64}\b"),
)
REDACTED = "[redacted]"


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove known secrets and anything shaped like an OpenPanel secret or secret hash."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


class OpenPanelError(Exception):
    """Base class of every error this package raises on purpose."""

    def add_advice(self, advice: str) -> None:
        """Append what to do, known only where the error is caught (the provider knows which Pulumi
        command drives it), to the message."""
        self.args = (redact(f"{self}. {advice}"),)


class ConfigurationError(OpenPanelError):
    """The provider is not set up to talk to OpenPanel (missing or malformed settings)."""


class MissingCredentialsError(ConfigurationError):
    """No client id or secret could be found in any of the places they may come from."""


class InputError(OpenPanelError, ValueError):
    """A resource input that the server would refuse or mangle; ``check`` reports it as a check failure.

    Also a ValueError, as it was before it joined this tree, so that code catching that keeps working.
    """


class ApiError(OpenPanelError):
    """A Manage API request failed.

    ``status`` is None when no HTTP answer was received (see :class:`TransportError`).
    """

    hint: str = ""
    tried: str = ""

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        message: str,
        *,
        hint: str | None = None,
        sent: bool = True,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.sent = sent
        self.server_message = redact(message)
        if hint is not None:
            self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.sent:
            status = "refused before sending"
        else:
            status = f"HTTP {self.status}" if self.status is not None else "no answer"
        text = f"OpenPanel {self.method} {self.path} failed ({status}): {self.server_message}"
        if self.tried:
            text += f" ({self.tried})"
        if self.hint:
            text += f". {self.hint}"
        return redact(text)

    def gave_up(self, attempts: int, seconds: float, *, budget: str = "") -> None:
        """Say how long the retries went on before this error was the last word, and, given ``budget``,
        which budget ended them."""
        self.tried = f"gave up after {attempts} attempt{'s' if attempts != 1 else ''} over {seconds:.0f} s"
        if budget:
            self.tried += f": {budget}"
        self.args = (self._render(),)

    def add_advice(self, advice: str) -> None:
        """Append to the hint, so that the message keeps its order: what failed, then what to do."""
        self.hint = f"{self.hint}. {advice}" if self.hint else advice
        self.args = (self._render(),)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._render()!r})"


class AuthenticationError(ApiError):
    """401: the credentials were refused. Its hint names the setting to fix, by where it came from: only the
    client that raises it knows that."""


class ForbiddenError(ApiError):
    """403: the object belongs to another organization."""

    hint = "The object belongs to another organization than the credentials in use"


class NotFoundError(ApiError):
    """404: the object does not exist (or belongs to another organization, which looks the same)."""


class ReferredNotFoundError(NotFoundError):
    """404 for the object a resource input refers to, such as a ``project_id`` naming no project: ``input``
    and ``value`` say which input and what it holds, and the message says what must be true of it.

    OpenPanel answers 404 alike for an object that never existed, one purged after its deletion (a project
    24 h after), and one of another organization. A project deleted less than 24 h ago is not among them:
    it still takes new clients and references, which go with it at the purge.
    """

    def __init__(self, error: NotFoundError, *, input: str, value: str, kind: str, credentials: str) -> None:
        self.input = input
        self.value = value
        hint = (
            f"{input} must be the id of a {kind} that exists, is not deleted, and belongs to the organization "
            f"of the credentials in use ({credentials})"
        )
        super().__init__(error.method, error.path, error.status, error.server_message, hint=hint, sent=error.sent)

    def _render(self) -> str:
        return redact(f"{self.input} {self.value!r}: {super()._render()}")


class ApiRootError(ApiError):
    """404 for the route itself: the API root answers, but has no /manage routes (a self-hosted server
    without its /api prefix, say). Not a NotFoundError: nothing is gone, the address is wrong."""


class ValidationError(ApiError):
    """400: the server refused the request body; ``fields`` maps each offending field to its reason."""

    hint = "Fix the named field(s) in the resource's arguments"

    def __init__(
        self, method: str, path: str, status: int | None, message: str, *, hint: str | None = None
    ) -> None:
        self.fields = parse_validation_message(redact(message))
        super().__init__(method, path, status, message, hint=hint)


class RateLimitedError(ApiError):
    """429: the client id used up its request budget for the current window. Its hint, which names the
    settings that pace and wait, comes from the client that raises it."""

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        message: str,
        *,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(method, path, status, message, hint=hint)


class ServerError(ApiError):
    """5xx: OpenPanel failed; the request may or may not have been carried out."""

    hint = "The OpenPanel server failed; retry later, and check the server's logs if it is self-hosted"


class TransportError(ApiError):
    """No answer: timeout, refused or reset connection, DNS failure.

    ``maybe_sent`` tells whether the server might have received (and acted on) the request; it is False
    only when the connection was never established. Its hint, which names the API root's settings, comes
    from the client that raises it.
    """

    def __init__(
        self,
        method: str,
        path: str,
        message: str,
        *,
        maybe_sent: bool,
        hint: str | None = None,
    ) -> None:
        self.maybe_sent = maybe_sent
        super().__init__(method, path, None, message, hint=hint)


class AdoptionError(OpenPanelError):
    """An existing object cannot be adopted as the program describes it."""


class ReconcileError(OpenPanelError):
    """A create's outcome is unknown and could not be settled; the message says what to check."""


class RunOverError(OpenPanelError):
    """A request was given up before it was sent, because the run it was for is over: the engine
    cancelled the deployment, the engine is gone (its process was killed), or the plugin was told to stop.

    Raised only before a request goes on the wire, never for one already sent: a request that was not
    sent changed nothing on the server, so the engine may record the operation as failed (or not at all,
    when it is gone) without leaving an object that no state knows of. ``reason`` says which of these.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"OpenPanel request not sent: {reason}; it changed nothing on the server. "
            "Run pulumi-openpanel recover if the run left pending operations, then pulumi up again"
        )


class ProjectDeleteError(OpenPanelError):
    """A project delete stopped half-way; the resource stays in the stack and the next destroy finishes."""


# ``body/<field> <reason>`` items joined by ", "; reasons may themselves contain ", ", so split only
# where the next item starts.
_FIELD_ITEM = re.compile(r"(?:^|, )body/([A-Za-z0-9_.\[\]]+) ")


def parse_validation_message(message: str) -> dict[str, str]:
    """Turn ``"body/name Too small, body/type Invalid option"`` into ``{"name": ..., "type": ...}``."""
    matches = list(_FIELD_ITEM.finditer(message))
    fields: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(message)
        fields[match.group(1)] = message[match.end() : end].strip()
    return fields


class PulumiCommandError(OpenPanelError):
    """A ``pulumi`` command failed or could not be started; the message says which and why."""

    def __init__(self, args: Sequence[str], detail: str) -> None:
        super().__init__(f"`pulumi {' '.join(args)}` failed: {detail}")
        self.detail = detail
