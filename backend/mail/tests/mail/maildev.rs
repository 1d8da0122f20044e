//! A round trip through a real SMTP server, maildev, when `SMTP_URL` (`smtp://127.0.0.1:1025`) and `MAILDEV_API`
//! (`http://127.0.0.1:1080`) are set; otherwise the test says it skipped.

use meridian_mail::{Delivery, MailConfig, Mailer, SmtpConfig, SmtpSecurity, Template, TransportConfig};

use crate::support::{LINK, SITE};

#[tokio::test]
async fn maildev_receives_both_parts() {
    let (Ok(smtp_url), Ok(api)) = (std::env::var("SMTP_URL"), std::env::var("MAILDEV_API")) else {
        eprintln!("skipped: SMTP_URL and MAILDEV_API are not set (infra/devservices.sh env maildev)");
        return;
    };
    let authority = smtp_url.trim_start_matches("smtp://").trim_end_matches('/');
    let (host, port) = authority.rsplit_once(':').expect("SMTP_URL is smtp://host:port");
    let mailer = Mailer::new(&MailConfig {
        from: "Meridian <noreply@meridian.example.org>".into(),
        transport: TransportConfig::Smtp(SmtpConfig {
            host: host.into(),
            port: port.parse().expect("a port"),
            security: SmtpSecurity::None,
            username: None,
            password: None,
            timeout_secs: 10,
        }),
    })
    .expect("mailer");

    let to = format!("invitee-{}@example.org", uuid::Uuid::new_v4().simple());
    let message = Template::Invitation {
        workspace: "Observatoire de Haute-Provence — <1,52 m>",
        inviter: "Zoë",
        role: "member",
        link: LINK,
        expires: "2026-05-13 20:00 UTC",
    }
    .render(&to, &SITE);
    let Delivery::Smtp { message_id } = mailer.send(&message).await.expect("sent") else { panic!("smtp") };

    let emails: Vec<serde_json::Value> = reqwest::get(format!("{}/email", api.trim_end_matches('/')))
        .await
        .expect("maildev API")
        .json()
        .await
        .expect("JSON");
    let email = emails
        .iter()
        .find(|e| e["to"].as_array().is_some_and(|to_list| to_list.iter().any(|t| t["address"] == to.as_str())))
        .expect("maildev got the message");
    assert_eq!(email["subject"], message.subject.as_str());
    assert_eq!(email["messageId"].as_str().map(|id| format!("<{}>", id.trim_matches(['<', '>']))), Some(message_id));
    assert!(email["text"].as_str().expect("text part").contains(LINK));
    let html = email["html"].as_str().expect("HTML part");
    assert!(html.contains(&format!("href=\"{}\"", LINK.replace('&', "&amp;"))), "{html}");
    assert!(html.contains("Observatoire de Haute-Provence — &lt;1,52 m&gt;"), "{html}");
}
