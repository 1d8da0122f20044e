"""The public satellite check, with the test catalog imported before the server started."""

from __future__ import annotations

from datetime import datetime, timezone

import astropy.units as u
import pytest
from astropy.coordinates import EarthLocation, SkyCoord
from astropy.time import Time

from meridian_client import Client, Crossing, SatelliteCheck, ValidationError, circle_field, rectangle_field
from conftest import Server


@pytest.fixture()
def catalog(server: Server) -> None:
    if not server.catalog_imported:
        pytest.skip(f"no satellite catalog could be imported: {server.catalog_error}")


def test_satellite_check_returns_a_parsed_result(client: Client, catalog: None) -> None:
    site = EarthLocation.from_geodetic(lon=-70.7366 * u.deg, lat=-30.2407 * u.deg, height=2715 * u.m)
    centre = SkyCoord(ra=242.1743 * u.deg, dec=-28.2117 * u.deg)
    result = client.check_satellites(
        site=site,
        fields=[circle_field(centre.ra, centre.dec, 2 * u.deg), rectangle_field(242.1743, -28.2117, 0.5, 0.5)],
        start=datetime(2022, 6, 17, 3, 0, tzinfo=timezone.utc),
        end=Time("2022-06-17T03:20:00", scale="utc"),
    )
    assert isinstance(result, SatelliteCheck)
    assert result.catalog.objects == 5018
    assert result.objects_checked > 0
    assert result.crossings, "the test window has crossings"
    first = result.crossings[0]
    assert isinstance(first, Crossing)
    assert first.field in (0, 1)
    assert first.entry <= first.closest_approach.time <= first.exit
    assert datetime(2022, 6, 17, 3, 0, tzinfo=timezone.utc) <= first.entry
    assert first.closest_approach.separation_deg <= 2.0 + 1e-6
    assert [c.entry for c in result.crossings] == sorted(c.entry for c in result.crossings)
    assert len(result.crossings_in_field(0)) >= len(result.crossings_in_field(1))

    table = result.to_table()
    assert len(table) == len(result.crossings)
    assert isinstance(table["entry"], Time)
    assert isinstance(table["closest"], SkyCoord)
    assert table["separation"].unit == u.deg
    assert (table["closest"].separation(centre) <= 2.01 * u.deg).all()


def test_catalog_lookups(client: Client, catalog: None) -> None:
    iss = client.satellite_catalog("25544")
    assert [o.norad_id for o in iss] == [25544]
    assert client.satellite_catalog_status().objects == 5018
    passes = client.satellite_passes(
        25544, site=(28.7606, -17.8792, 2396), start="2022-06-17T00:00:00Z", end="2022-06-17T12:00:00Z"
    )
    assert passes.object.norad_id == 25544
    for p in passes.passes:
        assert p.culmination.altitude_deg >= 10


def test_satellite_check_bad_input(client: Client, catalog: None) -> None:
    with pytest.raises(ValidationError) as e:
        client.check_satellites(
            site=(95.0, 0.0), fields=circle_field(10, 10, 1), start="2022-06-17T03:00:00Z", end="2022-06-17T03:10:00Z"
        )
    assert e.value.status == 422 and e.value.errors
