//! Social workers (社会工作专业人才) with their registrations, CPD hours and subsidies, and
//! community posts (岗位). ID and phone numbers arrive here already encrypted: this module
//! stores ciphertext, blind index and masked form, and never sees a plain value.

use crate::audit::bind_all;
use crate::{b, i, like_pattern, oi, os, s, Conn, PageReq, Paged, StoreError, Where};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerRow {
    pub id: i64,
    pub name: String,
    pub id_cipher: String,
    pub id_masked: String,
    pub phone_cipher: Option<String>,
    pub phone_masked: Option<String>,
    pub gender: String,
    pub birth_date: String,
    pub area_code: Option<String>,
    pub area_name: Option<String>,
    pub employer_org_id: Option<i64>,
    pub employer_name: Option<String>,
    pub employer_kind: String,
    pub cert_level: String,
    pub cert_no: Option<String>,
    pub cert_year: Option<i64>,
    pub committee_member: bool,
    pub fulltime: bool,
    pub project_staff: bool,
    pub status: String,
    pub user_id: Option<i64>,
    pub demo: bool,
    pub updated_at: i64,
    /// Hours × 10 in the current registration period (0 without one).
    pub cpd_tenths: i64,
    /// End of the latest registration period.
    pub registration_end: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct WorkerData {
    pub name: String,
    pub id_cipher: String,
    pub id_blind: String,
    pub id_masked: String,
    pub phone_cipher: Option<String>,
    pub phone_blind: Option<String>,
    pub phone_masked: Option<String>,
    pub gender: String,
    pub birth_date: String,
    pub area_code: Option<String>,
    pub employer_org_id: Option<i64>,
    pub employer_kind: String,
    pub cert_level: String,
    pub cert_no: Option<String>,
    pub cert_year: Option<i64>,
    pub committee_member: bool,
    pub fulltime: bool,
    pub project_staff: bool,
    pub status: String,
    pub demo: bool,
}

const SELECT: &str = "SELECT w.id, w.name, w.id_cipher, w.id_masked, w.phone_cipher, \
    w.phone_masked, w.gender, w.birth_date, w.area_code, a.name AS area_name, w.employer_org_id, \
    o.name AS employer_name, w.employer_kind, w.cert_level, w.cert_no, w.cert_year, \
    w.committee_member, w.fulltime, w.project_staff, w.status, w.user_id, w.demo, w.updated_at, \
    (SELECT MAX(r.end_date) FROM worker_registrations r WHERE r.worker_id = w.id) AS registration_end, \
    (SELECT CAST(COALESCE(SUM(c.hours_tenths), 0) AS BIGINT) FROM cpd_entries c \
       JOIN worker_registrations r ON r.id = (SELECT r2.id FROM worker_registrations r2 \
         WHERE r2.worker_id = w.id AND r2.start_date <= $1 AND r2.end_date >= $1 \
         ORDER BY r2.start_date DESC, r2.id DESC LIMIT 1) \
       WHERE c.worker_id = w.id \
       AND c.entry_date >= r.start_date AND c.entry_date <= r.end_date) AS cpd_tenths \
    FROM social_workers w LEFT JOIN areas a ON a.code = w.area_code \
    LEFT JOIN organizations o ON o.id = w.employer_org_id";

fn from_row(r: &AnyRow) -> Result<WorkerRow, sqlx::Error> {
    Ok(WorkerRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        id_cipher: r.try_get("id_cipher")?,
        id_masked: r.try_get("id_masked")?,
        phone_cipher: r.try_get("phone_cipher")?,
        phone_masked: r.try_get("phone_masked")?,
        gender: r.try_get("gender")?,
        birth_date: r.try_get("birth_date")?,
        area_code: r.try_get("area_code")?,
        area_name: r.try_get("area_name")?,
        employer_org_id: r.try_get("employer_org_id")?,
        employer_name: r.try_get("employer_name")?,
        employer_kind: r.try_get("employer_kind")?,
        cert_level: r.try_get("cert_level")?,
        cert_no: r.try_get("cert_no")?,
        cert_year: r.try_get("cert_year")?,
        committee_member: r.try_get::<i64, _>("committee_member")? != 0,
        fulltime: r.try_get::<i64, _>("fulltime")? != 0,
        project_staff: r.try_get::<i64, _>("project_staff")? != 0,
        status: r.try_get("status")?,
        user_id: r.try_get("user_id")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        updated_at: r.try_get("updated_at")?,
        cpd_tenths: r.try_get("cpd_tenths")?,
        registration_end: r.try_get("registration_end")?,
    })
}

