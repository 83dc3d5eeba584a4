"""The engine driver behaves like `pulumi up/preview/refresh/destroy` against the real dynamic plugin."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from .driver import (
    UNKNOWN,
    CheckFailedError,
    CheckFailure,
    Engine,
    ProtectedResourceError,
    ProviderCallError,
    result_of,
)
from .toy_provider import Toy, load_store

TOY_TYPE = "pulumi-python:dynamic/toy:Toy"


def urn(name: str) -> str:
    return f"urn:pulumi:stack::project::{TOY_TYPE}::{name}"


def single(kind: str = "alpha", size: float = 1, **kwargs: Any) -> Callable[[], None]:
    def program() -> None:
        Toy("a", kind=kind, size=size, **kwargs)

    return program


def pair(kind: str = "alpha", size: float = 1) -> Callable[[], None]:
    """`b` takes its kind from `a`'s id, so it depends on `a`."""

    def program() -> None:
        a = Toy("a", kind=kind, size=size)
        Toy("b", kind=a.id.apply(lambda i: f"after-{i}"), size=2)

    return program


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "toys.json"


@pytest.fixture
def engine(store: Path) -> Engine:
    return Engine(extra_env={"TOY_STORE": str(store)})


def test_up_creates_and_records_state(engine: Engine, store: Path) -> None:
    result = engine.up(single(size=2))

    assert result.ops(urn("a")) == ["create"]
    assert len(result.calls_to("Create")) == 1
    view = engine.state[urn("a")]
    stored = load_store(store)[view.id]
    assert stored["size"] == 2
    assert view.outputs["token"] == stored["token"]
    assert "token" in view.secret_outputs
    assert "__provider" in view.secret_inputs


def test_second_up_with_same_program_changes_nothing(engine: Engine, store: Path) -> None:
    engine.up(single())
    before = store.read_bytes()
    first_id = engine.state[urn("a")].id

    result = engine.up(single())

    assert result.calls_to("Create", "Update", "Delete") == []
    assert [c.method for c in result.calls] == ["Configure", "Check", "Diff"]
    assert result.ops(urn("a")) == ["same"]
    assert result.steps[0].changes == "none"
    assert not result.changed
    assert engine.state[urn("a")].id == first_id
    assert store.read_bytes() == before


def test_updatable_field_change_updates_in_place(engine: Engine, store: Path) -> None:
    engine.up(single(size=1))
    old = engine.state[urn("a")]

    result = engine.up(single(size=3))

    assert result.ops(urn("a")) == ["update"]
    new = engine.state[urn("a")]
    assert new.id == old.id
    assert new.outputs["size"] == 3
    assert new.outputs["token"] == old.outputs["token"]
    assert load_store(store)[new.id]["size"] == 3


def test_replace_only_field_change_creates_before_deleting(engine: Engine, store: Path) -> None:
    engine.up(single(kind="alpha"))
    old_id = engine.state[urn("a")].id

    result = engine.up(single(kind="beta"))

    assert result.ops(urn("a")) == ["create-replacement", "replace", "delete-replaced"]
    assert result.steps[0].replaces == ["kind"]
    methods = [c.method for c in result.calls]
    assert methods.index("Create") < methods.index("Delete")
    recheck = result.calls_to("Check")[-1]
    assert "olds" not in recheck.payload  # a replacement is checked again without the old inputs
    new_id = engine.state[urn("a")].id
    assert new_id != old_id
    assert set(load_store(store)) == {new_id}


def test_delete_before_replace_option_deletes_first(engine: Engine, store: Path) -> None:
    dbr = pulumi.ResourceOptions(delete_before_replace=True)
    engine.up(single(kind="alpha", opts=dbr))

    result = engine.up(single(kind="beta", opts=dbr))

    methods = [c.method for c in result.calls]
    assert methods.index("Delete") < methods.index("Create")
    assert result.ops(urn("a")) == ["delete-replaced", "replace", "create-replacement"]
    assert set(load_store(store)) == {engine.state[urn("a")].id}


def test_unregistered_resource_is_deleted(engine: Engine, store: Path) -> None:
    engine.up(pair())
    b_id = engine.state[urn("b")].id

    result = engine.up(single())

    assert result.ops(urn("b")) == ["delete"]
    assert result.ops(urn("a")) == ["same"]
    assert urn("b") not in engine.state
    assert b_id not in load_store(store)


def test_dependents_are_deleted_before_their_dependencies(engine: Engine) -> None:
    engine.up(pair())

    result = engine.destroy()

    assert [s.urn for s in result.steps] == [urn("b"), urn("a")]


