//! Sensitive personal data (PIPL): ID and phone numbers are encrypted at rest with SM4 in
//! GCM mode, found by exact value through a keyed blind index (HMAC-SM3), and shown masked.
//!
//! One 32-byte master key comes from configuration (`pii_key`, hex) or, when none is set,
//! from the key file `<data_dir>/pii.key`, created on first start. The database never holds
//! it. Two sub-keys are derived from it: the SM4 key and the blind-index key. Ciphertexts
//! carry the key id (`k1:`), so a key can be rotated: set the new key as `pii_key` and the old
//! one as `pii_previous_key`, then run `sanshe pii rekey`.

use crate::AppError;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{AesGcm, Nonce};
use hmac::{Hmac, Mac};
use sm3::Sm3;
use sm4::Sm4;
use std::path::Path;

type Sm4Gcm = AesGcm<Sm4, U12>;
type HmacSm3 = Hmac<Sm3>;

#[derive(Clone)]
pub struct PiiKeys {
    id: String,
    enc: [u8; 16],
    blind: [u8; 32],
    previous: Option<Box<PiiKeys>>,
}

impl std::fmt::Debug for PiiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PiiKeys({}, ***)", self.id)
    }
}

fn hmac(key: &[u8], msg: &[u8]) -> Result<[u8; 32], AppError> {
    let mut m = <HmacSm3 as Mac>::new_from_slice(key)
        .map_err(|e| AppError::Internal(format!("hmac key: {e}")))?;
    m.update(msg);
    let out = m.finalize().into_bytes();
    let mut a = [0u8; 32];
    a.copy_from_slice(&out);
    Ok(a)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl PiiKeys {
    /// Derives the keys from a 64-hex-digit master key.
    pub fn from_hex(master: &str) -> Result<PiiKeys, AppError> {
        let m = unhex(master)
            .filter(|m| m.len() == 32)
            .ok_or_else(|| AppError::Internal("pii_key must be 64 hex digits".into()))?;
        let enc_full = hmac(&m, b"sanshe pii sm4 v1")?;
        let mut enc = [0u8; 16];
        enc.copy_from_slice(&enc_full[..16]);
        let blind = hmac(&m, b"sanshe pii blind index v1")?;
        // The key id: a short digest of the master key, so ciphertexts name their key.
        let id = crate::security::hex(&hmac(&m, b"sanshe pii key id")?[..4]);
        Ok(PiiKeys {
            id,
            enc,
            blind,
            previous: None,
        })
    }

    pub fn with_previous(mut self, prev: Option<PiiKeys>) -> PiiKeys {
        self.previous = prev.map(Box::new);
        self
    }

    /// Reads the key from settings, or from `<data_dir>/pii.key`, creating that file only
    /// when `may_create` (a database holding no personal data yet).
    pub fn load(
        configured: Option<&str>,
        previous: Option<&str>,
        data_dir: &Path,
        may_create: bool,
    ) -> Result<PiiKeys, AppError> {
        let master = match configured {
            Some(k) => k.trim().to_owned(),
            None => {
                let path = data_dir.join("pii.key");
                match std::fs::read_to_string(&path) {
                    Ok(s) => s.trim().to_owned(),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound && !may_create => {
                        return Err(AppError::Internal(format!(
                            "no personal-data key at {} (and none configured), but this \
                             database already holds personal data: run from the directory whose \
                             data_dir holds its pii.key, or set SANSHE_PII_KEY",
                            path.display()
                        )))
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        std::fs::create_dir_all(data_dir).map_err(|e| {
                            AppError::Internal(format!("create {}: {e}", data_dir.display()))
                        })?;
                        let k = crate::security::random_hex(32)?;
                        write_private(&path, &k)?;
                        tracing::warn!(path = %path.display(), "created a new personal-data key file; back it up, without it encrypted ID and phone numbers cannot be read");
                        k
                    }
                    Err(e) => {
                        return Err(AppError::Internal(format!("read {}: {e}", path.display())))
                    }
                }
            }
        };
        let prev = previous.map(PiiKeys::from_hex).transpose()?;
        Ok(PiiKeys::from_hex(&master)?.with_previous(prev))
    }

    pub fn key_id(&self) -> &str {
        &self.id
    }

    /// The id of the key before the last rotation, if one is configured.
    pub fn previous_id(&self) -> Option<&str> {
        self.previous.as_deref().map(|p| p.id.as_str())
    }

    /// `k<id>:<hex nonce+ciphertext>`.
    pub fn encrypt(&self, plain: &str) -> Result<String, AppError> {
        let cipher = Sm4Gcm::new_from_slice(&self.enc)
            .map_err(|e| AppError::Internal(format!("sm4 key: {e}")))?;
        let mut nonce = [0u8; 12];
        getrandom::getrandom(&mut nonce).map_err(|e| AppError::Internal(format!("random: {e}")))?;
        let ct = cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| AppError::Internal("sm4 encrypt".into()))?;
        let mut all = nonce.to_vec();
        all.extend_from_slice(&ct);
        Ok(format!("k{}:{}", self.id, crate::security::hex(&all)))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, AppError> {
        let (kid, body) = stored
            .strip_prefix('k')
            .and_then(|s| s.split_once(':'))
            .ok_or_else(|| AppError::Internal("malformed ciphertext".into()))?;
        if kid != self.id {
            return match &self.previous {
                Some(p) => p.decrypt(stored),
                None => Err(AppError::Internal(format!(
                    "personal data was encrypted with key {kid}, which is not configured"
                ))),
            };
        }
        let raw = unhex(body).ok_or_else(|| AppError::Internal("malformed ciphertext".into()))?;
        if raw.len() < 12 + 16 {
            return Err(AppError::Internal("malformed ciphertext".into()));
        }
        let cipher = Sm4Gcm::new_from_slice(&self.enc)
            .map_err(|e| AppError::Internal(format!("sm4 key: {e}")))?;
        let pt = cipher
            .decrypt(Nonce::from_slice(&raw[..12]), &raw[12..])
            .map_err(|_| AppError::Internal("personal data failed its integrity check".into()))?;
        String::from_utf8(pt).map_err(|_| AppError::Internal("malformed plaintext".into()))
    }

    /// Keyed blind index of a normalised value (exact-match look-up without decrypting).
    pub fn blind(&self, kind: &str, value: &str) -> Result<String, AppError> {
        let mut msg = kind.as_bytes().to_vec();
        msg.push(0);
        msg.extend_from_slice(value.as_bytes());
        Ok(crate::security::hex(&hmac(&self.blind, &msg)?))
    }

    /// True when a ciphertext is under an older key.
    pub fn is_stale(&self, stored: &str) -> bool {
        !stored.starts_with(&format!("k{}:", self.id))
    }

    pub fn previous(&self) -> Option<&PiiKeys> {
        self.previous.as_deref()
    }
}

fn write_private(path: &Path, contents: &str) -> Result<(), AppError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| AppError::Internal(format!("create {}: {e}", path.display())))?;
    f.write_all(contents.as_bytes())
        .map_err(|e| AppError::Internal(format!("write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const K2: &str = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn round_trip_and_tamper() -> Result<(), AppError> {
        let k = PiiKeys::from_hex(K1)?;
        let c = k.encrypt("110105194912310021")?;
        assert!(!c.contains("110105"));
        assert_ne!(c, k.encrypt("110105194912310021")?, "nonces differ");
        assert_eq!(k.decrypt(&c)?, "110105194912310021");
        let mut bad = c.clone();
        bad.pop();
        bad.push(if c.ends_with('0') { '1' } else { '0' });
        assert!(k.decrypt(&bad).is_err());
        assert_eq!(k.blind("id", "x")?, k.blind("id", "x")?);
        assert_ne!(k.blind("id", "x")?, k.blind("phone", "x")?);
        assert!(PiiKeys::from_hex("abc").is_err());
        Ok(())
    }

    #[test]
    fn rotation_reads_old_ciphertexts() -> Result<(), AppError> {
        let old = PiiKeys::from_hex(K1)?;
        let c = old.encrypt("13800138000")?;
        let new = PiiKeys::from_hex(K2)?;
        assert!(new.decrypt(&c).is_err());
        let new = new.with_previous(Some(old));
        assert!(new.is_stale(&c));
        assert_eq!(new.decrypt(&c)?, "13800138000");
        Ok(())
    }
}
