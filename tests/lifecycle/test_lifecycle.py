"""Project, Client and Reference through plain `pulumi preview`, `up`, `refresh` and `destroy` in a
project directory, run by the real CLI and language host, with every request counted at the proxy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulumi_openpanel.api import models
from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.emulator.credentials import verify_secret
from pulumi_openpanel.errors import NotFoundError
from tests.support.fixtures import ProjectFactory, provider_env, session_api, unpaced
from tests.support.proxy import RecordingProxy, requests
from tests.support.pulumi_cli import NO_CREDENTIALS, SECRET_SIG, SECRET_SIG_VALUE, PulumiProject
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.cli


def quickstart(uid: str, *, project_name: str | None = None, client_type: str = "read",
               description: str | None = "New pricing page", revenue: bool = False,
               client_name: str = "Dashboards", extra: str = "") -> str:
    """The program of README's taste, with knobs for the scenarios."""
    return f"""
        import pulumi
        import pulumi_openpanel as op

        web = op.Project("web", name={project_name or f"Web {uid}"!r}, domain="https://example.com/",
                         cors=["https://example.com"], cross_domain=False, types=["website"],
                         allow_unsafe_revenue_tracking={revenue!r})
        reader = op.Client("reader", name={client_name!r}, project_id=web.id, type={client_type!r})
        launch = op.Reference("launch", op.ReferenceArgs(project_id=web.id, title="v2 launch",
                              description={description!r}, datetime="2026-12-01T10:00:00Z"))
        pulumi.export("project_id", web.id)
        pulumi.export("write_client_id", web.client_id)
        pulumi.export("write_client_secret", web.client_secret)
        pulumi.export("reader_id", reader.id)
        pulumi.export("reader_secret", reader.secret)
        {extra}
    """


def methods(proxy: RecordingProxy) -> list[str]:
    return [r.method for r in proxy.requests]


def is_envelope(value: Any) -> bool:
    return (isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_SIG_VALUE
            and isinstance(value.get("ciphertext"), str) and "plaintext" not in value)


def outputs_of(stack: PulumiProject, name: str) -> dict[str, Any]:
    outputs: dict[str, Any] = stack.resources(show_secrets=True)[name]["outputs"]
    return outputs


def test_preview_up_silent_up_refresh_and_destroy_cost_what_they_should(
        make_project: ProjectFactory, proxy: RecordingProxy, api: ManageApi, uid: str) -> None:
    stack = make_project(quickstart(uid))

    plan = stack.preview()
    assert plan.ops_by_name() == {"web": ["create"], "reader": ["create"], "launch": ["create"]}
    assert requests(proxy) == []

    first = stack.up()
    assert first.ops_by_name() == {"web": ["create"], "reader": ["create"], "launch": ["create"]}
    assert sorted(requests(proxy)) == [("POST", "clients"), ("POST", "projects"), ("POST", "references")]
    ids = stack.state_ids()
    assert ids["web"] == f"web-{uid}"
    web = outputs_of(stack, "web")
    assert web["domain"] == "https://example.com" and web["client_secret"].startswith("sec_")
    assert outputs_of(stack, "launch")["datetime"] == "2026-12-01T10:00:00.000Z"
    live = api.get_client(ids["reader"])
    assert (live.type, live.project_id) == ("read", ids["web"])

    proxy.reset()
    again = stack.up("--expect-no-changes")
    assert again.ops_by_name() == {"web": ["same"], "reader": ["same"], "launch": ["same"]}
    assert requests(proxy) == []

    refreshed = stack.refresh("--expect-no-changes")
    assert {s.op for s in refreshed.openpanel_steps()} == {"refresh"}
    assert sorted(requests(proxy)) == sorted([("GET", f"projects/{ids['web']}"), ("GET", f"clients/{ids['reader']}"),
                                              ("GET", f"references/{ids['launch']}")])
    assert outputs_of(stack, "web")["client_secret"] == web["client_secret"]  # kept across a refresh

    proxy.reset()
    stack.up("--expect-no-changes")
    assert requests(proxy) == []

    proxy.reset()
    gone = stack.destroy()
    assert gone.ops_by_name() == {"web": ["delete"], "reader": ["delete"], "launch": ["delete"]}
    # The project's write client goes with it: its secret, exported by the stack, stops working at once.
    assert sorted(requests(proxy)) == sorted([("DELETE", f"projects/{ids['web']}"),
                                              ("DELETE", f"clients/{web['client_id']}"),
                                              ("DELETE", f"clients/{ids['reader']}"),
                                              ("DELETE", f"references/{ids['launch']}")])
    assert stack.resources() == {}
    assert api.get_project(ids["web"]).deleted
    with pytest.raises(NotFoundError):
        api.get_client(web["client_id"])
    proxy.reset()
    assert stack.destroy().openpanel_steps() == [] and requests(proxy) == []


