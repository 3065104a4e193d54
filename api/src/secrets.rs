//! Secrets the API hands out and checks (API keys today): long random
//! strings, stored only as their SHA-256.

use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

/// 256 random bits as 43 URL-safe characters.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret: hex SHA-256. A random 256-bit secret needs
/// no salt or slow hash; a stolen store gives no usable token.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_distinct_and_stored_only_as_a_hash() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 43, "{a}");
        assert_ne!(a, b);
        let hash = hash_secret(&a);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&a));
        assert_eq!(hash, hash_secret(&a));
    }
}
