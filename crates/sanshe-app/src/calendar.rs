//! The working-day calendar: public holidays and adjusted working days (调休) per year,
//! kept by the district administrator (page, API, spreadsheet import), and the one
//! function every deadline uses: [`deadline`], "N working days after date D".

use crate::areas::{ImportOptions, ImportReport};
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::calendar::{Day, DayKind, WorkCalendar};
use sanshe_domain::FieldError;
use sanshe_io::sheet::{self, Column};
use sanshe_io::RowIssue;
use sanshe_store::calendar::{self as store, CalendarDay};

/// Loads the calendar around a date: every listed day from a year before to two years
/// after (a deadline never reaches further), enough for any workflow's deadline.
pub async fn load_around(app: &App, d: Day) -> Result<WorkCalendar, AppError> {
    let (y, _, _) = d.ymd();
    let mut c = app.db.acquire().await?;
    let rows = store::range(
        &mut c,
        &format!("{}-01-01", y - 1),
        &format!("{}-12-31", y + 2),
    )
    .await?;
    Ok(to_calendar(&rows))
}

fn to_calendar(rows: &[CalendarDay]) -> WorkCalendar {
    WorkCalendar::new(
        rows.iter()
            .filter_map(|r| Some((Day::parse(&r.day)?, DayKind::parse(&r.kind)?))),
    )
}

/// The `n`-th working day after `from`.
pub async fn deadline(app: &App, from: Day, n: i64) -> Result<Day, AppError> {
    Ok(load_around(app, from).await?.add_working_days(from, n))
}

/// Today in China Standard Time.
pub fn today() -> Day {
    Day::from_unix_cst(sanshe_store::audit::now())
}

/// One year's listed days, and whether the next year has a schedule yet.
pub struct YearView {
    pub year: i32,
    pub days: Vec<CalendarDay>,
    pub years: Vec<i32>,
    /// The coming year (from 1 November) or the current one without a schedule.
    pub missing_year: Option<i32>,
    pub can_edit: bool,
}

pub async fn year(app: &App, ctx: &Ctx, year: i32) -> Result<YearView, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::CalendarRead)?;
    if !(1900..=2999).contains(&year) {
        return Err(AppError::invalid(FieldError::new(
            "year",
            "err-calendar-year",
        )));
    }
    let mut c = app.db.acquire().await?;
    let days = store::range(&mut c, &format!("{year}-01-01"), &format!("{year}-12-31")).await?;
    let years = store::years(&mut c).await?;
    Ok(YearView {
        year,
        days,
        missing_year: missing_year(&years),
        years,
        can_edit: authz::can(actor, Perm::CalendarWrite),
    })
}

/// The year an administrator should add a schedule for: the current year when it has none,
/// or from November on (the State Council publishes the next year's in autumn) the next.
pub fn missing_year(years: &[i32]) -> Option<i32> {
    let (y, m, _) = today().ymd();
    if !years.contains(&y) {
        return Some(y);
    }
    (m >= 11 && !years.contains(&(y + 1))).then_some(y + 1)
}

/// A day as entered (form, API body, sheet row).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DayInput {
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub source: String,
}

fn parse(i: &DayInput) -> Result<CalendarDay, Vec<FieldError>> {
    let mut errs = Vec::new();
    let day = Day::parse(i.day.trim());
    if day.is_none() {
        errs.push(FieldError::new("day", "err-calendar-day"));
    }
    let kind = DayKind::parse(&i.kind);
    if kind.is_none() {
        errs.push(FieldError::new("kind", "err-calendar-kind"));
    }
    let name = i.name.trim();
    if name.is_empty() {
        errs.push(FieldError::new("name", "err-required"));
    } else if let Err(e) = sanshe_domain::text::check("name", &i.name, 50) {
        errs.push(e);
    }
    // Limits count what was sent, surrounding blanks too (as the API's schema states).
    let source = i.source.trim();
    if let Err(e) = sanshe_domain::text::check("source", &i.source, 200) {
        errs.push(e);
    }
    if let (Some(d), Some(DayKind::Workday)) = (day, kind) {
        if !d.is_weekend() {
            errs.push(FieldError::new("kind", "err-calendar-workday-weekday"));
        }
    }
    match (day, kind) {
        (Some(d), Some(k)) if errs.is_empty() => Ok(CalendarDay {
            day: d.to_string(),
            kind: k.as_str().into(),
            name: name.into(),
            source: source.into(),
        }),
        _ => Err(errs),
    }
}