def test_preview_needs_no_credentials_and_sends_nothing(make_project: ProjectFactory, proxy: RecordingProxy,
                                                        uid: str) -> None:
    stack = make_project(quickstart(uid), env=NO_CREDENTIALS)
    plan = stack.preview()
    assert plan.ops_by_name() == {"web": ["create"], "reader": ["create"], "launch": ["create"]}
    assert requests(proxy) == []


def test_a_rename_is_one_patch_and_a_client_type_change_replaces(make_project: ProjectFactory, proxy: RecordingProxy,
                                                                 api: ManageApi, uid: str) -> None:
    stack = make_project(quickstart(uid))
    stack.up()
    before = outputs_of(stack, "web")
    before_ids = stack.state_ids()
    old_reader = before_ids["reader"]

    stack.write_program(quickstart(uid, project_name=f"Web {uid} renamed", client_type="write"))
    proxy.reset()
    plan = stack.preview()
    assert plan.ops("web") == ["update"] and "replace" in plan.ops("reader") and plan.ops("launch") == ["same"]
    assert requests(proxy) == []

    stack.write_program(quickstart(uid, project_name=f"Web {uid} renamed"))
    renamed = stack.up()
    assert renamed.ops_by_name() == {"web": ["update"], "reader": ["same"], "launch": ["same"]}
    assert methods(proxy) == ["PATCH"]
    after = outputs_of(stack, "web")
    assert stack.state_ids()["web"] == before_ids["web"]
    assert after["client_secret"] == before["client_secret"]  # carried forward: only the create knew it
    assert api.get_project(f"web-{uid}").name == f"Web {uid} renamed"

    stack.write_program(quickstart(uid, project_name=f"Web {uid} renamed", client_type="write"))
    replaced = stack.up()
    assert "replace" in replaced.ops("reader")
    new_reader = outputs_of(stack, "reader")
    assert stack.state_ids()["reader"] != old_reader and new_reader["type"] == "write"
    assert new_reader["secret"].startswith("sec_")
    with pytest.raises(NotFoundError):
        api.get_client(old_reader)


def test_moving_a_reference_to_another_project_replaces_it(make_project: ProjectFactory, api: ManageApi,
                                                           uid: str) -> None:
    def program(target: str) -> str:
        return f"""
            import pulumi_openpanel as op
            web = op.Project("web", name="Web {uid}")
            app = op.Project("app", name="App {uid}", types=["app"])
            op.Reference("launch", project_id={target}.id, title="Launch", datetime="2026-12-01")
        """

    stack = make_project(program("web"))
    stack.up()
    old_id = stack.state_ids()["launch"]
    stack.write_program(program("app"))
    moved = stack.up()
    assert "replace" in moved.ops("launch")
    assert outputs_of(stack, "launch")["project_id"] == f"app-{uid}"
    with pytest.raises(NotFoundError):
        api.get_reference(old_id)


