use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL scheme in {0}: use sqlite://PATH or postgres://…")]
    UnknownScheme(String),
    #[error("the directory for the SQLite database {0} does not exist")]
    MissingDirectory(String),
    #[error("cannot connect to the database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("migration {name} failed: {source}")]
    Migration { name: String, source: sqlx::Error },
    #[error("the database has schema version {found}, newer than this program knows ({known}); upgrade the program")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("the database has schema version {found} but this program needs {known}; a read-only server never migrates: migrate through the primary first")]
    SchemaBehind { found: i64, known: i64 },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

impl StoreError {
    /// True for a unique-constraint violation (a duplicate key).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Sql(sqlx::Error::Database(e)) => {
                e.is_unique_violation()
                    || e.message().contains("UNIQUE constraint failed")
                    || e.code().as_deref() == Some("23505")
            }
            _ => false,
        }
    }

    /// True when PostgreSQL refused a text value (a NUL byte or an invalid character in
    /// the encoding, SQLSTATE 22021 / 22P05): bad input, not a server fault.
    pub fn is_bad_text(&self) -> bool {
        match self {
            StoreError::Sql(sqlx::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some("22021") | Some("22P05"))
            }
            StoreError::Sql(sqlx::Error::Encode(_)) => true,
            _ => false,
        }
    }

    /// True for a foreign-key violation (a row still referenced elsewhere).
    pub fn is_foreign_key_violation(&self) -> bool {
        match self {
            StoreError::Sql(sqlx::Error::Database(e)) => {
                e.is_foreign_key_violation()
                    || e.message().contains("FOREIGN KEY constraint failed")
                    || e.code().as_deref() == Some("23503")
            }
            _ => false,
        }
    }
}

/// Hides the password in a database URL, for logs, errors and `sanshe config`.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((cred, host)) = rest.rsplit_once('@') {
            let user = cred.split(':').next().unwrap_or("");
            if cred.contains(':') {
                return format!("{scheme}://{user}:***@{host}");
            }
        }
    }
    url.to_owned()
}

/// When set before connecting (the server's `SANSHE_SQL_TIMING=1`), the driver reports every
/// statement with its duration at trace level under the target `sqlx::query`, for the
/// server's statement clock. Off by default: describing each statement costs a few
/// microseconds.
pub static TIME_STATEMENTS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Connection pools and the backend they talk to.
///
/// `pool` serves reads. Every write goes through [`Db::begin`], which takes a connection
/// from `writer`: on SQLite that pool holds exactly one connection, so writers queue in
/// the pool (in arrival order, for as long as `WRITE_WAIT`) instead of failing with
/// "database is locked", while readers keep reading the WAL snapshot beside them. Its
/// transactions start with `BEGIN IMMEDIATE`, so another process (a CLI import next to
/// the server) waits on the busy timeout instead of failing on a lock upgrade. On
/// PostgreSQL both names are the same pool.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub writer: AnyPool,
    /// Best-effort bookkeeping writes (a session's or token's last use, import progress):
    /// on SQLite one connection that never waits for the write lock (`busy_timeout = 0`), so
    /// such a write is skipped rather than queued behind a long import, and never holds a
    /// reader while it waits. On PostgreSQL the shared pool.
    pub bookkeeping: AnyPool,
    pub backend: Backend,
}

/// How long a write waits for its turn on SQLite (an import of a large sheet holds the
/// writer for its whole transaction; interactive saves queue behind it).
const WRITE_WAIT: Duration = Duration::from_secs(300);
const SQLITE_READ_ONLY_PRAGMAS: &str =
    "PRAGMA query_only = ON; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000;";

/// The writer's page cache: up to 64 MiB, taken only as a transaction needs it. With
/// SQLite's default (2 MiB) a large import spilled dirty pages into the WAL again and again
/// and read its own index pages back from it (a profile of a 100,000-row import: most of its
/// time in the kernel's file writes and in B-tree look-ups missing the cache).
const SQLITE_WRITER_CACHE: &str = "PRAGMA cache_size = -65536";
/// Each of the four readers: up to 16 MiB.
const SQLITE_READER_CACHE: &str = "PRAGMA cache_size = -16384";

