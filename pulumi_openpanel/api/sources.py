"""Where each setting comes from: a resource's connection, the stack config, the environment, the
default, first place wins; and how each source is named in errors."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pulumi_openpanel.api.settings import (
    CONFIG_CLIENT_SECRET,
    CREDENTIALS,
    DEFAULT_API_URL,
    DEFAULT_CONNECT_TIMEOUT,
    SETTINGS_KEYS,
    TUNING,
    ApiSettings,
    Credentials,
    check_client_id,
    credential_places,
    normalize_api_url,
    pacing_dir,
    parse_rate_limit,
    parse_rate_limit_wait,
    parse_retries,
    parse_timeout,
    setting_text,
)
from pulumi_openpanel.errors import MissingCredentialsError, OpenPanelError

# `pulumi refresh` and `pulumi destroy` do not run the program: the engine configures the provider with the
# stack config it recorded in the state (the default provider's inputs) at the last `pulumi up`, even one that
# failed, not with today's. So in the calls they drive (read, delete) a stack config value is named as the
# recorded one, and an error about it says how to record today's (docs/troubleshooting.md).
RECORDED = "as recorded in the state at the last `pulumi up`"


RECORDED_FIX = (
    "`pulumi refresh` and `pulumi destroy` use the stack config the last `pulumi up` recorded in the state "
    "(even a failed one), not today's: once the stack config is right, run `pulumi up`, or "
    "`pulumi refresh --run-program` / `pulumi destroy --run-program`"
)


def config_source(key: str, stack_name: str | None = None, *, recorded: bool = False) -> str:
    """How a stack config key is named as a source: with its stack when known (``doctor`` knows it), and
    as the recorded value when ``recorded`` (see :data:`RECORDED`)."""
    name = f"stack config {key} of stack {stack_name}" if stack_name else f"stack config {key}"
    return f"{name} {RECORDED}" if recorded else name


def explain_recorded(error: OpenPanelError) -> None:
    """Add :data:`RECORDED_FIX` to an error that names a recorded stack config value: the value the user
    reads may no longer be the one in ``pulumi config``."""
    if RECORDED in str(error):
        error.add_advice(RECORDED_FIX)


@contextlib.contextmanager
def explaining_recorded() -> Iterator[None]:
    """Around a read or a delete, which `pulumi refresh` and `pulumi destroy` drive with the recorded stack
    config: an error about a recorded value says how to record today's (:func:`explain_recorded`)."""
    try:
        yield
    except OpenPanelError as exc:
        explain_recorded(exc)
        raise


def _first(*candidates: tuple[Any, str]) -> tuple[str | None, str]:
    """The first candidate that has a value (:func:`setting_text`), with its source: the one precedence of
    every setting (connection, then stack config, then environment)."""
    for value, source in candidates:
        text = setting_text(value)
        if text is not None:
            return text, source
    return None, ""


