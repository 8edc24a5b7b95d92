//! The OpenAPI 3.1 document, generated from the handlers' annotations so routes and spec
//! cannot drift.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
        crate::api::registry::add_paths(openapi);
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Sanshe 三社联动平台 API", version = "1",
        description = "JSON API of the Sanshe community-governance platform. Authenticate with `Authorization: Bearer <token>` (create tokens on the account page or with `sanshe token create`). Errors share one shape with a machine code and a message in the `Accept-Language` language (zh-CN by default)."),
    paths(
        crate::api::me,
        crate::api::areas::list, crate::api::areas::get, crate::api::areas::patch,
        crate::api::areas::put_population, crate::api::areas::import,
        crate::api::users::list, crate::api::users::create, crate::api::users::get,
        crate::api::users::lock, crate::api::users::unlock, crate::api::users::set_role,
        crate::api::users::tokens, crate::api::users::create_token, crate::api::users::revoke_token,
        crate::api::audit::list,
        crate::api::audit::verify,
        crate::api::needs::list,
        crate::api::needs::create,
        crate::api::needs::categories,
        crate::api::needs::put_category,
        crate::api::needs::stats,
        crate::api::needs::get,
        crate::api::needs::transition,
        crate::api::needs::contact,
        crate::api::needs::attachments,
        crate::api::needs::attach,
        crate::api::needs::attachment,
        crate::api::needs::detach,
        crate::api::proposals::proposals_list,
        crate::api::proposals::proposals_create,
        crate::api::proposals::proposals_get,
        crate::api::proposals::proposals_transition,
        crate::api::users::reset_mfa,
        crate::api::facts::list,
        crate::api::facts::decide,
        crate::api::facts::files,
        crate::api::facts::attach,
        crate::api::facts::file,
        crate::api::workers::subsidies,
        crate::api::throttles::list,
        crate::api::throttles::lift,
        crate::api::inbox::inbox,
        crate::api::inbox::inbox_read,
        crate::api::calendar::year,
        crate::api::calendar::deadline,
        crate::api::calendar::import,
        crate::api::calendar::put_day,
        crate::api::calendar::delete_day,
        crate::api::targets::get, crate::api::targets::snapshot,
        crate::api::targets::get_policy, crate::api::targets::put_policy,
        crate::api::orgs::networks, crate::api::orgs::record_network,
        crate::api::workers::add_cpd, crate::api::workers::add_subsidy,
        crate::api::workers::import_cpd,
        crate::api::orgs::add_fund_entry,
        crate::api::photos::list, crate::api::photos::upload, crate::api::photos::get,
        crate::api::photos::delete,
    ),
    components(schemas(crate::api::PageInfo, crate::api::areas::ImportReport)),
    modifiers(&Bearer),
    tags((name = "areas", description = "Administrative divisions and populations"),
         (name = "accounts", description = "Accounts, roles and API tokens"),
         (name = "audit", description = "The append-only audit log"),
         (name = "needs", description = "Resident needs and the project proposals that group them"),
         (name = "inbox", description = "The caller's in-app notices"),
         (name = "calendar", description = "Public holidays, adjusted working days and deadlines in working days"),
         (name = "registries", description = "Facilities, social organizations, social workers and community posts"),
         (name = "targets", description = "The 2018 policy's targets, computed live or from year-end snapshots, and the policy profile")),
)]
pub struct ApiDoc;

pub fn doc() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as pretty JSON (served at `/api/openapi.json`, snapshotted in docs/).
pub fn openapi_json() -> String {
    doc().to_pretty_json().unwrap_or_else(|_| "{}".into())
}
