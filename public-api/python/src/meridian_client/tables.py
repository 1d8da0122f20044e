"""Search results and satellite crossings as :class:`astropy.table.Table` objects.

Positions become one :class:`~astropy.coordinates.SkyCoord` column (ICRS, degrees) and timestamps
:class:`~astropy.time.Time` columns (UTC). Values the server did not give (a file without RA/Dec or DATE-OBS, a
FITS keyword absent from the header) are masked.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Sequence

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.table import Column, MaskedColumn, Table
from astropy.time import Time

from .models import Crossing, DataFile

__all__ = ["files_table", "crossings_table", "FILE_COLUMNS"]

#: The columns of :func:`files_table`, in order.
FILE_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "object",
    "coord",
    "date_obs",
    "exposure_s",
    "filter",
    "instrument",
    "telescope",
    "frame_type",
    "size_bytes",
    "sha256",
    "content_type",
    "dataset_id",
    "tier",
    "ingest_status",
    "preview_status",
    "public",
    "uploaded_at",
    "release_at",
    "night_log_id",
    "observation_id",
)


def _iso(dt: datetime) -> str:
    """A datetime as an ISO string in UTC without offset (what ``Time(format="isot")`` wants); naive ones are
    taken as UTC."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc)
    return dt.replace(tzinfo=None).isoformat()


def time_column(values: Sequence[datetime | None]) -> Time:
    """A UTC :class:`~astropy.time.Time` array; ``None`` entries are masked."""
    present = [v for v in values if v is not None]
    filler = _iso(present[0]) if present else "2000-01-01T12:00:00"
    t = Time([(_iso(v) if v is not None else filler) for v in values] or [], format="isot", scale="utc")
    if len(values) and len(present) < len(values):
        mask = np.array([v is None for v in values])
        t[mask] = np.ma.masked
    return t


def sky_column(ra: Sequence[float | None], dec: Sequence[float | None]) -> SkyCoord:
    """An ICRS :class:`~astropy.coordinates.SkyCoord` array in degrees; rows without a position are masked
    (or NaN where this astropy cannot mask coordinates)."""
    missing = np.array([r is None or d is None for r, d in zip(ra, dec)], dtype=bool)
    ra_v = np.array([np.nan if r is None else float(r) for r in ra], dtype=np.float64)
    dec_v = np.array([np.nan if d is None else float(d) for d in dec], dtype=np.float64)
    ra_v[missing] = np.nan
    dec_v[missing] = np.nan
    if missing.any():
        try:
            from astropy.utils.masked import Masked

            return SkyCoord(
                ra=Masked(np.where(missing, 0.0, ra_v) * u.deg, mask=missing),
                dec=Masked(np.where(missing, 0.0, dec_v) * u.deg, mask=missing),
                frame="icrs",
            )
        except Exception:  # pragma: no cover - astropy versions without masked coordinates
            pass
    return SkyCoord(ra=ra_v * u.deg, dec=dec_v * u.deg, frame="icrs")


def _masked(name: str, values: Sequence[Any], dtype: Any, unit: Any = None, description: str | None = None) -> Column:
    mask = [v is None for v in values]
    if dtype is str:
        filled: list[Any] = ["" if v is None else str(v) for v in values]
        col_dtype: Any = str if values else "U1"
    elif dtype is float:
        filled = [np.nan if v is None else float(v) for v in values]
        col_dtype = float
    elif dtype is int:
        filled = [0 if v is None else int(v) for v in values]
        col_dtype = np.int64
    else:
        filled = [False if v is None else bool(v) for v in values]
        col_dtype = bool
    if any(mask):
        return MaskedColumn(filled, name=name, mask=mask, dtype=col_dtype, unit=unit, description=description)
    return Column(filled, name=name, dtype=col_dtype, unit=unit, description=description)


