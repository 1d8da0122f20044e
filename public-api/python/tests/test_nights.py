"""Night logs and their entries: a round trip through the REST API."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest

from meridian_client import Client, Conflict, Entry, NightLog


@pytest.fixture(scope="module")
def telescope(client: Client, workspace: str) -> str:
    site = client.create_site(
        workspace, f"La Palma {uuid.uuid4().hex[:4]}", latitude="28:45:38", longitude=-17.8792, elevation_m=2396,
        time_zone="Atlantic/Canary",
    )  # fmt: skip
    assert site.latitude == pytest.approx(28.7606, abs=1e-3)
    assert site.id in [s.id for s in client.iter_sites(workspace)]
    scope = client.create_telescope(workspace, f"JKT {uuid.uuid4().hex[:4]}", site_id=site.id, aperture_mm=1000)
    assert scope.site_id == site.id
    return scope.id


def test_night_log_entry_round_trip(client: Client, workspace: str, telescope: str) -> None:
    log = client.create_night_log(workspace, telescope, night=date(2026, 11, 20), observers="A. Observer")
    assert isinstance(log, NightLog)
    assert log.night == date(2026, 11, 20)
    assert log.time_zone == "Atlantic/Canary"
    assert log.starts_at == datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)  # local noon (UTC+0 in winter)
    assert log.status == "open"
    with pytest.raises(Conflict):
        client.create_night_log(workspace, telescope, night="2026-11-20")

    entry = client.add_entry(
        workspace, log.id, "Dome closed: humidity 92 %", level="problem", tags=["dome", "humidity"],
        occurred_at="23:15", time_lost_minutes=40, time_lost_category="weather",
    )  # fmt: skip
    assert isinstance(entry, Entry)
    assert entry.night_log_id == log.id
    assert entry.occurred_at == datetime(2026, 11, 20, 23, 15, tzinfo=timezone.utc)
    assert (entry.level, entry.tags, entry.version) == ("problem", ["dome", "humidity"], 1)
    second = client.add_entry(
        workspace, log.id, "Dome open again", occurred_at=datetime(2026, 11, 21, 1, 30, tzinfo=timezone.utc)
    )

    entries = client.night_log_entries(workspace, log.id)
    assert [e.id for e in entries] == [entry.id, second.id]  # time order
    assert client.get_entry(workspace, entry.id).body == "Dome closed: humidity 92 %"

    edited = client.update_entry(workspace, entry.id, body="Dome closed: humidity 95 %", expected_version=1)
    assert edited.version == 2
    with pytest.raises(Conflict) as stale:
        client.update_entry(workspace, entry.id, body="stale edit", expected_version=1)
    assert "expected_version" in stale.value.field_errors()
    versions = client.entry_versions(workspace, entry.id)
    assert [v.body for v in versions] == ["Dome closed: humidity 92 %", "Dome closed: humidity 95 %"]

    found = list(client.iter_entries(workspace, tags=["humidity"], q="95 %", night_from="2026-11-20"))
    assert [e.id for e in found] == [entry.id]
    assert log.id in [n.id for n in client.iter_night_logs(workspace, telescope=telescope)]
    assert client.get_night_log(workspace, log.id).observers == "A. Observer"
    report = client.night_report(workspace, log.id)
    assert "Dome closed: humidity 95 %" in report

    closed = client.update_night_log(workspace, log.id, status="closed", summary="Lost to humidity.")
    assert closed.status == "closed"
    with pytest.raises(Conflict):
        client.add_entry(workspace, log.id, "too late")
