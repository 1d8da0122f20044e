//! A rendered message: what the service stores in its outbox table and hands to [`crate::Mailer::send`] later.

/// One rendered e-mail to one recipient, both parts ready. Serialisable, so it can wait in a database table.
///
/// `Debug` prints the recipient and subject only: the bodies hold single-use secret links.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    /// The recipient's address (`someone@example.org`, or `Name <someone@example.org>`).
    pub to: String,
    pub subject: String,
    /// The `text/plain` part.
    pub text: String,
    /// The `text/html` part (a whole document, inline styles only).
    pub html: String,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message").field("to", &self.to).field("subject", &self.subject).finish_non_exhaustive()
    }
}
