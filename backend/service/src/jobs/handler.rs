//! The handler `meridian serve` and `meridian worker` run: each job kind's use case. The data features fill these
//! in; until then every kind fails at once (a permanent failure, so nothing retries for nothing).

use super::{Job, JobFailure, JobHandler};
use crate::Services;

/// Runs jobs with the application's use cases.
#[derive(Debug, Clone)]
pub(crate) struct ServiceJobs {
    #[expect(dead_code, reason = "the data features' job bodies use it")]
    services: Services,
}

impl ServiceJobs {
    pub(crate) fn new(services: Services) -> Self {
        Self { services }
    }
}

#[async_trait::async_trait]
impl JobHandler for ServiceJobs {
    async fn run(&self, job: Job, _attempt: u32, _last: bool) -> Result<(), JobFailure> {
        match job {
            Job::IngestFile { .. }
            | Job::RenderPreview { .. }
            | Job::VerifyUpload { .. }
            | Job::RestoreFile { .. }
            | Job::ApplyLifecycle
            | Job::MeterUsage
            | Job::CleanupOrphans => Err(JobFailure::Permanent("not implemented yet".to_owned())),
        }
    }
}
