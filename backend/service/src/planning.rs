//! Planned observations: a target (from the workspace's targets, or coordinates), a telescope (its site is where
//! the check looks from), a field and a time window, with a stored satellite check. The check runs when the plan is
//! made or changed, when asked, and for every plan not yet over after the catalog changed; it records the catalog
//! revision and element epochs it used, so a page can say how old the elements were.
//!
//! Plans are the workspace's private working notes: reading needs the view right, writing the data actions.

use crate::equipment::{Coordinate, nullable};
use crate::satellites::compute::{Field, FovReport, FovRequest, Site as CheckSite};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use meridian_domain::equipment::Site;
use meridian_domain::planning::{CheckStatus, FieldOfView, PlannedObservation, StoredCheck, validate_window};
use meridian_domain::{
    Action, Declination, Description, InstrumentId, Name, Page, PageRequest, PlannedObservationId, RightAscension,
    SkyPosition, TargetId, TelescopeId, ValidationError, WorkspaceId,
};
use meridian_store::planning::{self as store, PlanFields};
use meridian_store::{equipment::instruments, equipment::sites, equipment::telescopes, targets};
use serde::Deserialize;

/// A new plan as submitted: `target_id` or both `ra` and `dec`.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatePlan {
    /// Defaults to the target's name.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub target_id: Option<TargetId>,
    #[serde(default)]
    pub ra: Option<Coordinate>,
    #[serde(default)]
    pub dec: Option<Coordinate>,
    pub telescope_id: TelescopeId,
    #[serde(default)]
    pub instrument_id: Option<InstrumentId>,
    /// Defaults to the instrument's field of view (a rectangle, height to the north).
    #[serde(default)]
    pub field: Option<FieldOfView>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// Plan changes; absent fields stay as they are. Giving a target takes its position; giving coordinates detaches
/// the plan from its target.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdatePlan {
    pub name: Option<String>,
    pub target_id: Option<TargetId>,
    pub ra: Option<Coordinate>,
    pub dec: Option<Coordinate>,
    pub telescope_id: Option<TelescopeId>,
    #[serde(default, deserialize_with = "nullable")]
    pub instrument_id: Option<Option<InstrumentId>>,
    pub field: Option<FieldOfView>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub notes: Option<String>,
}

/// A plan with what the pages show beside it.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub plan: PlannedObservation,
    pub telescope_name: Name,
    pub site: Site,
}

fn field_of(fov: FieldOfView, center: SkyPosition) -> Result<Field, ValidationError> {
    let field = match fov {
        FieldOfView::Circle { radius_deg } => Field::circle(center, radius_deg),
        FieldOfView::Rectangle { width_deg, height_deg, position_angle_deg } => {
            Field::rectangle(center, width_deg, height_deg, position_angle_deg)
        }
    };
    // The satellite crate names the shape's numbers (`radius`); the plan's body has them under `field`.
    field.map_err(|e| ValidationError::new("field", format!("{}: {}", e.field, e.message)))
}

fn position(ra: &Coordinate, dec: &Coordinate) -> Result<SkyPosition, ValidationError> {
    Ok(SkyPosition::new(
        ra.read(RightAscension::new, RightAscension::parse)?,
        dec.read(Declination::new, Declination::parse)?,
    ))
}

/// A plan's stored report, when its check is done (the satellite crate's report, read back from its JSON).
pub fn stored_report(check: &StoredCheck) -> Option<FovReport> {
    if check.status != CheckStatus::Done {
        return None;
    }
    let parsed = serde_json::from_str(check.result.as_deref()?);
    parsed.inspect_err(|e| tracing::warn!(error = %e, "a stored satellite check does not read")).ok()
}

impl Services {
    async fn plan_in(&self, ws: WorkspaceId, id: PlannedObservationId) -> ServiceResult<PlanView> {
        let plan = store::find(self.db(), ws, id).await?.ok_or(ServiceError::NotFound("planned observation"))?;
        self.plan_view(plan).await
    }

    async fn plan_view(&self, plan: PlannedObservation) -> ServiceResult<PlanView> {
        let ws = plan.workspace_id;
        let telescope = telescopes::find(self.db(), ws, plan.telescope_id)
            .await?
            .ok_or_else(|| ServiceError::internal("a plan's telescope is missing".to_owned()))?;
        let site = sites::find(self.db(), ws, telescope.site_id)
            .await?
            .ok_or_else(|| ServiceError::internal("a telescope's site is missing".to_owned()))?;
        Ok(PlanView { plan, telescope_name: telescope.name, site })
    }

