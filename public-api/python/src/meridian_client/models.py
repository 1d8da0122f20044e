"""Typed views of the API's JSON objects.

Every model is a frozen dataclass built with ``Model.from_json(obj)``. Timestamps are timezone-aware
:class:`datetime.datetime` objects (UTC), identifiers are strings (UUIDs), and the object exactly as the server
sent it is kept in ``raw`` (fields the server adds later are there before this client knows them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping

__all__ = [
    "parse_datetime",
    "Account",
    "ApiKey",
    "Me",
    "Workspace",
    "Dataset",
    "Job",
    "DataFile",
    "HeaderCard",
    "UploadPart",
    "Upload",
    "PartUrl",
    "Site",
    "Telescope",
    "NightLog",
    "Entry",
    "EntryVersion",
    "Author",
    "Package",
    "PackageVersion",
    "ManifestFile",
    "Manifest",
    "SkyPoint",
    "ClosestApproach",
    "Crossing",
    "SkippedObject",
    "CatalogInfo",
    "SatelliteCheck",
    "CatalogObject",
    "PassPoint",
    "SatellitePass",
    "SatellitePasses",
]

JSON = Mapping[str, Any]


def parse_datetime(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime (``None`` stays ``None``)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    text = str(value)
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def _req_dt(value: Any) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError("a required timestamp is missing")
    return parsed


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Account:
    """The caller's account (``GET /me``)."""

    id: str
    email: str
    display_name: str
    email_verified: bool
    operator: bool
    created_at: datetime
    orcid: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: JSON) -> Account:
        return cls(
            id=o["id"],
            email=o["email"],
            display_name=o["display_name"],
            email_verified=bool(o["email_verified"]),
            operator=bool(o.get("operator", False)),
            created_at=_req_dt(o["created_at"]),
            orcid=o.get("orcid"),
            raw=dict(o),
        )


@dataclass(frozen=True)
class ApiKey:
    """An API key of a workspace (its secret is never shown again after creation)."""

    id: str
    workspace_id: str
    name: str
    prefix: str
    scope: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def from_json(cls, o: JSON) -> ApiKey:
        return cls(
            id=o["id"],
            workspace_id=o["workspace_id"],
            name=o["name"],
            prefix=o["prefix"],
            scope=o["scope"],
            created_by=o.get("created_by", ""),
            created_at=_req_dt(o["created_at"]),
            last_used_at=parse_datetime(o.get("last_used_at")),
            revoked_at=parse_datetime(o.get("revoked_at")),
        )


@dataclass(frozen=True)
class Me:
    """Who the caller is (``GET /me``): ``kind`` ``api_key`` (then ``api_key`` is set) or ``session``
    (then ``account``)."""

    kind: str
    account: Account | None = None
    api_key: ApiKey | None = None

    @classmethod
    def from_json(cls, o: JSON) -> Me:
        return cls(
            kind=o["kind"],
            account=Account.from_json(o["account"]) if o.get("account") else None,
            api_key=ApiKey.from_json(o["api_key"]) if o.get("api_key") else None,
        )


@dataclass(frozen=True)
class Workspace:
    """A workspace: an observatory portal (``organization``) or a person's own space (``personal``)."""

    id: str
    slug: str
    name: str
    description: str
    kind: str
    visibility: str
    created_at: datetime
    updated_at: datetime
    role: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: JSON) -> Workspace:
        return cls(
            id=o["id"],
            slug=o["slug"],
            name=o["name"],
            description=o.get("description", ""),
            kind=o["kind"],
            visibility=o["visibility"],
            created_at=_req_dt(o["created_at"]),
            updated_at=_req_dt(o["updated_at"]),
            role=o.get("role"),
            raw=dict(o),
        )


