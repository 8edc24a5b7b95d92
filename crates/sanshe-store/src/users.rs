//! Accounts and login-failure records.

use crate::audit::{bind_all, now, Bind};
use crate::{like_pattern, Conn, PageReq, Paged, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scope_area: Option<String>,
    pub scope_org: Option<i64>,
    pub scope_org_name: Option<String>,
    pub scope_area_name: Option<String>,
    pub password_hash: String,
    pub locale: Option<String>,
    pub locked: bool,
    pub locked_until: Option<i64>,
    /// The password was set by an administrator: its holder must change it first.
    pub must_change_password: bool,
    /// SM4-encrypted TOTP secret (pending until `totp_enabled`).
    pub totp_secret_enc: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub password_changed_at: i64,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
}

/// A user's columns with the names of its scope, for [`from_row`] …
pub(crate) const COLS: &str = "u.*, o.name AS scope_org_name, a.name AS scope_area_name";
/// … read from users as `u` with the scope's joins.
pub(crate) const FROM: &str = "FROM users u \
    LEFT JOIN organizations o ON o.id = u.scope_org LEFT JOIN areas a ON a.code = u.scope_area";

pub(crate) fn from_row(r: &AnyRow) -> Result<UserRow, sqlx::Error> {
    Ok(UserRow {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: r.try_get("role")?,
        scope_area: r.try_get("scope_area")?,
        scope_org: r.try_get("scope_org")?,
        scope_org_name: r.try_get("scope_org_name")?,
        scope_area_name: r.try_get("scope_area_name")?,
        password_hash: r.try_get("password_hash")?,
        locale: r.try_get("locale")?,
        locked: r.try_get::<i64, _>("locked")? != 0,
        locked_until: r.try_get("locked_until")?,
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        totp_secret_enc: r.try_get("totp_secret_enc")?,
        totp_enabled: r.try_get::<i64, _>("totp_enabled")? != 0,
        totp_last_step: r.try_get("totp_last_step")?,
        password_changed_at: r.try_get("password_changed_at")?,
        last_login_at: r.try_get("last_login_at")?,
        created_at: r.try_get("created_at")?,
    })
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub scope_area: Option<&'a str>,
    pub scope_org: Option<i64>,
    pub password_hash: &'a str,
    /// Set by someone else: to be changed by its holder at first login.
    pub one_time: bool,
}