    /// Checks the references of a plan's fields against this workspace (422 naming the field otherwise).
    async fn check_plan_refs(&self, ws: WorkspaceId, f: &PlanFields) -> ServiceResult<()> {
        let telescope = telescopes::find(self.db(), ws, f.telescope_id)
            .await?
            .ok_or_else(|| ValidationError::new("telescope_id", "no telescope with this id in this workspace"))?;
        if let Some(i) = f.instrument_id {
            let instrument = instruments::find(self.db(), ws, i)
                .await?
                .ok_or_else(|| ValidationError::new("instrument_id", "no instrument with this id in this workspace"))?;
            if instrument.telescope_id != telescope.id {
                return Err(ValidationError::new("instrument_id", "this instrument is on another telescope").into());
            }
        }
        validate_window(f.starts_at, f.ends_at)?;
        field_of(f.field, f.position)?;
        Ok(())
    }

    /// An instrument's field of view as a plan's field (a rectangle with its height to the north).
    async fn instrument_field(&self, ws: WorkspaceId, id: InstrumentId) -> ServiceResult<FieldOfView> {
        let instrument = instruments::find(self.db(), ws, id)
            .await?
            .ok_or_else(|| ValidationError::new("instrument_id", "no instrument with this id in this workspace"))?;
        let (w, h) = instrument.field_arcmin.ok_or_else(|| {
            ValidationError::new("field", "this instrument has no field of view recorded; give the field")
        })?;
        Ok(FieldOfView::Rectangle { width_deg: w / 60.0, height_deg: h / 60.0, position_angle_deg: 0.0 })
    }

    async fn target_position(&self, ws: WorkspaceId, id: TargetId) -> ServiceResult<(Name, SkyPosition)> {
        let t = targets::find(self.db(), ws, id)
            .await?
            .ok_or_else(|| ValidationError::new("target_id", "no target with this id in this workspace"))?;
        Ok((t.name, t.position))
    }

