//! Data: datasets, data files (upload, search, header, download, preview, tiers, restore), and the workspace's
//! storage (usage and tier rules), one module each. Their bodies are in [`types`].

pub mod datasets;
pub mod files;
pub mod storage;
pub mod types;
