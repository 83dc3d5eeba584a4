"""Tuning settings (timeout, retries, pacing) and the one factory that turns the sources into a ManageApi."""

from __future__ import annotations

import ast
import inspect
import os
import tempfile
from pathlib import Path

import pytest

import pulumi_openpanel
from pulumi_openpanel.api import settings as config
from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.factory import manage_api
from pulumi_openpanel.api.settings import (
    DEFAULT_RATE_LIMIT,
    DEFAULT_RATE_LIMIT_WAIT,
    ENV_PACING_DIR,
    ApiSettings,
    pacing_dir,
    parse_rate_limit,
)
from pulumi_openpanel.api.sources import Sources
from pulumi_openpanel.errors import ConfigurationError
from tests.support.home import private_pacing_dir

from .fakes import CLIENT_ID, SECRET

CREDENTIALS = {"OPENPANEL_CLIENT_ID": CLIENT_ID, "OPENPANEL_CLIENT_SECRET": SECRET}


def test_defaults_are_openpanels_limit_thirty_seconds_and_four_retries() -> None:
    settings = Sources(environ={}).settings()
    assert settings.rate_limit == DEFAULT_RATE_LIMIT == (20, 10.0)
    assert (settings.timeout, settings.connect_timeout, settings.retry.max_attempts) == (30.0, 10.0, 5)
    assert ApiSettings().rate_limit == DEFAULT_RATE_LIMIT
    assert settings.retry.rate_limit_wait == ApiSettings().retry.rate_limit_wait == DEFAULT_RATE_LIMIT_WAIT == 300.0


@pytest.mark.parametrize(
    ("stack_config", "environ", "expected"),
    [
        ({"openpanel:rateLimitWait": "600"}, {"OPENPANEL_RATE_LIMIT_WAIT": "5"}, 600.0),
        ({"openpanel:rateLimitWait": 0}, {}, 0.0),
        ({}, {"OPENPANEL_RATE_LIMIT_WAIT": " 45.5 "}, 45.5),
        ({}, {}, 300.0),
    ],
)
def test_the_rate_limit_wait_comes_from_stack_config_then_environment(
    stack_config: dict[str, object], environ: dict[str, str], expected: float
) -> None:
    settings = Sources(stack_config=stack_config, environ=environ).settings()
    assert settings.retry.rate_limit_wait == expected
    assert settings.retry.max_attempts == 5  # a budget of its own: the retries' count is left alone


def test_the_rate_limit_wait_is_a_setting_the_provider_reads() -> None:
    assert "openpanel:rateLimitWait" in config.SETTINGS_KEYS


@pytest.mark.parametrize(
    ("text", "expected"),
    [("20/10", (20, 10.0)), ("5/1.5", (5, 1.5)), (" 100 / 60 ", (100, 60.0)), ("off", None), ("OFF", None)],
)
def test_the_one_rate_limit_grammar(text: str, expected: tuple[int, float] | None) -> None:
    assert parse_rate_limit(text, "stack config openpanel:rateLimit") == expected


