//! The server side of the observatory and targets pages. Form text becomes the service's inputs here; the use
//! cases validate it and their errors reach the page as the sentences the API's problems carry.

use super::{actor, all_rows, fail, form_caller, services, workspace_info};
use crate::api::equipment::{
    InstrumentInfo, ObservatoryInfo, SiteInfo, TargetInfo, TargetListInfo, TargetsInfo, TelescopeInfo,
};
use leptos::prelude::*;
use meridian_domain::equipment::Site;
use meridian_domain::targets::Target;
use meridian_domain::{Action, InstrumentId, SiteId, TargetId, TargetListId, TelescopeId, ValidationError};
use meridian_service::equipment::{
    Coordinate, CreateInstrument, CreateSite, CreateTelescope, InstrumentView, TelescopeView, UpdateInstrument,
    UpdateSite, UpdateTelescope,
};
use meridian_service::targets::{CreateTarget, CreateTargetList, TargetQuery, UpdateTarget, UpdateTargetList};
use meridian_service::workspaces::WorkspaceView;
use meridian_service::{ServiceError, Services};

#[derive(Debug)]
pub struct SiteForm {
    pub name: String,
    pub latitude: String,
    pub longitude: String,
    pub elevation_m: String,
    pub time_zone: String,
    pub description: String,
}

#[derive(Debug)]
pub struct TelescopeForm {
    pub name: String,
    pub site_id: String,
    pub aperture_mm: String,
    pub focal_length_mm: String,
    pub mount: String,
    pub description: String,
}

#[derive(Debug)]
pub struct InstrumentForm {
    pub name: String,
    pub telescope_id: String,
    pub detector: String,
    pub pixel_scale_arcsec: String,
    pub field_width_arcmin: String,
    pub field_height_arcmin: String,
    pub filters: String,
    pub description: String,
}

#[derive(Debug)]
pub struct TargetForm {
    pub name: String,
    pub ra: String,
    pub dec: String,
    pub notes: String,
    pub tags: String,
}

/// What a delete form removes.
#[derive(Debug, Clone, Copy)]
pub enum Equipment {
    Site,
    Telescope,
    Instrument,
    Target,
    TargetList,
}

pub(super) fn invalid(field: &str, message: &str) -> ServerFnError {
    fail(ServiceError::Validation(ValidationError::new(field, message)))
}

/// A number typed in a form: empty is none, anything else must parse.
pub(super) fn number(field: &str, s: &str) -> Result<Option<f64>, ServerFnError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| invalid(field, "must be a number"))
}

fn required_number(field: &str, s: &str) -> Result<f64, ServerFnError> {
    number(field, s)?.ok_or_else(|| invalid(field, "is required"))
}

/// An id from a form's hidden field or select; one that does not parse names nothing (`field` for a reference the
/// user chose, not found for the object itself).
fn id<T: std::str::FromStr>(field: &str, s: &str) -> Result<T, ServerFnError> {
    s.trim().parse().map_err(|_| invalid(field, "choose one from the list"))
}

fn object_id<T: std::str::FromStr>(what: &'static str, s: &str) -> Result<T, ServerFnError> {
    s.trim().parse().map_err(|_| fail(ServiceError::NotFound(what)))
}

pub(super) fn comma_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect()
}

