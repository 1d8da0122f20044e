//! Storage use against the plan: bytes per tier, uploads in flight, metered GiB-months; the quota check.

use crate::data::{MonthUsage, TierUsage, UsageView};
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::{Action, Plan, Tier, WorkspaceId};
use meridian_store::data as store;
use meridian_store::{uploads, workspaces};

impl Services {
    pub async fn storage_usage(&self, actor: &Actor, slug: &str) -> ServiceResult<UsageView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ViewWorkspace)?;
        let ws = access.workspace.id;
        let plan = workspaces::plan_of(self.db(), ws).await?;
        let limits = plan.limits();
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
            plan,
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
        let plan = workspaces::plan_of(conn, ws).await?;
        let limits = plan.limits();
        if size > limits.max_file_bytes {
            return Err(ServiceError::QuotaExceeded {
                message: format!(
                    "the {plan} plan takes files up to {} bytes; this one has {size}",
                    limits.max_file_bytes
                ),
                tier: Tier::Hot,
                used: 0,
                limit: limits.max_file_bytes,
                requested: size,
            });
        }
        let used = store::files::bytes_per_tier(conn, ws).await?[0] + uploads::reserved_bytes(conn, ws).await?;
        let used = u64::try_from(used).unwrap_or(0);
        if used.saturating_add(size) > limits.hot_bytes {
            return Err(ServiceError::QuotaExceeded {
                message: format!(
                    "the hot tier of the {plan} plan holds {} bytes; {used} are used and this upload needs {size}",
                    limits.hot_bytes
                ),
                tier: Tier::Hot,
                used,
                limit: limits.hot_bytes,
                requested: size,
            });
        }
        Ok(())
    }

    /// Puts a workspace on a plan (operators and, later, billing).
    pub async fn set_plan(&self, workspace: WorkspaceId, plan: Plan) -> ServiceResult<()> {
        workspaces::set_plan(self.db(), workspace, plan).await?;
        Ok(())
    }
}
