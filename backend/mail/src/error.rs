//! The two error types: one for building a [`crate::Mailer`] from its configuration, one for sending.

/// The configuration cannot make a mailer. Found at start-up, so the server refuses to start instead of failing
/// on the first sign-up.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail `from` {from:?} is not a mailbox such as `Meridian <noreply@example.org>`")]
    InvalidFrom {
        from: String,
        #[source]
        source: lettre::address::AddressError,
    },
    #[error("SMTP configuration: {0}")]
    InvalidSmtp(String),
    #[error("SMTP TLS set-up for host {host:?}")]
    Tls {
        host: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

/// Sending one message failed. The caller retries a [`SendError::Transient`] failure later (with back-off) and
/// gives a [`SendError::Permanent`] one up: sending the same message again cannot succeed.
///
/// The text says what went wrong for an operator's log; it never holds the message's body or a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The server could not be reached, timed out, failed TLS or authentication, answered 4xx, or the outbox
    /// folder could not be written: may work later, possibly after the operator fixes the configuration.
    #[error("mail not sent, will retry: {0}")]
    Transient(String),
    /// The recipient is not a valid address, or the server rejected the message or recipient for good (5xx).
    #[error("mail not sent, giving up: {0}")]
    Permanent(String),
}

impl SendError {
    /// Whether sending again later may succeed.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}