@dataclass(frozen=True, eq=False)
class Sources:
    """The places a setting may come from, first place wins: a resource's ``connection`` (its wire form:
    ``apiUrl``, ``clientId``, ``clientSecret``; credentials only), the stack config, the environment
    (``os.environ`` when None, read at call time), else the default.

    The one description of the sources: the factory (:func:`~pulumi_openpanel.api.factory.manage_api`), the
    dynamic door, ``doctor``, ``adopt`` and ``recover`` all read the settings through it, so in the same
    order. The other fields only name the sources in errors: ``stack_name`` is named with stack config keys
    (``doctor`` knows it), ``given_as`` renames the connection's sources by wire key (doctor's
    ``--api-url`` arrives as a connection ``apiUrl``), ``recorded`` names stack config values as the ones
    the state recorded (:data:`RECORDED`: refresh and destroy), and ``summary`` says in one line where the
    stack config was read from, or why it was not.

    ``stack_config`` holds the client secret in clear when a stack sets it: it stays out of the repr.
    """

    connection: Mapping[str, Any] | None = field(default=None, repr=False)
    stack_config: Mapping[str, Any] = field(default_factory=dict, repr=False)
    environ: Mapping[str, str] | None = field(default=None, repr=False)
    stack_name: str | None = None
    given_as: Mapping[str, str] = field(default_factory=dict)
    recorded: bool = False
    summary: str = ""

    @classmethod
    def of_provider(cls, args: Mapping[str, Any], name: str, environ: Mapping[str, str] | None = None) -> Sources:
        """The sources of an explicit provider of the plugin door called ``name``: its arguments (``apiUrl``,
        ``clientId``, ``rateLimit``..., each the stack config key it stands for without ``openpanel:``), then
        the environment; never the stack config, which only the default provider reads. The plugin door and
        ``recover`` (which reads those arguments from the state) both take an explicit provider's settings so.
        """
        settings = {key: args.get(key.split(":", 1)[1]) for key in SETTINGS_KEYS}
        credential_keys = {key for _, _, key, _ in CREDENTIALS.values()}
        return cls(
            connection={wire: settings[key] for wire, _, key, _ in CREDENTIALS.values()},
            stack_config={key: value for key, value in settings.items()
                          if key not in credential_keys and value is not None},
            environ=environ,
            given_as={wire: f"argument {wire} of provider {name!r}" for wire, _, _, _ in CREDENTIALS.values()},
        )

    @property
    def environment(self) -> Mapping[str, str]:
        return os.environ if self.environ is None else self.environ

    def with_connection(self, connection: Mapping[str, Any] | None) -> Sources:
        """The same sources for another resource's ``connection``."""
        return replace(self, connection=connection)

    def _stack_then_environment(self, key: str, env: str) -> tuple[tuple[Any, str], tuple[Any, str]]:
        stack_source = config_source(key, self.stack_name, recorded=self.recorded)
        return (self.stack_config.get(key), stack_source), (self.environment.get(env), f"environment variable {env}")

    def locate_credentials(self) -> dict[str, tuple[str | None, str]]:
        """The API root's and each credential's raw value and where it came from, first place wins:
        connection, stack config, environment; ``(None, "")`` when no place has it. Nothing is validated.

        This is the one precedence of the credentials: :meth:`credentials` (so the provider) and ``doctor``
        both read it.
        """
        connection = self.connection or {}
        return {
            name: _first(
                (connection.get(wire), self.given_as.get(wire, f"connection {arg}")),
                *self._stack_then_environment(key, env),
            )
            for name, (wire, arg, key, env) in CREDENTIALS.items()
        }

    def locate_settings(self) -> dict[str, tuple[str | None, str]]:
        """Each tuning setting's raw text and where it came from (stack config, else the environment), or
        ``(None, "")`` when neither has it and the default applies."""
        return {name: _first(*self._stack_then_environment(key, env)) for name, (key, env) in TUNING.items()}

    def locate(self) -> dict[str, tuple[str | None, str]]:
        """Every setting's raw value and source: the credentials', then the tuning settings'."""
        return {**self.locate_credentials(), **self.locate_settings()}

    def credentials(self) -> Credentials:
        """Resolve the API root and credentials, or say exactly how to provide what is missing."""
        found = self.locate_credentials()
        api_url, api_source = found["api_url"]
        client_id, id_source = found["client_id"]
        client_secret, secret_source = found["client_secret"]

        missing = []
        for name, what in (("client_id", "id"), ("client_secret", "secret")):
            if found[name][0] is None:
                key = CREDENTIALS[name][2]
                stack_source = config_source(key, self.stack_name, recorded=self.recorded)
                missing.append(f"the client {what}: {credential_places(name, stack_source)}")
        if missing:
            raise MissingCredentialsError(
                "OpenPanel credentials are missing. Provide "
                + "; and ".join(missing)
                + " (use the id and secret of a root client; keep the secret a secret: "
                f"pulumi config set --secret {CONFIG_CLIENT_SECRET} ...)"
            )
        assert client_id is not None and client_secret is not None
        check_client_id(client_id, id_source)
        url = normalize_api_url(api_url, api_source) if api_url else DEFAULT_API_URL
        sources = {"api_url": api_source if api_url else f"the default ({DEFAULT_API_URL})",
                   "client_id": id_source, "client_secret": secret_source}
        return Credentials(api_url=url, client_id=client_id, client_secret=client_secret, sources=sources)

    def settings(self, **overrides: Any) -> ApiSettings:
        """Timeout, retries, pacing and the rate-limit wait from the stack config, else the environment, else
        the defaults; ``overrides`` replace fields of the result and win over every source."""
        found = self.locate_settings()
        settings = ApiSettings(pacing_dir=pacing_dir(self.environment))
        timeout, source = found["request_timeout"]
        if timeout is not None:
            seconds = parse_timeout(timeout, source)
            settings = replace(settings, timeout=seconds, connect_timeout=min(seconds, DEFAULT_CONNECT_TIMEOUT))
        retries, source = found["max_retries"]
        if retries is not None:
            settings = replace(settings, retry=replace(settings.retry, max_attempts=parse_retries(retries, source) + 1))
        limit, source = found["rate_limit"]
        if limit is not None:
            settings = replace(settings, rate_limit=parse_rate_limit(limit, source))
        wait, source = found["rate_limit_wait"]
        if wait is not None:
            seconds = parse_rate_limit_wait(wait, source)
            settings = replace(settings, retry=replace(settings.retry, rate_limit_wait=seconds))
        return replace(settings, **overrides)
