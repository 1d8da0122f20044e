//! Outgoing mail: a message is rendered and written to the `outgoing_mail` table in the same transaction as the
//! change it tells about, with a `SendMail` job beside it; the job hands it to the configured transport (SMTP, or
//! the outbox folder of the embedded default) and retries with back-off while the transport is down. A message
//! that finally fails stays visible to operators (`meridian mail`).

use crate::jobs::{Job, JobFailure, JobQueue, PushOptions};
use crate::{ServiceError, ServiceResult, Services};
use meridian_domain::MailId;
use meridian_domain::mail::{MailRecord, MailStatus};
use meridian_mail::{Delivery, SendError, Site, Template};
use meridian_store::ConnectionTrait;

/// Attempts per message. With the workers' back-off (doubling, capped) this spans many hours: an SMTP outage
/// delays mail, it does not lose it.
pub const MAIL_ATTEMPTS: u32 = 16;

/// The product's name as the messages say it.
pub const PRODUCT: &str = "Meridian";

impl Services {
    /// Renders `template` for `to` and queues it on `conn` (the caller's transaction): the message goes out when
    /// the change it tells about has committed, and never when it rolled back.
    pub(crate) async fn queue_mail(
        &self,
        conn: &impl ConnectionTrait,
        kind: &str,
        to: &str,
        template: Template<'_>,
    ) -> ServiceResult<MailId> {
        let site = Site { product: PRODUCT, public_url: self.public_url() };
        let message = template.render(to, &site);
        let body = serde_json::to_string(&message).map_err(ServiceError::internal)?;
        let id = meridian_store::mail::insert(conn, kind, to, &message.subject, body, crate::now()).await?;
        JobQueue::push_in(
            conn,
            &Job::SendMail { mail_id: id },
            &PushOptions { max_attempts: MAIL_ATTEMPTS, ..PushOptions::default() },
        )
        .await?;
        Ok(id)
    }

    /// Sends one queued message (the `SendMail` job). Idempotent: a message already sent or given up is left
    /// alone, so a job that runs twice sends once.
    pub(crate) async fn deliver_mail(&self, id: MailId, last: bool) -> Result<(), JobFailure> {
        let retry = |e: ServiceError| JobFailure::Retry(e.chain());
        let Some((record, body)) = meridian_store::mail::find(self.db(), id).await.map_err(|e| retry(e.into()))? else {
            // Its account was deleted meanwhile: nothing to send.
            return Ok(());
        };
        if record.status != MailStatus::Queued {
            return Ok(());
        }
        let Some(body) = body else { return Ok(()) };
        let message: meridian_mail::Message = match serde_json::from_str(&body) {
            Ok(m) => m,
            Err(e) => {
                let why = format!("stored message does not read: {e}");
                let _ = meridian_store::mail::mark_attempt_failed(self.db(), id, &why, true).await;
                return Err(JobFailure::Permanent(why));
            }
        };
        let Some(mailer) = self.inner.mailer.as_ref() else {
            let why = "no mail transport is configured";
            // The last try gives up like any other failure: the body (a link) does not stay queued for ever.
            meridian_store::mail::mark_attempt_failed(self.db(), id, why, last).await.map_err(|e| retry(e.into()))?;
            return Err(JobFailure::Retry(why.into()));
        };
        match mailer.send(&message).await {
            Ok(delivery) => {
                let to = match &delivery {
                    Delivery::Outbox { path } => path.display().to_string(),
                    Delivery::Smtp { message_id } => format!("smtp {message_id}"),
                };
                meridian_store::mail::mark_sent(self.db(), id, &to, crate::now()).await.map_err(|e| retry(e.into()))?;
                match &delivery {
                    // The embedded server has no SMTP: the log is how a self-hoster finds the message.
                    Delivery::Outbox { path } => tracing::info!(
                        kind = %record.kind, to = %record.to, path = %path.display(),
                        "mail written to the outbox (no SMTP server configured): open this file to read it"
                    ),
                    Delivery::Smtp { .. } => tracing::info!(kind = %record.kind, to = %record.to, "mail sent"),
                }
                Ok(())
            }
            Err(SendError::Transient(why)) => {
                tracing::warn!(kind = %record.kind, to = %record.to, attempt = record.attempts + 1, error = %why, "mail not sent; will retry");
                meridian_store::mail::mark_attempt_failed(self.db(), id, &why, last)
                    .await
                    .map_err(|e| retry(e.into()))?;
                if last {
                    tracing::error!(kind = %record.kind, to = %record.to, error = %why, "mail given up after its last attempt");
                }
                Err(JobFailure::Retry(why))
            }
            Err(SendError::Permanent(why)) => {
                tracing::error!(kind = %record.kind, to = %record.to, error = %why, "mail refused for good");
                meridian_store::mail::mark_attempt_failed(self.db(), id, &why, true)
                    .await
                    .map_err(|e| retry(e.into()))?;
                Err(JobFailure::Permanent(why))
            }
        }
    }

    /// The newest outgoing messages (optionally of one status), for operators. Never their bodies.
    pub async fn mail_log(&self, status: Option<MailStatus>, limit: u64) -> ServiceResult<Vec<MailRecord>> {
        Ok(meridian_store::mail::recent(self.db(), status, limit.clamp(1, 1000)).await?)
    }

    /// How many messages are queued, sent and failed.
    pub async fn mail_counts(&self) -> ServiceResult<Vec<(MailStatus, u64)>> {
        Ok(meridian_store::mail::counts(self.db()).await?)
    }

    /// Where mail goes, for the start-up log.
    pub fn mail_transport(&self) -> String {
        self.inner.mailer.as_ref().map_or_else(|| "none".to_owned(), meridian_mail::Mailer::describe)
    }
}
