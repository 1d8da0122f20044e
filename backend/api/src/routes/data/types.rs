//! The JSON shapes of datasets, data files, search, storage usage and tier rules.

use crate::routes::common::list_body;
use chrono::{DateTime, Utc};
use meridian_service::data::{
    CardView, DatasetInput, DatasetView, FileDetail, FilePage, FileView, MonthUsage, RuleInput, RuleView, TierUsage,
    UsageView,
};
use meridian_service::equipment::nullable;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A named collection of data files.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetBody {
    pub id: Uuid,
    pub name: String,
    /// Markdown.
    pub description: String,
    /// The telescope its files come from when their headers do not say.
    pub telescope_id: Option<Uuid>,
    /// Private until then, public after (in a public workspace); absent: private.
    pub release_at: Option<DateTime<Utc>>,
    /// Whether anyone may see it now.
    pub public: bool,
    pub file_count: i64,
    pub total_bytes: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<DatasetView> for DatasetBody {
    fn from(d: DatasetView) -> Self {
        Self {
            id: d.id.as_uuid(),
            name: d.name,
            description: d.description,
            telescope_id: d.telescope_id.map(|t| t.as_uuid()),
            release_at: d.release_at,
            public: d.public,
            file_count: d.file_count,
            total_bytes: d.total_bytes,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

list_body!(DatasetList, DatasetBody);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDatasetBody {
    #[schema(schema_with = crate::schemas::dataset_name)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::schemas::long_text_opt)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schemas::uuid_opt)]
    pub telescope_id: Option<String>,
    #[serde(default)]
    pub release_at: Option<DateTime<Utc>>,
}

impl From<CreateDatasetBody> for DatasetInput {
    fn from(b: CreateDatasetBody) -> Self {
        Self {
            name: Some(b.name),
            description: b.description,
            telescope_id: Some(b.telescope_id),
            release_at: Some(b.release_at),
        }
    }
}

/// Changes; absent fields stay, `null` clears `telescope_id` and `release_at`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDatasetBody {
    #[serde(default)]
    #[schema(schema_with = crate::schemas::dataset_name_opt)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schemas::long_text_opt)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = crate::schemas::uuid_opt)]
    pub telescope_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub release_at: Option<Option<DateTime<Utc>>>,
}

impl From<UpdateDatasetBody> for DatasetInput {
    fn from(b: UpdateDatasetBody) -> Self {
        Self { name: b.name, description: b.description, telescope_id: b.telescope_id, release_at: b.release_at }
    }
}

/// A data file: its bytes in object storage, and what its FITS header says.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileBody {
    pub id: Uuid,
    pub dataset_id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Lower-case hex.
    pub sha256: String,
    /// `hot`, `cool` or `cold` (cold files must be restored before reading).
    pub tier: String,
    pub tier_changed_at: DateTime<Utc>,
    /// `none` or `in_progress`.
    pub restore_status: String,
    pub uploaded_at: DateTime<Utc>,
    /// The file's own release date; absent: the dataset's.
    pub release_at: Option<DateTime<Utc>>,
    pub public: bool,
    /// `none` (not FITS), `pending`, `done`, `failed`.
    pub ingest_status: String,
    /// Why ingest failed, or what it could not place.
    pub ingest_message: Option<String>,
    pub date_obs: Option<DateTime<Utc>>,
    pub object: Option<String>,
    pub ra_deg: Option<f64>,
    pub dec_deg: Option<f64>,
    pub exposure_s: Option<f64>,
    pub filter: Option<String>,
    pub instrument: Option<String>,
    pub telescope: Option<String>,
    pub frame_type: Option<String>,
    /// The night log and observation it was placed in.
    pub night_log_id: Option<Uuid>,
    pub observation_id: Option<Uuid>,
    /// `none`, `pending`, `done`, `unavailable` (no 2-D image), `failed`.
    pub preview_status: String,
}

impl From<FileView> for FileBody {
    fn from(f: FileView) -> Self {
        Self {
            id: f.id.as_uuid(),
            dataset_id: f.dataset_id.as_uuid(),
            name: f.name,
            content_type: f.content_type,
            size_bytes: f.size_bytes,
            sha256: f.sha256,
            tier: f.tier.as_str().to_owned(),
            tier_changed_at: f.tier_changed_at,
            restore_status: f.restore_status.as_str().to_owned(),
            uploaded_at: f.uploaded_at,
            release_at: f.release_at,
            public: f.public,
            ingest_status: f.ingest_status.as_str().to_owned(),
            ingest_message: f.ingest_message,
            date_obs: f.date_obs,
            object: f.object,
            ra_deg: f.ra_deg,
            dec_deg: f.dec_deg,
            exposure_s: f.exposure_s,
            filter: f.filter,
            instrument: f.instrument,
            telescope: f.telescope,
            frame_type: f.frame_type.map(|t| t.as_str().to_owned()),
            night_log_id: f.night_log_id.map(Into::into),
            observation_id: f.observation_id.map(Into::into),
            preview_status: f.preview_status.as_str().to_owned(),
        }
    }
}

/// A page of files, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct FilePageBody {
    pub items: Vec<FileBody>,
    pub next_cursor: Option<String>,
}

impl From<FilePage> for FilePageBody {
    fn from(p: FilePage) -> Self {
        Self { items: p.items.into_iter().map(Into::into).collect(), next_cursor: p.next_cursor }
    }
}

/// A background job about a file.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobBody {
    /// `ingest_file`, `render_preview`, `restore_file`, ...
    pub kind: String,
    /// `pending`, `running`, `retrying`, `done`, `failed`.
    pub status: String,
    pub attempts: u32,
    pub max_attempts: u32,
    pub last_error: Option<String>,
}