@dataclass(frozen=True)
class Dataset:
    """A named collection of data files."""

    id: str
    name: str
    description: str
    public: bool
    file_count: int
    total_bytes: int
    created_at: datetime
    updated_at: datetime
    release_at: datetime | None = None
    telescope_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: JSON) -> Dataset:
        return cls(
            id=o["id"],
            name=o["name"],
            description=o.get("description", ""),
            public=bool(o.get("public", False)),
            file_count=int(o.get("file_count", 0)),
            total_bytes=int(o.get("total_bytes", 0)),
            created_at=_req_dt(o["created_at"]),
            updated_at=_req_dt(o["updated_at"]),
            release_at=parse_datetime(o.get("release_at")),
            telescope_id=o.get("telescope_id"),
            raw=dict(o),
        )


@dataclass(frozen=True)
class Job:
    """A background job about a file (``ingest_file``, ``render_preview``, ``verify_upload``, ...)."""

    kind: str
    status: str
    attempts: int
    max_attempts: int
    last_error: str | None = None

    @classmethod
    def from_json(cls, o: JSON) -> Job:
        return cls(
            kind=o["kind"],
            status=o["status"],
            attempts=int(o.get("attempts", 0)),
            max_attempts=int(o.get("max_attempts", 0)),
            last_error=o.get("last_error"),
        )


@dataclass(frozen=True)
class DataFile:
    """A data file: its bytes in object storage and what its FITS header says.

    ``header`` (every HDU with its cards, as the server read it) and ``jobs`` are filled by
    :meth:`~meridian_client.Client.get_file` only; lists and searches leave them ``None`` / empty.
    ``ingest_status`` is ``none`` (not FITS), ``pending``, ``done`` or ``failed``.
    """

    id: str
    dataset_id: str
    name: str
    content_type: str
    size_bytes: int
    sha256: str
    tier: str
    uploaded_at: datetime
    public: bool
    ingest_status: str
    preview_status: str
    restore_status: str = "none"
    tier_changed_at: datetime | None = None
    release_at: datetime | None = None
    ingest_message: str | None = None
    date_obs: datetime | None = None
    object: str | None = None
    ra_deg: float | None = None
    dec_deg: float | None = None
    exposure_s: float | None = None
    filter: str | None = None
    instrument: str | None = None
    telescope: str | None = None
    frame_type: str | None = None
    night_log_id: str | None = None
    observation_id: str | None = None
    header: dict[str, Any] | None = None
    jobs: list[Job] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def has_position(self) -> bool:
        """Whether the header gave a sky position (RA and Dec)."""
        return self.ra_deg is not None and self.dec_deg is not None

    @classmethod
    def from_json(cls, o: JSON) -> DataFile:
        return cls(
            id=o["id"],
            dataset_id=o["dataset_id"],
            name=o["name"],
            content_type=o.get("content_type", "application/octet-stream"),
            size_bytes=int(o["size_bytes"]),
            sha256=str(o["sha256"]).lower(),
            tier=o.get("tier", "hot"),
            uploaded_at=_req_dt(o["uploaded_at"]),
            public=bool(o.get("public", False)),
            ingest_status=o.get("ingest_status", "none"),
            preview_status=o.get("preview_status", "none"),
            restore_status=o.get("restore_status", "none"),
            tier_changed_at=parse_datetime(o.get("tier_changed_at")),
            release_at=parse_datetime(o.get("release_at")),
            ingest_message=o.get("ingest_message"),
            date_obs=parse_datetime(o.get("date_obs")),
            object=o.get("object"),
            ra_deg=_opt_float(o.get("ra_deg")),
            dec_deg=_opt_float(o.get("dec_deg")),
            exposure_s=_opt_float(o.get("exposure_s")),
            filter=o.get("filter"),
            instrument=o.get("instrument"),
            telescope=o.get("telescope"),
            frame_type=o.get("frame_type"),
            night_log_id=o.get("night_log_id"),
            observation_id=o.get("observation_id"),
            header=o.get("header"),
            jobs=[Job.from_json(j) for j in o.get("jobs", []) or []],
            raw=dict(o),
        )


