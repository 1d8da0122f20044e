//! Configuration, loaded by the server (figment: `[storage]` in the file, `MERIDIAN_STORAGE__*` in the
//! environment). Unknown keys are refused; the secret key never shows in `Debug`.

use std::fmt;
use std::path::PathBuf;

use meridian_domain::Tier;
use serde::Deserialize;

use crate::StorageError;

pub(crate) const MIB: u64 = 1024 * 1024;
/// S3's smallest part (all but the last) and largest part.
pub(crate) const MIN_PART_SIZE: u64 = 5 * MIB;
pub(crate) const MAX_PART_SIZE: u64 = 5 * 1024 * MIB;

/// Which backend holds the objects: `backend = "filesystem"` (the embedded default) or `backend = "s3"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "backend", rename_all = "snake_case", deny_unknown_fields)]
pub enum StorageConfig {
    Filesystem { root: PathBuf },
    S3(S3Config),
}

impl Default for StorageConfig {
    /// The embedded default: objects under `./data/objects`.
    fn default() -> Self {
        Self::Filesystem { root: PathBuf::from("data/objects") }
    }
}

/// An S3-compatible bucket.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    /// The server's URL (SeaweedFS, Ceph RGW, ...); None = AWS for `region`.
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default = "default_region")]
    pub region: String,
    /// Path-style addressing (`endpoint/bucket/key`), which most self-hosted servers want.
    #[serde(default)]
    pub path_style: bool,
    /// With `secret_access_key`; when absent both come from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`
    /// (and `AWS_SESSION_TOKEN`).
    #[serde(default)]
    pub access_key_id: Option<String>,
    #[serde(default)]
    pub secret_access_key: Option<Secret>,
    /// Part size for streamed uploads: a body up to this size is one PutObject, a longer one a multipart upload.
    /// At least 5 MiB (S3's smallest part).
    #[serde(default = "default_part_size")]
    pub part_size: u64,
    /// Parts uploaded at once by one `put`; memory per upload is about (concurrency + 1) x part_size.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Send checksums with PutObject (SHA-256) and with the parts of streamed uploads (CRC32C), so the server verifies
    /// what it received. Turn off only for a server that refuses them.
    #[serde(default = "default_true")]
    pub checksums: bool,
    #[serde(default)]
    pub classes: TierClasses,
}

impl S3Config {
    /// A configuration with the defaults for everything but the bucket.
    #[must_use]
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            endpoint: None,
            region: default_region(),
            path_style: false,
            access_key_id: None,
            secret_access_key: None,
            part_size: default_part_size(),
            concurrency: default_concurrency(),
            checksums: true,
            classes: TierClasses::default(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), StorageError> {
        if self.bucket.is_empty() {
            return Err(StorageError::Config("the S3 bucket name is empty".into()));
        }
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&self.part_size) {
            return Err(StorageError::Config(format!(
                "part_size must be between 5 MiB and 5 GiB ({MIN_PART_SIZE}..={MAX_PART_SIZE} bytes), not {}",
                self.part_size
            )));
        }
        if self.concurrency == 0 {
            return Err(StorageError::Config("concurrency must be at least 1".into()));
        }
        if self.access_key_id.is_some() != self.secret_access_key.is_some() {
            return Err(StorageError::Config("give both access_key_id and secret_access_key, or neither".into()));
        }
        Ok(())
    }
}

fn default_region() -> String {
    "us-east-1".into()
}
const fn default_part_size() -> u64 {
    8 * MIB
}
const fn default_concurrency() -> usize {
    4
}
const fn default_true() -> bool {
    true
}

/// The S3 storage class of each tier.
///
/// Reading back a class that is none of these (set by a lifecycle rule or another tool), the nearest tier is
/// taken: names with `GLACIER`, `ARCHIVE` or `COLD` are cold; `*_IA`, `INTELLIGENT_TIERING` and names with
/// `INFREQUENT`, `COOL` or `NEARLINE` are cool; anything else (`STANDARD`, `REDUCED_REDUNDANCY`, unknown) is hot.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TierClasses {
    pub hot: String,
    pub cool: String,
    pub cold: String,
}

impl Default for TierClasses {
    fn default() -> Self {
        Self { hot: "STANDARD".into(), cool: "STANDARD_IA".into(), cold: "GLACIER".into() }
    }
}

