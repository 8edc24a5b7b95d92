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
        crate::api::ocds::releases, crate::api::ocds::records, crate::api::ocds::record,
        crate::api::ocds::bulk,
        crate::api::contracts::ledger,
        crate::api::delivery::my_service,
        crate::api::contracts::complete,
        crate::api::app_files::list, crate::api::app_files::attach, crate::api::app_files::file,
        crate::api::app_files::detach,
        crate::api::questions::list, crate::api::questions::ask, crate::api::questions::answer,
        crate::api::questions::recusals, crate::api::questions::request, crate::api::questions::decide,
        crate::api::contracts::dashboard,
        crate::api::evaluations::scheme, crate::api::evaluations::put_scheme,
        crate::api::evaluations::assessors, crate::api::evaluations::assign,
        crate::api::evaluations::list, crate::api::evaluations::get,
        crate::api::evaluations::score, crate::api::evaluations::answer,
        crate::api::evaluations::transition,
        crate::api::evaluations::evidence, crate::api::evaluations::attach,
        crate::api::evaluations::evidence_file,
        crate::api::evaluations::agencies, crate::api::evaluations::agency_ties,
        crate::api::evaluations::add_agency_tie, crate::api::evaluations::remove_agency_tie,
        crate::api::award_lists::evidence, crate::api::award_lists::attach,
        crate::api::award_lists::evidence_file,
        crate::api::evaluations::self_evaluate, crate::api::evaluations::batch,
        crate::api::evaluations::hand_over, crate::api::evaluations::order_rectification,
        crate::api::evaluations::rectification_transition,
        crate::api::award_lists::import_scores, crate::api::evaluations::sample,
        crate::api::venture::rounds, crate::api::venture::create_round,
        crate::api::venture::update_round, crate::api::venture::round,
        crate::api::venture::round_transition, crate::api::venture::add_reviewer,
        crate::api::venture::award_by_ranking, crate::api::venture::apply,
        crate::api::venture::update_project, crate::api::venture::projects,
        crate::api::venture::get_project, crate::api::venture::project_transition,
        crate::api::venture::score, crate::api::venture::vote,
        crate::api::ratings::scheme, crate::api::ratings::put_scheme,
        crate::api::ratings::committee, crate::api::ratings::add_member,
        crate::api::ratings::list, crate::api::ratings::apply, crate::api::ratings::get,
        crate::api::ratings::transition,
        crate::api::award_lists::list, crate::api::award_lists::create,
        crate::api::award_lists::get, crate::api::award_lists::set_scheme,
        crate::api::award_lists::transition, crate::api::award_lists::score,
        crate::api::award_lists::pay,
        crate::api::award_lists::fill, crate::api::award_lists::self_assess,
        crate::api::award_lists::appeal, crate::api::award_lists::answer,
        crate::api::orgs::purchase_history,
        crate::api::delivery::get, crate::api::delivery::log, crate::api::delivery::replace,
        crate::api::delivery::report, crate::api::delivery::report_transition,
        crate::api::delivery::evidence, crate::api::delivery::attach, crate::api::delivery::evidence_file,
        crate::api::purchase::lines_list, crate::api::purchase::lines_create,
        crate::api::purchase::lines_update,
        crate::api::purchase::catalog_get, crate::api::purchase::catalog_transition,
        crate::api::purchase::items_create, crate::api::purchase::items_get,
        crate::api::purchase::items_update, crate::api::purchase::items_delete,
        crate::api::purchase::items_import,
        crate::api::purchase::projects_list, crate::api::purchase::projects_create,
        crate::api::purchase::projects_get, crate::api::purchase::projects_update,
        crate::api::purchase::projects_transition,
        crate::api::purchase::applications_list, crate::api::purchase::applications_create,
        crate::api::purchase::applications_get, crate::api::purchase::applications_update,
        crate::api::purchase::applications_transition,
        crate::api::panels::experts_list, crate::api::panels::experts_create,
        crate::api::panels::experts_import, crate::api::panels::experts_tie,
        crate::api::panels::panel_get, crate::api::panels::panel_draw,
        crate::api::panels::panel_sign, crate::api::panels::panel_declare,
        crate::api::panels::panel_score,
        crate::api::awards::award_get, crate::api::awards::award_create,
        crate::api::awards::objections_create, crate::api::awards::objections_answer,
        crate::api::contracts::create, crate::api::contracts::get, crate::api::contracts::update,
        crate::api::contracts::sign, crate::api::contracts::add_tranche,
        crate::api::contracts::accept, crate::api::contracts::pay, crate::api::contracts::clawback,
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
         (name = "purchase", description = "Government purchase of services: budget lines, the catalog, projects with their calls, and applications"),
         (name = "evaluation", description = "Third-party evaluation of purchased services: the indicator scheme, assessors, scores, the provider's answer and the grade that opens or halts payments"),
         (name = "venture", description = "Venture philanthropy (公益创投): rounds with fiscal and charity pools, applications, screening, reviewers' scores, the public vote, awards by tier that never overdraw a pool, the agreement, tranches, the mid-term and debarment"),
         (name = "ratings", description = "Organization ratings (社会组织评估, 民政部令第39号): settings, the rating committee, applications, scores, notice, review requests and grades 5A–1A with their validity and waiting periods"),
         (name = "awards", description = "Awards instead of subsidies (以奖代补): yearly lists under a published scheme, each subject's scores with the award computed from them and its formula, notice, publication and payment against a budget line"),
         (name = "ocds", description = "The Open Contracting Data Standard 1.1 feed of published calls, awards, contracts and payments (no sign-in)"),
         (name = "targets", description = "The 2018 policy's targets, computed live or from year-end snapshots, and the policy profile")),
)]
pub struct ApiDoc;