@pytest.mark.parametrize("text", ["20", "0/10", "20/0", "-1/10", "20/inf", "20/nan", "fast", "none", "0", "", "2.5/10"])
def test_a_bad_rate_limit_names_its_source_and_what_is_allowed(text: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_rate_limit(text, "environment variable OPENPANEL_RATE_LIMIT")
    message = str(raised.value)
    assert message.startswith("environment variable OPENPANEL_RATE_LIMIT must be REQUESTS/SECONDS")
    assert "20/10" in message and "off" in message and repr(text) in message


def test_stack_config_wins_over_the_environment_for_each_tuning_setting() -> None:
    settings = Sources(
        stack_config={"openpanel:requestTimeout": "5", "openpanel:maxRetries": 0, "openpanel:rateLimit": "3/1"},
        environ={"OPENPANEL_REQUEST_TIMEOUT": "99", "OPENPANEL_MAX_RETRIES": "9", "OPENPANEL_RATE_LIMIT": "off"},
    ).settings()
    assert (settings.timeout, settings.connect_timeout, settings.retry.max_attempts) == (5.0, 5.0, 1)
    assert settings.rate_limit == (3, 1.0)
    from_env = Sources(environ={"OPENPANEL_REQUEST_TIMEOUT": "99", "OPENPANEL_MAX_RETRIES": "9",
                                "OPENPANEL_RATE_LIMIT": "off"}).settings()
    assert (from_env.timeout, from_env.connect_timeout, from_env.retry.max_attempts) == (99.0, 10.0, 10)
    assert from_env.rate_limit is None


def test_a_blank_tuning_value_falls_through_as_a_blank_credential_does() -> None:
    """One precedence for every setting: blank text in the stack config is unset, so the environment's
    value applies (it used to be read as set, and refused as an empty number)."""
    settings = Sources(
        stack_config={"openpanel:requestTimeout": "  ", "openpanel:maxRetries": "", "openpanel:rateLimit": " "},
        environ={"OPENPANEL_REQUEST_TIMEOUT": "7", "OPENPANEL_MAX_RETRIES": "2", "OPENPANEL_RATE_LIMIT": "4/2"},
    ).settings()
    assert (settings.timeout, settings.retry.max_attempts, settings.rate_limit) == (7.0, 3, (4, 2.0))
    found = Sources(stack_config={"openpanel:maxRetries": 3},
                    environ={"OPENPANEL_REQUEST_TIMEOUT": " \t"}).locate_settings()
    assert found["max_retries"] == ("3", "stack config openpanel:maxRetries")
    assert found["request_timeout"] == (None, "")


@pytest.mark.parametrize(
    ("environ", "needle"),
    [
        ({"OPENPANEL_REQUEST_TIMEOUT": "soon"}, "environment variable OPENPANEL_REQUEST_TIMEOUT must be a positive"),
        ({"OPENPANEL_REQUEST_TIMEOUT": "-1"}, "OPENPANEL_REQUEST_TIMEOUT must be a positive number of seconds"),
        ({"OPENPANEL_REQUEST_TIMEOUT": "inf"}, "OPENPANEL_REQUEST_TIMEOUT must be a positive number of seconds"),
        ({"OPENPANEL_MAX_RETRIES": "-1"}, "environment variable OPENPANEL_MAX_RETRIES must be a whole number"),
        ({"OPENPANEL_RATE_LIMIT": "lots"}, "environment variable OPENPANEL_RATE_LIMIT must be REQUESTS/SECONDS"),
        ({"OPENPANEL_RATE_LIMIT_WAIT": "-1"}, "environment variable OPENPANEL_RATE_LIMIT_WAIT must be a number of "
                                              "seconds >= 0"),
        ({"OPENPANEL_RATE_LIMIT_WAIT": "forever"}, "OPENPANEL_RATE_LIMIT_WAIT must be a number of seconds >= 0"),
        ({"OPENPANEL_RATE_LIMIT_WAIT": "inf"}, "OPENPANEL_RATE_LIMIT_WAIT must be a number of seconds >= 0"),
        ({"OPENPANEL_RATE_LIMIT_WAIT": "nan"}, "OPENPANEL_RATE_LIMIT_WAIT must be a number of seconds >= 0"),
    ],
)
def test_a_bad_tuning_value_is_refused_by_name(environ: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigurationError, match=needle):
        Sources(environ=environ).settings()


def test_a_secret_pasted_into_a_tuning_setting_is_not_echoed() -> None:
    with pytest.raises(ConfigurationError) as raised:
        Sources(stack_config={"openpanel:rateLimit": SECRET}, environ={}).settings()
    assert SECRET not in str(raised.value) and "openpanel:rateLimit" in str(raised.value)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"OPENPANEL_PACING_DIR": "/srv/pacing", "PULUMI_OPENPANEL_CACHE": "/cache"}, Path("/srv/pacing")),
        ({"OPENPANEL_PACING_DIR": "off", "PULUMI_OPENPANEL_CACHE": "/cache"}, None),
        ({"PULUMI_OPENPANEL_CACHE": "/cache", "XDG_CACHE_HOME": "/xdg"}, Path("/cache/pacing")),
        ({"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/pulumi-openpanel/pacing")),
        ({}, Path.home() / ".cache" / "pulumi-openpanel" / "pacing"),
    ],
)
def test_where_the_pacing_state_lives(environ: dict[str, str], expected: Path | None) -> None:
    assert pacing_dir(environ) == expected
    assert Sources(environ=environ).settings().pacing_dir == expected


