//! The working-day calendar page: one year's holidays and adjusted working days, a form to
//! add or change a day, removal with confirmation, a sheet import and a deadline calculator.

use super::{read_upload, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{redirect_flash, with_page, Page};
use askama::Template;
use axum::extract::{Multipart, Path, Query};
use axum::Form;
use sanshe_app::calendar::{self, DayInput, YearView};
use sanshe_app::AppError;
use sanshe_domain::calendar::Day;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    pub year: Option<String>,
    pub from: Option<String>,
    pub days: Option<String>,
}

pub struct DayRow {
    pub day: String,
    pub weekday: String,
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "calendar/calendar.html")]
struct CalendarPage {
    p: Page,
    v: YearView,
    rows: Vec<DayRow>,
    form: DayInput,
    errors: Vec<String>,
    from: String,
    days: String,
    due: Option<String>,
    calc_error: Option<String>,
    import_issues: Vec<String>,
}

fn year_of(q: &CalendarQuery) -> i32 {
    q.year
        .as_deref()
        .and_then(|y| y.trim().parse().ok())
        .unwrap_or_else(|| calendar::today().year())
}

async fn render(
    rc: &Rc,
    year: i32,
    form: DayInput,
    errors: Vec<String>,
    q: &CalendarQuery,
    import_issues: Vec<String>,
) -> PageResult {
    let v = calendar::year(&rc.app, &rc.ctx, year).await.page(rc)?;
    let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let rows = v
        .days
        .iter()
        .map(|d| DayRow {
            weekday: Day::parse(&d.day)
                .map(|x| {
                    rc.tr
                        .t(&format!("weekday-{}", weekdays[x.weekday() as usize]))
                        .to_owned()
                })
                .unwrap_or_default(),
            kind_label: rc
                .tr
                .t(if d.kind == "workday" {
                    "calendar-kind-workday"
                } else {
                    "calendar-kind-holiday"
                })
                .to_owned(),
            day: d.day.clone(),
            kind: d.kind.clone(),
            name: d.name.clone(),
            source: d.source.clone(),
        })
        .collect();
    // The deadline calculator (a read: no audit entry).
    let from = q.from.clone().unwrap_or_default();
    let days = q.days.clone().unwrap_or_else(|| "5".into());
    let (mut due, mut calc_error) = (None, None);
    if !from.trim().is_empty() {
        match (Day::parse(from.trim()), days.trim().parse::<i64>()) {
            (Some(f), Ok(n))
                if n.unsigned_abs() <= sanshe_domain::calendar::MAX_WORKING_DAYS as u64 =>
            {
                due = Some(
                    calendar::working_day_after(&rc.app, &rc.ctx, f, n)
                        .await
                        .page(rc)?
                        .to_string(),
                )
            }
            (None, _) => calc_error = Some(rc.tr.t("err-calendar-day").to_owned()),
            _ => calc_error = Some(rc.tr.t("err-calendar-days").to_owned()),
        }
    }
    let page = CalendarPage {
        p: Page::new(rc, "calendar-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("", rc.tr.t("calendar-title")),
        v,
        rows,
        form,
        errors: errors.clone(),
        from,
        days,
        due,
        calc_error,
        import_issues: import_issues.clone(),
    };
    let mut r = with_page(rc, &page);
    if !errors.is_empty() || !import_issues.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn show(rc: Rc, Query(q): Query<CalendarQuery>) -> PageResult {
    let y = year_of(&q);
    render(&rc, y, DayInput::default(), Vec::new(), &q, Vec::new()).await
}

pub async fn save(rc: Rc, Form(f): Form<DayInput>) -> PageResult {
    match calendar::set_day(&rc.app, &rc.ctx, &f).await {
        Ok(d) => Ok(redirect_flash(
            &format!("/calendar?year={}", &d.day[..4]),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let y = Day::parse(f.day.trim())
                .map(|d| d.year())
                .unwrap_or_else(|| calendar::today().year());
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            render(&rc, y, f, errs, &CalendarQuery::default(), Vec::new()).await
        }
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub confirm: String,
}

pub async fn remove(rc: Rc, Path(day): Path<String>, Form(f): Form<ConfirmForm>) -> PageResult {
    calendar::require_edit(&rc.ctx).page(&rc)?;
    if f.confirm != "yes" {
        return Err(PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new("confirm", "err-confirm")),
            &rc,
        ));
    }
    calendar::remove_day(&rc.app, &rc.ctx, &day)
        .await
        .page(&rc)?;
    let y = day.get(..4).unwrap_or("");
    Ok(redirect_flash(
        &format!("/calendar?year={y}"),
        "flash-deleted",
    ))
}

pub async fn import(rc: Rc, mp: Multipart) -> PageResult {
    calendar::require_edit(&rc.ctx).page(&rc)?;
    let (file, opts) = read_upload(mp).await;
    let y = calendar::today().year();
    let Some(bytes) = file else {
        let msg = rc.tr.t("err-import-no-file").to_owned();
        return render(
            &rc,
            y,
            DayInput::default(),
            Vec::new(),
            &CalendarQuery::default(),
            vec![msg],
        )
        .await;
    };
    let r = calendar::import(&rc.app, &rc.ctx, &bytes, opts)
        .await
        .page(&rc)?;
    if r.committed && r.issues.is_empty() {
        return Ok(redirect_flash("/calendar", "flash-imported"));
    }
    let issues = r
        .issues
        .iter()
        .map(|i| {
            format!(
                "{} {}: {}",
                rc.tr.t("col-row"),
                i.row,
                rc.tr.f(&i.code, &i.args)
            )
        })
        .collect();
    render(
        &rc,
        y,
        DayInput::default(),
        Vec::new(),
        &CalendarQuery::default(),
        issues,
    )
    .await
}