@dataclass(frozen=True)
class HeaderCard:
    """One FITS header card as indexed for search (``hdu`` 0 is the primary HDU)."""

    hdu: int
    keyword: str
    value: str | None = None
    number: float | None = None

    @classmethod
    def from_json(cls, o: JSON) -> HeaderCard:
        return cls(hdu=int(o["hdu"]), keyword=o["keyword"], value=o.get("value"), number=_opt_float(o.get("number")))


@dataclass(frozen=True)
class UploadPart:
    """A part of a resumable upload that the store holds."""

    number: int
    size: int
    etag: str

    @classmethod
    def from_json(cls, o: JSON) -> UploadPart:
        return cls(number=int(o["number"]), size=int(o["size"]), etag=str(o["etag"]))


@dataclass(frozen=True)
class Upload:
    """A resumable upload: ``open`` -> ``verifying`` -> ``done`` (with ``file_id``) or ``failed`` (``error``)."""

    id: str
    dataset_id: str
    name: str
    content_type: str
    size_bytes: int
    part_size: int
    part_count: int
    status: str
    parts: list[UploadPart]
    direct: bool
    created_at: datetime
    expires_at: datetime
    sha256: str | None = None
    error: str | None = None
    file_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: JSON) -> Upload:
        return cls(
            id=o["id"],
            dataset_id=o["dataset_id"],
            name=o["name"],
            content_type=o.get("content_type", "application/octet-stream"),
            size_bytes=int(o["size_bytes"]),
            part_size=int(o["part_size"]),
            part_count=int(o["part_count"]),
            status=o["status"],
            parts=[UploadPart.from_json(p) for p in o.get("parts", []) or []],
            direct=bool(o.get("direct", False)),
            created_at=_req_dt(o["created_at"]),
            expires_at=_req_dt(o["expires_at"]),
            sha256=o.get("sha256"),
            error=o.get("error"),
            file_id=o.get("file_id"),
            raw=dict(o),
        )

    def part_range(self, number: int) -> tuple[int, int]:
        """``(offset, length)`` of part ``number`` (from 1) in the file."""
        if not 1 <= number <= max(self.part_count, 1):
            raise ValueError(f"part {number} is not in 1..{self.part_count}")
        offset = (number - 1) * self.part_size
        return offset, max(0, min(self.part_size, self.size_bytes - offset))


@dataclass(frozen=True)
class PartUrl:
    """Where to send one part: ``method`` ``url`` with ``headers``, exactly ``size`` bytes."""

    number: int
    size: int
    method: str
    url: str
    headers: list[tuple[str, str]]
    expires_at: datetime | None = None

    @classmethod
    def from_json(cls, o: JSON) -> PartUrl:
        return cls(
            number=int(o["number"]),
            size=int(o["size"]),
            method=o.get("method", "PUT"),
            url=o["url"],
            headers=[(str(h[0]), str(h[1])) for h in o.get("headers", []) or []],
            expires_at=parse_datetime(o.get("expires_at")),
        )


@dataclass(frozen=True)
class Site:
    """A place telescopes stand (WGS84 degrees, metres; an IANA time zone that sets when nights begin)."""

    id: str
    name: str
    latitude: float
    longitude: float
    elevation_m: float
    time_zone: str
    description: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: JSON) -> Site:
        return cls(
            id=o["id"],
            name=o["name"],
            latitude=float(o["latitude"]),
            longitude=float(o["longitude"]),
            elevation_m=float(o["elevation_m"]),
            time_zone=o["time_zone"],
            description=o.get("description", ""),
            raw=dict(o),
        )


