"""File search to astropy tables: small FITS files made with astropy.io.fits are uploaded, the server reads their
headers (a background job: the test polls each file until its ingest is done), then they are searched by
object, by cone, by date and by header keyword."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timezone
from typing import Any

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.time import Time

from meridian_client import Client, DataFile

FRAMES: list[dict[str, Any]] = [
    {"name": "m42_r_001.fits", "OBJECT": "M42", "RA": 83.8221, "DEC": -5.3911,
     "DATE-OBS": "2026-11-20T22:10:00", "EXPTIME": 30.0, "FILTER": "R"},
    {"name": "ngc1977_r_001.fits", "OBJECT": "NGC 1977", "RA": 83.85, "DEC": -4.84,
     "DATE-OBS": "2026-11-20T23:00:00", "EXPTIME": 60.0, "FILTER": "R"},
    {"name": "m31_v_001.fits", "OBJECT": "M31", "RA": 10.6847, "DEC": 41.2690,
     "DATE-OBS": "2026-11-21T20:00:00", "EXPTIME": 120.0, "FILTER": "V"},
    # A calibration frame with neither position nor DATE-OBS.
    {"name": "flat_v_001.fits", "OBJECT": "flat field", "IMAGETYP": "flat", "EXPTIME": 2.0, "FILTER": "V"},
]  # fmt: skip


def _fits_bytes(cards: dict[str, Any]) -> bytes:
    header = fits.Header()
    for key, value in cards.items():
        if key != "name":
            header[key] = value
    header["INSTRUME"] = "PyCam"
    hdu = fits.PrimaryHDU(np.arange(64, dtype=np.int16).reshape(8, 8), header=header)
    buf = io.BytesIO()
    hdu.writeto(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def fits_dataset(client: Client, workspace: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, DataFile]]:
    ds = client.create_dataset(workspace, f"fits-search-{uuid.uuid4().hex[:6]}").id
    folder = tmp_path_factory.mktemp("fits")
    uploaded: dict[str, DataFile] = {}
    for frame in FRAMES:
        path = folder / frame["name"]
        path.write_bytes(_fits_bytes(frame))
        uploaded[frame["name"]] = client.upload_file(workspace, ds, path)
    ingested = {name: client.wait_for_ingest(workspace, f.id, timeout=90) for name, f in uploaded.items()}
    for name, f in ingested.items():
        assert f.ingest_status == "done", (name, f.ingest_status, f.ingest_message)
    return ds, ingested


def test_ingest_read_the_headers(client: Client, workspace: str, fits_dataset: tuple[str, dict[str, DataFile]]) -> None:
    _, files = fits_dataset
    m42 = client.get_file(workspace, files["m42_r_001.fits"].id)
    assert m42.object == "M42"
    assert m42.ra_deg == pytest.approx(83.8221) and m42.dec_deg == pytest.approx(-5.3911)
    assert m42.date_obs == datetime(2026, 11, 20, 22, 10, tzinfo=timezone.utc)
    assert m42.header is not None  # the whole header, as read
    cards = client.get_file_header(workspace, m42.id)
    assert any(c.keyword == "OBJECT" and c.value == "M42" for c in cards)
    header = client.get_fits_header(workspace, m42.id)
    assert header["OBJECT"] == "M42"
    assert header["EXPTIME"] == pytest.approx(30.0)
    assert header["NAXIS1"] == 8


def test_search_by_object_gives_an_astropy_table(
    client: Client, workspace: str, fits_dataset: tuple[str, dict[str, DataFile]]
) -> None:
    ds, files = fits_dataset
    table = client.search_files(workspace, object="m42", dataset=ds)
    assert isinstance(table, Table)
    assert len(table) == 1
    row = table[0]
    assert row["name"] == "m42_r_001.fits"
    assert row["object"] == "M42"
    assert isinstance(table["coord"], SkyCoord)
    assert table["coord"].frame.name == "icrs"
    assert table["coord"][0].ra.deg == pytest.approx(83.8221)
    assert table["coord"][0].dec.deg == pytest.approx(-5.3911)
    assert isinstance(table["date_obs"], Time)
    assert table["date_obs"].scale == "utc"
    assert abs((table["date_obs"][0] - Time("2026-11-20T22:10:00", scale="utc")).to_value(u.s)) < 1e-3
    assert table["exposure_s"].unit == u.s
    assert table["exposure_s"][0] == pytest.approx(30.0)
    assert row["filter"] == "R"
    assert row["instrument"] == "PyCam"
    assert row["sha256"] == files["m42_r_001.fits"].sha256
    assert row["id"] == files["m42_r_001.fits"].id


def test_cone_search(client: Client, workspace: str, fits_dataset: tuple[str, dict[str, DataFile]]) -> None:
    ds, _ = fits_dataset
    centre = SkyCoord(ra=83.82 * u.deg, dec=-5.39 * u.deg, frame="icrs")
    table = client.search_files(workspace, center=centre, radius=1 * u.deg, dataset=ds)
    assert sorted(table["name"]) == ["m42_r_001.fits", "ngc1977_r_001.fits"]
    assert (table["coord"].separation(centre) < 1 * u.deg).all()
    # The same cone in plain degrees, and a smaller one that holds M42 only.
    assert len(client.search_files(workspace, ra=83.82, dec=-5.39, radius=1.0, dataset=ds)) == 2
    small = client.search_files(workspace, ra=83.82, dec=-5.39, radius=0.1, dataset=ds)
    assert list(small["name"]) == ["m42_r_001.fits"]


def test_rows_without_position_or_date_are_masked(
    client: Client, workspace: str, fits_dataset: tuple[str, dict[str, DataFile]]
) -> None:
    ds, _ = fits_dataset
    table = client.search_files(workspace, dataset=ds)
    assert len(table) == 4
    by_name = {name: i for i, name in enumerate(table["name"])}
    flat = by_name["flat_v_001.fits"]
    m31 = by_name["m31_v_001.fits"]
    assert bool(np.asarray(table["date_obs"].mask)[flat]) is True
    assert bool(np.asarray(table["date_obs"].mask)[m31]) is False
    coord_mask = getattr(table["coord"], "mask", None)
    if coord_mask is not None:
        assert bool(np.asarray(coord_mask)[flat]) is True
        assert bool(np.asarray(coord_mask)[m31]) is False
    else:  # an astropy without masked coordinates: NaN marks the missing position
        assert np.isnan(table["coord"][flat].ra.deg)
    ra = table["coord"][m31].ra.deg
    assert float(getattr(ra, "unmasked", ra)) == pytest.approx(10.6847)


def test_search_by_date_and_header(client: Client, workspace: str, fits_dataset: tuple[str, dict[str, DataFile]]) -> None:
    ds, _ = fits_dataset
    late = client.search_files(workspace, date_from=datetime(2026, 11, 21, tzinfo=timezone.utc), dataset=ds)
    assert list(late["name"]) == ["m31_v_001.fits"]
    early = client.search_files(
        workspace, date_from=Time("2026-11-20T00:00:00"), date_to="2026-11-21T00:00:00Z", dataset=ds
    )
    assert sorted(early["name"]) == ["m42_r_001.fits", "ngc1977_r_001.fits"]
    long_exposures = client.search_files(workspace, header={"EXPTIME": ">=60"}, dataset=ds)
    assert sorted(long_exposures["name"]) == ["m31_v_001.fits", "ngc1977_r_001.fits"]
    ranged = client.search_files(workspace, header={"EXPTIME": (25, 35)}, dataset=ds)
    assert list(ranged["name"]) == ["m42_r_001.fits"]
    none = client.search_files(workspace, object="no such object", dataset=ds)
    assert len(none) == 0 and "coord" in none.colnames and "date_obs" in none.colnames


def test_search_iterator_gives_dataclasses(
    client: Client, workspace: str, fits_dataset: tuple[str, dict[str, DataFile]]
) -> None:
    ds, _ = fits_dataset
    found = list(client.iter_search_files(workspace, filter="v", dataset=ds))
    assert sorted(f.name for f in found) == ["flat_v_001.fits", "m31_v_001.fits"]
    assert all(isinstance(f, DataFile) for f in found)
    flat = next(f for f in found if f.name == "flat_v_001.fits")
    assert not flat.has_position and flat.date_obs is None
