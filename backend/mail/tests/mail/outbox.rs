//! The outbox transport writes complete, parseable messages, atomically, for their owner only.

use meridian_mail::{Delivery, MailConfig, Mailer, Message, SendError};

use crate::support::{LINK, SITE, parse_eml, verify_email};

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the outbox")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn writes_a_parseable_multipart_alternative_message() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("not/yet/there");
    let mailer = Mailer::new(&MailConfig::outbox(&dir)).expect("mailer");
    assert_eq!(mailer.describe(), format!("outbox {}", dir.display()));

    let message = verify_email("ada@example.org");
    let Delivery::Outbox { path } = mailer.send(&message).await.expect("sent") else { panic!("an outbox delivery") };
    assert_eq!(path.parent(), Some(dir.as_path()));
    let name = path.file_name().expect("a name").to_string_lossy().into_owned();
    assert_eq!(files(&dir), std::slice::from_ref(&name), "only the message, no temporary file");
    // 20260513T200000.123Z-<32 hex>.eml
    assert!(name.ends_with(".eml") && name.len() == 20 + 1 + 32 + 4, "{name}");
    assert!(name[..8].bytes().all(|b| b.is_ascii_digit()) && &name[8..9] == "T" && &name[19..21] == "Z-", "{name}");

    let raw = String::from_utf8(std::fs::read(&path).expect("read")).expect("UTF-8");
    assert!(raw.is_ascii());
    assert!(raw.contains(&format!("\r\n{LINK}\r\n")), "a person reading the file copies the link as it is");
    let eml = parse_eml(&raw);
    assert_eq!(eml.header("From"), Some("Meridian <noreply@localhost>"));
    assert_eq!(eml.header("To"), Some("ada@example.org"));
    assert_eq!(eml.header("Subject"), Some("Confirm your e-mail address for Meridian"));
    assert_eq!(eml.header("MIME-Version"), Some("1.0"));
    assert_eq!(eml.header("Auto-Submitted"), Some("auto-generated"));
    assert!(eml.header("Date").is_some_and(|d| d.ends_with("+0000")), "{:?}", eml.header("Date"));
    let message_id = eml.header("Message-ID").expect("a Message-ID");
    assert!(message_id.starts_with('<') && message_id.ends_with("@localhost>"), "{message_id}");
    assert!(name.contains(message_id.trim_start_matches('<').split('@').next().expect("id")), "findable by id");

    assert_eq!(eml.parts.len(), 2);
    let (text, html) = (&eml.parts[0], &eml.parts[1]);
    assert_eq!(text.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(html.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert_eq!(text.header("Content-Transfer-Encoding"), Some("7bit"));
    assert_eq!(text.body.trim_end(), message.text.trim_end());
    assert_eq!(html.body.trim_end(), message.html.trim_end());
    assert!(text.body.contains(LINK));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the file holds a secret link");
    }
}

#[tokio::test]
async fn non_ascii_headers_are_encoded_and_bodies_stay_readable() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mailer = Mailer::new(&MailConfig {
        from: "Observatoire Zoë <noreply@obs.example.org>".into(),
        ..MailConfig::outbox(tmp.path())
    })
    .expect("mailer");
    let message = meridian_mail::Template::Invitation {
        workspace: "Observatoire de Haute-Provence — 1,52 m",
        inviter: "Zoë Ødegård",
        role: "admin",
        link: LINK,
        expires: "13 mai 2026",
    }
    .render("Åsa <asa@example.org>", &SITE);
    let Delivery::Outbox { path } = mailer.send(&message).await.expect("sent") else { panic!("outbox") };
    let raw = std::fs::read_to_string(&path).expect("read");
    let eml = parse_eml(&raw);
    assert!(eml.header("Subject").expect("subject").contains("=?utf-8?"), "{:?}", eml.header("Subject"));
    assert!(eml.header("To").expect("to").is_ascii(), "headers are encoded words");
    assert_eq!(eml.parts[0].header("Content-Transfer-Encoding"), Some("8bit"), "bodies stay readable in the file");
    assert!(raw.contains(&format!("\r\n{LINK}\r\n")));
    assert!(eml.header("Message-ID").expect("id").ends_with("@obs.example.org>"));
    assert!(eml.parts[1].body.contains("Zoë Ødegård invited you"));
}

#[tokio::test]
async fn a_subject_cannot_inject_headers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mailer = Mailer::new(&MailConfig::outbox(tmp.path())).expect("mailer");
    // Not through a template (they keep names on one line): straight from a tampered outbox row.
    let message = Message {
        to: "ada@example.org".into(),
        subject: "Hello\r\nBcc: eve@example.org\r\n\r\nbody".into(),
        text: "t".into(),
        html: "<p>h</p>".into(),
    };
    let Delivery::Outbox { path } = mailer.send(&message).await.expect("sent") else { panic!("outbox") };
    let raw = std::fs::read_to_string(&path).expect("read");
    let eml = parse_eml(&raw);
    assert!(eml.header("Bcc").is_none(), "{raw}");
    assert_eq!(eml.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("Subject")).count(), 1);
}

#[tokio::test]
async fn a_malformed_recipient_is_permanent_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mailer = Mailer::new(&MailConfig::outbox(tmp.path())).expect("mailer");
    for to in ["not an address", "", "a@b@c", "ada@example.org, eve@example.org", "ada@example.org\r\nBcc: e@x.org"] {
        let err = mailer.send(&verify_email(to)).await.expect_err(to);
        assert!(matches!(err, SendError::Permanent(_)), "{to:?}: {err:?}");
        assert!(!err.is_transient());
    }
    assert!(files(tmp.path()).is_empty());
}

#[tokio::test]
async fn an_unwritable_outbox_is_transient() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"").expect("write");
    let mailer = Mailer::new(&MailConfig::outbox(file.join("outbox"))).expect("mailer");
    let err = mailer.send(&verify_email("ada@example.org")).await.expect_err("a file is in the way");
    assert!(err.is_transient(), "{err:?}");
}

#[tokio::test]
async fn messages_get_distinct_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mailer = Mailer::new(&MailConfig::outbox(tmp.path())).expect("mailer");
    let message = verify_email("ada@example.org");
    let (a, b) = tokio::join!(mailer.send(&message), mailer.send(&message));
    assert_ne!(a.expect("a"), b.expect("b"));
    assert_eq!(files(tmp.path()).len(), 2);
}
