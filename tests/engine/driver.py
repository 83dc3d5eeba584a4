"""A test-side stand-in for the Pulumi engine, driving the real Python dynamic-provider plugin.

Step logic follows pkg/resource/deploy/step_generator.go and step.go of pulumi/pulumi:
Check(olds, news) -> Create, or Diff(id, old outputs, checked news) -> Same / Update / Replace;
replacements re-run Check without olds; create-before-delete unless the diff or the resource option
says delete-before-replace; deletes of unregistered and replaced resources after the program, in
reverse dependency order. Every operation starts its own plugin process, as each CLI run does.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .plugin import CheckFailure, DiffResult, ProviderCallError, ProviderPlugin
from .program import DEFAULT_PARALLEL, Goal, Program, run_program
from .state import (
    CheckFailedError,
    OperationResult,
    ProtectedResourceError,
    ResourceState,
    ResourceView,
    StepError,
    StepRecord,
)
from .wire import UNKNOWN, PropertyMap, SecretBox, is_secret, make_secret, plain

__all__ = [
    "UNKNOWN",
    "CheckFailedError",
    "CheckFailure",
    "Engine",
    "OperationResult",
    "ProtectedResourceError",
    "ProviderCallError",
    "ProviderPlugin",
    "ResourceView",
    "StepError",
    "StepRecord",
    "result_of",
]


def result_of(error: BaseException) -> OperationResult:
    """The steps and calls an operation made before it failed with `error`."""
    result = getattr(error, "result", None)
    if not isinstance(result, OperationResult):
        raise TypeError(f"{type(error).__name__} did not come from an engine operation")
    return result


def _ignore_changes(news: PropertyMap, olds: PropertyMap, paths: list[str]) -> PropertyMap:
    """Top-level form of the engine's processIgnoreChanges: ignored keys keep their old values."""
    result = dict(news)
    for key in paths:
        if key in olds:
            result[key] = olds[key]
        else:
            result.pop(key, None)
    return result


def _input_diff(olds: PropertyMap, news: PropertyMap) -> list[str]:
    return sorted(k for k in set(olds) | set(news) if olds.get(k) != news.get(k))


def _secret_outputs(outputs: PropertyMap, names: list[str]) -> PropertyMap:
    """The step executor marks additionalSecretOutputs secret on every new state."""
    result = dict(outputs)
    for key in names:
        if key in result and not is_secret(result[key]):
            result[key] = make_secret(result[key])
    return result


