//! The route × role matrix: every route, every role (and anonymous), the decision
//! written by hand; a 5xx is always a failure.

mod distribution;

use crate::common::{self, Session, T};
use axum::http::StatusCode;
use serde_json::json;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};

pub(crate) const ROLES: [&str; 10] = [
    "district",
    "street",
    "community",
    "org",
    "worker",
    "evaluator",
    "resident",
    "sysadmin",
    "secadmin",
    "auditadmin",
];
pub(crate) const COMMUNITY: &str = "320412100002"; // in the demo street 湖塘镇

/// Who may use each route. "public": everyone including anonymous; "auth": every signed-in
/// role. Written by hand on purpose: it is the specification the code is checked against.
pub(crate) fn expected() -> BTreeMap<(&'static str, &'static str), Vec<&'static str>> {
    let public = vec!["public"];
    let auth = vec!["auth"];
    let area_read = vec!["district", "street", "community", "sysadmin", "secadmin"];
    let area_write = vec!["district", "street", "community"];
    let area_import = vec!["district", "sysadmin"];
    let user_read = vec!["sysadmin", "secadmin"];
    let sys = vec!["sysadmin"];
    let sec = vec!["secadmin"];
    let nobody: Vec<&str> = vec![];
    let audit = vec!["auditadmin"];
    let calendar_read = vec![
        "district",
        "street",
        "community",
        "org",
        "worker",
        "evaluator",
        "sysadmin",
    ];
    let calendar_write = vec!["district"];
    let needs_any = vec!["district", "street", "community", "resident"];
    let needs_staff = vec!["district", "street", "community"];
    let proposal_write = vec!["district", "street"];
    let district = vec!["district"];
    let purchase_read = vec!["district", "street", "community"];
    let org = vec!["org"];
    let worker = vec!["worker"];
    let district_org = vec!["district", "org"];
    let resident = vec!["resident"];
    let community = vec!["community"];
    let district_community = vec!["district", "community"];
    let district_evaluator = vec!["district", "evaluator"];
    let purchase_any_evaluator = vec!["district", "street", "community", "org", "evaluator"];
    let evaluator = vec!["evaluator"];
    // The provider reports, the assessor re-checks, the officer once the assessor is gone.
    let eval_parties_rect = vec!["district", "org", "evaluator"];
    // An evaluation: its officers, its provider, its assessor.
    let eval_parties = vec!["district", "org", "evaluator"];
    // A contract's delivery: its officers, its organization, purchase staff over its communities.
    // (and the assessor assigned to evaluate it, who checks the logs against the evidence).
    let delivery_read = vec!["district", "street", "community", "org", "evaluator"];
    let mut m = BTreeMap::new();
    for (k, v) in [
        (("get", "/healthz"), &public),
        (("get", "/readyz"), &public),
        (("get", "/metrics"), &public),
        (("get", "/static/app.css"), &public),
        (("get", "/static/drafts.js"), &public),
        (("get", "/static/favicon.svg"), &public),
        (("get", "/api/openapi.json"), &public),
        (("get", "/api/docs"), &public),
        (("get", "/login"), &public),
        (("post", "/login"), &public),
        (("get", "/lang/{code}"), &public),
        (("post", "/lang/{code}"), &public),
        // Only a half-signed-in session (none in this matrix) has a second step to take.
        (("get", "/login/mfa"), &nobody),
        (("post", "/login/mfa"), &nobody),
        (("get", "/account/mfa"), &auth),
        (("post", "/account/mfa"), &auth),
        (("post", "/users/{id}/mfa/reset"), &sec),
        (("post", "/api/v1/users/{id}/mfa/reset"), &sec),
        (("get", "/security/throttles"), &sec),
        (("post", "/security/throttles/lift"), &sec),
        (("get", "/api/v1/login-throttles"), &sec),
        (("post", "/api/v1/login-throttles/lift"), &sec),
        (("post", "/logout"), &public),
        // Anonymous visitors are sent to the public portal, not refused.
        (("get", "/"), &public),
        (("get", "/areas"), &area_read),
        (("get", "/areas/export/{format}"), &area_read),
        (("get", "/areas/import"), &area_import),
        (("post", "/areas/import"), &area_import),
        (("get", "/areas/import/template.csv"), &area_import),
        (("get", "/areas/{code}"), &area_read),
        (("get", "/areas/{code}/edit"), &area_write),
        (("post", "/areas/{code}/edit"), &area_write),
        (("post", "/areas/{code}/population"), &area_write),
        (("get", "/users"), &user_read),
        (("get", "/users/new"), &sys),
        (("post", "/users/new"), &sys),
        (("get", "/users/{id}"), &user_read),
        (("post", "/users/{id}/lock"), &sys),
        (("post", "/users/{id}/unlock"), &sys),
        (("post", "/users/{id}/password"), &sys),
        (("post", "/users/{id}/role"), &sec),
        (("get", "/account"), &auth),
        (("post", "/account/password"), &auth),
        (("post", "/account/tokens"), &auth),
        (("post", "/account/tokens/{id}/revoke"), &auth),
        (("get", "/audit"), &audit),
        (("get", "/audit/export/{format}"), &audit),
        (("post", "/audit/verify"), &audit),
        (("get", "/public"), &public),
        (("get", "/needs"), &needs_any),
        (("get", "/needs/new"), &needs_any),
        (("post", "/needs/new"), &needs_any),
        (("get", "/needs/stats"), &needs_staff),
        (("get", "/needs/categories"), &district),
        (("post", "/needs/categories"), &district),
        (("get", "/needs/export/{format}"), &needs_staff),
        (("get", "/needs/{id}"), &needs_any),
        (("post", "/needs/{id}/transition"), &needs_any),
        (("post", "/needs/{id}/reveal"), &needs_any),
        (("post", "/needs/{id}/attachments"), &needs_any),
        (("get", "/needs/{id}/attachments/{aid}"), &needs_any),
        (("post", "/needs/{id}/attachments/{aid}/delete"), &needs_any),
        (("get", "/proposals"), &needs_staff),
        (("get", "/proposals/new"), &proposal_write),
        (("post", "/proposals/new"), &proposal_write),
        (("get", "/proposals/{id}"), &needs_staff),
        (("post", "/proposals/{id}/transition"), &needs_staff),
        (("get", "/inbox"), &auth),
        (("post", "/inbox/read-all"), &auth),
        (("post", "/inbox/{id}/open"), &auth),
        (("get", "/calendar"), &calendar_read),
        (("post", "/calendar"), &calendar_write),
        (("post", "/calendar/import"), &calendar_write),
        (("post", "/calendar/{day}/delete"), &calendar_write),
        (("get", "/api/v1/me"), &auth),
        (("get", "/api/v1/areas"), &area_read),
        (("post", "/api/v1/areas/import"), &area_import),
        (("get", "/api/v1/areas/{code}"), &area_read),
        (("patch", "/api/v1/areas/{code}"), &area_write),
        (
            ("put", "/api/v1/areas/{code}/populations/{year}"),
            &area_write,
        ),
        (("get", "/api/v1/users"), &user_read),
        (("post", "/api/v1/users"), &sys),
        (("get", "/api/v1/users/{id}"), &user_read),
        (("post", "/api/v1/users/{id}/lock"), &sys),
        (("post", "/api/v1/users/{id}/unlock"), &sys),
        (("put", "/api/v1/users/{id}/role"), &sec),
        (("get", "/api/v1/tokens"), &auth),
        (("post", "/api/v1/tokens"), &auth),
        (("delete", "/api/v1/tokens/{id}"), &auth),
        (("get", "/api/v1/audit"), &audit),
        (("post", "/api/v1/audit/verify"), &audit),
        (("get", "/api/v1/needs"), &needs_any),
        (("post", "/api/v1/needs"), &needs_any),
        (("get", "/api/v1/needs/categories"), &auth),
        (("put", "/api/v1/needs/categories/{code}"), &district),
        (("get", "/api/v1/needs/stats"), &needs_staff),
        (("get", "/api/v1/needs/{id}"), &needs_any),
        (("post", "/api/v1/needs/{id}/transitions"), &needs_staff),
        (("post", "/api/v1/needs/{id}/contact"), &needs_any),
        (("get", "/api/v1/needs/{id}/attachments"), &needs_any),
        (("post", "/api/v1/needs/{id}/attachments"), &needs_any),
        (("get", "/api/v1/needs/{id}/attachments/{aid}"), &needs_any),
        (
            ("delete", "/api/v1/needs/{id}/attachments/{aid}"),
            &needs_any,
        ),
        (("get", "/purchase/catalog"), &purchase_read),
        (("post", "/purchase/catalog/lines"), &district),
        (("post", "/purchase/catalog/lines/{id}"), &district),
        (("post", "/purchase/catalog/transition"), &district),
        (("post", "/purchase/catalog/import"), &district),
        (("get", "/purchase/catalog/export/{format}"), &purchase_read),
        (("get", "/purchase/catalog/items/new"), &district),
        (("post", "/purchase/catalog/items/new"), &district),
        (("get", "/purchase/catalog/items/{id}/edit"), &district),
        (("post", "/purchase/catalog/items/{id}/edit"), &district),
        (("get", "/purchase/catalog/items/{id}/delete"), &district),
        (("post", "/purchase/catalog/items/{id}/delete"), &district),
        (("post", "/purchase/projects/{id}/award"), &district),
        (("post", "/purchase/projects/{id}/objections"), &org),
        (("post", "/purchase/objections/{id}/answer"), &district),
        (("get", "/api/v1/purchase/projects/{id}/award"), &auth),
        (("post", "/api/v1/purchase/projects/{id}/award"), &district),
        (("post", "/api/v1/purchase/projects/{id}/objections"), &org),
        (
            ("post", "/api/v1/purchase/objections/{id}/answer"),
            &district,
        ),
        (("post", "/purchase/projects/{id}/contract"), &district),
        // The victim contract is signed: public once signed.
        (("get", "/purchase/contracts/{id}"), &auth),
        (("post", "/purchase/contracts/{id}/edit"), &district),
        (("post", "/purchase/contracts/{id}/sign"), &district),
        (("post", "/purchase/contracts/{id}/tranches"), &district),
        (("post", "/purchase/contracts/{id}/clawbacks"), &district),
        (("post", "/purchase/tranches/{id}/accept"), &district),
        (("post", "/purchase/tranches/{id}/pay"), &district),
        (("get", "/purchase/contracts"), &purchase_read),
        (("get", "/purchase/my-service"), &worker),
        (("get", "/purchase/evaluations"), &purchase_any_evaluator),
        (
            ("get", "/purchase/evaluations/export/{format}"),
            &purchase_any_evaluator,
        ),
        (("get", "/purchase/evaluations/{id}"), &eval_parties),
        (("post", "/purchase/evaluations/{id}/scores"), &evaluator),
        (("post", "/purchase/evaluations/{id}/answer"), &org),
        (
            ("post", "/purchase/evaluations/{id}/transitions"),
            &district_evaluator,
        ),
        (("post", "/purchase/contracts/{id}/evaluations"), &district),
        (
            ("get", "/purchase/evaluation-scheme"),
            &purchase_any_evaluator,
        ),
        (("post", "/purchase/evaluation-scheme"), &district),
        (
            ("get", "/api/v1/purchase/evaluations"),
            &purchase_any_evaluator,
        ),
        (("get", "/api/v1/purchase/evaluations/{id}"), &eval_parties),
        (
            ("put", "/api/v1/purchase/evaluations/{id}/scores"),
            &evaluator,
        ),
        (("post", "/api/v1/purchase/evaluations/{id}/answer"), &org),
        (
            ("post", "/api/v1/purchase/evaluations/{id}/transitions"),
            &district_evaluator,
        ),
        (
            ("post", "/api/v1/purchase/contracts/{id}/evaluations"),
            &district,
        ),
        (
            ("get", "/api/v1/purchase/evaluation-scheme"),
            &purchase_any_evaluator,
        ),
        (("put", "/api/v1/purchase/evaluation-scheme"), &district),
        (("get", "/api/v1/purchase/assessors"), &district),
        (("get", "/api/v1/purchase/agencies"), &district),
        (("get", "/api/v1/purchase/agencies/{id}/ties"), &district),
        (("post", "/api/v1/purchase/agencies/{id}/ties"), &district),
        (("get", "/purchase/agencies"), &district),
        (("delete", "/api/v1/purchase/agency-ties/{id}"), &district),
        (("post", "/purchase/agency-ties/{id}/delete"), &district),
        (("post", "/purchase/agencies/{id}/ties"), &district),
        (
            ("get", "/api/v1/purchase/evaluations/{id}/attachments"),
            &eval_parties,
        ),
        (
            ("post", "/api/v1/purchase/evaluations/{id}/attachments"),
            &evaluator,
        ),
        (
            ("get", "/api/v1/purchase/evaluations/{id}/attachments/{aid}"),
            &eval_parties,
        ),
        (
            ("post", "/purchase/evaluations/{id}/attachments"),
            &evaluator,
        ),
        (
            ("get", "/purchase/evaluations/{id}/attachments/{aid}"),
            &eval_parties,
        ),
        // Self-evaluation, batch assignment, hand-over, rectification.
        (
            ("put", "/api/v1/purchase/evaluations/{id}/self-evaluation"),
            &org,
        ),
        (("post", "/purchase/evaluations/{id}/self-evaluation"), &org),
        (("post", "/api/v1/purchase/evaluation-batches"), &district),
        (
            ("post", "/api/v1/purchase/evaluations/{id}/samples"),
            &evaluator,
        ),
        (("post", "/purchase/evaluations/{id}/samples"), &evaluator),
        (("get", "/purchase/evaluation-batches"), &district),
        (("post", "/purchase/evaluation-batches"), &district),
        (
            ("put", "/api/v1/purchase/evaluations/{id}/assessor"),
            &district_evaluator,
        ),
        (
            ("post", "/purchase/evaluations/{id}/assessor"),
            &district_evaluator,
        ),
        (
            ("post", "/api/v1/purchase/evaluations/{id}/rectification"),
            &district,
        ),
        (
            ("post", "/purchase/evaluations/{id}/rectification"),
            &district,
        ),
        (
            (
                "post",
                "/api/v1/purchase/evaluations/{id}/rectification/transitions",
            ),
            &eval_parties_rect,
        ),
        (
            (
                "post",
                "/purchase/evaluations/{id}/rectification/transitions",
            ),
            &eval_parties_rect,
        ),
        // 以奖代补: purchase staff read; officers keep the lists.
        (("get", "/award-lists"), &purchase_read),
        (("post", "/award-lists"), &district),
        (("get", "/award-lists/{id}"), &purchase_read),
        (("post", "/award-lists/{id}/scheme"), &district),
        (("post", "/award-lists/{id}/transitions"), &district),
        (("post", "/award-lists/{id}/entries"), &district),
        (("post", "/award-lists/{id}/entries/{aid}/pay"), &district),
        (("get", "/award-lists/{id}/export/{format}"), &purchase_read),
        (("get", "/award-lists/{id}/score-sheet/{format}"), &district),
        (("post", "/award-lists/{id}/import"), &district),
        (
            ("post", "/api/v1/award-lists/{id}/scores/import"),
            &district,
        ),
        (("get", "/public/awards"), &public),
        (("post", "/award-lists/{id}/fill"), &district),
        (("post", "/award-lists/{id}/self"), &community),
        (
            ("post", "/award-lists/{id}/entries/{aid}/appeal"),
            &community,
        ),
        (
            ("post", "/award-lists/{id}/entries/{aid}/answer"),
            &district,
        ),
        (("post", "/api/v1/award-lists/{id}/fill"), &district),
        (("put", "/api/v1/award-lists/{id}/self"), &community),
        (("post", "/api/v1/award-entries/{id}/appeal"), &community),
        (("post", "/api/v1/award-entries/{id}/answer"), &district),
        // Evidence of an entry: officers, and the staff of the community it scores (another
        // community's staff are answered 404).
        (("get", "/award-entries/{id}"), &district_community),
        (
            ("post", "/award-entries/{id}/attachments"),
            &district_community,
        ),
        (
            ("get", "/award-entries/{id}/attachments/{aid}"),
            &district_community,
        ),
        (
            ("get", "/api/v1/award-entries/{id}/attachments"),
            &district_community,
        ),
        (
            ("post", "/api/v1/award-entries/{id}/attachments"),
            &district_community,
        ),
        (
            ("get", "/api/v1/award-entries/{id}/attachments/{aid}"),
            &district_community,
        ),
        (("get", "/api/v1/award-lists"), &purchase_read),
        (("post", "/api/v1/award-lists"), &district),
        (("get", "/api/v1/award-lists/{id}"), &purchase_read),
        (("put", "/api/v1/award-lists/{id}/scheme"), &district),
        (("post", "/api/v1/award-lists/{id}/transitions"), &district),
        (("put", "/api/v1/award-lists/{id}/entries"), &district),
        (("post", "/api/v1/award-entries/{id}/pay"), &district),
        // Organization ratings: purchase staff, organizations and assessors read; officers
        // decide; organizations apply and ask for reviews; the assessor scores.
        (("get", "/ratings"), &purchase_any_evaluator),
        (("post", "/ratings"), &org),
        (("get", "/ratings/export/{format}"), &purchase_any_evaluator),
        (("get", "/ratings/scheme"), &purchase_any_evaluator),
        (("post", "/ratings/scheme"), &district),
        (("get", "/ratings/committee"), &district),
        (("post", "/ratings/committee"), &district),
        (("get", "/ratings/{id}"), &purchase_any_evaluator),
        (("post", "/ratings/{id}/transitions"), &eval_parties),
        (
            ("get", "/ratings/{id}/certificate"),
            &purchase_any_evaluator,
        ),
        (("get", "/public/ratings"), &public),
        (("get", "/api/v1/rating-scheme"), &purchase_any_evaluator),
        (("put", "/api/v1/rating-scheme"), &district),
        (("get", "/api/v1/rating-committee"), &district),
        (("post", "/api/v1/rating-committee"), &district),
        (("get", "/api/v1/ratings"), &purchase_any_evaluator),
        (("post", "/api/v1/ratings"), &org),
        (("get", "/api/v1/ratings/{id}"), &purchase_any_evaluator),
        (("post", "/api/v1/ratings/{id}/transitions"), &eval_parties),
        // Venture philanthropy: purchase staff, organizations and reviewers; residents vote.
        (("get", "/venture"), &purchase_any_evaluator),
        (("post", "/venture"), &district),
        (("get", "/venture/new"), &district),
        (("get", "/venture/rounds/{id}"), &purchase_any_evaluator),
        (("get", "/venture/rounds/{id}/edit"), &district),
        (("post", "/venture/rounds/{id}/edit"), &district),
        (("post", "/venture/rounds/{id}/transitions"), &district),
        (("post", "/venture/rounds/{id}/reviewers"), &district),
        (("post", "/venture/rounds/{id}/award-by-ranking"), &district),
        (("get", "/venture/rounds/{id}/apply"), &org),
        (("post", "/venture/rounds/{id}/projects"), &org),
        (
            ("get", "/venture/rounds/{id}/export/{format}"),
            &purchase_any_evaluator,
        ),
        (("get", "/venture/projects/{id}"), &purchase_any_evaluator),
        (("post", "/venture/projects/{id}/edit"), &org),
        (
            ("post", "/venture/projects/{id}/transitions"),
            &district_org,
        ),
        (("post", "/venture/projects/{id}/scores"), &evaluator),
        (("get", "/public/venture"), &public),
        (("get", "/public/venture/{id}"), &public),
        (("post", "/public/venture/{id}/votes"), &resident),
        (("get", "/api/v1/venture/rounds"), &purchase_any_evaluator),
        (("post", "/api/v1/venture/rounds"), &district),
        (
            ("get", "/api/v1/venture/rounds/{id}"),
            &purchase_any_evaluator,
        ),
        (("put", "/api/v1/venture/rounds/{id}"), &district),
        (
            ("post", "/api/v1/venture/rounds/{id}/transitions"),
            &district,
        ),
        (("post", "/api/v1/venture/rounds/{id}/reviewers"), &district),
        (
            ("post", "/api/v1/venture/rounds/{id}/award-by-ranking"),
            &district,
        ),
        (("post", "/api/v1/venture/rounds/{id}/projects"), &org),
        (("post", "/api/v1/venture/rounds/{id}/votes"), &resident),
        (("get", "/api/v1/venture/projects"), &district_org),
        (
            ("get", "/api/v1/venture/projects/{id}"),
            &purchase_any_evaluator,
        ),
        (("put", "/api/v1/venture/projects/{id}"), &org),
        (
            ("post", "/api/v1/venture/projects/{id}/transitions"),
            &district_org,
        ),
        (("put", "/api/v1/venture/projects/{id}/scores"), &evaluator),
        (("get", "/purchase/dashboard"), &purchase_read),
        (("post", "/purchase/contracts/{id}/complete"), &district),
        (
            ("post", "/api/v1/purchase/contracts/{id}/complete"),
            &district,
        ),
        (("post", "/purchase/applications/{id}/attachments"), &org),
        (
            ("get", "/purchase/applications/{id}/attachments/{aid}"),
            &org,
        ),
        (
            (
                "post",
                "/purchase/applications/{id}/attachments/{aid}/delete",
            ),
            &org,
        ),
        (
            ("get", "/api/v1/purchase/applications/{id}/attachments"),
            &org,
        ),
        (
            ("post", "/api/v1/purchase/applications/{id}/attachments"),
            &org,
        ),
        (
            (
                "get",
                "/api/v1/purchase/applications/{id}/attachments/{aid}",
            ),
            &org,
        ),
        (
            (
                "delete",
                "/api/v1/purchase/applications/{id}/attachments/{aid}",
            ),
            &org,
        ),
        (("post", "/purchase/projects/{id}/questions"), &org),
        (("post", "/purchase/questions/{id}/answer"), &district),
        // Only an applicant of the call: the demo organization has not applied to the open call.
        (("post", "/purchase/projects/{id}/recusals"), &nobody),
        (("post", "/purchase/recusals/{id}/decision"), &district),
        (("get", "/api/v1/purchase/projects/{id}/questions"), &auth),
        (("post", "/api/v1/purchase/projects/{id}/questions"), &org),
        (
            ("post", "/api/v1/purchase/questions/{id}/answer"),
            &district,
        ),
        (
            ("get", "/api/v1/purchase/projects/{id}/recusals"),
            &district_org,
        ),
        (("post", "/api/v1/purchase/projects/{id}/recusals"), &nobody),
        (
            ("post", "/api/v1/purchase/recusals/{id}/decision"),
            &district,
        ),
        (("get", "/api/v1/purchase/dashboard"), &purchase_read),
        (
            ("get", "/purchase/contracts/export/{format}"),
            &purchase_read,
        ),
        (
            ("get", "/purchase/payments/export/{format}"),
            &purchase_read,
        ),
        (("get", "/api/v1/purchase/contracts"), &purchase_read),
        (("get", "/api/v1/purchase/my-service"), &worker),
        (("get", "/purchase/contracts/{id}/delivery"), &delivery_read),
        (("post", "/purchase/contracts/{id}/delivery-logs"), &org),
        (("post", "/purchase/contracts/{id}/team"), &district),
        (("post", "/purchase/contracts/{id}/reports"), &org),
        (
            ("post", "/purchase/reports/{id}/transitions"),
            &district_org,
        ),
        (("post", "/purchase/delivery-logs/{id}/attachments"), &org),
        (
            ("get", "/purchase/delivery-logs/{id}/attachments/{aid}"),
            &delivery_read,
        ),
        (
            ("get", "/api/v1/purchase/contracts/{id}/delivery"),
            &delivery_read,
        ),
        (
            ("post", "/api/v1/purchase/contracts/{id}/delivery-logs"),
            &org,
        ),
        (("post", "/api/v1/purchase/contracts/{id}/team"), &district),
        (("post", "/api/v1/purchase/contracts/{id}/reports"), &org),
        (
            ("post", "/api/v1/purchase/reports/{id}/transitions"),
            &district,
        ),
        (
            ("get", "/api/v1/purchase/delivery-logs/{id}/attachments"),
            &delivery_read,
        ),
        (
            ("post", "/api/v1/purchase/delivery-logs/{id}/attachments"),
            &org,
        ),
        (
            (
                "get",
                "/api/v1/purchase/delivery-logs/{id}/attachments/{aid}",
            ),
            &delivery_read,
        ),
        (
            ("post", "/api/v1/purchase/projects/{id}/contract"),
            &district,
        ),
        (("get", "/api/v1/purchase/contracts/{id}"), &auth),
        (("put", "/api/v1/purchase/contracts/{id}"), &district),
        (("post", "/api/v1/purchase/contracts/{id}/sign"), &district),
        (
            ("post", "/api/v1/purchase/contracts/{id}/tranches"),
            &district,
        ),
        (
            ("post", "/api/v1/purchase/contracts/{id}/clawbacks"),
            &district,
        ),
        (("post", "/api/v1/purchase/tranches/{id}/accept"), &district),
        (("post", "/api/v1/purchase/tranches/{id}/pay"), &district),
        (("get", "/purchase/experts"), &district),
        (("post", "/purchase/experts"), &district),
        (("post", "/purchase/experts/import"), &district),
        (("post", "/purchase/experts/{id}/ties"), &district),
        (("post", "/purchase/projects/{id}/panel"), &district),
        (
            ("post", "/purchase/projects/{id}/panel/declaration"),
            &district_evaluator,
        ),
        (
            ("post", "/purchase/projects/{id}/panel/scores"),
            &district_evaluator,
        ),
        (
            ("post", "/purchase/projects/{id}/panel/sign"),
            &district_evaluator,
        ),
        (("get", "/api/v1/purchase/experts"), &district),
        (("post", "/api/v1/purchase/experts"), &district),
        (("post", "/api/v1/purchase/experts/import"), &district),
        (("post", "/api/v1/purchase/experts/{id}/ties"), &district),
        (("get", "/api/v1/purchase/projects/{id}/panel"), &auth),
        (("post", "/api/v1/purchase/projects/{id}/panel"), &district),
        (
            ("post", "/api/v1/purchase/projects/{id}/panel/sign"),
            &district_evaluator,
        ),
        // The victim seat is the demo evaluator's on the demo panel.
        (
            ("post", "/api/v1/purchase/panel-members/{id}/declaration"),
            &district_evaluator,
        ),
        (
            (
                "put",
                "/api/v1/purchase/panel-members/{id}/scores/{application}",
            ),
            &district_evaluator,
        ),
        (("get", "/purchase/projects"), &purchase_any_evaluator),
        (("get", "/purchase/projects/new"), &district),
        (("post", "/purchase/projects/new"), &district),
        // The victim is an open call: public, so every signed-in role reads it.
        (("get", "/purchase/projects/{id}"), &auth),
        (("get", "/purchase/projects/{id}/edit"), &district),
        (("post", "/purchase/projects/{id}/edit"), &district),
        (("post", "/purchase/projects/{id}/transition"), &district),
        (("get", "/purchase/projects/{id}/apply"), &org),
        (("post", "/purchase/projects/{id}/apply"), &org),
        (("get", "/purchase/applications"), &district_org),
        // The victim is the demo organization's draft: its own, nobody else's.
        (("get", "/purchase/applications/{id}"), &org),
        (("get", "/purchase/applications/{id}/edit"), &org),
        (("post", "/purchase/applications/{id}/edit"), &org),
        (("post", "/purchase/applications/{id}/transition"), &org),
        (("get", "/public/catalog"), &public),
        (("get", "/public/calls"), &public),
        (("get", "/public/calls/{id}"), &public),
        (("get", "/api/ocds/releases"), &public),
        (("get", "/api/ocds/records"), &public),
        (("get", "/api/ocds/records/{ocid}"), &public),
        (("get", "/api/ocds/bulk/{file}"), &public),
        (("get", "/api/v1/purchase/budget-lines"), &purchase_read),
        (("post", "/api/v1/purchase/budget-lines"), &district),
        (("patch", "/api/v1/purchase/budget-lines/{id}"), &district),
        (("get", "/api/v1/purchase/catalog"), &purchase_read),
        (("post", "/api/v1/purchase/catalog/transitions"), &district),
        (("post", "/api/v1/purchase/catalog-items"), &district),
        (("post", "/api/v1/purchase/catalog-items/import"), &district),
        (
            ("get", "/api/v1/purchase/catalog-items/{id}"),
            &purchase_read,
        ),
        (("put", "/api/v1/purchase/catalog-items/{id}"), &district),
        (("delete", "/api/v1/purchase/catalog-items/{id}"), &district),
        (
            ("get", "/api/v1/purchase/projects"),
            &purchase_any_evaluator,
        ),
        (("post", "/api/v1/purchase/projects"), &district),
        (("get", "/api/v1/purchase/projects/{id}"), &auth),
        (("put", "/api/v1/purchase/projects/{id}"), &district),
        (
            ("post", "/api/v1/purchase/projects/{id}/transitions"),
            &district,
        ),
        (
            ("post", "/api/v1/purchase/projects/{id}/applications"),
            &org,
        ),
        (("get", "/api/v1/purchase/applications"), &district_org),
        (("get", "/api/v1/purchase/applications/{id}"), &org),
        (("put", "/api/v1/purchase/applications/{id}"), &org),
        (
            ("post", "/api/v1/purchase/applications/{id}/transitions"),
            &org,
        ),
        (("get", "/api/v1/proposals"), &needs_staff),
        (("post", "/api/v1/proposals"), &proposal_write),
        (("get", "/api/v1/proposals/{id}"), &needs_staff),
        (("post", "/api/v1/proposals/{id}/transitions"), &district),
        (("get", "/api/v1/inbox"), &auth),
        (("post", "/api/v1/inbox/{id}/read"), &auth),
        (("get", "/api/v1/calendar"), &calendar_read),
        (("get", "/api/v1/calendar/deadline"), &calendar_read),
        (("post", "/api/v1/calendar/import"), &calendar_write),
        (("put", "/api/v1/calendar/{day}"), &calendar_write),
        (("delete", "/api/v1/calendar/{day}"), &calendar_write),
    ] {
        m.insert(k, v.clone());
    }
    let staff = vec!["district", "street", "community"];
    let district = vec!["district"];
    let supervise = vec!["district", "street"];
    let org_list = vec!["district", "street", "community", "org"];
    // The organization record used is the demo organization, registered at street level:
    // the community account does not reach it, the organization account does.
    let org_one = vec!["district", "street", "org"];
    let worker_all = vec!["district", "street", "community", "org", "worker"];
    let worker_new = vec!["district", "street", "community", "org"];
    for (k, v) in [
        (("get", "/imports/{job}"), &auth),
        (
            ("get", "/api/v1/organizations/{id}/purchase-history"),
            &org_one,
        ),
        (("get", "/networks"), &staff),
        (("post", "/networks"), &supervise),
        (("get", "/networks/export/{format}"), &staff),
        (("get", "/api/v1/networks"), &staff),
        (("post", "/api/v1/networks"), &supervise),
        (("get", "/targets"), &staff),
        (("get", "/targets/export.xlsx"), &staff),
        (("post", "/targets/snapshot"), &district),
        (("get", "/policy"), &staff),
        (("get", "/policy/{year}"), &staff),
        (("post", "/policy/{year}"), &district),
        (("post", "/facilities/{id}/photos"), &staff),
        (("get", "/facilities/{id}/photos/{pid}"), &staff),
        (("get", "/facilities/{id}/photos/{pid}/delete"), &staff),
        (("post", "/facilities/{id}/photos/{pid}/delete"), &staff),
        (("get", "/api/v1/facilities/{id}/photos"), &staff),
        (("post", "/api/v1/facilities/{id}/photos"), &staff),
        (("get", "/api/v1/facilities/{id}/photos/{pid}"), &staff),
        (("delete", "/api/v1/facilities/{id}/photos/{pid}"), &staff),
        (("get", "/workers/changes"), &worker_all),
        (("post", "/workers/changes/{id}/attachments"), &worker_all),
        (
            ("get", "/workers/changes/{id}/attachments/{aid}"),
            &worker_all,
        ),
        (("post", "/workers/changes/{id}/transitions"), &worker_all),
        (("get", "/api/v1/social-worker-changes"), &worker_all),
        (
            ("get", "/api/v1/social-worker-changes/{id}/attachments"),
            &worker_all,
        ),
        (
            ("post", "/api/v1/social-worker-changes/{id}/attachments"),
            &worker_all,
        ),
        (
            (
                "get",
                "/api/v1/social-worker-changes/{id}/attachments/{aid}",
            ),
            &worker_all,
        ),
        (
            ("post", "/api/v1/social-worker-changes/{id}/transitions"),
            &worker_all,
        ),
        (("post", "/workers/{id}/cpd"), &worker_all),
        (("get", "/workers/cpd/import"), &worker_all),
        (("post", "/workers/cpd/import"), &worker_all),
        (("get", "/workers/cpd/template.xlsx"), &worker_all),
        (("post", "/api/v1/social-workers/cpd/import"), &worker_all),
        (("post", "/workers/{id}/subsidies"), &supervise),
        (("post", "/api/v1/social-workers/{id}/cpd"), &worker_all),
        (
            ("get", "/api/v1/social-workers/{id}/subsidies"),
            &worker_all,
        ),
        (
            ("post", "/api/v1/social-workers/{id}/subsidies"),
            &supervise,
        ),
        (
            ("post", "/api/v1/organizations/{id}/fund-entries"),
            &org_one,
        ),
        (("post", "/orgs/{id}/fund"), &org_one),
        (("get", "/orgs/{id}/fund/export/{format}"), &org_one),
        (("get", "/api/v1/targets"), &staff),
        (("post", "/api/v1/targets/snapshot"), &district),
        (("get", "/api/v1/policy/{year}"), &staff),
        (("put", "/api/v1/policy/{year}"), &district),
    ] {
        m.insert(k, v.clone());
    }
    // Revealing personal data (a POST): those who may reveal among those who may read.
    let reveal_staff = vec!["district", "street", "community"];
    let reveal_workers = vec!["district", "street", "community", "worker"];
    // Every registry's pages and API: (page prefix, API prefix, list, create, one record,
    // export in full, one record in full).
    for (page, api, list, create, one, export_full, one_full) in [
        (
            "/facilities",
            "/api/v1/facilities",
            &staff,
            &staff,
            &staff,
            &staff,
            &staff,
        ),
        (
            "/posts",
            "/api/v1/posts",
            &staff,
            &staff,
            &staff,
            &staff,
            &staff,
        ),
        (
            "/orgs",
            "/api/v1/organizations",
            &org_list,
            &staff,
            &org_one,
            &reveal_staff,
            // Organizations hold no personal data: the full record is the record.
            &org_one,
        ),
        (
            "/workers",
            "/api/v1/social-workers",
            &worker_all,
            &worker_new,
            &worker_all,
            &reveal_workers,
            &reveal_workers,
        ),
    ] {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        for (method, suffix, who) in [
            ("get", "", list),
            ("get", "/export/{format}", list),
            ("post", "/export/{format}", export_full),
            ("get", "/new", create),
            ("post", "/new", create),
            ("get", "/import", create),
            ("post", "/import", create),
            ("get", "/template.xlsx", create),
            ("get", "/{id}", one),
            ("post", "/{id}/reveal", one_full),
            ("get", "/{id}/edit", one),
            ("post", "/{id}/edit", one),
            ("get", "/{id}/delete", one),
            ("post", "/{id}/delete", one),
        ] {
            m.insert((method, leak(format!("{page}{suffix}"))), who.clone());
        }
        for (method, suffix, who) in [
            ("get", "", list),
            ("post", "", create),
            ("post", "/import", create),
            ("get", "/{id}", one),
            ("patch", "/{id}", one),
            ("delete", "/{id}", one),
        ] {
            m.insert((method, leak(format!("{api}{suffix}"))), who.clone());
        }
    }
    m
}

