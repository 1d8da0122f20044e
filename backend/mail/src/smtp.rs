//! The SMTP transport (lettre over tokio and rustls) and how its failures are classified.

use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::response::Code;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{SmtpConfig, SmtpSecurity};
use crate::error::{MailError, SendError};

#[derive(Clone)]
pub(crate) struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    timeout: Duration,
    describe: String,
}

impl Smtp {
    pub(crate) fn new(config: &SmtpConfig) -> Result<Self, MailError> {
        let host = config.host.trim();
        if !is_host(host) {
            return Err(MailError::InvalidSmtp(format!("host {:?} is not a host name or an IP address", config.host)));
        }
        if config.port == 0 {
            return Err(MailError::InvalidSmtp("port must not be 0".into()));
        }
        if config.timeout_secs == 0 {
            return Err(MailError::InvalidSmtp("timeout_secs must be at least 1".into()));
        }
        if config.password.is_some() && config.username.is_none() {
            return Err(MailError::InvalidSmtp("a password is set but no username".into()));
        }
        // Credentials in clear text only to a server on this machine (a test server).
        let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if config.security == SmtpSecurity::None && config.username.is_some() && !loopback {
            return Err(MailError::InvalidSmtp(
                "credentials are sent only over TLS: use security = \"starttls\" or \"tls\" (\"none\" with a \
                 username is for a server on this machine only)"
                    .into(),
            ));
        }
        let tls = |host: &str| {
            TlsParameters::new(host.to_owned()).map_err(|source| MailError::Tls { host: host.to_owned(), source })
        };
        let tls = match config.security {
            SmtpSecurity::None => Tls::None,
            // Required, never opportunistic: a server (or someone in between) that does not offer STARTTLS gets
            // neither the credentials nor the message.
            SmtpSecurity::StartTls => Tls::Required(tls(host)?),
            SmtpSecurity::Tls => Tls::Wrapper(tls(host)?),
        };
        let timeout = Duration::from_secs(config.timeout_secs);
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some(username) = &config.username {
            builder =
                builder.credentials(Credentials::new(username.clone(), config.password.clone().unwrap_or_default()));
        }
        let describe = format!("SMTP {}:{} ({})", host, config.port, config.security);
        Ok(Self { transport: builder.build(), timeout, describe })
    }

    pub(crate) fn describe(&self) -> String {
        self.describe.clone()
    }

    pub(crate) async fn send(&self, email: &lettre::Message) -> Result<(), SendError> {
        // lettre's own timeout covers connecting only; a server that accepts and then stalls is cut off here.
        match tokio::time::timeout(self.timeout, self.transport.send(email.clone())).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(e)) => Err(classify(&e)),
            Err(_elapsed) => {
                Err(SendError::Transient(format!("{}: no answer within {} s", self.describe, self.timeout.as_secs())))
            }
        }
    }
}

/// An IP address, or a DNS name in ASCII (an internationalised name in its `xn--` form): checked here because
/// lettre only checks it when connecting, where a typo would look like a network failure.
fn is_host(host: &str) -> bool {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// 5xx replies are permanent, except those about our own authentication or encryption: they mean the operator's
/// configuration is wrong, which is fixed once for every message, so those messages must wait, not be dropped.
/// Everything else (no connection, timeouts, TLS, 4xx, garbled replies) may work later.
fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let text = full_text(e);
    match e.status() {
        Some(code) if e.is_permanent() && !is_about_our_configuration(code) => SendError::Permanent(text),
        _ => SendError::Transient(text),
    }
}

/// 530 authentication required, 534 mechanism too weak, 535 credentials invalid, 538 encryption required
/// (RFC 4954).
fn is_about_our_configuration(code: Code) -> bool {
    matches!(u16::from(code), 530 | 534 | 535 | 538)
}

/// The error and its causes on one line ("Connection error: Connection refused (os error 111)").
fn full_text(e: &lettre::transport::smtp::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use lettre::transport::smtp::response::{Category, Code, Detail, Severity};

    use super::{is_about_our_configuration, is_host};

    #[test]
    fn hosts() {
        for good in
            ["smtp.example.org", "localhost", "mail-1.example.org.", "127.0.0.1", "::1", "xn--bcher-kva.example"]
        {
            assert!(is_host(good), "{good}");
        }
        for bad in ["", ".", "smtp example.org", "smtp://example.org", "user@example.org", "[::1]", "a..b", "-a.org"] {
            assert!(!is_host(bad), "{bad}");
        }
        assert!(!is_host("bücher.example"), "use the xn-- form");
        assert!(!is_host(&format!("{}.org", "a".repeat(64))));
    }

    #[test]
    fn authentication_replies_are_configuration_problems() {
        let code = |category, detail| Code::new(Severity::PermanentNegativeCompletion, category, detail);
        assert!(is_about_our_configuration(code(Category::Unspecified3, Detail::Five)));
        assert!(is_about_our_configuration(code(Category::Unspecified3, Detail::Zero)));
        assert!(!is_about_our_configuration(code(Category::MailSystem, Detail::Zero)));
        assert!(!is_about_our_configuration(code(Category::MailSystem, Detail::Four)));
    }
}