def test_preview_plans_without_side_effects(engine: Engine, store: Path) -> None:
    result = engine.preview(pair())

    assert result.calls_to("Create", "Update", "Delete", "Read") == []
    assert result.ops(urn("a")) == ["create"] and result.ops(urn("b")) == ["create"]
    b_planned = next(s for s in result.steps if s.urn == urn("b"))
    assert b_planned.inputs["kind"] == UNKNOWN  # a's id is not known before it exists
    assert not store.exists()
    assert engine.state == {}

    engine.up(pair())
    before, state_before = store.read_bytes(), engine.state
    result = engine.preview(pair(size=7))

    assert result.ops(urn("a")) == ["update"]
    assert result.calls_to("Create", "Update", "Delete") == []
    assert len(result.calls_to("Diff")) == 2
    assert store.read_bytes() == before
    assert engine.state == state_before


def test_refresh_drops_objects_deleted_out_of_band(engine: Engine, store: Path) -> None:
    def program() -> None:
        Toy("a", kind="k", size=1)
        Toy("c", kind="k", size=1)

    engine.up(program)
    objects = load_store(store)
    del objects[engine.state[urn("a")].id]
    store.write_text(json.dumps(objects))

    result = engine.refresh()

    assert len(result.calls_to("Read")) == 2
    assert result.ops(urn("a")) == ["refresh"] and result.ops(urn("c")) == ["refresh"]
    assert {s.urn: s.result_op for s in result.steps} == {urn("a"): "delete", urn("c"): "same"}
    assert urn("a") not in engine.state
    assert urn("c") in engine.state


def test_refresh_adopts_drift_and_next_up_repairs_it(engine: Engine, store: Path) -> None:
    engine.up(single(size=1))
    the_id = engine.state[urn("a")].id
    objects = load_store(store)
    objects[the_id]["size"] = 9
    store.write_text(json.dumps(objects))

    refreshed = engine.refresh()
    assert refreshed.steps[0].result_op == "update"
    assert engine.state[urn("a")].outputs["size"] == 9
    assert engine.state[urn("a")].inputs["size"] == 9

    result = engine.up(single(size=1))
    assert result.ops(urn("a")) == ["update"]
    assert load_store(store)[the_id]["size"] == 1


def test_destroy_empties_state_and_store_then_is_a_no_op(engine: Engine, store: Path) -> None:
    engine.up(pair())

    result = engine.destroy()

    assert len(result.calls_to("Delete")) == 2
    assert engine.state == {}
    assert load_store(store) == {}
    again = engine.destroy()
    assert again.steps == []
    assert again.calls == []  # nothing to delete: no provider plugin is even started


def test_check_failure_surfaces_with_property_name(engine: Engine, store: Path) -> None:
    with pytest.raises(CheckFailedError) as caught:
        engine.up(single(size=-1))

    assert caught.value.failures == [CheckFailure("size", "must be a number >= 0")]
    assert "property size" in str(caught.value)
    assert result_of(caught.value).calls_to("Create") == []
    assert engine.state == {}
    assert not store.exists()


def test_secrets_are_encrypted_in_exported_state(store: Path) -> None:
    engine = Engine(config={"toy:note": "config-secret-value"}, secret_config_keys={"toy:note"},
                    extra_env={"TOY_STORE": str(store)})

    def program() -> None:
        toy = Toy("a", kind="k", size=1, label=pulumi.Output.secret("label-secret-value"))
        pulumi.export("token", toy.token)
        pulumi.export("note", pulumi.Config("toy").require_secret("note"))
        pulumi.export("kind", toy.kind)

    result = engine.up(program)

    view = engine.state[urn("a")]
    assert {"token", "label", "__provider"} <= view.secret_outputs
    assert result.secret_outputs == {"token", "note"}
    assert result.outputs["note"] == "config-secret-value"
    exported = engine.export_state()
    text = json.dumps(exported)
    for plaintext in (view.outputs["token"], "label-secret-value", "config-secret-value",
                      view.inputs["__provider"]):
        assert plaintext not in text
    entry = next(r for r in exported["deployment"]["resources"] if r["urn"] == urn("a"))
    assert engine.decrypt(entry["outputs"]["token"]) == view.outputs["token"]
    assert entry["outputs"]["kind"] == "k"
    assert entry["id"] == view.id


