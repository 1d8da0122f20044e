//! The night-log capability's tables: night logs (one per telescope and night), their entries (with edit
//! history and tags) and the observations recorded in them.

pub mod entries;
pub mod night_logs;
pub mod observations;
