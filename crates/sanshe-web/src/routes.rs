//! Every route, in one table. The router is built from it and the route × role test reads
//! it, so a route cannot be added without the test noticing.

use crate::{api, assets, middleware, ops, pages, AppState};
use axum::routing::{delete, get, patch, post, put, MethodRouter};
use axum::Router;

/// A route as the matrix test sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RouteDef {
    pub method: &'static str,
    pub path: &'static str,
}

fn table() -> Vec<(RouteDef, MethodRouter<AppState>)> {
    macro_rules! r {
        ($m:ident, $path:literal, $h:expr) => {
            (
                RouteDef {
                    method: stringify!($m),
                    path: $path,
                },
                $m($h),
            )
        };
    }
    let mut out = vec![
        // operations and public
        r!(get, "/healthz", ops::healthz),
        r!(get, "/readyz", ops::readyz),
        r!(get, "/metrics", ops::metrics),
        r!(get, "/static/app.css", assets::css),
        r!(get, "/static/favicon.svg", assets::favicon),
        r!(get, "/static/drafts.js", assets::drafts),
        r!(get, "/api/openapi.json", ops::openapi),
        r!(get, "/api/docs", pages::docs::show),
        r!(get, "/login", pages::auth::login_form),
        r!(post, "/login", pages::auth::login),
        r!(post, "/logout", pages::auth::logout),
        r!(get, "/lang/{code}", pages::auth::set_lang),
        r!(post, "/lang/{code}", pages::auth::save_lang),
        r!(get, "/login/mfa", pages::mfa::verify_form),
        r!(post, "/login/mfa", pages::mfa::verify),
        r!(get, "/account/mfa", pages::mfa::setup_form),
        r!(post, "/account/mfa", pages::mfa::setup),
        r!(post, "/users/{id}/mfa/reset", pages::mfa::reset),
        // pages
        r!(get, "/", pages::home::home),
        r!(get, "/areas", pages::areas::list),
        r!(get, "/areas/export/{format}", pages::areas::export),
        r!(get, "/areas/import", pages::areas::import_form),
        r!(post, "/areas/import", pages::areas::import),
        r!(
            get,
            "/areas/import/template.csv",
            pages::areas::import_template
        ),
        r!(get, "/areas/{code}", pages::areas::detail),
        r!(get, "/areas/{code}/edit", pages::areas::edit_form),
        r!(post, "/areas/{code}/edit", pages::areas::edit),
        r!(post, "/areas/{code}/population", pages::areas::population),
        r!(get, "/users", pages::users::list),
        r!(get, "/users/new", pages::users::new_form),
        r!(post, "/users/new", pages::users::create),
        r!(get, "/users/{id}", pages::users::detail),
        r!(post, "/users/{id}/lock", pages::users::lock),
        r!(post, "/users/{id}/unlock", pages::users::unlock),
        r!(post, "/users/{id}/password", pages::users::reset_password),
        r!(post, "/users/{id}/role", pages::users::change_role),
        r!(get, "/account", pages::account::show),
        r!(post, "/account/password", pages::account::change_password),
        r!(post, "/account/tokens", pages::account::create_token),
        r!(
            post,
            "/account/tokens/{id}/revoke",
            pages::account::revoke_token
        ),
        r!(get, "/audit", pages::audit::list),
        r!(get, "/targets", pages::targets::show),
        r!(get, "/targets/export.xlsx", pages::targets::export),
        r!(post, "/targets/snapshot", pages::targets::snapshot),
        r!(get, "/policy", pages::targets::policy_current),
        r!(get, "/policy/{year}", pages::targets::policy_form),
        r!(post, "/policy/{year}", pages::targets::policy_save),
        r!(
            post,
            "/facilities/{id}/photos",
            pages::facilities::add_photo
        ),
        r!(
            get,
            "/facilities/{id}/photos/{pid}",
            pages::facilities::photo
        ),
        r!(
            get,
            "/facilities/{id}/photos/{pid}/delete",
            pages::facilities::delete_photo_form
        ),
        r!(
            post,
            "/facilities/{id}/photos/{pid}/delete",
            pages::facilities::delete_photo
        ),
        r!(post, "/workers/{id}/cpd", pages::workers::add_cpd),
        r!(get, "/workers/cpd/import", pages::cpd::import_form),
        r!(post, "/workers/cpd/import", pages::cpd::import),
        r!(get, "/workers/cpd/template.xlsx", pages::cpd::template),
        r!(post, "/workers/{id}/subsidies", pages::workers::add_subsidy),
        r!(post, "/orgs/{id}/fund", pages::orgs::add_fund),
        r!(
            get,
            "/orgs/{id}/fund/export/{format}",
            pages::orgs::fund_export
        ),
        r!(get, "/imports/{job}", pages::registry::job),
        r!(get, "/networks", pages::networks::show),
        r!(post, "/networks", pages::networks::record),
        r!(get, "/networks/export/{format}", pages::networks::export),
        r!(get, "/audit/export/{format}", pages::audit::export),
        r!(post, "/audit/verify", pages::audit::verify),
        r!(get, "/public", pages::public::show),
        r!(get, "/needs", pages::needs::list),
        r!(get, "/needs/new", pages::needs::new_form),
        r!(post, "/needs/new", pages::needs::create),
        r!(get, "/needs/stats", pages::needs::stats),
        r!(get, "/needs/categories", pages::needs::categories),
        r!(post, "/needs/categories", pages::needs::save_category),
        r!(get, "/needs/export/{format}", pages::needs::export),
        r!(get, "/needs/{id}", pages::needs::detail),
        r!(post, "/needs/{id}/transition", pages::needs::transition),
        r!(post, "/needs/{id}/reveal", pages::needs::reveal),
        r!(post, "/needs/{id}/attachments", pages::needs::attach),
        r!(
            get,
            "/needs/{id}/attachments/{aid}",
            pages::needs::attachment
        ),
        r!(
            post,
            "/needs/{id}/attachments/{aid}/delete",
            pages::needs::detach
        ),
        r!(get, "/proposals", pages::proposals::list),
        r!(get, "/proposals/new", pages::proposals::new_form),
        r!(post, "/proposals/new", pages::proposals::create),
        r!(get, "/proposals/{id}", pages::proposals::detail),
        r!(
            post,
            "/proposals/{id}/transition",
            pages::proposals::transition
        ),
        r!(get, "/purchase/catalog", pages::purchase::catalog),
        r!(post, "/purchase/catalog/lines", pages::purchase::add_line),
        r!(
            post,
            "/purchase/catalog/lines/{id}",
            pages::purchase::update_line
        ),
        r!(
            post,
            "/purchase/catalog/transition",
            pages::purchase::catalog_transition
        ),
        r!(
            post,
            "/purchase/catalog/import",
            pages::purchase::import_items
        ),
        r!(
            get,
            "/purchase/catalog/export/{format}",
            pages::purchase::export_items
        ),
        r!(
            get,
            "/purchase/catalog/items/new",
            pages::purchase::new_item
        ),
        r!(
            post,
            "/purchase/catalog/items/new",
            pages::purchase::create_item
        ),
        r!(
            get,
            "/purchase/catalog/items/{id}/edit",
            pages::purchase::edit_item
        ),
        r!(
            post,
            "/purchase/catalog/items/{id}/edit",
            pages::purchase::update_item
        ),
        r!(
            get,
            "/purchase/catalog/items/{id}/delete",
            pages::purchase::delete_item_form
        ),
        r!(
            post,
            "/purchase/catalog/items/{id}/delete",
            pages::purchase::delete_item
        ),
        r!(
            post,
            "/purchase/projects/{id}/award",
            pages::purchase::award
        ),
        r!(
            post,
            "/purchase/projects/{id}/objections",
            pages::purchase::object
        ),
        r!(
            post,
            "/purchase/objections/{id}/answer",
            pages::purchase::answer
        ),
        r!(
            post,
            "/purchase/projects/{id}/contract",
            pages::purchase::contract_create
        ),
        r!(
            get,
            "/purchase/contracts/{id}",
            pages::purchase::contract_print
        ),
        r!(
            post,
            "/purchase/contracts/{id}/edit",
            pages::purchase::contract_edit
        ),
        r!(
            post,
            "/purchase/contracts/{id}/sign",
            pages::purchase::contract_sign
        ),
        r!(
            post,
            "/purchase/contracts/{id}/tranches",
            pages::purchase::tranche_add
        ),
        r!(
            post,
            "/purchase/contracts/{id}/clawbacks",
            pages::purchase::clawback
        ),
        r!(
            post,
            "/purchase/tranches/{id}/accept",
            pages::purchase::tranche_accept
        ),
        r!(
            post,
            "/purchase/tranches/{id}/pay",
            pages::purchase::tranche_pay
        ),
        r!(get, "/purchase/contracts", pages::delivery::ledger),
        r!(get, "/purchase/my-service", pages::delivery::my_service),
        r!(
            post,
            "/purchase/contracts/{id}/complete",
            pages::purchase::contract_complete
        ),
        r!(
            post,
            "/purchase/applications/{id}/attachments",
            pages::questions::app_attach
        ),
        r!(
            get,
            "/purchase/applications/{id}/attachments/{aid}",
            pages::questions::app_file
        ),
        r!(
            post,
            "/purchase/applications/{id}/attachments/{aid}/delete",
            pages::questions::app_detach
        ),
        r!(
            post,
            "/purchase/projects/{id}/questions",
            pages::questions::ask
        ),
        r!(
            post,
            "/purchase/questions/{id}/answer",
            pages::questions::answer
        ),
        r!(
            post,
            "/purchase/projects/{id}/recusals",
            pages::questions::request
        ),
        r!(
            post,
            "/purchase/recusals/{id}/decision",
            pages::questions::decide
        ),
        r!(get, "/purchase/dashboard", pages::pdash::show),
        r!(
            get,
            "/purchase/contracts/export/{format}",
            pages::delivery::ledger_export
        ),
        r!(
            get,
            "/purchase/payments/export/{format}",
            pages::delivery::payments_export
        ),
        r!(
            get,
            "/purchase/contracts/{id}/delivery",
            pages::delivery::show
        ),
        r!(
            post,
            "/purchase/contracts/{id}/delivery-logs",
            pages::delivery::log
        ),
        r!(
            post,
            "/purchase/contracts/{id}/team",
            pages::delivery::replace
        ),
        r!(
            post,
            "/purchase/contracts/{id}/reports",
            pages::delivery::report
        ),
        r!(
            post,
            "/purchase/reports/{id}/transitions",
            pages::delivery::report_transition
        ),
        r!(
            post,
            "/purchase/delivery-logs/{id}/attachments",
            pages::delivery::attach
        ),
        r!(
            get,
            "/purchase/delivery-logs/{id}/attachments/{aid}",
            pages::delivery::file
        ),
        r!(get, "/purchase/experts", pages::purchase::experts),
        r!(post, "/purchase/experts", pages::purchase::add_expert),
        r!(
            post,
            "/purchase/experts/import",
            pages::purchase::import_experts
        ),
        r!(
            post,
            "/purchase/experts/{id}/ties",
            pages::purchase::add_tie
        ),
        r!(
            post,
            "/purchase/projects/{id}/panel",
            pages::purchase::panel_draw
        ),
        r!(
            post,
            "/purchase/projects/{id}/panel/declaration",
            pages::purchase::panel_declare
        ),
        r!(
            post,
            "/purchase/projects/{id}/panel/scores",
            pages::purchase::panel_score
        ),
        r!(
            post,
            "/purchase/projects/{id}/panel/sign",
            pages::purchase::panel_sign
        ),
        r!(get, "/purchase/projects", pages::purchase::projects),
        r!(get, "/purchase/projects/new", pages::purchase::new_project),
        r!(
            post,
            "/purchase/projects/new",
            pages::purchase::create_project
        ),
        r!(get, "/purchase/projects/{id}", pages::purchase::project),
        r!(
            get,
            "/purchase/projects/{id}/edit",
            pages::purchase::edit_project
        ),
        r!(
            post,
            "/purchase/projects/{id}/edit",
            pages::purchase::update_project
        ),
        r!(
            post,
            "/purchase/projects/{id}/transition",
            pages::purchase::project_transition
        ),
        r!(
            get,
            "/purchase/projects/{id}/apply",
            pages::purchase::new_application
        ),
        r!(
            post,
            "/purchase/projects/{id}/apply",
            pages::purchase::create_application
        ),
        r!(
            get,
            "/purchase/applications",
            pages::purchase::applications_list
        ),
        r!(
            get,
            "/purchase/applications/{id}",
            pages::purchase::application
        ),
        r!(
            get,
            "/purchase/applications/{id}/edit",
            pages::purchase::edit_application
        ),
        r!(
            post,
            "/purchase/applications/{id}/edit",
            pages::purchase::update_application
        ),
        r!(
            post,
            "/purchase/applications/{id}/transition",
            pages::purchase::application_transition
        ),
        r!(get, "/public/catalog", pages::purchase::public_catalog),
        r!(get, "/public/calls", pages::purchase::public_calls),
        r!(get, "/public/calls/{id}", pages::purchase::public_call),
        r!(get, "/workers/changes", pages::facts::list),
        r!(
            post,
            "/workers/changes/{id}/attachments",
            pages::facts::attach
        ),
        r!(
            get,
            "/workers/changes/{id}/attachments/{aid}",
            pages::facts::file
        ),
        r!(
            post,
            "/workers/changes/{id}/transitions",
            pages::facts::decide
        ),
        r!(get, "/security/throttles", pages::throttles::list),
        r!(post, "/security/throttles/lift", pages::throttles::lift),
        r!(get, "/inbox", pages::inbox::list),
        r!(post, "/inbox/read-all", pages::inbox::read_all),
        r!(post, "/inbox/{id}/open", pages::inbox::open),
        r!(get, "/calendar", pages::calendar::show),
        r!(post, "/calendar", pages::calendar::save),
        r!(post, "/calendar/import", pages::calendar::import),
        r!(post, "/calendar/{day}/delete", pages::calendar::remove),
        // JSON API
        r!(get, "/api/ocds/releases", api::ocds::releases),
        r!(get, "/api/ocds/records", api::ocds::records),
        r!(get, "/api/ocds/records/{ocid}", api::ocds::record),
        r!(get, "/api/ocds/bulk/{file}", api::ocds::bulk),
        r!(get, "/api/v1/me", api::me),
        r!(get, "/api/v1/areas", api::areas::list),
        r!(post, "/api/v1/areas/import", api::areas::import),
        r!(get, "/api/v1/areas/{code}", api::areas::get),
        r!(patch, "/api/v1/areas/{code}", api::areas::patch),
        r!(
            put,
            "/api/v1/areas/{code}/populations/{year}",
            api::areas::put_population
        ),
        r!(get, "/api/v1/users", api::users::list),
        r!(post, "/api/v1/users", api::users::create),
        r!(get, "/api/v1/users/{id}", api::users::get),
        r!(post, "/api/v1/users/{id}/lock", api::users::lock),
        r!(post, "/api/v1/users/{id}/unlock", api::users::unlock),
        r!(put, "/api/v1/users/{id}/role", api::users::set_role),
        r!(post, "/api/v1/users/{id}/mfa/reset", api::users::reset_mfa),
        r!(get, "/api/v1/tokens", api::users::tokens),
        r!(post, "/api/v1/tokens", api::users::create_token),
        r!(delete, "/api/v1/tokens/{id}", api::users::revoke_token),
        r!(get, "/api/v1/audit", api::audit::list),
        r!(post, "/api/v1/audit/verify", api::audit::verify),
        r!(get, "/api/v1/needs", api::needs::list),
        r!(post, "/api/v1/needs", api::needs::create),
        r!(get, "/api/v1/needs/categories", api::needs::categories),
        r!(
            put,
            "/api/v1/needs/categories/{code}",
            api::needs::put_category
        ),
        r!(get, "/api/v1/needs/stats", api::needs::stats),
        r!(get, "/api/v1/needs/{id}", api::needs::get),
        r!(
            post,
            "/api/v1/needs/{id}/transitions",
            api::needs::transition
        ),
        r!(post, "/api/v1/needs/{id}/contact", api::needs::contact),
        r!(
            get,
            "/api/v1/needs/{id}/attachments",
            api::needs::attachments
        ),
        r!(post, "/api/v1/needs/{id}/attachments", api::needs::attach),
        r!(
            get,
            "/api/v1/needs/{id}/attachments/{aid}",
            api::needs::attachment
        ),
        r!(
            delete,
            "/api/v1/needs/{id}/attachments/{aid}",
            api::needs::detach
        ),
        r!(get, "/api/v1/proposals", api::proposals::proposals_list),
        r!(post, "/api/v1/proposals", api::proposals::proposals_create),
        r!(get, "/api/v1/proposals/{id}", api::proposals::proposals_get),
        r!(
            post,
            "/api/v1/proposals/{id}/transitions",
            api::proposals::proposals_transition
        ),
        r!(
            get,
            "/api/v1/social-workers/{id}/subsidies",
            api::workers::subsidies
        ),
        r!(get, "/api/v1/social-worker-changes", api::facts::list),
        r!(
            get,
            "/api/v1/social-worker-changes/{id}/attachments",
            api::facts::files
        ),
        r!(
            post,
            "/api/v1/social-worker-changes/{id}/attachments",
            api::facts::attach
        ),
        r!(
            get,
            "/api/v1/social-worker-changes/{id}/attachments/{aid}",
            api::facts::file
        ),
        r!(
            post,
            "/api/v1/social-worker-changes/{id}/transitions",
            api::facts::decide
        ),
        r!(get, "/api/v1/login-throttles", api::throttles::list),
        r!(post, "/api/v1/login-throttles/lift", api::throttles::lift),
        r!(get, "/api/v1/inbox", api::inbox::inbox),
        r!(post, "/api/v1/inbox/{id}/read", api::inbox::inbox_read),
        r!(get, "/api/v1/calendar", api::calendar::year),
        r!(get, "/api/v1/calendar/deadline", api::calendar::deadline),
        r!(post, "/api/v1/calendar/import", api::calendar::import),
        r!(put, "/api/v1/calendar/{day}", api::calendar::put_day),
        r!(delete, "/api/v1/calendar/{day}", api::calendar::delete_day),
        r!(get, "/api/v1/targets", api::targets::get),
        r!(get, "/api/v1/networks", api::orgs::networks),
        r!(get, "/api/v1/facilities/{id}/photos", api::photos::list),
        r!(post, "/api/v1/facilities/{id}/photos", api::photos::upload),
        r!(
            get,
            "/api/v1/facilities/{id}/photos/{pid}",
            api::photos::get
        ),
        r!(
            delete,
            "/api/v1/facilities/{id}/photos/{pid}",
            api::photos::delete
        ),
        r!(
            post,
            "/api/v1/social-workers/{id}/cpd",
            api::workers::add_cpd
        ),
        r!(
            post,
            "/api/v1/social-workers/cpd/import",
            api::workers::import_cpd
        ),
        r!(
            post,
            "/api/v1/social-workers/{id}/subsidies",
            api::workers::add_subsidy
        ),
        r!(
            post,
            "/api/v1/organizations/{id}/fund-entries",
            api::orgs::add_fund_entry
        ),
        r!(post, "/api/v1/networks", api::orgs::record_network),
        r!(post, "/api/v1/targets/snapshot", api::targets::snapshot),
        r!(get, "/api/v1/policy/{year}", api::targets::get_policy),
        r!(
            get,
            "/api/v1/purchase/projects/{id}/award",
            api::awards::award_get
        ),
        r!(
            post,
            "/api/v1/purchase/projects/{id}/award",
            api::awards::award_create
        ),
        r!(
            post,
            "/api/v1/purchase/projects/{id}/objections",
            api::awards::objections_create
        ),
        r!(
            post,
            "/api/v1/purchase/objections/{id}/answer",
            api::awards::objections_answer
        ),
        r!(
            post,
            "/api/v1/purchase/projects/{id}/contract",
            api::contracts::create
        ),
        r!(get, "/api/v1/purchase/contracts/{id}", api::contracts::get),
        r!(
            put,
            "/api/v1/purchase/contracts/{id}",
            api::contracts::update
        ),
        r!(
            post,
            "/api/v1/purchase/contracts/{id}/sign",
            api::contracts::sign
        ),
        r!(
            post,
            "/api/v1/purchase/contracts/{id}/tranches",
            api::contracts::add_tranche
        ),
        r!(
            post,
            "/api/v1/purchase/contracts/{id}/clawbacks",
            api::contracts::clawback
        ),
        r!(
            post,
            "/api/v1/purchase/tranches/{id}/accept",
            api::contracts::accept
        ),
        r!(
            post,
            "/api/v1/purchase/tranches/{id}/pay",
            api::contracts::pay
        ),
        r!(get, "/api/v1/purchase/contracts", api::contracts::ledger),
        r!(
            get,
            "/api/v1/purchase/my-service",
            api::delivery::my_service
        ),
        r!(
            post,
            "/api/v1/purchase/contracts/{id}/complete",
            api::contracts::complete
        ),
        r!(
            get,
            "/api/v1/purchase/applications/{id}/attachments",
            api::app_files::list
        ),
        r!(
            post,
            "/api/v1/purchase/applications/{id}/attachments",
            api::app_files::attach
        ),
        r!(
            get,
            "/api/v1/purchase/applications/{id}/attachments/{aid}",
            api::app_files::file
        ),
        r!(
            delete,
            "/api/v1/purchase/applications/{id}/attachments/{aid}",
            api::app_files::detach
        ),
        r!(
            get,
            "/api/v1/purchase/projects/{id}/questions",
            api::questions::list
        ),
        r!(
            post,
            "/api/v1/purchase/projects/{id}/questions",
            api::questions::ask
        ),
        r!(
            post,
            "/api/v1/purchase/questions/{id}/answer",
            api::questions::answer
        ),
        r!(
            get,
            "/api/v1/purchase/projects/{id}/recusals",
            api::questions::recusals
        ),
        r!(
            post,
            "/api/v1/purchase/projects/{id}/recusals",
            api::questions::request
        ),
        r!(
            post,
            "/api/v1/purchase/recusals/{id}/decision",
            api::questions::decide
        ),
        r!(get, "/award-lists", pages::award_lists::lists),
        r!(post, "/award-lists", pages::award_lists::create),
        r!(get, "/award-lists/{id}", pages::award_lists::detail),
        r!(
            post,
            "/award-lists/{id}/scheme",
            pages::award_lists::save_scheme
        ),
        r!(
            post,
            "/award-lists/{id}/transitions",
            pages::award_lists::transition
        ),
        r!(post, "/award-lists/{id}/entries", pages::award_lists::score),
        r!(
            post,
            "/award-lists/{id}/entries/{aid}/pay",
            pages::award_lists::pay
        ),
        r!(
            get,
            "/award-lists/{id}/export/{format}",
            pages::award_lists::export
        ),
        r!(
            get,
            "/award-lists/{id}/score-sheet/{format}",
            pages::award_lists::score_sheet
        ),
        r!(
            post,
            "/award-lists/{id}/import",
            pages::award_lists::import_scores
        ),
        r!(
            post,
            "/api/v1/award-lists/{id}/scores/import",
            api::award_lists::import_scores
        ),
        r!(get, "/public/awards", pages::award_lists::public),
        r!(post, "/award-lists/{id}/fill", pages::award_lists::fill),
        r!(
            post,
            "/award-lists/{id}/self",
            pages::award_lists::self_assess
        ),
        r!(
            post,
            "/award-lists/{id}/entries/{aid}/appeal",
            pages::award_lists::appeal
        ),
        r!(
            post,
            "/award-lists/{id}/entries/{aid}/answer",
            pages::award_lists::answer
        ),
        r!(
            post,
            "/api/v1/award-lists/{id}/fill",
            api::award_lists::fill
        ),
        r!(
            put,
            "/api/v1/award-lists/{id}/self",
            api::award_lists::self_assess
        ),
        r!(
            post,
            "/api/v1/award-entries/{id}/appeal",
            api::award_lists::appeal
        ),
        r!(
            post,
            "/api/v1/award-entries/{id}/answer",
            api::award_lists::answer
        ),
        r!(get, "/api/v1/award-lists", api::award_lists::list),
        r!(post, "/api/v1/award-lists", api::award_lists::create),
        r!(get, "/api/v1/award-lists/{id}", api::award_lists::get),
        r!(
            put,
            "/api/v1/award-lists/{id}/scheme",
            api::award_lists::set_scheme
        ),
        r!(
            post,
            "/api/v1/award-lists/{id}/transitions",
            api::award_lists::transition
        ),
        r!(
            put,
            "/api/v1/award-lists/{id}/entries",
            api::award_lists::score
        ),
        r!(
            post,
            "/api/v1/award-entries/{id}/pay",
            api::award_lists::pay
        ),
        r!(get, "/ratings", pages::ratings::list),
        r!(post, "/ratings", pages::ratings::apply),
        r!(get, "/ratings/export/{format}", pages::ratings::export),
        r!(get, "/ratings/scheme", pages::ratings::scheme),
        r!(post, "/ratings/scheme", pages::ratings::save_scheme),
        r!(get, "/ratings/committee", pages::ratings::committee),
        r!(post, "/ratings/committee", pages::ratings::add_member),
        r!(get, "/ratings/{id}", pages::ratings::detail),
        r!(
            post,
            "/ratings/{id}/transitions",
            pages::ratings::transition
        ),
        r!(
            get,
            "/ratings/{id}/certificate",
            pages::ratings::certificate
        ),
        r!(get, "/public/ratings", pages::ratings::public),
        r!(get, "/api/v1/rating-scheme", api::ratings::scheme),
        r!(put, "/api/v1/rating-scheme", api::ratings::put_scheme),
        r!(get, "/api/v1/rating-committee", api::ratings::committee),
        r!(post, "/api/v1/rating-committee", api::ratings::add_member),
        r!(get, "/api/v1/ratings", api::ratings::list),
        r!(post, "/api/v1/ratings", api::ratings::apply),
        r!(get, "/api/v1/ratings/{id}", api::ratings::get),
        r!(
            post,
            "/api/v1/ratings/{id}/transitions",
            api::ratings::transition
        ),
        r!(get, "/venture", pages::venture::list),
        r!(post, "/venture", pages::venture::create_round),
        r!(get, "/venture/new", pages::venture::new_round),
        r!(get, "/venture/rounds/{id}", pages::venture::round),
        r!(get, "/venture/rounds/{id}/edit", pages::venture::edit_round),
        r!(
            post,
            "/venture/rounds/{id}/edit",
            pages::venture::save_round
        ),
        r!(
            post,
            "/venture/rounds/{id}/transitions",
            pages::venture::round_transition
        ),
        r!(
            post,
            "/venture/rounds/{id}/reviewers",
            pages::venture::add_reviewer
        ),
        r!(
            post,
            "/venture/rounds/{id}/award-by-ranking",
            pages::venture::award_by_ranking
        ),
        r!(
            get,
            "/venture/rounds/{id}/apply",
            pages::venture::apply_form
        ),
        r!(post, "/venture/rounds/{id}/projects", pages::venture::apply),
        r!(
            get,
            "/venture/rounds/{id}/export/{format}",
            pages::venture::export
        ),
        r!(get, "/venture/projects/{id}", pages::venture::project),
        r!(
            post,
            "/venture/projects/{id}/edit",
            pages::venture::save_project
        ),
        r!(
            post,
            "/venture/projects/{id}/transitions",
            pages::venture::project_transition
        ),
        r!(post, "/venture/projects/{id}/scores", pages::venture::score),
        r!(get, "/public/venture", pages::venture::public_list),
        r!(get, "/public/venture/{id}", pages::venture::public_round),
        r!(post, "/public/venture/{id}/votes", pages::venture::vote),
        r!(get, "/api/v1/venture/rounds", api::venture::rounds),
        r!(post, "/api/v1/venture/rounds", api::venture::create_round),
        r!(get, "/api/v1/venture/rounds/{id}", api::venture::round),
        r!(
            put,
            "/api/v1/venture/rounds/{id}",
            api::venture::update_round
        ),
        r!(
            post,
            "/api/v1/venture/rounds/{id}/transitions",
            api::venture::round_transition
        ),
        r!(
            post,
            "/api/v1/venture/rounds/{id}/reviewers",
            api::venture::add_reviewer
        ),
        r!(
            post,
            "/api/v1/venture/rounds/{id}/award-by-ranking",
            api::venture::award_by_ranking
        ),
        r!(
            post,
            "/api/v1/venture/rounds/{id}/projects",
            api::venture::apply
        ),
        r!(
            post,
            "/api/v1/venture/rounds/{id}/votes",
            api::venture::vote
        ),
        r!(get, "/api/v1/venture/projects", api::venture::projects),
        r!(
            get,
            "/api/v1/venture/projects/{id}",
            api::venture::get_project
        ),
        r!(
            put,
            "/api/v1/venture/projects/{id}",
            api::venture::update_project
        ),
        r!(
            post,
            "/api/v1/venture/projects/{id}/transitions",
            api::venture::project_transition
        ),
        r!(
            put,
            "/api/v1/venture/projects/{id}/scores",
            api::venture::score
        ),
        r!(get, "/purchase/evaluations", pages::evaluations::list),
        r!(
            get,
            "/purchase/evaluations/export/{format}",
            pages::evaluations::export
        ),
        r!(
            get,
            "/purchase/evaluations/{id}",
            pages::evaluations::detail
        ),
        r!(
            post,
            "/purchase/evaluations/{id}/scores",
            pages::evaluations::score
        ),
        r!(
            post,
            "/purchase/evaluations/{id}/answer",
            pages::evaluations::answer
        ),
        r!(
            post,
            "/purchase/evaluations/{id}/transitions",
            pages::evaluations::transition
        ),
        r!(
            post,
            "/purchase/contracts/{id}/evaluations",
            pages::evaluations::assign
        ),
        r!(
            get,
            "/purchase/evaluation-scheme",
            pages::evaluations::scheme
        ),
        r!(
            post,
            "/purchase/evaluation-scheme",
            pages::evaluations::save_scheme
        ),
        r!(get, "/api/v1/purchase/dashboard", api::contracts::dashboard),
        r!(
            get,
            "/api/v1/purchase/evaluation-scheme",
            api::evaluations::scheme
        ),
        r!(
            put,
            "/api/v1/purchase/evaluation-scheme",
            api::evaluations::put_scheme
        ),
        r!(
            get,
            "/api/v1/purchase/assessors",
            api::evaluations::assessors
        ),
        r!(get, "/api/v1/purchase/agencies", api::evaluations::agencies),
        r!(
            get,
            "/api/v1/purchase/agencies/{id}/ties",
            api::evaluations::agency_ties
        ),
        r!(
            post,
            "/api/v1/purchase/agencies/{id}/ties",
            api::evaluations::add_agency_tie
        ),
        r!(
            delete,
            "/api/v1/purchase/agency-ties/{id}",
            api::evaluations::remove_agency_tie
        ),
        r!(get, "/purchase/agencies", pages::evaluations::agencies),
        r!(
            post,
            "/purchase/agency-ties/{id}/delete",
            pages::evaluations::remove_agency_tie
        ),
        r!(
            post,
            "/purchase/agencies/{id}/ties",
            pages::evaluations::add_agency_tie
        ),
        r!(
            get,
            "/api/v1/award-entries/{id}/attachments",
            api::award_lists::evidence
        ),
        r!(
            post,
            "/api/v1/award-entries/{id}/attachments",
            api::award_lists::attach
        ),
        r!(
            get,
            "/api/v1/award-entries/{id}/attachments/{aid}",
            api::award_lists::evidence_file
        ),
        r!(get, "/award-entries/{id}", pages::award_lists::entry),
        r!(
            post,
            "/award-entries/{id}/attachments",
            pages::award_lists::attach
        ),
        r!(
            get,
            "/award-entries/{id}/attachments/{aid}",
            pages::award_lists::file
        ),
        r!(
            post,
            "/api/v1/purchase/contracts/{id}/evaluations",
            api::evaluations::assign
        ),
        r!(get, "/api/v1/purchase/evaluations", api::evaluations::list),
        r!(
            get,
            "/api/v1/purchase/evaluations/{id}",
            api::evaluations::get
        ),
        r!(
            put,
            "/api/v1/purchase/evaluations/{id}/scores",
            api::evaluations::score
        ),
        r!(
            post,
            "/api/v1/purchase/evaluations/{id}/answer",
            api::evaluations::answer
        ),
        r!(
            post,
            "/api/v1/purchase/evaluations/{id}/transitions",
            api::evaluations::transition
        ),
        r!(
            get,
            "/api/v1/purchase/evaluations/{id}/attachments",
            api::evaluations::evidence
        ),
        r!(
            put,
            "/api/v1/purchase/evaluations/{id}/self-evaluation",
            api::evaluations::self_evaluate
        ),
        r!(
            post,
            "/api/v1/purchase/evaluation-batches",
            api::evaluations::batch
        ),
        r!(
            post,
            "/api/v1/purchase/evaluations/{id}/samples",
            api::evaluations::sample
        ),
        r!(
            post,
            "/purchase/evaluations/{id}/samples",
            pages::evaluations::sample
        ),
        r!(
            put,
            "/api/v1/purchase/evaluations/{id}/assessor",
            api::evaluations::hand_over
        ),
        r!(
            post,
            "/api/v1/purchase/evaluations/{id}/rectification",
            api::evaluations::order_rectification
        ),
        r!(
            post,
            "/api/v1/purchase/evaluations/{id}/rectification/transitions",
            api::evaluations::rectification_transition
        ),
        r!(
            post,
            "/purchase/evaluations/{id}/self-evaluation",
            pages::evaluations::self_evaluate
        ),
        r!(
            post,
            "/purchase/evaluations/{id}/assessor",
            pages::evaluations::hand_over
        ),
        r!(
            post,
            "/purchase/evaluations/{id}/rectification",
            pages::evaluations::order_rectification
        ),
        r!(
            post,
            "/purchase/evaluations/{id}/rectification/transitions",
            pages::evaluations::rectification_transition
        ),
        r!(
            get,
            "/purchase/evaluation-batches",
            pages::evaluations::batch_form
        ),
        r!(
            post,
            "/purchase/evaluation-batches",
            pages::evaluations::batch
        ),
        r!(
            post,
            "/api/v1/purchase/evaluations/{id}/attachments",
            api::evaluations::attach
        ),
        r!(
            get,
            "/api/v1/purchase/evaluations/{id}/attachments/{aid}",
            api::evaluations::evidence_file
        ),
        r!(
            post,
            "/purchase/evaluations/{id}/attachments",
            pages::evaluations::attach
        ),
        r!(
            get,
            "/purchase/evaluations/{id}/attachments/{aid}",
            pages::evaluations::file
        ),
        r!(
            get,
            "/api/v1/organizations/{id}/purchase-history",
            api::orgs::purchase_history
        ),
        r!(
            get,
            "/api/v1/purchase/contracts/{id}/delivery",
            api::delivery::get
        ),
        r!(
            post,
            "/api/v1/purchase/contracts/{id}/delivery-logs",
            api::delivery::log
        ),
        r!(
            post,
            "/api/v1/purchase/contracts/{id}/team",
            api::delivery::replace
        ),
        r!(
            post,
            "/api/v1/purchase/contracts/{id}/reports",
            api::delivery::report
        ),
        r!(
            post,
            "/api/v1/purchase/reports/{id}/transitions",
            api::delivery::report_transition
        ),
        r!(
            get,
            "/api/v1/purchase/delivery-logs/{id}/attachments",
            api::delivery::evidence
        ),
        r!(
            post,
            "/api/v1/purchase/delivery-logs/{id}/attachments",
            api::delivery::attach
        ),
        r!(
            get,
            "/api/v1/purchase/delivery-logs/{id}/attachments/{aid}",
            api::delivery::evidence_file
        ),
        r!(get, "/api/v1/purchase/experts", api::panels::experts_list),
        r!(
            post,
            "/api/v1/purchase/experts",
            api::panels::experts_create
        ),
        r!(
            post,
            "/api/v1/purchase/experts/import",
            api::panels::experts_import
        ),
        r!(
            post,
            "/api/v1/purchase/experts/{id}/ties",
            api::panels::experts_tie
        ),
        r!(
            get,
            "/api/v1/purchase/projects/{id}/panel",
            api::panels::panel_get
        ),
        r!(
            post,
            "/api/v1/purchase/projects/{id}/panel",
            api::panels::panel_draw
        ),
        r!(
            post,
            "/api/v1/purchase/projects/{id}/panel/sign",
            api::panels::panel_sign
        ),
        r!(
            post,
            "/api/v1/purchase/panel-members/{id}/declaration",
            api::panels::panel_declare
        ),
        r!(
            put,
            "/api/v1/purchase/panel-members/{id}/scores/{application}",
            api::panels::panel_score
        ),
        r!(
            get,
            "/api/v1/purchase/budget-lines",
            api::purchase::lines_list
        ),
        r!(
            post,
            "/api/v1/purchase/budget-lines",
            api::purchase::lines_create
        ),
        r!(
            patch,
            "/api/v1/purchase/budget-lines/{id}",
            api::purchase::lines_update
        ),
        r!(get, "/api/v1/purchase/catalog", api::purchase::catalog_get),
        r!(
            post,
            "/api/v1/purchase/catalog/transitions",
            api::purchase::catalog_transition
        ),
        r!(
            post,
            "/api/v1/purchase/catalog-items",
            api::purchase::items_create
        ),
        r!(
            post,
            "/api/v1/purchase/catalog-items/import",
            api::purchase::items_import
        ),
        r!(
            get,
            "/api/v1/purchase/catalog-items/{id}",
            api::purchase::items_get
        ),
        r!(
            put,
            "/api/v1/purchase/catalog-items/{id}",
            api::purchase::items_update
        ),
        r!(
            delete,
            "/api/v1/purchase/catalog-items/{id}",
            api::purchase::items_delete
        ),
        r!(
            get,
            "/api/v1/purchase/projects",
            api::purchase::projects_list
        ),
        r!(
            post,
            "/api/v1/purchase/projects",
            api::purchase::projects_create
        ),
        r!(
            get,
            "/api/v1/purchase/projects/{id}",
            api::purchase::projects_get
        ),
        r!(
            put,
            "/api/v1/purchase/projects/{id}",
            api::purchase::projects_update
        ),
        r!(
            post,
            "/api/v1/purchase/projects/{id}/transitions",
            api::purchase::projects_transition
        ),
        r!(
            post,
            "/api/v1/purchase/projects/{id}/applications",
            api::purchase::applications_create
        ),
        r!(
            get,
            "/api/v1/purchase/applications",
            api::purchase::applications_list
        ),
        r!(
            get,
            "/api/v1/purchase/applications/{id}",
            api::purchase::applications_get
        ),
        r!(
            put,
            "/api/v1/purchase/applications/{id}",
            api::purchase::applications_update
        ),
        r!(
            post,
            "/api/v1/purchase/applications/{id}/transitions",
            api::purchase::applications_transition
        ),
        r!(put, "/api/v1/policy/{year}", api::targets::put_policy),
    ];
    struct Pages(Vec<(RouteDef, MethodRouter<AppState>)>);
    impl sanshe_app::registry::Visit for Pages {
        fn visit<R: sanshe_app::registry::Registry>(&mut self) {
            self.0.extend(registry_routes::<R>());
        }
    }
    let mut pages_of = Pages(Vec::new());
    sanshe_app::registry::each(&mut pages_of);
    out.extend(pages_of.0);
    out.extend(api::registry::routes());
    out
}

