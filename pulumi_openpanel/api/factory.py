"""The one way the package turns its configuration sources into a :class:`ManageApi`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.sources import Sources


def manage_api(
    connection: Mapping[str, Any] | None = None,
    stack_config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    sources: Sources | None = None,
    **overrides: Any,
) -> ManageApi:
    """The Manage API client for the configuration :class:`Sources`: given whole as ``sources``, or as the
    usual three (a resource's ``connection`` in its wire form, the stack config and the environment,
    ``os.environ`` when None) when nothing but those is needed.

    ``overrides`` replace fields of the resulting :class:`ApiSettings` (``doctor`` sets its own timeout
    and retry budget); an override wins over every source. Raises :class:`ConfigurationError` (or its
    :class:`MissingCredentialsError`) naming the setting that is wrong and what it may be.
    """
    if sources is None:
        sources = Sources(connection, stack_config or {}, environ)
    elif connection is not None or stack_config is not None or environ is not None:
        raise TypeError("manage_api() takes either sources= or connection, stack_config and environ, not both")
    return ManageApi(sources.credentials(), sources.settings(**overrides))
