"""Where the client finds its server URL and API key.

Each setting is taken from the first of these that has it:

1. the argument given to :class:`~meridian_client.Client`;
2. the environment: ``MERIDIAN_SERVER`` and ``MERIDIAN_API_KEY``;
3. a TOML file: ``MERIDIAN_CONFIG_FILE`` if set, else ``$XDG_CONFIG_HOME/meridian/config.toml``
   (``~/.config/meridian/config.toml``), with top-level keys ``server`` and ``api_key``::

       server = "https://meridian.example.org"
       api_key = "mrd_..."
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigurationError

__all__ = ["Settings", "default_config_path", "resolve_settings", "ENV_SERVER", "ENV_API_KEY", "ENV_CONFIG_FILE"]

ENV_SERVER = "MERIDIAN_SERVER"
ENV_API_KEY = "MERIDIAN_API_KEY"
ENV_CONFIG_FILE = "MERIDIAN_CONFIG_FILE"


@dataclass(frozen=True)
class Settings:
    """The resolved settings: the server's root URL (without ``/api/v1``) and the API key, if any."""

    server_url: str
    # Never in a printed Settings (logs, tracebacks).
    api_key: str | None = field(repr=False)


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``MERIDIAN_CONFIG_FILE``, else ``$XDG_CONFIG_HOME/meridian/config.toml`` (``~/.config/...``)."""
    env = os.environ if environ is None else environ
    explicit = env.get(ENV_CONFIG_FILE)
    if explicit:
        return Path(explicit).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "meridian" / "config.toml"


def _read_config_file(environ: Mapping[str, str]) -> dict[str, Any]:
    path = default_config_path(environ)
    explicit = bool(environ.get(ENV_CONFIG_FILE))
    if not path.is_file():
        if explicit:
            raise ConfigurationError(f"{ENV_CONFIG_FILE} names {path}, which is not a file")
        return {}
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigurationError(f"cannot read the configuration file {path}: {e}") from e
    for key in ("server", "api_key"):
        if key in data and not isinstance(data[key], str):
            raise ConfigurationError(f"{path}: `{key}` must be a string")
    return data


def normalize_server_url(url: str) -> str:
    """The server's root URL: no trailing slash, and no ``/api/v1`` (both spellings are accepted)."""
    url = url.strip().rstrip("/")
    if url.endswith("/api/v1"):
        url = url[: -len("/api/v1")]
    if not (url.startswith("http://") or url.startswith("https://")):
        raise ConfigurationError(f"the server URL must start with http:// or https://, not {url!r}")
    return url


def resolve_settings(
    server_url: str | None = None,
    api_key: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """The server URL and API key from the arguments, the environment, or the configuration file (in that
    order, each setting on its own). Raises :class:`ConfigurationError` when no server URL is found anywhere; a
    missing API key is allowed (anonymous calls to public data)."""
    env = os.environ if environ is None else environ
    file_data: dict[str, Any] | None = None

    def from_file(key: str) -> str | None:
        nonlocal file_data
        if file_data is None:
            file_data = _read_config_file(env)
        value = file_data.get(key)
        return value if isinstance(value, str) and value else None

    server = server_url or env.get(ENV_SERVER) or from_file("server")
    if not server:
        raise ConfigurationError(
            f"no server URL: pass server_url, set {ENV_SERVER}, or write `server = \"https://...\"` in "
            f"{default_config_path(env)}"
        )
    key = api_key or env.get(ENV_API_KEY) or from_file("api_key")
    return Settings(server_url=normalize_server_url(server), api_key=key or None)
