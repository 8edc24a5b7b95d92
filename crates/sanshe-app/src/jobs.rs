//! Long-running work started from a page (large imports): progress kept in memory so the
//! browser can follow it on a page that refreshes itself. Jobs belong to the account that
//! started them and are forgotten an hour after they finish. In-memory on purpose: a job is
//! tied to the server process running it (behind a load balancer, use sticky sessions for
//! the import page, or the CLI/API for very large files).

use crate::registry::ImportReport;
use std::collections::HashMap;
use std::sync::Mutex;

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
    /// A failure that is not a row problem (message key or text).
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct Jobs {
    map: Mutex<HashMap<String, Job>>,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        // A panic while holding the lock cannot leave a job half-updated in a way that
        // matters (each update is one assignment), so a poisoned lock is still usable.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn start(&self, owner: Option<i64>, kind: &str) -> Result<String, crate::AppError> {
        let id = crate::security::random_hex(8)?;
        let now = sanshe_store::audit::now();
        let mut m = self.lock();
        m.retain(|_, j| j.finished.is_none_or(|f| now - f < 3600));
        m.insert(
            id.clone(),
            Job {
                owner,
                kind: kind.into(),
                stage: "check".into(),
                started: now,
                ..Default::default()
            },
        );
        Ok(id)
    }

    pub fn progress(&self, id: &str, stage: &str, done: usize, total: usize) {
        if let Some(j) = self.lock().get_mut(id) {
            j.stage = stage.into();
            j.done = done;
            j.total = total;
        }
    }

    pub fn finish(&self, id: &str, result: Result<ImportReport, String>) {
        if let Some(j) = self.lock().get_mut(id) {
            j.finished = Some(sanshe_store::audit::now());
            match result {
                Ok(r) => j.report = Some(r),
                Err(e) => j.error = Some(e),
            }
        }
    }

    /// The job, if it exists and belongs to `owner`.
    pub fn get(&self, id: &str, owner: Option<i64>) -> Option<Job> {
        self.lock().get(id).filter(|j| j.owner == owner).cloned()
    }
}