fn text(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn site_info(s: Site) -> SiteInfo {
    SiteInfo {
        id: s.id.to_string(),
        name: s.name.to_string(),
        latitude: s.latitude.degrees(),
        longitude: s.longitude.degrees(),
        elevation_m: s.elevation.metres(),
        time_zone: s.time_zone.to_string(),
        description: s.description.as_str().to_owned(),
    }
}

fn telescope_info(v: TelescopeView) -> TelescopeInfo {
    let t = v.telescope;
    TelescopeInfo {
        id: t.id.to_string(),
        name: t.name.to_string(),
        site_id: t.site_id.to_string(),
        site_name: v.site_name.to_string(),
        aperture_mm: t.aperture_mm,
        focal_length_mm: t.focal_length_mm,
        mount: t.mount.map(|m| m.as_str().to_owned()),
        description: t.description.as_str().to_owned(),
    }
}

fn instrument_info(v: InstrumentView) -> InstrumentInfo {
    let i = v.instrument;
    InstrumentInfo {
        id: i.id.to_string(),
        name: i.name.to_string(),
        telescope_id: i.telescope_id.to_string(),
        telescope_name: v.telescope_name.to_string(),
        detector: i.detector.to_string(),
        pixel_scale_arcsec: i.pixel_scale_arcsec,
        field_width_arcmin: i.field_arcmin.map(|f| f.0),
        field_height_arcmin: i.field_arcmin.map(|f| f.1),
        filters: i.filters.into_iter().map(String::from).collect(),
        description: i.description.as_str().to_owned(),
    }
}

fn target_info(t: Target) -> TargetInfo {
    TargetInfo {
        id: t.id.to_string(),
        name: t.name.to_string(),
        ra_deg: t.position.ra.degrees(),
        dec_deg: t.position.dec.degrees(),
        ra_hms: t.position.ra.to_hms(),
        dec_dms: t.position.dec.to_dms(),
        notes: t.notes.as_str().to_owned(),
        tags: t.tags.iter().map(|t| t.as_str().to_owned()).collect(),
    }
}

pub(super) fn not_found_status(e: &ServiceError) {
    if let ServiceError::NotFound(_) = e {
        expect_context::<leptos_actix::ResponseOptions>().set_status(actix_web::http::StatusCode::NOT_FOUND);
    }
}

pub async fn observatory(slug: String) -> Result<ObservatoryInfo, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let all = all_rows();
    let read = async {
        let access = services.access(&actor, &slug).await?;
        let sites = services.list_sites(&actor, &slug, &all).await?;
        let telescopes = services.list_telescopes(&actor, &slug, None, &all).await?;
        let instruments = services.list_instruments(&actor, &slug, None, &all).await?;
        Ok::<_, ServiceError>((access, sites, telescopes, instruments))
    };
    let (access, sites, telescopes, instruments) = read.await.inspect_err(not_found_status).map_err(fail)?;
    Ok(ObservatoryInfo {
        can_create: access.can(Action::CreateData),
        can_edit: access.can(Action::EditData),
        can_delete: access.can(Action::DeleteData),
        workspace: workspace_info(WorkspaceView { role: access.role, workspace: access.workspace }),
        sites: sites.items.into_iter().map(site_info).collect(),
        telescopes: telescopes.items.into_iter().map(telescope_info).collect(),
        instruments: instruments.items.into_iter().map(instrument_info).collect(),
    })
}

pub async fn save_site(csrf: String, slug: String, id: String, f: SiteForm) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let elevation_m = required_number("elevation_m", &f.elevation_m)?;
    let (latitude, longitude) = (Coordinate::Text(f.latitude), Coordinate::Text(f.longitude));
    if id.trim().is_empty() {
        let input = CreateSite {
            name: f.name,
            latitude,
            longitude,
            elevation_m,
            time_zone: f.time_zone,
            description: Some(f.description),
        };
        services.create_site(&actor, &slug, input).await.map_err(fail)?;
    } else {
        let input = UpdateSite {
            name: Some(f.name),
            latitude: Some(latitude),
            longitude: Some(longitude),
            elevation_m: Some(elevation_m),
            time_zone: Some(f.time_zone),
            description: Some(f.description),
        };
        services.update_site(&actor, &slug, object_id::<SiteId>("site", &id)?, input).await.map_err(fail)?;
    }
    Ok(())
}

pub async fn save_telescope(csrf: String, slug: String, id: String, f: TelescopeForm) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let site_id: SiteId = self::id("site_id", &f.site_id)?;
    let aperture_mm = number("aperture_mm", &f.aperture_mm)?;
    let focal_length_mm = number("focal_length_mm", &f.focal_length_mm)?;
    let mount = text(f.mount);
    if id.trim().is_empty() {
        let input = CreateTelescope {
            name: f.name,
            site_id,
            aperture_mm,
            focal_length_mm,
            mount,
            description: Some(f.description),
        };
        services.create_telescope(&actor, &slug, input).await.map_err(fail)?;
    } else {
        let input = UpdateTelescope {
            name: Some(f.name),
            site_id: Some(site_id),
            aperture_mm: Some(aperture_mm),
            focal_length_mm: Some(focal_length_mm),
            mount: Some(mount),
            description: Some(f.description),
        };
        let id = object_id::<TelescopeId>("telescope", &id)?;
        services.update_telescope(&actor, &slug, id, input).await.map_err(fail)?;
    }
    Ok(())
}

