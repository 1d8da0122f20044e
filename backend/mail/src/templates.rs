//! The messages Meridian sends, in its own look: each template states its words once, and [`Content`] lays them
//! out twice, as plain text and as HTML (inline styles, no images, nothing fetched from elsewhere).

use std::fmt;

use crate::Message;
use crate::html::{Escaped, one_line};

/// The site a message comes from: its name and the address it is reached at, shown in every message's footer.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    /// The product's name, `Meridian`.
    pub product: &'a str,
    /// The site's public address, `https://meridian.example.org`.
    pub public_url: &'a str,
}

/// Every message Meridian sends. Links are made by the service (they carry single-use secrets); everything else
/// is what a user typed or chose and is escaped in the HTML part. `Debug` names the template and nothing else.
#[derive(Clone, Copy)]
pub enum Template<'a> {
    /// After sign-up: confirm the address (the link is valid for 24 hours).
    VerifyEmail { display_name: &'a str, link: &'a str },
    /// Someone signed up with an address that already has an account: its owner is told, and offered to sign in
    /// (the action) or to reset the password (a second, plain link).
    AccountExists { display_name: &'a str, sign_in_link: &'a str, reset_link: &'a str },
    /// Sent to the new address when a user asks to change theirs: confirm it.
    ConfirmEmailChange { display_name: &'a str, new_email: &'a str, link: &'a str },
    /// Sent to the old address at the same time: a change was asked for; if it was not you, act now.
    EmailChangeNotice { display_name: &'a str, new_email: &'a str },
    /// A password-reset link (valid for 1 hour).
    PasswordReset { display_name: &'a str, link: &'a str },
    /// After a password was changed or reset.
    PasswordChanged { display_name: &'a str },
    /// An invitation to join a workspace; `expires` is a date and time already formatted for the reader.
    Invitation { workspace: &'a str, inviter: &'a str, role: &'a str, link: &'a str, expires: &'a str },
}

impl Template<'_> {
    /// The message for `to`, both parts.
    #[must_use]
    pub fn render(&self, to: &str, site: &Site<'_>) -> Message {
        let content = self.content(site);
        Message {
            to: to.to_owned(),
            subject: content.subject.clone(),
            text: Text { content: &content, to, site }.to_string(),
            html: Html { content: &content, to, site }.to_string(),
        }
    }

    fn content<'s>(&'s self, site: &Site<'_>) -> Content<'s> {
        let product = one_line(site.product);
        let url = site.public_url;
        let hello = |name: &str| Some(format!("Hello {},", one_line(name)));
        match *self {
            Self::VerifyEmail { display_name, link } => Content {
                subject: format!("Confirm your e-mail address for {product}"),
                heading: "Confirm your e-mail address".into(),
                greeting: hello(display_name),
                before: vec![format!(
                    "Welcome to {product}! Please confirm that this address is yours to finish creating your account."
                )],
                action: Some(Action { label: "Confirm e-mail address", url: link }),
                secondary: None,
                after: vec![
                    "The link is valid for 24 hours and works once.".into(),
                    format!("If you did not sign up for {product}, ignore this e-mail: the address stays unconfirmed."),
                ],
                reason: format!("You received this e-mail because someone signed up for {product} with this address."),
            },
            Self::AccountExists { display_name, sign_in_link, reset_link } => Content {
                subject: format!("You already have a {product} account"),
                heading: "You already have an account".into(),
                greeting: hello(display_name),
                before: vec![format!(
                    "Someone, hopefully you, tried to sign up for {product} with this e-mail address. It already \
                     belongs to your account, so no new account was made."
                )],
                action: Some(Action { label: "Sign in", url: sign_in_link }),
                secondary: Some(Secondary {
                    lead: "Forgot your password?",
                    label: "Choose a new one",
                    url: reset_link,
                }),
                after: vec!["If it was not you, ignore this e-mail: nothing has changed.".into()],
                reason: format!(
                    "You received this e-mail because someone tried to sign up for {product} with this address."
                ),
            },
            Self::ConfirmEmailChange { display_name, new_email, link } => Content {
                subject: format!("Confirm your new e-mail address for {product}"),
                heading: "Confirm your new e-mail address".into(),
                greeting: hello(display_name),
                before: vec![format!(
                    "You asked to change the e-mail address of your {product} account to {}. Please confirm that \
                     this address is yours.",
                    one_line(new_email)
                )],
                action: Some(Action { label: "Confirm new address", url: link }),
                secondary: None,
                after: vec![
                    "Until you confirm, your account keeps its current address. The link works once.".into(),
                    "If you did not ask for this, ignore this e-mail.".into(),
                ],
                reason: format!(
                    "You received this e-mail because someone asked to use this address for a {product} account."
                ),
            },
            Self::EmailChangeNotice { display_name, new_email } => Content {
                subject: format!("Your {product} e-mail address is being changed"),
                heading: "A change of e-mail address was requested".into(),
                greeting: hello(display_name),
                before: vec![
                    format!(
                        "Someone asked to change the e-mail address of your {product} account to {}. The change \
                         takes effect once that address is confirmed.",
                        one_line(new_email)
                    ),
                    "If this was you, there is nothing to do.".into(),
                    format!(
                        "If it was not you, someone may know your password: sign in at {url} and change your \
                         password now (or reset it from the sign-in page), before the new address is confirmed."
                    ),
                ],
                action: None,
                secondary: None,
                after: Vec::new(),
                reason: format!("You received this e-mail because this is the address of your {product} account."),
            },
            Self::PasswordReset { display_name, link } => Content {
                subject: format!("Reset your {product} password"),
                heading: "Reset your password".into(),
                greeting: hello(display_name),
                before: vec![format!(
                    "Someone, hopefully you, asked to reset the password of your {product} account. Choose a new \
                     password with the link below."
                )],
                action: Some(Action { label: "Choose a new password", url: link }),
                secondary: None,
                after: vec![
                    "The link is valid for 1 hour and works once.".into(),
                    "If you did not ask for this, ignore this e-mail: your password stays as it is.".into(),
                ],
                reason: format!(
                    "You received this e-mail because a password reset was asked for the {product} account with \
                     this address."
                ),
            },
            Self::PasswordChanged { display_name } => Content {
                subject: format!("Your {product} password was changed"),
                heading: "Your password was changed".into(),
                greeting: hello(display_name),
                before: vec![
                    format!("The password of your {product} account was just changed."),
                    "If this was you, there is nothing to do.".into(),
                    format!(
                        "If it was not you, reset your password now from the sign-in page at {url} and tell the \
                         site's administrators."
                    ),
                ],
                action: None,
                secondary: None,
                after: Vec::new(),
                reason: format!("You received this e-mail because this is the address of your {product} account."),
            },
            Self::Invitation { workspace, inviter, role, link, expires } => {
                let (workspace, inviter) = (one_line(workspace), one_line(inviter));
                Content {
                    subject: format!("You are invited to {workspace} on {product}"),
                    heading: format!("You are invited to {workspace}"),
                    greeting: Some("Hello,".into()),
                    before: vec![format!(
                        "{inviter} invited you to join {workspace} on {product}, with the role {}.",
                        one_line(role)
                    )],
                    action: Some(Action { label: "Accept the invitation", url: link }),
                    secondary: None,
                    after: vec![
                        format!("The invitation is valid until {}.", one_line(expires)),
                        format!("If you do not know {inviter} or do not want to join, ignore this e-mail."),
                    ],
                    reason: format!(
                        "You received this e-mail because {inviter} invited this address to {workspace} on {product}."
                    ),
                }
            }
        }
    }
}

impl fmt::Debug for Template<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::VerifyEmail { .. } => "VerifyEmail",
            Self::AccountExists { .. } => "AccountExists",
            Self::ConfirmEmailChange { .. } => "ConfirmEmailChange",
            Self::EmailChangeNotice { .. } => "EmailChangeNotice",
            Self::PasswordReset { .. } => "PasswordReset",
            Self::PasswordChanged { .. } => "PasswordChanged",
            Self::Invitation { .. } => "Invitation",
        };
        f.debug_struct(name).finish_non_exhaustive()
    }
}