    pub async fn list_plans(
        &self,
        actor: &Actor,
        slug: &str,
        upcoming_only: bool,
        page: &PageRequest,
    ) -> ServiceResult<Page<PlanView>> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ViewWorkspace)?;
        let since = upcoming_only.then(Utc::now);
        let rows = store::list(self.db(), access.workspace.id, since, page).await?;
        let page = Page::from_rows(rows, page.limit, store::cursor_of);
        let mut items = Vec::with_capacity(page.items.len());
        for plan in page.items {
            items.push(self.plan_view(plan).await?);
        }
        Ok(Page { items, next_cursor: page.next_cursor })
    }

    pub async fn get_plan(&self, actor: &Actor, slug: &str, id: PlannedObservationId) -> ServiceResult<PlanView> {
        let access = self.access(actor, slug).await?;
        access.require_on(false, Action::ViewWorkspace, "planned observation")?;
        self.plan_in(access.workspace.id, id).await
    }

    /// Makes a plan and runs its check (a missing catalog leaves the check `failed` with the reason; the plan is
    /// kept).
    #[tracing::instrument(skip(self, actor, input))]
    pub async fn create_plan(&self, actor: &Actor, slug: &str, input: CreatePlan) -> ServiceResult<PlanView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::CreateData)?;
        let ws = access.workspace.id;
        let by = crate::nights::writer(actor)?;
        let (target_name, position) = match (input.target_id, &input.ra, &input.dec) {
            (Some(t), None, None) => {
                let (name, pos) = self.target_position(ws, t).await?;
                (Some(name), pos)
            }
            (None, Some(ra), Some(dec)) => (None, position(ra, dec)?),
            (Some(_), _, _) => {
                return Err(ValidationError::new("target_id", "give a target or coordinates, not both").into());
            }
            (None, _, _) => return Err(ValidationError::new("ra", "give a target_id, or both ra and dec").into()),
        };
        let name = match (input.name.as_deref().map(str::trim).filter(|n| !n.is_empty()), target_name) {
            (Some(n), _) => Name::parse(n)?,
            (None, Some(t)) => t,
            (None, None) => Name::parse(&format!("{:.4} {:+.4}", position.ra.degrees(), position.dec.degrees()))?,
        };
        let field = match (input.field, input.instrument_id) {
            (Some(f), _) => f,
            (None, Some(i)) => self.instrument_field(ws, i).await?,
            (None, None) => {
                return Err(ValidationError::new("field", "give a field, or an instrument with a field of view").into());
            }
        };
        let fields = PlanFields {
            name,
            target_id: input.target_id,
            position,
            telescope_id: input.telescope_id,
            instrument_id: input.instrument_id,
            field,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            notes: Description::parse(input.notes.as_deref().unwrap_or_default())?,
        };
        self.check_plan_refs(ws, &fields).await?;
        let plan = store::insert(self.db(), ws, &fields, by, crate::now()).await?;
        let id = plan.id;
        self.run_plan_check(plan).await?;
        self.plan_in(ws, id).await
    }

    #[tracing::instrument(skip(self, actor, input))]
    pub async fn update_plan(
        &self,
        actor: &Actor,
        slug: &str,
        id: PlannedObservationId,
        input: UpdatePlan,
    ) -> ServiceResult<PlanView> {
        let access = self.access(actor, slug).await?;
        access.require_on(false, Action::EditData, "planned observation")?;
        let ws = access.workspace.id;
        let mut f = PlanFields::from(&self.plan_in(ws, id).await?.plan);
        if let Some(t) = input.target_id {
            if input.ra.is_some() || input.dec.is_some() {
                return Err(ValidationError::new("target_id", "give a target or coordinates, not both").into());
            }
            f.position = self.target_position(ws, t).await?.1;
            f.target_id = Some(t);
        } else if input.ra.is_some() || input.dec.is_some() {
            let (Some(ra), Some(dec)) = (&input.ra, &input.dec) else {
                return Err(ValidationError::new("ra", "give both ra and dec").into());
            };
            f.position = position(ra, dec)?;
            f.target_id = None;
        }
        if let Some(v) = input.name {
            f.name = Name::parse(&v)?;
        }
        if let Some(v) = input.telescope_id {
            f.telescope_id = v;
        }
        if let Some(v) = input.instrument_id {
            f.instrument_id = v;
        }
        if let Some(v) = input.field {
            f.field = v;
        }
        if let Some(v) = input.starts_at {
            f.starts_at = v;
        }
        if let Some(v) = input.ends_at {
            f.ends_at = v;
        }
        if let Some(v) = input.notes {
            f.notes = Description::parse(&v)?;
        }
        self.check_plan_refs(ws, &f).await?;
        if !store::update(self.db(), ws, id, &f, crate::now()).await? {
            return Err(ServiceError::NotFound("planned observation"));
        }
        let view = self.plan_in(ws, id).await?;
        self.run_plan_check(view.plan).await?;
        self.plan_in(ws, id).await
    }

    pub async fn delete_plan(&self, actor: &Actor, slug: &str, id: PlannedObservationId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        access.require_on(false, Action::DeleteData, "planned observation")?;
        if store::delete(self.db(), access.workspace.id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("planned observation"))
        }
    }

    /// Runs a plan's check again now (with the catalog as it is).
    pub async fn recheck_plan(&self, actor: &Actor, slug: &str, id: PlannedObservationId) -> ServiceResult<PlanView> {
        let access = self.access(actor, slug).await?;
        access.require_on(false, Action::EditData, "planned observation")?;
        let view = self.plan_in(access.workspace.id, id).await?;
        self.run_plan_check(view.plan).await?;
        self.plan_in(access.workspace.id, id).await
    }

    /// Runs and stores one plan's check. A check that cannot run (no catalog) is stored as `failed` with the
    /// reason; a plan changed meanwhile keeps its newer state. Errors only when the database fails.
    pub(crate) async fn run_plan_check(&self, plan: PlannedObservation) -> ServiceResult<()> {
        let view = self.plan_view(plan).await?;
        let plan = &view.plan;
        let site = CheckSite::new(view.site.latitude, view.site.longitude, view.site.elevation);
        let outcome = async {
            let field = field_of(plan.field, plan.position)?;
            let request = FovRequest::new(site, vec![field], plan.starts_at, plan.ends_at)?;
            self.satellite_fov_check(request).await
        }
        .await;
        let check = match outcome {
            Ok(check) => StoredCheck {
                status: CheckStatus::Done,
                result: Some(serde_json::to_string(&check.report).map_err(ServiceError::internal)?),
                error: None,
                checked_at: Some(crate::now()),
                catalog_import: check.catalog.revision,
                catalog_oldest: check.catalog.oldest_epoch,
                catalog_newest: check.catalog.newest_epoch,
            },
            Err(e @ (ServiceError::Validation(_) | ServiceError::Conflict { .. })) => StoredCheck {
                status: CheckStatus::Failed,
                error: Some(e.to_string()),
                checked_at: Some(crate::now()),
                ..StoredCheck::pending()
            },
            Err(e) => return Err(e),
        };
        store::store_check(self.db(), plan.workspace_id, plan.id, plan.updated_at, &check).await?;
        Ok(())
    }

    /// The job after a catalog refresh: every plan not yet over is checked again. Returns how many were.
    pub async fn recheck_plans(&self) -> ServiceResult<usize> {
        let due = store::not_over(self.db(), Utc::now()).await?;
        let mut done = 0;
        for (ws, id) in due {
            // A plan deleted meanwhile is simply gone.
            if let Some(plan) = store::find(self.db(), ws, id).await? {
                self.run_plan_check(plan).await?;
                done += 1;
            }
        }
        Ok(done)
    }
}