@dataclass(frozen=True)
class Telescope:
    """A telescope at a site."""

    id: str
    site_id: str
    site_name: str
    name: str
    description: str = ""
    aperture_mm: float | None = None
    focal_length_mm: float | None = None
    mount: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: JSON) -> Telescope:
        return cls(
            id=o["id"],
            site_id=o["site_id"],
            site_name=o.get("site_name", ""),
            name=o["name"],
            description=o.get("description", ""),
            aperture_mm=_opt_float(o.get("aperture_mm")),
            focal_length_mm=_opt_float(o.get("focal_length_mm")),
            mount=o.get("mount"),
            raw=dict(o),
        )


@dataclass(frozen=True)
class NightLog:
    """One telescope's log of one observing night (local noon to local noon at its site)."""

    id: str
    telescope_id: str
    telescope_name: str
    site_name: str
    time_zone: str
    night: date
    starts_at: datetime
    ends_at: datetime
    observers: str
    weather: str
    summary: str
    status: str
    visibility: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    seeing_arcsec: float | None = None
    transparency: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: JSON) -> NightLog:
        return cls(
            id=o["id"],
            telescope_id=o["telescope_id"],
            telescope_name=o.get("telescope_name", ""),
            site_name=o.get("site_name", ""),
            time_zone=o.get("time_zone", "UTC"),
            night=date.fromisoformat(o["night"]),
            starts_at=_req_dt(o["starts_at"]),
            ends_at=_req_dt(o["ends_at"]),
            observers=o.get("observers", ""),
            weather=o.get("weather", ""),
            summary=o.get("summary", ""),
            status=o["status"],
            visibility=o["visibility"],
            created_by=o.get("created_by", ""),
            created_at=_req_dt(o["created_at"]),
            updated_at=_req_dt(o["updated_at"]),
            seeing_arcsec=_opt_float(o.get("seeing_arcsec")),
            transparency=o.get("transparency"),
            raw=dict(o),
        )


@dataclass(frozen=True)
class Entry:
    """A night-log entry as it stands (its latest ``version``)."""

    id: str
    night_log_id: str
    telescope_id: str
    night: date
    occurred_at: datetime
    level: str
    body: str
    tags: list[str]
    links: list[str]
    author_id: str
    author_name: str
    version: int
    edited_by: str
    edited_by_name: str
    edited_at: datetime
    created_at: datetime
    time_lost_minutes: int | None = None
    time_lost_category: str | None = None
    deleted_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: JSON) -> Entry:
        return cls(
            id=o["id"],
            night_log_id=o["night_log_id"],
            telescope_id=o["telescope_id"],
            night=date.fromisoformat(o["night"]),
            occurred_at=_req_dt(o["occurred_at"]),
            level=o["level"],
            body=o["body"],
            tags=list(o.get("tags", [])),
            links=list(o.get("links", [])),
            author_id=o.get("author_id", ""),
            author_name=o.get("author_name", ""),
            version=int(o.get("version", 1)),
            edited_by=o.get("edited_by", ""),
            edited_by_name=o.get("edited_by_name", ""),
            edited_at=_req_dt(o["edited_at"]),
            created_at=_req_dt(o["created_at"]),
            time_lost_minutes=_opt_int(o.get("time_lost_minutes")),
            time_lost_category=o.get("time_lost_category"),
            deleted_at=parse_datetime(o.get("deleted_at")),
            raw=dict(o),
        )


@dataclass(frozen=True)
class EntryVersion:
    """One version of an entry (edits never overwrite)."""

    version: int
    occurred_at: datetime
    level: str
    body: str
    tags: list[str]
    links: list[str]
    edited_by: str
    edited_by_name: str
    edited_at: datetime
    time_lost_minutes: int | None = None
    time_lost_category: str | None = None

    @classmethod
    def from_json(cls, o: JSON) -> EntryVersion:
        return cls(
            version=int(o["version"]),
            occurred_at=_req_dt(o["occurred_at"]),
            level=o["level"],
            body=o["body"],
            tags=list(o.get("tags", [])),
            links=list(o.get("links", [])),
            edited_by=o.get("edited_by", ""),
            edited_by_name=o.get("edited_by_name", ""),
            edited_at=_req_dt(o["edited_at"]),
            time_lost_minutes=_opt_int(o.get("time_lost_minutes")),
            time_lost_category=o.get("time_lost_category"),
        )


