"""Exceptions raised by the client.

Every exception is a :class:`MeridianError`. Errors answered by the server carry the RFC 9457
``application/problem+json`` body the API sends (``status``, ``title``, ``detail``, ``type``, ``code`` and, for
validation failures and conflicts, ``errors`` naming the offending fields); the subclasses sort them by status.
Errors found on this side (a checksum that does not match, a connection that kept failing, an upload that has
to be resumed) are subclasses too, so ``except MeridianError`` catches everything the client raises on purpose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

import httpx

__all__ = [
    "FieldError",
    "MeridianError",
    "ConfigurationError",
    "BadRequest",
    "AuthenticationError",
    "Forbidden",
    "NotFound",
    "Conflict",
    "PayloadTooLarge",
    "ValidationError",
    "RateLimited",
    "ServerError",
    "Unavailable",
    "ConnectionFailed",
    "ChecksumMismatch",
    "UploadInterrupted",
    "UploadFailed",
    "PackageVerificationError",
    "error_from_response",
]


@dataclass(frozen=True)
class FieldError:
    """One offending field of a ``validation_failed`` or ``conflict`` problem."""

    field: str
    message: str


class MeridianError(Exception):
    """Base class of every error the client raises.

    For an HTTP error answered by the server, the problem body's members are attributes:

    * ``status`` -- the HTTP status (``None`` for errors found locally);
    * ``title`` -- a short summary of the kind of problem;
    * ``detail`` -- what went wrong this time, for people;
    * ``type`` -- a URI naming the kind of problem (``/problems/{code}``);
    * ``code`` -- the stable machine-readable code (``not_found``, ``validation_failed``, ...);
    * ``errors`` -- the offending fields (:class:`FieldError`), possibly empty;
    * ``body`` -- the whole problem body as a dict (extension members such as ``existing_file`` or
      ``used_bytes`` included);
    * ``headers`` -- the response headers; ``method`` and ``url`` of the request.
    """

    status: int | None
    title: str | None
    detail: str | None
    type: str | None
    code: str | None
    errors: list[FieldError]
    body: dict[str, Any]
    headers: Mapping[str, str]
    method: str | None
    url: str | None

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        title: str | None = None,
        detail: str | None = None,
        type: str | None = None,  # noqa: A002 - the problem member's name
        code: str | None = None,
        errors: list[FieldError] | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.code = code
        self.errors = list(errors or [])
        self.body = dict(body or {})
        self.headers = dict(headers or {})
        self.method = method
        self.url = url
        if message is None:
            message = self._default_message()
        super().__init__(message)

    def _default_message(self) -> str:
        parts: list[str] = []
        if self.status is not None:
            parts.append(str(self.status))
        if self.code:
            parts.append(self.code)
        head = " ".join(parts)
        text = self.detail or self.title or "error"
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        return f"{head}: {text}{where}" if head else f"{text}{where}"

    def field_errors(self) -> dict[str, str]:
        """The field errors as ``{field: message}`` (the last message wins when a field repeats)."""
        return {e.field: e.message for e in self.errors}


class ConfigurationError(MeridianError):
    """No server URL, or an unreadable configuration file."""


class BadRequest(MeridianError):
    """400: malformed JSON, a query parameter of the wrong type, a body that broke off."""


class AuthenticationError(MeridianError):
    """401: no credentials where some are needed, or an unknown / revoked API key."""


class Forbidden(MeridianError):
    """403: the key's scope or the caller's role does not allow this (also ``email_unverified``)."""


class NotFound(MeridianError):
    """404: no such resource, or one the caller may not see (another workspace's private objects)."""


class Conflict(MeridianError):
    """409: a duplicate, a closed night log, missing upload parts, a cold file, ..."""


class PayloadTooLarge(MeridianError):
    """413: a JSON body over 64 KiB, or an upload over the plan's quota (``quota_exceeded``)."""


class ValidationError(MeridianError):
    """422: values the server refuses (``validation_failed``, with ``errors``) or a body of the wrong shape."""


class RateLimited(MeridianError):
    """429: too many requests; ``retry_after`` is the server's ``Retry-After`` in seconds (or ``None``)."""

    retry_after: float | None

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(MeridianError):
    """5xx: the server failed (``internal``) or cannot reach its database or object store."""

    retry_after: float | None

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class Unavailable(ServerError):
    """503: the database or the object store cannot be reached; try again after ``retry_after`` seconds."""


class ConnectionFailed(MeridianError):
    """The server could not be reached, or the connection broke, on every attempt."""


class ChecksumMismatch(MeridianError):
    """Bytes whose SHA-256 is not the one expected (a download, an upload, a package member)."""

    expected: str
    actual: str

    def __init__(self, message: str | None = None, *, expected: str, actual: str, **kw: Any) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(message or f"SHA-256 mismatch: expected {expected}, got {actual}", **kw)


class UploadInterrupted(MeridianError):
    """A resumable upload stopped before every part was sent (the connection kept failing, or the program was
    interrupted). Nothing is lost: call :meth:`meridian_client.Client.upload_file` again with
    ``upload_id=err.upload_id`` (or :meth:`~meridian_client.Client.resume_upload`) to send only the missing parts.
    """

    workspace: str
    upload_id: str

    def __init__(self, message: str | None = None, *, workspace: str, upload_id: str, **kw: Any) -> None:
        self.workspace = workspace
        self.upload_id = upload_id
        super().__init__(
            message or f"upload {upload_id} was interrupted; resume it with upload_id={upload_id!r}", **kw
        )


class UploadFailed(MeridianError):
    """The server refused a completed upload (``status: failed``: checksum or size mismatch, duplicate file)."""

    upload_id: str

    def __init__(self, message: str | None = None, *, upload_id: str, **kw: Any) -> None:
        self.upload_id = upload_id
        super().__init__(message, **kw)


class PackageVerificationError(MeridianError):
    """A data package archive that does not match its manifest; ``problems`` lists every difference found."""

    problems: list[str]

    def __init__(self, problems: list[str], message: str | None = None, **kw: Any) -> None:
        self.problems = list(problems)
        shown = "; ".join(self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(message or f"the archive does not match its manifest: {shown}{more}", **kw)


_BY_STATUS: dict[int, type[MeridianError]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: ValidationError,
    429: RateLimited,
    503: Unavailable,
}


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date (then the seconds from now, at least 0)."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime
    from datetime import datetime, timezone

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def error_from_response(response: httpx.Response) -> MeridianError:
    """The exception for an error response: the class by status, the problem body's members as attributes.

    A body that is not a problem (a proxy's HTML page, say) still gives an error of the right class, with the
    text (shortened) as ``detail``. The response body must have been read.
    """
    status = response.status_code
    body: dict[str, Any] = {}
    try:
        parsed = json.loads(response.content) if response.content else None
        if isinstance(parsed, dict):
            body = parsed
    except (ValueError, UnicodeDecodeError):
        body = {}
    detail = body.get("detail")
    if not body and response.content:
        detail = response.text[:500]
    errors = [
        FieldError(field=str(e.get("field", "")), message=str(e.get("message", "")))
        for e in body.get("errors", []) or []
        if isinstance(e, dict)
    ]
    request: httpx.Request | None
    try:
        request = response.request
    except RuntimeError:
        request = None
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else MeridianError
    kw: dict[str, Any] = dict(
        status=body.get("status", status) if isinstance(body.get("status"), int) else status,
        title=body.get("title") or response.reason_phrase or None,
        detail=detail,
        type=body.get("type"),
        code=body.get("code"),
        errors=errors,
        body=body,
        headers=dict(response.headers),
        method=request.method if request is not None else None,
        url=str(request.url) if request is not None else None,
    )
    if issubclass(cls, (RateLimited, ServerError)):
        kw["retry_after"] = parse_retry_after(response.headers.get("retry-after"))
    return cls(**kw)