/// The pages every registry has, under `/<kind>`.
fn registry_routes<R>() -> Vec<(RouteDef, MethodRouter<AppState>)>
where
    R: sanshe_app::registry::Registry,
{
    use pages::registry as pr;
    let p = |s: &str| -> &'static str { Box::leak(format!("/{}{s}", R::KIND).into_boxed_str()) };
    let d = |m: &'static str, s: &str| RouteDef {
        method: m,
        path: p(s),
    };
    vec![
        (d("get", ""), get(pr::list::<R>)),
        (d("get", "/export/{format}"), get(pr::export::<R>)),
        (
            d("post", "/export/{format}"),
            post(pr::export_revealed::<R>),
        ),
        (d("get", "/new"), get(pr::new_form::<R>)),
        (d("post", "/new"), post(pr::create::<R>)),
        (d("get", "/import"), get(pr::import_form::<R>)),
        (d("post", "/import"), post(pr::import::<R>)),
        (d("get", "/template.xlsx"), get(pr::template::<R>)),
        (d("get", "/{id}"), get(pr::detail::<R>)),
        (d("post", "/{id}/reveal"), post(pr::reveal::<R>)),
        (d("get", "/{id}/edit"), get(pr::edit_form::<R>)),
        (d("post", "/{id}/edit"), post(pr::edit::<R>)),
        (d("get", "/{id}/delete"), get(pr::delete_form::<R>)),
        (d("post", "/{id}/delete"), post(pr::delete::<R>)),
    ]
}

/// All routes (method, path) — what the route × role test must cover.
pub fn route_list() -> Vec<RouteDef> {
    table().into_iter().map(|(d, _)| d).collect()
}

pub fn build(state: AppState) -> Router {
    let mut router = Router::new();
    for (def, mr) in table() {
        router = router.route(def.path, mr);
    }
    router
        .fallback(pages::auth::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::layer,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(middleware::BODY_LIMIT))
        .with_state(state)
}
