"""The HTTP layer every part of the client stands on: settings, authentication, retries with exponential
back-off, problem+json errors, and cursor pagination."""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar
from urllib.parse import quote

import httpx

from ._version import __version__
from .config import resolve_settings
from .errors import (
    ConnectionFailed,
    MeridianError,
    RateLimited,
    ServerError,
    error_from_response,
)

T = TypeVar("T")

#: Statuses worth another try for any request: the server did not act on it.
RETRY_ALWAYS = frozenset({429, 503})
#: Statuses worth another try when the request is idempotent (GET, PUT, DELETE, HEAD).
RETRY_IDEMPOTENT = frozenset({500, 502, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

ContentFactory = Callable[[], Iterable[bytes] | bytes]


def seg(value: Any) -> str:
    """One URL path segment, percent-encoded (slashes too)."""
    return quote(str(value), safe="")


def format_param(value: Any) -> str:
    """A query parameter value as the API reads it: RFC 3339 for datetimes (UTC, ``Z``), ``YYYY-MM-DD`` for
    dates, ``true``/``false``, comma-separated lists, astropy ``Time`` as ISO UTC."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return str(value.astimezone(timezone.utc).isoformat()).replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(format_param(v) for v in value)
    # astropy Time, without importing astropy here
    if hasattr(value, "utc") and hasattr(value, "isot"):
        return str(value.utc.isot) + "Z"
    return str(value)


def clean_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """The parameters that are not ``None``, formatted."""
    return {k: format_param(v) for k, v in (params or {}).items() if v is not None}


def to_rfc3339(value: Any) -> str | None:
    """A timestamp (datetime, astropy Time, or text) as RFC 3339 text, or ``None``."""
    if value is None:
        return None
    return format_param(value)


class BaseClient:
    """Settings, the HTTP connection pool, retries and pagination (see :class:`meridian_client.Client`)."""

    server_url: str
    api_url: str
    api_key: str | None
    max_retries: int
    backoff_factor: float
    max_backoff: float
    max_retry_wait: float

    def __init__(
        self,
        server_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 60.0,
        max_retries: int = 5,
        backoff_factor: float = 0.5,
        max_backoff: float = 30.0,
        max_retry_wait: float = 300.0,
        transport: httpx.BaseTransport | None = None,
        verify: bool | str = True,
        user_agent: str | None = None,
    ) -> None:
        settings = resolve_settings(server_url, api_key)
        self.server_url = settings.server_url
        self.api_url = settings.server_url + "/api/v1"
        self.api_key = settings.api_key
        self.max_retries = max(0, int(max_retries))
        self.backoff_factor = float(backoff_factor)
        self.max_backoff = float(max_backoff)
        self.max_retry_wait = float(max_retry_wait)
        headers = {
            "User-Agent": user_agent or f"meridian-client-python/{__version__}",
            "Accept": "application/json, application/problem+json",
        }
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 15.0))
        self._transport = transport
        self._verify = verify
        self._http = httpx.Client(
            base_url=self.api_url + "/",
            headers=headers,
            timeout=self._timeout,
            transport=transport,
            verify=verify,
            follow_redirects=False,
        )
        self._direct_http: httpx.Client | None = None
        #: The function used to wait between attempts (tests may replace it).
        self.sleep: Callable[[float], None] = time.sleep

    # ------------------------------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Closes the connection pools."""
        self._http.close()
        if self._direct_http is not None and self._transport is None:
            self._direct_http.close()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        auth = "API key" if self.api_key else "anonymous"
        return f"<meridian_client.Client {self.server_url} ({auth})>"

    @property
    def direct_http(self) -> httpx.Client:
        """A client without the API key, for presigned object-store URLs."""
        if self._direct_http is None:
            self._direct_http = httpx.Client(
                timeout=self._timeout, transport=self._transport, verify=self._verify, follow_redirects=False
            )
        return self._direct_http

    # ---------------------------------------------------------------------------------------------- retries

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1``: ``backoff_factor * 2**attempt`` (at most
        ``max_backoff``) with jitter, and at least the server's ``Retry-After``."""
        delay = float(min(self.max_backoff, self.backoff_factor * (2.0**attempt)))
        delay *= random.uniform(0.5, 1.0)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def absolute_url(self, url: str) -> str:
        """A URL the API returned: absolute ones as they are, paths (``/api/v1/...``) on this server."""
        if url.startswith(("http://", "https://")):
            return url
        return self.server_url + ("" if url.startswith("/") else "/") + url

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: ContentFactory | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        idempotent: bool | None = None,
        retry: bool = True,
        direct: bool = False,
    ) -> httpx.Response:
        """Sends one API request, retrying what can safely be retried, and returns the response (status < 400)
        or raises the :class:`~meridian_client.MeridianError` for the problem the server answered.

        ``path`` is relative to ``/api/v1`` (``"workspaces/obs/datasets"``) unless it is an absolute URL.
        ``content`` is a function returning the body (called again for each attempt, so a stream can be
        re-read). Connection errors, 429 and 503 are retried for every request (POSTs only when the connection
        was never made, or the server said it did nothing), other 5xx for idempotent methods; waits grow
        exponentially and honour ``Retry-After``. With ``stream=True`` the caller must close the response.
        ``direct=True`` sends without the API key (presigned object-store URLs).
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        client = self.direct_http if direct else self._http
        if direct or path.startswith(("http://", "https://")):
            url: str = path
        else:
            url = path.lstrip("/")
        query = clean_params(params)
        attempts = (self.max_retries if retry else 0) + 1
        last_exc: BaseException | None = None
        for attempt in range(attempts):
            body = content() if content is not None else None
            try:
                req = client.build_request(
                    method,
                    url,
                    params=query or None,
                    json=json if content is None else None,
                    content=body,
                    headers=dict(headers or {}),
                )
                resp = client.send(req, stream=stream)
            except httpx.TransportError as e:
                last_exc = e
                never_sent = isinstance(e, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
                if (idempotent or never_sent) and attempt + 1 < attempts:
                    self.sleep(self.backoff(attempt))
                    continue
                raise ConnectionFailed(
                    f"{method} {url}: {type(e).__name__}: {e} (after {attempt + 1} attempt(s))",
                    method=method,
                    url=str(url),
                ) from e
            if resp.status_code < 400:
                return resp
            if stream:
                resp.read()
                resp.close()
            err = error_from_response(resp)
            status = resp.status_code
            can_retry = status in RETRY_ALWAYS or (idempotent and status in RETRY_IDEMPOTENT)
            if can_retry and attempt + 1 < attempts:
                wait_hint = err.retry_after if isinstance(err, (RateLimited, ServerError)) else None
                if wait_hint is not None and wait_hint > self.max_retry_wait:
                    raise err
                self.sleep(self.backoff(attempt, wait_hint))
                last_exc = err
                continue
            raise err
        # Unreachable: the loop returns or raises.
        raise MeridianError(f"{method} {url}: gave up") from last_exc  # pragma: no cover

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """``GET`` and parse the JSON answer."""
        return self.request("GET", path, params=params).json()

    def post_json(self, path: str, body: Any = None, *, params: Mapping[str, Any] | None = None) -> Any:
        """``POST`` a JSON body and parse the JSON answer (``None`` for an empty one)."""
        resp = self.request("POST", path, json={} if body is None else body, params=params)
        return resp.json() if resp.content else None

    def patch_json(self, path: str, body: Any) -> Any:
        """``PATCH`` a JSON body and parse the JSON answer."""
        resp = self.request("PATCH", path, json=body, idempotent=True)
        return resp.json() if resp.content else None

    def delete(self, path: str) -> None:
        """``DELETE`` (204 expected)."""
        self.request("DELETE", path)

    # ------------------------------------------------------------------------------------------- pagination

    def paginate(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a cursor-paginated list, page after page, as the JSON objects the API sends.

        Requests pages of ``page_size`` items (the API's default 50 when ``None``; 1 to 200) and passes each
        page's ``next_cursor`` as ``cursor`` until a page comes without one. ``limit`` stops after that many
        items. Pages are fetched lazily, as the iterator is consumed.
        """
        base = dict(params or {})
        if page_size is not None:
            base["limit"] = page_size
        cursor: str | None = None
        seen: set[str] = set()
        count = 0
        while True:
            query = dict(base)
            if cursor:
                query["cursor"] = cursor
            page = self.get_json(path, query)
            for item in page.get("items", []) or []:
                yield item
                count += 1
                if limit is not None and count >= limit:
                    return
            cursor = page.get("next_cursor")
            if not cursor:
                return
            if cursor in seen:
                raise MeridianError(f"GET {path}: the server returned the cursor {cursor!r} twice")
            seen.add(cursor)

    def paginate_as(
        self,
        factory: Callable[[Mapping[str, Any]], T],
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> Iterator[T]:
        """:meth:`paginate`, each item turned into a model by ``factory``."""
        for item in self.paginate(path, params, page_size=page_size, limit=limit):
            yield factory(item)
