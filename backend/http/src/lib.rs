#![doc = include_str!("../README.md")]

pub mod caller;
pub mod client;
pub mod cookies;
pub mod csrf;
pub mod limits;
pub mod problem;
