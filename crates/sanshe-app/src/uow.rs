//! The unit of work: the one door every write goes through.
//!
//! A [`Uow`] is a write transaction (on SQLite: the single writer connection, `BEGIN
//! IMMEDIATE`; on PostgreSQL: a pooled connection). It can only be committed together with
//! an audit entry ([`Uow::commit`]); dropping it without committing rolls everything back.
//! Each audit entry is appended to a hash chain: its `hash` is SM3 over the previous entry's
//! hash and the entry's own canonical content, computed here under a lock that orders
//! concurrent writers (a PostgreSQL advisory transaction lock; SQLite's write lock), so the
//! chain is correct however many servers write at once. `sanshe audit verify` walks it.

use crate::AppError;
use sanshe_store::audit::{self as store, NewAuditEntry};
use sanshe_store::{Any, Conn, StoreError, Transaction};
use sm3::{Digest, Sm3};
use std::ops::{Deref, DerefMut};

pub struct Uow {
    tx: Transaction<'static, Any>,
    /// Entries recorded during the unit, appended to the chain at commit.
    pending: Vec<NewAuditEntry>,
}

impl Uow {
    pub async fn begin(app: &crate::App) -> Result<Uow, AppError> {
        Ok(Uow {
            tx: app.db.begin().await?,
            pending: Vec::new(),
        })
    }

    /// Records an audit entry of this unit (for a change that records more than one; the
    /// last one is given to [`Uow::commit`]). Every entry is appended at commit: the chain's
    /// lock is always the last lock a unit takes, so units that also lock rows (a user, a
    /// foundation) cannot deadlock on it.
    pub fn audit(&mut self, e: &NewAuditEntry) {
        self.pending.push(e.clone());
    }

    /// Appends the unit's audit entries, the closing one last, and commits the whole unit.
    pub async fn commit(mut self, e: NewAuditEntry) -> Result<(), AppError> {
        // A request body with a field out of its schema's bounds writes nothing, even where
        // the operation ignores that field (`authz::body_checked`); the unit rolls back.
        crate::authz::granted()?;
        self.pending.push(e);
        for entry in &self.pending {
            append(&mut self.tx, entry).await?;
        }
        self.tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }
}

impl Deref for Uow {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.tx
    }
}

impl DerefMut for Uow {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.tx
    }
}

/// A write transaction for derived data only: counts stored so that readers need not
/// recompute them from the records (the targets' roll-ups). It changes no record, so it has
/// no audit entry; nothing else may use it.
pub(crate) async fn derived(app: &crate::App) -> Result<Transaction<'static, Any>, AppError> {
    Ok(app.db.begin().await?)
}

