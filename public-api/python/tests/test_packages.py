"""Data packages: built from uploaded files, published, downloaded as zip and tar, verified against the
manifest; damaged archives are caught."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import pytest

from meridian_client import (
    Author,
    Client,
    Manifest,
    PackageVersion,
    PackageVerificationError,
    verify_package_archive,
)

KiB = 1024


@pytest.fixture(scope="module")
def published(client: Client, workspace: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    ds = client.create_dataset(workspace, f"package-src-{uuid.uuid4().hex[:6]}")
    folder = tmp_path_factory.mktemp("package-src")
    contents: dict[str, bytes] = {}
    for name, size in [("m42_001.bin", 300 * KiB), ("m42_002.bin", 64 * KiB + 3), ("readme.txt", 0)]:
        data = os.urandom(size) if size else b"Orion, 2026-11-20\n"
        (folder / name).write_bytes(data)
        client.upload_file(workspace, ds.id, folder / name)
        contents[f"{ds.name}/{name}"] = data
    pkg = client.create_package(
        workspace, "Orion run", "CC-BY-4.0", description="Test data", keywords=["orion"],
        authors=[Author(name="A. Observer", affiliation="Meridian")],
    )  # fmt: skip
    draft = client.add_package_files(workspace, pkg.id, dataset_id=ds.id)
    assert draft["file_count"] == 3
    version = client.publish_package(workspace, pkg.id)
    return {"package": pkg.id, "version": version, "contents": contents}


def test_publish_and_manifest(client: Client, workspace: str, published: dict[str, object]) -> None:
    pkg_id = str(published["package"])
    version = published["version"]
    contents = published["contents"]
    assert isinstance(version, PackageVersion) and isinstance(contents, dict)
    assert version.number == 1 and version.file_count == 3
    assert pkg_id in [p.id for p in client.iter_packages(workspace)]
    assert client.get_package(workspace, pkg_id).latest_version == 1
    assert [v.number for v in client.iter_package_versions(workspace, pkg_id)] == [1]

    manifest = client.get_package_manifest(workspace, pkg_id)
    assert isinstance(manifest, Manifest)
    assert manifest.sha256 == version.manifest_sha256
    assert {f.path: f.sha256 for f in manifest.files} == {p: hashlib.sha256(d).hexdigest() for p, d in contents.items()}
    assert {f.path: f.size for f in manifest.files} == {p: len(d) for p, d in contents.items()}


@pytest.mark.parametrize("fmt", ["zip", "tar"])
def test_download_verified_and_damage_detected(
    client: Client, workspace: str, published: dict[str, object], tmp_path: Path, fmt: str
) -> None:
    pkg_id = str(published["package"])
    contents = published["contents"]
    assert isinstance(contents, dict)
    archive = client.download_package(workspace, pkg_id, tmp_path, format=fmt, progress=True)
    assert archive == tmp_path / f"{pkg_id}-v1.{fmt}"
    manifest = client.get_package_manifest(workspace, pkg_id, 1)
    verified = verify_package_archive(archive, manifest, manifest_sha256=manifest.sha256)
    assert sorted(f.path for f in verified) == sorted(contents)

    # One byte of one member's data turned over: the member no longer matches the manifest.
    raw = bytearray(archive.read_bytes())
    member = next(p for p in contents if p.endswith("m42_002.bin"))
    at = bytes(raw).find(contents[member][:4096])
    assert at > 0
    raw[at + 100] ^= 0xFF
    damaged = tmp_path / f"damaged.{fmt}"
    damaged.write_bytes(bytes(raw))
    with pytest.raises(PackageVerificationError) as e:
        verify_package_archive(damaged, manifest)
    assert any(member in problem for problem in e.value.problems), e.value.problems

    # A member missing altogether (a truncated download).
    truncated = tmp_path / f"truncated.{fmt}"
    truncated.write_bytes(bytes(archive.read_bytes())[: len(raw) // 2])
    with pytest.raises(PackageVerificationError):
        verify_package_archive(truncated, manifest)

    # Another version's manifest does not fit this archive.
    other = Manifest.from_bytes(manifest.text.replace(member, member + ".renamed").encode())
    with pytest.raises(PackageVerificationError) as wrong:
        verify_package_archive(archive, other, manifest_sha256=manifest.sha256)
    assert any("not in the manifest" in p for p in wrong.value.problems)


def test_download_one_package_file(client: Client, workspace: str, published: dict[str, object], tmp_path: Path) -> None:
    pkg_id = str(published["package"])
    contents = published["contents"]
    assert isinstance(contents, dict)
    member = next(p for p in contents if p.endswith("m42_001.bin"))
    path = client.download_package_file(workspace, pkg_id, member, tmp_path)
    assert path.read_bytes() == contents[member]