def test_clearing_a_description_patches_empty_text_and_settles(make_project: ProjectFactory, proxy: RecordingProxy,
                                                               uid: str) -> None:
    stack = make_project(quickstart(uid))
    stack.up()
    proxy.reset()
    stack.write_program(quickstart(uid, description=None))
    cleared = stack.up()
    assert cleared.ops("launch") == ["update"] and methods(proxy) == ["PATCH"]
    assert outputs_of(stack, "launch").get("description") is None
    stack.write_program(quickstart(uid, description=""))
    assert not stack.up().changed


def test_revenue_tracking_is_set_by_a_follow_up_patch(make_project: ProjectFactory, proxy: RecordingProxy,
                                                      api: ManageApi, uid: str) -> None:
    stack = make_project(quickstart(uid, revenue=True))
    stack.up()
    assert [r.method for r in proxy.requests if "/projects" in r.path] == ["POST", "PATCH"]
    assert api.get_project(f"web-{uid}").allow_unsafe_revenue_tracking is True
    proxy.reset()
    assert not stack.up().changed and requests(proxy) == []


def test_refresh_drops_what_was_deleted_outside_pulumi(make_project: ProjectFactory, proxy: RecordingProxy,
                                                       api: ManageApi, uid: str) -> None:
    stack = make_project(quickstart(uid))
    stack.up()
    ids = stack.state_ids()
    api.delete_reference(ids["launch"])
    api.delete_client(ids["reader"])
    api.delete_project(ids["web"])  # a soft delete: GET still answers, with deleteAt
    assert api.get_project(ids["web"]).deleted
    proxy.reset()

    refreshed = stack.refresh()

    assert refreshed.summary().get("delete") == 3
    assert stack.resources() == {}
    assert methods(proxy) == ["GET", "GET", "GET"]
    proxy.reset()
    again = stack.up()  # the program still declares them: created anew
    assert again.ops_by_name() == {"web": ["create"], "reader": ["create"], "launch": ["create"]}


def test_refresh_after_an_outside_rename_brings_the_program_back(make_project: ProjectFactory, api: ManageApi,
                                                                 uid: str) -> None:
    stack = make_project(quickstart(uid))
    stack.up()
    api.update_project(f"web-{uid}", models.ProjectUpdate(name="Renamed outside"))
    stack.refresh()
    assert outputs_of(stack, "web")["name"] == "Renamed outside"
    back = stack.up()
    assert back.ops("web") == ["update"]
    assert api.get_project(f"web-{uid}").name == f"Web {uid}"


def test_delete_of_something_already_gone_counts_as_done(make_project: ProjectFactory, api: ManageApi,
                                                         uid: str) -> None:
    stack = make_project(quickstart(uid))
    stack.up()
    api.delete_client(stack.state_ids()["reader"])
    stack.destroy()
    assert stack.resources() == {}


@pytest.mark.parametrize(("resource", "prop"), [
    ('op.Project("web", name="🚀!!")', "name"),
    ('op.Project("web", name="Web", domain="example.com")', "domain"),
    ('op.Client("c", name="c", type="admin")', "type"),
    ('op.Reference("r", project_id="web", title="t", datetime="next tuesday")', "datetime"),
])
def test_check_failures_name_the_property_and_send_nothing(make_project: ProjectFactory, proxy: RecordingProxy,
                                                           resource: str, prop: str) -> None:
    stack = make_project(f"""
        import pulumi_openpanel as op
        {resource}
    """, env=NO_CREDENTIALS)
    for run in (stack.preview(check=False), stack.up(check=False)):
        assert run.returncode != 0
        assert f"property {prop} value" in "\n".join(run.diagnostics()), run.output
    assert requests(proxy) == []
    assert stack.resources() == {}


def test_a_new_root_clients_secret_works_as_credentials(make_project: ProjectFactory, openpanel: OpenPanelTarget,
                                                        uid: str) -> None:
    stack = make_project(f"""
        import pulumi
        import pulumi_openpanel as op
        root = op.Client("automation", name="Automation {uid}", type="root")
        pulumi.export("secret", root.secret)
    """)
    stack.up()
    created_id = stack.state_ids()["automation"]
    secret = stack.outputs(show_secrets=True)["secret"]
    assert stack.outputs()["secret"] == "[secret]"
    api = session_api(openpanel, created_id, secret)
    assert any(client.id == created_id for client in api.list_clients())