/// One message's words, before layout. Interpolated values are already on one line; none is escaped yet.
struct Content<'a> {
    subject: String,
    heading: String,
    greeting: Option<String>,
    before: Vec<String>,
    /// The one thing to do, when there is one: a button.
    action: Option<Action<'a>>,
    /// Another way out, after the button: an ordinary link, never a second button.
    secondary: Option<Secondary<'a>>,
    after: Vec<String>,
    /// The footer's first sentence: why this address got the message.
    reason: String,
}

struct Action<'a> {
    label: &'static str,
    url: &'a str,
}

struct Secondary<'a> {
    /// The sentence before the link, "Forgot your password?".
    lead: &'static str,
    label: &'static str,
    url: &'a str,
}

/// The `text/plain` part.
struct Text<'a> {
    content: &'a Content<'a>,
    to: &'a str,
    site: &'a Site<'a>,
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.content;
        writeln!(f, "{}\n", c.heading)?;
        if let Some(greeting) = &c.greeting {
            writeln!(f, "{greeting}\n")?;
        }
        for p in &c.before {
            writeln!(f, "{p}\n")?;
        }
        if let Some(action) = &c.action {
            // The link alone on its line, so no client wraps it or takes the next word into it.
            writeln!(f, "{}:\n{}\n", action.label, action.url)?;
        }
        if let Some(secondary) = &c.secondary {
            writeln!(f, "{} {}:\n{}\n", secondary.lead, secondary.label, secondary.url)?;
        }
        for p in &c.after {
            writeln!(f, "{p}\n")?;
        }
        // "-- " is the signature separator: clients fold or dim what follows.
        writeln!(f, "-- ")?;
        writeln!(f, "{} This message was sent to {}.", c.reason, one_line(self.to))?;
        writeln!(f, "{}: {}", one_line(self.site.product), self.site.public_url)
    }
}

