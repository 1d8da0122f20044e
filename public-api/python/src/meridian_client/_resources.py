"""Workspaces, datasets, files and search, equipment, night logs and entries, satellite checks."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any, Iterator, Mapping, Sequence

from astropy.table import Table

from ._http import BaseClient, seg, to_rfc3339
from .errors import MeridianError
from .models import (
    CatalogInfo,
    CatalogObject,
    DataFile,
    Dataset,
    Entry,
    EntryVersion,
    HeaderCard,
    Me,
    NightLog,
    SatelliteCheck,
    SatellitePasses,
    Site,
    Telescope,
    Workspace,
)
from .tables import files_table

__all__ = ["ResourcesMixin", "circle_field", "rectangle_field"]

_UNSET: Any = object()


def _angle_deg(value: Any) -> Any:
    """Degrees from a number, an astropy Angle/Quantity, or text (passed through: the API parses
    sexagesimal text itself)."""
    if value is None or isinstance(value, (int, float, str)):
        return value
    to = getattr(value, "to_value", None)
    if to is not None:
        import astropy.units as u

        return float(to(u.deg))
    return float(value)


def _center(center: Any) -> tuple[float, float]:
    """RA and Dec (ICRS degrees) of a SkyCoord, or of an ``(ra, dec)`` pair."""
    if hasattr(center, "icrs"):
        c = center.icrs
        return float(c.ra.deg), float(c.dec.deg)
    ra, dec = center
    return float(_angle_deg(ra)), float(_angle_deg(dec))


def header_conditions(header: str | Mapping[str, Any] | Sequence[str] | None) -> str | None:
    """The ``header`` search parameter from text (``"EXPTIME=30,AIRMASS=1..1.5"``), a list of conditions, or a
    mapping ``{"EXPTIME": 30, "AIRMASS": (1, 1.5), "CCD-TEMP": "<=-20"}`` (a pair is a range; text that starts
    with ``<``, ``>`` or ``=`` is used as the operator and value)."""
    if header is None or isinstance(header, str):
        return header
    if isinstance(header, Mapping):
        parts: list[str] = []
        for key, value in header.items():
            if isinstance(value, tuple) and len(value) == 2:
                parts.append(f"{key}={value[0]}..{value[1]}")
            elif isinstance(value, str) and value[:1] in ("<", ">", "="):
                parts.append(f"{key}{value}")
            elif isinstance(value, bool):
                parts.append(f"{key}={'T' if value else 'F'}")
            else:
                parts.append(f"{key}={value}")
        return ",".join(parts)
    return ",".join(header)


def circle_field(ra: Any, dec: Any, radius_deg: Any) -> dict[str, Any]:
    """A circular field for :meth:`ResourcesMixin.check_satellites` (degrees, Angle/Quantity, or text for the
    centre: RA text is hours)."""
    return {"ra": _angle_deg(ra), "dec": _angle_deg(dec), "shape": "circle", "radius_deg": _angle_deg(radius_deg)}


def rectangle_field(
    ra: Any, dec: Any, width_deg: Any, height_deg: Any, position_angle_deg: Any = 0.0
) -> dict[str, Any]:
    """A rectangular field (on the tangent plane, its height axis at ``position_angle_deg`` from north through
    east) for :meth:`ResourcesMixin.check_satellites`."""
    return {
        "ra": _angle_deg(ra),
        "dec": _angle_deg(dec),
        "shape": "rectangle",
        "width_deg": _angle_deg(width_deg),
        "height_deg": _angle_deg(height_deg),
        "position_angle_deg": _angle_deg(position_angle_deg),
    }


def _site_json(site: Any) -> dict[str, Any]:
    """An observer's position from an astropy EarthLocation, a :class:`~meridian_client.models.Site`, a mapping
    (``latitude``, ``longitude``, ``elevation_m``) or a ``(latitude, longitude[, elevation_m])`` tuple."""
    if isinstance(site, Site):
        return {"latitude": site.latitude, "longitude": site.longitude, "elevation_m": site.elevation_m}
    if hasattr(site, "to_geodetic"):
        geo = site.to_geodetic()
        return {
            "latitude": float(geo.lat.deg),
            "longitude": float(geo.lon.deg),
            "elevation_m": float(geo.height.to_value("m")),
        }
    if isinstance(site, Mapping):
        return dict(site)
    seq = list(site)
    out: dict[str, Any] = {"latitude": float(seq[0]), "longitude": float(seq[1])}
    if len(seq) > 2:
        out["elevation_m"] = float(seq[2])
    return out


class ResourcesMixin(BaseClient):
    """The plain REST resources (mixed into :class:`meridian_client.Client`)."""

    # ------------------------------------------------------------------------------------ account, workspaces

    def me(self) -> Me:
        """Who the caller is: with an API key, the key (``me().api_key``: its workspace, scope, prefix)."""
        return Me.from_json(self.get_json("me"))

    def iter_workspaces(self, *, page_size: int | None = None, limit: int | None = None) -> Iterator[Workspace]:
        """The workspaces the caller belongs to (with an API key: its workspace), page after page."""
        return self.paginate_as(Workspace.from_json, "workspaces", page_size=page_size, limit=limit)

    def get_workspace(self, workspace: str) -> Workspace:
        """One workspace by slug."""
        return Workspace.from_json(self.get_json(f"workspaces/{seg(workspace)}"))

    # -------------------------------------------------------------------------------------------- datasets

    def iter_datasets(
        self, workspace: str, *, page_size: int | None = None, limit: int | None = None
    ) -> Iterator[Dataset]:
        """The workspace's datasets by name, following ``next_cursor`` across pages."""
        return self.paginate_as(
            Dataset.from_json, f"workspaces/{seg(workspace)}/datasets", page_size=page_size, limit=limit
        )

    def list_datasets(self, workspace: str) -> list[Dataset]:
        """Every dataset of the workspace (all pages)."""
        return list(self.iter_datasets(workspace))

    def get_dataset(self, workspace: str, dataset_id: str) -> Dataset:
        """One dataset."""
        return Dataset.from_json(self.get_json(f"workspaces/{seg(workspace)}/datasets/{seg(dataset_id)}"))

    def create_dataset(
        self,
        workspace: str,
        name: str,
        *,
        description: str | None = None,
        release_at: datetime | str | None = None,
        telescope_id: str | None = None,
    ) -> Dataset:
        """Creates a dataset (409 :class:`~meridian_client.Conflict` when the name is taken). ``release_at``: when
        its files become public (in a public workspace); ``telescope_id``: the telescope its FITS files come from
        when their headers do not say."""
        body: dict[str, Any] = {"name": name}
        if description is not None:
            body["description"] = description
        if release_at is not None:
            body["release_at"] = to_rfc3339(release_at)
        if telescope_id is not None:
            body["telescope_id"] = telescope_id
        return Dataset.from_json(self.post_json(f"workspaces/{seg(workspace)}/datasets", body))

    def update_dataset(self, workspace: str, dataset_id: str, **changes: Any) -> Dataset:
        """Changes a dataset's ``name``, ``description``, ``release_at`` or ``telescope_id`` (``None`` clears)."""
        body = {k: (to_rfc3339(v) if k == "release_at" and v is not None else v) for k, v in changes.items()}
        return Dataset.from_json(self.patch_json(f"workspaces/{seg(workspace)}/datasets/{seg(dataset_id)}", body))

    def delete_dataset(self, workspace: str, dataset_id: str) -> None:
        """Deletes a dataset."""
        self.delete(f"workspaces/{seg(workspace)}/datasets/{seg(dataset_id)}")

    # ----------------------------------------------------------------------------------------------- files

    def iter_dataset_files(
        self, workspace: str, dataset_id: str, *, page_size: int | None = None, limit: int | None = None
    ) -> Iterator[DataFile]:
        """A dataset's files, newest first, following ``next_cursor`` across pages."""
        return self.paginate_as(
            DataFile.from_json,
            f"workspaces/{seg(workspace)}/datasets/{seg(dataset_id)}/files",
            page_size=page_size,
            limit=limit,
        )

    def list_files(self, workspace: str, dataset_id: str) -> list[DataFile]:
        """Every file of a dataset (all pages)."""
        return list(self.iter_dataset_files(workspace, dataset_id))

    def get_file(self, workspace: str, file_id: str) -> DataFile:
        """A file's detail: its fields, its whole FITS header as read (``header``) and its jobs."""
        return DataFile.from_json(self.get_json(f"workspaces/{seg(workspace)}/files/{seg(file_id)}"))

    def get_file_header(self, workspace: str, file_id: str) -> list[HeaderCard]:
        """A file's header cards in order (every HDU), as indexed for search."""
        data = self.get_json(f"workspaces/{seg(workspace)}/files/{seg(file_id)}/header")
        return [HeaderCard.from_json(c) for c in data.get("items", [])]

    def get_fits_header(self, workspace: str, file_id: str, hdu: int = 0) -> Any:
        """One HDU's header as an :class:`astropy.io.fits.Header` (values as the server indexed them: numbers
        as floats or ints, ``T``/``F`` as booleans, the rest as text)."""
        from astropy.io import fits

        header = fits.Header()
        for card in self.get_file_header(workspace, file_id):
            if card.hdu != hdu or card.keyword in ("", "END"):
                continue
            value: Any = card.value if card.value is not None else ""
            if card.keyword not in ("COMMENT", "HISTORY"):
                if card.number is not None:
                    try:
                        value = int(str(card.value))
                    except ValueError:
                        value = float(card.number)
                elif card.value in ("T", "F"):
                    value = card.value == "T"
            try:
                header.append((card.keyword, value), end=True)
            except (ValueError, KeyError):  # keywords astropy refuses are left out
                continue
        return header

    def update_file(
        self, workspace: str, file_id: str, *, release_at: Any = _UNSET, tier: str | None = None
    ) -> DataFile:
        """Changes a file's ``release_at`` (``None`` clears it: the dataset's applies) or moves it to ``tier``
        ``cool`` / ``cold`` now."""
        body: dict[str, Any] = {}
        if release_at is not _UNSET:
            body["release_at"] = to_rfc3339(release_at)
        if tier is not None:
            body["tier"] = tier
        return DataFile.from_json(self.patch_json(f"workspaces/{seg(workspace)}/files/{seg(file_id)}", body))

    def delete_file(self, workspace: str, file_id: str) -> None:
        """Deletes a file."""
        self.delete(f"workspaces/{seg(workspace)}/files/{seg(file_id)}")

    def wait_for_ingest(
        self, workspace: str, file_id: str, *, timeout: float = 120.0, poll_interval: float = 0.25
    ) -> DataFile:
        """Polls a file until its FITS header has been read (``ingest_status`` ``done``, ``failed`` or ``none``
        for files that are not FITS) and returns it; raises :class:`~meridian_client.MeridianError` after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        interval = poll_interval
        while True:
            f = self.get_file(workspace, file_id)
            if f.ingest_status != "pending":
                return f
            if time.monotonic() > deadline:
                raise MeridianError(f"file {file_id} was still pending ingest after {timeout:.0f} s")
            self.sleep(interval)
            interval = min(interval * 1.5, 3.0)

    # ---------------------------------------------------------------------------------------------- search

    def _search_params(
        self,
        *,
        object: str | None,
        ra: Any,
        dec: Any,
        radius: Any,
        center: Any,
        date_from: Any,
        date_to: Any,
        filter: str | None,
        instrument: str | None,
        frame_type: str | None,
        tier: str | None,
        name: str | None,
        header: Any,
        dataset: str | None,
    ) -> dict[str, Any]:
        if center is not None:
            ra, dec = _center(center)
        return {
            "object": object,
            "ra": _angle_deg(ra),
            "dec": _angle_deg(dec),
            "radius": _angle_deg(radius),
            "date_from": to_rfc3339(date_from),
            "date_to": to_rfc3339(date_to),
            "filter": filter,
            "instrument": instrument,
            "frame_type": frame_type,
            "tier": tier,
            "name": name,
            "header": header_conditions(header),
            "dataset": dataset,
        }

    def iter_search_files(
        self,
        workspace: str,
        *,
        object: str | None = None,
        ra: Any = None,
        dec: Any = None,
        radius: Any = None,
        center: Any = None,
        date_from: Any = None,
        date_to: Any = None,
        filter: str | None = None,
        instrument: str | None = None,
        frame_type: str | None = None,
        tier: str | None = None,
        name: str | None = None,
        header: str | Mapping[str, Any] | Sequence[str] | None = None,
        dataset: str | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> Iterator[DataFile]:
        """Searches the workspace's files; yields :class:`~meridian_client.models.DataFile` objects, page after
        page. Every condition is optional and all must hold:

        * ``object``: part of the OBJECT name (any case); ``name``: part of the file name;
        * ``ra``, ``dec``, ``radius``: a cone (ICRS degrees, or astropy Angle / Quantity; radius at most 10 deg),
          or ``center=SkyCoord(...)`` with ``radius``;
        * ``date_from`` (inclusive) / ``date_to`` (exclusive): DATE-OBS bounds, as datetime, astropy Time or
          RFC 3339 text;
        * ``filter``, ``instrument`` (any case), ``frame_type`` (``science``, ``bias``, ``dark``, ``flat``,
          ``arc``, ``other``), ``tier`` (``hot``, ``cool``, ``cold``), ``dataset`` (an id);
        * ``header``: conditions on any keyword, ``"EXPTIME=30,AIRMASS=1..1.5"`` or a mapping
          (see :func:`header_conditions`).
        """
        params = self._search_params(
            object=object, ra=ra, dec=dec, radius=radius, center=center, date_from=date_from, date_to=date_to,
            filter=filter, instrument=instrument, frame_type=frame_type, tier=tier, name=name, header=header,
            dataset=dataset,
        )  # fmt: skip
        return self.paginate_as(
            DataFile.from_json, f"workspaces/{seg(workspace)}/files", params, page_size=page_size, limit=limit
        )

    def search_files(
        self,
        workspace: str,
        *,
        object: str | None = None,
        ra: Any = None,
        dec: Any = None,
        radius: Any = None,
        center: Any = None,
        date_from: Any = None,
        date_to: Any = None,
        filter: str | None = None,
        instrument: str | None = None,
        frame_type: str | None = None,
        tier: str | None = None,
        name: str | None = None,
        header: str | Mapping[str, Any] | Sequence[str] | None = None,
        dataset: str | None = None,
        page_size: int | None = 200,
        limit: int | None = None,
    ) -> Table:
        """Searches the workspace's files (the conditions of :meth:`iter_search_files`) and returns every match
        as an :class:`astropy.table.Table`: ``coord`` is a :class:`~astropy.coordinates.SkyCoord` column (ICRS,
        degrees; masked where a file has no position), ``date_obs`` a :class:`~astropy.time.Time` column (UTC;
        masked where DATE-OBS is missing), and the other fields are columns too (see
        :data:`meridian_client.tables.FILE_COLUMNS`)."""
        files = list(
            self.iter_search_files(
                workspace, object=object, ra=ra, dec=dec, radius=radius, center=center, date_from=date_from,
                date_to=date_to, filter=filter, instrument=instrument, frame_type=frame_type, tier=tier, name=name,
                header=header, dataset=dataset, page_size=page_size, limit=limit,
            )  # fmt: skip
        )
        table = files_table(files)
        table.meta["workspace"] = workspace
        return table

    # ------------------------------------------------------------------------------------------- equipment

    def iter_sites(self, workspace: str, *, page_size: int | None = None) -> Iterator[Site]:
        """The workspace's sites."""
        return self.paginate_as(Site.from_json, f"workspaces/{seg(workspace)}/sites", page_size=page_size)

    def create_site(
        self,
        workspace: str,
        name: str,
        *,
        latitude: float | str,
        longitude: float | str,
        elevation_m: float,
        time_zone: str,
        description: str | None = None,
    ) -> Site:
        """Creates a site (latitude/longitude in degrees or text such as ``"28:45:38"``; an IANA time zone)."""
        body: dict[str, Any] = {
            "name": name,
            "latitude": latitude,
            "longitude": longitude,
            "elevation_m": elevation_m,
            "time_zone": time_zone,
        }
        if description is not None:
            body["description"] = description
        return Site.from_json(self.post_json(f"workspaces/{seg(workspace)}/sites", body))

    def iter_telescopes(
        self, workspace: str, *, site: str | None = None, page_size: int | None = None
    ) -> Iterator[Telescope]:
        """The workspace's telescopes (of one site when ``site`` is given)."""
        return self.paginate_as(
            Telescope.from_json, f"workspaces/{seg(workspace)}/telescopes", {"site": site}, page_size=page_size
        )

    def create_telescope(self, workspace: str, name: str, *, site_id: str, **fields: Any) -> Telescope:
        """Creates a telescope at a site (optional ``aperture_mm``, ``focal_length_mm``, ``mount``,
        ``description``)."""
        body = {"name": name, "site_id": site_id, **fields}
        return Telescope.from_json(self.post_json(f"workspaces/{seg(workspace)}/telescopes", body))

    # ------------------------------------------------------------------------------------------ night logs

    def iter_night_logs(
        self,
        workspace: str,
        *,
        telescope: str | None = None,
        night_from: date | str | None = None,
        night_to: date | str | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> Iterator[NightLog]:
        """Night logs, newest night first (of one telescope, between two nights inclusive)."""
        return self.paginate_as(
            NightLog.from_json,
            f"workspaces/{seg(workspace)}/night-logs",
            {"telescope": telescope, "from": night_from, "to": night_to},
            page_size=page_size,
            limit=limit,
        )

    def get_night_log(self, workspace: str, night_log_id: str) -> NightLog:
        """One night log."""
        return NightLog.from_json(self.get_json(f"workspaces/{seg(workspace)}/night-logs/{seg(night_log_id)}"))

    def create_night_log(
        self,
        workspace: str,
        telescope_id: str,
        *,
        night: date | str | None = None,
        observers: str | None = None,
        visibility: str | None = None,
    ) -> NightLog:
        """Opens the log of one telescope's night (``night``: the evening's date; default tonight at the site).
        A second log for the same telescope and night is a :class:`~meridian_client.Conflict`."""
        body: dict[str, Any] = {"telescope_id": telescope_id}
        if night is not None:
            body["night"] = night.isoformat() if isinstance(night, date) else night
        if observers is not None:
            body["observers"] = observers
        if visibility is not None:
            body["visibility"] = visibility
        return NightLog.from_json(self.post_json(f"workspaces/{seg(workspace)}/night-logs", body))

    def update_night_log(self, workspace: str, night_log_id: str, **changes: Any) -> NightLog:
        """Changes a log's ``observers``, ``weather``, ``summary``, ``seeing_arcsec``, ``transparency``,
        ``status`` (``open`` / ``closed``) or ``visibility``."""
        return NightLog.from_json(
            self.patch_json(f"workspaces/{seg(workspace)}/night-logs/{seg(night_log_id)}", changes)
        )

    def night_log_entries(self, workspace: str, night_log_id: str, *, include_deleted: bool = False) -> list[Entry]:
        """Every entry of one night log, in time order."""
        data = self.get_json(
            f"workspaces/{seg(workspace)}/night-logs/{seg(night_log_id)}/entries",
            {"include_deleted": True if include_deleted else None},
        )
        return [Entry.from_json(e) for e in data.get("items", [])]

    def add_entry(
        self,
        workspace: str,
        night_log_id: str,
        body: str,
        *,
        level: str | None = None,
        tags: Sequence[str] | None = None,
        occurred_at: datetime | str | None = None,
        links: Sequence[str] | None = None,
        time_lost_minutes: int | None = None,
        time_lost_category: str | None = None,
    ) -> Entry:
        """Adds an entry to a night log. ``level``: ``info``, ``warning`` or ``problem``; ``occurred_at``: a
        datetime, RFC 3339 text or a local ``"HH:MM"`` within the night (default now); ``time_lost_category``:
        ``weather``, ``technical`` or ``other``."""
        payload: dict[str, Any] = {"body": body}
        if level is not None:
            payload["level"] = level
        if tags is not None:
            payload["tags"] = list(tags)
        if occurred_at is not None:
            payload["occurred_at"] = occurred_at if isinstance(occurred_at, str) else to_rfc3339(occurred_at)
        if links is not None:
            payload["links"] = list(links)
        if time_lost_minutes is not None:
            payload["time_lost_minutes"] = time_lost_minutes
        if time_lost_category is not None:
            payload["time_lost_category"] = time_lost_category
        return Entry.from_json(
            self.post_json(f"workspaces/{seg(workspace)}/night-logs/{seg(night_log_id)}/entries", payload)
        )

    def get_entry(self, workspace: str, entry_id: str) -> Entry:
        """One entry."""
        return Entry.from_json(self.get_json(f"workspaces/{seg(workspace)}/entries/{seg(entry_id)}"))

    def update_entry(
        self, workspace: str, entry_id: str, *, expected_version: int | None = None, **changes: Any
    ) -> Entry:
        """Edits an entry (a new version; nothing is overwritten). With ``expected_version`` the edit is refused
        (:class:`~meridian_client.Conflict`) when someone edited it meanwhile."""
        payload = dict(changes)
        if "occurred_at" in payload and not isinstance(payload["occurred_at"], (str, type(None))):
            payload["occurred_at"] = to_rfc3339(payload["occurred_at"])
        if expected_version is not None:
            payload["expected_version"] = expected_version
        return Entry.from_json(self.patch_json(f"workspaces/{seg(workspace)}/entries/{seg(entry_id)}", payload))

    def delete_entry(self, workspace: str, entry_id: str) -> None:
        """Deletes an entry (softly: its history stays; admins can restore it)."""
        self.delete(f"workspaces/{seg(workspace)}/entries/{seg(entry_id)}")

    def entry_versions(self, workspace: str, entry_id: str) -> list[EntryVersion]:
        """Every version of an entry, oldest first."""
        data = self.get_json(f"workspaces/{seg(workspace)}/entries/{seg(entry_id)}/versions")
        return [EntryVersion.from_json(v) for v in data.get("items", [])]

    def iter_entries(
        self,
        workspace: str,
        *,
        night_from: date | str | None = None,
        night_to: date | str | None = None,
        telescope: str | None = None,
        tags: Sequence[str] | None = None,
        tag_mode: str | None = None,
        level: Sequence[str] | str | None = None,
        q: str | None = None,
        author: str | None = None,
        has_time_lost: bool | None = None,
        include_deleted: bool | None = None,
        order: str | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> Iterator[Entry]:
        """Entries across night logs, ordered by time, every filter optional (``tag_mode``: ``any``, ``all`` or
        ``none``; ``q``: text in the entry; ``order``: ``asc`` or ``desc``)."""
        params = {
            "night_from": night_from,
            "night_to": night_to,
            "telescope": telescope,
            "tags": list(tags) if tags is not None else None,
            "tag_mode": tag_mode,
            "level": [level] if isinstance(level, str) else (list(level) if level is not None else None),
            "q": q,
            "author": author,
            "has_time_lost": has_time_lost,
            "include_deleted": include_deleted,
            "order": order,
        }
        return self.paginate_as(
            Entry.from_json, f"workspaces/{seg(workspace)}/entries", params, page_size=page_size, limit=limit
        )

    def night_report(self, workspace: str, night_log_id: str, *, format: str = "md") -> str:
        """The night as a report: ``md`` (Markdown) or ``csv``."""
        if format not in ("md", "csv"):
            raise ValueError("format must be 'md' or 'csv'")
        resp = self.request("GET", f"workspaces/{seg(workspace)}/night-logs/{seg(night_log_id)}/report.{format}")
        return resp.text

    # ------------------------------------------------------------------------------------------ satellites

    def check_satellites(
        self,
        *,
        site: Any,
        fields: Sequence[Mapping[str, Any]] | Mapping[str, Any],
        start: Any,
        end: Any,
        max_element_age_days: float | None = None,
    ) -> SatelliteCheck:
        """Which catalog satellites cross the fields of view between ``start`` and ``end`` (at most 24 hours):
        the public ``POST /satellites/fov`` check.

        ``site`` is an astropy ``EarthLocation``, a :class:`~meridian_client.models.Site`, a mapping with
        ``latitude``, ``longitude``, ``elevation_m``, or a ``(lat, lon[, elevation_m])`` tuple. ``fields`` is
        one field or up to 32, made with :func:`circle_field` / :func:`rectangle_field` (or the API's JSON).
        ``start``/``end`` are datetimes, astropy Times or RFC 3339 text. Returns the parsed
        :class:`~meridian_client.models.SatelliteCheck` (``.to_table()`` for an astropy table).
        """
        field_list = [fields] if isinstance(fields, Mapping) else list(fields)
        body: dict[str, Any] = {
            "site": _site_json(site),
            "fields": [dict(f) for f in field_list],
            "start": to_rfc3339(start),
            "end": to_rfc3339(end),
        }
        if max_element_age_days is not None:
            body["max_element_age_days"] = max_element_age_days
        # The check changes nothing on the server: safe to retry like a GET.
        resp = self.request("POST", "satellites/fov", json=body, idempotent=True)
        return SatelliteCheck.from_json(resp.json())

    def satellite_passes(
        self,
        norad_id: int,
        *,
        site: Any,
        start: Any,
        end: Any,
        min_altitude_deg: float | None = None,
    ) -> SatellitePasses:
        """Rises, culminations and sets of one catalog object over a site."""
        s = _site_json(site)
        params = {
            "norad_id": norad_id,
            "latitude": s["latitude"],
            "longitude": s["longitude"],
            "elevation_m": s.get("elevation_m"),
            "start": to_rfc3339(start),
            "end": to_rfc3339(end),
            "min_altitude_deg": min_altitude_deg,
        }
        return SatellitePasses.from_json(self.get_json("satellites/passes", params))

    def satellite_catalog(self, q: str) -> list[CatalogObject]:
        """Catalog objects by name (any case) or NORAD number."""
        data = self.get_json("satellites/catalog", {"q": q})
        return [CatalogObject.from_json(o) for o in data.get("items", [])]

    def satellite_catalog_status(self) -> CatalogInfo:
        """The satellite catalog's size and element epochs."""
        return CatalogInfo.from_json(self.get_json("satellites/catalog/status").get("catalog", {}))
