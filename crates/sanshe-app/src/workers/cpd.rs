//! CPD hours (继续教育学时): one by one, or a whole training attendance sheet.

use super::{reach, Workers};
use crate::authz::{self, Perm};
use crate::registry::{field_a, Input, Registry};
use crate::{App, AppError};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::{cell, CitizenId, FieldError};
use sanshe_io::RowIssue;
use sanshe_store::workers::{self as store};

/// Adds CPD hours to a worker's ledger (audited).
/// What adding CPD hours did: the entry written, or (hours a worker or their organization
/// reports) a change waiting for verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpdAdded {
    Entry(i64),
    Pending(i64),
}

/// Adds CPD hours to a worker's ledger. Hours the worker or their organization report count
/// only once the staff verify them: they wait as a pending change (`crate::facts`).
pub async fn add_cpd(
    app: &App,
    ctx: &crate::Ctx,
    worker_id: i64,
    date: &str,
    hours: &str,
    topic: &str,
    provider: &str,
) -> Result<CpdAdded, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::WorkerWrite)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let w = Workers::get(&mut tx, worker_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !Workers::can_write(actor, &w) {
        return Err(AppError::Forbidden);
    }
    let (date, tenths, topic, provider) =
        check_cpd(date, hours, topic, provider).map_err(AppError::Invalid)?;
    if !actor.is_cli
        && matches!(
            actor.role,
            sanshe_domain::Role::SocialWorker | sanshe_domain::Role::SocialOrg
        )
    {
        let entry = cpd_cell(&date, tenths, &topic, provider.as_deref());
        let changes = vec![("cpd_entry".to_owned(), String::new(), entry)];
        let (change, note) = crate::facts::hold(
            &mut tx,
            actor,
            "social_worker",
            worker_id,
            w.area_code.as_deref(),
            &changes,
        )
        .await?;
        tx.commit(ctx.audit_entry(
            Action::WorkerCpd,
            Some(worker_id.to_string()),
            format!("CPD {date} {:.1} h: {topic}{note}", tenths as f64 / 10.0),
            Outcome::Success,
        ))
        .await?;
        return Ok(CpdAdded::Pending(change.unwrap_or(0)));
    }
    let id = store::add_cpd(
        &mut tx,
        &store::CpdEntry {
            id: 0,
            worker_id,
            entry_date: date.clone(),
            hours_tenths: tenths,
            topic: topic.clone(),
            provider,
        },
    )
    .await?
    .ok_or_else(|| {
        AppError::Conflict(FieldError::new("topic", "err-cpd-duplicate").arg("date", &date))
    })?;
    tx.commit(ctx.audit_entry(
        Action::WorkerCpd,
        Some(worker_id.to_string()),
        format!("CPD {date} {:.1} h: {topic}", tenths as f64 / 10.0),
        Outcome::Success,
    ))
    .await?;
    Ok(CpdAdded::Entry(id))
}

/// A CPD entry as one cell of a pending change: `date|hours|topic|provider`.
pub fn cpd_cell(date: &str, tenths: i64, topic: &str, provider: Option<&str>) -> String {
    format!(
        "{date}|{}.{}|{topic}|{}",
        tenths / 10,
        tenths % 10,
        provider.unwrap_or("")
    )
}

/// Writes a verified CPD entry (from its pending-change cell) to the worker's ledger.
pub(crate) async fn apply_cpd_cell(
    conn: &mut sanshe_store::Conn,
    worker_id: i64,
    cell: &str,
) -> Result<(), AppError> {
    let parts: Vec<&str> = cell.splitn(4, '|').collect();
    let [date, hours, topic, provider] = parts.as_slice() else {
        return Err(AppError::Internal(format!("bad CPD change {cell}")));
    };
    let (date, tenths, topic, provider) =
        check_cpd(date, hours, topic, provider).map_err(AppError::Invalid)?;
    store::add_cpd(
        conn,
        &store::CpdEntry {
            id: 0,
            worker_id,
            entry_date: date.clone(),
            hours_tenths: tenths,
            topic,
            provider,
        },
    )
    .await?
    .ok_or_else(|| {
        AppError::Conflict(FieldError::new("topic", "err-cpd-duplicate").arg("date", &date))
    })?;
    Ok(())
}

