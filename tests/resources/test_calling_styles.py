"""A resource takes its inputs either way Pulumi's SDKs allow: ``Project("web", ProjectArgs(...), opts)`` or
``Project("web", opts, name=...)``, and refuses a mix of the two. Checked on the argument split alone (no
Pulumi engine runs: the split happens before the resource is registered)."""

from __future__ import annotations

import inspect

import pulumi
import pytest

from pulumi_openpanel import Connection, Project, ProjectArgs
from pulumi_openpanel.dynamic.resource import OpenPanelResource


def split(*args: object, **kwargs: object) -> tuple[dict[str, object], object, object]:
    project = Project.__new__(Project)  # not registered: only the split is under test
    return project._split_args(args, kwargs)


def test_the_args_object_and_options_positionally() -> None:
    opts = pulumi.ResourceOptions(protect=True)
    props, got_opts, connection = split(ProjectArgs(name="Web", types=["website"]), opts)
    assert (props["name"], props["types"], got_opts, connection) == ("Web", ["website"], opts, None)


def test_options_then_keyword_inputs_with_a_connection() -> None:
    connection = Connection(api_url="https://analytics.example.com/api", client_id="id", client_secret="s")
    props, opts, got_connection = split(None, name="Web", connection=connection)
    assert (props["name"], opts, got_connection) == ("Web", None, connection)


def test_both_styles_at_once_are_refused() -> None:
    with pytest.raises(TypeError, match=r"pass either ProjectArgs or keyword arguments, not both \(name\)"):
        split(ProjectArgs(name="Web"), name="Other")


def test_anything_else_positionally_is_refused_by_type() -> None:
    with pytest.raises(TypeError, match=r"Project\(\) takes the resource name, then ProjectArgs and/or "
                                        r"ResourceOptions; got dict"):
        split({"name": "Web"})


def test_the_split_takes_the_call_and_nothing_the_class_already_knows() -> None:
    # The args class is the resource class's own (_args_class): a parameter for it could only repeat it.
    assert list(inspect.signature(OpenPanelResource._split_args).parameters) == ["self", "args", "kwargs"]
