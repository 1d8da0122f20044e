//! Fault injection against the real `meridian` binary and the real services: the server killed in the middle of
//! work, the object store and the database going away under it, and a backup restored into a fresh instance. In
//! each, nothing acknowledged is lost and nothing is left half-visible (`meridian verify --full` passes after).
//! On PostgreSQL and SeaweedFS when the suite's services are up (`TEST_DATABASE_URL`, `S3_ENDPOINT`), else on
//! the embedded SQLite and filesystem; each test has its own database and bucket.

mod backup;
mod crash;
mod harness;
mod kills;
mod outages;
mod traces;
mod uploader;
