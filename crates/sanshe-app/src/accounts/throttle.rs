//! Sign-in throttling (等保 登录失败处理): growing delays by user name and by client
//! address. A throttle never writes to the account, so failures typed by someone else
//! neither end the holder's sessions and API tokens nor keep them out for long; an unknown
//! name is throttled exactly like a known one, so the answer tells nothing. The security
//! administrator sees current throttles and lifts them.

use crate::authz::{self, Perm};
use crate::config::Settings;
use crate::uow::Uow;
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_store::audit::now;
use sanshe_store::users::{self, FailureCounts};

/// A client address may fail this many times the per-name threshold before it waits.
pub const CLIENT_FACTOR: i64 = 4;

/// Seconds to wait after the last failure, given `n` failures in the window: none below
/// `threshold`, then one minute, doubling with each further failure, at most `cap`.
pub fn delay_secs(n: i64, threshold: i64, cap: i64) -> i64 {
    if n < threshold {
        return 0;
    }
    let k = (n - threshold).clamp(0, 20) as u32;
    (60i64 << k).min(cap.max(60))
}

/// Until when a sign-in for this name from this client waits (None: it may go ahead now).
pub fn until(f: &FailureCounts, s: &Settings, at: i64) -> Option<i64> {
    let cap = s.lockout_minutes * 60;
    let name = f
        .name_last
        .map(|l| l + delay_secs(f.name_failures, s.lockout_threshold, cap));
    let client = f
        .client_last
        .map(|l| l + delay_secs(f.client_failures, s.lockout_threshold * CLIENT_FACTOR, cap));
    name.into_iter().chain(client).max().filter(|u| *u > at)
}

/// One user name or client address with recent failures, as the security administrator
/// sees it.
#[derive(Debug, Clone)]
pub struct Throttle {
    /// `name` or `client`.
    pub kind: &'static str,
    pub key: String,
    pub failures: i64,
    pub last_at: i64,
    /// When sign-ins for it may go ahead again (None: not throttled now).
    pub until: Option<i64>,
}

/// Names and addresses with failures in the current window, throttled ones first.
pub async fn list(app: &App, ctx: &Ctx) -> Result<Vec<Throttle>, AppError> {
    authz::require(ctx.actor()?, Perm::ThrottleManage)?;
    let s = &app.settings;
    let t = now();
    let mut c = app.db.acquire().await?;
    let groups = users::failure_groups(&mut c, t - s.lockout_window_minutes * 60, 1, 1).await?;
    let cap = s.lockout_minutes * 60;
    let mut out: Vec<Throttle> = groups
        .into_iter()
        .map(|g| {
            let threshold = match g.kind {
                "name" => s.lockout_threshold,
                _ => s.lockout_threshold * CLIENT_FACTOR,
            };
            let until = Some(g.last_at + delay_secs(g.failures, threshold, cap))
                .filter(|u| *u > t && g.failures >= threshold);
            Throttle {
                kind: g.kind,
                key: g.key,
                failures: g.failures,
                last_at: g.last_at,
                until,
            }
        })
        .collect();
    out.sort_by_key(|x| (x.until.is_none(), -x.failures));
    Ok(out)
}

/// Clears the failures of one user name (`kind` = `name`) or client address (`client`).
pub async fn lift(app: &App, ctx: &Ctx, kind: &str, key: &str) -> Result<(), AppError> {
    authz::require(ctx.actor()?, Perm::ThrottleManage)?;
    // The limit counts what was sent, surrounding blanks too (as the API's schema states).
    let key = sanshe_domain::text::check("key", key, 128)
        .map_err(AppError::invalid)?
        .trim()
        .to_owned();
    let mut tx = Uow::begin(app).await?;
    match kind {
        "name" => users::clear_login_failures(&mut tx, &key).await?,
        "client" => {
            users::clear_client_failures(&mut tx, &key).await?;
        }
        _ => {
            return Err(AppError::invalid(sanshe_domain::FieldError::new(
                "kind",
                "err-throttle-kind",
            )))
        }
    }
    tx.commit(ctx.audit_entry(
        Action::ThrottleLift,
        Some(key.clone()),
        format!("sign-in throttle lifted for {kind} {key}"),
        Outcome::Success,
    ))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stop_at_the_cap() {
        assert_eq!(delay_secs(4, 5, 900), 0);
        assert_eq!(delay_secs(5, 5, 900), 60);
        assert_eq!(delay_secs(6, 5, 900), 120);
        assert_eq!(delay_secs(8, 5, 900), 480);
        assert_eq!(delay_secs(9, 5, 900), 900);
        assert_eq!(delay_secs(500, 5, 900), 900);
    }

    #[test]
    fn a_client_waits_only_after_many_names() {
        let s = Settings::default();
        let f = FailureCounts {
            name_failures: 1,
            name_last: Some(1_000),
            client_failures: s.lockout_threshold * CLIENT_FACTOR - 1,
            client_last: Some(1_000),
        };
        assert_eq!(until(&f, &s, 1_001), None);
        let f = FailureCounts {
            client_failures: s.lockout_threshold * CLIENT_FACTOR,
            ..f
        };
        assert_eq!(until(&f, &s, 1_001), Some(1_060));
        assert_eq!(until(&f, &s, 1_060), None, "over once the delay has passed");
    }
}
