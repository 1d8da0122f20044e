#![doc = include_str!("../README.md")]

mod config;
mod error;
mod html;
mod mailer;
mod message;
mod outbox;
mod smtp;
mod templates;

pub use config::{MailConfig, SmtpConfig, SmtpSecurity, TransportConfig};
pub use error::{MailError, SendError};
pub use mailer::{Delivery, Mailer};
pub use message::Message;
pub use templates::{Site, Template};
