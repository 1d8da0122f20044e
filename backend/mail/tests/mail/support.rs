//! Shared by the tests: a site, rendered messages, a reader for `.eml` files, and a scripted SMTP server.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use meridian_mail::{Message, Site, Template};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

pub const SITE: Site<'static> = Site { product: "Meridian", public_url: "https://meridian.example.org" };
pub const LINK: &str = "https://meridian.example.org/verify?token=Zm9vYmFy&v=1";

pub fn verify_email(to: &str) -> Message {
    Template::VerifyEmail { display_name: "Ada Observer", link: LINK }.render(to, &SITE)
}

pub const RESET_LINK: &str = "https://meridian.example.org/forgot-password";

/// Every template once, with ordinary values, and the links it carries (the button's first).
pub fn every_template() -> Vec<(&'static str, Template<'static>, Vec<&'static str>)> {
    vec![
        ("verify_email", Template::VerifyEmail { display_name: "Ada", link: LINK }, vec![LINK]),
        (
            "account_exists",
            Template::AccountExists { display_name: "Ada", sign_in_link: LINK, reset_link: RESET_LINK },
            vec![LINK, RESET_LINK],
        ),
        (
            "confirm_email_change",
            Template::ConfirmEmailChange { display_name: "Ada", new_email: "ada@new.example.org", link: LINK },
            vec![LINK],
        ),
        (
            "email_change_notice",
            Template::EmailChangeNotice { display_name: "Ada", new_email: "ada@new.example.org" },
            vec![],
        ),
        ("password_reset", Template::PasswordReset { display_name: "Ada", link: LINK }, vec![LINK]),
        ("password_changed", Template::PasswordChanged { display_name: "Ada" }, vec![]),
        (
            "invitation",
            Template::Invitation {
                workspace: "Pic du Midi",
                inviter: "Bernard Lyot",
                role: "member",
                link: LINK,
                expires: "2026-05-13 20:00 UTC",
            },
            vec![LINK],
        ),
    ]
}

/// A parsed `.eml`: top-level headers (unfolded) and the parts of its `multipart/alternative` body, decoded.
#[derive(Debug)]
pub struct Eml {
    pub headers: Vec<(String, String)>,
    pub parts: Vec<Part>,
}

#[derive(Debug)]
pub struct Part {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Eml {
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

impl Part {
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn split_headers(raw: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = raw.split_once("\r\n\r\n").expect("a blank line after the headers");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().expect("a folded line continues a header");
            last.1.push_str(line);
        } else {
            let (name, value) = line.split_once(':').expect("a header line has a colon");
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
    }
    (headers, body)
}

/// Parses a message as lettre writes it: CRLF line ends, one level of multipart.
pub fn parse_eml(raw: &str) -> Eml {
    let (headers, body) = split_headers(raw);
    let content_type = find(&headers, "Content-Type").expect("Content-Type");
    assert!(content_type.starts_with("multipart/alternative;"), "{content_type}");
    let boundary = content_type.split("boundary=").nth(1).expect("a boundary").trim_matches('"').to_owned();
    let delimiter = format!("--{boundary}");
    assert_eq!(body.matches(&format!("{delimiter}--")).count(), 1, "one closing delimiter");
    let inside = body.split(&format!("{delimiter}--")).next().expect("the parts");
    let parts = inside
        .split(&format!("{delimiter}\r\n"))
        .skip(1)
        .map(|chunk| {
            let (headers, body) = split_headers(chunk);
            let body = body.strip_suffix("\r\n").unwrap_or(body);
            let body = match find(&headers, "Content-Transfer-Encoding").unwrap_or("7bit") {
                "7bit" | "8bit" => body.replace("\r\n", "\n"),
                "quoted-printable" => decode_quoted_printable(body),
                "base64" => String::from_utf8(
                    base64::engine::general_purpose::STANDARD.decode(body.replace("\r\n", "")).expect("base64"),
                )
                .expect("UTF-8"),
                other => panic!("unexpected transfer encoding {other}"),
            };
            Part { headers, body }
        })
        .collect();
    Eml { headers, parts }
}

fn decode_quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex digits"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8").replace("\r\n", "\n")
}

/// What a scripted SMTP server answers; `None` keeps the default (`250 ok` and the like).
#[derive(Clone, Default)]
pub struct Script {
    /// Leave `STARTTLS` out of the EHLO reply, or not; AUTH is always offered.
    pub starttls: bool,
    pub auth: Option<&'static str>,
    pub rcpt: Option<&'static str>,
    pub after_data: Option<&'static str>,
}

/// What the scripted server saw: every command line, and the message data.
#[derive(Default)]
pub struct Seen {
    pub commands: Vec<String>,
    pub data: String,
}

/// A one-connection-at-a-time SMTP server on 127.0.0.1 that follows `script`; returns its port.
pub async fn scripted_smtp(script: Script) -> (u16, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let seen_by_server = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            let reply = async |write: &mut tokio::net::tcp::OwnedWriteHalf, text: &str| {
                let _ = write.write_all(format!("{text}\r\n").as_bytes()).await;
            };
            reply(&mut write, "220 scripted ESMTP").await;
            while let Ok(Some(line)) = lines.next_line().await {
                seen_by_server.lock().expect("lock").commands.push(line.clone());
                let verb = line.split(' ').next().unwrap_or_default().to_ascii_uppercase();
                match verb.as_str() {
                    "EHLO" => {
                        let tls = if script.starttls { "250-STARTTLS\r\n" } else { "" };
                        reply(&mut write, &format!("250-scripted\r\n{tls}250-8BITMIME\r\n250 AUTH PLAIN LOGIN")).await;
                    }
                    "AUTH" => reply(&mut write, script.auth.unwrap_or("235 2.7.0 accepted")).await,
                    "RCPT" => reply(&mut write, script.rcpt.unwrap_or("250 ok")).await,
                    "DATA" => {
                        reply(&mut write, "354 go ahead").await;
                        let mut data = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            data.push_str(&line);
                            data.push_str("\r\n");
                        }
                        seen_by_server.lock().expect("lock").data = data;
                        reply(&mut write, script.after_data.unwrap_or("250 2.0.0 queued")).await;
                    }
                    "QUIT" => {
                        reply(&mut write, "221 bye").await;
                        break;
                    }
                    _ => reply(&mut write, "250 ok").await,
                }
            }
        }
    });
    (port, seen)
}
