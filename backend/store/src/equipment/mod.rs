//! Equipment: sites, the telescopes at them, the instruments on the telescopes.

pub mod instruments;
pub mod sites;
pub mod telescopes;
