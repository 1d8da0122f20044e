"""Where the server URL and the API key come from (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from meridian_client import Client, ConfigurationError, resolve_settings


def test_arguments_win(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MERIDIAN_SERVER", "http://env.example")
    monkeypatch.setenv("MERIDIAN_API_KEY", "env-key")
    s = resolve_settings("https://arg.example/api/v1/", "arg-key")
    assert (s.server_url, s.api_key) == ("https://arg.example", "arg-key")


def test_environment_then_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('server = "https://file.example"\napi_key = "file-key"\n')
    monkeypatch.setenv("MERIDIAN_CONFIG_FILE", str(cfg))
    monkeypatch.delenv("MERIDIAN_SERVER", raising=False)
    monkeypatch.delenv("MERIDIAN_API_KEY", raising=False)
    assert resolve_settings() == resolve_settings(None, None)
    s = resolve_settings()
    assert (s.server_url, s.api_key) == ("https://file.example", "file-key")
    monkeypatch.setenv("MERIDIAN_API_KEY", "env-key")
    s = resolve_settings()
    assert (s.server_url, s.api_key) == ("https://file.example", "env-key")
    with Client() as c:
        assert c.api_url == "https://file.example/api/v1"
        assert c.api_key == "env-key"


def test_default_file_under_xdg_config_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("MERIDIAN_CONFIG_FILE", "MERIDIAN_SERVER", "MERIDIAN_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    with pytest.raises(ConfigurationError):
        resolve_settings()
    (tmp_path / "meridian").mkdir()
    (tmp_path / "meridian" / "config.toml").write_text('server = "http://127.0.0.1:8080"\n')
    s = resolve_settings()
    assert (s.server_url, s.api_key) == ("http://127.0.0.1:8080", None)


def test_bad_files_are_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MERIDIAN_SERVER", raising=False)
    monkeypatch.setenv("MERIDIAN_CONFIG_FILE", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigurationError):
        resolve_settings()
    bad = tmp_path / "bad.toml"
    bad.write_text("server = \n")
    monkeypatch.setenv("MERIDIAN_CONFIG_FILE", str(bad))
    with pytest.raises(ConfigurationError):
        resolve_settings()