pub fn doc() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Text without control characters (newlines and tabs allowed): what every free-text input
/// accepts.
pub const PLAIN_TEXT: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";

/// Text that is not blank (nor only invisible characters, which the server removes) and has
/// no control characters: a required free-text input.
pub const FILLED_TEXT: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u00ad\\u200b-\\u200d\\u2060\\ufeff][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";

/// The document as pretty JSON (served at `/api/openapi.json`, snapshotted in docs/); built
/// once per process.
pub fn openapi_json() -> String {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(build_json).clone()
}

fn build_json() -> String {
    let mut v = serde_json::to_value(doc()).unwrap_or_default();
    policy_profile(&mut v);
    not_found_on_path_keys(&mut v);
    no_control_chars_in_inputs(&mut v);
    // Text a transition needs: an answer or a reason.
    let note = sanshe_domain::needs::NOTE_MAX;
    text_required_when(
        &mut v,
        "TransitionBody",
        "answer",
        sanshe_domain::needs::TEXT_MAX,
    );
    text_required_when(&mut v, "TransitionBody", "reject", note);
    text_required_when(&mut v, "ProposalTransitionBody", "decline", note);
    text_required_when(&mut v, "ProjectTransitionBody", "cancel", note);
    text_required_when(
        &mut v,
        "EvalTransitionBody",
        "recuse",
        sanshe_app::purchase::evaluations::TEXT_MAX,
    );
    venture_rules(&mut v);
    rating_rules(&mut v);
    let report = sanshe_app::purchase::delivery::SUMMARY_MAX;
    text_required_when(&mut v, "ReportTransitionBody", "return", report);
    text_required_when(&mut v, "ReportTransitionBody", "resubmit", report);
    let relation =
        serde_json::json!({"type": "string", "enum": sanshe_domain::purchase::TIE_RELATIONS});
    required_when(
        &mut v,
        "RecusalDecisionBody",
        "event",
        "uphold",
        &[("relation", &relation)],
    );
    single_source_rules(&mut v);
    let note_text = serde_json::json!({"type": "string", "minLength": 1, "maxLength": note, "pattern": FILLED_TEXT});
    required_when(
        &mut v,
        "DeclarationBody",
        "declaration",
        "conflict",
        &[("note", &note_text)],
    );
    network_rules(&mut v);
    scope_rules(&mut v, "NewUser");
    scope_rules(&mut v, "RoleChange");
    serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into())
}

