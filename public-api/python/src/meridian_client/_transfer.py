"""Uploads of any size (resumable, in parts, with retries) and downloads verified against their SHA-256."""

from __future__ import annotations

import hashlib
import os
import re
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, Sequence

import httpx

from ._http import seg, to_rfc3339
from ._resources import ResourcesMixin
from .errors import (
    ChecksumMismatch,
    Conflict,
    ConnectionFailed,
    Forbidden,
    MeridianError,
    RateLimited,
    ServerError,
    UploadFailed,
    UploadInterrupted,
)
from .models import DataFile, PartUrl, Upload, UploadPart

__all__ = ["TransferMixin", "sha256_file", "SIMPLE_UPLOAD_LIMIT", "CHUNK"]

MiB = 1024 * 1024
#: Files smaller than this go in one streamed request by default; larger ones as resumable uploads in parts.
SIMPLE_UPLOAD_LIMIT = 32 * MiB
#: Bytes read or written at a time.
CHUNK = 1 * MiB
#: Part URLs asked for at once (the API takes up to 1000; presigned ones expire after an hour).
PART_URL_BATCH = 100
_SHA256_ETAG = re.compile(r'^"?([0-9a-fA-F]{64})"?$')


class _NoBar:
    """A stand-in for a tqdm bar when progress is off."""

    def update(self, n: float = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass


ProgressBar = Any


@contextmanager
def _progress_bar(enabled: bool | dict[str, Any], total: int, desc: str, initial: int = 0) -> Iterator[ProgressBar]:
    """A tqdm bar in bytes when ``enabled`` (a dict: extra tqdm arguments), else a no-op stand-in."""
    if not enabled:
        yield _NoBar()
        return
    from tqdm.auto import tqdm

    options: dict[str, Any] = dict(
        total=total, initial=initial, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, leave=True
    )
    if isinstance(enabled, dict):
        options.update(enabled)
    bar = tqdm(**options)
    try:
        yield bar
    finally:
        bar.close()


def sha256_file(
    path: str | os.PathLike[str],
    *,
    part_size: int | None = None,
    progress: bool | dict[str, Any] = False,
) -> tuple[str, list[str]]:
    """The SHA-256 (lower-case hex) of a file, read once; with ``part_size`` also each part's SHA-256."""
    p = Path(path)
    size = p.stat().st_size
    whole = hashlib.sha256()
    parts: list[str] = []
    part = hashlib.sha256() if part_size else None
    in_part = 0
    with _progress_bar(progress, size, f"hashing {p.name}") as bar, p.open("rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            whole.update(chunk)
            if part is not None and part_size:
                view = memoryview(chunk)
                while len(view):
                    take = min(len(view), part_size - in_part)
                    part.update(view[:take])
                    in_part += take
                    view = view[take:]
                    if in_part == part_size:
                        parts.append(part.hexdigest())
                        part = hashlib.sha256()
                        in_part = 0
            bar.update(len(chunk))
    if part is not None and in_part:
        parts.append(part.hexdigest())
    return whole.hexdigest(), parts


def _read_range(f: BinaryIO, offset: int, length: int, on_chunk: Callable[[bytes], None]) -> Iterator[bytes]:
    """Yields ``length`` bytes of ``f`` from ``offset`` in chunks, calling ``on_chunk`` with each."""
    f.seek(offset)
    remaining = length
    while remaining > 0:
        data = f.read(min(CHUNK, remaining))
        if not data:
            raise MeridianError(f"the file ended {remaining} bytes early (did it change during the upload?)")
        remaining -= len(data)
        on_chunk(data)
        yield data


def _sha_etag(etag: str | None) -> str | None:
    """The SHA-256 in an etag, when the store uses SHA-256 etags (the filesystem store does; S3 does not)."""
    if not etag:
        return None
    m = _SHA256_ETAG.match(etag.strip())
    return m.group(1).lower() if m else None


class TransferMixin(ResourcesMixin):
    """Uploads and downloads (mixed into :class:`meridian_client.Client`)."""

    # -------------------------------------------------------------------------------------- upload resources

    def start_upload(
        self,
        workspace: str,
        dataset_id: str,
        *,
        name: str,
        size: int,
        sha256: str | None = None,
        part_size: int | None = None,
        content_type: str | None = None,
        release_at: Any = None,
    ) -> Upload:
        """Starts a resumable upload (``POST .../uploads``): name, duplicate (when ``sha256`` is given) and quota
        are checked now. The server picks ``part_size`` (16 MiB by default; 5 MiB to 5 GiB). Asking again for the
        same file (with ``sha256``) while the upload begun is open gives that upload (with the parts it has), not
        a second one."""
        body: dict[str, Any] = {"name": name, "size": size}
        if sha256 is not None:
            body["sha256"] = sha256
        if part_size is not None:
            body["part_size"] = part_size
        if content_type is not None:
            body["content_type"] = content_type
        if release_at is not None:
            body["release_at"] = to_rfc3339(release_at)
        # With ``sha256``, safe to send again: while this caller's upload of the same file is open, the server
        # answers that one. Without it, a resent request may start a second upload.
        return Upload.from_json(
            self.request(
                "POST",
                f"workspaces/{seg(workspace)}/datasets/{seg(dataset_id)}/uploads",
                json=body,
                idempotent=sha256 is not None,
            ).json()
        )

    def get_upload(self, workspace: str, upload_id: str) -> Upload:
        """An upload with the parts the store holds (``parts``) and where it stands (``status``)."""
        return Upload.from_json(self.get_json(f"workspaces/{seg(workspace)}/uploads/{seg(upload_id)}"))

    def list_uploads(self, workspace: str) -> list[Upload]:
        """The workspace's uploads in flight."""
        data = self.get_json(f"workspaces/{seg(workspace)}/uploads")
        return [Upload.from_json(u) for u in data.get("items", [])]

    def abort_upload(self, workspace: str, upload_id: str) -> None:
        """Aborts an upload; the parts sent are dropped."""
        self.delete(f"workspaces/{seg(workspace)}/uploads/{seg(upload_id)}")

    def part_urls(self, workspace: str, upload_id: str, parts: Sequence[int]) -> list[PartUrl]:
        """Where to send each of ``parts`` (at most 1000 numbers): presigned object-store URLs (``direct``
        uploads) or this API's part route."""
        data = self.request(
            "POST",
            f"workspaces/{seg(workspace)}/uploads/{seg(upload_id)}/part-urls",
            json={"parts": list(parts)},
            idempotent=True,  # asking again only gives fresh URLs
        ).json()
        return [PartUrl.from_json(p) for p in data.get("items", [])]

    def complete_upload(
        self, workspace: str, upload_id: str, parts: Sequence[UploadPart] | None = None
    ) -> Upload:
        """Joins the parts (``202``); a job then verifies the size and SHA-256. Without ``parts`` the server joins
        the parts its store lists. Missing parts are a :class:`~meridian_client.Conflict` naming them."""
        body: dict[str, Any] = {}
        if parts is not None:
            body["parts"] = [{"number": p.number, "etag": p.etag} for p in sorted(parts, key=lambda p: p.number)]
        return Upload.from_json(
            self.post_json(f"workspaces/{seg(workspace)}/uploads/{seg(upload_id)}/complete", body)
        )

    def wait_for_upload(
        self, workspace: str, upload_id: str, *, timeout: float = 3600.0, poll_interval: float = 0.25
    ) -> Upload:
        """Polls an upload until the server has verified it (``done``) or refused it (``failed``, raised as
        :class:`~meridian_client.UploadFailed`)."""
        deadline = time.monotonic() + timeout
        interval = poll_interval
        while True:
            up = self.get_upload(workspace, upload_id)
            if up.status == "done":
                return up
            if up.status == "failed":
                raise UploadFailed(
                    f"the server refused upload {upload_id}: {up.error or 'no reason given'}", upload_id=upload_id
                )
            if time.monotonic() > deadline:
                raise MeridianError(f"upload {upload_id} was still {up.status!r} after {timeout:.0f} s")
            self.sleep(interval)
            interval = min(interval * 1.5, 5.0)

    # ------------------------------------------------------------------------------------------ upload_file

    def upload_file(
        self,
        workspace: str,
        dataset_id: str,
        path: str | os.PathLike[str],
        *,
        name: str | None = None,
        sha256: str | None = None,
        content_type: str | None = None,
        release_at: Any = None,
        resumable: bool | None = None,
        part_size: int | None = None,
        upload_id: str | None = None,
        progress: bool | dict[str, Any] = False,
        timeout: float = 3600.0,
    ) -> DataFile:
        """Uploads a local file into a dataset and returns the stored file, whose SHA-256 is checked against
        the one computed here.

        Small files (under 32 MiB, unless ``resumable=True``) go in one streamed request with ``?sha256=``.
        Larger ones (or ``resumable=True``) go as a resumable upload: the SHA-256 is declared when it starts,
        the parts are sent in order, each retried with exponential back-off on connection errors, 5xx and 429,
        then the server joins them and verifies size and checksum. If the parts cannot all be sent, an
        :class:`~meridian_client.UploadInterrupted` carries the ``upload_id``: call again with
        ``upload_id=...`` (or :meth:`resume_upload`) and only the parts the server lacks are sent.

        ``progress=True`` shows tqdm progress bars (a dict: extra tqdm arguments). ``timeout`` bounds the wait
        for the server's verification.
        """
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(p)
        if upload_id is not None:
            return self.resume_upload(workspace, upload_id, p, sha256=sha256, progress=progress, timeout=timeout)
        size = p.stat().st_size
        local_sha = (sha256 or sha256_file(p, progress=progress)[0]).lower()
        file_name = name or p.name
        if resumable is None:
            resumable = size >= SIMPLE_UPLOAD_LIMIT
        if not resumable:
            return self._simple_upload(
                workspace, dataset_id, p, file_name, size, local_sha, content_type, release_at, progress
            )
        up = self.start_upload(
            workspace,
            dataset_id,
            name=file_name,
            size=size,
            sha256=local_sha,
            part_size=part_size,
            content_type=content_type,
            release_at=release_at,
        )
        return self._finish_upload(workspace, up, p, local_sha, None, progress, timeout)

    def resume_upload(
        self,
        workspace: str,
        upload_id: str,
        path: str | os.PathLike[str],
        *,
        sha256: str | None = None,
        progress: bool | dict[str, Any] = False,
        timeout: float = 3600.0,
    ) -> DataFile:
        """Resumes an interrupted upload: asks the server which parts it holds, checks the local file is the
        one the upload was started with (size, SHA-256, and each held part's SHA-256 where the store's etags
        carry it), sends only the missing parts, and completes. Also finishes an upload already being verified
        or done."""
        p = Path(path)
        up = self.get_upload(workspace, upload_id)
        if up.status == "failed":
            raise UploadFailed(f"upload {upload_id} failed: {up.error or 'no reason given'}", upload_id=upload_id)
        size = p.stat().st_size
        if size != up.size_bytes:
            raise MeridianError(
                f"upload {upload_id} is for {up.size_bytes} bytes but {p} has {size}: not the same file"
            )
        local_sha, part_shas = sha256_file(p, part_size=up.part_size, progress=progress)
        if sha256 is not None and sha256.lower() != local_sha:
            raise ChecksumMismatch(f"{p} does not have the SHA-256 given", expected=sha256.lower(), actual=local_sha)
        if up.sha256 and up.sha256.lower() != local_sha:
            raise ChecksumMismatch(
                f"upload {upload_id} was started for other bytes than {p}'s", expected=up.sha256.lower(), actual=local_sha
            )
        return self._finish_upload(workspace, up, p, local_sha, part_shas, progress, timeout)

    # ----------------------------------------------------------------------------------------------- internals

    def _simple_upload(
        self,
        workspace: str,
        dataset_id: str,
        p: Path,
        file_name: str,
        size: int,
        local_sha: str,
        content_type: str | None,
        release_at: Any,
        progress: bool | dict[str, Any],
    ) -> DataFile:
        url = f"workspaces/{seg(workspace)}/datasets/{seg(dataset_id)}/files/{seg(file_name)}"
        params = {"sha256": local_sha, "release_at": to_rfc3339(release_at)}
        headers = {"Content-Length": str(size), "Content-Type": content_type or "application/octet-stream"}
        interrupted = False
        with _progress_bar(progress, size, f"uploading {file_name}") as bar:
            for attempt in range(self.max_retries + 1):
                sent = [0]

                def on_chunk(data: bytes) -> None:
                    sent[0] += len(data)
                    bar.update(len(data))

                f = p.open("rb")
                try:
                    resp = self.request(
                        "PUT",
                        url,
                        params=params,
                        content=lambda: _read_range(f, 0, size, on_chunk),
                        headers=headers,
                        retry=False,
                    )
                    return self._checked(DataFile.from_json(resp.json()), local_sha)
                except Conflict as e:
                    existing = e.body.get("existing_file")
                    if interrupted and e.code == "duplicate_file" and isinstance(existing, dict):
                        # An earlier attempt got through but its answer was lost.
                        return self._checked(self.get_file(workspace, str(existing["id"])), local_sha)
                    raise
                except (ConnectionFailed, ServerError, RateLimited) as e:
                    bar.update(-sent[0])
                    interrupted = True
                    if attempt >= self.max_retries:
                        raise
                    retry_after = getattr(e, "retry_after", None)
                    self.sleep(self.backoff(attempt, retry_after))
                finally:
                    f.close()
        raise MeridianError("unreachable")  # pragma: no cover

    @staticmethod
    def _checked(f: DataFile, local_sha: str) -> DataFile:
        if f.sha256.lower() != local_sha:
            raise ChecksumMismatch(
                f"the server recorded {f.name} with another SHA-256", expected=local_sha, actual=f.sha256
            )
        return f

    def _finish_upload(
        self,
        workspace: str,
        up: Upload,
        p: Path,
        local_sha: str,
        part_shas: list[str] | None,
        progress: bool | dict[str, Any],
        timeout: float,
    ) -> DataFile:
        try:
            rounds = 0
            while up.status == "open":
                rounds += 1
                if rounds > 3:
                    raise MeridianError(f"upload {up.id}: parts kept going missing; resume it later")
                etags = self._send_missing_parts(workspace, up, p, part_shas, progress)
                parts = [UploadPart(number=n, size=up.part_range(n)[1], etag=e) for n, e in etags.items()]
                try:
                    up = self.complete_upload(workspace, up.id, parts if len(parts) == up.part_count else None)
                except Conflict as e:
                    # Parts missing after all (expired, replaced): look again and send what is missing.
                    if any(err.field == "parts" for err in e.errors):
                        up = self.get_upload(workspace, up.id)
                        continue
                    raise
                except ConnectionFailed:
                    # The answer was lost; the upload says whether it was completed.
                    up = self.get_upload(workspace, up.id)
        except (ConnectionFailed, ServerError, RateLimited) as e:
            raise UploadInterrupted(workspace=workspace, upload_id=up.id) from e
        except KeyboardInterrupt as e:
            e.add_note(f"Meridian upload {up.id} can be resumed: upload_file(..., upload_id={up.id!r})")
            raise
        done = self.wait_for_upload(workspace, up.id, timeout=timeout)
        if not done.file_id:
            raise MeridianError(f"upload {up.id} is done but names no file")
        return self._checked(self.get_file(workspace, done.file_id), local_sha)

    def _send_missing_parts(
        self,
        workspace: str,
        up: Upload,
        p: Path,
        part_shas: list[str] | None,
        progress: bool | dict[str, Any],
    ) -> dict[int, str]:
        """Sends, in order, every part the server does not hold (or holds with other bytes); returns every
        part's etag by number."""
        etags: dict[int, str] = {}
        for held in up.parts:
            if not 1 <= held.number <= up.part_count or held.size != up.part_range(held.number)[1]:
                continue
            theirs = _sha_etag(held.etag)
            if theirs is not None and part_shas is not None and theirs != part_shas[held.number - 1]:
                continue  # the store holds other bytes for this part: send it again
            etags[held.number] = held.etag
        missing = [n for n in range(1, up.part_count + 1) if n not in etags]
        already = sum(up.part_range(n)[1] for n in etags)
        with _progress_bar(progress, up.size_bytes, f"uploading {up.name}", initial=already) as bar, p.open(
            "rb"
        ) as f:
            for i in range(0, len(missing), PART_URL_BATCH):
                batch = missing[i : i + PART_URL_BATCH]
                urls = {u.number: u for u in self.part_urls(workspace, up.id, batch)}
                for n in batch:
                    etags[n] = self._put_part(workspace, up, urls, n, f, bar)
        return etags

    def _put_part(
        self,
        workspace: str,
        up: Upload,
        urls: dict[int, PartUrl],
        n: int,
        f: BinaryIO,
        bar: ProgressBar,
    ) -> str:
        """Sends part ``n`` with retries and back-off; returns its etag."""
        offset, length = up.part_range(n)
        for attempt in range(self.max_retries + 1):
            target = urls.get(n)
            if target is None or (
                target.expires_at is not None
                and target.expires_at - timedelta(seconds=60) < datetime.now(timezone.utc)
            ):
                urls.update({u.number: u for u in self.part_urls(workspace, up.id, [n])})
                target = urls[n]
            if target.size != length:
                raise MeridianError(f"part {n}: the server expects {target.size} bytes, the file gives {length}")
            digest = hashlib.sha256()
            sent = [0]

            def on_chunk(data: bytes) -> None:
                digest.update(data)
                sent[0] += len(data)
                bar.update(len(data))

            headers = {k: v for k, v in target.headers}
            headers["Content-Length"] = str(length)
            headers.setdefault("Content-Type", "application/octet-stream")
            try:
                resp = self.request(
                    target.method,
                    self.absolute_url(target.url),
                    content=lambda: _read_range(f, offset, length, on_chunk),
                    headers=headers,
                    retry=False,
                    # The API key goes to this server only: presigned URLs (and any other host) get none.
                    direct=up.direct or not self.absolute_url(target.url).startswith(self.server_url + "/"),
                )
            except (ConnectionFailed, ServerError, RateLimited) as e:
                bar.update(-sent[0])
                if attempt >= self.max_retries:
                    raise
                self.sleep(self.backoff(attempt, getattr(e, "retry_after", None)))
                continue
            except Forbidden:
                bar.update(-sent[0])
                if up.direct and attempt < self.max_retries:
                    urls.pop(n, None)  # a presigned URL that expired: ask for a fresh one
                    continue
                raise
            etag: str | None
            if up.direct:
                etag = resp.headers.get("etag")
            else:
                body = resp.json()
                etag = body.get("etag")
                if int(body.get("size", length)) != length:
                    raise MeridianError(f"part {n}: the server stored {body.get('size')} bytes, not {length}")
            if not etag:
                raise MeridianError(f"part {n}: the answer carries no etag")
            theirs = _sha_etag(etag)
            if theirs is not None and theirs != digest.hexdigest():
                # The store hashed other bytes than we sent: send the part again.
                bar.update(-sent[0])
                if attempt >= self.max_retries:
                    raise ChecksumMismatch(f"part {n} arrived damaged", expected=digest.hexdigest(), actual=theirs)
                continue
            return etag
        raise MeridianError("unreachable")  # pragma: no cover

    # ----------------------------------------------------------------------------------------------- download

    def stream_to_file(
        self,
        url: str,
        dest: Path,
        *,
        expected_sha256: str | None,
        expected_size: int | None = None,
        progress: bool | dict[str, Any] = False,
        desc: str = "downloading",
        resume: bool = True,
        on_headers: Callable[[httpx.Response], None] | None = None,
    ) -> str:
        """Streams ``GET url`` into ``dest``, hashing while writing, and returns the SHA-256.

        Bytes go to ``dest`` + ``.part`` first, renamed to ``dest`` only when complete and (with
        ``expected_sha256``) matching: on a mismatch the partial file is deleted and
        :class:`~meridian_client.ChecksumMismatch` is raised. A connection that breaks mid-way is resumed with a
        ``Range`` request (when ``resume`` and the server accepts ranges), with back-off between attempts.
        """
        dest = Path(dest)
        part = dest.with_name(dest.name + ".part")
        digest = hashlib.sha256()
        written = 0
        total = expected_size
        ok = False
        try:
            with part.open("wb") as out, _progress_bar(progress, expected_size or 0, desc) as bar:
                attempt = 0
                while True:
                    headers = {"Accept-Encoding": "identity"}
                    if written:
                        headers["Range"] = f"bytes={written}-"
                    resp = self.request("GET", url, headers=headers, stream=True)
                    try:
                        if written and resp.status_code != 206:
                            # The server ignored the range: start again from the first byte.
                            out.seek(0)
                            out.truncate()
                            bar.update(-written)
                            written = 0
                            digest = hashlib.sha256()
                        if attempt == 0 and on_headers is not None:
                            on_headers(resp)
                        if total is None:
                            length = resp.headers.get("content-length")
                            if length is not None and resp.status_code == 200:
                                total = int(length)
                        for chunk in resp.iter_raw():
                            out.write(chunk)
                            digest.update(chunk)
                            written += len(chunk)
                            bar.update(len(chunk))
                    except httpx.TransportError as e:
                        attempt += 1
                        if attempt > self.max_retries:
                            raise ConnectionFailed(f"GET {url}: the download broke off: {e}") from e
                        if not (resume and resp.headers.get("accept-ranges", "").lower() == "bytes"):
                            # No ranges here (a zip archive): start again from the first byte.
                            out.seek(0)
                            out.truncate()
                            bar.update(-written)
                            written = 0
                            digest = hashlib.sha256()
                        self.sleep(self.backoff(attempt - 1))
                        continue
                    finally:
                        resp.close()
                    if total is not None and written < total and attempt < self.max_retries:
                        attempt += 1  # the body ended early: ask for the rest
                        self.sleep(self.backoff(attempt - 1))
                        continue
                    break
            actual = digest.hexdigest()
            if total is not None and written != total:
                raise MeridianError(f"GET {url}: got {written} bytes, expected {total}")
            if expected_sha256 is not None and actual != expected_sha256.lower():
                raise ChecksumMismatch(
                    f"{dest.name}: the downloaded bytes' SHA-256 is {actual}, not the recorded {expected_sha256}",
                    expected=expected_sha256.lower(),
                    actual=actual,
                )
            os.replace(part, dest)
            ok = True
            return actual
        finally:
            if not ok:
                try:
                    part.unlink()
                except FileNotFoundError:
                    pass

    def download_file(
        self,
        workspace: str,
        file_id: str,
        dest: str | os.PathLike[str],
        *,
        expected_sha256: str | None = None,
        progress: bool | dict[str, Any] = False,
        overwrite: bool = True,
    ) -> Path:
        """Downloads a file's bytes to ``dest`` (a file path, or an existing directory: then the file's name in
        it) and verifies them against the SHA-256 recorded at upload (or ``expected_sha256``). Returns the path.

        The bytes are hashed while they are written; on a mismatch the partial file is deleted and
        :class:`~meridian_client.ChecksumMismatch` is raised, so ``dest`` only ever holds verified bytes. A
        cold file answers :class:`~meridian_client.Conflict` (``restore_required``): restore it first.
        """
        meta = self.get_file(workspace, file_id)
        target = Path(dest)
        if target.is_dir():
            target = target / (Path(meta.name).name or meta.id)
        if target.exists() and not overwrite:
            raise FileExistsError(target)
        self.stream_to_file(
            f"workspaces/{seg(workspace)}/files/{seg(file_id)}/content",
            target,
            expected_sha256=(expected_sha256 or meta.sha256),
            expected_size=meta.size_bytes,
            progress=progress,
            desc=f"downloading {meta.name}",
        )
        return target

    def restore_file(self, workspace: str, file_id: str) -> DataFile:
        """Starts bringing a cold file back to the hot tier (``restore_status: in_progress``; a job finishes)."""
        return DataFile.from_json(self.post_json(f"workspaces/{seg(workspace)}/files/{seg(file_id)}/restore"))
