//! Password hashing (argon2id) and the random tokens behind sessions and API keys.

use crate::{ServiceError, ServiceResult};
use argon2::password_hash::{PasswordHash, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, Version};
use rand::RngCore as _;
use sha2::{Digest, Sha256};

#[derive(Debug)]
pub(crate) struct PasswordHasher {
    params: Params,
    /// At most this many hashes run at once: each takes the configured memory (19 MiB by default), and a burst
    /// of sign-ins must queue rather than exhaust memory.
    permits: tokio::sync::Semaphore,
    /// A real hash of a random password, verified when the account does not exist so that the answer takes as
    /// long as for a real account and does not reveal which e-mails are registered.
    dummy: String,
}

impl PasswordHasher {
    pub(crate) fn new(memory_kib: u32, iterations: u32) -> ServiceResult<Self> {
        let params = Params::new(memory_kib, iterations, 1, None).map_err(ServiceError::internal)?;
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let mut this = Self { params, permits: tokio::sync::Semaphore::new(cores * 2), dummy: String::new() };
        this.dummy = this.hash_blocking(&random_token(16))?;
        Ok(this)
    }

    fn argon(&self) -> Argon2<'_> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    fn hash_blocking(&self, password: &str) -> ServiceResult<String> {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(ServiceError::internal)?;
        self.argon().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(ServiceError::internal)
    }

    fn verify_blocking(&self, password: &str, hash: Option<&str>) -> bool {
        let hash = hash.unwrap_or(&self.dummy);
        let ok = PasswordHash::new(hash)
            .map(|parsed| self.argon().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        ok && hash != self.dummy
    }

    /// Hashes off the async threads: argon2 is deliberately slow.
    pub(crate) async fn hash(self: &std::sync::Arc<Self>, password: String) -> ServiceResult<String> {
        let _permit = self.permits.acquire().await.map_err(ServiceError::internal)?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.hash_blocking(&password)).await.map_err(ServiceError::internal)?
    }

    pub(crate) async fn verify(
        self: &std::sync::Arc<Self>,
        password: String,
        hash: Option<String>,
    ) -> ServiceResult<bool> {
        let _permit = self.permits.acquire().await.map_err(ServiceError::internal)?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.verify_blocking(&password, hash.as_deref()))
            .await
            .map_err(ServiceError::internal)
    }
}

/// `n` random bytes as lowercase hex.
pub(crate) fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of a high-entropy token as hex. Enough for random tokens (unlike passwords, they cannot be guessed).
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time equality, for comparing hashes.
pub(crate) fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
