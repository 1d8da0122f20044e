//! The Leptos pages and their browser assets, mounted beside the API.

use crate::config::Config;
use actix_web::web;

/// Where the compiled browser assets live.
#[derive(Debug, Clone)]
pub struct Site {
    pub root: std::path::PathBuf,
}

impl Site {
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        Ok(Self { root: config.site_root.clone() })
    }

    pub fn for_tests() -> Self {
        Self { root: std::path::PathBuf::new() }
    }
}

pub fn configure(_cfg: &mut web::ServiceConfig, _site: &Site) {}