/// Records the matrix acts on: ids per registry (facility and post in the community
/// account's community, the demo organization, the demo social worker's own record).
pub(crate) async fn victims(t: &T) -> HashMap<&'static str, i64> {
    let dtok = t.token_for("district").await;
    let create = |path: &'static str, body: serde_json::Value| {
        let (t, dtok) = (&*t, dtok.clone());
        async move {
            let r = t.api("POST", path, Some(&dtok), Some(body)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.body);
            r.json()["id"].as_i64().unwrap()
        }
    };
    let fac = create(
        "/api/v1/facilities",
        json!({"area": COMMUNITY, "name": "矩阵测试服务点", "kind": "point", "area_m2": 80}),
    )
    .await;
    let post = create(
        "/api/v1/posts",
        json!({"area": COMMUNITY, "title": "矩阵测试岗位", "professional": false, "committee": false}),
    )
    .await;
    // A need raised by the demo resident in COMMUNITY, and a proposal of the demo street
    // grouping another need of COMMUNITY (so every staff level and the resident reach them).
    let rtok = t.token_for("resident").await;
    let need = t
        .api(
            "POST",
            "/api/v1/needs",
            Some(&rtok),
            Some(json!({"area": COMMUNITY, "category": "other", "title": "矩阵需求", "description": "矩阵测试", "people": 2})),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let ctok = t.token_for("community").await;
    let other = t
        .api(
            "POST",
            "/api/v1/needs",
            Some(&ctok),
            Some(json!({"area": COMMUNITY, "category": "other", "title": "矩阵需求二", "description": "矩阵测试", "people": 3, "channel": "phone"})),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/needs/{other}/transitions"),
            Some(&ctok),
            Some(json!({"event": "accept"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let stok = t.token_for("street").await;
    let r = t
        .api(
            "POST",
            "/api/v1/proposals",
            Some(&stok),
            Some(json!({"title": "矩阵建议", "category": "other", "needs": [other]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let proposal = r.json()["id"].as_i64().unwrap();
    let org = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    // Purchase of services: a demo budget line, catalog item and open call, and a draft
    // application of the demo organization to it.
    let line = t
        .api("GET", "/api/v1/purchase/budget-lines", Some(&dtok), None)
        .await
        .json()[0]["id"]
        .as_i64()
        .unwrap();
    let item = t
        .api("GET", "/api/v1/purchase/catalog", Some(&dtok), None)
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let call = t
        .api(
            "GET",
            "/api/v1/purchase/projects?state=open",
            Some(&dtok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let otok = t.token_for("org").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{call}/applications"),
            Some(&otok),
            Some(json!({"amount": "1000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let application = r.json()["id"].as_i64().unwrap();
    let expert = t
        .api("GET", "/api/v1/purchase/experts", Some(&dtok), None)
        .await
        .json()[0]["id"]
        .as_i64()
        .unwrap();
    let review = t
        .api(
            "GET",
            "/api/v1/purchase/projects?state=reviewing",
            Some(&dtok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let seat = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{review}/panel"),
            Some(&dtok),
            None,
        )
        .await
        .json()["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["state"] == "drawn")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let reviewed_app = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications?project={review}&state=submitted"),
            Some(&dtok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let contracted = t
        .api(
            "GET",
            "/api/v1/purchase/projects?state=confirmed&q=%E5%AD%B5%E5%8C%96%E5%9F%B9%E8%82%B2",
            Some(&dtok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let contract = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::contracts::of_project(&mut c, contracted)
            .await
            .unwrap()
            .unwrap()
    };
    // The demo organization's mid-term, assigned to the demo assessor.
    let evaluation = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::evaluations::of_contract(&mut c, contract.id)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.state == "assigned")
            .unwrap()
            .id
    };
    let paid_tranche = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::contracts::tranches(&mut c, contract.id)
            .await
            .unwrap()[0]
            .id
    };
    let (delivery_log, report) = {
        let mut c = t.app.db.acquire().await.unwrap();
        let logs = sanshe_store::delivery::logs(
            &mut c,
            contract.id,
            sanshe_store::PageReq {
                page: 1,
                per_page: 1,
            },
        )
        .await
        .unwrap();
        let reports = sanshe_store::delivery::reports(&mut c, contract.id)
            .await
            .unwrap();
        (logs.items[0].id, reports[0].id)
    };
    let uid = t.user_id("worker").await;
    let worker = t.worker_of_user(uid).await;
    // Last year's published award list and one of its entries.
    let (award_list, award_entry) = {
        let mut c = t.app.db.acquire().await.unwrap();
        let l: i64 = sqlx::query("SELECT id FROM award_lists WHERE state = 'published' LIMIT 1")
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .get("id");
        let e: i64 = sqlx::query("SELECT id FROM award_entries WHERE list_id = $1 LIMIT 1")
            .bind(l)
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .get("id");
        (l, e)
    };
    // The demo organization's granted rating.
    let rating: i64 = {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("SELECT id FROM ratings WHERE state = 'granted' ORDER BY id LIMIT 1")
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .get("id")
    };
    // The demo round (concluded) and the demo organization's project in it.
    let (venture_round, venture_project) = {
        let mut c = t.app.db.acquire().await.unwrap();
        let r: i64 = sqlx::query(
            "SELECT id FROM venture_rounds WHERE state = 'concluded' ORDER BY id LIMIT 1",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .get("id");
        let p: i64 = sqlx::query(
            "SELECT id FROM venture_projects WHERE round_id = $1 AND state = 'running' \
             ORDER BY id LIMIT 1",
        )
        .bind(r)
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .get("id");
        (r, p)
    };
    HashMap::from([
        ("/facilities", fac),
        ("/api/v1/facilities", fac),
        ("/posts", post),
        ("/api/v1/posts", post),
        ("/orgs", org),
        ("/api/v1/organizations", org),
        ("/workers", worker),
        ("/api/v1/social-workers", worker),
        ("/needs", need),
        ("/api/v1/needs", need),
        ("/proposals", proposal),
        ("/api/v1/proposals", proposal),
        ("/purchase/catalog/lines", line),
        ("/api/v1/purchase/budget-lines", line),
        ("/purchase/catalog/items", item),
        ("/api/v1/purchase/catalog-items", item),
        ("/purchase/projects", call),
        ("/api/v1/purchase/projects", call),
        ("/public/calls", call),
        ("/purchase/experts", expert),
        ("/api/v1/purchase/experts", expert),
        ("/api/v1/purchase/panel-members", seat),
        ("{application}", reviewed_app),
        ("/purchase/contracts", contract.id),
        ("/api/v1/purchase/contracts", contract.id),
        ("/purchase/delivery-logs", delivery_log),
        ("/api/v1/purchase/delivery-logs", delivery_log),
        ("/purchase/reports", report),
        ("/api/v1/purchase/reports", report),
        ("/purchase/tranches", paid_tranche),
        ("/api/v1/purchase/tranches", paid_tranche),
        ("/purchase/applications", application),
        ("/api/v1/purchase/applications", application),
        ("/purchase/evaluations", evaluation),
        ("/api/v1/purchase/evaluations", evaluation),
        ("/award-lists", award_list),
        ("/api/v1/award-lists", award_list),
        ("/api/v1/award-entries", award_entry),
        ("/ratings", rating),
        ("/api/v1/ratings", rating),
        ("/venture/rounds", venture_round),
        ("/api/v1/venture/rounds", venture_round),
        ("/public/venture", venture_round),
        ("/venture/projects", venture_project),
        ("/api/v1/venture/projects", venture_project),
    ])
}

pub(crate) fn concrete(path: &str, victim: i64, records: &HashMap<&'static str, i64>) -> String {
    let victim = records
        .iter()
        .find(|(p, _)| path.starts_with(&format!("{p}/")))
        .map(|(_, id)| *id)
        .unwrap_or(victim);
    let application = records
        .get("{application}")
        .map(|v| v.to_string())
        .unwrap_or_else(|| "1".into());
    path.replace("{pid}", "1")
        .replace("{application}", &application)
        .replace("{aid}", "1")
        .replace(
            "{code}",
            if path.starts_with("/lang") {
                "en"
            } else if path.starts_with("/api/v1/needs/categories") {
                "other"
            } else {
                COMMUNITY
            },
        )
        .replace(
            "{ocid}",
            &format!(
                "ocds-sanshe-{}",
                records.get("/public/calls").copied().unwrap_or(1)
            ),
        )
        .replace("{file}", "releases.json")
        .replace("{format}", "csv")
        .replace("{day}", "2025-10-01")
        .replace("/deadline", "/deadline?from=2025-01-27&days=5")
        .replace("{year}", "2025")
        .replace("/tokens/{id}", "/tokens/999999")
        .replace("{id}", &victim.to_string())
}

pub(crate) fn api_body(method: &str, path: &str) -> Option<serde_json::Value> {
    match (method, path) {
        // Evaluations: bodies that parse but that no allowed caller can act on (nothing changes).
        ("put", "/api/v1/purchase/evaluation-scheme") => {
            Some(json!({"indicators": [], "excellent": 90, "good": 80, "fair": 60}))
        }
        ("post", "/api/v1/purchase/contracts/{id}/evaluations") => {
            Some(json!({"stage": "spot", "assessor": 999999}))
        }
        ("put", "/api/v1/purchase/evaluations/{id}/scores") => {
            Some(json!({"scores": {}, "findings": "矩阵", "no_conflict": false}))
        }
        ("post", "/api/v1/purchase/evaluations/{id}/answer") => Some(json!({"answer": ""})),
        ("put", "/api/v1/purchase/evaluations/{id}/self-evaluation") => {
            Some(json!({"scores": {}, "report": ""}))
        }
        ("post", "/api/v1/purchase/evaluation-batches") => {
            Some(json!({"stage": "spot", "assessor": 999999, "contracts": [999999]}))
        }
        ("put", "/api/v1/purchase/evaluations/{id}/assessor") => Some(json!({"assessor": 999999})),
        ("post", "/api/v1/purchase/evaluations/{id}/samples") => {
            Some(json!({"log": 999999, "result": "consistent"}))
        }
        ("post", "/api/v1/purchase/evaluations/{id}/rectification") => {
            Some(json!({"demand": "", "due": "2000-01-01"}))
        }
        ("post", "/api/v1/purchase/evaluations/{id}/rectification/transitions") => {
            Some(json!({"event": "vanish", "text": "矩阵"}))
        }
        // Venture philanthropy: bodies that parse but change nothing.
        ("post", "/api/v1/venture/rounds") | ("put", "/api/v1/venture/rounds/{id}") => {
            Some(json!({
                "title": "", "year": 2031, "topics": ["x"], "pool_fiscal_fen": 0, "pool_charity_fen": 0,
                "tiers": [100], "review_mode": "desk", "apply_until": "2031-01-01", "notice_days": 0,
                "vote_top_n": 0, "vote_bonus": 0, "matched_unit_fen": 1, "matched_cap": 0,
                "first_days": 1, "first_share": 1, "debar_years": 0
            }))
        }
        ("post", "/api/v1/venture/rounds/{id}/transitions")
        | ("post", "/api/v1/venture/projects/{id}/transitions") => Some(json!({"event": "vanish"})),
        ("post", "/api/v1/venture/rounds/{id}/reviewers") => Some(json!({"reviewer": 0})),
        ("post", "/api/v1/venture/rounds/{id}/votes") => Some(json!({"project": 0})),
        ("post", "/api/v1/venture/rounds/{id}/projects")
        | ("put", "/api/v1/venture/projects/{id}") => {
            Some(json!({"title": "", "topic": "x", "tier_fen": 1, "not_funded_elsewhere": false}))
        }
        ("put", "/api/v1/venture/projects/{id}/scores") => Some(json!({"scores": {}})),
        // Ratings: bodies that parse but change nothing.
        ("put", "/api/v1/rating-scheme") => Some(json!({
            "kinds": [], "bounds": [], "validity_years": 5, "downgrade_wait_years": 2,
            "cancel_wait_years": 3, "notice_days": 7, "review_days": 15, "committee_min": 7,
            "committee_max": 25, "min_years_registered": 2
        })),
        ("post", "/api/v1/rating-committee") => Some(json!({"name": ""})),
        ("post", "/api/v1/ratings") => Some(json!({"report": ""})),
        ("post", "/api/v1/ratings/{id}/transitions") => Some(json!({"event": "vanish"})),
        // 以奖代补: bodies that parse but change nothing.
        ("post", "/api/v1/award-lists") => Some(json!({
            "year": 2031, "subject": "street", "title": "", "notice_days": 0,
            "scheme": {"indicators": [], "grades": [], "mode": "table", "unit_fen": 0, "cap_fen": 0, "team_share": 0}
        })),
        ("put", "/api/v1/award-lists/{id}/scheme") => Some(json!({
            "notice_days": 0,
            "scheme": {"indicators": [], "grades": [], "mode": "table", "unit_fen": 0, "cap_fen": 0, "team_share": 0}
        })),
        ("post", "/api/v1/award-lists/{id}/transitions") => Some(json!({"event": "vanish"})),
        ("put", "/api/v1/award-lists/{id}/entries") => Some(json!({"subject": "", "scores": {}})),
        ("post", "/api/v1/award-entries/{id}/pay") => Some(json!({"voucher": ""})),
        ("post", "/api/v1/purchase/agencies/{id}/ties") => {
            Some(json!({"organization": 999999, "relation": "director"}))
        }
        ("put", "/api/v1/award-lists/{id}/self") => Some(json!({"scores": {}})),
        ("post", "/api/v1/award-entries/{id}/appeal")
        | ("post", "/api/v1/award-entries/{id}/answer") => Some(json!({"text": ""})),
        ("post", "/api/v1/purchase/evaluations/{id}/transitions") => {
            Some(json!({"event": "vanish"}))
        }
        ("patch", p) if p.starts_with("/api/v1/purchase/budget-lines/") => {
            Some(json!({"name": "矩阵科目", "amount": "1"}))
        }
        ("patch", p) if p.starts_with("/api/v1/areas/") => Some(json!({"name": "测试社区居委会"})),
        ("put", p) if p.contains("/populations/") => {
            Some(json!({"residents": 5000, "households": 2000}))
        }
        ("post", "/api/v1/users") => Some(
            json!({"username": "newbie", "display_name": "新人", "role": "resident", "password": "short"}),
        ),
        ("put", p) if p.ends_with("/role") => Some(json!({"role": "resident"})),
        ("post", "/api/v1/tokens") => Some(json!({"name": ""})),
        ("post", "/api/v1/targets/snapshot") => Some(json!({"area": COMMUNITY, "year": 2025})),
        ("put", p) if p.starts_with("/api/v1/policy/") => Some(json!({})),
        ("patch", _) => Some(json!({})),
        ("post", "/api/v1/networks") => Some(json!({"action": "none"})),
        ("post", "/api/v1/login-throttles/lift") => Some(json!({"kind": "name", "key": "nobody"})),
        ("post", p) if p.starts_with("/api/v1/social-worker-changes/") => {
            Some(json!({"event": "approve"}))
        }
        ("post", "/api/v1/needs") => Some(
            json!({"area": COMMUNITY, "category": "other", "title": "矩阵", "description": "矩阵测试", "people": 1}),
        ),
        ("post", p) if p.starts_with("/api/v1/needs/") && p.ends_with("/transitions") => {
            Some(json!({"event": "accept"}))
        }
        ("post", p) if p.starts_with("/api/v1/proposals/") && p.ends_with("/transitions") => {
            Some(json!({"event": "adopt"}))
        }
        ("post", "/api/v1/proposals") => Some(json!({"title": "", "category": "", "needs": []})),
        ("post", "/api/v1/purchase/budget-lines") => {
            Some(json!({"code": "MATRIX", "name": "矩阵科目", "amount": "1"}))
        }
        ("post", "/api/v1/purchase/catalog/transitions") => {
            Some(json!({"event": "publish", "version": 999}))
        }
        ("post", "/api/v1/purchase/catalog-items")
        | ("put", "/api/v1/purchase/catalog-items/{id}") => Some(
            json!({"code": "M1", "category": "other", "name": "矩阵事项", "content": "矩阵", "price_ceiling": "1", "budget_line": "X", "nature": "goods_works"}),
        ),
        ("post", "/api/v1/purchase/projects") | ("put", "/api/v1/purchase/projects/{id}") => Some(
            json!({"item": 1, "title": "矩阵项目", "amount": "1", "method": "public_call", "start_date": "2027-01-01", "end_date": "2027-06-30"}),
        ),
        ("post", p)
            if p.starts_with("/api/v1/purchase/projects/") && p.ends_with("/transitions") =>
        {
            Some(json!({"event": "approve"}))
        }
        ("post", p)
            if p.starts_with("/api/v1/purchase/projects/") && p.ends_with("/applications") =>
        {
            Some(json!({"amount": "1"}))
        }
        ("put", p) if p.starts_with("/api/v1/purchase/applications/") => {
            Some(json!({"amount": "1"}))
        }
        ("post", p)
            if p.starts_with("/api/v1/purchase/applications/") && p.ends_with("/transitions") =>
        {
            Some(json!({"event": "recall"}))
        }
        ("put", p) if p.starts_with("/api/v1/needs/categories/") => {
            Some(json!({"name_zh": "其他", "name_en": "Other", "active": true}))
        }
        ("put", p) if p.starts_with("/api/v1/calendar/") => {
            Some(json!({"kind": "holiday", "name": "国庆节"}))
        }
        ("post", p)
            if p.ends_with("/cpd") || p.ends_with("/subsidies") || p.ends_with("/fund-entries") =>
        {
            Some(json!({}))
        }
        ("post", "/api/v1/purchase/projects/{id}/award") => Some(json!({"application": 1})),
        ("post", "/api/v1/purchase/projects/{id}/objections") => Some(json!({"text": "矩阵质疑"})),
        ("post", "/api/v1/purchase/objections/{id}/answer") => {
            Some(json!({"event": "dismiss", "reply": "矩阵答复"}))
        }
        ("put", "/api/v1/purchase/contracts/{id}") => {
            Some(json!({"amount": "1", "start_date": "2027-01-01", "end_date": "2027-06-30"}))
        }
        ("post", "/api/v1/purchase/contracts/{id}/tranches") => Some(
            json!({"label": "矩阵", "amount": "1", "due_on": "2027-01-01", "gate": "on_signing"}),
        ),
        ("post", "/api/v1/purchase/contracts/{id}/clawbacks") => {
            Some(json!({"amount": "1", "reason": "矩阵", "paid_on": "2026-01-01", "voucher": "V1"}))
        }
        ("post", "/api/v1/purchase/tranches/{id}/pay") => {
            Some(json!({"paid_on": "2026-01-01", "voucher": "V1"}))
        }
        ("post", "/api/v1/purchase/contracts/{id}/delivery-logs") => Some(json!({
            "day": "2026-01-01", "community": COMMUNITY, "content": "矩阵", "direct": 1, "indirect": 0,
            "hours": [{"worker": 1, "hours": "1"}]})),
        ("post", "/api/v1/purchase/contracts/{id}/team") => {
            Some(json!({"from": 1, "to": 2, "reason": "矩阵"}))
        }
        ("post", "/api/v1/purchase/contracts/{id}/reports") => Some(json!({
            "kind": "final", "period_from": "2026-01-01", "period_to": "2026-02-01", "summary": "矩阵"})),
        ("post", "/api/v1/purchase/reports/{id}/transitions") => {
            Some(json!({"event": "return", "text": "矩阵"}))
        }
        ("post", "/api/v1/purchase/projects/{id}/questions") => Some(json!({"question": "矩阵"})),
        ("post", "/api/v1/purchase/questions/{id}/answer") => Some(json!({"answer": "矩阵"})),
        ("post", "/api/v1/purchase/projects/{id}/recusals") => {
            Some(json!({"expert": 1, "reason": "矩阵"}))
        }
        ("post", "/api/v1/purchase/recusals/{id}/decision") => {
            Some(json!({"event": "dismiss", "reply": "矩阵"}))
        }
        ("post", "/api/v1/purchase/experts") => Some(json!({"name": "矩阵专家"})),
        ("post", p) if p.starts_with("/api/v1/purchase/experts/") && p.ends_with("/ties") => {
            Some(json!({"organization": 1, "relation": "employee"}))
        }
        ("post", "/api/v1/purchase/projects/{id}/panel") => Some(json!({})),
        ("post", p) if p.ends_with("/declaration") => Some(json!({"declaration": "none"})),
        ("put", p) if p.contains("/scores/") => Some(
            json!({"need": 20, "acceptance": 10, "innovation": 10, "effectiveness": 20, "replicability": 10}),
        ),
        _ => None,
    }
}

#[tokio::test]
async fn every_route_for_every_role_is_decided() {
    let t = T::new().await;
    // A victim account for lock/unlock/role routes.
    sanshe_app::accounts::create_user(
        &t.app,
        &sanshe_app::Ctx::cli(),
        &sanshe_app::accounts::NewUserInput {
            username: "victim".into(),
            display_name: "V".into(),
            role: "resident".into(),
            scope: None,
            password: "Strong#2026x".into(),
        },
    )
    .await
    .unwrap();
    let victim = t.user_id("victim").await;
    let records = victims(&t).await;
    let matrix = expected();
    let routes: HashSet<(&str, &str)> = sanshe_web::route_list()
        .iter()
        .map(|r| (r.method, r.path))
        .collect();
    let specified: HashSet<(&str, &str)> = matrix.keys().copied().collect();
    let unspecified: Vec<_> = routes.difference(&specified).collect();
    assert!(
        unspecified.is_empty(),
        "routes without an expected decision: {unspecified:?}"
    );
    let stale: Vec<_> = specified.difference(&routes).collect();
    assert!(
        stale.is_empty(),
        "decisions for routes that do not exist: {stale:?}"
    );

    let mut sessions: HashMap<&str, Session> = HashMap::new();
    let mut tokens: HashMap<&str, String> = HashMap::new();
    for r in ROLES {
        sessions.insert(r, t.login(r).await);
        tokens.insert(r, t.token_for(r).await);
    }
    let mut failures = Vec::new();
    for ((method, path), allowed) in &matrix {
        let url = concrete(path, victim, &records);
        for who in ROLES.iter().copied().chain(["anonymous"]) {
            let may = allowed.contains(&"public")
                || (allowed.contains(&"auth") && who != "anonymous")
                || allowed.contains(&who);
            let r = if path.starts_with("/api/v1") {
                let tok = tokens.get(who).map(String::as_str);
                t.api(&method.to_uppercase(), &url, tok, api_body(method, path))
                    .await
            } else {
                let mut s = sessions.get(who).cloned().unwrap_or_default();
                if who == "anonymous" {
                    let page = t.get(&mut s, "/login").await;
                    s.csrf = common::csrf_in(&page.body);
                }
                match *method {
                    "get" => t.get(&mut s, &url).await,
                    _ if path.ends_with("/import") || path.ends_with("/photos") => {
                        t.post_multipart(&mut s, &url, None, "all").await
                    }
                    // logging out would end the shared session; a fresh one is used instead
                    _ if *path == "/logout" && who != "anonymous" => {
                        let mut fresh = t.login(who).await;
                        t.post(&mut fresh, &url, &[]).await
                    }
                    _ => t.post(&mut s, &url, &[]).await,
                }
            };
            let denied = matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                || (r.status == StatusCode::SEE_OTHER
                    && r.location().starts_with("/login")
                    && *path != "/logout");
            // A server error is never a decision: it fails the test whoever asked.
            if r.status.is_server_error() {
                failures.push(format!(
                    "{method} {url} as {who}: server error {}",
                    r.status
                ));
            } else if may == denied && (may || r.status != StatusCode::NOT_FOUND) {
                // (A record out of the role's reach answers 404, as if missing: a denial
                // that does not confirm the record exists.)
                failures.push(format!(
                    "{method} {url} as {who}: expected {}, got {}",
                    if may { "allow" } else { "deny" },
                    r.status
                ));
            }
        }
        // Unlock the victim again so later routes see the same state.
        sanshe_app::accounts::set_locked(&t.app, &sanshe_app::Ctx::cli(), victim, false)
            .await
            .unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} wrong decisions:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