class _Deployment:
    """One operation (`up`, `preview`, `refresh`, `destroy`) against a working copy of the state.

    Steps of independent resources run on several threads at once (see EngineMocks), so the plugin's
    start and every change to the working state go through one lock; plugin calls happen outside it.
    """

    def __init__(self, engine: Engine, kind: str, preview: bool) -> None:
        self.engine = engine
        self.preview = preview
        self.resources: dict[str, ResourceState] = copy.deepcopy(engine._resources)
        self.result = OperationResult(kind)
        self.seen: set[str] = set()
        self.engine_pending: list[ResourceState] = copy.deepcopy(engine._pending)
        self._plugin: ProviderPlugin | None = None
        self._lock = threading.RLock()

    @property
    def plugin(self) -> ProviderPlugin:
        """Started on first use: like the engine, an operation that touches no resource loads no plugin."""
        with self._lock:
            if self._plugin is None:
                engine = self.engine
                self._plugin = ProviderPlugin(
                    engine.config, env=engine.env, extra_env=engine.extra_env, remove_env=engine.remove_env,
                    project=engine.project,
                )
            return self._plugin

    def close(self) -> None:
        if self._plugin is None:
            return
        # Logs are taken after close(), which waits for the stderr reader: lines still in the pipe count.
        self._plugin.close()
        self.result.calls = list(self._plugin.calls)
        self.result.plugin_logs = self._plugin.logs
        self.engine.plugin_logs.append(self.result.plugin_logs)

    def step(self, op: str, urn: str, **fields: Any) -> None:
        with self._lock:
            self.result.steps.append(StepRecord(op=op, urn=urn, **fields))

    def _put(self, state: ResourceState) -> None:
        with self._lock:
            self.resources[state.urn] = state

    def _pend_delete(self, old: ResourceState) -> None:
        pending = old.copy()
        pending.delete = True
        with self._lock:
            self.engine_pending.append(pending)

    # -- registrations --------------------------------------------------------------------------

    def _new_state(self, goal: Goal, id_: str, inputs: PropertyMap, outputs: PropertyMap) -> ResourceState:
        return ResourceState(
            urn=goal.urn, type=goal.type, custom=goal.custom, id=id_, inputs=inputs,
            outputs=_secret_outputs(outputs, goal.additional_secret_outputs), parent=goal.parent,
            dependencies=list(goal.dependencies), property_dependencies=dict(goal.property_dependencies),
            protect=goal.protect, retain_on_delete=goal.retain_on_delete,
            additional_secret_outputs=list(goal.additional_secret_outputs), import_id=goal.import_id,
            ignore_changes=list(goal.ignore_changes), replace_on_changes=list(goal.replace_on_changes),
            delete_before_replace=goal.delete_before_replace, external=bool(goal.read_id),
        )

    def _check(self, goal: Goal, olds: PropertyMap | None, news: PropertyMap) -> PropertyMap:
        inputs, failures = self.plugin.check(goal.urn, olds, news, allow_unknowns=self.preview)
        if failures:
            raise CheckFailedError(goal.urn, goal.type, failures, news)
        return inputs

    def _diff(self, urn: str, old: ResourceState, inputs: PropertyMap, ignore: list[str]) -> DiffResult:
        """diffResource: ask the provider; on DIFF_UNKNOWN compare old and new inputs (`__provider` too)."""
        diff = self.plugin.diff(urn, old.id, old.inputs, old.outputs, inputs,
                                allow_unknowns=self.preview, ignore_changes=ignore)
        if diff.changes == "unknown":
            changed = _input_diff(old.inputs, _ignore_changes(inputs, old.inputs, ignore))
            diff.changes = "some" if changed else "none"
            diff.changed_keys = changed
        return diff

    def register(self, goal: Goal) -> tuple[str, PropertyMap]:
        with self._lock:
            self.seen.add(goal.urn)
            old = self.resources.get(goal.urn)
        if old is not None and old.delete:
            old = None
        if not goal.custom:
            return self._register_component(goal, old)
        if goal.import_id and (old is None or old.external or (old.import_id or old.id) != goal.import_id):
            old = self._import(goal)
            return old.id, old.outputs
        inputs = goal.inputs
        if old is not None and not old.external:
            inputs = _ignore_changes(inputs, old.inputs, goal.ignore_changes)
            checked = self._check(goal, old.inputs, inputs)
        else:
            checked = self._check(goal, None, goal.inputs)
        if old is None or old.external:
            return self._create(goal, checked, replacing=old)
        diff = self._diff(goal.urn, old, checked, goal.ignore_changes)
        replaces = list(diff.replaces)
        if diff.changes == "some":
            # applyReplaceOnChanges: only keys the diff reported as changed can trigger it.
            triggers = goal.replace_on_changes
            replaces += [k for k in diff.changed_keys
                         if ("*" in triggers or k in triggers) and k not in replaces]
        if diff.changes != "some":
            new = self._new_state(goal, old.id, checked, old.outputs)
            self._put(new)
            self.step("same", goal.urn, old_id=old.id, new_id=old.id, changes=diff.changes, inputs=checked)
            return new.id, new.outputs
        if not replaces:
            return self._update(goal, old, checked, diff)
        return self._replace(goal, old, diff, replaces)

    def _register_component(self, goal: Goal, old: ResourceState | None) -> tuple[str, PropertyMap]:
        new = self._new_state(goal, "", goal.inputs, {})
        self._put(new)
        self.step("same" if old is not None else "create", goal.urn, inputs=goal.inputs)
        return "", {}

    def _create(
        self, goal: Goal, checked: PropertyMap, replacing: ResourceState | None,
    ) -> tuple[str, PropertyMap]:
        if self.preview and not self.plugin.supports_preview:
            # provider_plugin.go: no provider preview -> the inputs stand in for the outputs, id unknown.
            id_, outputs = "", dict(checked)
        else:
            id_, outputs = self.plugin.create(goal.urn, checked)
        new = self._new_state(goal, id_, checked, outputs)
        self._put(new)
        op = "create" if replacing is None else "create-replacement"
        self.step(op, goal.urn, old_id=replacing.id if replacing else "", new_id=id_, inputs=checked)
        return new.id, new.outputs

    def _update(
        self, goal: Goal, old: ResourceState, checked: PropertyMap, diff: DiffResult,
    ) -> tuple[str, PropertyMap]:
        if self.preview and not self.plugin.supports_preview:
            outputs = dict(checked)
        else:
            outputs = self.plugin.update(goal.urn, old.id, old.inputs, old.outputs, checked,
                                         ignore_changes=goal.ignore_changes)
        new = self._new_state(goal, old.id, checked, outputs)
        self._put(new)
        self.step("update", goal.urn, old_id=old.id, new_id=old.id, changes="some",
                  diffs=diff.changed_keys, inputs=checked)
        return new.id, new.outputs

    def _replace(
        self, goal: Goal, old: ResourceState, diff: DiffResult, replaces: list[str],
    ) -> tuple[str, PropertyMap]:
        if goal.protect and old.protect:
            raise ProtectedResourceError(goal.urn, replacing=True)
        if goal.import_id:
            message = ("previously-imported resources that still specify an ID may not be replaced; "
                       "please remove the `import` declaration from your program")
            if not self.preview:
                raise StepError(goal.urn, message)
        # The old defaults no longer apply to a brand-new resource: Check again without olds.
        checked = self._check(goal, None, goal.inputs)
        delete_first = diff.delete_before_replace
        if goal.delete_before_replace is not None:
            delete_first = goal.delete_before_replace
        fields = {"changes": "some", "diffs": diff.changed_keys, "replaces": replaces, "inputs": checked}
        if delete_first:
            self._delete(old, op="delete-replaced", replacing=True)
            self.step("replace", goal.urn, old_id=old.id, **fields)
            id_, outputs = self._create_raw(goal, checked)
            self.step("create-replacement", goal.urn, old_id=old.id, new_id=id_, **fields)
        else:
            id_, outputs = self._create_raw(goal, checked)
            self.step("create-replacement", goal.urn, old_id=old.id, new_id=id_, **fields)
            self.step("replace", goal.urn, old_id=old.id, new_id=id_, **fields)
            self._pend_delete(old)
        new = self._new_state(goal, id_, checked, outputs)
        self._put(new)
        return new.id, new.outputs

    def _create_raw(self, goal: Goal, checked: PropertyMap) -> tuple[str, PropertyMap]:
        if self.preview and not self.plugin.supports_preview:
            return "", dict(checked)
        return self.plugin.create(goal.urn, checked)

    def _import(self, goal: Goal) -> ResourceState:
        """ImportStep: Read with nothing but the id, then Check and Diff against the program's inputs."""
        read = self.plugin.read(goal.urn, goal.import_id, None, None)
        if read.outputs is None:
            raise StepError(goal.urn, f"resource '{goal.import_id}' does not exist")
        if read.inputs is None:
            raise StepError(goal.urn, "provider does not support importing resources; please try updating "
                                      "the 'pulumi-python' plugin")
        id_ = read.id or goal.import_id
        inputs = _ignore_changes(goal.inputs, read.inputs, goal.ignore_changes)
        checked = self._check(goal, read.inputs, inputs)
        imported = ResourceState(urn=goal.urn, type=goal.type, custom=True, id=id_, inputs=read.inputs,
                                 outputs=read.outputs)
        diff = self._diff(goal.urn, imported, checked, goal.ignore_changes)
        if diff.changes != "none" and not self.preview:
            raise StepError(goal.urn,
                            f"inputs to import do not match the existing resource: {diff.changed_keys}")
        new = self._new_state(goal, id_, read.inputs, read.outputs)
        self._put(new)
        self.step("import", goal.urn, new_id=id_, changes=diff.changes, diffs=diff.changed_keys,
                  inputs=checked)
        # continueStepsFromImport: the usual Check + Diff follow; no changes resolve to the imported state.
        self._check(goal, new.inputs, inputs)
        self._diff(goal.urn, new, checked, goal.ignore_changes)
        return new

    def read(self, goal: Goal) -> tuple[str, PropertyMap]:
        """ReadStep (`opts.id` / `Resource.get`): Read with the program's properties as inputs and state."""
        with self._lock:
            self.seen.add(goal.urn)
            old = self.resources.get(goal.urn)
        op = "read-replacement" if old is not None and not old.external and not old.delete else "read"
        if goal.read_id == UNKNOWN:
            id_, outputs = goal.read_id, {}
        else:
            result = self.plugin.read(goal.urn, goal.read_id, goal.inputs, goal.inputs)
            if result.outputs is None:
                raise StepError(goal.urn, f"resource '{goal.read_id}' does not exist")
            id_, outputs = result.id or goal.read_id, result.outputs
        if op == "read-replacement" and old is not None:
            self._pend_delete(old)
        new = self._new_state(goal, id_, goal.inputs, outputs)
        self._put(new)
        self.step(op, goal.urn, old_id=old.id if old else "", new_id=id_, inputs=goal.inputs)
        return new.id, new.outputs

    # -- deletes --------------------------------------------------------------------------------

    def _delete(self, res: ResourceState, *, op: str, replacing: bool) -> None:
        """DeleteStep: protect refuses (unless replacing); external/retained resources just leave state."""
        if not replacing and res.protect:
            raise ProtectedResourceError(res.urn)
        if res.external:
            op = "discard-replaced" if replacing else "discard"
        elif not self.preview and not res.retain_on_delete and res.custom:
            self.plugin.delete(res.urn, res.id, res.inputs, res.outputs)
        self.step(op, res.urn, old_id=res.id)

    def delete_in_order(self, doomed: list[ResourceState]) -> None:
        """deploymentExecutor: deletes go in the waves of `_delete_waves`, each wave run to its end.

        A protected resource fails its own step only: the engine carries on past it, skipping what it
        depends on (which cannot go while it stays). Any other failure stops the deletes once its wave
        is over. The first failure is raised at the end.
        """
        errors: list[BaseException] = []
        blocked: set[int] = set()
        for wave in _delete_waves(doomed):
            stop = False
            for res in wave:
                if id(res) in blocked:
                    continue
                try:
                    self._delete_one(res)
                except ProtectedResourceError as err:
                    errors.append(err)
                    blocked |= {id(r) for r in _dependencies_of(res, doomed, transitive=True)}
                except Exception as err:  # reported once the wave is over, as the engine does
                    errors.append(err)
                    stop = True
            if stop:
                break
        if errors:
            raise errors[0]

    def _delete_one(self, res: ResourceState) -> None:
        replaced = res.delete
        self._delete(res, op="delete-replaced" if replaced else "delete", replacing=replaced)
        with self._lock:
            if replaced:
                self.engine_pending.remove(res)
            elif self.resources.get(res.urn) is res:
                del self.resources[res.urn]


