//! The Leptos pages and their browser assets, mounted beside the API. Server functions are registered by
//! `leptos_routes` under `/fn/...`; the compiled wasm and its loader are served from `/pkg`.

use crate::config::Config;
use actix_web::{HttpResponse, web};
use leptos::prelude::LeptosOptions;
use leptos_actix::{LeptosRoutes as _, generate_route_list};
use std::path::PathBuf;

const STYLESHEET: &str = include_str!("../../../frontend/web/style/meridian.css");
const UPLOAD_JS: &str = include_str!("../../../frontend/web/style/upload.js");
const FAVICON: &str = include_str!("../../../frontend/web/style/favicon.svg");

/// Where the compiled browser assets live and the rendering options.
#[derive(Debug, Clone)]
pub struct Site {
    options: LeptosOptions,
    pkg_dir: PathBuf,
}

impl Site {
    /// `site_root` from the configuration, else `target/site` (where `infra/build-site.sh` puts the wasm).
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let root = if config.site_root.as_os_str().is_empty() {
            PathBuf::from("target/site")
        } else {
            config.site_root.clone()
        };
        let site = Self::at(root);
        if !site.pkg_dir.is_dir() {
            tracing::warn!(
                pkg = %site.pkg_dir.display(),
                "no browser bundle here: pages are served as plain HTML (build it with infra/build-site.sh)"
            );
        }
        Ok(site)
    }

    fn at(root: PathBuf) -> Self {
        let options = LeptosOptions::builder()
            .output_name("meridian")
            .site_root(root.display().to_string())
            .site_pkg_dir("pkg")
            .build();
        Self { pkg_dir: root.join("pkg"), options }
    }

    /// Pages without browser assets (the API tests do not load wasm).
    pub fn for_tests() -> Self {
        Self::at(PathBuf::from("target/site"))
    }
}

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok().content_type(content_type).insert_header(("cache-control", "public, max-age=3600")).body(body)
}

pub fn configure(cfg: &mut web::ServiceConfig, site: &Site) {
    let options = site.options.clone();
    let routes = generate_route_list(meridian_web::App);
    cfg.route("/assets/meridian.css", web::get().to(|| async { asset("text/css; charset=utf-8", STYLESHEET) }))
        .route("/assets/upload.js", web::get().to(|| async { asset("text/javascript; charset=utf-8", UPLOAD_JS) }))
        .route("/assets/favicon.svg", web::get().to(|| async { asset("image/svg+xml", FAVICON) }))
        .route("/favicon.ico", web::get().to(|| async { asset("image/svg+xml", FAVICON) }));
    if site.pkg_dir.is_dir() {
        cfg.service(actix_files::Files::new("/pkg", &site.pkg_dir));
    }
    cfg.leptos_routes(routes, move || meridian_web::shell(options.clone()));
    let options = site.options.clone();
    cfg.default_service(leptos_actix::render_app_to_stream(
        move || meridian_web::shell(options.clone()),
        leptos_router::Method::Get,
    ));
}