def test_the_factory_resolves_credentials_and_settings_from_the_same_sources(tmp_path: Path) -> None:
    environ = {**CREDENTIALS, "OPENPANEL_RATE_LIMIT": "off", "OPENPANEL_PACING_DIR": str(tmp_path)}
    api = manage_api({"apiUrl": "https://conn.example.com/api"}, {"openpanel:maxRetries": "2"}, environ)
    assert isinstance(api, ManageApi)
    assert (api.credentials.api_url, api.credentials.client_id) == ("https://conn.example.com/api", CLIENT_ID)
    assert api.settings.rate_limit is None and api.settings.retry.max_attempts == 3
    assert api.settings.pacing_dir == tmp_path
    assert SECRET not in repr(api)


def test_factory_overrides_win_over_every_source() -> None:
    environ = {**CREDENTIALS, "OPENPANEL_REQUEST_TIMEOUT": "50", "OPENPANEL_RATE_LIMIT": "off"}
    api = manage_api(None, {}, environ, timeout=2.0, connect_timeout=2.0)
    assert (api.settings.timeout, api.settings.connect_timeout, api.settings.rate_limit) == (2.0, 2.0, None)


def test_the_factory_refuses_what_it_cannot_use() -> None:
    with pytest.raises(ConfigurationError, match="OPENPANEL_RATE_LIMIT"):
        manage_api(None, {}, {**CREDENTIALS, "OPENPANEL_RATE_LIMIT": "fast"})


def test_the_factory_is_the_only_place_that_builds_a_manage_api() -> None:
    """Provider, lookups, doctor, adopt and recover all go through api.factory.manage_api: none assembles its own."""
    package = Path(inspect.getfile(pulumi_openpanel)).parent
    builders = []
    for path in sorted(package.rglob("*.py")):
        if "emulator" in path.relative_to(package).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "ManageApi":
                builders.append(path.relative_to(package).as_posix())
    assert builders == ["api/factory.py"]
    for name in ("dynamic/provider", "lookups", "cli/doctor", "cli/adopt", "cli/recover"):
        source = (package / f"{name}.py").read_text()
        assert "manage_api(" in source, name
    assert manage_api.__module__ == "pulumi_openpanel.api.factory"


def test_the_suite_keeps_the_pacing_state_in_a_temporary_directory() -> None:
    """tests/conftest.py moves it for the whole run: no test writes under the user's home."""
    directory = ApiSettings().pacing_dir
    assert directory is not None and directory == pacing_dir(os.environ)
    assert Path(tempfile.gettempdir()) in directory.parents


def test_a_private_pacing_dir_is_put_back_and_removed() -> None:
    """What the suite and the benchmarks use to stay out of the user's home (tests/support/fixtures.py)."""
    before = os.environ.get(ENV_PACING_DIR)
    with private_pacing_dir() as directory:
        assert ApiSettings().pacing_dir == directory
        assert directory.is_dir() and Path(tempfile.gettempdir()) in directory.parents
        assert directory != (Path(before) if before else None)
    assert os.environ.get(ENV_PACING_DIR) == before
    assert not directory.exists()


def setting_names() -> set[str]:
    """Every setting's name as users write it: the stack config keys and the environment variables."""
    return {value for name, value in vars(config).items()
            if name.startswith(("CONFIG_", "ENV_")) and isinstance(value, str)}


def test_setting_names_are_spelled_only_in_the_settings_module() -> None:
    """Code elsewhere names a setting through api/settings.py's constant, so that renaming one renames it
    everywhere (a misspelt copy would read a variable nobody sets). Prose (docstrings) may name them."""
    package = Path(inspect.getfile(pulumi_openpanel)).parent
    names = setting_names()
    assert {"OPENPANEL_CLIENT_SECRET", "openpanel:apiUrl", "OPENPANEL_PACING_DIR"} <= names
    spelt = []
    for path in sorted(package.rglob("*.py")):
        if path == Path(inspect.getfile(config)):
            continue
        tree = ast.parse(path.read_text())
        prose = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        spelt += [f"{path.relative_to(package).as_posix()}:{node.lineno} {node.value}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and node.value in names and id(node) not in prose]
    assert spelt == []