def test_get_reads_an_object_without_managing_it(engine: Engine, store: Path) -> None:
    engine.up(single(kind="shared"))
    the_id = engine.state[urn("a")].id
    reader = Engine(extra_env={"TOY_STORE": str(store)})

    result = reader.up(lambda: pulumi.export("kind", Toy.get("seen", the_id).kind))

    assert result.ops(urn("seen")) == ["read"]
    (read,) = result.calls_to("Read")
    assert read.id == the_id and "__provider" in read.payload["inputs"]
    assert result.outputs["kind"] == "shared"
    assert reader.state[urn("seen")].external

    destroyed = reader.destroy()
    assert destroyed.ops(urn("seen")) == ["discard"]
    assert destroyed.calls_to("Delete") == []
    assert the_id in load_store(store)


def test_import_fails_with_the_sdk_plugin_as_in_the_engine(engine: Engine, store: Path) -> None:
    """The engine's ImportStep sends Read only the id; the SDK plugin then fails on '__provider' (#16175)."""
    engine.up(single(kind="k", size=1))
    the_id = engine.state[urn("a")].id
    before = store.read_bytes()
    importer = Engine(extra_env={"TOY_STORE": str(store)})
    adopt = single(kind="k", size=1, opts=pulumi.ResourceOptions(import_=the_id))

    for operation in (importer.up, importer.preview):
        with pytest.raises(ProviderCallError) as caught:
            operation(adopt)
        assert caught.value.method == "Read"
        assert "'__provider'" in caught.value.message  # a KeyError; older SDKs show only the key
        (read,) = result_of(caught.value).calls_to("Read")
        assert read.id == the_id and read.payload == {}

    assert importer.state == {}
    assert store.read_bytes() == before


def test_protect_blocks_destroy_and_retain_skips_delete(engine: Engine, store: Path) -> None:
    protected = single(kind="k", size=1, opts=pulumi.ResourceOptions(protect=True))

    def both() -> None:
        protected()
        Toy("kept", kind="k", size=1, opts=pulumi.ResourceOptions(retain_on_delete=True))

    engine.up(both)
    kept_id = engine.state[urn("kept")].id

    result = engine.up(protected)
    assert result.ops(urn("kept")) == ["delete"]
    assert result.calls_to("Delete") == []
    assert kept_id in load_store(store)
    assert urn("kept") not in engine.state

    with pytest.raises(ProtectedResourceError):
        engine.destroy()
    assert urn("a") in engine.state
    assert engine.state[urn("a")].id in load_store(store)


def test_engine_diffs_inputs_itself_when_provider_diff_is_unknown(engine: Engine) -> None:
    engine.up(single(size=1, engine_diff=True))

    same = engine.up(single(size=1, engine_diff=True))
    changed = engine.up(single(size=4, engine_diff=True))

    assert same.ops(urn("a")) == ["same"] and same.steps[0].changes == "none"
    assert changed.ops(urn("a")) == ["update"]
    assert changed.steps[0].diffs == ["size"]


def test_config_reaches_provider_and_program(store: Path) -> None:
    engine = Engine(config={"toy:idPrefix": "cfg-", "toy:size": 4}, extra_env={"TOY_STORE": str(store)})

    def program() -> None:
        Toy("a", kind="k", size=pulumi.Config("toy").require_int("size"))

    result = engine.up(program)

    view = engine.state[urn("a")]
    assert view.id.startswith("cfg-")
    assert view.outputs["size"] == 4
    assert f"toy: created {view.id}" in result.plugin_logs


def test_program_directory_runs_like_pulumi_main(engine: Engine, tmp_path: Path) -> None:
    project = tmp_path / "prog"
    project.mkdir()
    (project / "sizes.txt").write_text("5")
    (project / "__main__.py").write_text(
        "from pathlib import Path\nimport pulumi\n"
        f"from {Toy.__module__} import Toy\n"
        "toy = Toy('a', kind='k', size=int(Path('sizes.txt').read_text()))\n"
        "pulumi.export('size', toy.size)\n"
    )
    cwd = os.getcwd()

    result = engine.up(str(project))

    assert result.outputs["size"] == 5
    assert os.getcwd() == cwd


def test_removed_environment_reaches_the_plugin(store: Path) -> None:
    engine = Engine(extra_env={"TOY_STORE": str(store)}, remove_env=["TOY_STORE"])

    with pytest.raises(ProviderCallError) as caught:
        engine.up(single())

    assert caught.value.method == "Create"
    assert "toy store path missing" in caught.value.message
    assert engine.state == {}
