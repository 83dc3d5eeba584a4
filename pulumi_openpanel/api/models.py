"""Pydantic models of what travels over the wire to and from the Manage API.

Answers are parsed leniently (unknown fields ignored, since the server adds fields over time) but the
one dangerous field is removed on purpose: client answers carry ``secret``, which is the server's hash of
the client secret, never the secret itself. It is dropped here so that no other layer can store or show
it. The once-only plain secrets of create answers are held as :class:`pydantic.SecretStr`.

The fields that are resource inputs, and the create and update bodies, are generated from schema.py
(``scripts/generate.py``); the rest is written here.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic.alias_generators import to_camel, to_snake


class WireModel(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown answer fields are ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)


class Project(WireModel):
    id: str
    organization_id: str
    # BEGIN GENERATED project-answer: from schema.PROJECT by scripts/generate.py; do not edit
    name: str
    domain: str | None = None
    cors: list[str] = Field(default_factory=list)
    cross_domain: bool = False
    types: list[str] = Field(default_factory=list)
    allow_unsafe_revenue_tracking: bool = False
    # END GENERATED project-answer
    events_count: int | None = None
    delete_at: str | None = None
    created_at: str | None = None
    updated_at: str | None = None

    @property
    def deleted(self) -> bool:
        """OpenPanel soft-deletes projects: they answer GET for a day with ``deleteAt`` set."""
        return self.delete_at is not None


class CreatedProject(WireModel):
    """A create answer: the project plus its first write client, whose secret is shown only here."""

    project: Project
    write_client_id: str | None = None
    write_client_secret: SecretStr | None = None

    @classmethod
    def from_answer(cls, data: dict[str, Any]) -> CreatedProject:
        client = data.get("client") or {}
        return cls(
            project=Project.model_validate(data),
            write_client_id=client.get("id"),
            write_client_secret=client.get("secret"),
        )


class Client(WireModel):
    id: str
    organization_id: str
    # BEGIN GENERATED client-answer: from schema.CLIENT by scripts/generate.py; do not edit
    name: str
    project_id: str | None = None
    type: str = "write"
    # END GENERATED client-answer
    ignore_cors_and_secret: bool | None = None
    created_at: str | None = None
    updated_at: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_secret_hash(cls, data: Any) -> Any:
        if isinstance(data, dict) and "secret" in data:
            data = {key: value for key, value in data.items() if key != "secret"}
        return data


class CreatedClient(WireModel):
    client: Client
    secret: SecretStr

    @classmethod
    def from_answer(cls, data: dict[str, Any]) -> CreatedClient:
        return cls(client=Client.model_validate(data), secret=data["secret"])


class Reference(WireModel):
    id: str
    organization_id: str | None = None
    # BEGIN GENERATED reference-answer: from schema.REFERENCE by scripts/generate.py; do not edit
    project_id: str
    title: str
    description: str | None = None
    date: str
    # END GENERATED reference-answer
    created_at: str | None = None
    updated_at: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _lift_organization(cls, data: Any) -> Any:
        # GET of one reference nests the organization: {"project": {"organizationId": ...}}.
        if isinstance(data, dict) and isinstance(data.get("project"), dict):
            data = {**data, "organizationId": data["project"].get("organizationId")}
        return data


class Dashboard(WireModel):
    """Dashboards are read-only through the Manage API; their shape is kept open."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True)
    id: str
    name: str | None = None
    project_id: str | None = None


class Report(WireModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True)
    id: str
    name: str | None = None


# Request bodies. Only what the caller set is sent, so PATCHes carry only changes. Most optional fields
# refuse null on the server: a None is then not sent at all. ``nullable`` names the fields where null is how
# a value is cleared, ``blank_clears`` those a PATCH clears with "" (the server refuses null there).


class RequestModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
    nullable: ClassVar[frozenset[str]] = frozenset()
    blank_clears: ClassVar[frozenset[str]] = frozenset()

    def wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for key, value in self.model_dump(by_alias=True, exclude_unset=True).items():
            if value is not None or to_snake(key) in self.nullable:
                body[key] = value
            elif to_snake(key) in self.blank_clears:
                body[key] = ""
        return body


# BEGIN GENERATED requests: from schema.RESOURCES by scripts/generate.py; do not edit
class ProjectCreate(RequestModel):
    nullable = frozenset({"domain"})
    name: str
    domain: str | None = None
    cors: list[str] = Field(default_factory=list)
    cross_domain: bool = False
    types: list[str] = Field(default_factory=list)


class ProjectUpdate(RequestModel):
    nullable = frozenset({"domain"})
    name: str | None = None
    domain: str | None = None
    cors: list[str] | None = None
    cross_domain: bool | None = None
    allow_unsafe_revenue_tracking: bool | None = None


class ClientCreate(RequestModel):
    name: str
    project_id: str | None = None
    type: str = "write"


class ClientUpdate(RequestModel):
    name: str | None = None


class ReferenceCreate(RequestModel):
    project_id: str
    title: str
    description: str | None = None
    datetime: str


class ReferenceUpdate(RequestModel):
    blank_clears = frozenset({"description"})
    title: str | None = None
    description: str | None = None
    datetime: str | None = None
# END GENERATED requests
