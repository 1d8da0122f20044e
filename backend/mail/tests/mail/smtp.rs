//! SMTP against refused ports, a stalled server and a scripted one: deliveries and how failures are classified.

use std::time::{Duration, Instant};

use meridian_mail::{Delivery, MailConfig, Mailer, SendError, SmtpConfig, SmtpSecurity, Template, TransportConfig};

use crate::support::{LINK, SITE, Script, scripted_smtp, verify_email};

fn smtp(port: u16, security: SmtpSecurity, username: Option<&str>, timeout_secs: u64) -> MailConfig {
    MailConfig {
        from: "Meridian <noreply@obs.example.org>".into(),
        transport: TransportConfig::Smtp(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            security,
            username: username.map(str::to_owned),
            password: username.map(|_| "hunter2-secret".to_owned()),
            timeout_secs,
        }),
    }
}

async fn send_to_script(
    script: Script,
    security: SmtpSecurity,
    username: Option<&str>,
) -> (Result<Delivery, SendError>, crate::support::Seen) {
    let (port, seen) = scripted_smtp(script).await;
    let mailer = Mailer::new(&smtp(port, security, username, 5)).expect("mailer");
    let message = Template::VerifyEmail { display_name: "Zoë Ødegård", link: LINK }.render("ada@example.org", &SITE);
    let result = mailer.send(&message).await;
    let seen = std::mem::take(&mut *seen.lock().expect("lock"));
    (result, seen)
}

#[tokio::test]
async fn nothing_listening_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    let mailer = Mailer::new(&smtp(port, SmtpSecurity::None, None, 5)).expect("mailer");
    assert_eq!(mailer.describe(), format!("SMTP 127.0.0.1:{port} (no TLS)"));
    let err = mailer.send(&verify_email("ada@example.org")).await.expect_err("refused");
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
    assert!(err.to_string().to_lowercase().contains("refused"), "{err}");
}

#[tokio::test]
async fn a_stalled_server_times_out_as_transient() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    // Accepts and never says a word.
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let mailer = Mailer::new(&smtp(port, SmtpSecurity::None, None, 1)).expect("mailer");
    let started = Instant::now();
    let err = mailer.send(&verify_email("ada@example.org")).await.expect_err("stalled");
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "cut off by the timeout");
    server.abort();
}

#[tokio::test]
async fn an_accepted_message_returns_its_message_id() {
    let (result, seen) = send_to_script(Script::default(), SmtpSecurity::None, Some("meridian")).await;
    let Ok(Delivery::Smtp { message_id }) = result else { panic!("{result:?}") };
    assert!(message_id.starts_with('<') && message_id.ends_with("@obs.example.org>"), "{message_id}");
    assert!(seen.commands.iter().any(|c| c.starts_with("AUTH PLAIN ")), "{:?}", seen.commands);
    assert!(seen.commands.iter().any(|c| c == "MAIL FROM:<noreply@obs.example.org>"), "{:?}", seen.commands);
    assert!(seen.commands.iter().any(|c| c == "RCPT TO:<ada@example.org>"), "{:?}", seen.commands);
    assert!(seen.data.contains(&format!("Message-ID: {message_id}\r\n")), "{}", seen.data);
    assert!(seen.data.contains("Content-Type: multipart/alternative;"));
    assert!(seen.data.is_ascii(), "7-bit clean for servers without 8BITMIME");
}

#[tokio::test]
async fn a_5xx_rejection_is_permanent() {
    let script = Script { rcpt: Some("550 5.1.1 no such user"), ..Script::default() };
    let (result, _) = send_to_script(script, SmtpSecurity::None, None).await;
    let err = result.expect_err("rejected");
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
    assert!(err.to_string().contains("550"), "{err}");

    let script = Script { after_data: Some("554 5.7.1 message refused"), ..Script::default() };
    let (result, _) = send_to_script(script, SmtpSecurity::None, None).await;
    assert!(matches!(result, Err(SendError::Permanent(_))), "{result:?}");
}

#[tokio::test]
async fn a_4xx_reply_is_transient() {
    let script = Script { rcpt: Some("451 4.7.1 greylisted, try again later"), ..Script::default() };
    let (result, _) = send_to_script(script, SmtpSecurity::None, None).await;
    let err = result.expect_err("deferred");
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
    assert!(err.to_string().contains("451"), "{err}");
}

