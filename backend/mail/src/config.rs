//! How mail leaves: the sender's address and one transport. Deserialisable from the server's TOML, e.g.
//!
//! ```toml
//! [mail]
//! from = "Meridian <noreply@example.org>"
//! [mail.transport]
//! type = "smtp"          # or "outbox", with `dir = "/var/lib/meridian/outbox"`
//! host = "smtp.example.org"
//! port = 587
//! security = "starttls"  # "tls" (implicit TLS, port 465) or "none" (loopback test servers only)
//! username = "meridian"
//! password = "..."
//! timeout_secs = 30
//! ```

use std::fmt;
use std::path::PathBuf;

/// The sender and the transport.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// The `From` mailbox, `Meridian <noreply@example.org>`; its domain also names the messages' `Message-ID`s.
    pub from: String,
    pub transport: TransportConfig,
}

impl MailConfig {
    /// The sender of the embedded default, which has no mail server of its own.
    pub const DEFAULT_FROM: &'static str = "Meridian <noreply@localhost>";

    /// The embedded default: messages written as `.eml` files into `dir`.
    pub fn outbox(dir: impl Into<PathBuf>) -> Self {
        Self { from: Self::DEFAULT_FROM.to_owned(), transport: TransportConfig::Outbox { dir: dir.into() } }
    }
}

/// Where messages go.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum TransportConfig {
    /// Each message is written to `dir` as a complete `.eml` file, for a person to open (the embedded default:
    /// a self-hoster without a mail server finishes sign-up from there).
    Outbox { dir: PathBuf },
    /// Each message is handed to an SMTP server.
    Smtp(SmtpConfig),
}

/// An SMTP submission server. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// A host name (checked against the server's certificate under TLS) or an IP address.
    pub host: String,
    /// Usually 587 with STARTTLS, 465 with implicit TLS, 25 or a test server's port without TLS.
    pub port: u16,
    #[serde(default)]
    pub security: SmtpSecurity,
    /// Authenticate (PLAIN or LOGIN, only ever over TLS unless `security` is `none`) when set.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// Seconds for connecting, and for the whole conversation of one message.
    #[serde(default = "SmtpConfig::default_timeout_secs")]
    pub timeout_secs: u64,
}

impl SmtpConfig {
    pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

    fn default_timeout_secs() -> u64 {
        Self::DEFAULT_TIMEOUT_SECS
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain text, no TLS at all: only for a test server on the loopback interface (maildev, mailpit).
    None,
    /// Connect in plain text, then STARTTLS, which is required: no command, credential or message is sent if
    /// the server does not offer it.
    #[default]
    StartTls,
    /// TLS from the first byte ("implicit TLS", SMTPS).
    Tls,
}

impl fmt::Display for SmtpSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "no TLS",
            Self::StartTls => "STARTTLS",
            Self::Tls => "TLS",
        })
    }
}