/// States the rule every text input follows (no control characters) on each string an
/// operation takes — parameters and request bodies, through their component references —
/// unless the string already has a pattern, format or list of values.
fn no_control_chars_in_inputs(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let mut refs: Vec<String> = Vec::new();
    let mut bodies: Vec<String> = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(ops) = item.as_object_mut() else {
                continue;
            };
            for op in ops.values_mut() {
                if let Some(ps) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                    for p in ps {
                        if let Some(s) = p.get_mut("schema") {
                            plain_strings(s, &mut refs);
                        }
                    }
                }
                if let Some(c) = op
                    .pointer_mut("/requestBody/content")
                    .and_then(Value::as_object_mut)
                {
                    for media in c.values_mut() {
                        if let Some(s) = media.get_mut("schema") {
                            if let Some(n) = s
                                .get("$ref")
                                .and_then(Value::as_str)
                                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                            {
                                bodies.push(n.to_owned());
                            }
                            plain_strings(s, &mut refs);
                        }
                    }
                }
            }
        }
    }
    // Request bodies are closed: the server refuses a property it does not know.
    for name in &bodies {
        if let Some(o) = doc
            .pointer_mut(&format!("/components/schemas/{name}"))
            .and_then(Value::as_object_mut)
        {
            if o.get("type").and_then(Value::as_str) == Some("object") {
                o.entry("additionalProperties")
                    .or_insert(Value::Bool(false));
            }
        }
    }
    let mut done: Vec<String> = Vec::new();
    while let Some(name) = refs.pop() {
        if done.contains(&name) {
            continue;
        }
        done.push(name.clone());
        let ptr = format!("/components/schemas/{name}");
        if let Some(s) = doc.pointer_mut(&ptr) {
            plain_strings(s, &mut refs);
        }
    }
}

/// The policy profile's schema, from the same limits the server checks.
fn policy_profile(doc: &mut serde_json::Value) {
    use serde_json::{json, Map, Value};
    let mut props = Map::new();
    for (k, min, max, whole) in sanshe_domain::targets::PolicyProfile::LIMITS {
        props.insert(
            k.to_owned(),
            json!({"type": if whole { "integer" } else { "number" }, "minimum": min, "maximum": max}),
        );
    }
    let schema = json!({
        "type": "object",
        "description": "A year's policy goals; a goal left out keeps the 2018 policy's figure.",
        "properties": props,
        "additionalProperties": false
    });
    if let Some(c) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        c.insert("PolicyProfile".into(), schema);
    }
    let r = json!({"$ref": "#/components/schemas/PolicyProfile"});
    for ptr in [
        "/paths/~1api~1v1~1policy~1{year}/get/responses/200/content/application~1json/schema",
        "/paths/~1api~1v1~1policy~1{year}/put/responses/200/content/application~1json/schema",
        "/paths/~1api~1v1~1policy~1{year}/put/requestBody/content/application~1json/schema",
    ] {
        if let Some(s) = doc.pointer_mut(ptr) {
            *s = r.clone();
        }
    }
}

