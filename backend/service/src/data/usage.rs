//! Storage use against the plan: bytes per tier, uploads in flight, metered GiB-months; the quota check.

use crate::data::{MonthUsage, TierUsage, UsageView};
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::{Action, Tier, WorkspaceId};
use meridian_store::data as store;
use meridian_store::{uploads, workspaces};

impl Services {
    pub async fn storage_usage(&self, actor: &Actor, slug: &str) -> ServiceResult<UsageView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ViewWorkspace)?;
        let ws = access.workspace.id;
        let effective = self.effective_plan(self.db(), ws).await?;
        let limits = effective.plan.limits();
        let bytes = store::files::bytes_per_tier(self.db(), ws).await?;
        let tiers = [Tier::Hot, Tier::Cool, Tier::Cold]
            .into_iter()
            .zip(bytes)
            .map(|(tier, bytes)| TierUsage { tier, bytes, limit_bytes: limits.for_tier(tier) })
            .collect();
        let history = store::usage::months(self.db(), ws, 36)
            .await?
            .into_iter()
            .map(|m| MonthUsage {
                month: m.month,
                tier: m.tier,
                gib_months: meridian_domain::data::gib_months(m.byte_seconds),
            })
            .collect();
        Ok(UsageView {
            plan: effective.plan.key.clone(),
            plan_name: effective.plan.name.clone(),
            plan_lapses_at: effective.state.lapses_at,
            tiers,
            reserved_bytes: uploads::reserved_bytes(self.db(), ws).await?,
            max_file_bytes: limits.max_file_bytes,
            history,
        })
    }

    pub(crate) async fn check_quota(
        &self,
        conn: &impl meridian_store::ConnectionTrait,
        ws: WorkspaceId,
        size: u64,
    ) -> ServiceResult<()> {
        let effective = self.effective_plan(conn, ws).await?;
        let (plan, limits) = (effective.plan, effective.plan.limits());
        let lapsed = if effective.lapsed { " (a payment failed and its grace period is over)" } else { "" };
        if size > limits.max_file_bytes {
            return Err(ServiceError::QuotaExceeded {
                message: format!(
                    "the {} plan{lapsed} takes files up to {} bytes; this one has {size}",
                    plan.name, limits.max_file_bytes
                ),
                plan: plan.key.to_string(),
                tier: Tier::Hot,
                used: 0,
                limit: limits.max_file_bytes,
                requested: size,
            });
        }
        let used = store::files::bytes_per_tier(conn, ws).await?[0] + uploads::reserved_bytes(conn, ws).await?;
        let used = u64::try_from(used).unwrap_or(0);
        if used.saturating_add(size) > limits.hot_bytes {
            let over = used.saturating_add(size) - limits.hot_bytes;
            return Err(ServiceError::QuotaExceeded {
                message: format!(
                    "the hot tier of the {} plan{lapsed} holds {} bytes; {used} are used and this upload needs {size}, \
                     {over} bytes over: free space (move files to a cooler tier, delete some) or change the plan",
                    plan.name, limits.hot_bytes
                ),
                plan: plan.key.to_string(),
                tier: Tier::Hot,
                used,
                limit: limits.hot_bytes,
                requested: size,
            });
        }
        Ok(())
    }

    /// Puts a workspace on a plan (operators, tests; billing does it from Stripe's events).
    pub async fn set_plan(&self, workspace: WorkspaceId, plan: &meridian_domain::PlanKey) -> ServiceResult<()> {
        if self.config().plans.find(plan.as_str()).is_none() {
            return Err(meridian_domain::ValidationError::new("plan", "is not one of this server's plans").into());
        }
        workspaces::set_plan(self.db(), workspace, plan, None).await?;
        Ok(())
    }
}
