//! Password hashing (argon2id), random tokens, and SM3 hashing of stored tokens.

use crate::AppError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sm3::{Digest, Sm3};
use std::sync::atomic::{AtomicBool, Ordering};

pub fn random_hex(bytes: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    Ok(hex(&buf))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// SM3 digest (GB/T 32905) in hex: how session ids and API tokens are stored.
pub fn sm3_hex(s: &str) -> String {
    hex(&Sm3::digest(s.as_bytes()))
}

static CHEAP_HASHING: AtomicBool = AtomicBool::new(false);

/// Test suites only: new password hashes use the smallest argon2id parameters, so that a
/// test creating and logging in users does not spend its time hashing. Verification always
/// reads the parameters stored in the hash, so hashes made either way verify either way.
/// Nothing in the product calls this.
pub fn use_cheap_password_hashing_in_tests() {
    CHEAP_HASHING.store(true, Ordering::Relaxed);
}

fn hasher() -> Argon2<'static> {
    if CHEAP_HASHING.load(Ordering::Relaxed) {
        let params =
            argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap_or_default();
        Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
    } else {
        Argon2::default()
    }
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_known_answer() {
        // GB/T 32905-2016 example 1: "abc"
        assert_eq!(
            sm3_hex("abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn passwords_round_trip() -> Result<(), AppError> {
        let h = hash_password("Sanshe#2026")?;
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Sanshe#2026", &h));
        assert!(!verify_password("sanshe#2026", &h));
        Ok(())
    }
}