/// Adds or changes one day (district administrator).
pub async fn set_day(app: &App, ctx: &Ctx, i: &DayInput) -> Result<CalendarDay, AppError> {
    authz::require(ctx.actor()?, Perm::CalendarWrite)?;
    let d = parse(i).map_err(AppError::Invalid)?;
    let mut tx = Uow::begin(app).await?;
    let before = store::get(&mut tx, &d.day).await?;
    store::upsert(&mut tx, &d).await?;
    tx.commit(ctx.audit_entry(
        Action::CalendarSet,
        Some(d.day.clone()),
        match before {
            Some(b) => format!("{}: {} {} → {} {}", d.day, b.kind, b.name, d.kind, d.name),
            None => format!("{}: {} {}", d.day, d.kind, d.name),
        },
        Outcome::Success,
    ))
    .await?;
    Ok(d)
}

/// Removes one day: it follows the weekday rule again.
pub async fn remove_day(app: &App, ctx: &Ctx, day: &str) -> Result<(), AppError> {
    authz::require(ctx.actor()?, Perm::CalendarWrite)?;
    let d = Day::parse(day).ok_or(AppError::NotFound)?;
    let mut tx = Uow::begin(app).await?;
    let before = store::get(&mut tx, &d.to_string())
        .await?
        .ok_or(AppError::NotFound)?;
    store::delete(&mut tx, &before.day).await?;
    tx.commit(ctx.audit_entry(
        Action::CalendarRemove,
        Some(before.day.clone()),
        format!("{}: {} {} removed", before.day, before.kind, before.name),
        Outcome::Success,
    ))
    .await
}

/// The columns of a calendar sheet (the same as the State Council list: date, kind, name).
pub static COLUMNS: [Column; 4] = [
    Column {
        key: "day",
        zh: "日期",
        aliases: &["date"],
        required: true,
    },
    Column {
        key: "kind",
        zh: "类型",
        aliases: &["kind", "type"],
        required: true,
    },
    Column {
        key: "name",
        zh: "名称",
        aliases: &["节日", "name"],
        required: true,
    },
    Column {
        key: "source",
        zh: "依据",
        aliases: &["来源", "source"],
        required: false,
    },
];

/// Imports days from a CSV or XLSX sheet: every row checked, nothing written unless all are
/// valid (or `only_valid`); a date listed twice in the file is an issue; dates already
/// listed are replaced by the sheet's.
pub async fn import(
    app: &App,
    ctx: &Ctx,
    bytes: &[u8],
    opts: ImportOptions,
) -> Result<ImportReport, AppError> {
    authz::require(ctx.actor()?, Perm::CalendarWrite)?;
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        ..Default::default()
    };
    let sheet = match sheet::read(bytes, &COLUMNS) {
        Ok(s) => s,
        Err(issue) => {
            report.issues.push(issue);
            return Ok(report);
        }
    };
    report.total_rows = sheet.rows.len();
    report.issues.extend(sheet.example_issues());
    let mut valid = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for row in &sheet.rows {
        let input = DayInput {
            day: row.get(0).to_owned(),
            kind: row.get(1).to_owned(),
            name: row.get(2).to_owned(),
            source: row.get(3).to_owned(),
        };
        match parse(&input) {
            Ok(d) => {
                if let Some(first) = seen.insert(d.day.clone(), row.line) {
                    report.issues.push(
                        RowIssue::new(row.line, "day", "err-duplicate-in-file").arg("row", first),
                    );
                } else {
                    valid.push(d);
                }
            }
            Err(errs) => {
                for e in errs {
                    let mut issue = RowIssue::new(row.line, &e.field, &e.code);
                    issue.args = e.args;
                    report.issues.push(issue);
                }
            }
        }
    }
    report.valid_rows = valid.len();
    if !crate::registry::import_writes(&report, opts) {
        return Ok(report);
    }
    let mut tx = Uow::begin(app).await?;
    for d in &valid {
        store::upsert(&mut tx, d).await?;
    }
    report.inserted = valid.len();
    tx.commit(ctx.audit_entry(
        Action::CalendarImport,
        None,
        crate::registry::import_summary("calendar days", &report, opts),
        Outcome::Success,
    ))
    .await?;
    report.committed = true;
    Ok(report)
}

/// [`deadline`] for a signed-in user who may see the calendar (the API's calculator).
pub async fn working_day_after(app: &App, ctx: &Ctx, from: Day, n: i64) -> Result<Day, AppError> {
    authz::require(ctx.actor()?, Perm::CalendarRead)?;
    deadline(app, from, n).await
}

/// Refuses anyone who may not keep the calendar (checked before a form is even read).
pub fn require_edit(ctx: &Ctx) -> Result<(), AppError> {
    authz::require(ctx.actor()?, Perm::CalendarWrite)
}

/// For the district administrator's home page: the year that needs a holiday schedule, if
/// any (None for everyone else).
pub async fn missing_for(app: &App, ctx: &Ctx) -> Result<Option<i32>, AppError> {
    let actor = ctx.actor()?;
    if !authz::can(actor, Perm::CalendarWrite) {
        return Ok(None);
    }
    let mut c = app.db.acquire().await?;
    Ok(missing_year(&store::years(&mut c).await?))
}
