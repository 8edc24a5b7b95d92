//! The project page's Q&A and recusal sections, and their forms.

use super::PageResult;
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::redirect_flash;
use axum::extract::Path;
use axum::Form;
use sanshe_app::purchase::questions as app;
use sanshe_app::AppError;
use sanshe_store::purchase::ProjectRow;
use serde::Deserialize;

#[derive(Default)]
pub struct QaSection {
    pub questions: Vec<QuestionView>,
    pub can_ask: bool,
    pub can_answer: bool,
    pub recusals: Vec<RecusalView>,
    /// (expert id, "name (affiliation)") an applicant may name.
    pub pool: Vec<(i64, String)>,
    pub can_request: bool,
    pub can_decide: bool,
    pub relations: Vec<(String, String)>,
}

pub struct QuestionView {
    pub id: i64,
    pub question: String,
    pub answer: String,
    pub asker: String,
    pub open: bool,
    pub asked: String,
}

pub struct RecusalView {
    pub id: i64,
    pub expert: String,
    pub org: String,
    pub reason: String,
    pub state: String,
    pub state_label: String,
    pub reply: String,
}

/// What the project page shows of Q&A and recusals to this caller.
pub async fn section(rc: &Rc, p: &ProjectRow, can_manage: bool) -> Result<QaSection, PageError> {
    let Some(actor) = rc.actor() else {
        return Ok(QaSection::default());
    };
    if !sanshe_app::purchase::policy::is_published(p) {
        return Ok(QaSection::default());
    }
    let questions = app::list(&rc.app, &rc.ctx, p.id)
        .await
        .map_err(|e| PageError::new(e, rc))?
        .into_iter()
        .map(|q| QuestionView {
            id: q.id,
            open: q.state == "open",
            question: q.question,
            answer: q.answer,
            asker: q.org_name,
            asked: crate::view::datetime(q.asked_at),
        })
        .collect();
    let is_org = sanshe_app::authz::can(actor, sanshe_app::authz::Perm::PurchaseApply);
    let pool = if is_org {
        app::pool_names(&rc.app, &rc.ctx, p.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|(id, n, a)| (id, format!("{n}（{a}）")))
            .collect()
    } else {
        Vec::new()
    };
    let recusals = if can_manage || is_org {
        app::recusals(&rc.app, &rc.ctx, p.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| RecusalView {
                id: r.id,
                expert: r.expert_name,
                org: r.org_name,
                reason: r.reason,
                state_label: rc.tr.t(&format!("objection-state-{}", r.state)).to_owned(),
                state: r.state,
                reply: r.reply,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(QaSection {
        questions,
        can_ask: is_org && p.state == "open",
        can_answer: can_manage,
        can_request: !pool.is_empty()
            && matches!(p.state.as_str(), "open" | "closed" | "reviewing"),
        pool,
        recusals,
        can_decide: can_manage,
        relations: sanshe_domain::purchase::TIE_RELATIONS
            .iter()
            .map(|r| ((*r).to_owned(), rc.tr.t(&format!("tie-{r}")).to_owned()))
            .collect(),
    })
}

async fn back(rc: &Rc, project: i64, r: Result<(), AppError>, anchor: &str) -> PageResult {
    match r {
        Ok(()) => Ok(redirect_flash(
            &format!("/purchase/projects/{project}#{anchor}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            let mut r = super::purchase::project_page_with(rc, project, errs).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(AppError::Conflict(e)) => {
            super::purchase::project_page_with(rc, project, vec![rc.tr.field_error(&e)]).await
        }
        Err(e) => Err(PageError::new(e, rc)),
    }
}

#[derive(Deserialize, Default)]
pub struct AskForm {
    #[serde(default)]
    pub question: String,
}

pub async fn ask(rc: Rc, Path(id): Path<i64>, Form(f): Form<AskForm>) -> PageResult {
    let r = app::ask(&rc.app, &rc.ctx, id, &f.question)
        .await
        .map(|_| ());
    back(&rc, id, r, "questions").await
}

#[derive(Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    pub answer: String,
}

async fn project_of_question(rc: &Rc, qid: i64) -> Result<i64, PageError> {
    let mut c = rc
        .app
        .db
        .acquire()
        .await
        .map_err(|e| PageError::new(e.into(), rc))?;
    Ok(sanshe_store::questions::question(&mut c, qid)
        .await
        .map_err(|e| PageError::new(e.into(), rc))?
        .ok_or_else(|| PageError::new(AppError::NotFound, rc))?
        .project_id)
}

pub async fn answer(rc: Rc, Path(qid): Path<i64>, Form(f): Form<AnswerForm>) -> PageResult {
    if !sanshe_app::authz::can(
        rc.actor()
            .ok_or(AppError::Unauthenticated)
            .map_err(|e| PageError::new(e, &rc))?,
        sanshe_app::authz::Perm::PurchaseManage,
    ) {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    let project = project_of_question(&rc, qid).await?;
    let r = app::answer(&rc.app, &rc.ctx, qid, &f.answer).await;
    back(&rc, project, r, "questions").await
}

#[derive(Deserialize, Default)]
pub struct RecusalForm {
    #[serde(default)]
    pub expert: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn request(rc: Rc, Path(id): Path<i64>, Form(f): Form<RecusalForm>) -> PageResult {
    let expert = f.expert.trim().parse().unwrap_or(0);
    let r = app::request_recusal(&rc.app, &rc.ctx, id, expert, &f.reason)
        .await
        .map(|_| ());
    back(&rc, id, r, "recusals").await
}

pub async fn decide(
    rc: Rc,
    Path(rid): Path<i64>,
    Form(f): Form<app::RecusalDecision>,
) -> PageResult {
    if !sanshe_app::authz::can(
        rc.actor()
            .ok_or(AppError::Unauthenticated)
            .map_err(|e| PageError::new(e, &rc))?,
        sanshe_app::authz::Perm::PurchaseManage,
    ) {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    let project = {
        let mut c = rc
            .app
            .db
            .acquire()
            .await
            .map_err(|e| PageError::new(e.into(), &rc))?;
        sanshe_store::questions::recusal(&mut c, rid)
            .await
            .map_err(|e| PageError::new(e.into(), &rc))?
            .ok_or_else(|| PageError::new(AppError::NotFound, &rc))?
            .project_id
    };
    let r = app::decide_recusal(&rc.app, &rc.ctx, rid, &f).await;
    back(&rc, project, r, "recusals").await
}

// ---- an application's files -------------------------------------------------------------------

fn to_application(id: i64, r: Result<(), AppError>, rc: &Rc) -> PageResult {
    match r {
        Ok(()) => Ok(redirect_flash(
            &format!("/purchase/applications/{id}#files"),
            "flash-saved",
        )),
        Err(e) => Err(PageError::new(e, rc)),
    }
}

pub async fn app_attach(
    rc: Rc,
    Path(id): Path<i64>,
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    use sanshe_app::purchase::applications as apps;
    let actor = rc
        .actor()
        .ok_or(AppError::Unauthenticated)
        .map_err(|e| PageError::new(e, &rc))?;
    if !sanshe_app::authz::can(actor, sanshe_app::authz::Perm::PurchaseApply) {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    let file = match mp {
        Ok(mp) => crate::pages::read_file_field(mp, "file").await,
        Err(_) => None,
    };
    let r = match file {
        Some((name, bytes)) => apps::attach(&rc.app, &rc.ctx, id, &name, &bytes)
            .await
            .map(|_| ()),
        None => Err(AppError::invalid(sanshe_domain::FieldError::new(
            "file",
            "err-import-no-file",
        ))),
    };
    to_application(id, r, &rc)
}

pub async fn app_file(rc: Rc, Path((id, aid)): Path<(i64, i64)>) -> PageResult {
    let (a, bytes) = sanshe_app::purchase::applications::file(&rc.app, &rc.ctx, id, aid)
        .await
        .map_err(|e| PageError::new(e, &rc))?;
    Ok(crate::pages::file_download(
        &a.file_name,
        &a.content_type,
        bytes,
    ))
}

pub async fn app_detach(rc: Rc, Path((id, aid)): Path<(i64, i64)>) -> PageResult {
    let r = sanshe_app::purchase::applications::detach(&rc.app, &rc.ctx, id, aid).await;
    to_application(id, r, &rc)
}
