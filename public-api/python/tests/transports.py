"""httpx transports that wrap the real one to watch, break or damage traffic in the tests."""

from __future__ import annotations

import re
from typing import Iterator

import httpx

PART_PATH = re.compile(r"/uploads/[^/]+/parts/(\d+)$")


class PartRecorder(httpx.BaseTransport):
    """Passes everything to a real transport, recording which upload parts reached the server.

    * ``break_once``: part numbers whose first attempt breaks off mid-body (a ``WriteError`` after some bytes);
    * ``unavailable_once``: part numbers whose first attempt is answered ``503`` with ``Retry-After: 0``;
    * ``fail_after``: once this many parts were stored, every further part request fails to connect (the network
      is gone), so the upload stops half-way.
    """

    def __init__(
        self,
        *,
        break_once: set[int] | None = None,
        unavailable_once: set[int] | None = None,
        fail_after: int | None = None,
    ) -> None:
        self.inner = httpx.HTTPTransport()
        self.break_once = set(break_once or ())
        self.unavailable_once = set(unavailable_once or ())
        self.fail_after = fail_after
        self.attempts: list[int] = []  # every part request, in order
        self.stored: list[int] = []  # parts the server answered 200 to, in order
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        m = PART_PATH.search(request.url.path)
        if request.method != "PUT" or not m:
            return self.inner.handle_request(request)
        n = int(m.group(1))
        self.attempts.append(n)
        if self.fail_after is not None and len(self.stored) >= self.fail_after:
            raise httpx.ConnectError("simulated: the network is down", request=request)
        if n in self.break_once:
            self.break_once.discard(n)
            consumed = 0
            for chunk in request.stream:  # type: ignore[union-attr]
                consumed += len(chunk)
                if consumed > 256 * 1024:
                    break
            raise httpx.WriteError("simulated: the connection broke mid-part", request=request)
        if n in self.unavailable_once:
            self.unavailable_once.discard(n)
            for _ in request.stream:  # type: ignore[union-attr]
                pass
            return httpx.Response(
                503,
                headers={"Retry-After": "0", "Content-Type": "application/problem+json"},
                json={"type": "/problems/unavailable", "title": "Service Unavailable", "status": 503,
                      "detail": "simulated", "code": "unavailable"},
                request=request,
            )  # fmt: skip
        response = self.inner.handle_request(request)
        if response.status_code == 200:
            self.stored.append(n)
        return response

    def close(self) -> None:
        self.inner.close()


class _FlipFirstByte(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream) -> None:
        self.inner = inner
        self.flipped = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            if not self.flipped and chunk:
                chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
                self.flipped = True
            yield chunk

    def close(self) -> None:
        self.inner.close()


class _BreakAfter(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, limit: int, request: httpx.Request) -> None:
        self.inner = inner
        self.limit = limit
        self.request = request

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        for chunk in self.inner:
            if sent + len(chunk) > self.limit:
                yield chunk[: self.limit - sent]
                raise httpx.ReadError("simulated: the download broke off", request=self.request)
            sent += len(chunk)
            yield chunk

    def close(self) -> None:
        self.inner.close()


class ContentTamperer(httpx.BaseTransport):
    """Passes everything through, but damages file downloads (``.../content``): ``flip`` turns the first byte of
    every body over; ``break_first_after`` breaks the first download off after that many bytes. ``ranges``
    records the ``Range`` header of each download request."""

    def __init__(self, *, flip: bool = False, break_first_after: int | None = None) -> None:
        self.inner = httpx.HTTPTransport()
        self.flip = flip
        self.break_first_after = break_first_after
        self.ranges: list[str | None] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not request.url.path.endswith("/content"):
            return response
        self.ranges.append(request.headers.get("range"))
        stream: httpx.SyncByteStream = response.stream  # type: ignore[assignment]
        if self.flip:
            stream = _FlipFirstByte(stream)
        elif self.break_first_after is not None and len(self.ranges) == 1:
            stream = _BreakAfter(stream, self.break_first_after, request)
        return httpx.Response(
            response.status_code, headers=response.headers, stream=stream, extensions=response.extensions,
            request=request,
        )  # fmt: skip

    def close(self) -> None:
        self.inner.close()
