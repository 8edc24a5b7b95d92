//! Social-worker pages beyond the registry's: CPD hours and subsidies entered one by one.

use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::view::redirect_flash;
use axum::extract::Path;
use axum::Form;

#[derive(serde::Deserialize, Default)]
pub struct SubsidyForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    paid_on: String,
}

pub async fn add_subsidy(rc: Rc, Path(id): Path<i64>, Form(f): Form<SubsidyForm>) -> PageResult {
    sanshe_app::workers::add_subsidy(&rc.app, &rc.ctx, id, &f.year, &f.amount, &f.paid_on)
        .await
        .page(&rc)?;
    Ok(redirect_flash(&format!("/workers/{id}"), "flash-saved"))
}

#[derive(serde::Deserialize, Default)]
pub struct CpdForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    provider: String,
}

pub async fn add_cpd(rc: Rc, Path(id): Path<i64>, Form(f): Form<CpdForm>) -> PageResult {
    let added = sanshe_app::workers::add_cpd(
        &rc.app,
        &rc.ctx,
        id,
        &f.date,
        &f.hours,
        &f.topic,
        &f.provider,
    )
    .await
    .page(&rc)?;
    Ok(redirect_flash(
        &format!("/workers/{id}"),
        match added {
            sanshe_app::workers::CpdAdded::Entry(_) => "flash-saved",
            sanshe_app::workers::CpdAdded::Pending(_) => "flash-fact-pending",
        },
    ))
}
