"""The one way the package turns its configuration sources into a :class:`ManageApi`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.sources import resolve_credentials, settings_from


def manage_api(
    connection: Mapping[str, Any] | None = None,
    stack_config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    stack_name: str | None = None,
    given_as: Mapping[str, str] | None = None,
    recorded: bool = False,
    **overrides: Any,
) -> ManageApi:
    """The Manage API client for a resource's ``connection`` (its wire form: ``apiUrl``, ``clientId``,
    ``clientSecret``), the stack config and the environment (``os.environ`` when None).

    ``overrides`` replace fields of the resulting :class:`ApiSettings` (``doctor`` sets its own timeout
    and retry budget); an override wins over every source. ``stack_name``, ``given_as`` and ``recorded``
    only name the sources in errors (see :func:`locate_credentials`). Raises :class:`ConfigurationError` (or its
    :class:`MissingCredentialsError`) naming the setting that is wrong and what it may be.
    """
    environ = os.environ if environ is None else environ
    stack_config = stack_config or {}
    credentials = resolve_credentials(connection, stack_config, environ, stack_name=stack_name, given_as=given_as,
                                      recorded=recorded)
    settings = replace(settings_from(stack_config, environ, stack_name=stack_name, recorded=recorded), **overrides)
    return ManageApi(credentials, settings)