@dataclass(frozen=True)
class Author:
    """A package author, in citation order."""

    name: str
    affiliation: str | None = None
    orcid: str | None = None

    @classmethod
    def from_json(cls, o: JSON) -> Author:
        return cls(name=o["name"], affiliation=o.get("affiliation"), orcid=o.get("orcid"))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.affiliation is not None:
            out["affiliation"] = self.affiliation
        if self.orcid is not None:
            out["orcid"] = self.orcid
        return out


@dataclass(frozen=True)
class Package:
    """A curated, versioned selection of a workspace's files."""

    id: str
    title: str
    description: str
    authors: list[Author]
    keywords: list[str]
    licence: str
    access: str
    night_log_ids: list[str]
    target_ids: list[str]
    created_at: datetime
    updated_at: datetime
    latest_version: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: JSON) -> Package:
        return cls(
            id=o["id"],
            title=o["title"],
            description=o.get("description", ""),
            authors=[Author.from_json(a) for a in o.get("authors", []) or []],
            keywords=list(o.get("keywords", [])),
            licence=o["licence"],
            access=o.get("access", "private"),
            night_log_ids=list(o.get("night_log_ids", [])),
            target_ids=list(o.get("target_ids", [])),
            created_at=_req_dt(o["created_at"]),
            updated_at=_req_dt(o["updated_at"]),
            latest_version=_opt_int(o.get("latest_version")),
            raw=dict(o),
        )


@dataclass(frozen=True)
class PackageVersion:
    """An immutable published version of a package; ``manifest_sha256`` is the SHA-256 of its manifest.json."""

    package_id: str
    number: int
    published_at: datetime
    file_count: int
    total_bytes: int
    manifest_sha256: str
    download_count: int
    metadata: dict[str, Any]
    doi: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: JSON) -> PackageVersion:
        return cls(
            package_id=o["package_id"],
            number=int(o["number"]),
            published_at=_req_dt(o["published_at"]),
            file_count=int(o["file_count"]),
            total_bytes=int(o["total_bytes"]),
            manifest_sha256=str(o["manifest_sha256"]).lower(),
            download_count=int(o.get("download_count", 0)),
            metadata=dict(o.get("metadata", {})),
            doi=o.get("doi"),
            raw=dict(o),
        )


@dataclass(frozen=True)
class ManifestFile:
    """One file of a package version: its path in the archive, its size and SHA-256."""

    path: str
    size: int
    sha256: str

    @classmethod
    def from_json(cls, o: JSON) -> ManifestFile:
        return cls(path=o["path"], size=int(o["size"]), sha256=str(o["sha256"]).lower())


@dataclass(frozen=True)
class Manifest:
    """A version's ``manifest.json``; ``text`` holds its exact bytes (decoded), whose SHA-256 is ``sha256``."""

    package_id: str
    title: str
    version: int
    licence: str
    published_at: datetime
    file_count: int
    total_bytes: int
    files: list[ManifestFile]
    sha256: str
    text: str = field(repr=False)

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Parses a manifest from its exact bytes (so its checksum can be compared)."""
        import hashlib
        import json

        o = json.loads(data)
        return cls(
            package_id=o["package_id"],
            title=o.get("title", ""),
            version=int(o["version"]),
            licence=o.get("licence", ""),
            published_at=_req_dt(o["published_at"]),
            file_count=int(o.get("file_count", len(o.get("files", [])))),
            total_bytes=int(o.get("total_bytes", 0)),
            files=[ManifestFile.from_json(f) for f in o.get("files", [])],
            sha256=hashlib.sha256(data).hexdigest(),
            text=data.decode("utf-8"),
        )

    def by_path(self) -> dict[str, ManifestFile]:
        """The files by path."""
        return {f.path: f for f in self.files}


# ------------------------------------------------------------------------------------------- satellites


@dataclass(frozen=True)
class SkyPoint:
    """A direction on the sky, ICRS degrees."""

    ra_deg: float
    dec_deg: float

    @classmethod
    def from_json(cls, o: JSON) -> SkyPoint:
        return cls(ra_deg=float(o["ra_deg"]), dec_deg=float(o["dec_deg"]))


@dataclass(frozen=True)
class ClosestApproach:
    """When and where a crossing came closest to its field's centre."""

    time: datetime
    separation_deg: float
    position: SkyPoint

    @classmethod
    def from_json(cls, o: JSON) -> ClosestApproach:
        return cls(
            time=_req_dt(o["time"]),
            separation_deg=float(o["separation_deg"]),
            position=SkyPoint.from_json(o["position"]),
        )