/// The `text/html` part: a centred card built from tables (what every mail client lays out alike).
struct Html<'a> {
    content: &'a Content<'a>,
    to: &'a str,
    site: &'a Site<'a>,
}

const FONT: &str = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
const PARAGRAPH: &str = "margin:0 0 16px 0;";

impl fmt::Display for Html<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.content;
        let product = one_line(self.site.product);
        write!(
            f,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"color-scheme\" content=\"light\">\n<title>{}</title>\n</head>\n\
             <body style=\"margin:0;padding:0;background-color:#f3f4f6;\">\n\
             <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
             style=\"background-color:#f3f4f6;\">\n<tr><td align=\"center\" style=\"padding:24px 12px;\">\n\
             <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
             style=\"max-width:560px;background-color:#ffffff;border-radius:8px;\">\n\
             <tr><td style=\"padding:24px 32px 0 32px;{FONT}font-size:13px;font-weight:600;letter-spacing:0.06em;\
             text-transform:uppercase;color:#1f4e8c;\">{}</td></tr>\n\
             <tr><td style=\"padding:8px 32px 8px 32px;{FONT}font-size:16px;line-height:1.5;color:#1f2937;\">\n\
             <h1 style=\"margin:0 0 16px 0;font-size:22px;line-height:1.3;color:#111827;\">{}</h1>\n",
            Escaped(&c.subject),
            Escaped(&product),
            Escaped(&c.heading),
        )?;
        if let Some(greeting) = &c.greeting {
            writeln!(f, "<p style=\"{PARAGRAPH}\">{}</p>", Escaped(greeting))?;
        }
        for p in &c.before {
            writeln!(f, "<p style=\"{PARAGRAPH}\">{}</p>", Escaped(p))?;
        }
        if let Some(action) = &c.action {
            writeln!(
                f,
                "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
                 style=\"margin:8px 0 24px 0;\"><tr><td style=\"border-radius:6px;background-color:#1f4e8c;\">\
                 <a href=\"{}\" style=\"display:inline-block;padding:12px 24px;{FONT}font-size:16px;\
                 font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px;\">{}</a>\
                 </td></tr></table>",
                Escaped(action.url),
                Escaped(action.label),
            )?;
        }
        if let Some(secondary) = &c.secondary {
            writeln!(
                f,
                "<p style=\"{PARAGRAPH}\">{} <a href=\"{}\" style=\"color:#1f4e8c;text-decoration:underline;\">{}</a>.</p>",
                Escaped(secondary.lead),
                Escaped(secondary.url),
                Escaped(secondary.label),
            )?;
        }
        for p in &c.after {
            writeln!(f, "<p style=\"{PARAGRAPH}\">{}</p>", Escaped(p))?;
        }
        write!(
            f,
            "</td></tr>\n<tr><td style=\"padding:16px 32px 24px 32px;border-top:1px solid #e5e7eb;{FONT}\
             font-size:12px;line-height:1.5;color:#6b7280;\">\n\
             <p style=\"margin:0 0 4px 0;\">{} This message was sent to {}.</p>\n\
             <p style=\"margin:0;\">{} &middot; {}</p>\n\
             </td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>\n",
            Escaped(&c.reason),
            Escaped(&one_line(self.to)),
            Escaped(&product),
            Escaped(self.site.public_url),
        )
    }
}
