//! Outgoing mail as operators see it: each message's recipient, subject and where its delivery stands.

use crate::ids::MailId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

vocabulary!(
    /// Where an outgoing message stands.
    MailStatus, field = "status", {
        /// Waiting for (another) attempt.
        Queued = "queued",
        /// Handed to the SMTP server or written to the outbox.
        Sent = "sent",
        /// Given up after its last attempt, or refused for good by the server.
        Failed = "failed",
    }
);

/// An outgoing message as operators see it (never its body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRecord {
    pub id: MailId,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub status: MailStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// Where it went: the outbox file, or the SMTP server's answer.
    pub delivered_to: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}
