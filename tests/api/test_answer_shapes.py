"""Answers that are not shaped like the Manage API's, and filters and ids refused before sending."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.errors import NotFoundError, ServerError

from .fakes import FakeClock, FakeServer, make_api, respond


def api_answering(payload: Any) -> tuple[ManageApi, FakeServer]:
    server = FakeServer(FakeClock(), respond(200, payload))
    return make_api(server), server


@pytest.mark.parametrize(
    ("call", "payload"),
    [
        (lambda api: api.list_projects(), {"projects": []}),
        (lambda api: api.list_projects(), {"data": {"id": "x"}}),
        (lambda api: api.get_project("web"), [{"id": "web"}]),
        (lambda api: api.list_clients(), {"data": None}),
        (lambda api: api.list_dashboards("web"), {"data": []}),
        (lambda api: api.get_client("0f1e2d3c-4b5a-4697-8877-665544332211"), "<html>hello</html>"),
    ],
)
def test_an_answer_of_another_shape_is_a_server_error_naming_the_request(call: Any, payload: Any) -> None:
    api, _ = api_answering(payload)
    with pytest.raises(ServerError) as raised:
        call(api)
    assert "not the Manage API's" in str(raised.value)
    assert "GET /manage/" in str(raised.value)


@pytest.mark.parametrize("lister", ["list_clients", "list_references"])
def test_an_empty_project_filter_is_not_read_as_no_filter(lister: str) -> None:
    api, server = api_answering({"data": []})
    with pytest.raises(NotFoundError) as raised:
        getattr(api, lister)("")
    assert server.requests == []
    assert "refused before sending" in str(raised.value)


def test_an_invalid_id_says_no_request_was_sent() -> None:
    api, server = api_answering({"data": {}})
    with pytest.raises(NotFoundError) as raised:
        api.delete_reference("not-a-uuid")
    assert server.requests == []
    assert "DELETE /manage/references/not-a-uuid failed (refused before sending)" in str(raised.value)


def test_a_malformed_create_answer_does_not_carry_its_secret_into_the_error() -> None:
    secret = "sec_0123456789abcdef0123"
    hash_ = "ab" * 16 + "." + "cd" * 32
    api, _ = api_answering({"data": {"id": "0f1e2d3c-4b5a-4697-8877-665544332211", "name": "c", "type": "read",
                                     "secret": secret, "other": hash_}})  # organizationId missing
    from pulumi_openpanel.api.models import ClientCreate

    with pytest.raises(ServerError) as raised:
        api.create_client(ClientCreate(name="c", type="read"))
    text = str(raised.value) + repr(raised.value)
    assert "organizationId" in text or "organization_id" in text
    assert secret not in text and hash_ not in text
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_an_empty_success_answer_to_a_delete_is_fine() -> None:
    server = FakeServer(FakeClock(), lambda request: httpx.Response(204, request=request))
    api = make_api(server)
    api.delete_client("0f1e2d3c-4b5a-4697-8877-665544332211")
    assert [seen.method for seen in server.requests] == ["DELETE"]
