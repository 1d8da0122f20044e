"""Errors carry the problem+json body; retries back off and honour Retry-After."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from meridian_client import (
    AuthenticationError,
    Client,
    Conflict,
    MeridianError,
    NotFound,
    RateLimited,
    ServerError,
    ValidationError,
)
from conftest import Owner, Server


def test_another_workspace_is_not_found(client: Client, outsider: Owner) -> None:
    with pytest.raises(NotFound) as e:
        list(client.iter_datasets(outsider.workspace))
    err = e.value
    assert isinstance(err, MeridianError)
    assert err.status == 404
    assert err.code == "not_found"
    assert err.title == "Not Found"
    assert err.type == "/problems/not_found"
    assert err.detail
    assert err.body["status"] == 404
    assert err.method == "GET" and outsider.workspace in (err.url or "")
    assert "404" in str(err)


def test_unknown_objects_are_not_found(client: Client, workspace: str) -> None:
    with pytest.raises(NotFound) as e:
        client.get_dataset(workspace, str(uuid.uuid4()))
    assert e.value.code == "not_found"
    with pytest.raises(NotFound):
        client.get_file(workspace, str(uuid.uuid4()))


def test_bad_input_is_a_validation_error_naming_the_field(client: Client, workspace: str) -> None:
    with pytest.raises(ValidationError) as e:
        client.create_dataset(workspace, "")
    err = e.value
    assert err.status == 422
    assert err.code == "validation_failed"
    assert err.type == "/problems/validation_failed"
    assert [f.field for f in err.errors] == ["name"]
    assert "name" in err.field_errors()
    assert err.body["errors"][0]["field"] == "name"

    with pytest.raises(ValidationError) as cone:
        client.search_files(workspace, ra=10.0)
    assert "radius" in cone.value.field_errors()


def test_conflict_carries_the_problem(client: Client, workspace: str) -> None:
    name = f"twice-{uuid.uuid4().hex[:6]}"
    client.create_dataset(workspace, name)
    with pytest.raises(Conflict) as e:
        client.create_dataset(workspace, name)
    assert e.value.status == 409
    assert e.value.code == "conflict"


def test_a_bad_key_is_refused(server: Server) -> None:
    with Client(server.base, api_key="mrd_00000000_" + "0" * 40) as c:
        with pytest.raises(AuthenticationError) as e:
            c.me()
    assert e.value.status == 401
    assert e.value.code in ("invalid_credentials", "unauthenticated")


# ------------------------------------------------------------------------ without a server (mock transport)


def _problem(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"Content-Type": "application/problem+json", **(headers or {})},
        json={"type": f"/problems/{code}", "title": "T", "status": status, "detail": f"{code} detail", "code": code},
    )


def test_rate_limited_carries_retry_after() -> None:
    transport = httpx.MockTransport(lambda req: _problem(429, "rate_limited", {"Retry-After": "7"}))
    with Client("http://meridian.invalid", api_key="k", transport=transport, max_retries=0) as c:
        with pytest.raises(RateLimited) as e:
            c.me()
    assert e.value.retry_after == 7.0
    assert e.value.status == 429 and e.value.code == "rate_limited" and e.value.detail == "rate_limited detail"


def test_retries_back_off_and_honour_retry_after() -> None:
    calls: list[httpx.Request] = []
    answers = [
        _problem(503, "unavailable", {"Retry-After": "2"}),
        _problem(502, "bad_gateway"),
        httpx.Response(200, json={"kind": "session", "account": {
            "id": "x", "email": "a@b.c", "display_name": "A", "email_verified": True, "operator": False,
            "created_at": "2026-01-01T00:00:00Z"}}),
    ]  # fmt: skip

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(req)
        return answers[len(calls) - 1]

    waits: list[float] = []
    with Client("http://meridian.invalid/api/v1/", api_key="k", transport=httpx.MockTransport(handler),
                backoff_factor=0.5) as c:  # fmt: skip
        c.sleep = waits.append
        me = c.me()
    assert me.account is not None and me.account.email == "a@b.c"
    assert len(calls) == 3
    assert calls[0].headers["authorization"] == "Bearer k"
    assert str(calls[0].url) == "http://meridian.invalid/api/v1/me"
    assert waits[0] >= 2.0  # Retry-After
    assert 0.25 <= waits[1] <= 1.0  # 0.5 * 2**1 with jitter


def test_server_errors_are_not_retried_for_posts_the_server_may_have_acted_on() -> None:
    calls: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(req)
        return _problem(500, "internal")

    with Client("http://meridian.invalid", api_key="k", transport=httpx.MockTransport(handler)) as c:
        c.sleep = lambda s: None
        with pytest.raises(ServerError) as e:
            c.create_dataset("obs", "x")
        assert len(calls) == 1
        calls.clear()
        with pytest.raises(ServerError):
            c.get_dataset("obs", "x")
        assert len(calls) == 1 + c.max_retries
    assert e.value.status == 500


def test_connection_errors_are_retried_then_raised() -> None:
    def handler(req: httpx.Request) -> Any:
        raise httpx.ConnectError("refused", request=req)

    with Client("http://meridian.invalid", transport=httpx.MockTransport(handler), max_retries=2) as c:
        waits: list[float] = []
        c.sleep = waits.append
        with pytest.raises(MeridianError) as e:
            c.get_workspace("obs")
    assert len(waits) == 2
    assert "ConnectError" in str(e.value)
