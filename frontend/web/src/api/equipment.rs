//! Server functions of the observatory (sites, telescopes, instruments) and targets pages. Form fields arrive as
//! text; an empty optional field means "none".
#![expect(clippy::too_many_arguments, reason = "a server function takes one argument per form field")]

use super::WorkspaceInfo;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteInfo {
    pub id: String,
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub elevation_m: f64,
    pub time_zone: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelescopeInfo {
    pub id: String,
    pub name: String,
    pub site_id: String,
    pub site_name: String,
    pub aperture_mm: Option<f64>,
    pub focal_length_mm: Option<f64>,
    pub mount: Option<String>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstrumentInfo {
    pub id: String,
    pub name: String,
    pub telescope_id: String,
    pub telescope_name: String,
    pub detector: String,
    pub pixel_scale_arcsec: Option<f64>,
    /// Field of view, arcminutes.
    pub field_width_arcmin: Option<f64>,
    pub field_height_arcmin: Option<f64>,
    pub filters: Vec<String>,
    pub description: String,
}

/// Everything the observatory page shows, and what the viewer may do there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservatoryInfo {
    pub workspace: WorkspaceInfo,
    pub can_create: bool,
    pub can_edit: bool,
    pub can_delete: bool,
    pub sites: Vec<SiteInfo>,
    pub telescopes: Vec<TelescopeInfo>,
    pub instruments: Vec<InstrumentInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetInfo {
    pub id: String,
    pub name: String,
    pub ra_deg: f64,
    pub dec_deg: f64,
    /// `05:35:17.30`
    pub ra_hms: String,
    /// `-05:23:28.0`
    pub dec_dms: String,
    pub notes: String,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetListInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The list's targets as (id, name).
    pub targets: Vec<(String, String)>,
}

/// Everything the targets page shows, and what the viewer may do there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetsInfo {
    pub workspace: WorkspaceInfo,
    pub can_create: bool,
    pub can_edit: bool,
    pub can_delete: bool,
    pub targets: Vec<TargetInfo>,
    pub lists: Vec<TargetListInfo>,
}

#[server(prefix = "/fn", endpoint = "observatory")]
pub async fn get_observatory(slug: String) -> Result<ObservatoryInfo, ServerFnError> {
    crate::ssr::equipment::observatory(slug).await
}

/// Creates a site when `id` is empty, otherwise saves it.
#[server(prefix = "/fn", endpoint = "save_site")]
pub async fn save_site(
    csrf_token: String,
    slug: String,
    id: String,
    name: String,
    latitude: String,
    longitude: String,
    elevation_m: String,
    time_zone: String,
    description: String,
) -> Result<(), ServerFnError> {
    crate::ssr::equipment::save_site(
        csrf_token,
        slug,
        id,
        crate::ssr::equipment::SiteForm { name, latitude, longitude, elevation_m, time_zone, description },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "delete_site")]
pub async fn delete_site(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::equipment::delete_equipment(csrf_token, slug, crate::ssr::equipment::Equipment::Site, id).await
}

/// Creates a telescope when `id` is empty, otherwise saves it.
#[server(prefix = "/fn", endpoint = "save_telescope")]
pub async fn save_telescope(
    csrf_token: String,
    slug: String,
    id: String,
    name: String,
    site_id: String,
    aperture_mm: String,
    focal_length_mm: String,
    mount: String,
    description: String,
) -> Result<(), ServerFnError> {
    crate::ssr::equipment::save_telescope(
        csrf_token,
        slug,
        id,
        crate::ssr::equipment::TelescopeForm { name, site_id, aperture_mm, focal_length_mm, mount, description },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "delete_telescope")]
pub async fn delete_telescope(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::equipment::delete_equipment(csrf_token, slug, crate::ssr::equipment::Equipment::Telescope, id).await
}

/// Creates an instrument when `id` is empty, otherwise saves it. `filters` is comma-separated.
#[server(prefix = "/fn", endpoint = "save_instrument")]
pub async fn save_instrument(
    csrf_token: String,
    slug: String,
    id: String,
    name: String,
    telescope_id: String,
    detector: String,
    pixel_scale_arcsec: String,
    field_width_arcmin: String,
    field_height_arcmin: String,
    filters: String,
    description: String,
) -> Result<(), ServerFnError> {
    crate::ssr::equipment::save_instrument(
        csrf_token,
        slug,
        id,
        crate::ssr::equipment::InstrumentForm {
            name,
            telescope_id,
            detector,
            pixel_scale_arcsec,
            field_width_arcmin,
            field_height_arcmin,
            filters,
            description,
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "delete_instrument")]
pub async fn delete_instrument(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::equipment::delete_equipment(csrf_token, slug, crate::ssr::equipment::Equipment::Instrument, id).await
}

/// The catalogue (narrowed by `q`, part of a name, when not empty) and the target lists.
#[server(prefix = "/fn", endpoint = "targets")]
pub async fn get_targets(slug: String, q: String) -> Result<TargetsInfo, ServerFnError> {
    crate::ssr::equipment::targets_page(slug, q).await
}

/// Creates a target when `id` is empty, otherwise saves it. RA and Dec in degrees or sexagesimal; tags
/// comma-separated.
#[server(prefix = "/fn", endpoint = "save_target")]
pub async fn save_target(
    csrf_token: String,
    slug: String,
    id: String,
    name: String,
    ra: String,
    dec: String,
    notes: String,
    tags: String,
) -> Result<(), ServerFnError> {
    crate::ssr::equipment::save_target(
        csrf_token,
        slug,
        id,
        crate::ssr::equipment::TargetForm { name, ra, dec, notes, tags },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "delete_target")]
pub async fn delete_target(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::equipment::delete_equipment(csrf_token, slug, crate::ssr::equipment::Equipment::Target, id).await
}

/// Creates a target list when `id` is empty, otherwise saves it.
#[server(prefix = "/fn", endpoint = "save_target_list")]
pub async fn save_target_list(
    csrf_token: String,
    slug: String,
    id: String,
    name: String,
    description: String,
) -> Result<(), ServerFnError> {
    crate::ssr::equipment::save_target_list(csrf_token, slug, id, name, description).await
}

#[server(prefix = "/fn", endpoint = "delete_target_list")]
pub async fn delete_target_list(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::equipment::delete_equipment(csrf_token, slug, crate::ssr::equipment::Equipment::TargetList, id).await
}

#[server(prefix = "/fn", endpoint = "add_list_target")]
pub async fn add_list_target(
    csrf_token: String,
    slug: String,
    list_id: String,
    target_id: String,
) -> Result<(), ServerFnError> {
    crate::ssr::equipment::list_membership(csrf_token, slug, list_id, target_id, true).await
}

#[server(prefix = "/fn", endpoint = "remove_list_target")]
pub async fn remove_list_target(
    csrf_token: String,
    slug: String,
    list_id: String,
    target_id: String,
) -> Result<(), ServerFnError> {
    crate::ssr::equipment::list_membership(csrf_token, slug, list_id, target_id, false).await
}