@dataclass(frozen=True)
class Crossing:
    """One passage of one catalog object through one requested field (``field`` is its index)."""

    field: int
    norad_id: int
    name: str | None
    entry: datetime
    exit: datetime
    entry_position: SkyPoint
    exit_position: SkyPoint
    closest_approach: ClosestApproach
    angular_speed_deg_per_s: float
    range_km: float
    altitude_deg: float
    sunlit_at_entry: bool
    sunlit_at_closest: bool
    sunlit_at_exit: bool
    sunlit_any: bool
    sun_altitude_deg: float
    element_age_days: float
    in_field_at_start: bool
    in_field_at_end: bool

    @classmethod
    def from_json(cls, o: JSON) -> Crossing:
        return cls(
            field=int(o["field"]),
            norad_id=int(o["norad_id"]),
            name=o.get("name"),
            entry=_req_dt(o["entry"]),
            exit=_req_dt(o["exit"]),
            entry_position=SkyPoint.from_json(o["entry_position"]),
            exit_position=SkyPoint.from_json(o["exit_position"]),
            closest_approach=ClosestApproach.from_json(o["closest_approach"]),
            angular_speed_deg_per_s=float(o["angular_speed_deg_per_s"]),
            range_km=float(o["range_km"]),
            altitude_deg=float(o["altitude_deg"]),
            sunlit_at_entry=bool(o["sunlit_at_entry"]),
            sunlit_at_closest=bool(o["sunlit_at_closest"]),
            sunlit_at_exit=bool(o["sunlit_at_exit"]),
            sunlit_any=bool(o["sunlit_any"]),
            sun_altitude_deg=float(o["sun_altitude_deg"]),
            element_age_days=float(o["element_age_days"]),
            in_field_at_start=bool(o["in_field_at_start"]),
            in_field_at_end=bool(o["in_field_at_end"]),
        )


@dataclass(frozen=True)
class SkippedObject:
    """A catalog object not checked (SGP4 error code 1-6, 6 = decayed; -1 = elements too old)."""

    norad_id: int
    code: int
    reason: str
    name: str | None = None
    at: str | None = None

    @classmethod
    def from_json(cls, o: JSON) -> SkippedObject:
        return cls(
            norad_id=int(o["norad_id"]), code=int(o["code"]), reason=o["reason"], name=o.get("name"), at=o.get("at")
        )


@dataclass(frozen=True)
class CatalogInfo:
    """The satellite catalog a result was computed with."""

    objects: int
    revision: str | None = None
    imported_at: datetime | None = None
    oldest_epoch: datetime | None = None
    newest_epoch: datetime | None = None

    @classmethod
    def from_json(cls, o: JSON) -> CatalogInfo:
        return cls(
            objects=int(o.get("objects", 0)),
            revision=o.get("revision"),
            imported_at=parse_datetime(o.get("imported_at")),
            oldest_epoch=parse_datetime(o.get("oldest_epoch")),
            newest_epoch=parse_datetime(o.get("newest_epoch")),
        )