def test_missing_credentials_fail_create_saying_every_way_to_give_them(make_project: ProjectFactory,
                                                                        proxy: RecordingProxy, uid: str) -> None:
    stack = make_project(f"""
        import pulumi_openpanel as op
        op.Project("web", name="Web {uid}")
    """, env=NO_CREDENTIALS)
    failed = stack.up(check=False)
    assert failed.returncode != 0
    for needle in ("connection=", "openpanel:clientId", "openpanel:clientSecret", "OPENPANEL_CLIENT_ID",
                   "OPENPANEL_CLIENT_SECRET"):
        assert needle in failed.output
    assert requests(proxy) == []


def test_stack_config_credentials_are_used(make_project: ProjectFactory, openpanel: OpenPanelTarget,
                                           proxy: RecordingProxy, uid: str) -> None:
    stack = make_project(f"""
        import pulumi_openpanel as op
        op.Project("web", name="Web {uid}")
    """, env=NO_CREDENTIALS)
    stack.set_config({"openpanel:apiUrl": proxy.url, "openpanel:clientId": openpanel.client_id,
                      "openpanel:clientSecret": openpanel.client_secret,
                      "openpanel:rateLimit": "off" if unpaced(openpanel) else "20/10"},
                     secret=["openpanel:clientSecret"])
    assert openpanel.client_secret not in (stack.directory / "Pulumi.dev.yaml").read_text()
    stack.up()
    assert stack.state_ids()["web"] == f"web-{uid}"
    assert methods(proxy) == ["POST"]
    assert openpanel.client_secret not in json.dumps(stack.export())


def test_get_reads_an_existing_project_without_managing_it(make_project: ProjectFactory, api: ManageApi,
                                                           proxy: RecordingProxy, uid: str) -> None:
    existing = api.create_project(models.ProjectCreate(name=f"Existing {uid}")).project
    stack = make_project(f"""
        import pulumi
        import pulumi_openpanel as op
        found = op.Project.get("existing", {existing.id!r})
        pulumi.export("name", found.name)
    """)
    proxy.reset()
    read = stack.up()
    assert read.ops("existing") == ["read"]
    assert stack.outputs()["name"] == f"Existing {uid}"
    assert methods(proxy) == ["GET"]
    stack.destroy()
    assert not api.get_project(existing.id).deleted  # read, never managed
    api.delete_project(existing.id)


def test_adopt_takes_over_existing_objects_with_reads_only(make_project: ProjectFactory, api: ManageApi,
                                                           proxy: RecordingProxy, uid: str) -> None:
    project = api.create_project(models.ProjectCreate(name=f"Legacy {uid}", types=["website"],
                                                      domain="https://legacy.example.com")).project
    client = api.create_client(models.ClientCreate(name="Legacy reader", project_id=project.id, type="read")).client
    reference = api.create_reference(models.ReferenceCreate(project_id=project.id, title="Old launch",
                                                            datetime="2025-05-05T05:05:05Z"))
    stack = make_project(f"""
        import pulumi_openpanel as op
        web = op.Project("web", name="Legacy {uid}", types=["website"], domain="https://legacy.example.com",
                         adopt={project.id!r})
        op.Client("reader", name="Legacy reader", project_id=web.id, type="read", adopt={client.id!r})
        op.Reference("launch", project_id=web.id, title="Old launch", datetime="2025-05-05T05:05:05Z",
                     adopt={reference.id!r})
    """)
    proxy.reset()

    adopted = stack.up()

    assert adopted.ops_by_name() == {"web": ["create"], "reader": ["create"], "launch": ["create"]}
    assert sorted(requests(proxy)) == sorted([
        ("GET", f"projects/{project.id}"), ("GET", f"clients/{client.id}"), ("GET", f"references/{reference.id}")])
    assert stack.state_ids() == {"web": project.id, "reader": client.id, "launch": reference.id}
    proxy.reset()
    assert not stack.up("--expect-no-changes").changed and requests(proxy) == []
    stack.destroy()
    assert api.get_project(project.id).deleted