const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;";

impl Db {
    /// Refreshes the planner's statistics after a bulk load (PostgreSQL; SQLite's planner
    /// does well without them here). Without fresh statistics PostgreSQL may choose nested
    /// loops for the target aggregates and take minutes instead of a second. `VACUUM` as well:
    /// it marks the freshly written pages all-visible, so that counts over an index (every
    /// list's total) read the index alone instead of each row's page (measured on a province's
    /// organizations: a district's count 1.19 ms before, 0.52 ms after). On tables a load did
    /// not touch it skips what is already all-visible: the whole statement took the time of
    /// `ANALYZE` alone on a province's database (about 2 s).
    pub async fn analyze(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("VACUUM (ANALYZE)").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// For a bulk write's transaction (an import): on PostgreSQL, cached generic plans again
    /// until the transaction ends. The pool plans every statement afresh (see `open`), and
    /// that setting also reaches the foreign-key checks PostgreSQL runs for every inserted
    /// row: in a profile of a 100,000-row import a quarter of the server's time was
    /// re-planning the same one-row look-up. An import's own statements gain nothing from
    /// custom plans. Nothing to do on SQLite.
    pub async fn bulk_write_plans(conn: &mut crate::Conn) -> Result<(), StoreError> {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            sqlx::query("SET LOCAL plan_cache_mode = auto")
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// Connects and applies pending migrations.
    ///
    /// `sqlite://path` (or `sqlite:path`) opens or creates a file whose directory must exist;
    /// `sqlite::memory:` is refused because a pool would see several unrelated databases.
    /// `postgres://` / `postgresql://` must reach an existing database. Anything else is an
    /// error: the program never falls back to a fresh empty database.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        Db::open(url, false).await
    }

    /// Connects for reading only (a server for the public portal and dashboards, typically on
    /// a PostgreSQL replica): every connection refuses writes — PostgreSQL's
    /// `default_transaction_read_only`, SQLite's `query_only` — and nothing is migrated; the
    /// schema must already be this program's.
    pub async fn connect_read_only(url: &str) -> Result<Db, StoreError> {
        Db::open(url, true).await
    }

    async fn open(url: &str, read_only: bool) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let redacted = redact_url(url);
        let (backend, conn_url) = if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or("");
            if path.is_empty() || path.contains(":memory:") {
                return Err(StoreError::UnknownScheme(redacted));
            }
            let parent = std::path::Path::new(path).parent();
            if let Some(dir) = parent {
                if !dir.as_os_str().is_empty() && !dir.is_dir() {
                    return Err(StoreError::MissingDirectory(path.to_owned()));
                }
            }
            // Read-only: never create a file (a mistyped path fails rather than opening an
            // empty database).
            let mode = if read_only { "rw" } else { "rwc" };
            (Backend::Sqlite, format!("sqlite://{path}?mode={mode}"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(StoreError::UnknownScheme(redacted));
        };
        let opts =
            AnyConnectOptions::from_str(&conn_url).map_err(|source| StoreError::Connect {
                url: redacted.clone(),
                source,
            })?;
        // Statements are described to the tracing layer only when the operator asked for
        // their timings (see `TIME_STATEMENTS`); otherwise never, not even slow ones.
        let opts = if TIME_STATEMENTS.load(std::sync::atomic::Ordering::Relaxed) {
            opts.log_statements(log::LevelFilter::Trace)
                .log_slow_statements(log::LevelFilter::Trace, Duration::from_secs(3600))
        } else {
            opts.disable_statement_logging()
        };
        let connect = |o: AnyPoolOptions| {
            let opts = opts.clone();
            let redacted = redacted.clone();
            async move {
                o.connect_with(opts)
                    .await
                    .map_err(|source| StoreError::Connect {
                        url: redacted,
                        source,
                    })
            }
        };
        let (pool, writer, bookkeeping) = match backend {
            Backend::Sqlite => {
                // The pool pings a connection before each use (its default). That costs a
                // round trip to the connection's thread (6 % of a small request's CPU), but it
                // is also what finishes the rollback of a request cancelled mid-transaction (a
                // client that hung up): without it the next writer found the connection still
                // inside that transaction and every later write failed (seen in the load
                // benchmark; `a_cancelled_write_leaves_the_writer_usable` guards it).
                let sqlite = |max: u32, wait: Duration, cache: &'static str| {
                    AnyPoolOptions::new()
                        .max_connections(max)
                        .acquire_timeout(wait)
                        .after_connect(move |conn, _| {
                            Box::pin(async move {
                                if read_only {
                                    // The primary chose the journal; nothing is changed here.
                                    conn.execute(SQLITE_READ_ONLY_PRAGMAS).await?;
                                } else {
                                    conn.execute(SQLITE_PRAGMAS).await?;
                                }
                                conn.execute(cache).await?;
                                Ok(())
                            })
                        })
                };
                // The writer first: it creates the file and switches it to WAL.
                let writer = connect(sqlite(1, WRITE_WAIT, SQLITE_WRITER_CACHE)).await?;
                let readers =
                    connect(sqlite(4, Duration::from_secs(30), SQLITE_READER_CACHE)).await?;
                let bookkeeping = connect(
                    AnyPoolOptions::new()
                        .max_connections(1)
                        .acquire_timeout(Duration::from_secs(2))
                        .after_connect(move |conn, _| {
                            Box::pin(async move {
                                if read_only {
                                    conn.execute(SQLITE_READ_ONLY_PRAGMAS).await?;
                                } else {
                                    conn.execute(SQLITE_PRAGMAS).await?;
                                }
                                conn.execute("PRAGMA busy_timeout = 0").await?;
                                Ok(())
                            })
                        }),
                )
                .await?;
                (readers, writer, bookkeeping)
            }
            // Subtree queries bind code ranges whose size runs from one community to the
            // whole country; a cached generic plan chosen for one is wrong for the other
            // (seen: a district's dashboard page at 208 ms instead of 34 ms after national
            // ones). Plan every execution with its actual parameters (PostgreSQL 12+).
            Backend::Postgres => {
                let pool = connect(
                    AnyPoolOptions::new()
                        .max_connections(16)
                        .acquire_timeout(Duration::from_secs(10))
                        .after_connect(move |conn, _| {
                            Box::pin(async move {
                                conn.execute("SET plan_cache_mode = force_custom_plan")
                                    .await?;
                                if read_only {
                                    conn.execute("SET default_transaction_read_only = on")
                                        .await?;
                                }
                                Ok(())
                            })
                        }),
                )
                .await?;
                (pool.clone(), pool.clone(), pool)
            }
        };
        let db = Db {
            pool,
            writer,
            bookkeeping,
            backend,
        };
        if read_only {
            let found = crate::migrate::current_version(&db.pool).await?;
            if found > crate::migrate::LATEST {
                return Err(StoreError::SchemaTooNew {
                    found,
                    known: crate::migrate::LATEST,
                });
            }
            if found < crate::migrate::LATEST {
                return Err(StoreError::SchemaBehind {
                    found,
                    known: crate::migrate::LATEST,
                });
            }
        } else {
            crate::migrate::run(&db).await?;
        }
        Ok(db)
    }

    /// A write transaction (see [`Db`]): the only way to write.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writer.begin().await?,
        })
    }

    /// A connection for a best-effort bookkeeping write (see [`Db::bookkeeping`]).
    pub async fn bookkeeping(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, StoreError> {
        Ok(self.bookkeeping.acquire().await?)
    }

    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// A cheap round trip for readiness probes.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        crate::migrate::current_version(&self.pool).await
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
        self.bookkeeping.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://sanshe.db"), "sqlite://sanshe.db");
    }
}
