//! Two-factor sign-in for administrators (等保三级: two factors, one cryptographic): TOTP
//! after RFC 6238 (HMAC-SHA1, 30-second steps, 6 digits, one step of clock drift either
//! way, no code accepted twice), ten one-time recovery codes, reset by the security
//! administrator. API tokens are not affected.

use super::throttle;
use crate::authz::{self, Perm};
use crate::security::{random_hex, sm3_hex};
use crate::uow::Uow;
use crate::{App, AppError, Ctx};
use hmac::{Hmac, Mac};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::{FieldError, Role};
use sanshe_store::audit::now;
use sanshe_store::{sessions, users};

/// Seconds per time step.
pub const STEP: i64 = 30;
/// Recovery codes given at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// The roles that sign in with a second factor when `admin_mfa_required` holds: the three
/// administrators and the district administrator.
pub fn role_needs_mfa(role: Role) -> bool {
    role.is_admin() || role == Role::DistrictAdmin
}

/// Whether two factors are enforced: the setting, or when unset, on unless the database
/// holds the demo district.
pub async fn required(app: &App) -> Result<bool, AppError> {
    match app.settings.admin_mfa_required {
        Some(v) => Ok(v),
        None => Ok(!crate::areas::has_demo(app).await?),
    }
}

/// The 6-digit code of `secret` at time step `step` (RFC 4226 truncation).
pub fn code_at(secret: &[u8], step: i64) -> String {
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = (h[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([h[off] & 0x7f, h[off + 1], h[off + 2], h[off + 3]]);
    format!("{:06}", bin % 1_000_000)
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding: how authenticator apps take a secret.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for b in bytes {
        buf = (buf << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            out.push(char::from(B32[((buf >> (bits - 5)) & 31) as usize]));
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(char::from(B32[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = B32
            .iter()
            .position(|b| char::from(*b) == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// The step whose code `code` is, within one step of `at` (None: no match).
fn matching_step(secret: &[u8], code: &str, at: i64) -> Option<i64> {
    let now = at.div_euclid(STEP);
    (now - 1..=now + 1).find(|s| crate::security::constant_time_eq(&code_at(secret, *s), code))
}

fn digits(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// A new secret to enrol: shown as text and as a QR code; stored only when confirmed.
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
}

pub fn new_enrolment(username: &str) -> Result<Enrolment, AppError> {
    let hex = random_hex(20)?;
    let bytes: Vec<u8> = (0..20)
        .filter_map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).ok())
        .collect();
    let secret = base32(&bytes);
    let uri = format!(
        "otpauth://totp/Sanshe:{username}?secret={secret}&issuer=Sanshe&algorithm=SHA1&digits=6&period=30"
    );
    Ok(Enrolment { secret, uri })
}

/// Confirms enrolment with a code from the app; returns the recovery codes (shown once).
pub async fn confirm(
    app: &App,
    ctx: &Ctx,
    secret: &str,
    code: &str,
) -> Result<Vec<String>, AppError> {
    let actor = ctx.actor()?;
    let id = actor.user_id.ok_or(AppError::Forbidden)?;
    let bytes = base32_decode(secret.trim())
        .filter(|b| b.len() >= 16)
        .ok_or_else(|| AppError::invalid(FieldError::new("code", "err-mfa-code")))?;
    let step = matching_step(&bytes, &digits(code), now())
        .ok_or_else(|| AppError::invalid(FieldError::new("code", "err-mfa-code")))?;
    let enc = app.pii.encrypt(secret.trim())?;
    let mut codes = Vec::new();
    for _ in 0..RECOVERY_CODES {
        let h = random_hex(5)?;
        codes.push(format!("{}-{}", &h[..5], &h[5..]));
    }
    let hashes: Vec<String> = codes.iter().map(|c| sm3_hex(&digits(c))).collect();
    let mut tx = Uow::begin(app).await?;
    let u = users::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if u.totp_enabled {
        return Err(AppError::Conflict(FieldError::new(
            "code",
            "err-mfa-enrolled",
        )));
    }
    users::set_totp(&mut tx, id, Some(&enc), true).await?;
    users::use_totp_step(&mut tx, id, step).await?;
    users::set_recovery_codes(&mut tx, id, &hashes).await?;
    tx.commit(ctx.audit_entry(
        Action::MfaEnrol,
        Some(id.to_string()),
        format!("two-factor sign-in enrolled for {}", u.username),
        Outcome::Success,
    ))
    .await?;
    Ok(codes)
}

/// The second step of signing in: a code from the app (or a recovery code) turns the
/// half-signed-in session `token` into a full one under a new token, which is returned.
pub async fn verify(app: &App, ctx: &Ctx, token: &str, code: &str) -> Result<String, AppError> {
    let actor = ctx.actor()?;
    let id = actor.user_id.ok_or(AppError::Unauthenticated)?;
    let s = &app.settings;
    let t = now();
    let u = {
        let mut r = app.db.acquire().await?;
        users::get(&mut r, id)
            .await?
            .ok_or(AppError::Unauthenticated)?
    };
    let code = digits(code);
    let secret = u
        .totp_secret_enc
        .as_deref()
        .filter(|_| u.totp_enabled)
        .map(|e| app.pii.decrypt(e))
        .transpose()?
        .and_then(|b| base32_decode(&b))
        .ok_or(AppError::Unauthenticated)?;
    let mut tx = Uow::begin(app).await?;
    // Counted again inside the write transaction, attempts of one user in order: a burst of
    // parallel guesses gets no more tries than the same guesses one after another.
    users::lock_for_sign_in(&mut tx, id).await?;
    let since = t - s.lockout_window_minutes * 60;
    let counts =
        users::login_failures_since(&mut tx, &u.username, ctx.client.as_deref(), since).await?;
    if let Some(until) = throttle::until(&counts, s, t) {
        tx.commit(ctx.audit_entry(
            Action::Throttle,
            Some(u.username.clone()),
            format!(
                "second factor refused until {until}: {} failures for the name, {} from the address",
                counts.name_failures, counts.client_failures
            ),
            Outcome::Denied,
        ))
        .await?;
        return Err(AppError::Throttled(until));
    }
    let how = if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        match matching_step(&secret, &code, t) {
            Some(step) if users::use_totp_step(&mut tx, id, step).await? => Some("app code"),
            _ => None,
        }
    } else if users::use_recovery_code(&mut tx, id, &sm3_hex(&code.to_ascii_lowercase())).await? {
        Some("recovery code")
    } else {
        None
    };
    let Some(how) = how else {
        users::add_login_failure(&mut tx, &u.username, ctx.client.as_deref()).await?;
        tx.commit(ctx.audit_entry(
            Action::Login,
            Some(u.username.clone()),
            "second factor wrong or already used".into(),
            Outcome::Failure,
        ))
        .await?;
        return Err(AppError::invalid(FieldError::new("code", "err-mfa-code")));
    };
    let new_token = random_hex(32)?;
    if !sessions::complete_mfa(&mut tx, &sm3_hex(token), &sm3_hex(&new_token)).await? {
        return Err(AppError::Unauthenticated);
    }
    users::clear_login_failures(&mut tx, &u.username).await?;
    tx.commit(ctx.audit_entry(
        Action::Login,
        Some(id.to_string()),
        format!("second factor ({how})"),
        Outcome::Success,
    ))
    .await?;
    Ok(new_token)
}

/// Whether the caller has a second factor, and how many recovery codes are unused.
pub async fn status(app: &App, ctx: &Ctx) -> Result<(bool, i64), AppError> {
    let id = ctx.actor()?.user_id.ok_or(AppError::Forbidden)?;
    let mut c = app.db.acquire().await?;
    let u = users::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    Ok((
        u.totp_enabled,
        users::recovery_codes_left(&mut c, id).await?,
    ))
}

/// The security administrator clears someone's second factor (a lost phone): they enrol
/// again at their next sign-in; their sessions end and they are told in the inbox.
pub async fn reset(app: &App, ctx: &Ctx, id: i64) -> Result<(), AppError> {
    authz::require(ctx.actor()?, Perm::MfaReset)?;
    let mut tx = Uow::begin(app).await?;
    let u = users::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    users::set_totp(&mut tx, id, None, false).await?;
    sessions::delete_for_user(&mut tx, id).await?;
    crate::inbox::notify(
        &mut tx,
        &[id],
        "account.mfa_reset",
        &u.username,
        "",
        "/account/mfa",
    )
    .await?;
    tx.commit(ctx.audit_entry(
        Action::MfaReset,
        Some(id.to_string()),
        format!("two-factor sign-in reset for {}", u.username),
        Outcome::Success,
    ))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (last 6 digits).
        let secret = b"12345678901234567890";
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(secret, t / STEP), code, "t={t}");
        }
    }

    #[test]
    fn base32_round_trips() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(
            base32_decode("mzxw 6ytb oi").as_deref(),
            Some(&b"foobar"[..])
        );
        assert!(base32_decode("0189").is_none());
    }

    #[test]
    fn a_code_fits_one_step_either_side() {
        let s = b"12345678901234567890";
        let at = 1_234_567_890;
        let code = code_at(s, at / STEP);
        assert_eq!(matching_step(s, &code, at + STEP), Some(at / STEP));
        assert_eq!(matching_step(s, &code, at + 3 * STEP), None);
    }
}
