//! The one import loop: every row checked, duplicates in the file and against the
//! database reported, nothing written unless every row is valid (or only valid rows are
//! asked for), the write in one unit of work.

use super::*;
use crate::authz::{self};
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome, Verb};
use sanshe_io::sheet::{self};
use sanshe_io::RowIssue;
use std::collections::HashMap;

/// Whether a checked import writes: not a dry run, some valid rows, and either no problem
/// at all or the user asked for the valid rows only.
pub fn import_writes(report: &ImportReport, opts: ImportOptions) -> bool {
    !opts.dry_run && report.valid_rows > 0 && (report.issues.is_empty() || opts.only_valid)
}

/// The audit entry's text for a written import.
pub fn import_summary(what: &str, report: &ImportReport, opts: ImportOptions) -> String {
    format!(
        "imported {} {what} ({} rows, {} issues{})",
        report.inserted,
        report.total_rows,
        report.issues.len(),
        if opts.only_valid {
            ", valid rows only"
        } else {
            ""
        }
    )
}

/// Rows checked per look-up of their keys in the registry.
const CHECK_CHUNK: usize = 1000;

/// Progress of a long import: rows checked or written so far, of the total.
pub type Progress<'a> = &'a (dyn Fn(&str, usize, usize) + Send + Sync);