/// One CPD entry's values checked: date (not in the future), hours (0.1–1000, one
/// decimal; stored in tenths), topic, provider.
pub fn check_cpd(
    date: &str,
    hours: &str,
    topic: &str,
    provider: &str,
) -> Result<(String, i64, String, Option<String>), Vec<FieldError>> {
    let mut errs = Vec::new();
    let date = match crate::registry::opt_date("date", date) {
        Ok(Some(d)) if d <= crate::registry::today() => Some(d),
        Ok(Some(_)) => {
            errs.push(
                FieldError::new("date", "err-date-future").arg("today", crate::registry::today()),
            );
            None
        }
        Ok(None) => {
            errs.push(FieldError::new("date", "err-required"));
            None
        }
        Err(e) => {
            errs.push(e);
            None
        }
    };
    // Hours with one decimal: parse as hundredths and require a multiple of ten.
    let tenths = match cell::parse_decimal_centi(hours) {
        Ok(Some(c)) if c > 0 && c <= 100_000 && c % 10 == 0 => Some(c / 10),
        Ok(Some(_)) | Ok(None) => {
            errs.push(
                FieldError::new("hours", "err-range")
                    .arg("min", "0.1")
                    .arg("max", 1000),
            );
            None
        }
        Err(k) => {
            errs.push(FieldError::new("hours", k));
            None
        }
    };
    let topic = crate::registry::text("topic", topic, 200)
        .map_err(|e| errs.push(e))
        .ok();
    let provider = crate::registry::opt_text("provider", provider, 200)
        .map_err(|e| errs.push(e))
        .ok()
        .flatten();
    let (Some(date), Some(tenths), Some(topic)) = (date, tenths, topic) else {
        return Err(errs);
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok((date, tenths, topic, provider))
}

/// The columns of a CPD attendance sheet (what training providers hand to streets): one row
/// per person and course.
pub static CPD_FIELDS: [crate::registry::Field; 5] = [
    field_a(
        "id_number",
        "身份证号",
        &["身份证号码", "公民身份号码", "证件号码", "身份证"],
        true,
        Input::Secret,
    ),
    field_a(
        "date",
        "培训日期",
        &["日期", "学习日期", "培训时间"],
        true,
        Input::Date,
    ),
    field_a(
        "hours",
        "学时",
        &["学时数", "继续教育学时", "培训学时", "课时"],
        true,
        Input::Decimal(1000),
    ),
    field_a(
        "topic",
        "培训内容",
        &["课程名称", "培训主题", "内容", "课程"],
        true,
        Input::Text(200),
    ),
    field_a(
        "provider",
        "培训机构",
        &["主办单位", "举办单位"],
        false,
        Input::Text(200),
    ),
];

/// Imports CPD hours from an attendance sheet. Every row is checked first (ID number of a
/// registered worker the importer may write to, date, hours, topic; the same person, date
/// and topic twice in the file or already in the ledger is reported); by default nothing is
/// written unless every row is valid. One audit entry per import.
pub async fn import_cpd(
    app: &App,
    ctx: &crate::Ctx,
    bytes: &[u8],
    opts: crate::areas::ImportOptions,
) -> Result<crate::areas::ImportReport, AppError> {
    use std::collections::HashMap;
    let actor = ctx.actor()?;
    authz::require(actor, Perm::WorkerWrite)?;
    let mut report = crate::areas::ImportReport {
        dry_run: opts.dry_run,
        ..Default::default()
    };
    let spec = crate::registry::columns(&CPD_FIELDS);
    let sheet = match sanshe_io::sheet::read(bytes, &spec) {
        Ok(s) => s,
        Err(issue) => {
            report.issues.push(issue);
            return Ok(report);
        }
    };
    report.total_rows = sheet.rows.len();
    report.issues.extend(sheet.example_issues());
    let today = crate::registry::today_tuple();
    // Each row's ID number checked once, to its blind index; only the people on the sheet
    // are looked up, and only their ledgers.
    let mut row_blinds: Vec<Result<String, FieldError>> = Vec::new();
    for row in &sheet.rows {
        row_blinds.push(
            match CitizenId::parse(&cell::fix_excel_id(row.get(0)), today) {
                Ok(id) => Ok(app
                    .pii
                    .blind("id", id.as_str())
                    .map_err(|e| AppError::Internal(e.to_string()))?),
                Err(mut e) => {
                    e.field = "id_number".into();
                    Err(e)
                }
            },
        );
    }
    let mut blinds: Vec<String> = row_blinds.iter().flatten().cloned().collect();
    blinds.sort();
    blinds.dedup();
    let mut conn = app.db.acquire().await?;
    let workers: HashMap<String, store::ReachKey> = store::reach_keys(&mut conn, &blinds)
        .await?
        .into_iter()
        .map(|k| (k.0.clone(), k))
        .collect();
    let ids: Vec<i64> = workers.values().map(|k| k.1).collect();
    let existing: std::collections::HashSet<(i64, String, String)> =
        store::cpd_keys(&mut conn, &ids)
            .await?
            .into_iter()
            .collect();
    drop(conn);
    let col = |field: &str| -> String {
        spec.iter()
            .position(|c| c.key == field)
            .map(|i| sheet.header(&spec, i))
            .unwrap_or_default()
    };
    let mut seen: HashMap<(i64, String, String), usize> = HashMap::new();
    let mut valid: Vec<store::CpdEntry> = Vec::new();
    for (row, blind) in sheet.rows.iter().zip(row_blinds) {
        let mut errs: Vec<FieldError> = Vec::new();
        let worker = match blind.map(|b| workers.get(&b)) {
            Ok(Some((_, wid, user, employer, area)))
                if reach(actor, *user, *employer, area.as_deref()) =>
            {
                Some(*wid)
            }
            // Registered but not the importer's, or not registered: the same answer, so a
            // sheet cannot probe who is registered elsewhere.
            Ok(_) => {
                errs.push(FieldError::new("id_number", "err-worker-not-found"));
                None
            }
            Err(e) => {
                errs.push(e);
                None
            }
        };
        let checked = check_cpd(row.get(1), row.get(2), row.get(3), row.get(4));
        let entry = match (worker, checked) {
            (Some(w), Ok((date, tenths, topic, provider))) if errs.is_empty() => store::CpdEntry {
                id: 0,
                worker_id: w,
                entry_date: date,
                hours_tenths: tenths,
                topic,
                provider,
            },
            (_, checked) => {
                if let Err(more) = checked {
                    errs.extend(more);
                }
                for e in errs {
                    let c = col(&e.field);
                    report.issues.push(crate::registry::issue(row.line, &c, e));
                }
                continue;
            }
        };
        let key = (
            entry.worker_id,
            entry.entry_date.clone(),
            entry.topic.clone(),
        );
        if let Some(first) = seen.get(&key) {
            report.issues.push(
                RowIssue::new(row.line, &col("topic"), "err-duplicate-in-file").arg("row", first),
            );
            continue;
        }
        seen.insert(key.clone(), row.line);
        if existing.contains(&key) {
            report.existing_rows += 1;
            report.issues.push(
                RowIssue::new(row.line, &col("topic"), "err-cpd-duplicate")
                    .arg("date", &entry.entry_date),
            );
            continue;
        }
        valid.push(entry);
    }
    report.issues.sort_by_key(|i| i.row);
    report.valid_rows = valid.len();
    if !crate::registry::import_writes(&report, opts) {
        return Ok(report);
    }
    let mut tx = crate::uow::Uow::begin(app).await?;
    // Hours a worker or an organization reports wait for verification: one pending change
    // per worker, written to the ledger when staff verify it.
    if !actor.is_cli
        && matches!(
            actor.role,
            sanshe_domain::Role::SocialWorker | sanshe_domain::Role::SocialOrg
        )
    {
        let mut by_worker: std::collections::BTreeMap<i64, Vec<(String, String, String)>> =
            Default::default();
        for e in &valid {
            by_worker.entry(e.worker_id).or_default().push((
                "cpd_entry".into(),
                String::new(),
                cpd_cell(
                    &e.entry_date,
                    e.hours_tenths,
                    &e.topic,
                    e.provider.as_deref(),
                ),
            ));
        }
        let mut held = 0;
        for (worker, changes) in &by_worker {
            let area = Workers::get(&mut tx, *worker)
                .await?
                .and_then(|w| w.area_code);
            crate::facts::hold(
                &mut tx,
                actor,
                "social_worker",
                *worker,
                area.as_deref(),
                changes,
            )
            .await?;
            held += changes.len();
        }
        tx.commit(ctx.audit_entry(
            Action::WorkerCpdImport,
            None,
            crate::registry::import_summary(
                &format!("CPD entries held for verification: {held}"),
                &report,
                opts,
            ),
            Outcome::Success,
        ))
        .await?;
        report.committed = true;
        return Ok(report);
    }
    let mut hours = 0;
    let (mut first, mut last) = (None, 0);
    for e in &valid {
        match store::add_cpd(&mut tx, e).await? {
            Some(id) => {
                first.get_or_insert(id);
                last = id;
                hours += e.hours_tenths;
                report.inserted += 1;
            }
            // Recorded by someone else since the check: not counted twice.
            None => report.existing_rows += 1,
        }
    }
    tx.commit(ctx.audit_entry(
        Action::WorkerCpdImport,
        first.map(|f| format!("{f}-{last}")),
        crate::registry::import_summary(
            &format!("CPD entries, {:.1} h", hours as f64 / 10.0),
            &report,
            opts,
        ),
        Outcome::Success,
    ))
    .await?;
    report.committed = true;
    Ok(report)
}
