//! Tier rules: files move to cheaper storage tiers as they age.

use super::datasets::dataset_name;
use crate::data::{RuleInput, RuleView};
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::data::LifecycleRule;
use meridian_domain::{Action, DatasetId, FrameType, LifecycleRuleId, ValidationError};
use meridian_store::data as store;
use meridian_store::data::tiers::RuleFields;

fn rule_view(r: LifecycleRule) -> RuleView {
    RuleView {
        id: r.id,
        name: r.name,
        dataset_id: r.dataset_id,
        frame_type: r.frame_type,
        cool_after_days: r.cool_after_days,
        cold_after_days: r.cold_after_days,
    }
}

impl Services {
    pub async fn list_tier_rules(&self, actor: &Actor, slug: &str) -> ServiceResult<Vec<RuleView>> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ViewWorkspace)?;
        Ok(store::tiers::list_rules(self.db(), access.workspace.id).await?.into_iter().map(rule_view).collect())
    }

    pub async fn create_tier_rule(&self, actor: &Actor, slug: &str, input: RuleInput) -> ServiceResult<RuleView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::UpdateWorkspace)?;
        let name = dataset_name(&input.name)?;
        let not_ours = || ValidationError::new("dataset_id", "is not a dataset of this workspace");
        let dataset_id = match input.dataset_id.as_deref() {
            Some(d) => {
                let id = d.parse::<DatasetId>().map_err(|_| not_ours())?;
                let dataset = self.visible_dataset(&access, id).await.map_err(|e| match e {
                    ServiceError::NotFound(_) => not_ours().into(),
                    other => other,
                })?;
                Some(dataset.id)
            }
            None => None,
        };
        let frame_type = input.frame_type.as_deref().map(FrameType::parse).transpose()?;
        for (field, v) in [("cool_after_days", input.cool_after_days), ("cold_after_days", input.cold_after_days)] {
            if v.is_some_and(|d| !(0..=36_500).contains(&d)) {
                return Err(ValidationError::new(field, "must be 0 to 36500 days").into());
            }
        }
        match (input.cool_after_days, input.cold_after_days) {
            (None, None) => {
                return Err(
                    ValidationError::new("cool_after_days", "a rule needs cool_after_days or cold_after_days").into()
                );
            }
            (Some(c), Some(d)) if d < c => {
                return Err(ValidationError::new("cold_after_days", "must not be before cool_after_days").into());
            }
            _ => {}
        }
        let r = store::tiers::insert_rule(
            self.db(),
            access.workspace.id,
            RuleFields {
                name,
                dataset_id,
                frame_type,
                cool_after_days: input.cool_after_days,
                cold_after_days: input.cold_after_days,
            },
            crate::now(),
        )
        .await?;
        Ok(rule_view(r))
    }

    pub async fn delete_tier_rule(&self, actor: &Actor, slug: &str, id: LifecycleRuleId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        access.require(Action::UpdateWorkspace)?;
        if !store::tiers::delete_rule(self.db(), access.workspace.id, id).await? {
            return Err(ServiceError::NotFound("rule"));
        }
        Ok(())
    }
}