/// Imports a spreadsheet: every row is checked; by default nothing is written unless every
/// row is valid (`only_valid` writes the good rows, `dry_run` writes nothing). All writes and
/// the audit entry commit in one transaction.
///
/// The sheet is read a thousand rows at a time, and each thousand's valid records are
/// written (inside the import's one transaction, uncommitted) as soon as they are checked,
/// so an import holds its file and one thousand rows, never all its cells or records. The
/// transaction opens at the first valid rows and is rolled back at the first problem
/// (unless only the valid rows are asked for); the rest is still checked, for the report.
pub async fn import<R: Registry>(
    app: &App,
    ctx: &Ctx,
    bytes: &[u8],
    opts: ImportOptions,
    progress: Option<Progress<'_>>,
) -> Result<ImportReport, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, R::WRITE)?;
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        ..Default::default()
    };
    let spec = columns(R::fields());
    let mut sheet = match sheet::open(bytes, &spec) {
        Ok(s) => s,
        Err(issue) => {
            report.issues.push(issue);
            return Ok(report);
        }
    };
    // A pooled connection only while looking up, never through the checking itself (a
    // long import must not keep a reader from the pages and the API).
    let mut conn = app.db.acquire().await?;
    // Areas once; the organizations and workers rows name, a thousand rows at a time.
    let mut refs = Refs::load(&mut conn, actor).await?;
    let cells_of = |fields: &[&str]| -> Vec<usize> {
        fields
            .iter()
            .filter_map(|k| R::fields().iter().position(|f| f.col.key == *k))
            .collect()
    };
    let (org_cols, worker_cols) = (cells_of(R::ORG_FIELDS), cells_of(R::WORKER_FIELDS));
    drop(conn);
    let headers: Vec<String> = (0..spec.len()).map(|i| sheet.header(&spec, i)).collect();
    let col_of = |field: &str| -> String {
        spec.iter()
            .position(|c| c.key == field)
            .and_then(|i| headers.get(i).cloned())
            .unwrap_or_default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Issues naming an existing record: (issue index, record id), settled after the loop.
    let mut dups: Vec<(usize, i64)> = Vec::new();
    // The import's writes: its transaction, open from the first valid rows while they may be
    // written, and the previous thousand's write running beside this thousand's check.
    let mut w: Writer<R> = Writer {
        tx: None,
        pending: None,
        writing: !opts.dry_run,
        error: None,
        first_id: None,
        last_id: 0,
        registry: std::marker::PhantomData,
    };
    let estimate = sheet.estimate();
    // A thousand rows at a time: read, their keys looked up in the registry by index (not
    // the whole registry's keys in memory), checked in file order, and written.
    loop {
        let mut rows = Vec::with_capacity(CHECK_CHUNK);
        while rows.len() < CHECK_CHUNK {
            match sheet.next() {
                None => break,
                Some(Ok(sheet::Item::Row(r))) => rows.push(r),
                Some(Ok(sheet::Item::Example(line))) => {
                    report.issues.push(sheet::example_issue(line))
                }
                Some(Err(issue)) => {
                    // The sheet itself is unreadable past this point: the one issue, and
                    // nothing written (dropping the transaction rolls it back).
                    w.abandon().await;
                    return Ok(ImportReport {
                        dry_run: opts.dry_run,
                        issues: vec![issue],
                        ..Default::default()
                    });
                }
            }
        }
        if rows.is_empty() {
            break;
        }
        if let Some(p) = progress {
            p("check", report.total_rows, estimate.max(report.total_rows));
        }
        report.total_rows += rows.len();
        if !org_cols.is_empty() || !worker_cols.is_empty() {
            let pick = |cols: &[usize]| -> Vec<&str> {
                rows.iter()
                    .flat_map(|r| cols.iter().filter_map(|i| r.cells.get(*i)))
                    .map(String::as_str)
                    .filter(|c| !c.trim().is_empty())
                    .collect()
            };
            let mut conn = app.db.acquire().await?;
            refs.fill(app, &mut conn, actor, &pick(&org_cols), &pick(&worker_cols))
                .await?;
        }
        let parsed: Vec<_> = rows
            .iter()
            .map(|row| R::parse(app, actor, &refs, &row.cells, None))
            .collect();
        let keys: Vec<String> = parsed
            .iter()
            .filter_map(|d| d.as_ref().ok())
            .flat_map(R::keys)
            .collect();
        let existing: HashMap<String, i64> = if keys.is_empty() {
            HashMap::new()
        } else {
            // A pooled reader, not the import's own transaction: that one would also see the
            // rows this import has written, and a registry looked up by area (facilities)
            // would read them all again for every thousand (measured: 35 s instead of 4 s
            // for 100,000 facilities). The file's own duplicates are found by `seen`.
            let mut conn = app.db.acquire().await?;
            R::existing_for(&mut conn, &keys)
                .await?
                .into_iter()
                .collect()
        };
        let mut valid: Vec<R::Data> = Vec::new();
        for (row, d) in rows.iter().zip(parsed) {
            let d = match d {
                Ok(d) => d,
                Err(errs) => {
                    for e in errs {
                        let col = col_of(&e.field);
                        report.issues.push(issue(row.line, &col, e));
                    }
                    continue;
                }
            };
            if !R::can_create(actor, R::data_area(&d)) {
                report
                    .issues
                    .push(RowIssue::new(row.line, "", "err-row-out-of-scope"));
                continue;
            }
            let keys = R::keys(&d);
            let mut bad = false;
            for key in &keys {
                let col = col_of(key_field(key, R::fields()));
                if let Some(first) = seen.get(key) {
                    report.issues.push(
                        RowIssue::new(row.line, &col, "err-duplicate-in-file").arg("row", first),
                    );
                    bad = true;
                } else if let Some(id) = existing.get(key) {
                    // A row matching an existing record on several keys is one existing row.
                    if !bad {
                        report.existing_rows += 1;
                    }
                    dups.push((report.issues.len(), *id));
                    report
                        .issues
                        .push(RowIssue::new(row.line, &col, "err-duplicate-record").arg("id", id));
                    bad = true;
                }
            }
            if bad {
                continue;
            }
            for key in keys {
                seen.insert(key, row.line);
            }
            valid.push(d);
        }
        drop(rows);
        report.valid_rows += valid.len();
        // The previous thousand's write ran while this thousand was read and checked.
        w.settle().await?;
        // A problem anywhere means nothing is written, unless only the valid rows are.
        if w.writing && !opts.only_valid && !report.issues.is_empty() {
            w.abandon().await;
        }
        if w.writing && !valid.is_empty() {
            w.start(app, valid, opts.demo).await?;
        }
    }
    w.settle().await?;
    // A duplicate of a record out of the actor's reach says so without naming it.
    if !dups.is_empty() {
        let mut conn = app.db.acquire().await?;
        let mut seen_ids: HashMap<i64, bool> = HashMap::new();
        for (i, id) in dups {
            let visible = match seen_ids.get(&id) {
                Some(v) => *v,
                None => {
                    let v = super::visible::<R>(&mut conn, actor, id).await?;
                    seen_ids.insert(id, v);
                    v
                }
            };
            if !visible {
                let old = &report.issues[i];
                report.issues[i] = RowIssue::new(old.row, &old.column, "err-duplicate-elsewhere");
            }
        }
    }
    // Issues by row, once the rewrite above (by position) is done.
    report.issues.sort_by_key(|i| i.row);
    if let Some(e) = w.error.filter(|_| import_writes(&report, opts)) {
        return Err(e);
    }
    let Some(tx) = w.tx.filter(|_| import_writes(&report, opts)) else {
        return Ok(report);
    };
    if let Some(p) = progress {
        p("write", report.valid_rows, report.valid_rows);
    }
    report.inserted = report.valid_rows;
    tx.commit(ctx.audit_entry(
        Action::Record {
            object: R::OBJECT,
            verb: Verb::Import,
        },
        w.first_id.map(|f| format!("{f}-{}", w.last_id)),
        import_summary(R::KIND, &report, opts),
        Outcome::Success,
    ))
    .await?;
    if report.valid_rows >= 10_000 {
        app.db.analyze().await?;
    }
    report.committed = true;
    Ok(report)
}

