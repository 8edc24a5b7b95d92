//! One migration sequence for both backends. Each migration is portable SQL plus an optional
//! backend-specific part (triggers); it runs in one transaction with its version row.

use crate::{Backend, Db, StoreError};
use sqlx::{AnyPool, Row};

struct Migration {
    version: i64,
    name: &'static str,
    common: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        common: include_str!("../migrations/0001_foundation.sql"),
        sqlite: include_str!("../migrations/0001_foundation.sqlite.sql"),
        postgres: include_str!("../migrations/0001_foundation.postgres.sql"),
    },
    Migration {
        version: 2,
        name: "registries",
        common: include_str!("../migrations/0002_registries.sql"),
        sqlite: include_str!("../migrations/0002_registries.sqlite.sql"),
        postgres: include_str!("../migrations/0002_registries.postgres.sql"),
    },
    Migration {
        version: 3,
        name: "scale_indexes",
        common: include_str!("../migrations/0003_scale_indexes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 4,
        name: "kernel",
        common: include_str!("../migrations/0004_kernel.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 5,
        name: "needs",
        common: include_str!("../migrations/0005_needs.sql"),
        sqlite: include_str!("../migrations/0005_needs.sqlite.sql"),
        postgres: include_str!("../migrations/0005_needs.postgres.sql"),
    },
    Migration {
        version: 6,
        name: "attachments",
        common: include_str!("../migrations/0006_attachments.sql"),
        sqlite: include_str!("../migrations/0006_attachments.sqlite.sql"),
        postgres: include_str!("../migrations/0006_attachments.postgres.sql"),
    },
    Migration {
        version: 7,
        name: "hardening",
        common: include_str!("../migrations/0007_hardening.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 8,
        name: "purchase",
        common: include_str!("../migrations/0008_purchase.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 9,
        name: "panels",
        common: include_str!("../migrations/0009_panels.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 10,
        name: "awards",
        common: include_str!("../migrations/0010_awards.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 11,
        name: "contracts",
        common: include_str!("../migrations/0011_contracts.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 12,
        name: "delivery",
        common: include_str!("../migrations/0012_delivery.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 13,
        name: "questions",
        common: include_str!("../migrations/0013_questions.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 14,
        name: "rubric",
        common: include_str!("../migrations/0014_rubric.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 15,
        name: "panel_seats",
        common: include_str!("../migrations/0015_panel_seats.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 16,
        name: "day_hours",
        common: include_str!("../migrations/0016_day_hours.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 17,
        name: "evaluations",
        common: include_str!("../migrations/0017_evaluations.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 18,
        name: "venture",
        common: include_str!("../migrations/0018_venture.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 19,
        name: "ratings",
        common: include_str!("../migrations/0019_ratings.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 20,
        name: "award_lists",
        common: include_str!("../migrations/0020_award_lists.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 21,
        name: "assessment",
        common: include_str!("../migrations/0021_assessment.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 22,
        name: "evaluation_rules",
        common: include_str!("../migrations/0022_evaluation_rules.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 23,
        name: "tallies",
        common: include_str!("../migrations/0023_tallies.sql"),
        sqlite: include_str!("../migrations/0023_tallies.sqlite.sql"),
        postgres: include_str!("../migrations/0023_tallies.postgres.sql"),
    },
    Migration {
        version: 24,
        name: "agency_ties",
        common: include_str!("../migrations/0024_agency_ties.sql"),
        sqlite: include_str!("../migrations/0024_agency_ties.sqlite.sql"),
        postgres: include_str!("../migrations/0024_agency_ties.postgres.sql"),
    },
];

pub const LATEST: i64 = 24;

fn render(sql: &str, backend: Backend) -> String {
    let pk = match backend {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    };
    sql.replace("{pk}", pk)
}

/// Splits a script into statements at `;` line ends, keeping `$$ … $$` bodies and
/// SQLite `BEGIN … END;` trigger bodies whole.
fn statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_dollar = false;
    let mut in_trigger = false;
    for line in script.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("--") || trimmed.is_empty() {
            continue;
        }
        if trimmed.matches("$$").count() % 2 == 1 {
            in_dollar = !in_dollar;
        }
        if !in_dollar && trimmed.starts_with("BEGIN") {
            in_trigger = true;
        }
        cur.push_str(line);
        cur.push('\n');
        let ends = trimmed.ends_with(';');
        let trigger_done = !in_trigger || trimmed.ends_with("END;");
        if ends && !in_dollar && trigger_done {
            out.push(std::mem::take(&mut cur));
            in_trigger = false;
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

pub async fn current_version(pool: &AnyPool) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get::<i64, _>("v")?)
}

pub async fn run(db: &Db) -> Result<(), StoreError> {
    // Two servers starting on one PostgreSQL must not both apply a migration.
    // (SQLite's one writer connection already serialises them.)
    if db.backend != Backend::Postgres {
        return apply_pending(db).await;
    }
    let mut lock = db.pool.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock(7262002)")
        .execute(&mut *lock)
        .await?;
    let result = apply_pending(db).await;
    sqlx::query("SELECT pg_advisory_unlock(7262002)")
        .execute(&mut *lock)
        .await?;
    result
}

async fn apply_pending(db: &Db) -> Result<(), StoreError> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
         name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&db.writer)
    .await?;
    let current = current_version(&db.pool).await?;
    if current > LATEST {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known: LATEST,
        });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        let wrap = |source| StoreError::Migration {
            name: m.name.to_owned(),
            source,
        };
        let mut tx = db.writer.begin().await.map_err(wrap)?;
        let extra = match db.backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        for stmt in statements(&render(m.common, db.backend))
            .into_iter()
            .chain(statements(extra))
        {
            sqlx::query(&stmt).execute(&mut *tx).await.map_err(wrap)?;
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(crate::audit::now())
        .execute(&mut *tx)
        .await
        .map_err(wrap)?;
        tx.commit().await.map_err(wrap)?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements() {
        let s = statements(MIGRATIONS[0].sqlite);
        assert_eq!(s.len(), 2, "{s:?}");
        let p = statements(MIGRATIONS[0].postgres);
        assert_eq!(p.len(), 3, "{p:?}");
        let c = statements(MIGRATIONS[0].common);
        assert!(c.len() > 10);
        assert!(c.iter().all(|x| x.trim_end().ends_with(';')));
    }
}