pub async fn insert(conn: &mut Conn, u: &NewUser<'_>) -> Result<i64, StoreError> {
    let t = now();
    let row = sqlx::query(
        "INSERT INTO users (username, display_name, role, scope_area, scope_org, password_hash, \
         locked, must_change_password, password_changed_at, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,0,$8,$7,$7,$7) RETURNING id",
    )
    .bind(u.username)
    .bind(u.display_name)
    .bind(u.role)
    .bind(u.scope_area)
    .bind(u.scope_org)
    .bind(u.password_hash)
    .bind(t)
    .bind(u.one_time as i64)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<UserRow>, StoreError> {
    let r = sqlx::query(&format!("SELECT {COLS} {FROM} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(from_row).transpose()?)
}

pub async fn by_username(conn: &mut Conn, name: &str) -> Result<Option<UserRow>, StoreError> {
    let r = sqlx::query(&format!("SELECT {COLS} {FROM} WHERE u.username = $1"))
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(from_row).transpose()?)
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<String>,
    pub locked: Option<bool>,
}

pub async fn list(
    conn: &mut Conn,
    f: &UserFilter,
    page: PageReq,
) -> Result<Paged<UserRow>, StoreError> {
    let mut w = vec!["1=1".to_owned()];
    let mut b = Vec::new();
    if let Some(q) = &f.q {
        b.push(Bind::S(like_pattern(q)));
        let n = b.len();
        w.push(format!(
            "(u.username LIKE ${n} ESCAPE '\\' OR u.display_name LIKE ${n} ESCAPE '\\')"
        ));
    }
    if let Some(r) = &f.role {
        b.push(Bind::S(r.clone()));
        w.push(format!("u.role = ${}", b.len()));
    }
    if let Some(l) = f.locked {
        b.push(Bind::I(l as i64));
        w.push(format!("u.locked = ${}", b.len()));
    }
    let w = w.join(" AND ");
    let total: i64 = bind_all(
        sqlx::query(&format!("SELECT COUNT(*) AS n FROM users u WHERE {w}")),
        &b,
    )
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    let n = b.len();
    let sql = format!(
        "SELECT {COLS} {FROM} WHERE {w} ORDER BY u.id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows = bind_all(sqlx::query(&sql), &b)
        .bind(page.per_page)
        .bind(page.offset())
        .fetch_all(&mut *conn)
        .await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(Paged {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Sets a password; `one_time`: set by someone else, to be changed by its holder first.
pub async fn set_password(
    conn: &mut Conn,
    id: i64,
    hash: &str,
    one_time: bool,
) -> Result<(), StoreError> {
    let t = now();
    sqlx::query(
        "UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2, \
         must_change_password = $4 WHERE id = $3",
    )
    .bind(hash)
    .bind(t)
    .bind(id)
    .bind(one_time as i64)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Administrative lock (`locked`) or clearing of both the lock and a lockout.
pub async fn set_locked(conn: &mut Conn, id: i64, locked: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET locked = $1, locked_until = NULL, updated_at = $2 WHERE id = $3")
        .bind(locked as i64)
        .bind(now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_role(
    conn: &mut Conn,
    id: i64,
    role: &str,
    scope_area: Option<&str>,
    scope_org: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET role = $1, scope_area = $2, scope_org = $3, updated_at = $4 WHERE id = $5")
        .bind(role)
        .bind(scope_area)
        .bind(scope_org)
        .bind(now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_locale(conn: &mut Conn, id: i64, locale: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET locale = $1, updated_at = $2 WHERE id = $3")
        .bind(locale)
        .bind(now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn record_login(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn add_login_failure(
    conn: &mut Conn,
    username: &str,
    client: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO login_failures (username, at, client) VALUES ($1,$2,$3)")
        .bind(username)
        .bind(now())
        .bind(client)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Failures in the window: for one user name and for one client address.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailureCounts {
    pub name_failures: i64,
    pub name_last: Option<i64>,
    pub client_failures: i64,
    pub client_last: Option<i64>,
}

pub async fn login_failures_since(
    conn: &mut Conn,
    username: &str,
    client: Option<&str>,
    since: i64,
) -> Result<FailureCounts, StoreError> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n, MAX(at) AS last FROM login_failures WHERE username = $1 AND at >= $2",
    )
    .bind(username)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let mut out = FailureCounts {
        name_failures: r.try_get("n")?,
        name_last: r.try_get("last")?,
        ..Default::default()
    };
    if let Some(client) = client {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, MAX(at) AS last FROM login_failures WHERE client = $1 AND at >= $2",
        )
        .bind(client)
        .bind(since)
        .fetch_one(&mut *conn)
        .await?;
        out.client_failures = r.try_get("n")?;
        out.client_last = r.try_get("last")?;
    }
    Ok(out)
}

/// A user name or client address with failed sign-ins in the window.
#[derive(Debug, Clone)]
pub struct FailureGroup {
    /// `name` or `client`.
    pub kind: &'static str,
    pub key: String,
    pub failures: i64,
    pub last_at: i64,
}

/// User names with at least `min_name` and client addresses with at least `min_client`
/// failures since `since`, most failures first (at most 500 of each).
pub async fn failure_groups(
    conn: &mut Conn,
    since: i64,
    min_name: i64,
    min_client: i64,
) -> Result<Vec<FailureGroup>, StoreError> {
    let mut out = Vec::new();
    for (kind, col, min) in [
        ("name", "username", min_name),
        ("client", "client", min_client),
    ] {
        let sql = format!(
            "SELECT {col} AS k, COUNT(*) AS n, MAX(at) AS last FROM login_failures \
             WHERE at >= $1 AND {col} IS NOT NULL GROUP BY {col} HAVING COUNT(*) >= $2 \
             ORDER BY n DESC, k LIMIT 500"
        );
        for r in sqlx::query(&sql)
            .bind(since)
            .bind(min)
            .fetch_all(&mut *conn)
            .await?
        {
            out.push(FailureGroup {
                kind,
                key: r.try_get("k")?,
                failures: r.try_get("n")?,
                last_at: r.try_get("last")?,
            });
        }
    }
    Ok(out)
}

pub async fn clear_login_failures(conn: &mut Conn, username: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_failures WHERE username = $1")
        .bind(username)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn clear_client_failures(conn: &mut Conn, client: &str) -> Result<u64, StoreError> {
    let r = sqlx::query("DELETE FROM login_failures WHERE client = $1")
        .bind(client)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected())
}

/// Accounts holding `role` that are not locked.
pub async fn count_active_with_role(conn: &mut Conn, role: &str) -> Result<i64, StoreError> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = $1 AND locked = 0")
        .bind(role)
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.try_get("n")?)
}

pub async fn count(conn: &mut Conn) -> Result<i64, StoreError> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.try_get("n")?)
}

/// Stores a TOTP secret (encrypted by the caller); `enabled` false while enrolment is
/// unconfirmed. None clears two-factor sign-in altogether.
pub async fn set_totp(
    conn: &mut Conn,
    id: i64,
    secret_enc: Option<&str>,
    enabled: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE users SET totp_secret_enc = $1, totp_enabled = $2, totp_last_step = NULL, \
         updated_at = $3 WHERE id = $4",
    )
    .bind(secret_enc)
    .bind(enabled as i64)
    .bind(now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if secret_enc.is_none() {
        sqlx::query("DELETE FROM mfa_recovery_codes WHERE user_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Records the time step of an accepted code, only if it is later than the last one (so a
/// code is accepted once, even by two requests at the same moment). True if recorded.
pub async fn use_totp_step(conn: &mut Conn, id: i64, step: i64) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 \
         AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Replaces a user's recovery codes (their SM3 digests).
pub async fn set_recovery_codes(
    conn: &mut Conn,
    id: i64,
    hashes: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM mfa_recovery_codes WHERE user_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for h in hashes {
        sqlx::query("INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(id)
            .bind(h)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Spends one unused recovery code; true if it was there and unused.
pub async fn use_recovery_code(conn: &mut Conn, id: i64, hash: &str) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE mfa_recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 \
         AND used_at IS NULL",
    )
    .bind(now())
    .bind(id)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Unused recovery codes left.
pub async fn recovery_codes_left(conn: &mut Conn, id: i64) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("n")?)
}

/// Orders concurrent second-factor attempts of one user inside their write transactions
/// (PostgreSQL: a row lock; SQLite's single writer already orders them), so each sees the
/// failures recorded before it.
pub async fn lock_for_sign_in(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
