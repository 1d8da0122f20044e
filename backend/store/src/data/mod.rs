//! The data capability's tables: datasets, data files (with their FITS header summary and cards), file search,
//! tier rules and storage metering. Every query of a workspace's rows is scoped by its id; rows come back as the
//! domain's types ([`meridian_domain::data`]), each converted in the one `to_domain` of its module. Uploads in
//! flight are their own capability ([`crate::uploads`]).

pub mod datasets;
pub mod files;
pub mod search;
pub mod tiers;
pub mod usage;

/// How many ids one `IN (…)` list holds: far below SQLite's and PostgreSQL's bound-parameter limits.
pub(crate) const ID_BATCH: usize = 500;
