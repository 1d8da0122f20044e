//! Equipment: sites, telescopes and instruments, one module each. Their bodies are in [`types`].

pub mod instruments;
pub mod sites;
pub mod telescopes;
pub mod types;
