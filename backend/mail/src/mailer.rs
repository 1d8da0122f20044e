//! [`Mailer`]: turns a [`Message`] into a MIME message and hands it to the configured transport.

use std::fmt;
use std::path::PathBuf;

use lettre::Address;
use lettre::message::header::{ContentTransferEncoding, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};

use crate::config::{MailConfig, TransportConfig};
use crate::error::{MailError, SendError};
use crate::{Message, outbox, smtp};

/// Sends messages. Cheap to clone (an SMTP mailer shares nothing but settings; each message gets its own
/// connection). `Debug` shows the sender and the transport, never a credential.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

#[derive(Clone)]
enum Transport {
    Outbox { dir: PathBuf },
    Smtp(smtp::Smtp),
}

/// Where a message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The SMTP server accepted it; the `Message-ID` it was sent with (with its angle brackets).
    Smtp { message_id: String },
    /// It was written to this `.eml` file.
    Outbox { path: PathBuf },
}

/// Asks receiving servers not to send auto-replies (out of office) to a message no person wrote (RFC 3834).
const AUTO_SUBMITTED: HeaderName = HeaderName::new_from_ascii_str("Auto-Submitted");

impl Mailer {
    /// Checks the configuration: the `from` mailbox, and for SMTP the host, port, timeout and TLS set-up.
    /// Connects to nothing (the SMTP server may come up later; each message connects anew).
    pub fn new(config: &MailConfig) -> Result<Self, MailError> {
        let from: Mailbox =
            config.from.parse().map_err(|source| MailError::InvalidFrom { from: config.from.clone(), source })?;
        let transport = match &config.transport {
            TransportConfig::Outbox { dir } => Transport::Outbox { dir: dir.clone() },
            TransportConfig::Smtp(smtp) => Transport::Smtp(smtp::Smtp::new(smtp)?),
        };
        Ok(Self { from, transport })
    }

    /// For the start-up log: `SMTP smtp.example.org:587 (STARTTLS)`, `outbox /var/lib/meridian/outbox`.
    #[must_use]
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Outbox { dir } => format!("outbox {}", dir.display()),
            Transport::Smtp(smtp) => smtp.describe(),
        }
    }

    /// Sends one message. A recipient that is not a mailbox is [`SendError::Permanent`]; see [`SendError`] for
    /// how transport failures are classified.
    #[tracing::instrument(skip_all, fields(to = %message.to, transport = %self.describe()))]
    pub async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        let (email, message_id) = self.build(message, matches!(self.transport, Transport::Outbox { .. }))?;
        let delivery = match &self.transport {
            Transport::Outbox { dir } => Delivery::Outbox { path: outbox::write(dir, &email, &message_id).await? },
            Transport::Smtp(smtp) => {
                smtp.send(&email).await?;
                Delivery::Smtp { message_id }
            }
        };
        tracing::debug!(?delivery, "mail handed over");
        Ok(delivery)
    }

    /// The MIME message (`multipart/alternative`: text, then HTML) and its `Message-ID`. For SMTP the parts are
    /// 7-bit clean (quoted-printable or base64 where needed), which every server takes; in an outbox file they
    /// stay as written (`7bit`/`8bit`), so a person reading the file can copy the link as it is.
    fn build(&self, message: &Message, readable: bool) -> Result<(lettre::Message, String), SendError> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|e| SendError::Permanent(format!("recipient {:?} is not a mailbox: {e}", message.to)))?;
        let message_id = new_message_id(&self.from.email);
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.as_str())
            .date_now()
            .message_id(Some(message_id.clone()))
            .raw_header(HeaderValue::new(AUTO_SUBMITTED, "auto-generated".to_owned()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::plain(body(&message.text, readable)))
                    .singlepart(SinglePart::html(body(&message.html, readable))),
            )
            .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))?;
        Ok((email, message_id))
    }
}

/// A part's body. `readable`: unencoded when RFC 5322 allows it (CRLF line ends, lines of at most 998 bytes, no
/// NUL), else encoded as usual.
fn body(text: &str, readable: bool) -> Body {
    if readable {
        let crlf = text.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n");
        if !crlf.contains('\0') && crlf.split("\r\n").all(|line| line.len() <= 998) {
            let encoding =
                if crlf.is_ascii() { ContentTransferEncoding::SevenBit } else { ContentTransferEncoding::EightBit };
            return Body::dangerous_pre_encoded(crlf.into_bytes(), encoding);
        }
    }
    Body::new(text.to_owned())
}

/// `<random@from-domain>`: unique, and on a domain the sender answers for (RFC 5322 §3.6.4).
fn new_message_id(from: &Address) -> String {
    format!("<{}@{}>", uuid::Uuid::new_v4().simple(), from.domain())
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).field("transport", &self.describe()).finish()
    }
}