def test_adopt_refuses_a_field_that_cannot_change(make_project: ProjectFactory, api: ManageApi,
                                                  uid: str) -> None:
    project = api.create_project(models.ProjectCreate(name=f"Typed {uid}", types=["app"])).project
    stack = make_project(f"""
        import pulumi_openpanel as op
        op.Project("web", name="Typed {uid}", types=["website"], adopt={project.id!r})
    """)
    try:
        failed = stack.up(check=False)
        assert failed.returncode != 0
        assert "types" in failed.output and "cannot change in place" in failed.output
        assert stack.resources() == {}
    finally:
        api.delete_project(project.id)


def test_import_option_fails_as_the_sdk_plugin_does(make_project: ProjectFactory, api: ManageApi,
                                                    proxy: RecordingProxy, uid: str) -> None:
    """pulumi/pulumi#16175: the engine sends Read no inputs on import, so the plugin cannot find
    __provider. This pins the limitation that the README's adoption section documents."""
    project = api.create_project(models.ProjectCreate(name=f"Imported {uid}")).project
    stack = make_project(f"""
        import pulumi
        import pulumi_openpanel as op
        op.Project("web", name="Imported {uid}", opts=pulumi.ResourceOptions(import_={project.id!r}))
    """)
    proxy.reset()
    try:
        failed = stack.up(check=False)
        assert failed.returncode != 0 and "__provider" in failed.output
        assert requests(proxy) == [] and stack.resources() == {}
        assert not api.get_project(project.id).deleted
    finally:
        api.delete_project(project.id)


def test_created_secrets_are_ciphertext_in_state_and_plain_on_request(make_project: ProjectFactory,
                                                                      api: ManageApi, uid: str) -> None:
    stack = make_project(quickstart(uid))
    stack.up()
    shown = stack.outputs(show_secrets=True)
    write_secret, reader_secret = shown["write_client_secret"], shown["reader_secret"]
    # The plain values are the real ones: the server's hashes of the two clients match them.
    for client_id, secret in ((shown["write_client_id"], write_secret), (shown["reader_id"], reader_secret)):
        assert verify_secret(secret, str(api.request("GET", f"clients/{client_id}")["data"]["secret"]))

    exported = stack.export()
    text = json.dumps(exported)
    assert write_secret not in text and reader_secret not in text
    resources = {r["urn"].rsplit("::", 1)[-1]: r for r in exported["deployment"]["resources"]}
    root = next(r for r in resources.values() if r["type"] == "pulumi:pulumi:Stack")
    assert is_envelope(root["outputs"]["write_client_secret"]) and is_envelope(root["outputs"]["reader_secret"])
    assert not is_envelope(root["outputs"]["write_client_id"])
    assert is_envelope(resources["web"]["outputs"]["client_secret"])
    assert is_envelope(resources["reader"]["outputs"]["secret"])
    masked = stack.outputs()
    assert masked["write_client_secret"] == "[secret]" and masked["reader_secret"] == "[secret]"


