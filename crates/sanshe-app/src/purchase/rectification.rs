//! Rectification (整改) after an evaluation: the district officer orders it on a decided stage
//! graded below 良, with a demand and a deadline; the provider reports what it changed by
//! the deadline; the stage's assessor re-checks it (the officer, once the assessor is gone). A passed re-check lifts the halt a
//! failed mid-term put on the contract; a failed one (or a report missing at the deadline,
//! lapsed by the `purchase.deadlines` job) enters the provider's record as a 差, which
//! later calls read (优胜劣汰).

use super::evaluations::{is_assessor, is_provider, locked, TEXT_MAX};
use super::policy;
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self, At};
use crate::{inbox, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::calendar::Day;
use sanshe_domain::evaluation::{self as domain, RectEvent, RectState, Rectifications};
use sanshe_domain::needs as rules;
use sanshe_domain::workflow::Workflow;
use sanshe_domain::{FieldError, Role};
use sanshe_store::evaluations::{self as store, EvaluationRow, RectRow};
use sanshe_store::purchase as pstore;
use sanshe_store::workflow::Table;

/// The longest rectification period, in days.
pub const MAX_DAYS: i64 = 365;

fn today() -> String {
    crate::calendar::today().to_string()
}

/// Whether the caller may order a rectification of this evaluation now (its district's
/// officer; a decided stage graded below 良).
pub fn may_order(actor: &crate::Actor, e: &EvaluationRow) -> bool {
    policy::may_manage(actor, &e.district)
        && matches!(e.state.as_str(), "final" | "published")
        && domain::rectifiable(e.grade.as_deref().unwrap_or(""))
}

/// Whether the stage's assessor can no longer re-check: the account is gone, locked, no
/// longer an evaluator, or no longer acts for the stage's agency. The district's officer
/// settles the re-check then, so a provider's rectification is never left waiting.
pub async fn assessor_gone(
    conn: &mut sanshe_store::Conn,
    e: &EvaluationRow,
) -> Result<bool, AppError> {
    Ok(!sanshe_store::users::get(conn, e.assessor_id)
        .await?
        .is_some_and(|u| {
            !u.locked && u.role == Role::Evaluator.as_str() && u.scope_org == Some(e.agency_org_id)
        }))
}

/// Who re-checks: the stage's assessor, or the district's officer once the assessor is gone.
fn may_check(actor: &crate::Actor, e: &EvaluationRow, gone: bool) -> bool {
    is_assessor(actor, e) || (gone && policy::may_manage(actor, &e.district))
}

/// The rectification events the caller may take now (`gone`: see [`assessor_gone`]).
pub fn offered(actor: &crate::Actor, e: &EvaluationRow, r: &RectRow, gone: bool) -> Vec<RectEvent> {
    let Some(state) = Rectifications::parse_state(&r.state) else {
        return Vec::new();
    };
    let day = today();
    [RectEvent::Report, RectEvent::Pass, RectEvent::Fail]
        .into_iter()
        .filter(|ev| Rectifications::next(state, *ev).is_some())
        .filter(|ev| match ev {
            RectEvent::Report => is_provider(actor, e) && day.as_str() <= r.due.as_str(),
            RectEvent::Pass | RectEvent::Fail => may_check(actor, e, gone),
            RectEvent::Lapse => false,
        })
        .collect()
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OrderInput {
    #[serde(default)]
    pub demand: String,
    /// YYYY-MM-DD, after today and within a year.
    #[serde(default)]
    pub due: String,
}

/// The officer orders the rectification of a decided stage graded below 良.
pub async fn order(app: &App, ctx: &Ctx, id: i64, i: &OrderInput) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let mut errs = Vec::new();
    let demand = rules::text("demand", &i.demand, TEXT_MAX, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let now = crate::calendar::today();
    let last = now.plus_days(MAX_DAYS);
    match Day::parse(i.due.trim()) {
        Some(d) if d > now && d <= last => {}
        Some(_) => errs.push(
            FieldError::new("due", "err-rect-due")
                .arg("from", now.plus_days(1))
                .arg("to", last),
        ),
        None => errs.push(FieldError::new("due", "err-date")),
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let due = i.due.trim().to_owned();
    let mut tx = Uow::begin(app).await?;
    let (e, k) = locked(&mut tx, id).await?;
    if !policy::may_manage(actor, &e.district) {
        return Err(AppError::Hidden);
    }
    if !may_order(actor, &e) {
        return Err(AppError::Conflict(
            FieldError::new("", "err-rect-not-allowed").arg("state", &e.state),
        ));
    }
    let Some(rid) = store::insert_rectification(&mut tx, id, &demand, &due).await? else {
        return Err(AppError::Conflict(FieldError::new("", "err-rect-exists")));
    };
    workflow::created::<Rectifications>(&mut tx, actor, rid, RectState::Ordered, &due).await?;
    let mut told = pstore::org_accounts(&mut tx, &k.district, Some(k.org_id)).await?;
    told.push(e.assessor_id);
    inbox::notify(
        &mut tx,
        &told,
        "rectification.ordered",
        &k.project_title,
        &due,
        &format!("/purchase/evaluations/{id}"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "rectification",
            verb: "order",
        },
        Some(rid.to_string()),
        format!("{} — {} → {due}", k.project_title, e.stage),
        Outcome::Success,
    ))
    .await?;
    Ok(rid)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RectTransition {
    #[serde(default)]
    pub event: String,
    /// The provider's report, or the assessor's re-check findings (required).
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub version: Option<i64>,
}

/// The provider reports (by the deadline); the assessor passes or fails the re-check.
pub async fn act(app: &App, ctx: &Ctx, id: i64, i: &RectTransition) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    if !(authz::can(actor, Perm::PurchaseApply)
        || authz::can(actor, Perm::PanelServe)
        || authz::can(actor, Perm::PurchaseManage))
    {
        return Err(AppError::Forbidden);
    }
    let event = Rectifications::parse_event(&i.event)
        .filter(|e| *e != RectEvent::Lapse)
        .ok_or_else(|| {
            AppError::invalid(
                FieldError::new("event", "err-choice").arg("choices", "report、pass、fail"),
            )
        })?;
    authz::granted()?;
    let text = rules::text("text", &i.text, TEXT_MAX, true).map_err(AppError::invalid)?;
    let mut tx = Uow::begin(app).await?;
    let (e, k) = locked(&mut tx, id).await?;
    let allowed = match event {
        RectEvent::Report => is_provider(actor, &e),
        _ => {
            let gone = assessor_gone(&mut tx, &e).await?;
            if !gone && !is_assessor(actor, &e) && policy::may_manage(actor, &e.district) {
                // The officer reads the evaluation; the re-check is the assessor's while
                // the assessor is there.
                return Err(AppError::Conflict(
                    FieldError::new("", "err-rect-assessor-active").arg("name", &e.assessor_name),
                ));
            }
            may_check(actor, &e, gone)
        }
    };
    if !allowed {
        return Err(AppError::Hidden);
    }
    let r = store::rectification_of(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let day = today();
    if event == RectEvent::Report && day > r.due {
        return Err(AppError::Conflict(
            FieldError::new("", "err-rect-late").arg("date", &r.due),
        ));
    }
    let from = At {
        id: r.id,
        version: i.version.unwrap_or(r.version),
        state: Rectifications::parse_state(&r.state)
            .ok_or_else(|| AppError::Internal(format!("rectification {}: {}", r.id, r.state)))?,
    };
    let to = workflow::transition::<Rectifications>(
        &mut tx,
        Table::Rectifications,
        actor,
        from,
        event,
        &text,
    )
    .await?;
    let link = format!("/purchase/evaluations/{id}");
    let officers =
        sanshe_store::inbox::staff_covering(&mut tx, &k.district, &[Role::DistrictAdmin]).await?;
    match event {
        RectEvent::Report => {
            store::set_rect_report(&mut tx, r.id, &text, &day).await?;
            let mut told = officers;
            told.push(e.assessor_id);
            inbox::notify(
                &mut tx,
                &told,
                "rectification.reported",
                &k.project_title,
                &text,
                &link,
            )
            .await?;
        }
        RectEvent::Pass | RectEvent::Fail => {
            let passed = event == RectEvent::Pass;
            // A passed re-check of the stage that halted the contract resumes its payments.
            let lifted = passed
                && e.stage == "midterm"
                && k.halted_on.is_some()
                && store::resume(&mut tx, k.id, &day).await?;
            if lifted {
                // The tranches that waited on the mid-term become payable.
                super::evaluations::open_gated(&mut tx, actor, k.id, "on_midterm_evaluation")
                    .await?;
            }
            store::set_rect_result(&mut tx, r.id, &text, &day, lifted).await?;
            let mut told = pstore::org_accounts(&mut tx, &k.district, Some(k.org_id)).await?;
            told.extend(officers);
            let kind = match (passed, lifted) {
                (true, true) => "rectification.resumed",
                (true, false) => "rectification.passed",
                _ => "rectification.failed",
            };
            inbox::notify(&mut tx, &told, kind, &k.project_title, &text, &link).await?;
        }
        RectEvent::Lapse => {}
    }
    workflow::commit::<Rectifications>(tx, ctx, r.id, &k.project_title, from.state, event, to).await
}

/// The `purchase.deadlines` job: a rectification still without a report after its deadline
/// fails (and enters the provider's record). Returns how many lapsed.
pub async fn lapse(app: &App, ctx: &Ctx) -> Result<usize, AppError> {
    let day = today();
    let mut c = app.db.acquire().await?;
    let due = store::rectifications_lapsed(&mut c, &day).await?;
    drop(c);
    let mut n = 0;
    for r in due {
        let mut tx = Uow::begin(app).await?;
        let (e, k) = locked(&mut tx, r.evaluation_id).await?;
        let Some(r) = store::rectification_of(&mut tx, e.id).await? else {
            continue;
        };
        let Some(from) = Rectifications::parse_state(&r.state).filter(|s| *s == RectState::Ordered)
        else {
            continue;
        };
        let at = At {
            id: r.id,
            version: r.version,
            state: from,
        };
        let to = workflow::transition::<Rectifications>(
            &mut tx,
            Table::Rectifications,
            ctx.actor()?,
            at,
            RectEvent::Lapse,
            &r.due,
        )
        .await?;
        store::set_rect_result(&mut tx, r.id, "", &day, false).await?;
        let mut told = pstore::org_accounts(&mut tx, &k.district, Some(k.org_id)).await?;
        told.extend(
            sanshe_store::inbox::staff_covering(&mut tx, &k.district, &[Role::DistrictAdmin])
                .await?,
        );
        inbox::notify(
            &mut tx,
            &told,
            "rectification.failed",
            &k.project_title,
            &r.due,
            &format!("/purchase/evaluations/{}", e.id),
        )
        .await?;
        workflow::commit::<Rectifications>(
            tx,
            ctx,
            r.id,
            &k.project_title,
            from,
            RectEvent::Lapse,
            to,
        )
        .await?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! The state × event × role table of rectifications, written by hand.
    use super::*;
    use crate::purchase::policy::tests::cast;

    fn evaluation(state: &str, grade: &str) -> EvaluationRow {
        EvaluationRow {
            id: 1,
            contract_id: 1,
            project_id: 1,
            project_title: String::new(),
            district: "320412".into(),
            org_id: 1,
            org_name: String::new(),
            stage: "midterm".into(),
            agency_org_id: 3,
            agency_name: String::new(),
            assessor_id: 8,
            assessor_name: String::new(),
            scheme_id: 1,
            scheme_version: 1,
            scores: String::new(),
            total_tenths: Some(500),
            grade: Some(grade.into()),
            findings: String::new(),
            answer: String::new(),
            answer_by: None,
            decided_on: None,
            state: state.into(),
            version: 0,
            created_at: 0,
            updated_at: 0,
            self_due: None,
            self_scores: String::new(),
            self_total: None,
            self_report: String::new(),
            self_on: None,
            late_report: false,
            comments: String::new(),
        }
    }

    fn rect(state: &str, due: &str) -> RectRow {
        RectRow {
            id: 1,
            evaluation_id: 1,
            demand: String::new(),
            due: due.into(),
            report: String::new(),
            reported_on: None,
            result: String::new(),
            checked_on: None,
            lifted: false,
            state: state.into(),
            version: 0,
            created_at: 0,
        }
    }

    #[test]
    fn rectifications_state_event_role_table() {
        use RectEvent as E;
        let ahead = crate::calendar::today().plus_days(5).to_string();
        let past = crate::calendar::today().plus_days(-1).to_string();
        let e = evaluation("published", "poor");
        // (state, due, who, what they may do)
        let table: &[(&str, &str, &str, &[E])] = &[
            ("ordered", &ahead, "org", &[E::Report]),
            ("ordered", &past, "org", &[]),
            ("reported", &ahead, "evaluator", &[E::Pass, E::Fail]),
            ("reported", &past, "evaluator", &[E::Pass, E::Fail]),
        ];
        for gone in [false, true] {
            for state in ["ordered", "reported", "passed", "failed"] {
                for due in [&ahead, &past] {
                    for (name, a) in cast() {
                        let mut want: Vec<E> = table
                            .iter()
                            .find(|t| t.0 == state && t.1 == due.as_str() && t.2 == name)
                            .map(|t| t.3.to_vec())
                            .unwrap_or_default();
                        // Once the assessor is gone, the district's officer re-checks.
                        if gone && state == "reported" && name == "district" {
                            want = vec![E::Pass, E::Fail];
                        }
                        assert_eq!(
                            offered(&a, &e, &rect(state, due), gone),
                            want,
                            "{state} due {due} × {name}, assessor gone: {gone}"
                        );
                    }
                }
            }
        }
        // Only the district's officer orders, on a decided stage graded 中 or 差.
        for (name, a) in cast() {
            for (state, grade, ok) in [
                ("final", "poor", true),
                ("published", "fair", true),
                ("published", "good", false),
                ("draft", "poor", false),
                ("assigned", "", false),
            ] {
                assert_eq!(
                    may_order(&a, &evaluation(state, grade)),
                    ok && name == "district",
                    "{name} × {state} {grade}"
                );
            }
        }
    }
}
