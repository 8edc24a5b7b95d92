//! The public, no-login portal: the district's headline policy targets and anonymous
//! figures of residents' needs. Nothing here names a person or a single record; the purchase
//! work's transparency pages will join it.

use crate::{needs, targets, App, AppError, Ctx};
use sanshe_domain::targets::TargetResult;
use sanshe_store::needs::StatCell;

#[derive(Clone)]
pub struct Overview {
    pub code: String,
    pub name: String,
    pub year: i64,
    pub targets: Vec<TargetResult>,
    pub needs: Vec<StatCell>,
}

/// The district shown to the public: the first district-level area (None before any import).
pub async fn district(app: &App) -> Result<Option<(String, String)>, AppError> {
    let mut c = app.db.acquire().await?;
    Ok(sanshe_store::areas::root_names(&mut c)
        .await?
        .into_iter()
        .find(|(_, _, level)| level == "district")
        .map(|(code, name, _)| (code, name)))
}

/// Anonymous visitors share one computation a minute (the portal must not be a cheap way
/// to make the server compute a dashboard per request).
#[derive(Default)]
pub struct Cache(std::sync::Mutex<Option<(i64, Option<Overview>)>>);

const CACHE_SECS: i64 = 60;

pub async fn overview(app: &App) -> Result<Option<Overview>, AppError> {
    let now = sanshe_store::audit::now();
    if let Ok(g) = app.public_cache.0.lock() {
        if let Some((at, o)) = g.as_ref() {
            if now - at < CACHE_SECS {
                return Ok(o.clone());
            }
        }
    }
    let fresh = compute(app).await?;
    if let Ok(mut g) = app.public_cache.0.lock() {
        *g = Some((now, fresh.clone()));
    }
    Ok(fresh)
}

async fn compute(app: &App) -> Result<Option<Overview>, AppError> {
    let Some((code, name)) = district(app).await? else {
        return Ok(None);
    };
    let year = crate::current_year();
    // Read with the system's reach: the portal shows district totals only.
    let d = targets::dashboard(app, &Ctx::system(), &code, year, false).await?;
    let needs = needs::public_stats(app, &code).await?;
    Ok(Some(Overview {
        code,
        name,
        year: d.year,
        targets: d.area.results,
        needs,
    }))
}
