"""Fixtures for the live-server tests.

One real ``meridian serve`` (the built binary: ``SERVER_BIN``, default
``/var/cache/meridian-ci/target/debug/meridian``) runs for the whole session on a free loopback port with a fresh
data directory: the embedded default (SQLite, files on the filesystem, mail to ``<data dir>/outbox``, jobs in the
same process), started like ``tests/browser/harness.mjs`` starts it. The satellite catalog from the Rust tests'
data is imported first with ``meridian satellites import``, as ``tests/browser/satellites.test.mjs`` does.

Accounts are made through the REST API as a person would: sign up (``POST /accounts``), confirm the address with
the token from the mailed link (read from the outbox), sign in (``POST /sessions``; the CSRF cookie echoed in
``X-CSRF-Token``), create a workspace and an API key. Everything after that goes through
:class:`meridian_client.Client` with the key.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest

from meridian_client import Client

REPO = Path(__file__).resolve().parents[3]
DEFAULT_BIN = "/var/cache/meridian-ci/target/debug/meridian"
CATALOG = REPO / "backend" / "satellites" / "tests" / "data" / "catalog_stellarium_0.22.2.tle"
PASSWORD = "correct horse battery"


@dataclass
class Server:
    base: str
    data_dir: Path
    catalog_imported: bool
    catalog_error: str | None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERIDIAN_")}
    env.update(
        {
            "MERIDIAN_LOG": "warn",
            "MERIDIAN_DATA_DIR": str(data_dir),
            # As the browser harness: the job worker picks up new jobs at its next heartbeat at the latest.
            "MERIDIAN_JOBS__HEARTBEAT_SECS": "2",
            "MERIDIAN_JOBS__POLL_INTERVAL_MS": "200",
        }
    )
    return env


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    binary = os.environ.get("SERVER_BIN") or DEFAULT_BIN
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        found = shutil.which(binary)
        if not found:
            pytest.fail(f"the server binary {binary!r} is missing: build it (cargo build -p meridian-server) or set SERVER_BIN")
        binary = found
    data_dir = tmp_path_factory.mktemp("meridian-data")
    env = _server_env(data_dir)

    catalog_imported, catalog_error = False, None
    if CATALOG.is_file():
        done = subprocess.run(
            [binary, "satellites", "import", str(CATALOG)], env=env, capture_output=True, text=True, timeout=120
        )
        catalog_imported = done.returncode == 0
        if not catalog_imported:
            catalog_error = f"`meridian satellites import` exited {done.returncode}: {done.stderr[-2000:]}"
    else:
        catalog_error = f"the test catalog {CATALOG} is missing"

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = data_dir / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [binary, "serve", "--bind", f"127.0.0.1:{port}", "--data-dir", str(data_dir)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-4000:]}")
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not become ready:\n{log_path.read_text(errors='replace')[-4000:]}")
            time.sleep(0.1)
        yield Server(base=base, data_dir=data_dir, catalog_imported=catalog_imported, catalog_error=catalog_error)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def _mailed_token(server: Server, to: str, path: str, timeout: float = 30.0) -> str:
    """The token of the newest link to ``path`` mailed to ``to`` (the outbox holds one .eml per message)."""
    outbox = server.data_dir / "outbox"
    deadline = time.monotonic() + timeout
    pattern = re.compile(re.escape(path) + r"\?token=([A-Za-z0-9_\-]+)")
    while True:
        found: list[tuple[str, str]] = []
        if outbox.is_dir():
            for f in sorted(outbox.glob("*.eml")):
                msg = email.message_from_bytes(f.read_bytes())
                if to.lower() not in str(msg.get("To", "")).lower():
                    continue
                parts = [msg] if not msg.is_multipart() else [
                    part for part in msg.walk() if part.get_content_type() == "text/plain"
                ]
                for part in parts:
                    payload = part.get_payload(decode=True)
                    text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)
                    m = pattern.search(text)
                    if m:
                        found.append((f.name, m.group(1)))
        if found:
            return found[-1][1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail to {to} with a {path} link in {outbox}")
        time.sleep(0.1)


@dataclass
class Owner:
    """A confirmed account signed in with a browser session, its workspace and a write-scoped API key."""

    email: str
    workspace: str
    api_key: str
    session: httpx.Client


def make_owner(server: Server, label: str) -> Owner:
    tag = uuid.uuid4().hex[:8]
    address = f"{label}-{tag}@example.org"
    api = f"{server.base}/api/v1"
    session = httpx.Client(base_url=api, timeout=30)
    r = session.post("/accounts", json={"email": address, "password": PASSWORD, "display_name": label.title()})
    assert r.status_code == 202, r.text
    token = _mailed_token(server, address, "/verify-email")
    r = session.post("/email-verifications", json={"token": token})
    assert r.status_code == 200 and r.json()["email_verified"], r.text
    r = session.post("/sessions", json={"email": address, "password": PASSWORD})
    assert r.status_code == 201, r.text
    csrf = {"X-CSRF-Token": session.cookies.get("meridian_csrf") or ""}
    slug = f"obs-{label}-{tag}"
    r = session.post("/workspaces", json={"slug": slug, "name": f"{label.title()} Observatory"}, headers=csrf)
    assert r.status_code == 201, r.text
    r = session.post(f"/workspaces/{slug}/api-keys", json={"name": "python client tests", "scope": "write"}, headers=csrf)
    assert r.status_code == 201, r.text
    return Owner(email=address, workspace=slug, api_key=r.json()["secret"], session=session)


@pytest.fixture(scope="session")
def owner(server: Server) -> Iterator[Owner]:
    o = make_owner(server, "owner")
    yield o
    o.session.close()


@pytest.fixture(scope="session")
def outsider(server: Server) -> Iterator[Owner]:
    """Another person with their own private workspace (to check that ours cannot see it)."""
    o = make_owner(server, "outsider")
    yield o
    o.session.close()


@pytest.fixture(scope="session")
def workspace(owner: Owner) -> str:
    return owner.workspace


@pytest.fixture(scope="session")
def make_client(server: Server, owner: Owner) -> Iterator[Callable[..., Client]]:
    """Makes clients with the owner's key and fast retries (the back-off is exercised, not waited for); extra
    keyword arguments go to :class:`~meridian_client.Client` (``transport=...``)."""
    made: list[Client] = []

    def make(**kw: Any) -> Client:
        kw.setdefault("backoff_factor", 0.01)
        kw.setdefault("max_backoff", 0.05)
        c = Client(server.base, api_key=owner.api_key, **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture(scope="session")
def client(make_client: Callable[..., Client]) -> Client:
    return make_client()


@pytest.fixture()
def dataset(client: Client, workspace: str, request: pytest.FixtureRequest) -> str:
    """A fresh dataset for one test; its id."""
    name = f"{request.node.name[:80]}-{uuid.uuid4().hex[:6]}"
    return client.create_dataset(workspace, name, description="made by the Python client tests").id