/// A file with its whole header and the jobs about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileDetailBody {
    #[serde(flatten)]
    pub file: FileBody,
    /// Every HDU with its cards, as read; `null` until ingest has read it (and for files that are not FITS).
    #[schema(value_type = Option<Object>)]
    pub header: Option<serde_json::Value>,
    pub jobs: Vec<JobBody>,
}

impl From<FileDetail> for FileDetailBody {
    fn from(d: FileDetail) -> Self {
        Self {
            file: d.file.into(),
            header: d.header,
            jobs: d
                .jobs
                .into_iter()
                .map(|j| JobBody {
                    status: serde_json::to_value(j.state)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    kind: j.kind,
                    attempts: j.attempts,
                    max_attempts: j.max_attempts,
                    last_error: j.last_error,
                })
                .collect(),
        }
    }
}

/// One header card.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardBody {
    /// 0 is the primary HDU.
    pub hdu: i32,
    pub keyword: String,
    pub value: Option<String>,
    /// The value as a number, when it is one.
    pub number: Option<f64>,
}

impl From<CardView> for CardBody {
    fn from(c: CardView) -> Self {
        Self { hdu: c.hdu, keyword: c.keyword, value: c.value, number: c.number }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CardList {
    pub items: Vec<CardBody>,
}

/// File search; every parameter optional, all must hold.
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FileSearchQuery {
    /// Only this dataset.
    #[param(schema_with = crate::schemas::uuid_opt)]
    #[schema(schema_with = crate::schemas::uuid_opt)]
    pub dataset: Option<String>,
    /// Part of the OBJECT name, case-insensitive.
    pub object: Option<String>,
    /// DATE-OBS at or after (RFC 3339).
    pub date_from: Option<DateTime<Utc>>,
    /// DATE-OBS before (RFC 3339).
    pub date_to: Option<DateTime<Utc>>,
    /// FILTER, case-insensitive.
    pub filter: Option<String>,
    /// INSTRUME, case-insensitive.
    pub instrument: Option<String>,
    /// science, bias, dark, flat, arc, other.
    #[param(schema_with = crate::schemas::frame_type_opt)]
    #[schema(schema_with = crate::schemas::frame_type_opt)]
    pub frame_type: Option<String>,
    /// hot, cool, cold.
    #[param(schema_with = crate::schemas::tier_opt)]
    #[schema(schema_with = crate::schemas::tier_opt)]
    pub tier: Option<String>,
    /// Part of the file name.
    pub name: Option<String>,
    /// Header conditions, comma-separated: `EXPTIME=30`, `AIRMASS=1..1.5`, `CCD-TEMP<=-20`, `IMAGETYP=flat`.
    pub header: Option<String>,
    /// Cone search: centre RA (degrees, ICRS).
    #[param(minimum = 0, exclusive_maximum = 360)]
    #[schema(minimum = 0, exclusive_maximum = 360)]
    pub ra: Option<f64>,
    /// Cone search: centre Dec (degrees).
    #[param(minimum = -90, maximum = 90)]
    #[schema(minimum = -90, maximum = 90)]
    pub dec: Option<f64>,
    /// Cone search: radius (degrees, at most 10).
    #[param(exclusive_minimum = 0, maximum = 10)]
    #[schema(exclusive_minimum = 0, maximum = 10)]
    pub radius: Option<f64>,
    /// 1 to 200 (default 50).
    #[param(minimum = 0, maximum = 4294967295.0)]
    #[schema(minimum = 0, maximum = 4294967295.0)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A malformed dataset id names no dataset: 404, as in a path.
impl TryFrom<FileSearchQuery> for meridian_service::data::FileQuery {
    type Error = meridian_service::ServiceError;

    fn try_from(q: FileSearchQuery) -> Result<Self, Self::Error> {
        let headers = q
            .header
            .as_deref()
            .map(|h| h.split(',').filter(|s| !s.trim().is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        let dataset = q
            .dataset
            .as_deref()
            .map(str::parse::<meridian_domain::DatasetId>)
            .transpose()
            .map_err(|_| meridian_service::ServiceError::NotFound("dataset"))?;
        Ok(Self {
            dataset,
            object: q.object,
            date_from: q.date_from,
            date_to: q.date_to,
            filter: q.filter,
            instrument: q.instrument,
            frame_type: q.frame_type,
            tier: q.tier,
            name: q.name,
            headers,
            ra: q.ra,
            dec: q.dec,
            radius: q.radius,
            limit: q.limit,
            cursor: q.cursor,
        })
    }
}

/// Changes to a file.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFileBody {
    /// The file's own release date; `null` to follow the dataset's.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub release_at: Option<Option<DateTime<Utc>>>,
    /// Move to `cool` or `cold` now (back to `hot` from cold is a restore).
    #[serde(default)]
    #[schema(schema_with = crate::schemas::tier_opt)]
    pub tier: Option<String>,
}

/// Upload parameters (the body is the file's bytes; `Content-Length` is required).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The SHA-256 the client computed (hex): a duplicate is refused before the upload, and the bytes are checked
    /// against it. `Content-Digest: sha-256=:…:` (RFC 9530) works too.
    #[param(schema_with = crate::schemas::sha256_opt)]
    pub sha256: Option<String>,
    /// The file's release date (default: the dataset's).
    pub release_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierUsageBody {
    pub tier: String,
    pub bytes: i64,
    pub limit_bytes: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthUsageBody {
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub tier: String,
    /// GiB kept for a month (byte-seconds / GiB / 2,629,800 s).
    pub gib_months: f64,
}

/// A workspace's storage: its plan, what each tier holds against its limit, and metered history.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageBody {
    /// The plan's key (see `GET /storage-plans`).
    pub plan: String,
    pub plan_name: String,
    /// A payment failed: the plan's limits hold until then, then the workspace's starting plan's apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_lapses_at: Option<DateTime<Utc>>,
    pub tiers: Vec<TierUsageBody>,
    pub reserved_bytes: i64,
    pub max_file_bytes: u64,
    pub history: Vec<MonthUsageBody>,
}

impl From<UsageView> for UsageBody {
    fn from(u: UsageView) -> Self {
        let tier = |t: TierUsage| TierUsageBody {
            tier: t.tier.as_str().to_owned(),
            bytes: t.bytes,
            limit_bytes: t.limit_bytes,
        };
        let month = |m: MonthUsage| MonthUsageBody {
            month: m.month,
            tier: m.tier.as_str().to_owned(),
            gib_months: m.gib_months,
        };
        Self {
            plan: u.plan.as_str().to_owned(),
            plan_name: u.plan_name,
            plan_lapses_at: u.plan_lapses_at,
            tiers: u.tiers.into_iter().map(tier).collect(),
            reserved_bytes: u.reserved_bytes,
            max_file_bytes: u.max_file_bytes,
            history: u.history.into_iter().map(month).collect(),
        }
    }
}

/// A tier rule: files older than so many days move to a colder tier.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleBody {
    pub id: Uuid,
    pub name: String,
    pub dataset_id: Option<Uuid>,
    pub frame_type: Option<String>,
    pub cool_after_days: Option<i32>,
    pub cold_after_days: Option<i32>,
}

impl From<RuleView> for RuleBody {
    fn from(r: RuleView) -> Self {
        Self {
            id: r.id.as_uuid(),
            name: r.name,
            dataset_id: r.dataset_id.map(|d| d.as_uuid()),
            frame_type: r.frame_type.map(|f| f.as_str().to_owned()),
            cool_after_days: r.cool_after_days,
            cold_after_days: r.cold_after_days,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleList {
    pub items: Vec<RuleBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRuleBody {
    #[schema(schema_with = crate::schemas::dataset_name)]
    pub name: String,
    /// Only this dataset's files.
    #[serde(default)]
    #[schema(schema_with = crate::schemas::uuid_opt)]
    pub dataset_id: Option<String>,
    /// Only files of this frame type (e.g. `science` for raw frames).
    #[serde(default)]
    #[schema(schema_with = crate::schemas::frame_type_opt)]
    pub frame_type: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 36500)]
    pub cool_after_days: Option<i32>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 36500)]
    pub cold_after_days: Option<i32>,
}

impl From<CreateRuleBody> for RuleInput {
    fn from(b: CreateRuleBody) -> Self {
        Self {
            name: b.name,
            dataset_id: b.dataset_id,
            frame_type: b.frame_type,
            cool_after_days: b.cool_after_days,
            cold_after_days: b.cold_after_days,
        }
    }
}