def _dependencies_of(
    res: ResourceState, among: list[ResourceState], *, transitive: bool = False,
) -> list[ResourceState]:
    """DependencyGraph.DependenciesOf (parent, dependencies, property dependencies) within `among`."""
    by_urn: dict[str, list[ResourceState]] = {}
    for other in among:
        by_urn.setdefault(other.urn, []).append(other)
    found: list[ResourceState] = []
    queue = [res]
    while queue:
        current = queue.pop()
        prop_deps = [u for urns in current.property_dependencies.values() for u in urns]
        for dep in [current.parent, *current.dependencies, *prop_deps]:
            for target in by_urn.get(dep, []):
                if target is not res and not any(target is f for f in found):
                    found.append(target)
                    if transitive:
                        queue.append(target)
    return found


def _delete_waves(resources: list[ResourceState]) -> list[list[ResourceState]]:
    """stepGenerator.ScheduleDeletes: peel off, round by round, the condemned resources none of whose
    dependencies is still condemned, then reverse the rounds. A wave holds independent resources, and
    dependents always go in an earlier wave than what they depend on."""
    condemned = list(resources)
    rounds: list[list[ResourceState]] = []
    while condemned:
        free = [res for res in condemned if not _dependencies_of(res, condemned)]
        if not free:  # a cycle cannot come from a program; never loop forever on a broken state
            free = list(condemned)
        rounds.append(free)
        condemned = [res for res in condemned if not any(res is f for f in free)]
    rounds.reverse()
    return rounds