/// Every operation addressed by a key in its path may answer 404: no such record, or one
/// out of the caller's reach, or a key that cannot be one (`/needs/abc`).
fn not_found_on_path_keys(doc: &mut serde_json::Value) {
    use serde_json::{json, Value};
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if !path.contains('{') {
            continue;
        }
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for op in ops.values_mut() {
            if let Some(r) = op.get_mut("responses").and_then(Value::as_object_mut) {
                r.entry("404").or_insert_with(|| {
                    json!({"description": "Not found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
                });
            }
        }
    }
}

/// A single-source project names its organization and says why.
fn single_source_rules(doc: &mut serde_json::Value) {
    let text = serde_json::json!({"type": "string", "minLength": 1, "maxLength": sanshe_domain::needs::TEXT_MAX, "pattern": FILLED_TEXT});
    let id = serde_json::json!({"type": "integer", "minimum": 1});
    required_when(
        doc,
        "ProjectBody",
        "method",
        "single_source",
        &[("justification", &text), ("single_source_org", &id)],
    );
}

/// What scope each role takes: an area code of its level, an organization, or none (one
/// branch per kind of scope, so a generator picks a role and its scope together).
fn scope_rules(doc: &mut serde_json::Value, schema: &str) {
    use sanshe_domain::role::ScopeKind;
    use sanshe_domain::AreaLevel;
    use serde_json::json;
    let mut branches: Vec<(ScopeKind, Vec<&str>)> = Vec::new();
    for r in sanshe_domain::Role::ALL {
        match branches.iter_mut().find(|b| b.0 == r.scope_kind()) {
            Some(b) => b.1.push(r.as_str()),
            None => branches.push((r.scope_kind(), vec![r.as_str()])),
        }
    }
    let any: Vec<serde_json::Value> = branches
        .into_iter()
        .map(|(kind, roles)| {
            let role = json!({"enum": roles});
            match kind {
                ScopeKind::Area(level) => {
                    let digits = match level {
                        AreaLevel::District => 6,
                        AreaLevel::Street => 9,
                        AreaLevel::Community => 12,
                    };
                    json!({"properties": {"role": role, "scope": {"type": "string", "pattern": format!("^[0-9]{{{digits}}}$")}},
                           "required": ["role", "scope"]})
                }
                ScopeKind::Org => json!({
                    "properties": {"role": role, "scope": {"type": "string", "minLength": 1, "pattern": FILLED_TEXT}},
                    "required": ["role", "scope"]}),
                ScopeKind::None => json!({
                    "properties": {"role": role, "scope": {"type": ["string", "null"], "pattern": "^\\s*$"}},
                    "required": ["role"]}),
            }
        })
        .collect();
    add_rule(doc, schema, json!({"anyOf": any}));
}

/// What each network action needs (`POST /api/v1/networks`).
fn network_rules(doc: &mut serde_json::Value) {
    use serde_json::json;
    let filled = json!({"type": "string", "minLength": 1, "pattern": FILLED_TEXT});
    let id = json!({"type": "integer", "minimum": 1});
    let date = json!({"type": "string", "format": "date"});
    let rules: [(&str, Vec<(&str, &serde_json::Value)>); 5] = [
        ("base", vec![("area", &filled), ("name", &filled)]),
        (
            "incubation",
            vec![("parent", &id), ("org", &filled), ("date", &date)],
        ),
        ("graduate", vec![("parent", &id), ("date", &date)]),
        ("federation", vec![("area", &filled), ("name", &filled)]),
        ("member", vec![("parent", &id), ("org", &filled)]),
    ];
    for (action, fields) in rules {
        required_when(doc, "NetworkBody", "action", action, &fields);
    }
}

/// States that `fields` are required (with these schemas) when the body's `key` is `value`
/// (JSON Schema `if`/`then`).
fn required_when(
    doc: &mut serde_json::Value,
    schema: &str,
    key: &str,
    value: &str,
    fields: &[(&str, &serde_json::Value)],
) {
    let mut props = serde_json::Map::new();
    for (f, s) in fields {
        props.insert((*f).to_owned(), (*s).clone());
    }
    let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
    let rule = serde_json::json!({
        "if": {"properties": {key: {"const": value}}, "required": [key]},
        "then": {"properties": props, "required": names}
    });
    add_rule(doc, schema, rule);
}

/// Adds an `if`/`then` rule to a component schema's `allOf`.
fn add_rule(doc: &mut serde_json::Value, schema: &str, rule: serde_json::Value) {
    let o = doc
        .pointer_mut(&format!("/components/schemas/{schema}"))
        .and_then(serde_json::Value::as_object_mut);
    // A renamed body must not lose its rules silently (the snapshot test builds this).
    debug_assert!(o.is_some(), "no component schema {schema}");
    if let Some(o) = o {
        if let Some(serde_json::Value::Array(all)) = o.get_mut("allOf") {
            all.push(rule);
        } else {
            o.insert("allOf".into(), serde_json::Value::Array(vec![rule]));
        }
    }
}

/// States that `text` is required, not blank and at most `max` characters long when the
/// body's `event` is `event` (JSON Schema `if`/`then`).
/// What a venture project's step needs besides its event: a finding to reject, fail a
/// mid-term or stop; a voucher to pay; a pool to award from.
fn venture_rules(v: &mut serde_json::Value) {
    let max = sanshe_app::purchase::venture::TEXT_MAX;
    let note = serde_json::json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": FILLED_TEXT});
    let voucher = serde_json::json!({"type": "string", "minLength": 1, "maxLength": 60, "pattern": FILLED_TEXT});
    let source = serde_json::json!({"type": "string", "enum": sanshe_domain::venture::SOURCES});
    for e in ["reject", "midterm_fail", "stop"] {
        required_when(v, "VentureStepBody", "event", e, &[("note", &note)]);
    }
    for e in ["pay_first", "midterm_pass"] {
        required_when(v, "VentureStepBody", "event", e, &[("voucher", &voucher)]);
    }
    required_when(
        v,
        "VentureStepBody",
        "event",
        "award",
        &[("source", &source)],
    );
}

/// What a rating's step needs: a text to reject, lower, cancel, request or answer a review;
/// an assessor to accept.
fn rating_rules(v: &mut serde_json::Value) {
    let max = sanshe_app::purchase::ratings::TEXT_MAX;
    for e in ["reject", "downgrade", "cancel", "request_review", "answer"] {
        text_required_when(v, "RatingStepBody", e, max);
    }
    let assessor = serde_json::json!({"type": "integer", "minimum": 1});
    required_when(
        v,
        "RatingStepBody",
        "event",
        "accept",
        &[("assessor", &assessor)],
    );
}

fn text_required_when(doc: &mut serde_json::Value, schema: &str, event: &str, max: usize) {
    let text = serde_json::json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": FILLED_TEXT});
    required_when(doc, schema, "event", event, &[("text", &text)]);
}

fn plain_strings(s: &mut serde_json::Value, refs: &mut Vec<String>) {
    use serde_json::Value;
    let Some(o) = s.as_object_mut() else {
        return;
    };
    if let Some(r) = o.get("$ref").and_then(Value::as_str) {
        if let Some(n) = r.strip_prefix("#/components/schemas/") {
            refs.push(n.to_owned());
        }
    }
    let is_string = match o.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    if is_string
        && !["pattern", "format", "enum", "const"]
            .iter()
            .any(|k| o.contains_key(*k))
    {
        // A required text (minLength 1) is also not blank: the server trims it first.
        let filled = o.get("minLength").and_then(Value::as_u64).unwrap_or(0) > 0;
        o.insert(
            "pattern".into(),
            Value::from(if filled { FILLED_TEXT } else { PLAIN_TEXT }),
        );
    }
    for key in ["items", "additionalProperties"] {
        if let Some(c) = o.get_mut(key) {
            plain_strings(c, refs);
        }
    }
    for key in ["properties"] {
        if let Some(Value::Object(m)) = o.get_mut(key) {
            for c in m.values_mut() {
                plain_strings(c, refs);
            }
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(a)) = o.get_mut(key) {
            for c in a {
                plain_strings(c, refs);
            }
        }
    }
}
