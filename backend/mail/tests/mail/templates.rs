//! Every template: subjects, one action in each part, nothing fetched from elsewhere, user values escaped.

use meridian_mail::{Message, Template};

use crate::support::{LINK, SITE, every_template};

const TO: &str = "ada@example.org";

/// Every `http://` or `https://` address in `s`, as a client would autolink it.
fn urls(s: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("http") {
        rest = &rest[i..];
        let end = rest.find(|c: char| c.is_whitespace() || "\"'<>".contains(c)).unwrap_or(rest.len());
        let candidate = &rest[..end];
        if candidate.starts_with("http://") || candidate.starts_with("https://") {
            found.push(candidate.trim_end_matches(['.', ',', ';', ':', ')']).replace("&amp;", "&"));
        }
        rest = &rest[end.max(4)..];
    }
    found
}

#[test]
fn subjects_are_short_and_specific() {
    let subjects: Vec<String> = every_template().into_iter().map(|(_, t, _)| t.render(TO, &SITE).subject).collect();
    assert_eq!(
        subjects,
        [
            "Confirm your e-mail address for Meridian",
            "You already have a Meridian account",
            "Confirm your new e-mail address for Meridian",
            "Your Meridian e-mail address is being changed",
            "Reset your Meridian password",
            "Your Meridian password was changed",
            "You are invited to Pic du Midi on Meridian",
        ]
    );
}

#[test]
fn each_part_has_one_action_and_only_our_addresses() {
    for (name, template, links) in every_template() {
        let m = template.render(TO, &SITE);
        assert_eq!(m.to, TO);
        let buttons = m.html.matches("display:inline-block;padding:12px 24px;").count();
        assert_eq!(buttons, usize::from(!links.is_empty()), "{name}: one button when there is something to do");
        assert_eq!(m.html.matches("<a ").count(), links.len(), "{name}: no other link in the HTML part");
        for (i, link) in links.iter().enumerate() {
            assert_eq!(m.text.matches(&format!("\n{link}\n")).count(), 1, "{name}: {link} alone on a line of text");
            let href = format!("href=\"{}\"", link.replace('&', "&amp;"));
            assert_eq!(m.html.matches(&href).count(), 1, "{name}: {link} once in the HTML part");
            if i == 0 {
                let button = m.html.split("<a ").nth(1).expect("the first link");
                assert!(button.starts_with(&href) && button.contains("inline-block"), "{name}: the button");
            }
        }
        assert!(!m.html.contains(LINK), "{name}: `&` in the link is escaped in the attribute");
        for url in urls(&m.text).into_iter().chain(urls(&m.html)) {
            assert!(url == SITE.public_url || links.contains(&url.as_str()), "{name}: unexpected address {url}");
        }
        for part in [&m.text, &m.html] {
            assert!(part.contains("Meridian"), "{name}: names the product");
            assert!(part.contains(SITE.public_url), "{name}: the footer gives the site's address");
            assert!(part.contains(TO), "{name}: the footer says who it was sent to");
        }
        let html = m.html.to_ascii_lowercase();
        for forbidden in ["<img", "<link", "<style", "<script", "src=", "url(", "@import", "<iframe", "<form"] {
            assert!(!html.contains(forbidden), "{name}: {forbidden} in the HTML part");
        }
        assert!(html.starts_with("<!doctype html>") && html.trim_end().ends_with("</html>"), "{name}");
        assert!(!m.text.contains('<'), "{name}: no markup in the text part");
    }
}

#[test]
fn validity_is_stated() {
    let text = |t: Template<'_>| t.render(TO, &SITE).text;
    assert!(text(Template::VerifyEmail { display_name: "A", link: LINK }).contains("valid for 24 hours"));
    assert!(text(Template::PasswordReset { display_name: "A", link: LINK }).contains("valid for 1 hour"));
    let invitation = text(Template::Invitation {
        workspace: "W",
        inviter: "I",
        role: "observer",
        link: LINK,
        expires: "2026-05-13 20:00 UTC",
    });
    assert!(invitation.contains("valid until 2026-05-13 20:00 UTC"), "{invitation}");
    assert!(invitation.contains("with the role observer"), "{invitation}");
    let notice = text(Template::EmailChangeNotice { display_name: "A", new_email: "new@example.org" });
    assert!(notice.contains("new@example.org") && notice.contains("change your password"), "{notice}");
}

