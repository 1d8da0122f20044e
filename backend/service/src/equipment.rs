//! Sites, telescopes and instruments: what a workspace observes with. Anyone may read them when the workspace is
//! public (they are the observatory's public face); otherwise those who may view the workspace. Members with the
//! data actions create, edit and delete them.

use crate::auth::Access;
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::equipment::{Instrument, Site, Telescope};
use meridian_domain::{
    Action, Description, Elevation, InstrumentId, Latitude, Longitude, MountType, Name, Page, PageRequest, ShortText,
    SiteId, TelescopeId, TimeZoneName, ValidationError, WorkspaceId, measure,
};
use meridian_store::equipment::instruments::InstrumentFields;
use meridian_store::equipment::sites::SiteFields;
use meridian_store::equipment::telescopes::TelescopeFields;
use meridian_store::{equipment::instruments, equipment::sites, equipment::telescopes};
use serde::{Deserialize, Deserializer};

/// An angle as submitted: a number of degrees, or text in any notation the field's type reads (`28:45:38`,
/// `05 35 17.3`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Coordinate {
    Degrees(f64),
    Text(String),
}

impl Coordinate {
    /// Builds the value with `number` for degrees and `text` for text.
    pub(crate) fn read<T>(
        &self,
        number: impl FnOnce(f64) -> Result<T, ValidationError>,
        text: impl FnOnce(&str) -> Result<T, ValidationError>,
    ) -> Result<T, ValidationError> {
        match self {
            Coordinate::Degrees(v) => number(*v),
            Coordinate::Text(s) => text(s),
        }
    }
}

/// For PATCH bodies: an absent field is `None` (with `#[serde(default)]`), an explicit `null` is `Some(None)`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The largest aperture and focal length accepted, in millimetres (beyond any telescope built or planned).
const MAX_APERTURE_MM: f64 = 100_000.0;
const MAX_FOCAL_LENGTH_MM: f64 = 1_000_000.0;
/// Arcseconds per pixel; an all-sky camera is a few hundred.
const MAX_PIXEL_SCALE: f64 = 3600.0;
/// Filters an instrument lists (wheels hold a dozen; spectrographs' gratings and order blockers a few dozen).
pub const MAX_FILTERS: usize = 50;

fn measure_opt(field: &str, v: Option<f64>, max: f64) -> Result<Option<f64>, ValidationError> {
    v.map(|v| measure(field, v, max, false)).transpose()
}

fn description(s: Option<&str>) -> Result<Description, ValidationError> {
    Description::parse(s.unwrap_or_default())
}

/// Widest field of view an instrument may declare, arcminutes (a satellite check's field reaches 10 degrees from
/// its centre).
const MAX_FIELD_ARCMIN: f64 = 1200.0;

/// Width and height of a field of view: both or neither, each positive and at most [`MAX_FIELD_ARCMIN`].
fn field_arcmin(width: Option<f64>, height: Option<f64>) -> Result<Option<(f64, f64)>, ValidationError> {
    match (width, height) {
        (None, None) => Ok(None),
        (Some(w), Some(h)) => Ok(Some((
            measure("field_width_arcmin", w, MAX_FIELD_ARCMIN, false)?,
            measure("field_height_arcmin", h, MAX_FIELD_ARCMIN, false)?,
        ))),
        (Some(_), None) => Err(ValidationError::new("field_height_arcmin", "give the field's height with its width")),
        (None, Some(_)) => Err(ValidationError::new("field_width_arcmin", "give the field's width with its height")),
    }
}

/// Filter names: each a non-empty short line, at most [`MAX_FILTERS`], duplicates (after trimming) refused since a
/// wheel position is named once.
pub(crate) fn parse_filters(items: &[String]) -> Result<Vec<ShortText>, ValidationError> {
    let err = |m: String| ValidationError::new("filters", m);
    if items.len() > MAX_FILTERS {
        return Err(err(format!("must be at most {MAX_FILTERS} filters")));
    }
    let mut out: Vec<ShortText> = Vec::with_capacity(items.len());
    for item in items {
        let f = ShortText::parse(item).map_err(|e| e.for_field("filters"))?;
        if f.as_str().is_empty() {
            return Err(err("must not contain an empty filter name".to_owned()));
        }
        if out.contains(&f) {
            return Err(err(format!("\"{f}\" is listed twice")));
        }
        out.push(f);
    }
    Ok(out)
}