#[derive(Debug, Clone, Default)]
pub struct WorkerFilter {
    pub within: Option<String>,
    /// Workers employed by this organization.
    pub employer: Option<i64>,
    /// Only the worker linked to this account.
    pub user_id: Option<i64>,
    /// Area subtree OR employer (organization staff working in an area's communities).
    pub cert_level: Option<String>,
    pub certified: Option<bool>,
    pub committee_member: Option<bool>,
    pub status: Option<String>,
    /// Registration ends on or before this date (expiry warnings).
    pub expiring_by: Option<String>,
    /// Certified workers in a current registration period whose CPD hours in it are below
    /// the requirement for their level: (assistant, intermediate, senior) in tenths of hours.
    pub cpd_short: Option<(i64, i64, i64)>,
    /// Substring of the name or certificate number.
    pub q: Option<String>,
    /// Exact ID-number look-up through the blind index.
    pub id_blind: Option<String>,
    pub phone_blind: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WorkerSort {
    #[default]
    Name,
    Area,
    CertYear,
    RegistrationEnd,
    Updated,
}

impl WorkerSort {
    pub fn parse(s: Option<&str>) -> WorkerSort {
        match s {
            Some("area") => WorkerSort::Area,
            Some("cert_year") => WorkerSort::CertYear,
            Some("registration_end") => WorkerSort::RegistrationEnd,
            Some("updated") => WorkerSort::Updated,
            _ => WorkerSort::Name,
        }
    }
}

fn filter_where(f: &WorkerFilter, today: &str) -> Where {
    let mut w = Where::new();
    // $1 is today's date (the SELECT's CPD sub-query uses it).
    w.push("? = ?", vec![s(today), s(today)]);
    if let Some(root) = &f.within {
        w.subtree("w.area_code", root);
    }
    if let Some(e) = f.employer {
        w.push("w.employer_org_id = ?", vec![i(e)]);
    }
    if let Some(u) = f.user_id {
        w.push("w.user_id = ?", vec![i(u)]);
    }
    if let Some(l) = &f.cert_level {
        w.push("w.cert_level = ?", vec![s(l)]);
    }
    match f.certified {
        Some(true) => w.push("w.cert_level <> 'none'", vec![]),
        Some(false) => w.push("w.cert_level = 'none'", vec![]),
        None => {}
    }
    if let Some(c) = f.committee_member {
        w.push("w.committee_member = ?", vec![b(c)]);
    }
    if let Some(st) = &f.status {
        w.push("w.status = ?", vec![s(st)]);
    }
    if let Some(d) = &f.expiring_by {
        w.push(
            "(SELECT MAX(r.end_date) FROM worker_registrations r WHERE r.worker_id = w.id) <= ?",
            vec![s(d)],
        );
    }
    if let Some((a, m, h)) = f.cpd_short {
        w.push(
            // The current period is the latest one running today (a renewal entered early
            // overlaps the old one; hours are never counted twice).
            "w.status = 'active' AND w.cert_level <> 'none' \
             AND EXISTS (SELECT 1 FROM worker_registrations r \
               WHERE r.worker_id = w.id AND r.start_date <= ? AND r.end_date >= ?) \
             AND (SELECT COALESCE(SUM(c.hours_tenths), 0) FROM cpd_entries c \
               JOIN worker_registrations r ON r.id = (SELECT r2.id FROM worker_registrations r2 \
                 WHERE r2.worker_id = w.id AND r2.start_date <= ? AND r2.end_date >= ? \
                 ORDER BY r2.start_date DESC, r2.id DESC LIMIT 1) \
               WHERE c.worker_id = w.id \
               AND c.entry_date >= r.start_date AND c.entry_date <= r.end_date) \
             < CASE w.cert_level WHEN 'assistant' THEN ? WHEN 'intermediate' THEN ? ELSE ? END",
            vec![s(today), s(today), s(today), s(today), i(a), i(m), i(h)],
        );
    }
    if let Some(q) = &f.q {
        let p = like_pattern(q);
        w.push(
            "(w.name LIKE ? ESCAPE '\\' OR COALESCE(w.cert_no,'') LIKE ? ESCAPE '\\')",
            vec![s(&p), s(&p)],
        );
    }
    if let Some(x) = &f.id_blind {
        w.push("w.id_blind = ?", vec![s(x)]);
    }
    if let Some(x) = &f.phone_blind {
        w.push("w.phone_blind = ?", vec![s(x)]);
    }
    w
}

pub async fn list(
    conn: &mut Conn,
    f: &WorkerFilter,
    sort: WorkerSort,
    today: &str,
    page: PageReq,
) -> Result<Paged<WorkerRow>, StoreError> {
    let w = filter_where(f, today);
    let order = match sort {
        WorkerSort::Name => "w.name, w.id",
        WorkerSort::Area => "w.area_code, w.name",
        WorkerSort::CertYear => "w.cert_year DESC, w.id",
        WorkerSort::RegistrationEnd => "registration_end, w.id",
        WorkerSort::Updated => "w.updated_at DESC, w.id",
    };
    // The registration and CPD sub-queries run for the page's rows only, unless the order
    // itself is one of them.
    if sort == WorkerSort::RegistrationEnd {
        w.page(conn, "FROM social_workers w", SELECT, order, page, from_row)
            .await
    } else {
        w.page_keyed(
            conn,
            "FROM social_workers w",
            "w.id",
            SELECT,
            order,
            page,
            from_row,
        )
        .await
    }
}

pub async fn get(conn: &mut Conn, id: i64, today: &str) -> Result<Option<WorkerRow>, StoreError> {
    let row = sqlx::query(&format!("{SELECT} WHERE w.id = $2"))
        .bind(today)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

pub async fn find_by_blind(conn: &mut Conn, id_blind: &str) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT id FROM social_workers WHERE id_blind = $1")
        .bind(id_blind)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

fn data_binds(d: &WorkerData) -> Vec<crate::audit::Bind> {
    vec![
        s(&d.name),
        s(&d.id_cipher),
        s(&d.id_blind),
        s(&d.id_masked),
        os(&d.phone_cipher),
        os(&d.phone_blind),
        os(&d.phone_masked),
        s(&d.gender),
        s(&d.birth_date),
        os(&d.area_code),
        oi(d.employer_org_id),
        s(&d.employer_kind),
        s(&d.cert_level),
        os(&d.cert_no),
        oi(d.cert_year),
        b(d.committee_member),
        b(d.fulltime),
        b(d.project_staff),
        s(&d.status),
    ]
}

const INSERT_HEAD: &str = "INSERT INTO social_workers (name, id_cipher, id_blind, id_masked, \
    phone_cipher, phone_blind, phone_masked, gender, birth_date, area_code, employer_org_id, \
    employer_kind, cert_level, cert_no, cert_year, committee_member, fulltime, project_staff, \
    status, demo, created_at, updated_at) VALUES ";
const INSERT_ROW: &str =
    "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$21)";

fn insert_binds(d: &WorkerData, now: i64) -> Vec<crate::audit::Bind> {
    let mut binds = data_binds(d);
    binds.push(b(d.demo));
    binds.push(i(now));
    binds
}

pub async fn insert(conn: &mut Conn, d: &WorkerData) -> Result<i64, StoreError> {
    let binds = insert_binds(d, crate::audit::now());
    let row = bind_all(
        sqlx::query(&format!("{INSERT_HEAD}{INSERT_ROW} RETURNING id")),
        &binds,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// A worker to insert with its registration period, if any: start, end, number.
pub type NewWorker = (WorkerData, Option<(String, String, Option<String>)>);

/// Inserts many workers (an import), a few hundred values per statement, each with its
/// registration period if it has one; the new ids.
pub async fn insert_many(conn: &mut Conn, ds: &[NewWorker]) -> Result<Vec<i64>, StoreError> {
    let now = crate::audit::now();
    let rows: Vec<_> = ds.iter().map(|(d, _)| insert_binds(d, now)).collect();
    let back =
        crate::audit::insert_many_returning(conn, INSERT_HEAD, INSERT_ROW, &rows, "id, id_blind")
            .await?;
    // Every new row comes back with its blind index (unique): the registrations' owners.
    let mut by_blind = std::collections::HashMap::with_capacity(back.len());
    for r in &back {
        by_blind.insert(r.try_get::<String, _>(1)?, r.try_get::<i64, _>(0)?);
    }
    let mut regs = Vec::new();
    for (d, reg) in ds {
        if let Some((start, end, number)) = reg {
            let worker_id = *by_blind
                .get(&d.id_blind)
                .ok_or(StoreError::Sql(sqlx::Error::RowNotFound))?;
            regs.push(Registration {
                id: 0,
                worker_id,
                start_date: start.clone(),
                end_date: end.clone(),
                number: number.clone(),
            });
        }
    }
    add_registrations(conn, &regs).await?;
    Ok(by_blind.into_values().collect())
}

/// Adds many registration periods (an import), many per statement.
async fn add_registrations(conn: &mut Conn, rs: &[Registration]) -> Result<(), StoreError> {
    let now = crate::audit::now();
    let rows: Vec<_> = rs
        .iter()
        .map(|r| {
            vec![
                i(r.worker_id),
                s(&r.start_date),
                s(&r.end_date),
                os(&r.number),
                i(now),
            ]
        })
        .collect();
    crate::audit::insert_many(
        conn,
        "INSERT INTO worker_registrations (worker_id, start_date, end_date, number, created_at) \
         VALUES ",
        "($1,$2,$3,$4,$5)",
        &rows,
    )
    .await?;
    Ok(())
}

pub async fn update(conn: &mut Conn, id: i64, d: &WorkerData) -> Result<bool, StoreError> {
    let mut binds = data_binds(d);
    binds.push(i(crate::audit::now()));
    binds.push(i(id));
    let r = bind_all(
        sqlx::query(
            "UPDATE social_workers SET name=$1, id_cipher=$2, id_blind=$3, id_masked=$4, \
             phone_cipher=$5, phone_blind=$6, phone_masked=$7, gender=$8, birth_date=$9, \
             area_code=$10, employer_org_id=$11, employer_kind=$12, cert_level=$13, cert_no=$14, \
             cert_year=$15, committee_member=$16, fulltime=$17, project_staff=$18, status=$19, \
             updated_at=$20 WHERE id=$21",
        ),
        &binds,
    )
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Demo data: a worker's registrations become one period.
pub async fn demo_set_registration(
    conn: &mut Conn,
    worker: i64,
    start: &str,
    end: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE worker_registrations SET start_date = $1, end_date = $2 WHERE worker_id = $3",
    )
    .bind(start)
    .bind(end)
    .bind(worker)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The social worker an account is linked to.
pub async fn of_user(conn: &mut Conn, user_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query("SELECT id FROM social_workers WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get("id"))
            .transpose()?,
    )
}

pub async fn link_user(conn: &mut Conn, id: i64, user_id: Option<i64>) -> Result<(), StoreError> {
    sqlx::query("UPDATE social_workers SET user_id = $1 WHERE id = $2")
        .bind(user_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Every worker's ciphertexts (for key rotation).
pub async fn all_ciphertexts(
    conn: &mut Conn,
) -> Result<Vec<(i64, String, Option<String>)>, StoreError> {
    let rows = sqlx::query("SELECT id, id_cipher, phone_cipher FROM social_workers ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("id_cipher")?,
                r.try_get("phone_cipher")?,
            ))
        })
        .collect()
}

pub async fn set_ciphertexts(
    conn: &mut Conn,
    id: i64,
    id_cipher: &str,
    id_blind: &str,
    phone_cipher: Option<&str>,
    phone_blind: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE social_workers SET id_cipher=$1, id_blind=$2, phone_cipher=$3, phone_blind=$4 WHERE id=$5",
    )
    .bind(id_cipher)
    .bind(id_blind)
    .bind(phone_cipher)
    .bind(phone_blind)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---- registrations, CPD, subsidies ------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub id: i64,
    pub worker_id: i64,
    pub start_date: String,
    pub end_date: String,
    pub number: Option<String>,
}

pub async fn registrations(
    conn: &mut Conn,
    worker_id: i64,
) -> Result<Vec<Registration>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, worker_id, start_date, end_date, number FROM worker_registrations \
         WHERE worker_id = $1 ORDER BY start_date DESC",
    )
    .bind(worker_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Registration {
                id: r.try_get("id")?,
                worker_id: r.try_get("worker_id")?,
                start_date: r.try_get("start_date")?,
                end_date: r.try_get("end_date")?,
                number: r.try_get("number")?,
            })
        })
        .collect()
}

