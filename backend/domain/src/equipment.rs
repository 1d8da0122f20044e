//! Equipment: sites, the telescopes that stand at them and the instruments on the telescopes.

use crate::ids::{InstrumentId, SiteId, TelescopeId, WorkspaceId};
use crate::nights::TimeZoneName;
use crate::sky::{Elevation, Latitude, Longitude};
use crate::values::{Description, Name, ShortText};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

vocabulary!(
    /// How a telescope is mounted; decides field rotation and where the pointing limits lie.
    MountType, field = "mount", {
        Equatorial = "equatorial",
        /// Alt-azimuth.
        Altaz = "altaz",
        Fork = "fork",
        Other = "other",
    }
);

/// A place telescopes stand: where and in which time zone (which decides when its nights begin).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub id: SiteId,
    pub workspace_id: WorkspaceId,
    pub name: Name,
    pub latitude: Latitude,
    pub longitude: Longitude,
    pub elevation: Elevation,
    pub time_zone: TimeZoneName,
    pub description: Description,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Telescope {
    pub id: TelescopeId,
    pub workspace_id: WorkspaceId,
    pub site_id: SiteId,
    pub name: Name,
    pub aperture_mm: Option<f64>,
    pub focal_length_mm: Option<f64>,
    pub mount: Option<MountType>,
    pub description: Description,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instrument {
    pub id: InstrumentId,
    pub workspace_id: WorkspaceId,
    pub telescope_id: TelescopeId,
    pub name: Name,
    /// The detector's make and model (may be empty).
    pub detector: ShortText,
    /// Arcseconds per pixel on the sky.
    pub pixel_scale_arcsec: Option<f64>,
    /// The field of view (width × height, arcminutes), when known: planned observations take it as their field.
    pub field_arcmin: Option<(f64, f64)>,
    /// Filter names as written in the headers (`g'`, `Halpha`), in wheel order.
    pub filters: Vec<ShortText>,
    pub description: Description,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::MountType;

    #[test]
    fn mount_types_round_trip_and_refuse_other_spellings() {
        assert_eq!(MountType::ALL.len(), 4);
        for &m in MountType::ALL {
            assert_eq!(MountType::parse(m.as_str()).unwrap(), m);
            assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
            assert_eq!(serde_json::from_value::<MountType>(m.as_str().into()).unwrap(), m);
        }
        for bad in ["", "Equatorial", "alt-az", " fork"] {
            assert_eq!(MountType::parse(bad).unwrap_err().field, "mount", "{bad}");
            assert!(serde_json::from_value::<MountType>(bad.into()).is_err(), "{bad}");
        }
        let e = MountType::parse("alt-az").unwrap_err();
        assert_eq!(e.field, "mount");
        assert_eq!(e.message, "must be one of equatorial, altaz, fork, other");
    }
}
