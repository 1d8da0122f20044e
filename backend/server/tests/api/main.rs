//! The API test suite: the real application in process, on a fresh database per test. The backend is
//! PostgreSQL when `TEST_DATABASE_URL` points at one (each test clones a migrated template database), SQLite
//! otherwise. The same tests run on both.

mod helpers;

mod accounts;
mod api_keys;
mod authz_matrix;
mod bad_input;
mod billing;
mod billing_stripe;
mod data;
mod data_pages;
mod demo;
mod equipment;
mod health;
mod identity;
mod integrity;
mod jobs;
mod members;
mod night_pages;
mod nights;
mod observe;
mod oidc;
mod openapi;
mod package_pages;
mod packages;
mod pages;
mod reliability;
mod satellites;
mod security;
mod shared_limits;
mod targets;
mod uploads;
mod vo;
mod workspaces;