pub async fn add_registration(conn: &mut Conn, r: &Registration) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO worker_registrations (worker_id, start_date, end_date, number, created_at) \
         VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(r.worker_id)
    .bind(&r.start_date)
    .bind(&r.end_date)
    .bind(&r.number)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpdEntry {
    pub id: i64,
    pub worker_id: i64,
    pub entry_date: String,
    pub hours_tenths: i64,
    pub topic: String,
    pub provider: Option<String>,
}

pub async fn cpd_entries(conn: &mut Conn, worker_id: i64) -> Result<Vec<CpdEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, worker_id, entry_date, hours_tenths, topic, provider FROM cpd_entries \
         WHERE worker_id = $1 ORDER BY entry_date DESC, id DESC",
    )
    .bind(worker_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CpdEntry {
                id: r.try_get("id")?,
                worker_id: r.try_get("worker_id")?,
                entry_date: r.try_get("entry_date")?,
                hours_tenths: r.try_get("hours_tenths")?,
                topic: r.try_get("topic")?,
                provider: r.try_get("provider")?,
            })
        })
        .collect()
}

/// Records CPD hours; `None` when the same person, date and training is already recorded
/// (the entry is not added twice).
pub async fn add_cpd(conn: &mut Conn, e: &CpdEntry) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "INSERT INTO cpd_entries (worker_id, entry_date, hours_tenths, topic, provider, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6) \
         ON CONFLICT (worker_id, entry_date, topic) DO NOTHING RETURNING id",
    )
    .bind(e.worker_id)
    .bind(&e.entry_date)
    .bind(e.hours_tenths)
    .bind(&e.topic)
    .bind(&e.provider)
    .bind(crate::audit::now())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subsidy {
    pub id: i64,
    pub worker_id: i64,
    pub year: i64,
    pub amount_fen: i64,
    pub paid_on: Option<String>,
}

