//! Integration tests of meridian-mail: the templates, the outbox transport, SMTP against a scripted fake server
//! (refusals, stalls, replies), and, when `SMTP_URL` and `MAILDEV_API` are set (`infra/devservices.sh env
//! maildev`), a round trip through maildev.

mod config;
mod maildev;
mod outbox;
mod smtp;
mod support;
mod templates;
