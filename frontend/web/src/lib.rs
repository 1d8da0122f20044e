#![doc = include_str!("../README.md")]

pub mod api;
mod app;
mod components;
mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::App;
#[cfg(feature = "ssr")]
pub use app::shell;