pub async fn subsidies(conn: &mut Conn, worker_id: i64) -> Result<Vec<Subsidy>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, worker_id, year, amount_fen, paid_on FROM worker_subsidies WHERE worker_id = $1 \
         ORDER BY year DESC, id",
    )
    .bind(worker_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Subsidy {
                id: r.try_get("id")?,
                worker_id: r.try_get("worker_id")?,
                year: r.try_get("year")?,
                amount_fen: r.try_get("amount_fen")?,
                paid_on: r.try_get("paid_on")?,
            })
        })
        .collect()
}

pub async fn add_subsidy(conn: &mut Conn, x: &Subsidy) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO worker_subsidies (worker_id, year, amount_fen, paid_on, created_at, area_code) \
         VALUES ($1,$2,$3,$4,$5,(SELECT w.area_code FROM social_workers w WHERE w.id = $1)) \
         RETURNING id",
    )
    .bind(x.worker_id)
    .bind(x.year)
    .bind(x.amount_fen)
    .bind(&x.paid_on)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn delete(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    sqlx::query("UPDATE posts SET holder_id = NULL WHERE holder_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let n = sqlx::query("DELETE FROM social_workers WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// A worker's stored ID blind index.
pub async fn blind_of(conn: &mut Conn, id: i64) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT id_blind FROM social_workers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("id_blind")).transpose()?)
}

