//! Sanshe application layer: use cases per module. Every use case takes a [`Ctx`] (who is
//! acting, from where), asks [`authz`] whether the action is allowed, runs its writes in one
//! transaction together with the audit entry, and returns domain-level errors.

pub mod accounts;
pub mod areas;
pub mod attachments;
pub mod audit;
pub mod authz;
pub mod calendar;
pub mod config;
mod ctx;
pub mod demo;
mod error;
pub mod facilities;
pub mod facts;
pub mod generate;
pub mod i18n;
pub mod inbox;
pub mod jobs;
pub mod needs;
pub mod orgs;
pub mod pii;
pub mod posts;
pub mod public;
pub mod purchase;
pub mod registry;
pub mod scheduler;
pub mod security;
pub mod targets;
pub mod uow;
pub mod workers;
pub mod workflow;

pub use ctx::{Actor, Ctx};
pub use error::AppError;
pub use sanshe_store as store;

use sanshe_store::Db;
use std::sync::Arc;

/// Everything a use case needs: the database and the effective settings.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub settings: Arc<config::Settings>,
    pub pii: Arc<pii::PiiKeys>,
    /// The public portal's figures, recomputed at most once a minute.
    pub public_cache: Arc<public::Cache>,
    pub feed_cache: Arc<purchase::ocds::FeedCache>,
}

impl App {
    /// Opens the database (migrating it) and the personal-data key. One key everywhere: the
    /// database records the ids of the keys it holds data under, and a process whose key is
    /// not among them refuses to start (it would write what nobody can read, and insert
    /// people again because it cannot match their blind index).
    pub async fn open(settings: config::Settings) -> Result<App, AppError> {
        let db = if settings.read_only {
            Db::connect_read_only(settings.database_url.expose()).await?
        } else {
            Db::connect(settings.database_url.expose()).await?
        };
        let (recorded_table, in_use) = {
            let mut c = db.acquire().await?;
            (
                sanshe_store::pii_keys::recorded(&mut c).await?,
                sanshe_store::pii_keys::key_in_use(&mut c).await?,
            )
        };
        let mut recorded = recorded_table.clone();
        if recorded.is_empty() {
            recorded.extend(in_use);
        }
        let pii = pii::PiiKeys::load(
            settings.pii_key.as_ref().map(|s| s.expose()),
            settings.pii_previous_key.as_ref().map(|s| s.expose()),
            &settings.data_dir,
            // A read-only server never creates a key file: the primary's key is the one.
            recorded.is_empty() && !settings.read_only,
        )?;
        let current = pii.key_id().to_owned();
        let known = |id: &str| recorded.iter().any(|r| r == id);
        if !recorded.is_empty() && !known(&current) && !pii.previous_id().is_some_and(known) {
            return Err(AppError::Internal(format!(
                "the personal-data key in use (id {current}) is not the one this database was \
                 written with (id {}): check SANSHE_PII_KEY, pii_key or the data_dir holding \
                 pii.key",
                recorded.join(", ")
            )));
        }
        // Recorded in the table unless it is there already (a key found only in the
        // ciphertexts of an older database is recorded too).
        let first_use = !recorded_table.contains(&current);
        let app = App {
            db,
            settings: Arc::new(settings),
            pii: Arc::new(pii),
            public_cache: Arc::new(public::Cache::default()),
            feed_cache: Arc::new(purchase::ocds::FeedCache::default()),
        };
        if app.settings.read_only {
            // Nothing is written: the primary records the key and fills what is missing.
            return Ok(app);
        }
        if first_use {
            let mut tx = uow::Uow::begin(&app).await?;
            sanshe_store::pii_keys::record(&mut tx, &current).await?;
            tx.commit(Ctx::system().audit_entry(
                sanshe_domain::audit::Action::PiiKeyRecorded,
                Some(current.clone()),
                format!("personal-data key {current} recorded as this database's key"),
                sanshe_domain::audit::Outcome::Success,
            ))
            .await?;
        }
        app.fill_open_profiles().await?;
        app.fill_name_keys().await?;
        Ok(app)
    }

    /// Organizations saved before name keys were kept get theirs, in batches, once.
    async fn fill_name_keys(&self) -> Result<(), AppError> {
        let mut after = 0;
        loop {
            let batch = {
                let mut c = self.db.acquire().await?;
                sanshe_store::orgs::missing_name_keys(&mut c, after, 5_000).await?
            };
            let Some(last) = batch.last().map(|b| b.0) else {
                return Ok(());
            };
            after = last;
            let mut tx = uow::Uow::begin(self).await?;
            sanshe_store::orgs::set_name_keys(&mut tx, &batch).await?;
            tx.commit(Ctx::system().audit_entry(
                sanshe_domain::audit::Action::OrgNameKeys,
                None,
                format!("name keys computed for {} organizations", batch.len()),
                sanshe_domain::audit::Outcome::Success,
            ))
            .await?;
        }
    }

    /// Facilities saved before open profiles were kept get theirs, in batches, once.
    async fn fill_open_profiles(&self) -> Result<(), AppError> {
        let mut after = 0;
        loop {
            let batch = {
                let mut c = self.db.acquire().await?;
                sanshe_store::facilities::missing_open_profiles(&mut c, after, 5_000).await?
            };
            let Some(last) = batch.last().map(|b| b.0) else {
                return Ok(());
            };
            after = last;
            let profiles: Vec<(i64, String)> = batch
                .into_iter()
                .map(|(id, h)| (id, sanshe_store::facilities::open_profile(&h)))
                .collect();
            let mut tx = uow::Uow::begin(self).await?;
            sanshe_store::facilities::set_open_profiles(&mut tx, &profiles).await?;
            tx.commit(Ctx::system().audit_entry(
                sanshe_domain::audit::Action::FacilityOpenProfiles,
                None,
                format!(
                    "opening profiles computed for {} facilities",
                    profiles.len()
                ),
                sanshe_domain::audit::Outcome::Success,
            ))
            .await?;
        }
    }
}

/// Current calendar year in China Standard Time.
pub fn current_year() -> i64 {
    let now = sanshe_store::audit::now() + 8 * 3600;
    // days since epoch → civil year (Howard Hinnant's algorithm, year part only)
    let days = now.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(m <= 2)
}