impl TierClasses {
    #[must_use]
    pub fn class_of(&self, tier: Tier) -> &str {
        match tier {
            Tier::Hot => &self.hot,
            Tier::Cool => &self.cool,
            Tier::Cold => &self.cold,
        }
    }

    /// The tier of a storage class; `None` (S3 leaves the header out for STANDARD) reads as STANDARD.
    #[must_use]
    pub fn tier_of(&self, class: Option<&str>) -> Tier {
        let class = class.unwrap_or("STANDARD");
        // Configured names first, so a mapping such as cold = "DEEP_ARCHIVE" or cool = "GLACIER_IR" holds.
        if class == self.hot {
            return Tier::Hot;
        }
        if class == self.cool {
            return Tier::Cool;
        }
        if class == self.cold {
            return Tier::Cold;
        }
        let upper = class.to_ascii_uppercase();
        if ["GLACIER", "ARCHIVE", "COLD"].iter().any(|w| upper.contains(w)) {
            Tier::Cold
        } else if upper.ends_with("_IA")
            || ["INTELLIGENT", "INFREQUENT", "COOL", "NEARLINE"].iter().any(|w| upper.contains(w))
        {
            Tier::Cool
        } else {
            Tier::Hot
        }
    }
}

/// A secret string: `Debug` prints `[redacted]`, and only [`Secret::expose`] gives the value.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_config_reads_with_defaults_and_refuses_unknown_keys() {
        let config: StorageConfig = serde_json::from_str(
            r#"{"backend": "s3", "bucket": "b", "secret_access_key": "hush", "access_key_id": "k"}"#,
        )
        .expect("valid");
        let StorageConfig::S3(s3) = config else { panic!("not s3") };
        assert_eq!(s3.region, "us-east-1");
        assert_eq!(s3.part_size, 8 * MIB);
        assert_eq!(s3.concurrency, 4);
        assert!(!s3.path_style && s3.checksums);
        assert_eq!(s3.classes, TierClasses::default());
        let shown = format!("{s3:?}");
        assert!(shown.contains("[redacted]") && !shown.contains("hush"), "{shown}");

        let wrong = serde_json::from_str::<StorageConfig>(r#"{"backend": "s3", "bucket": "b", "buckett": "c"}"#);
        assert!(wrong.is_err());
        let wrong = serde_json::from_str::<StorageConfig>(r#"{"backend": "filesystem", "root": "x", "bucket": "c"}"#);
        assert!(wrong.is_err());
        let fs: StorageConfig =
            serde_json::from_str(r#"{"backend": "filesystem", "root": "/srv/objects"}"#).expect("valid");
        assert!(matches!(fs, StorageConfig::Filesystem { root } if root == std::path::Path::new("/srv/objects")));
    }

    #[test]
    fn part_size_below_five_mib_is_refused() {
        let mut config = S3Config::new("b");
        assert!(config.validate().is_ok());
        config.part_size = MIB;
        assert!(matches!(config.validate(), Err(StorageError::Config(_))));
    }

    #[test]
    fn classes_map_to_the_nearest_tier() {
        let classes = TierClasses::default();
        assert_eq!(classes.tier_of(None), Tier::Hot);
        assert_eq!(classes.tier_of(Some("STANDARD_IA")), Tier::Cool);
        assert_eq!(classes.tier_of(Some("ONEZONE_IA")), Tier::Cool);
        assert_eq!(classes.tier_of(Some("INTELLIGENT_TIERING")), Tier::Cool);
        assert_eq!(classes.tier_of(Some("GLACIER")), Tier::Cold);
        assert_eq!(classes.tier_of(Some("DEEP_ARCHIVE")), Tier::Cold);
        assert_eq!(classes.tier_of(Some("GLACIER_IR")), Tier::Cold);
        assert_eq!(classes.tier_of(Some("REDUCED_REDUNDANCY")), Tier::Hot);
        assert_eq!(classes.tier_of(Some("SOMETHING_NEW")), Tier::Hot);
        let custom = TierClasses { hot: "STANDARD".into(), cool: "GLACIER_IR".into(), cold: "DEEP_ARCHIVE".into() };
        assert_eq!(custom.tier_of(Some("GLACIER_IR")), Tier::Cool);
        assert_eq!(custom.class_of(Tier::Cold), "DEEP_ARCHIVE");
    }
}