#[test]
fn user_values_are_escaped_in_html() {
    let m = Template::Invitation {
        workspace: r#"Obs "A" & <b>B</b>"#,
        inviter: r#"<script>alert("x")</script> O'Brien"#,
        role: "<i>owner</i>",
        link: LINK,
        expires: "<tomorrow>",
    }
    .render(r#""Ann" <ann@example.org>"#, &SITE);
    assert!(!m.html.contains("<script"), "{}", m.html);
    assert!(!m.html.contains("<b>") && !m.html.contains("<i>") && !m.html.contains("<tomorrow>"));
    assert!(m.html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien"), "{}", m.html);
    assert!(m.html.contains("Obs &quot;A&quot; &amp; &lt;b&gt;B&lt;/b&gt;"), "{}", m.html);
    assert!(
        m.html.contains("<title>You are invited to Obs &quot;A&quot; &amp; &lt;b&gt;B&lt;/b&gt; on Meridian</title>")
    );
    assert!(m.html.contains("&quot;Ann&quot; &lt;ann@example.org&gt;"), "the recipient in the footer");
    // Plain text and the subject are not HTML: the values stay as typed.
    assert_eq!(m.subject, r#"You are invited to Obs "A" & <b>B</b> on Meridian"#);
    assert!(m.text.contains(r#"<script>alert("x")</script> O'Brien invited you"#));

    let m = Template::VerifyEmail { display_name: r#"<script>alert('hi')</script>"#, link: LINK }.render(TO, &SITE);
    assert!(m.html.contains("Hello &lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt;,"), "{}", m.html);
    assert!(!m.html.contains("<script"));
}

#[test]
fn names_cannot_add_lines_or_headers() {
    let m = Template::Invitation {
        workspace: "Obs\r\nBcc: victim@example.org",
        inviter: "Eve\n\nClick here",
        role: "member",
        link: LINK,
        expires: "soon",
    }
    .render(TO, &SITE);
    assert!(!m.subject.contains(['\r', '\n']), "{:?}", m.subject);
    assert_eq!(m.subject, "You are invited to Obs  Bcc: victim@example.org on Meridian");
    assert!(m.text.contains("Eve  Click here invited you"), "{}", m.text);
    assert!(!m.text.lines().any(|l| l.starts_with("Bcc:")));
}

#[test]
fn template_debug_shows_no_link() {
    for (name, template, _) in every_template() {
        let debug = format!("{template:?}");
        assert!(!debug.contains("http") && !debug.contains("Ada"), "{name}: {debug}");
    }
    assert_eq!(format!("{:?}", Template::PasswordReset { display_name: "A", link: LINK }), "PasswordReset { .. }");
}

#[test]
fn message_debug_shows_no_body_and_round_trips_as_json() {
    let m = crate::support::verify_email(TO);
    let debug = format!("{m:?}");
    assert_eq!(debug, format!("Message {{ to: {TO:?}, subject: {:?}, .. }}", m.subject));
    assert!(!debug.contains("token") && !debug.contains("Hello"));
    let json = serde_json::to_string(&m).expect("serialise");
    let back: Message = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, m);
}

#[test]
fn non_ascii_names_are_kept() {
    let m = Template::Invitation {
        workspace: "Observatoire de Haute-Provence — 1,52 m",
        inviter: "Zoë Ødegård",
        role: "admin",
        link: LINK,
        expires: "13 mai 2026",
    }
    .render(TO, &SITE);
    assert_eq!(m.subject, "You are invited to Observatoire de Haute-Provence — 1,52 m on Meridian");
    assert!(m.html.contains("Zoë Ødegård invited you"));
}