/// An import's writing: its one transaction, and at most one thousand rows' write in
/// flight, on a task of its own so that the next thousand is read and checked meanwhile (on
/// SQLite the statements run on the writer connection's thread, on PostgreSQL in the server;
/// either way the checking no longer waits for them).
struct Writer<R: Registry> {
    /// The transaction, while no write is in flight (the write task holds it meanwhile).
    tx: Option<crate::uow::Uow>,
    pending: Option<tokio::task::JoinHandle<Written>>,
    /// Whether rows are still written: not a dry run, no problem yet (unless only the
    /// valid rows are asked for), no write refused.
    writing: bool,
    /// A write the database refused (a record saved meanwhile with the same key).
    error: Option<AppError>,
    first_id: Option<i64>,
    last_id: i64,
    registry: std::marker::PhantomData<fn() -> R>,
}

/// A finished write: the transaction back, and the new ids or the database's refusal.
type Written = (crate::uow::Uow, Result<Vec<i64>, sanshe_store::StoreError>);

impl<R: Registry> Writer<R> {
    /// Waits for the write in flight and takes its outcome: the new ids, or (refused) the
    /// end of the writing: the transaction is rolled back and the error stands only if the
    /// import would have committed; a file with problems still gets its report.
    async fn settle(&mut self) -> Result<(), AppError> {
        let Some(h) = self.pending.take() else {
            return Ok(());
        };
        let (tx, res) = h
            .await
            .map_err(|e| AppError::Internal(format!("import write: {e}")))?;
        match res {
            Ok(ids) => {
                for id in ids {
                    self.first_id = Some(self.first_id.map_or(id, |f| f.min(id)));
                    self.last_id = self.last_id.max(id);
                }
                self.tx = Some(tx);
            }
            Err(e) => {
                drop(tx);
                self.writing = false;
                self.error = Some(e.into());
            }
        }
        Ok(())
    }

    /// Writes nothing more: the write in flight is waited for and everything rolled back.
    async fn abandon(&mut self) {
        self.writing = false;
        if let Some(h) = self.pending.take() {
            // Its outcome no longer matters: the transaction it returns is dropped.
            let _ = h.await;
        }
        self.tx = None;
    }

    /// Starts writing `valid` (the transaction begun with the first of them).
    async fn start(&mut self, app: &App, valid: Vec<R::Data>, demo: bool) -> Result<(), AppError> {
        let mut tx = match self.tx.take() {
            Some(tx) => tx,
            None => {
                let mut t = crate::uow::Uow::begin(app).await?;
                sanshe_store::Db::bulk_write_plans(&mut t).await?;
                t
            }
        };
        self.pending = Some(tokio::spawn(async move {
            let res = R::insert_batch(&mut tx, &valid, demo).await;
            (tx, res)
        }));
        Ok(())
    }
}

/// The XLSX template of a registry: Chinese headers and one example row.
pub fn template<R: Registry>(example: &[&str]) -> Result<Vec<u8>, AppError> {
    sheet::template(R::KIND, &columns(R::fields()), example)
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Imports into the registry of this kind (`facilities`, `orgs`, …; see [`super::kinds`]).
pub async fn import_kind(
    app: &App,
    ctx: &Ctx,
    kind: &str,
    bytes: &[u8],
    opts: ImportOptions,
    progress: Option<Progress<'_>>,
) -> Result<ImportReport, AppError> {
    type Fut<'a> = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<ImportReport, AppError>> + Send + 'a>,
    >;
    struct Pick<'a> {
        kind: &'a str,
        app: &'a App,
        ctx: &'a Ctx,
        bytes: &'a [u8],
        opts: ImportOptions,
        progress: Option<Progress<'a>>,
        fut: Option<Fut<'a>>,
    }
    impl<'a> Visit for Pick<'a> {
        fn visit<R: Registry>(&mut self) {
            if R::KIND == self.kind {
                self.fut = Some(Box::pin(import::<R>(
                    self.app,
                    self.ctx,
                    self.bytes,
                    self.opts,
                    self.progress,
                )));
            }
        }
    }
    let mut pick = Pick {
        kind,
        app,
        ctx,
        bytes,
        opts,
        progress,
        fut: None,
    };
    each(&mut pick);
    match pick.fut {
        Some(f) => f.await,
        None => Err(AppError::NotFound),
    }
}
