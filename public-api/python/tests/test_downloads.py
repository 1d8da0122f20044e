"""Downloads verified against the SHA-256 recorded at upload."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable

import pytest

from meridian_client import ChecksumMismatch, Client, NotFound
from transports import ContentTamperer

MiB = 1024 * 1024


@pytest.fixture()
def uploaded(client: Client, workspace: str, dataset: str, tmp_path: Path) -> tuple[str, bytes]:
    data = os.urandom(3 * MiB + 12345)
    src = tmp_path / "flat_r_001.bin"
    src.write_bytes(data)
    f = client.upload_file(workspace, dataset, src)
    return f.id, data


def test_download_is_verified(
    client: Client, workspace: str, uploaded: tuple[str, bytes], tmp_path: Path
) -> None:
    file_id, data = uploaded
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    path = client.download_file(workspace, file_id, out_dir, progress=True)
    assert path == out_dir / "flat_r_001.bin"
    assert path.read_bytes() == data
    assert not (out_dir / "flat_r_001.bin.part").exists()

    # A tampered expected checksum: the download is refused and nothing is left behind.
    bad = tmp_path / "bad.bin"
    with pytest.raises(ChecksumMismatch) as mismatch:
        client.download_file(workspace, file_id, bad, expected_sha256="0" * 64)
    assert mismatch.value.expected == "0" * 64
    assert mismatch.value.actual == hashlib.sha256(data).hexdigest()
    assert not bad.exists()
    assert not (tmp_path / "bad.bin.part").exists()


def test_damaged_bytes_are_detected(
    make_client: Callable[..., Client], workspace: str, uploaded: tuple[str, bytes], tmp_path: Path
) -> None:
    file_id, data = uploaded
    damaging = make_client(transport=ContentTamperer(flip=True))
    dest = tmp_path / "damaged.bin"
    with pytest.raises(ChecksumMismatch) as mismatch:
        damaging.download_file(workspace, file_id, dest)
    assert mismatch.value.expected == hashlib.sha256(data).hexdigest()  # the recorded checksum
    assert not dest.exists() and not (tmp_path / "damaged.bin.part").exists()


def test_broken_download_resumes_with_a_range(
    make_client: Callable[..., Client], workspace: str, uploaded: tuple[str, bytes], tmp_path: Path
) -> None:
    file_id, data = uploaded
    transport = ContentTamperer(break_first_after=1 * MiB + 7)
    flaky = make_client(transport=transport)
    path = flaky.download_file(workspace, file_id, tmp_path / "resumed.bin")
    assert path.read_bytes() == data
    assert transport.ranges == [None, f"bytes={1 * MiB + 7}-"]


def test_download_of_a_missing_file(client: Client, workspace: str, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        client.download_file(workspace, "01a24e2d-0000-7000-8000-000000000000", tmp_path / "x")
    assert not (tmp_path / "x").exists()