/// A worker's stored phone blind index.
pub async fn phone_blind_of(conn: &mut Conn, id: i64) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT phone_blind FROM social_workers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<String>, _>("phone_blind"))
        .transpose()?
        .flatten())
}

/// What an attendance-sheet import needs to find a worker by ID number and decide whether
/// the importer may write to them: (blind index, id, user id, employer id, area code).
pub type ReachKey = (String, i64, Option<i64>, Option<i64>, Option<String>);

pub async fn reach_keys(conn: &mut Conn, blinds: &[String]) -> Result<Vec<ReachKey>, StoreError> {
    let mut out = Vec::new();
    for chunk in blinds.chunks(500) {
        let sql = format!(
            "SELECT id, id_blind, user_id, employer_org_id, area_code FROM social_workers \
             WHERE id_blind IN ({})",
            crate::marks(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for b in chunk {
            q = q.bind(b.as_str());
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push((
                r.try_get("id_blind")?,
                r.try_get("id")?,
                r.try_get("user_id")?,
                r.try_get("employer_org_id")?,
                r.try_get("area_code")?,
            ));
        }
    }
    Ok(out)
}

/// The CPD entry keys (worker id, date, topic) of the given workers, for duplicate checks.
pub async fn cpd_keys(
    conn: &mut Conn,
    workers: &[i64],
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let mut out = Vec::new();
    for chunk in workers.chunks(500) {
        let ids: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT worker_id, entry_date, topic FROM cpd_entries WHERE worker_id IN ({})",
            ids.join(",")
        );
        for r in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            out.push((
                r.try_get("worker_id")?,
                r.try_get("entry_date")?,
                r.try_get("topic")?,
            ));
        }
    }
    Ok(out)
}

/// `(blind index, id)` of the workers with one of these blind indexes.
pub async fn blind_keys_for(
    conn: &mut Conn,
    blinds: &[String],
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(reach_keys(conn, blinds)
        .await?
        .into_iter()
        .map(|k| (k.0, k.1))
        .collect())
}
