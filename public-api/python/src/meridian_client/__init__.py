"""meridian-client: a typed Python client for the Meridian observatory portal's REST API.

Quick start::

    from meridian_client import Client

    client = Client("https://meridian.example.org", api_key="mrd_...")
    ds = client.create_dataset("my-observatory", "2026-11 run")
    f = client.upload_file("my-observatory", ds.id, "m42_001.fits", progress=True)
    table = client.search_files("my-observatory", object="M42")   # astropy Table, SkyCoord + Time columns
    client.download_file("my-observatory", f.id, "copy.fits")     # verified against the recorded SHA-256
"""

from ._version import __version__
from .client import Client
from .config import Settings, default_config_path, resolve_settings
from ._resources import circle_field, header_conditions, rectangle_field
from ._transfer import sha256_file
from ._packages import verify_package_archive
from .errors import (
    AuthenticationError,
    BadRequest,
    ChecksumMismatch,
    ConfigurationError,
    Conflict,
    ConnectionFailed,
    FieldError,
    Forbidden,
    MeridianError,
    NotFound,
    PackageVerificationError,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    Unavailable,
    UploadFailed,
    UploadInterrupted,
    ValidationError,
)
from .models import (
    Account,
    ApiKey,
    Author,
    CatalogInfo,
    CatalogObject,
    Crossing,
    DataFile,
    Dataset,
    Entry,
    EntryVersion,
    HeaderCard,
    Manifest,
    Me,
    ManifestFile,
    NightLog,
    Package,
    PackageVersion,
    SatelliteCheck,
    SatellitePasses,
    Site,
    Telescope,
    Upload,
    UploadPart,
    Workspace,
)

__all__ = [
    "__version__",
    "Client",
    "Settings",
    "default_config_path",
    "resolve_settings",
    "circle_field",
    "rectangle_field",
    "header_conditions",
    "sha256_file",
    "verify_package_archive",
    # errors
    "MeridianError",
    "FieldError",
    "ConfigurationError",
    "BadRequest",
    "AuthenticationError",
    "Forbidden",
    "NotFound",
    "Conflict",
    "PayloadTooLarge",
    "ValidationError",
    "RateLimited",
    "ServerError",
    "Unavailable",
    "ConnectionFailed",
    "ChecksumMismatch",
    "UploadInterrupted",
    "UploadFailed",
    "PackageVerificationError",
    # models
    "Account",
    "ApiKey",
    "Author",
    "CatalogInfo",
    "CatalogObject",
    "Crossing",
    "DataFile",
    "Dataset",
    "Entry",
    "EntryVersion",
    "HeaderCard",
    "Manifest",
    "ManifestFile",
    "Me",
    "NightLog",
    "Package",
    "PackageVersion",
    "SatelliteCheck",
    "SatellitePasses",
    "Site",
    "Telescope",
    "Upload",
    "UploadPart",
    "Workspace",
]
