//! Nights: night logs with their reports and time lost, their entries, and the observations recorded in them,
//! one module each. Their bodies are in [`types`].

pub mod entries;
pub mod night_logs;
pub mod observations;
pub mod types;
