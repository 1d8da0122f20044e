//! The JSON shapes of targets and target lists.

use crate::routes::common::{CoordinateInput, list_body};
use chrono::{DateTime, Utc};
use meridian_domain::TargetId;
use meridian_domain::targets::{Target, TargetList};
use meridian_service::targets::{CreateTarget, CreateTargetList, UpdateTarget, UpdateTargetList};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A target in the workspace's catalogue. Coordinates are given in degrees and sexagesimal.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetBody {
    pub id: Uuid,
    pub name: String,
    /// Right ascension in degrees, 0 to below 360.
    pub ra: f64,
    /// Declination in degrees, -90 to 90.
    pub dec: f64,
    /// Right ascension as hours, minutes and seconds.
    #[schema(example = "05:35:17.30")]
    pub ra_hms: String,
    /// Declination as signed degrees, arcminutes and arcseconds.
    #[schema(example = "-05:23:28.0")]
    pub dec_dms: String,
    pub notes: String,
    /// Lowercase tags, sorted.
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Target> for TargetBody {
    fn from(t: Target) -> Self {
        Self {
            id: t.id.as_uuid(),
            name: t.name.to_string(),
            ra: t.position.ra.degrees(),
            dec: t.position.dec.degrees(),
            ra_hms: t.position.ra.to_hms(),
            dec_dms: t.position.dec.to_dms(),
            notes: t.notes.as_str().to_owned(),
            tags: t.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTargetBody {
    /// Unique among the workspace's targets.
    #[schema(example = "M42")]
    #[schema(schema_with = crate::schemas::name)]
    pub name: String,
    /// Degrees (a number, or text such as `83.82`), or hours as `05:35:17.3`, `5h35m17.3s`, `05 35 17.3`.
    #[schema(example = "05:35:17.3")]
    pub ra: CoordinateInput,
    /// Degrees (a number), or text such as `-05:23:28`, `-5d23m28s`, `-05 23 28`.
    #[schema(example = "-05 23 28")]
    pub dec: CoordinateInput,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub notes: Option<String>,
    /// Up to 20 tags of a-z, 0-9, `-`, `_`, `.` (no spaces).
    #[schema(schema_with = crate::schemas::tags_opt)]
    pub tags: Option<Vec<String>>,
}

impl From<CreateTargetBody> for CreateTarget {
    fn from(b: CreateTargetBody) -> Self {
        Self { name: b.name, ra: b.ra.into(), dec: b.dec.into(), notes: b.notes, tags: b.tags }
    }
}

/// Absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateTargetBody {
    #[schema(schema_with = crate::schemas::name_opt)]
    pub name: Option<String>,
    pub ra: Option<CoordinateInput>,
    pub dec: Option<CoordinateInput>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub notes: Option<String>,
    #[schema(schema_with = crate::schemas::tags_opt)]
    pub tags: Option<Vec<String>>,
}

impl From<UpdateTargetBody> for UpdateTarget {
    fn from(b: UpdateTargetBody) -> Self {
        Self { name: b.name, ra: b.ra.map(Into::into), dec: b.dec.map(Into::into), notes: b.notes, tags: b.tags }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetListBody {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TargetList> for TargetListBody {
    fn from(l: TargetList) -> Self {
        Self {
            id: l.id.as_uuid(),
            name: l.name.to_string(),
            description: l.description.as_str().to_owned(),
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTargetListBody {
    /// Unique among the workspace's target lists.
    #[schema(example = "Tonight")]
    #[schema(schema_with = crate::schemas::name)]
    pub name: String,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub description: Option<String>,
}

impl From<CreateTargetListBody> for CreateTargetList {
    fn from(b: CreateTargetListBody) -> Self {
        Self { name: b.name, description: b.description }
    }
}

/// Absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateTargetListBody {
    #[schema(schema_with = crate::schemas::name_opt)]
    pub name: Option<String>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub description: Option<String>,
}

impl From<UpdateTargetListBody> for UpdateTargetList {
    fn from(b: UpdateTargetListBody) -> Self {
        Self { name: b.name, description: b.description }
    }
}

/// Puts a target on a list.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddListTargetBody {
    /// A target of this workspace (422 naming `target_id` otherwise).
    #[schema(value_type = Uuid)]
    pub target_id: TargetId,
}

/// `?q=&tag=` on the target list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetFilterQuery {
    /// Part of the name, case-insensitive.
    #[param(schema_with = crate::schemas::name_search_opt)]
    pub q: Option<String>,
    /// Only targets with this tag.
    #[param(schema_with = crate::schemas::tag_query_opt)]
    pub tag: Option<String>,
}

list_body!(TargetPage, TargetBody);
list_body!(TargetListList, TargetListBody);
