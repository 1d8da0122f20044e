"""The account and workspace behind the key, and datasets' round trip."""

from __future__ import annotations

import pytest

from meridian_client import Client, Dataset, Forbidden
from conftest import Owner


def test_me_and_workspaces(client: Client, owner: Owner) -> None:
    me = client.me()
    assert me.kind == "api_key" and me.account is None
    assert me.api_key is not None and me.api_key.scope == "write"
    assert owner.api_key.startswith(me.api_key.prefix)
    ws = client.get_workspace(owner.workspace)
    assert ws.slug == owner.workspace and ws.kind == "organization"
    assert me.api_key.workspace_id == ws.id
    assert [w.slug for w in client.iter_workspaces()] == [owner.workspace]  # a key sees its workspace


def test_dataset_round_trip(client: Client, workspace: str) -> None:
    ds = client.create_dataset(workspace, "round trip", description="first")
    assert isinstance(ds, Dataset) and ds.file_count == 0 and not ds.public
    assert client.get_dataset(workspace, ds.id) == ds
    changed = client.update_dataset(workspace, ds.id, description="second")
    assert changed.description == "second"
    assert ds.id in [d.id for d in client.list_datasets(workspace)]
    # Deleting needs an admin or owner signed in: a write key may not.
    with pytest.raises(Forbidden) as e:
        client.delete_dataset(workspace, ds.id)
    assert e.value.status == 403 and e.value.code == "forbidden"