@dataclass(frozen=True)
class SatelliteCheck:
    """A field-of-view check's result: every crossing in time order, the objects skipped, the catalog used."""

    crossings: list[Crossing]
    skipped: list[SkippedObject]
    objects_checked: int
    propagations: int
    catalog: CatalogInfo
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: JSON) -> SatelliteCheck:
        return cls(
            crossings=[Crossing.from_json(c) for c in o.get("crossings", [])],
            skipped=[SkippedObject.from_json(s) for s in o.get("skipped", [])],
            objects_checked=int(o.get("objects_checked", 0)),
            propagations=int(o.get("propagations", 0)),
            catalog=CatalogInfo.from_json(o.get("catalog", {})),
            raw=dict(o),
        )

    def crossings_in_field(self, index: int) -> list[Crossing]:
        """The crossings of the request's field number ``index`` (from 0)."""
        return [c for c in self.crossings if c.field == index]

    def to_table(self) -> Any:
        """The crossings as an :class:`astropy.table.Table`: ``entry``, ``exit`` and ``closest_time`` as
        :class:`~astropy.time.Time`, ``closest`` as a :class:`~astropy.coordinates.SkyCoord` (ICRS), and the
        other numbers with their units."""
        from .tables import crossings_table

        return crossings_table(self.crossings)


@dataclass(frozen=True)
class CatalogObject:
    """One object of the satellite catalog."""

    norad_id: int
    epoch: datetime
    element_age_days: float
    period_minutes: float
    inclination_deg: float
    perigee_km: float
    apogee_km: float
    name: str | None = None
    international_designator: str | None = None

    @classmethod
    def from_json(cls, o: JSON) -> CatalogObject:
        return cls(
            norad_id=int(o["norad_id"]),
            epoch=_req_dt(o["epoch"]),
            element_age_days=float(o["element_age_days"]),
            period_minutes=float(o["period_minutes"]),
            inclination_deg=float(o["inclination_deg"]),
            perigee_km=float(o["perigee_km"]),
            apogee_km=float(o["apogee_km"]),
            name=o.get("name"),
            international_designator=o.get("international_designator"),
        )


@dataclass(frozen=True)
class PassPoint:
    """A moment of a pass: when, where (altitude and azimuth from north through east) and whether sunlit."""

    time: datetime
    altitude_deg: float
    azimuth_deg: float
    range_km: float
    sunlit: bool

    @classmethod
    def from_json(cls, o: JSON) -> PassPoint:
        return cls(
            time=_req_dt(o["time"]),
            altitude_deg=float(o["altitude_deg"]),
            azimuth_deg=float(o["azimuth_deg"]),
            range_km=float(o["range_km"]),
            sunlit=bool(o["sunlit"]),
        )


@dataclass(frozen=True)
class SatellitePass:
    """One pass: ``rise`` is ``None`` when already up at the start, ``set`` when still up at the end."""

    culmination: PassPoint
    rise: PassPoint | None = None
    set: PassPoint | None = None

    @classmethod
    def from_json(cls, o: JSON) -> SatellitePass:
        return cls(
            culmination=PassPoint.from_json(o["culmination"]),
            rise=PassPoint.from_json(o["rise"]) if o.get("rise") else None,
            set=PassPoint.from_json(o["set"]) if o.get("set") else None,
        )


@dataclass(frozen=True)
class SatellitePasses:
    """One object's passes over a site."""

    object: CatalogObject
    passes: list[SatellitePass]
    catalog: CatalogInfo

    @classmethod
    def from_json(cls, o: JSON) -> SatellitePasses:
        return cls(
            object=CatalogObject.from_json(o["object"]),
            passes=[SatellitePass.from_json(p) for p in o.get("passes", [])],
            catalog=CatalogInfo.from_json(o.get("catalog", {})),
        )