class Engine:
    """Plays the Pulumi engine for `up`, `preview`, `refresh` and `destroy` over an in-memory stack state."""

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        secret_config_keys: Iterable[str] = (),
        project: str = "project",
        stack: str = "stack",
        env: Mapping[str, str] | None = None,
        extra_env: Mapping[str, str] | None = None,
        remove_env: Iterable[str] = (),
        parallel: int = DEFAULT_PARALLEL,
    ) -> None:
        if parallel < 1:
            raise ValueError("parallel must be at least 1")
        secret_keys = set(secret_config_keys)
        self.config: dict[str, Any] = {
            k: make_secret(str(v)) if k in secret_keys else str(v) for k, v in (config or {}).items()
        }
        self.secret_config_keys = sorted(secret_keys)
        self.project = project
        self.stack = stack
        self.env = env
        self.extra_env = dict(extra_env or {})
        self.remove_env = list(remove_env)
        self.parallel = parallel  # `pulumi up --parallel`: resource steps in flight at once
        self.plugin_logs: list[str] = []
        self._resources: dict[str, ResourceState] = {}
        self._pending: list[ResourceState] = []  # replaced resources whose delete has not succeeded yet
        self._exports: PropertyMap = {}
        self._box = SecretBox()
        self._provider_id = str(uuid.uuid4())

    # -- views ----------------------------------------------------------------------------------

    @property
    def state(self) -> dict[str, ResourceView]:
        return {urn: res.view() for urn, res in self._resources.items()}

    @property
    def exports(self) -> dict[str, Any]:
        return {k: plain(v) for k, v in self._exports.items()}

    def decrypt(self, envelope: Mapping[str, str]) -> Any:
        """Open a secret from `export_state()`; only this engine's key can."""
        return self._box.decrypt(envelope)

    # -- operations -----------------------------------------------------------------------------

    def _deployment(self, kind: str, preview: bool) -> _Deployment:
        return _Deployment(self, kind, preview)

    def _finish(self, deployment: _Deployment, commit: bool) -> None:
        if commit:
            self._resources = deployment.resources
            self._pending = deployment.engine_pending

    def _run(self, kind: str, program: Program, preview: bool) -> OperationResult:
        deployment = self._deployment(kind, preview)
        committed = not preview
        try:
            exports = run_program(
                program, deployment, project=self.project, stack=self.stack, preview=preview,
                config=self.config, secret_keys=self.secret_config_keys,
                logs=deployment.result.program_logs, parallel=self.parallel,
            )
            deployment.result.exports = exports
            # Deletes happen only after a successful program run: unregistered resources, then replaced ones.
            doomed = [r for urn, r in deployment.resources.items() if urn not in deployment.seen]
            deployment.delete_in_order(doomed + list(deployment.engine_pending))
            if not preview:
                self._exports = exports
        except BaseException as err:
            err.result = deployment.result  # type: ignore[attr-defined]
            raise
        finally:
            deployment.close()
            self._finish(deployment, committed)
        return deployment.result

    def up(self, program: Program) -> OperationResult:
        return self._run("update", program, preview=False)

    def preview(self, program: Program) -> OperationResult:
        """Plan only: Check and Diff (and the Reads of imports and `get`s, as the engine does in preview)."""
        return self._run("preview", program, preview=True)

    def refresh(self) -> OperationResult:
        """Read every custom resource, up to `parallel` at once as the engine does; the first failure is
        raised once the reads in flight finished, and the state keeps what was read."""
        deployment = self._deployment("refresh", preview=False)
        try:
            targets = [(urn, old) for urn, old in deployment.resources.items() if old.custom]
            workers = max(1, min(self.parallel, len(targets), 64))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="refresh") as pool:
                futures = [pool.submit(self._refresh_one, deployment, urn, old) for urn, old in targets]
            for future in futures:
                future.result()
        except BaseException as err:
            err.result = deployment.result  # type: ignore[attr-defined]
            raise
        finally:
            deployment.close()
            self._finish(deployment, commit=True)
        return deployment.result

    @staticmethod
    def _refresh_one(deployment: _Deployment, urn: str, old: ResourceState) -> None:
        read = deployment.plugin.read(urn, old.id, old.inputs, old.outputs)
        if read.outputs is None:
            with deployment._lock:
                del deployment.resources[urn]
            deployment.step("refresh", urn, old_id=old.id, result_op="delete")
            return
        new = old.copy()
        new.id = read.id or old.id
        # The real engine's refreshed state keeps only the property dependencies that name a resource.
        new.property_dependencies = {k: v for k, v in old.property_dependencies.items() if v}
        new.outputs = _secret_outputs(read.outputs, old.additional_secret_outputs)
        if read.inputs is not None:
            new.inputs = read.inputs
        if old.external:
            # External resources are judged on their outputs alone.
            changes = "some" if new.outputs != old.outputs else "none"
        else:
            # The refresh diff: what an `up` of the unchanged program would see, framed in reverse.
            changes = deployment._diff(urn, new, old.inputs, old.ignore_changes).changes
        deployment._put(new)
        deployment.step("refresh", urn, old_id=old.id, new_id=new.id, changes=changes,
                        result_op="same" if changes == "none" else "update")

    def destroy(self) -> OperationResult:
        deployment = self._deployment("destroy", preview=False)
        try:
            deployment.delete_in_order(list(deployment.resources.values()) + list(deployment.engine_pending))
            self._exports = {}
        except BaseException as err:
            err.result = deployment.result  # type: ignore[attr-defined]
            raise
        finally:
            deployment.close()
            self._finish(deployment, commit=True)
        return deployment.result

    # -- export ---------------------------------------------------------------------------------

    def export_state(self) -> dict[str, Any]:
        """The stack as `pulumi stack export` prints it: secrets only as ciphertext."""
        prefix = f"urn:pulumi:{self.stack}::{self.project}::"
        stack_urn = f"{prefix}pulumi:pulumi:Stack::{self.project}-{self.stack}"
        provider_urn = f"{prefix}pulumi:providers:pulumi-python::default"
        resources: list[dict[str, Any]] = []
        if self._resources or self._pending:
            resources.append({"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack",
                              "outputs": self._box.seal(self._exports)})
            resources.append({"urn": provider_urn, "custom": True, "id": self._provider_id,
                              "type": "pulumi:providers:pulumi-python", "inputs": {}, "outputs": {}})
        for res in [*self._resources.values(), *self._pending]:
            entry: dict[str, Any] = {
                "urn": res.urn, "custom": res.custom, "type": res.type,
                "inputs": self._box.seal(res.inputs), "outputs": self._box.seal(res.outputs),
                "parent": res.parent or stack_urn,
            }
            if res.custom:
                entry["id"] = res.id
                entry["provider"] = f"{provider_urn}::{self._provider_id}"
            for key, value in (("protect", res.protect), ("external", res.external), ("delete", res.delete),
                               ("retainOnDelete", res.retain_on_delete)):
                if value:
                    entry[key] = True
            if res.dependencies:
                entry["dependencies"] = list(res.dependencies)
            if res.property_dependencies:
                entry["propertyDependencies"] = dict(res.property_dependencies)
            if res.additional_secret_outputs:
                entry["additionalSecretOutputs"] = list(res.additional_secret_outputs)
            if res.import_id:
                entry["importID"] = res.import_id
            resources.append(entry)
        return {
            "version": 3,
            "deployment": {
                "manifest": {"magic": "", "version": "test-engine"},
                "secrets_providers": {"type": "test-engine", "state": {}},
                "resources": resources,
            },
        }
