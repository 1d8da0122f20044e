//! The configuration as the server reads it from TOML.

use std::path::PathBuf;

use meridian_mail::{MailConfig, SmtpConfig, SmtpSecurity, TransportConfig};

#[test]
fn smtp_from_toml_with_defaults() {
    let config: MailConfig = toml::from_str(
        r#"
        from = "Observatory <noreply@obs.example.org>"
        [transport]
        type = "smtp"
        host = "smtp.example.org"
        port = 587
        username = "meridian"
        password = "hunter2"
        "#,
    )
    .expect("parse");
    assert_eq!(
        config.transport,
        TransportConfig::Smtp(SmtpConfig {
            host: "smtp.example.org".into(),
            port: 587,
            security: SmtpSecurity::StartTls,
            username: Some("meridian".into()),
            password: Some("hunter2".into()),
            timeout_secs: SmtpConfig::DEFAULT_TIMEOUT_SECS,
        })
    );
    let back: MailConfig = toml::from_str(&toml::to_string(&config).expect("serialise")).expect("reparse");
    assert_eq!(back, config, "figment serialises defaults and reads them back");
}

#[test]
fn every_security_and_the_outbox() {
    for (word, security) in
        [("none", SmtpSecurity::None), ("starttls", SmtpSecurity::StartTls), ("tls", SmtpSecurity::Tls)]
    {
        let config: MailConfig = toml::from_str(&format!(
            "from = \"a@b.org\"\ntransport = {{ type = \"smtp\", host = \"h\", port = 1, security = \"{word}\" }}"
        ))
        .expect(word);
        let TransportConfig::Smtp(smtp) = config.transport else { panic!("smtp") };
        assert_eq!(smtp.security, security);
    }
    let config: MailConfig =
        toml::from_str("from = \"a@b.org\"\ntransport = { type = \"outbox\", dir = \"/tmp/outbox\" }").expect("outbox");
    assert_eq!(config.transport, TransportConfig::Outbox { dir: PathBuf::from("/tmp/outbox") });
}

#[test]
fn unknown_keys_and_kinds_are_refused() {
    for bad in [
        "from = \"a@b.org\"\ntransport = { type = \"outbox\", dir = \"/o\", extra = 1 }",
        "from = \"a@b.org\"\ntransport = { type = \"smtp\", host = \"h\", port = 1, tls = true }",
        "from = \"a@b.org\"\ntransport = { type = \"sendmail\" }",
        "from = \"a@b.org\"\ntransport = { type = \"smtp\", host = \"h\", port = 1, security = \"opportunistic\" }",
        "from = \"a@b.org\"\nfrom_name = \"x\"\ntransport = { type = \"outbox\", dir = \"/o\" }",
    ] {
        assert!(toml::from_str::<MailConfig>(bad).is_err(), "{bad}");
    }
}