def test_protect_keeps_resources_through_destroy_until_lifted(make_project: ProjectFactory, proxy: RecordingProxy,
                                                              api: ManageApi, openpanel: OpenPanelTarget,
                                                              uid: str) -> None:
    protected = "opts=pulumi.ResourceOptions(protect=True)"
    program = quickstart(uid).replace('types=["website"],', f'types=["website"], {protected},')
    stack = make_project(program)
    stack.up()
    assert stack.resources()["web"].get("protect") is True
    proxy.reset()
    refused = stack.destroy(check=False)
    assert refused.returncode != 0 and "protected" in refused.output
    # The engine carries on past a protected resource: what is not protected is gone.
    assert set(stack.resources()) == {"web"} and not api.get_project(f"web-{uid}").deleted
    assert ("DELETE", f"projects/web-{uid}") not in requests(proxy)
    stack.write_program(quickstart(uid))
    proxy.reset()
    lifted = stack.up()
    assert lifted.ops_by_name() == {"web": ["same"], "reader": ["create"], "launch": ["create"]}
    assert sorted(requests(proxy)) == [("POST", "clients"), ("POST", "references")]
    assert stack.resources()["web"].get("protect") is not True
    stack.destroy(env=provider_env(openpanel, proxy.url))
    assert api.get_project(f"web-{uid}").deleted


def failure_of(run: Any, name: str) -> str:
    """The diagnostic the CLI shows for the resource `name` (the provider's answer to the failed call)."""
    texts = [e["diagnosticEvent"]["message"] for e in run.events
             if "diagnosticEvent" in e and e["diagnosticEvent"].get("urn", "").endswith(f"::{name}")
             and e["diagnosticEvent"].get("severity") == "error"]
    assert texts, run.output
    return "\n".join(texts)


def test_a_wrong_secret_fails_in_a_few_lines_naming_the_setting_not_its_value(
        make_project: ProjectFactory, openpanel: OpenPanelTarget, proxy: RecordingProxy, uid: str) -> None:
    wrong = "sec_" + "0" * 20
    stack = make_project(f"""
        import pulumi_openpanel as op
        op.Project("web", name="Web {uid}")
    """, env=NO_CREDENTIALS)
    stack.set_config({"openpanel:apiUrl": proxy.url, "openpanel:clientId": openpanel.client_id,
                      "openpanel:clientSecret": wrong, "openpanel:rateLimit": "off"},
                     secret=["openpanel:clientSecret"])

    failed = stack.up(check=False)

    assert failed.returncode != 0
    text = failure_of(failed, "web")
    assert "Traceback" not in text and len(text.strip().splitlines()) <= 3, text
    assert "POST /manage/projects" in text and "HTTP 401" in text
    assert "stack config openpanel:clientSecret" in text and "OPENPANEL_CLIENT_SECRET" not in text
    assert wrong not in failed.output


def test_a_project_id_naming_no_project_fails_up_naming_the_input_and_its_value(
        make_project: ProjectFactory, proxy: RecordingProxy) -> None:
    stack = make_project("""
        import pulumi_openpanel as op
        op.Client("reader", name="Reader", project_id="no-such-project", type="read")
    """)

    failed = stack.up(check=False)

    assert failed.returncode != 0
    text = failure_of(failed, "reader")
    assert "Traceback" not in text and "project_id 'no-such-project'" in text, text
    assert "must be the id of a project that exists, is not deleted, and belongs to the organization" in text
    assert "environment variable OPENPANEL_CLIENT_ID" in text
    assert requests(proxy) == [("POST", "clients")]
    assert stack.resources() == {}


def test_a_self_hosted_root_without_api_says_so_during_up(make_project: ProjectFactory, openpanel: OpenPanelTarget,
                                                         fresh_emulator: Any, uid: str) -> None:
    server = fresh_emulator(root_path="/api", rate_limit=None)
    org = server.seed_organization("Self-hosted")
    stack = make_project(f"""
        import pulumi_openpanel as op
        op.Project("web", name="Web {uid}")
    """, env={"OPENPANEL_API_URL": server.base_url, "OPENPANEL_CLIENT_ID": org.client_id,
              "OPENPANEL_CLIENT_SECRET": org.client_secret, "OPENPANEL_RATE_LIMIT": "off"})

    failed = stack.up(check=False)

    assert failed.returncode != 0
    text = failure_of(failed, "web")
    assert "Traceback" not in text and f"try {server.base_url}/api" in text, text
    assert "environment variable OPENPANEL_API_URL" in text