/// A new site as submitted.
#[derive(Debug, Clone, Deserialize)]
pub struct CreateSite {
    pub name: String,
    pub latitude: Coordinate,
    pub longitude: Coordinate,
    pub elevation_m: f64,
    pub time_zone: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// Site changes; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateSite {
    pub name: Option<String>,
    pub latitude: Option<Coordinate>,
    pub longitude: Option<Coordinate>,
    pub elevation_m: Option<f64>,
    pub time_zone: Option<String>,
    pub description: Option<String>,
}

/// A new telescope as submitted.
#[derive(Debug, Clone, Deserialize)]
pub struct CreateTelescope {
    pub name: String,
    pub site_id: SiteId,
    #[serde(default)]
    pub aperture_mm: Option<f64>,
    #[serde(default)]
    pub focal_length_mm: Option<f64>,
    /// `equatorial`, `altaz`, `fork` or `other`.
    #[serde(default)]
    pub mount: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Telescope changes; absent fields stay as they are, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateTelescope {
    pub name: Option<String>,
    pub site_id: Option<SiteId>,
    #[serde(default, deserialize_with = "nullable")]
    pub aperture_mm: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    pub focal_length_mm: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    pub mount: Option<Option<String>>,
    pub description: Option<String>,
}

/// A new instrument as submitted.
#[derive(Debug, Clone, Deserialize)]
pub struct CreateInstrument {
    pub name: String,
    pub telescope_id: TelescopeId,
    #[serde(default)]
    pub detector: Option<String>,
    #[serde(default)]
    pub pixel_scale_arcsec: Option<f64>,
    /// Width and height of the field of view, arcminutes (both or neither).
    #[serde(default)]
    pub field_width_arcmin: Option<f64>,
    #[serde(default)]
    pub field_height_arcmin: Option<f64>,
    #[serde(default)]
    pub filters: Option<Vec<String>>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Instrument changes; absent fields stay as they are, `Some(None)` clears the pixel scale.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateInstrument {
    pub name: Option<String>,
    pub telescope_id: Option<TelescopeId>,
    pub detector: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub pixel_scale_arcsec: Option<Option<f64>>,
    /// `Some(None)` clears the field of view (give both or neither).
    #[serde(default, deserialize_with = "nullable")]
    pub field_width_arcmin: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    pub field_height_arcmin: Option<Option<f64>>,
    pub filters: Option<Vec<String>>,
    pub description: Option<String>,
}

/// A telescope with the name of its site, as lists and pages show it.
#[derive(Debug, Clone)]
pub struct TelescopeView {
    pub telescope: Telescope,
    pub site_name: Name,
}

/// An instrument with the name of its telescope.
#[derive(Debug, Clone)]
pub struct InstrumentView {
    pub instrument: Instrument,
    pub telescope_name: Name,
}

/// Equipment is public on a public workspace; otherwise it needs the view right (404/401/403 as `require` says).
fn require_equipment_read(access: &Access) -> ServiceResult<()> {
    if access.sees(true) { Ok(()) } else { access.require(Action::ViewWorkspace) }
}

impl Services {
    async fn site_in(&self, ws: WorkspaceId, id: SiteId) -> ServiceResult<Site> {
        sites::find(self.db(), ws, id).await?.ok_or(ServiceError::NotFound("site"))
    }

    async fn telescope_in(&self, ws: WorkspaceId, id: TelescopeId) -> ServiceResult<TelescopeView> {
        let telescope = telescopes::find(self.db(), ws, id).await?.ok_or(ServiceError::NotFound("telescope"))?;
        let site = self.site_in(ws, telescope.site_id).await?;
        Ok(TelescopeView { telescope, site_name: site.name })
    }

    async fn instrument_in(&self, ws: WorkspaceId, id: InstrumentId) -> ServiceResult<InstrumentView> {
        let instrument = instruments::find(self.db(), ws, id).await?.ok_or(ServiceError::NotFound("instrument"))?;
        let telescope = telescopes::find(self.db(), ws, instrument.telescope_id)
            .await?
            .ok_or(ServiceError::NotFound("telescope"))?;
        Ok(InstrumentView { instrument, telescope_name: telescope.name })
    }

    /// A site named in a request body: one of this workspace's, or a validation error on `site_id`.
    async fn referenced_site(&self, ws: WorkspaceId, id: SiteId) -> ServiceResult<Site> {
        sites::find(self.db(), ws, id)
            .await?
            .ok_or_else(|| ValidationError::new("site_id", "no site with this id in this workspace").into())
    }

    async fn referenced_telescope(&self, ws: WorkspaceId, id: TelescopeId) -> ServiceResult<Telescope> {
        telescopes::find(self.db(), ws, id)
            .await?
            .ok_or_else(|| ValidationError::new("telescope_id", "no telescope with this id in this workspace").into())
    }