def files_table(files: Sequence[DataFile]) -> Table:
    """The files as a table, one row per file, with the columns of :data:`FILE_COLUMNS`.

    ``coord`` is a SkyCoord (ICRS) from the header's RA/Dec, masked where the file has none; ``date_obs`` and
    ``uploaded_at`` are Time columns (UTC), ``date_obs`` masked where DATE-OBS is missing; ``exposure_s`` carries
    the unit s and ``size_bytes`` the unit byte.
    """
    t = Table()
    t["id"] = _masked("id", [f.id for f in files], str)
    t["name"] = _masked("name", [f.name for f in files], str)
    t["object"] = _masked("object", [f.object for f in files], str)
    t["coord"] = sky_column([f.ra_deg for f in files], [f.dec_deg for f in files])
    t["date_obs"] = time_column([f.date_obs for f in files])
    t["exposure_s"] = _masked("exposure_s", [f.exposure_s for f in files], float, unit=u.s)
    t["filter"] = _masked("filter", [f.filter for f in files], str)
    t["instrument"] = _masked("instrument", [f.instrument for f in files], str)
    t["telescope"] = _masked("telescope", [f.telescope for f in files], str)
    t["frame_type"] = _masked("frame_type", [f.frame_type for f in files], str)
    t["size_bytes"] = _masked("size_bytes", [f.size_bytes for f in files], int, unit=u.byte)
    t["sha256"] = _masked("sha256", [f.sha256 for f in files], str)
    t["content_type"] = _masked("content_type", [f.content_type for f in files], str)
    t["dataset_id"] = _masked("dataset_id", [f.dataset_id for f in files], str)
    t["tier"] = _masked("tier", [f.tier for f in files], str)
    t["ingest_status"] = _masked("ingest_status", [f.ingest_status for f in files], str)
    t["preview_status"] = _masked("preview_status", [f.preview_status for f in files], str)
    t["public"] = _masked("public", [f.public for f in files], bool)
    t["uploaded_at"] = time_column([f.uploaded_at for f in files])
    t["release_at"] = time_column([f.release_at for f in files])
    t["night_log_id"] = _masked("night_log_id", [f.night_log_id for f in files], str)
    t["observation_id"] = _masked("observation_id", [f.observation_id for f in files], str)
    t.meta["description"] = "Meridian file search results"
    return t


def crossings_table(crossings: Sequence[Crossing]) -> Table:
    """Satellite crossings as a table: ``field``, ``norad_id``, ``name``, ``entry``/``exit``/``closest_time``
    (Time, UTC), ``closest`` (SkyCoord, ICRS), ``separation``, ``angular_speed``, ``range``, ``altitude``,
    ``sun_altitude`` (with units), ``sunlit_any``, ``element_age`` and the in-field flags."""
    t = Table()
    t["field"] = _masked("field", [c.field for c in crossings], int)
    t["norad_id"] = _masked("norad_id", [c.norad_id for c in crossings], int)
    t["name"] = _masked("name", [c.name for c in crossings], str)
    t["entry"] = time_column([c.entry for c in crossings])
    t["exit"] = time_column([c.exit for c in crossings])
    t["closest_time"] = time_column([c.closest_approach.time for c in crossings])
    t["closest"] = sky_column(
        [c.closest_approach.position.ra_deg for c in crossings],
        [c.closest_approach.position.dec_deg for c in crossings],
    )
    t["separation"] = _masked("separation", [c.closest_approach.separation_deg for c in crossings], float, u.deg)
    t["angular_speed"] = _masked(
        "angular_speed", [c.angular_speed_deg_per_s for c in crossings], float, u.deg / u.s
    )
    t["range"] = _masked("range", [c.range_km for c in crossings], float, u.km)
    t["altitude"] = _masked("altitude", [c.altitude_deg for c in crossings], float, u.deg)
    t["sun_altitude"] = _masked("sun_altitude", [c.sun_altitude_deg for c in crossings], float, u.deg)
    t["sunlit_any"] = _masked("sunlit_any", [c.sunlit_any for c in crossings], bool)
    t["element_age"] = _masked("element_age", [c.element_age_days for c in crossings], float, u.day)
    t["in_field_at_start"] = _masked("in_field_at_start", [c.in_field_at_start for c in crossings], bool)
    t["in_field_at_end"] = _masked("in_field_at_end", [c.in_field_at_end for c in crossings], bool)
    return t
