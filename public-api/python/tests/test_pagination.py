"""Cursor pagination: the iterators follow ``next_cursor`` across page boundaries."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from meridian_client import Client
from transports import PartRecorder


def test_iterators_cross_page_boundaries(
    make_client: Callable[..., Client], workspace: str, dataset: str, tmp_path: Path
) -> None:
    recorder = PartRecorder()  # records every request
    client = make_client(transport=recorder)
    ids = []
    for i in range(5):
        path = tmp_path / f"frame_{i:03d}.txt"
        path.write_text(f"frame {i}\n")
        ids.append(client.upload_file(workspace, dataset, path).id)

    recorder.requests.clear()
    files = list(client.iter_dataset_files(workspace, dataset, page_size=2))
    assert sorted(f.id for f in files) == sorted(ids)
    assert len({f.id for f in files}) == 5  # no duplicates across pages
    assert [f.name for f in files] == [f"frame_{i:03d}.txt" for i in reversed(range(5))]  # newest first
    pages = [r for r in recorder.requests if r.url.path.endswith(f"/datasets/{dataset}/files")]
    assert len(pages) == 3  # 2 + 2 + 1
    assert "cursor" not in pages[0].url.params
    assert all(r.url.params.get("cursor") for r in pages[1:])
    assert all(r.url.params.get("limit") == "2" for r in pages)

    # limit stops early, and lazily: only the pages needed are fetched.
    recorder.requests.clear()
    assert len(list(client.iter_dataset_files(workspace, dataset, page_size=2, limit=3))) == 3
    assert len([r for r in recorder.requests if r.url.path.endswith("/files")]) == 2

    # The search table gathers every page too.
    table = client.search_files(workspace, dataset=dataset, page_size=2)
    assert sorted(table["id"]) == sorted(ids)


def test_dataset_list_crosses_pages(client: Client, workspace: str) -> None:
    names = {client.create_dataset(workspace, f"paged-{i}").name for i in range(3)}
    listed = [d.name for d in client.iter_datasets(workspace, page_size=1)]
    assert names <= set(listed)
    assert len(listed) == len(set(listed))
    assert listed == sorted(listed)  # by name