    // ---- Sites -------------------------------------------------------------------------------------------------

    pub async fn list_sites(&self, actor: &Actor, slug: &str, page: &PageRequest) -> ServiceResult<Page<Site>> {
        let access = self.access(actor, slug).await?;
        require_equipment_read(&access)?;
        let rows = sites::list(self.db(), access.workspace.id, page).await?;
        Ok(Page::from_rows(rows, page.limit, |s| s.id.to_string()))
    }

    pub async fn get_site(&self, actor: &Actor, slug: &str, id: SiteId) -> ServiceResult<Site> {
        let access = self.access(actor, slug).await?;
        require_equipment_read(&access)?;
        self.site_in(access.workspace.id, id).await
    }

    #[tracing::instrument(skip(self, actor, input))]
    pub async fn create_site(&self, actor: &Actor, slug: &str, input: CreateSite) -> ServiceResult<Site> {
        let access = self.access(actor, slug).await?;
        access.require(Action::CreateData)?;
        let fields = SiteFields {
            name: Name::parse(&input.name)?,
            latitude: input.latitude.read(Latitude::new, Latitude::parse)?,
            longitude: input.longitude.read(Longitude::new, Longitude::parse)?,
            elevation: Elevation::new(input.elevation_m)?,
            time_zone: TimeZoneName::parse(&input.time_zone)?,
            description: description(input.description.as_deref())?,
        };
        Ok(sites::insert(self.db(), access.workspace.id, &fields, crate::now()).await?)
    }

    #[tracing::instrument(skip(self, actor, input))]
    pub async fn update_site(&self, actor: &Actor, slug: &str, id: SiteId, input: UpdateSite) -> ServiceResult<Site> {
        let access = self.access(actor, slug).await?;
        access.require(Action::EditData)?;
        let ws = access.workspace.id;
        let mut f = SiteFields::from(&self.site_in(ws, id).await?);
        if let Some(v) = input.name {
            f.name = Name::parse(&v)?;
        }
        if let Some(v) = input.latitude {
            f.latitude = v.read(Latitude::new, Latitude::parse)?;
        }
        if let Some(v) = input.longitude {
            f.longitude = v.read(Longitude::new, Longitude::parse)?;
        }
        if let Some(v) = input.elevation_m {
            f.elevation = Elevation::new(v)?;
        }
        if let Some(v) = input.time_zone {
            let zone = TimeZoneName::parse(&v)?;
            if zone != f.time_zone && meridian_store::nights::night_logs::any_for(self.db(), ws, Some(id), None).await?
            {
                return Err(ServiceError::Conflict {
                    field: "time_zone",
                    message: format!(
                        "telescopes at this site have night logs whose nights were fixed in {}; the time zone \
                         cannot change under them",
                        f.time_zone
                    ),
                });
            }
            f.time_zone = zone;
        }
        if let Some(v) = input.description {
            f.description = Description::parse(&v)?;
        }
        if !sites::update(self.db(), ws, id, &f, crate::now()).await? {
            return Err(ServiceError::NotFound("site"));
        }
        self.site_in(ws, id).await
    }

    /// Deletes a site; 409 naming `telescopes` while any stands there.
    #[tracing::instrument(skip(self, actor))]
    pub async fn delete_site(&self, actor: &Actor, slug: &str, id: SiteId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        access.require(Action::DeleteData)?;
        if sites::delete(self.db(), access.workspace.id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("site"))
        }
    }

    // ---- Telescopes --------------------------------------------------------------------------------------------

    /// Telescopes with their site names, optionally only those at `site`.
    pub async fn list_telescopes(
        &self,
        actor: &Actor,
        slug: &str,
        site: Option<SiteId>,
        page: &PageRequest,
    ) -> ServiceResult<Page<TelescopeView>> {
        let access = self.access(actor, slug).await?;
        require_equipment_read(&access)?;
        let rows = telescopes::list(self.db(), access.workspace.id, site, page).await?;
        Ok(Page::from_rows(rows, page.limit, |(t, _)| t.id.to_string())
            .map(|(telescope, site)| TelescopeView { telescope, site_name: site.name }))
    }

    pub async fn get_telescope(&self, actor: &Actor, slug: &str, id: TelescopeId) -> ServiceResult<TelescopeView> {
        let access = self.access(actor, slug).await?;
        require_equipment_read(&access)?;
        self.telescope_in(access.workspace.id, id).await
    }

