"""Data packages: curated, versioned selections of files; their archives verified against the manifest."""

from __future__ import annotations

import hashlib
import os
import re
import tarfile
import zipfile
from pathlib import Path
from typing import IO, Any, Iterator, Mapping, Sequence

from ._http import seg
from ._transfer import CHUNK, TransferMixin
from .errors import PackageVerificationError
from .models import Author, Manifest, ManifestFile, Package, PackageVersion

__all__ = ["PackagesMixin", "verify_package_archive", "ARCHIVE_FORMATS"]

#: The archive formats the API serves: stored (uncompressed) zip, or ustar tar.
ARCHIVE_FORMATS = ("zip", "tar")
#: Members every archive carries besides the files: the manifest and a ``sha256sum -c`` list.
MANIFEST_NAME = "manifest.json"
SUMS_NAME = "SHA256SUMS"


def _hash_stream(stream: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _members(archive: Path, problems: list[str]) -> Iterator[tuple[str, IO[bytes]]]:
    """``(name, stream)`` of every regular member of a zip or tar archive, in archive order."""
    if zipfile.is_zipfile(archive):
        try:
            zf = zipfile.ZipFile(archive)
        except (zipfile.BadZipFile, OSError) as e:
            problems.append(f"not a readable zip archive: {e}")
            return
        with zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                with zf.open(info) as stream:
                    yield info.filename, stream
        return
    try:
        tf = tarfile.open(archive, mode="r:*")
    except (tarfile.TarError, OSError) as e:
        problems.append(f"neither a zip nor a tar archive: {e}")
        return
    with tf:
        for member in tf:
            if not member.isfile():
                continue
            extracted = tf.extractfile(member)
            if extracted is None:
                continue
            with extracted:
                yield member.name, extracted


def verify_package_archive(
    archive: str | os.PathLike[str],
    manifest: Manifest,
    *,
    manifest_sha256: str | None = None,
) -> list[ManifestFile]:
    """Checks a package archive (zip or tar, as the API serves them) against the version's manifest and returns
    the files verified; raises :class:`~meridian_client.PackageVerificationError` listing every difference.

    Checked: every file the manifest lists is in the archive once, with the manifest's size and SHA-256 (each
    member is hashed as it is read; a zip's own CRC-32 is checked too); nothing else is in it but
    ``manifest.json`` and ``SHA256SUMS``; the archive's ``manifest.json`` is byte for byte the manifest (and,
    with ``manifest_sha256``, has that checksum: the version's ``manifest_sha256``); ``SHA256SUMS`` agrees.
    """
    path = Path(archive)
    problems: list[str] = []
    if manifest_sha256 is not None and manifest.sha256 != manifest_sha256.lower():
        problems.append(f"the manifest's SHA-256 is {manifest.sha256}, the version says {manifest_sha256}")
    expected = manifest.by_path()
    seen: dict[str, int] = {}
    found_manifest = False
    verified: list[ManifestFile] = []
    try:
        for name, stream in _members(path, problems):
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                problems.append(f"{name}: in the archive more than once")
                continue
            try:
                if name == MANIFEST_NAME:
                    found_manifest = True
                    data = stream.read()
                    if hashlib.sha256(data).hexdigest() != manifest.sha256:
                        problems.append("manifest.json in the archive differs from the version's manifest")
                    continue
                if name == SUMS_NAME:
                    sums_text = stream.read().decode("utf-8", errors="replace")
                    for line in sums_text.splitlines():
                        m = re.match(r"^([0-9a-fA-F]{64}) [ *](.+)$", line)
                        if not m:
                            if line.strip():
                                problems.append(f"SHA256SUMS: unreadable line {line!r}")
                            continue
                        entry = expected.get(m.group(2))
                        if entry is None:
                            problems.append(f"SHA256SUMS names {m.group(2)}, which the manifest does not list")
                        elif entry.sha256 != m.group(1).lower():
                            problems.append(f"SHA256SUMS gives {m.group(2)} another SHA-256 than the manifest")
                    continue
                entry = expected.get(name)
                if entry is None:
                    problems.append(f"{name}: in the archive but not in the manifest")
                    _hash_stream(stream)
                    continue
                actual_sha, actual_size = _hash_stream(stream)
                if actual_size != entry.size:
                    problems.append(f"{name}: {actual_size} bytes, the manifest says {entry.size}")
                elif actual_sha != entry.sha256:
                    problems.append(f"{name}: SHA-256 {actual_sha}, the manifest says {entry.sha256}")
                else:
                    verified.append(entry)
            except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as e:
                problems.append(f"{name}: cannot be read: {e}")
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as e:
        problems.append(f"the archive is damaged: {e}")
    if not found_manifest and not any(p.startswith(("not a readable", "neither")) for p in problems):
        problems.append("the archive has no manifest.json")
    for missing in sorted(set(expected) - set(seen)):
        problems.append(f"{missing}: listed in the manifest but missing from the archive")
    if problems:
        raise PackageVerificationError(problems)
    return verified


class PackagesMixin(TransferMixin):
    """Data packages (mixed into :class:`meridian_client.Client`)."""

    def _pkg(self, workspace: str, package_id: str) -> str:
        return f"workspaces/{seg(workspace)}/packages/{seg(package_id)}"

    def iter_packages(
        self, workspace: str, *, page_size: int | None = None, limit: int | None = None
    ) -> Iterator[Package]:
        """The workspace's packages, following ``next_cursor`` across pages."""
        return self.paginate_as(
            Package.from_json, f"workspaces/{seg(workspace)}/packages", page_size=page_size, limit=limit
        )

    def list_packages(self, workspace: str) -> list[Package]:
        """Every package of the workspace (all pages)."""
        return list(self.iter_packages(workspace))

    def get_package(self, workspace: str, package_id: str) -> Package:
        """One package."""
        return Package.from_json(self.get_json(self._pkg(workspace, package_id)))

    def create_package(
        self,
        workspace: str,
        title: str,
        licence: str,
        *,
        description: str | None = None,
        authors: Sequence[Author | Mapping[str, Any]] | None = None,
        keywords: Sequence[str] | None = None,
        access: str | None = None,
        night_log_ids: Sequence[str] | None = None,
        target_ids: Sequence[str] | None = None,
    ) -> Package:
        """Creates a package (``licence``: an SPDX identifier such as ``CC-BY-4.0``; ``access``: ``private``,
        ``link`` or ``public``). Add files with :meth:`add_package_files`, then :meth:`publish_package`."""
        body: dict[str, Any] = {"title": title, "licence": licence}
        if description is not None:
            body["description"] = description
        if authors is not None:
            body["authors"] = [a.to_json() if isinstance(a, Author) else dict(a) for a in authors]
        if keywords is not None:
            body["keywords"] = list(keywords)
        if access is not None:
            body["access"] = access
        if night_log_ids is not None:
            body["night_log_ids"] = list(night_log_ids)
        if target_ids is not None:
            body["target_ids"] = list(target_ids)
        return Package.from_json(self.post_json(f"workspaces/{seg(workspace)}/packages", body))

    def update_package(self, workspace: str, package_id: str, **changes: Any) -> Package:
        """Changes a package's fields (``title``, ``description``, ``authors``, ``keywords``, ``licence``,
        ``access``, ``night_log_ids``, ``target_ids``)."""
        if "authors" in changes and changes["authors"] is not None:
            changes["authors"] = [a.to_json() if isinstance(a, Author) else dict(a) for a in changes["authors"]]
        return Package.from_json(self.patch_json(self._pkg(workspace, package_id), changes))

    def delete_package(self, workspace: str, package_id: str) -> None:
        """Deletes a package."""
        self.delete(self._pkg(workspace, package_id))

    def get_package_draft(self, workspace: str, package_id: str) -> dict[str, Any]:
        """The draft the next version will freeze: ``files`` (each ``path`` and ``file``), totals, and
        ``blockers`` (what a publish would refuse now)."""
        result: dict[str, Any] = self.get_json(f"{self._pkg(workspace, package_id)}/draft")
        return result

    def add_package_files(
        self,
        workspace: str,
        package_id: str,
        *,
        file_ids: Sequence[str] | None = None,
        dataset_id: str | None = None,
        search: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Adds files to the draft: by id, every file of a dataset, and/or every file a search finds (the file
        search's parameters). Returns the draft."""
        body: dict[str, Any] = {}
        if file_ids is not None:
            body["file_ids"] = list(file_ids)
        if dataset_id is not None:
            body["dataset_id"] = dataset_id
        if search is not None:
            body["search"] = dict(search)
        result: dict[str, Any] = self.post_json(f"{self._pkg(workspace, package_id)}/draft/files", body)
        return result

    def remove_package_file(self, workspace: str, package_id: str, file_id: str) -> None:
        """Takes a file out of the draft."""
        self.delete(f"{self._pkg(workspace, package_id)}/draft/files/{seg(file_id)}")

    def publish_package(self, workspace: str, package_id: str) -> PackageVersion:
        """Publishes the draft as the next version: frozen and checksummed (409 ``publish_blocked`` naming the
        files while some are cold, missing or unreleased in a public package)."""
        return PackageVersion.from_json(self.post_json(f"{self._pkg(workspace, package_id)}/versions"))

    def iter_package_versions(
        self, workspace: str, package_id: str, *, page_size: int | None = None
    ) -> Iterator[PackageVersion]:
        """The package's published versions, newest first."""
        return self.paginate_as(
            PackageVersion.from_json, f"{self._pkg(workspace, package_id)}/versions", page_size=page_size
        )

    def get_package_version(self, workspace: str, package_id: str, version: int | None = None) -> PackageVersion:
        """One published version (the newest when ``version`` is ``None``)."""
        if version is None:
            latest = self.get_package(workspace, package_id).latest_version
            if latest is None:
                raise PackageVerificationError(["the package has no published version"])
            version = latest
        return PackageVersion.from_json(self.get_json(f"{self._pkg(workspace, package_id)}/versions/{int(version)}"))

    def get_package_manifest(
        self, workspace: str, package_id: str, version: int | None = None, *, verify: bool = True
    ) -> Manifest:
        """A version's ``manifest.json`` (every file's path, size and SHA-256). With ``verify`` its SHA-256 is
        checked against the version's ``manifest_sha256``."""
        v = self.get_package_version(workspace, package_id, version)
        data = self.request("GET", f"{self._pkg(workspace, package_id)}/versions/{v.number}/manifest.json").content
        manifest = Manifest.from_bytes(data)
        if verify and manifest.sha256 != v.manifest_sha256:
            raise PackageVerificationError(
                [f"manifest.json has SHA-256 {manifest.sha256}, the version says {v.manifest_sha256}"]
            )
        return manifest

    def download_package(
        self,
        workspace: str,
        package_id: str,
        dest: str | os.PathLike[str],
        *,
        version: int | None = None,
        format: str = "zip",
        verify: bool = True,
        keep_invalid: bool = False,
        progress: bool | dict[str, Any] = False,
    ) -> Path:
        """Downloads a version's archive (``zip`` or ``tar``; the newest version by default) to ``dest`` (a
        file, or a directory: ``<package-id>-v<n>.<format>`` in it) and, with ``verify``, checks it against the
        version's manifest (:func:`verify_package_archive`). An archive that does not match is deleted (unless
        ``keep_invalid``) and :class:`~meridian_client.PackageVerificationError` is raised. Returns the path."""
        if format not in ARCHIVE_FORMATS:
            raise ValueError(f"format must be one of {ARCHIVE_FORMATS}")
        v = self.get_package_version(workspace, package_id, version)
        manifest = self.get_package_manifest(workspace, package_id, v.number) if verify else None
        target = Path(dest)
        if target.is_dir():
            target = target / f"{package_id}-v{v.number}.{format}"
        header_problems: list[str] = []

        def check_headers(resp: Any) -> None:
            served = resp.headers.get("x-manifest-sha256")
            if served is not None and served.lower() != v.manifest_sha256:
                header_problems.append(f"the archive was built from manifest {served}, not {v.manifest_sha256}")

        self.stream_to_file(
            f"{self._pkg(workspace, package_id)}/versions/{v.number}/archive.{format}",
            target,
            expected_sha256=None,
            progress=progress,
            desc=f"downloading package v{v.number}",
            resume=(format == "tar"),
            on_headers=check_headers,
        )
        if manifest is not None:
            try:
                if header_problems:
                    raise PackageVerificationError(header_problems)
                verify_package_archive(target, manifest, manifest_sha256=v.manifest_sha256)
            except PackageVerificationError:
                if not keep_invalid:
                    target.unlink(missing_ok=True)
                raise
        return target

    def download_package_file(
        self,
        workspace: str,
        package_id: str,
        path: str,
        dest: str | os.PathLike[str],
        *,
        version: int | None = None,
        progress: bool | dict[str, Any] = False,
    ) -> Path:
        """Downloads one file of a version by its path in the package, verified against the manifest's
        SHA-256 (a mismatch deletes the partial file and raises :class:`~meridian_client.ChecksumMismatch`)."""
        manifest = self.get_package_manifest(workspace, package_id, version)
        entry = manifest.by_path().get(path)
        if entry is None:
            raise PackageVerificationError([f"{path}: not in version {manifest.version}'s manifest"])
        target = Path(dest)
        if target.is_dir():
            target = target / Path(path).name
        quoted = "/".join(seg(part) for part in path.split("/"))
        self.stream_to_file(
            f"{self._pkg(workspace, package_id)}/versions/{manifest.version}/files/{quoted}",
            target,
            expected_sha256=entry.sha256,
            expected_size=entry.size,
            progress=progress,
            desc=f"downloading {path}",
        )
        return target
