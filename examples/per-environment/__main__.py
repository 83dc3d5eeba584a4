"""One OpenPanel project per environment, its clients, and the application config that consumes them.

The stack picks the environment: `pulumi stack select prod`. Prod resources are protected, so a stray
`pulumi destroy` cannot delete production analytics. The project's write client id and secret are handed
to the application the way infrastructure usually does it: as inputs of another resource, here a config
file the app reads at start-up (written with mode 0600, and its content treated as a secret).
"""

import json
import os
from typing import Any

import pulumi
import pulumi.dynamic

import pulumi_openpanel as openpanel

config = pulumi.Config()
environment = config.require("environment")
domain = config.require("domain")
readers: list[str] = config.get_object("readers") or []
protect = config.get_bool("protect") or False
app_config_path = config.get("appConfigPath") or f"app-config.{environment}.json"

options = pulumi.ResourceOptions(protect=protect)

project = openpanel.Project(
    "analytics",
    name=f"Shop {environment}",
    domain=domain,
    cors=[domain],
    types=["website", "backend"],
    opts=options,
)

dashboards = [
    openpanel.Client(f"reader-{index}", name=name, project_id=project.id, type="read", opts=options)
    for index, name in enumerate(readers)
]

openpanel.Reference(
    "environment-created",
    project_id=project.id,
    title=f"{environment} environment provisioned",
    datetime=config.get("provisionedAt") or "2026-11-01",
    opts=options,
)


class AppConfigFileProvider(pulumi.dynamic.ResourceProvider):
    """Stands in for whatever carries configuration to your app (a Kubernetes Secret, an SSM parameter,
    a platform's env vars): here a local JSON file, so the example needs no cloud account."""

    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        self._write(props)
        return pulumi.dynamic.CreateResult(props["path"], props)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        self._write(news)
        return pulumi.dynamic.UpdateResult(news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if os.path.exists(props["path"]):
            os.remove(props["path"])

    @staticmethod
    def _write(props: dict[str, Any]) -> None:
        descriptor = os.open(props["path"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(props["content"], handle, indent=2, sort_keys=True)


class AppConfigFile(pulumi.dynamic.Resource, module="example", name="AppConfigFile"):
    def __init__(self, name: str, path: str, content: pulumi.Input[dict[str, Any]], opts=None) -> None:
        super().__init__(
            AppConfigFileProvider(),
            name,
            {"path": os.path.abspath(path), "content": content},
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["content"])),
        )


AppConfigFile(
    "app-config",
    path=app_config_path,
    content={
        "OPENPANEL_ENVIRONMENT": environment,
        "OPENPANEL_PROJECT_ID": project.id,
        "OPENPANEL_CLIENT_ID": project.client_id,
        "OPENPANEL_CLIENT_SECRET": project.client_secret,
    },
)

pulumi.export("project_id", project.id)
pulumi.export("write_client_id", project.client_id)
pulumi.export("write_client_secret", project.client_secret)
pulumi.export("dashboard_client_ids", [client.id for client in dashboards])
pulumi.export("app_config_path", os.path.abspath(app_config_path))
