//! Storage plans and Stripe. Plans come from the server's configuration (built-in ones when it names none, so a
//! self-hosted server needs no billing); Stripe's webhooks are checked and read here; `stripe` calls Stripe's API
//! (the only I/O here). The service decides what an event changes and stores it.

pub mod plans;
pub mod stripe;
pub mod webhook;

pub use plans::{Micros, Plan, PlanCatalog, PlanError, PlanSettings, TierTerms, format_minor};
