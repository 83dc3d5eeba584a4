"""The same small program in each language the plugin serves, written from one description, so that every
language's lifecycle test changes the same inputs and expects the same steps."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

PROJECT = "openpanel:index:Project"
CLIENT = "openpanel:index:Client"
REFERENCE = "openpanel:index:Reference"


@dataclass(frozen=True)
class Program:
    """A project ``web``, a client ``reader`` of it and a reference ``launch`` on its timeline; ``imported``
    names an existing project (by its name) that the program declares after a `pulumi import`."""

    uid: str
    client_type: str = "read"
    title: str = "v2 launch"
    datetime: str = "2026-12-01T10:00:00Z"
    imported: str | None = None

    def but(self, **changes: Any) -> Program:
        return replace(self, **changes)

    @property
    def resources(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """Each resource: its type and inputs, camelCase; ``"@web.id"`` stands for the project's id."""
        found = {
            "web": (PROJECT, {"name": f"Web {self.uid}", "domain": "https://example.com",
                              "cors": ["https://example.com"]}),
            "reader": (CLIENT, {"name": f"Reader {self.uid}", "projectId": "@web.id", "type": self.client_type}),
            "launch": (REFERENCE, {"projectId": "@web.id", "title": self.title, "datetime": self.datetime}),
        }
        if self.imported is not None:
            found["old"] = (PROJECT, {"name": self.imported})
        return found

    OUTPUTS = {"projectId": "@web.id", "writeClientSecret": "@web.clientSecret", "readerSecret": "@reader.secret"}


def _yaml_value(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return "${" + value[1:] + "}"
    if isinstance(value, list):
        return [_yaml_value(item) for item in value]
    return value


def _yaml(directory: Path, resources: dict[str, tuple[str, dict[str, Any]]], outputs: dict[str, str],
          plugin_dir: Path) -> None:
    """A Pulumi YAML project using the plugin directory as its openpanel provider (Pulumi.yaml's packages)."""
    document: dict[str, Any] = {
        "name": "plugin-yaml",
        "runtime": "yaml",
        "packages": {"openpanel": str(plugin_dir)},
        "resources": {name: {"type": type_token, "properties": {key: _yaml_value(value) for key, value in
                                                                inputs.items()}}
                      for name, (type_token, inputs) in resources.items()},
    }
    if outputs:
        document["outputs"] = {key: _yaml_value(value) for key, value in outputs.items()}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def write_yaml(directory: Path, program: Program, plugin_dir: Path) -> None:
    _yaml(directory, program.resources, Program.OUTPUTS, plugin_dir)


def _ts_value(value: Any) -> str:
    if isinstance(value, str) and value.startswith("@"):
        return value[1:]
    return json.dumps(value)


def _typescript(resources: dict[str, tuple[str, dict[str, Any]]], outputs: dict[str, str]) -> str:
    classes = {PROJECT: "Project", CLIENT: "Client", REFERENCE: "Reference"}
    lines = ['import * as openpanel from "@pulumi-openpanel/openpanel";', ""]
    for name, (type_token, inputs) in resources.items():
        args = ", ".join(f"{key}: {_ts_value(value)}" for key, value in inputs.items())
        lines.append(f'const {name} = new openpanel.{classes[type_token]}("{name}", {{ {args} }});')
    lines.append("")
    for key, value in outputs.items():
        lines.append(f"export const {key} = {_ts_value(value)};")
    return "\n".join(lines) + "\n"


def typescript_source(program: Program) -> str:
    """index.ts of the same program, with the SDK `pulumi package add` links."""
    return _typescript(program.resources, Program.OUTPUTS)


def go_source(program: Program) -> str:
    """main.go of the program's project and client (up and destroy are what the Go test runs)."""
    web_inputs = program.resources["web"][1]
    return f"""package main

import (
	"github.com/pulumi-openpanel/pulumi-openpanel/sdk/go/openpanel"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {{
	pulumi.Run(func(ctx *pulumi.Context) error {{
		web, err := openpanel.NewProject(ctx, "web", &openpanel.ProjectArgs{{
			Name:   pulumi.String({json.dumps(web_inputs["name"])}),
			Domain: pulumi.String({json.dumps(web_inputs["domain"])}),
			Cors:   pulumi.StringArray{{pulumi.String("https://example.com")}},
		}})
		if err != nil {{
			return err
		}}
		reader, err := openpanel.NewClient(ctx, "reader", &openpanel.ClientArgs{{
			Name:      pulumi.String("Reader {program.uid}"),
			ProjectId: web.ID().ToStringOutput(),
			Type:      pulumi.String({json.dumps(program.client_type)}),
		}})
		if err != nil {{
			return err
		}}
		ctx.Export("projectId", web.ID())
		ctx.Export("readerSecret", reader.Secret)
		return nil
	}})
}}
"""


def trial_resources(uid: str, projects: int) -> dict[str, tuple[str, dict[str, Any]]]:
    """A program for kill trials: ``projects`` projects named with ``uid`` (what the trial's inventory finds),
    each with a read client and a reference, so that a kill lands among creates of every kind."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for index in range(projects):
        found[f"web{index}"] = (PROJECT, {"name": f"Web {uid} {index}", "types": ["website"]})
        found[f"reader{index}"] = (CLIENT, {"name": f"Reader {uid} {index}", "projectId": f"@web{index}.id",
                                           "type": "read"})
        found[f"launch{index}"] = (REFERENCE, {"projectId": f"@web{index}.id", "title": f"Launch {uid} {index}",
                                              "datetime": "2026-12-01T10:00:00Z"})
    return found


def trial_yaml(directory: Path, uid: str, projects: int, plugin_dir: Path) -> None:
    _yaml(directory, trial_resources(uid, projects), {}, plugin_dir)


def trial_typescript(uid: str, projects: int) -> str:
    return _typescript(trial_resources(uid, projects), {})