#[tokio::test]
async fn bad_credentials_are_transient_and_never_logged() {
    let script = Script { auth: Some("535 5.7.8 authentication credentials invalid"), ..Script::default() };
    let (result, seen) = send_to_script(script, SmtpSecurity::None, Some("meridian")).await;
    let err = result.expect_err("refused");
    assert!(matches!(err, SendError::Transient(_)), "the operator fixes it once for every waiting message: {err:?}");
    assert!(!err.to_string().contains("hunter2") && !format!("{err:?}").contains("hunter2"));
    assert!(!seen.commands.iter().any(|c| c.starts_with("MAIL")));
}

#[tokio::test]
async fn required_starttls_sends_nothing_to_a_server_without_it() {
    let (result, seen) = send_to_script(Script::default(), SmtpSecurity::StartTls, Some("meridian")).await;
    let err = result.expect_err("no STARTTLS offered");
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
    assert!(
        !seen.commands.iter().any(|c| c.starts_with("AUTH") || c.starts_with("MAIL")),
        "no credential and no message in clear: {:?}",
        seen.commands
    );
}

#[tokio::test]
async fn a_failed_tls_handshake_is_transient() {
    // The scripted server offers STARTTLS but answers the TLS ClientHello with SMTP text.
    let script = Script { starttls: true, ..Script::default() };
    let (result, seen) = send_to_script(script, SmtpSecurity::StartTls, Some("meridian")).await;
    assert!(matches!(result, Err(SendError::Transient(_))), "{result:?}");
    assert!(!seen.commands.iter().any(|c| c.starts_with("AUTH") || c.starts_with("MAIL")), "{:?}", seen.commands);

    let (result, _) = send_to_script(Script::default(), SmtpSecurity::Tls, None).await;
    assert!(matches!(result, Err(SendError::Transient(_))), "{result:?}");
}

#[test]
fn debug_never_shows_the_password() {
    let config = smtp(587, SmtpSecurity::StartTls, Some("meridian"), 30);
    let mailer = Mailer::new(&config).expect("mailer");
    let TransportConfig::Smtp(smtp_config) = &config.transport else { panic!("smtp") };
    for debug in [format!("{config:?}"), format!("{smtp_config:?}"), format!("{mailer:?}"), format!("{mailer:#?}")] {
        assert!(!debug.contains("hunter2"), "{debug}");
    }
    assert!(format!("{smtp_config:?}").contains("password: Some(\"<redacted>\")"));
    assert_eq!(
        format!("{mailer:?}"),
        "Mailer { from: \"Meridian <noreply@obs.example.org>\", transport: \"SMTP 127.0.0.1:587 (STARTTLS)\" }"
    );
}

fn smtp_of(c: &mut MailConfig) -> &mut SmtpConfig {
    let TransportConfig::Smtp(s) = &mut c.transport else { unreachable!() };
    s
}

#[test]
fn bad_configurations_are_refused() {
    use meridian_mail::MailError;
    let with = |f: &dyn Fn(&mut MailConfig)| {
        let mut config = smtp(587, SmtpSecurity::StartTls, Some("meridian"), 30);
        f(&mut config);
        Mailer::new(&config)
    };
    assert!(matches!(with(&|c| c.from = "not a mailbox".into()), Err(MailError::InvalidFrom { .. })));
    assert!(matches!(with(&|c| c.from = String::new()), Err(MailError::InvalidFrom { .. })));
    assert!(matches!(with(&|c| smtp_of(c).host = String::new()), Err(MailError::InvalidSmtp(_))));
    assert!(matches!(with(&|c| smtp_of(c).host = "smtp example.org".into()), Err(MailError::InvalidSmtp(_))));
    assert!(matches!(with(&|c| smtp_of(c).host = "smtp://example.org".into()), Err(MailError::InvalidSmtp(_))));
    assert!(matches!(with(&|c| smtp_of(c).port = 0), Err(MailError::InvalidSmtp(_))));
    assert!(matches!(with(&|c| smtp_of(c).timeout_secs = 0), Err(MailError::InvalidSmtp(_))));
    assert!(matches!(with(&|c| smtp_of(c).username = None), Err(MailError::InvalidSmtp(_))), "password alone");
    assert!(matches!(with(&|c| smtp_of(c).host = "bad!host.example.org".into()), Err(MailError::InvalidSmtp(_))));
    // Fine: no credentials at all, a host name, an IPv6 address for implicit TLS.
    assert!(
        with(&|c| {
            smtp_of(c).username = None;
            smtp_of(c).password = None;
        })
        .is_ok()
    );
    assert!(with(&|c| smtp_of(c).host = "smtp.example.org".into()).is_ok());
    assert!(
        with(&|c| {
            smtp_of(c).host = "::1".into();
            smtp_of(c).security = SmtpSecurity::Tls;
        })
        .is_ok()
    );
}