    #[tracing::instrument(skip(self, actor, input))]
    pub async fn create_telescope(
        &self,
        actor: &Actor,
        slug: &str,
        input: CreateTelescope,
    ) -> ServiceResult<TelescopeView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::CreateData)?;
        let ws = access.workspace.id;
        let name = Name::parse(&input.name)?;
        let aperture_mm = measure_opt("aperture_mm", input.aperture_mm, MAX_APERTURE_MM)?;
        let focal_length_mm = measure_opt("focal_length_mm", input.focal_length_mm, MAX_FOCAL_LENGTH_MM)?;
        let mount = input.mount.as_deref().map(MountType::parse).transpose()?;
        let description = description(input.description.as_deref())?;
        let site = self.referenced_site(ws, input.site_id).await?;
        let fields = TelescopeFields { site_id: site.id, name, aperture_mm, focal_length_mm, mount, description };
        let telescope = telescopes::insert(self.db(), ws, &fields, crate::now()).await?;
        Ok(TelescopeView { telescope, site_name: site.name })
    }

    #[tracing::instrument(skip(self, actor, input))]
    pub async fn update_telescope(
        &self,
        actor: &Actor,
        slug: &str,
        id: TelescopeId,
        input: UpdateTelescope,
    ) -> ServiceResult<TelescopeView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::EditData)?;
        let ws = access.workspace.id;
        let mut f = TelescopeFields::from(&self.telescope_in(ws, id).await?.telescope);
        if let Some(v) = input.name {
            f.name = Name::parse(&v)?;
        }
        if let Some(v) = input.aperture_mm {
            f.aperture_mm = measure_opt("aperture_mm", v, MAX_APERTURE_MM)?;
        }
        if let Some(v) = input.focal_length_mm {
            f.focal_length_mm = measure_opt("focal_length_mm", v, MAX_FOCAL_LENGTH_MM)?;
        }
        if let Some(v) = input.mount {
            f.mount = v.as_deref().map(MountType::parse).transpose()?;
        }
        if let Some(v) = input.description {
            f.description = Description::parse(&v)?;
        }
        if let Some(site) = input.site_id {
            let new_site = self.referenced_site(ws, site).await?;
            if new_site.id != f.site_id {
                let old_site = self.site_in(ws, f.site_id).await?;
                if old_site.time_zone != new_site.time_zone
                    && meridian_store::nights::night_logs::any_for(self.db(), ws, None, Some(id)).await?
                {
                    return Err(ServiceError::Conflict {
                        field: "site_id",
                        message: format!(
                            "the telescope has night logs whose nights were fixed in {}; it cannot move to a site \
                             in {}",
                            old_site.time_zone, new_site.time_zone
                        ),
                    });
                }
            }
            f.site_id = new_site.id;
        }
        if !telescopes::update(self.db(), ws, id, &f, crate::now()).await? {
            return Err(ServiceError::NotFound("telescope"));
        }
        self.telescope_in(ws, id).await
    }

    /// Deletes a telescope; 409 naming `instruments` or `night_logs` while it has any.
    #[tracing::instrument(skip(self, actor))]
    pub async fn delete_telescope(&self, actor: &Actor, slug: &str, id: TelescopeId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        access.require(Action::DeleteData)?;
        if telescopes::delete(self.db(), access.workspace.id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("telescope"))
        }
    }

    // ---- Instruments -------------------------------------------------------------------------------------------

    /// Instruments with their telescope names, optionally only those on `telescope`.
    pub async fn list_instruments(
        &self,
        actor: &Actor,
        slug: &str,
        telescope: Option<TelescopeId>,
        page: &PageRequest,
    ) -> ServiceResult<Page<InstrumentView>> {
        let access = self.access(actor, slug).await?;
        require_equipment_read(&access)?;
        let rows = instruments::list(self.db(), access.workspace.id, telescope, page).await?;
        Ok(Page::from_rows(rows, page.limit, |(i, _)| i.id.to_string())
            .map(|(instrument, t)| InstrumentView { instrument, telescope_name: t.name }))
    }

    pub async fn get_instrument(&self, actor: &Actor, slug: &str, id: InstrumentId) -> ServiceResult<InstrumentView> {
        let access = self.access(actor, slug).await?;
        require_equipment_read(&access)?;
        self.instrument_in(access.workspace.id, id).await
    }

    #[tracing::instrument(skip(self, actor, input))]
    pub async fn create_instrument(
        &self,
        actor: &Actor,
        slug: &str,
        input: CreateInstrument,
    ) -> ServiceResult<InstrumentView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::CreateData)?;
        let ws = access.workspace.id;
        let name = Name::parse(&input.name)?;
        let detector =
            ShortText::parse(input.detector.as_deref().unwrap_or_default()).map_err(|e| e.for_field("detector"))?;
        let pixel_scale_arcsec = measure_opt("pixel_scale_arcsec", input.pixel_scale_arcsec, MAX_PIXEL_SCALE)?;
        let field_arcmin = field_arcmin(input.field_width_arcmin, input.field_height_arcmin)?;
        let filters = parse_filters(input.filters.as_deref().unwrap_or_default())?;
        let description = description(input.description.as_deref())?;
        let telescope = self.referenced_telescope(ws, input.telescope_id).await?;
        let fields = InstrumentFields {
            telescope_id: telescope.id,
            name,
            detector,
            pixel_scale_arcsec,
            field_arcmin,
            filters,
            description,
        };
        let instrument = instruments::insert(self.db(), ws, &fields, crate::now()).await?;
        Ok(InstrumentView { instrument, telescope_name: telescope.name })
    }

    #[tracing::instrument(skip(self, actor, input))]
    pub async fn update_instrument(
        &self,
        actor: &Actor,
        slug: &str,
        id: InstrumentId,
        input: UpdateInstrument,
    ) -> ServiceResult<InstrumentView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::EditData)?;
        let ws = access.workspace.id;
        let mut f = InstrumentFields::from(&self.instrument_in(ws, id).await?.instrument);
        if let Some(v) = input.name {
            f.name = Name::parse(&v)?;
        }
        if let Some(v) = input.detector {
            f.detector = ShortText::parse(&v).map_err(|e| e.for_field("detector"))?;
        }
        if let Some(v) = input.pixel_scale_arcsec {
            f.pixel_scale_arcsec = measure_opt("pixel_scale_arcsec", v, MAX_PIXEL_SCALE)?;
        }
        if input.field_width_arcmin.is_some() || input.field_height_arcmin.is_some() {
            let current = f.field_arcmin;
            let w = input.field_width_arcmin.unwrap_or(current.map(|c| c.0));
            let h = input.field_height_arcmin.unwrap_or(current.map(|c| c.1));
            f.field_arcmin = field_arcmin(w, h)?;
        }
        if let Some(v) = input.filters {
            f.filters = parse_filters(&v)?;
        }
        if let Some(v) = input.description {
            f.description = Description::parse(&v)?;
        }
        if let Some(t) = input.telescope_id {
            f.telescope_id = self.referenced_telescope(ws, t).await?.id;
        }
        if !instruments::update(self.db(), ws, id, &f, crate::now()).await? {
            return Err(ServiceError::NotFound("instrument"));
        }
        self.instrument_in(ws, id).await
    }

    /// Deletes an instrument; 409 naming `observations` while any used it.
    #[tracing::instrument(skip(self, actor))]
    pub async fn delete_instrument(&self, actor: &Actor, slug: &str, id: InstrumentId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        access.require(Action::DeleteData)?;
        if instruments::delete(self.db(), access.workspace.id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("instrument"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_named_once_and_bounded() {
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let ok = parse_filters(&names(&[" g' ", "r'", "Halpha"])).map(|v| v.iter().map(ToString::to_string).collect());
        assert_eq!(ok, Ok(vec!["g'".to_owned(), "r'".to_owned(), "Halpha".to_owned()]));
        for bad in [names(&["g", " g"]), names(&[""]), names(&["a\nb"])] {
            assert_eq!(parse_filters(&bad).map_err(|e| e.field), Err("filters".to_owned()), "{bad:?}");
        }
        let many: Vec<String> = (0..=MAX_FILTERS).map(|i| format!("f{i}")).collect();
        assert!(parse_filters(&many).is_err());
        assert!(parse_filters(&many[..MAX_FILTERS]).is_ok());
    }

    #[test]
    fn coordinates_read_numbers_and_text() {
        let lat = Coordinate::Text("28:45:38".to_owned()).read(Latitude::new, Latitude::parse);
        assert!(lat.is_ok_and(|l| (l.degrees() - 28.760_555).abs() < 1e-5));
        let err = Coordinate::Degrees(91.0).read(Latitude::new, Latitude::parse);
        assert_eq!(err.map_err(|e| e.field), Err("latitude".to_owned()));
    }

    #[test]
    fn patch_bodies_tell_absent_from_null() {
        let absent: UpdateTelescope = serde_json::from_str("{}").unwrap();
        let null: UpdateTelescope = serde_json::from_str(r#"{"aperture_mm": null}"#).unwrap();
        let set: UpdateTelescope = serde_json::from_str(r#"{"aperture_mm": 400}"#).unwrap();
        assert_eq!((absent.aperture_mm, null.aperture_mm, set.aperture_mm), (None, Some(None), Some(Some(400.0))));
    }
}
