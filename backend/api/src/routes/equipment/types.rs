//! The JSON shapes of sites, telescopes and instruments.

use crate::routes::common::{CoordinateInput, list_body};
use chrono::{DateTime, Utc};
use meridian_domain::equipment::Site;
use meridian_domain::{SiteId, TelescopeId};
use meridian_service::equipment::{
    CreateInstrument, CreateSite, CreateTelescope, InstrumentView, TelescopeView, UpdateInstrument, UpdateSite,
    UpdateTelescope, nullable,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A place telescopes stand.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteBody {
    pub id: Uuid,
    pub name: String,
    /// Degrees, north positive.
    pub latitude: f64,
    /// Degrees, east positive.
    pub longitude: f64,
    /// Metres above sea level.
    pub elevation_m: f64,
    /// IANA time-zone name; decides when the site's nights begin (local noon).
    #[schema(example = "Atlantic/Canary")]
    pub time_zone: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Site> for SiteBody {
    fn from(s: Site) -> Self {
        Self {
            id: s.id.as_uuid(),
            name: s.name.to_string(),
            latitude: s.latitude.degrees(),
            longitude: s.longitude.degrees(),
            elevation_m: s.elevation.metres(),
            time_zone: s.time_zone.to_string(),
            description: s.description.as_str().to_owned(),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateSiteBody {
    /// Unique among the workspace's sites.
    #[schema(example = "Roque de los Muchachos")]
    #[schema(schema_with = crate::schemas::name)]
    pub name: String,
    /// -90 to 90 degrees (north positive), as a number or text such as `28:45:38`.
    #[schema(example = 28.7606)]
    pub latitude: CoordinateInput,
    /// -180 to 180 degrees (east positive), as a number or text such as `-17:52:54`.
    #[schema(example = -17.8816)]
    pub longitude: CoordinateInput,
    /// -500 to 9000 metres.
    #[schema(example = 2396.0)]
    #[schema(minimum = -500, maximum = 9000)]
    pub elevation_m: f64,
    #[schema(example = "Atlantic/Canary")]
    pub time_zone: String,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub description: Option<String>,
}

impl From<CreateSiteBody> for CreateSite {
    fn from(b: CreateSiteBody) -> Self {
        Self {
            name: b.name,
            latitude: b.latitude.into(),
            longitude: b.longitude.into(),
            elevation_m: b.elevation_m,
            time_zone: b.time_zone,
            description: b.description,
        }
    }
}

/// Absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateSiteBody {
    #[schema(schema_with = crate::schemas::name_opt)]
    pub name: Option<String>,
    pub latitude: Option<CoordinateInput>,
    pub longitude: Option<CoordinateInput>,
    #[schema(minimum = -500, maximum = 9000)]
    pub elevation_m: Option<f64>,
    pub time_zone: Option<String>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub description: Option<String>,
}

impl From<UpdateSiteBody> for UpdateSite {
    fn from(b: UpdateSiteBody) -> Self {
        Self {
            name: b.name,
            latitude: b.latitude.map(Into::into),
            longitude: b.longitude.map(Into::into),
            elevation_m: b.elevation_m,
            time_zone: b.time_zone,
            description: b.description,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TelescopeBody {
    pub id: Uuid,
    pub site_id: Uuid,
    /// The site's name, for display.
    pub site_name: String,
    pub name: String,
    pub aperture_mm: Option<f64>,
    pub focal_length_mm: Option<f64>,
    /// `equatorial`, `altaz`, `fork` or `other`.
    pub mount: Option<String>,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TelescopeView> for TelescopeBody {
    fn from(v: TelescopeView) -> Self {
        let t = v.telescope;
        Self {
            id: t.id.as_uuid(),
            site_id: t.site_id.as_uuid(),
            site_name: v.site_name.to_string(),
            name: t.name.to_string(),
            aperture_mm: t.aperture_mm,
            focal_length_mm: t.focal_length_mm,
            mount: t.mount.map(|m| m.as_str().to_owned()),
            description: t.description.as_str().to_owned(),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTelescopeBody {
    /// Unique among the workspace's telescopes.
    #[schema(example = "WHT")]
    #[schema(schema_with = crate::schemas::name)]
    pub name: String,
    /// A site of this workspace (422 naming `site_id` otherwise).
    pub site_id: Uuid,
    /// Greater than 0.
    #[schema(exclusive_minimum = 0, maximum = 100000)]
    pub aperture_mm: Option<f64>,
    /// Greater than 0.
    #[schema(exclusive_minimum = 0, maximum = 1000000)]
    pub focal_length_mm: Option<f64>,
    /// `equatorial`, `altaz`, `fork` or `other`.
    #[schema(schema_with = crate::schemas::mount_opt)]
    pub mount: Option<String>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub description: Option<String>,
}

impl From<CreateTelescopeBody> for CreateTelescope {
    fn from(b: CreateTelescopeBody) -> Self {
        Self {
            name: b.name,
            site_id: SiteId::from_uuid(b.site_id),
            aperture_mm: b.aperture_mm,
            focal_length_mm: b.focal_length_mm,
            mount: b.mount,
            description: b.description,
        }
    }
}

/// Absent fields stay as they are; `null` clears `aperture_mm`, `focal_length_mm` and `mount`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateTelescopeBody {
    #[schema(schema_with = crate::schemas::name_opt)]
    pub name: Option<String>,
    pub site_id: Option<Uuid>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    #[schema(exclusive_minimum = 0, maximum = 100000)]
    pub aperture_mm: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    #[schema(exclusive_minimum = 0, maximum = 1000000)]
    pub focal_length_mm: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = crate::schemas::mount_opt)]
    pub mount: Option<Option<String>>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub description: Option<String>,
}

impl From<UpdateTelescopeBody> for UpdateTelescope {
    fn from(b: UpdateTelescopeBody) -> Self {
        Self {
            name: b.name,
            site_id: b.site_id.map(SiteId::from_uuid),
            aperture_mm: b.aperture_mm,
            focal_length_mm: b.focal_length_mm,
            mount: b.mount,
            description: b.description,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstrumentBody {
    pub id: Uuid,
    pub telescope_id: Uuid,
    /// The telescope's name, for display.
    pub telescope_name: String,
    pub name: String,
    /// The detector's make and model (may be empty).
    pub detector: String,
    /// Arcseconds per pixel.
    pub pixel_scale_arcsec: Option<f64>,
    /// The field of view, arcminutes (plans made with this instrument take it as their field).
    pub field_width_arcmin: Option<f64>,
    pub field_height_arcmin: Option<f64>,
    /// Filter names in wheel order.
    pub filters: Vec<String>,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<InstrumentView> for InstrumentBody {
    fn from(v: InstrumentView) -> Self {
        let i = v.instrument;
        Self {
            id: i.id.as_uuid(),
            telescope_id: i.telescope_id.as_uuid(),
            telescope_name: v.telescope_name.to_string(),
            name: i.name.to_string(),
            detector: i.detector.to_string(),
            pixel_scale_arcsec: i.pixel_scale_arcsec,
            field_width_arcmin: i.field_arcmin.map(|f| f.0),
            field_height_arcmin: i.field_arcmin.map(|f| f.1),
            filters: i.filters.into_iter().map(String::from).collect(),
            description: i.description.as_str().to_owned(),
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateInstrumentBody {
    /// Unique among the workspace's instruments.
    #[schema(example = "ACAM")]
    #[schema(schema_with = crate::schemas::name)]
    pub name: String,
    /// A telescope of this workspace (422 naming `telescope_id` otherwise).
    pub telescope_id: Uuid,
    #[schema(schema_with = crate::schemas::short_text_opt)]
    pub detector: Option<String>,
    /// Greater than 0.
    #[schema(exclusive_minimum = 0, maximum = 3600)]
    pub pixel_scale_arcsec: Option<f64>,
    /// The field of view, arcminutes (both or neither; each at most 1200).
    #[schema(exclusive_minimum = 0, maximum = 1200)]
    pub field_width_arcmin: Option<f64>,
    #[schema(exclusive_minimum = 0, maximum = 1200)]
    pub field_height_arcmin: Option<f64>,
    /// Up to 50 distinct filter names.
    #[schema(example = json!(["g'", "r'", "i'"]))]
    #[schema(schema_with = crate::schemas::filters_opt)]
    pub filters: Option<Vec<String>>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub description: Option<String>,
}

impl From<CreateInstrumentBody> for CreateInstrument {
    fn from(b: CreateInstrumentBody) -> Self {
        Self {
            name: b.name,
            telescope_id: TelescopeId::from_uuid(b.telescope_id),
            detector: b.detector,
            pixel_scale_arcsec: b.pixel_scale_arcsec,
            field_width_arcmin: b.field_width_arcmin,
            field_height_arcmin: b.field_height_arcmin,
            filters: b.filters,
            description: b.description,
        }
    }
}

/// Absent fields stay as they are; `null` clears `pixel_scale_arcsec`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateInstrumentBody {
    #[schema(schema_with = crate::schemas::name_opt)]
    pub name: Option<String>,
    pub telescope_id: Option<Uuid>,
    #[schema(schema_with = crate::schemas::short_text_opt)]
    pub detector: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    #[schema(exclusive_minimum = 0, maximum = 3600)]
    pub pixel_scale_arcsec: Option<Option<f64>>,
    /// `null` for both clears the field of view.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    #[schema(exclusive_minimum = 0, maximum = 1200)]
    pub field_width_arcmin: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    #[schema(exclusive_minimum = 0, maximum = 1200)]
    pub field_height_arcmin: Option<Option<f64>>,
    #[schema(schema_with = crate::schemas::filters_opt)]
    pub filters: Option<Vec<String>>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub description: Option<String>,
}

impl From<UpdateInstrumentBody> for UpdateInstrument {
    fn from(b: UpdateInstrumentBody) -> Self {
        Self {
            name: b.name,
            telescope_id: b.telescope_id.map(TelescopeId::from_uuid),
            detector: b.detector,
            pixel_scale_arcsec: b.pixel_scale_arcsec,
            field_width_arcmin: b.field_width_arcmin,
            field_height_arcmin: b.field_height_arcmin,
            filters: b.filters,
            description: b.description,
        }
    }
}

/// `?site=` on the telescope list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TelescopeFilter {
    /// Only telescopes at this site.
    #[param(value_type = Option<Uuid>)]
    pub site: Option<SiteId>,
}

/// `?telescope=` on the instrument list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstrumentFilter {
    /// Only instruments on this telescope.
    #[param(value_type = Option<Uuid>)]
    pub telescope: Option<TelescopeId>,
}

list_body!(SiteList, SiteBody);
list_body!(TelescopeList, TelescopeBody);
list_body!(InstrumentList, InstrumentBody);