pub async fn save_instrument(csrf: String, slug: String, id: String, f: InstrumentForm) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let telescope_id: TelescopeId = self::id("telescope_id", &f.telescope_id)?;
    let pixel_scale_arcsec = number("pixel_scale_arcsec", &f.pixel_scale_arcsec)?;
    let field_width_arcmin = number("field_width_arcmin", &f.field_width_arcmin)?;
    let field_height_arcmin = number("field_height_arcmin", &f.field_height_arcmin)?;
    let filters = comma_list(&f.filters);
    if id.trim().is_empty() {
        let input = CreateInstrument {
            name: f.name,
            telescope_id,
            detector: Some(f.detector),
            pixel_scale_arcsec,
            field_width_arcmin,
            field_height_arcmin,
            filters: Some(filters),
            description: Some(f.description),
        };
        services.create_instrument(&actor, &slug, input).await.map_err(fail)?;
    } else {
        let input = UpdateInstrument {
            name: Some(f.name),
            telescope_id: Some(telescope_id),
            detector: Some(f.detector),
            pixel_scale_arcsec: Some(pixel_scale_arcsec),
            field_width_arcmin: Some(field_width_arcmin),
            field_height_arcmin: Some(field_height_arcmin),
            filters: Some(filters),
            description: Some(f.description),
        };
        let id = object_id::<InstrumentId>("instrument", &id)?;
        services.update_instrument(&actor, &slug, id, input).await.map_err(fail)?;
    }
    Ok(())
}

pub async fn delete_equipment(csrf: String, slug: String, what: Equipment, id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let s: &Services = &services;
    let done = match what {
        Equipment::Site => s.delete_site(&actor, &slug, object_id("site", &id)?).await,
        Equipment::Telescope => s.delete_telescope(&actor, &slug, object_id("telescope", &id)?).await,
        Equipment::Instrument => s.delete_instrument(&actor, &slug, object_id("instrument", &id)?).await,
        Equipment::Target => s.delete_target(&actor, &slug, object_id("target", &id)?).await,
        Equipment::TargetList => s.delete_target_list(&actor, &slug, object_id("target list", &id)?).await,
    };
    done.map_err(fail)
}

pub async fn targets_page(slug: String, q: String) -> Result<TargetsInfo, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let all = all_rows();
    let read = async {
        let access = services.access(&actor, &slug).await?;
        let query = TargetQuery { q: Some(q), tag: None };
        let targets = services.list_targets(&actor, &slug, &query, &all).await?;
        let lists = services.list_target_lists(&actor, &slug, &all).await?;
        let mut infos = Vec::with_capacity(lists.items.len());
        for l in lists.items {
            let members = services.list_target_list_targets(&actor, &slug, l.id, &all).await?;
            infos.push(TargetListInfo {
                id: l.id.to_string(),
                name: l.name.to_string(),
                description: l.description.as_str().to_owned(),
                targets: members.items.into_iter().map(|t| (t.id.to_string(), t.name.to_string())).collect(),
            });
        }
        Ok::<_, ServiceError>((access, targets, infos))
    };
    let (access, targets, lists) = read.await.inspect_err(not_found_status).map_err(fail)?;
    Ok(TargetsInfo {
        can_create: access.can(Action::CreateData),
        can_edit: access.can(Action::EditData),
        can_delete: access.can(Action::DeleteData),
        workspace: workspace_info(WorkspaceView { role: access.role, workspace: access.workspace }),
        targets: targets.items.into_iter().map(target_info).collect(),
        lists,
    })
}

pub async fn save_target(csrf: String, slug: String, id: String, f: TargetForm) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let (ra, dec) = (Coordinate::Text(f.ra), Coordinate::Text(f.dec));
    let tags = comma_list(&f.tags);
    if id.trim().is_empty() {
        let input = CreateTarget { name: f.name, ra, dec, notes: Some(f.notes), tags: Some(tags) };
        services.create_target(&actor, &slug, input).await.map_err(fail)?;
    } else {
        let input =
            UpdateTarget { name: Some(f.name), ra: Some(ra), dec: Some(dec), notes: Some(f.notes), tags: Some(tags) };
        services.update_target(&actor, &slug, object_id::<TargetId>("target", &id)?, input).await.map_err(fail)?;
    }
    Ok(())
}

pub async fn save_target_list(
    csrf: String,
    slug: String,
    id: String,
    name: String,
    description: String,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    if id.trim().is_empty() {
        let input = CreateTargetList { name, description: Some(description) };
        services.create_target_list(&actor, &slug, input).await.map_err(fail)?;
    } else {
        let input = UpdateTargetList { name: Some(name), description: Some(description) };
        let id = object_id::<TargetListId>("target list", &id)?;
        services.update_target_list(&actor, &slug, id, input).await.map_err(fail)?;
    }
    Ok(())
}

pub async fn list_membership(
    csrf: String,
    slug: String,
    list: String,
    target: String,
    add: bool,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let list: TargetListId = object_id("target list", &list)?;
    let target: TargetId = id("target_id", &target)?;
    if add {
        services.add_target_to_list(&actor, &slug, list, target).await.map(drop).map_err(fail)
    } else {
        services.remove_target_from_list(&actor, &slug, list, target).await.map_err(fail)
    }
}
