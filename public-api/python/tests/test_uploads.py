"""Uploads against the live server: a 50 MiB resumable upload that is interrupted half-way and resumed, and a
small streamed upload."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable

import pytest

from meridian_client import ChecksumMismatch, Client, Conflict, DataFile, UploadInterrupted, sha256_file
from transports import PartRecorder

MiB = 1024 * 1024


def _random_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(left, 4 * MiB))
            f.write(chunk)
            digest.update(chunk)
            left -= len(chunk)
    return digest.hexdigest()


def test_resumable_upload_interrupted_then_resumed(
    make_client: Callable[..., Client], workspace: str, dataset: str, tmp_path: Path
) -> None:
    path = tmp_path / "run-2026-11-20.bin"
    local_sha = _random_file(path, 50 * MiB)
    assert sha256_file(path)[0] == local_sha

    # First attempt: part 2 breaks off mid-body once and part 3 is answered 503 once (both retried with
    # back-off and stored), then the network goes down after four parts.
    flaky = PartRecorder(break_once={2}, unavailable_once={3}, fail_after=4)
    first = make_client(transport=flaky, max_retries=3)
    with pytest.raises(UploadInterrupted) as interrupted:
        first.upload_file(workspace, dataset, path, resumable=True, part_size=5 * MiB, progress=True)
    upload_id = interrupted.value.upload_id
    assert interrupted.value.workspace == workspace
    assert flaky.stored == [1, 2, 3, 4]
    assert flaky.attempts.count(2) == 2 and flaky.attempts.count(3) == 2
    assert flaky.attempts.count(5) == 4  # the first try and three retries, then it gave up

    up = first.get_upload(workspace, upload_id)
    assert up.status == "open"
    assert (up.part_size, up.part_count, up.size_bytes) == (5 * MiB, 10, 50 * MiB)
    assert up.sha256 == local_sha
    assert sorted(p.number for p in up.parts) == [1, 2, 3, 4]
    assert upload_id in [u.id for u in first.list_uploads(workspace)]

    # Resume with another client (a fresh process would do the same): only the missing parts go.
    recorder = PartRecorder()
    second = make_client(transport=recorder)
    stored = second.upload_file(workspace, dataset, path, upload_id=upload_id)
    assert recorder.attempts == [5, 6, 7, 8, 9, 10]
    assert recorder.stored == [5, 6, 7, 8, 9, 10]

    assert isinstance(stored, DataFile)
    assert stored.sha256 == local_sha
    assert stored.size_bytes == 50 * MiB
    assert stored.name == path.name
    assert stored.dataset_id == dataset
    done = second.get_upload(workspace, upload_id)
    assert done.status == "done" and done.file_id == stored.id
    assert second.get_file(workspace, stored.id).sha256 == local_sha


def test_resume_refuses_another_file(
    client: Client, workspace: str, dataset: str, tmp_path: Path
) -> None:
    path = tmp_path / "a.bin"
    _random_file(path, 6 * MiB)
    up = client.start_upload(workspace, dataset, name="a.bin", size=6 * MiB, sha256=sha256_file(path)[0])
    other = tmp_path / "b.bin"
    _random_file(other, 6 * MiB)
    with pytest.raises(ChecksumMismatch) as e:
        client.resume_upload(workspace, up.id, other)
    assert e.value.expected == up.sha256
    client.abort_upload(workspace, up.id)


def test_small_file_goes_in_one_request(client: Client, workspace: str, dataset: str, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"seeing 0.8 arcsec\n" * 100)
    f = client.upload_file(workspace, dataset, path)
    assert f.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert f.size_bytes == path.stat().st_size
    assert f.ingest_status == "none"  # not FITS
    # The same bytes again: the server answers 409 duplicate_file naming the existing file.
    with pytest.raises(Conflict) as dup:
        client.upload_file(workspace, dataset, path, name="notes-again.txt")
    assert dup.value.status == 409
    assert dup.value.code == "duplicate_file"
    assert dup.value.body["existing_file"]["id"] == f.id
