//! Long imports started from a page run as jobs. Their progress and report are kept in the
//! database (`import_jobs`), so behind a load balancer any server shows any job; the import
//! itself runs on the server that received the file. Progress is flushed at most about once
//! a second by a background task (on SQLite it may wait behind the import's own write
//! transaction, open from the import's first valid thousand rows to its commit or its first
//! problem: the page then shows the last count until the import ends). Jobs belong
//! to the account that started them; finished ones are kept a day.

use crate::areas::ImportReport;
use crate::uow::Uow;
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_store::import_jobs::{self as store, JobRow};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct Job {
    pub owner: Option<i64>,
    /// The registry (`facilities`, …).
    pub kind: String,
    /// `check` or `write`.
    pub stage: String,
    pub done: usize,
    pub total: usize,
    pub started: i64,
    pub finished: Option<i64>,
    pub report: Option<ImportReport>,
    /// A failure that is not a row problem.
    pub error: Option<String>,
}

/// The latest progress of a running job, shared between the import (which sets it) and the
/// task that writes it to the database.
#[derive(Clone, Default)]
pub struct Progress(Arc<Mutex<Option<(String, usize, usize)>>>);

impl Progress {
    pub fn set(&self, stage: &str, done: usize, total: usize) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some((stage.to_owned(), done, total));
        }
    }
    fn take(&self) -> Option<(String, usize, usize)> {
        self.0.lock().ok().and_then(|mut g| g.take())
    }
}

/// Records a new job and starts flushing its progress; returns its id.
pub async fn start(
    app: &App,
    ctx: &Ctx,
    owner: Option<i64>,
    kind: &str,
) -> Result<(String, Progress), AppError> {
    let id = crate::security::random_hex(8)?;
    let mut c = Uow::begin(app).await?;
    store::insert(
        &mut c,
        &JobRow {
            id: id.clone(),
            owner,
            kind: kind.into(),
            stage: "check".into(),
            started: sanshe_store::audit::now(),
            ..Default::default()
        },
    )
    .await?;
    c.commit(ctx.audit_entry(
        Action::ImportJobStart,
        Some(id.clone()),
        format!("{kind} import started"),
        Outcome::Success,
    ))
    .await?;
    let progress = Progress::default();
    let (p, app2, jid) = (progress.clone(), app.clone(), id.clone());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
            // Stops when the job is finished (the import dropped its handle) or gone.
            if Arc::strong_count(&p.0) == 1 {
                break;
            }
            if let Some((stage, done, total)) = p.take() {
                if let Ok(mut c) = app2.db.bookkeeping().await {
                    if let Err(e) =
                        store::progress(&mut c, &jid, &stage, done as i64, total as i64).await
                    {
                        tracing::debug!(error = %e, "job progress not recorded");
                    }
                }
            }
        }
    });
    Ok((id, progress))
}

/// Records the outcome.
pub async fn finish(
    app: &App,
    ctx: &Ctx,
    id: &str,
    result: Result<ImportReport, String>,
) -> Result<(), AppError> {
    let (report, error) = match result {
        Ok(r) => (
            Some(serde_json::to_string(&r).map_err(|e| AppError::Internal(e.to_string()))?),
            None,
        ),
        Err(e) => (None, Some(e)),
    };
    let failed = error.is_some();
    let mut c = Uow::begin(app).await?;
    store::finish(
        &mut c,
        id,
        report.as_deref(),
        error.as_deref(),
        sanshe_store::audit::now(),
    )
    .await?;
    c.commit(ctx.audit_entry(
        Action::ImportJobFinish,
        Some(id.to_owned()),
        error.unwrap_or_else(|| "import job finished".into()),
        if failed {
            Outcome::Failure
        } else {
            Outcome::Success
        },
    ))
    .await
}

/// The job, if it exists and belongs to `owner` (anyone else: not found).
pub async fn get(app: &App, id: &str, owner: Option<i64>) -> Result<Option<Job>, AppError> {
    let mut c = app.db.acquire().await?;
    let Some(j) = store::get(&mut c, id).await? else {
        return Ok(None);
    };
    if j.owner != owner {
        return Ok(None);
    }
    let report = match &j.report {
        Some(r) => Some(
            serde_json::from_str::<ImportReport>(r)
                .map_err(|e| AppError::Internal(format!("job {id}: {e}")))?,
        ),
        None => None,
    };
    Ok(Some(Job {
        owner: j.owner,
        kind: j.kind,
        stage: j.stage,
        done: j.done.max(0) as usize,
        total: j.total.max(0) as usize,
        started: j.started,
        finished: j.finished,
        report,
        error: j.error,
    }))
}