/// Commits a [`derived`] transaction.
pub(crate) async fn commit_derived(tx: Transaction<'static, Any>) -> Result<(), AppError> {
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Appends one chained entry inside the caller's transaction.
async fn append(conn: &mut Conn, e: &NewAuditEntry) -> Result<i64, StoreError> {
    store::lock_chain(conn).await?;
    let prev = store::head_hash(conn).await?;
    let at = store::now();
    let hash = entry_hash(prev.as_deref().unwrap_or(""), e, at);
    let id = store::append_chained(conn, e, at, &hash).await?;
    if prev.is_none() {
        store::mark_chain_start(conn, id).await?;
    }
    Ok(id)
}

/// The canonical content of an entry: every field, each preceded by its length in bytes
/// (so no two different entries share a text), a missing value written as `-1:`.
pub fn canonical(e: &NewAuditEntry, at: i64) -> String {
    let mut s = String::new();
    let mut field = |v: Option<&str>| match v {
        Some(v) => {
            s.push_str(&v.len().to_string());
            s.push(':');
            s.push_str(v);
        }
        None => s.push_str("-1:"),
    };
    field(Some(&at.to_string()));
    field(e.actor_id.map(|i| i.to_string()).as_deref());
    field(Some(&e.actor_name));
    field(Some(&e.action));
    field(Some(&e.object_type));
    field(e.object_id.as_deref());
    field(Some(&e.summary));
    field(Some(&e.outcome));
    field(e.client.as_deref());
    field(e.request_id.as_deref());
    s
}

/// SM3(previous hash ‖ canonical content), lowercase hex.
pub fn entry_hash(prev: &str, e: &NewAuditEntry, at: i64) -> String {
    let mut h = Sm3::new();
    h.update(prev.as_bytes());
    h.update(canonical(e, at).as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What a walk of the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Entries checked (those with a hash).
    pub checked: u64,
    /// Entries written before the chain existed (no hash), all before the first chained one.
    pub unchained: u64,
    /// The newest entry's hash: write it down outside the database to anchor the chain.
    pub head: Option<String>,
    /// The first entry whose hash does not follow from its content and its predecessor:
    /// it was edited, or an entry before it was deleted or inserted out of order.
    pub first_broken: Option<i64>,
}

/// Walks the whole log in id order, in batches.
pub async fn verify(app: &crate::App) -> Result<ChainReport, AppError> {
    let mut c = app.db.acquire().await?;
    let mut r = ChainReport {
        checked: 0,
        unchained: 0,
        head: None,
        first_broken: None,
    };
    let mut after = 0;
    let mut prev: Option<String> = None;
    // From here on every entry must carry a hash (blanking hashes is not "before the chain").
    let start = store::chain_start(&mut c).await?;
    loop {
        let batch = store::chain_batch(&mut c, after, 5_000).await?;
        if batch.is_empty() {
            break;
        }
        for row in &batch {
            after = row.id;
            match (&row.hash, &prev) {
                (None, _) if start.is_some_and(|s| row.id >= s) => {
                    r.first_broken.get_or_insert(row.id);
                }
                (None, None) => r.unchained += 1,
                (None, Some(_)) => {
                    // An unhashed entry after the chain started was inserted behind its back.
                    r.first_broken.get_or_insert(row.id);
                }
                (Some(h), p) => {
                    r.checked += 1;
                    let want = entry_hash(p.as_deref().unwrap_or(""), &row.entry, row.at);
                    if &want != h {
                        r.first_broken.get_or_insert(row.id);
                    }
                    prev = Some(h.clone());
                }
            }
        }
        if r.first_broken.is_some() {
            break;
        }
    }
    r.head = prev;
    Ok(r)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn e(summary: &str) -> NewAuditEntry {
        NewAuditEntry {
            actor_id: Some(1),
            actor_name: "a".into(),
            action: "x.y".into(),
            object_type: "x".into(),
            object_id: None,
            summary: summary.into(),
            outcome: "success".into(),
            client: None,
            request_id: Some("r".into()),
        }
    }

    /// The one door: no use case opens its own write transaction or commits one.
    #[test]
    fn every_write_in_the_app_layer_goes_through_the_unit_of_work() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut offenders = Vec::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.file_name().is_some_and(|n| n == "uow.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for (i, line) in text.lines().enumerate() {
                    if line.contains("db.begin()")
                        || line.contains(".commit().await")
                        || line.contains("audit::append_chained")
                        || line.contains("db.writer")
                    {
                        offenders.push(format!("{}:{}: {}", p.display(), i + 1, line.trim()));
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "writes outside the unit of work:\n{}",
            offenders.join("\n")
        );
    }

    #[test]
    fn hash_depends_on_predecessor_and_every_field() {
        let a = entry_hash("", &e("one"), 10);
        assert_eq!(a.len(), 64);
        assert_ne!(a, entry_hash("00", &e("one"), 10));
        assert_ne!(a, entry_hash("", &e("one "), 10));
        assert_ne!(a, entry_hash("", &e("one"), 11));
        let mut moved = e("one");
        moved.object_id = Some(String::new());
        assert_ne!(a, entry_hash("", &moved, 10), "None and empty differ");
        // Field boundaries cannot be shifted between fields.
        let mut x = e("b");
        x.actor_name = "ab".into();
        let mut y = e("ab");
        y.actor_name = "a".into();
        assert_ne!(canonical(&x, 1), canonical(&y, 1));
    }
}
