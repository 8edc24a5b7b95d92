//! `/api/v1/{facilities,organizations,social-workers,posts}`: list (search, filters, sort,
//! pagination), create, read, patch, delete and spreadsheet import for every registry.
//! Records are JSON objects whose properties are the registry's fields (the same keys as
//! the spreadsheet columns' English headers); vocabulary values are keys, personal data is
//! masked unless `reveal=true` is asked for by a role allowed to (and audited).

use super::{authed, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post, MethodRouter};
use axum::Json;
use sanshe_app::i18n::{Lang, Tr};
use sanshe_app::registry::{self as reg, Input, ListQuery, Registry};
use sanshe_app::AppError;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::IntoParams;

/// A record as JSON: `id`, `label`, and one property per field.
fn to_json<R: Registry>(rc: &Rc, r: &R::Row, cells: Vec<String>) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), Value::from(R::row_id(r)));
    m.insert("label".into(), Value::from(R::row_label(r)));
    for (f, v) in R::fields().iter().zip(cells) {
        let val = match f.input {
            Input::Bool => Value::Bool(reg::cell_key(f.input, &v) == "true"),
            Input::Int(..) => v.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
            Input::Decimal(_) => v.parse::<f64>().map(Value::from).unwrap_or(Value::Null),
            Input::Multi(_) => Value::Array(
                reg::cell_key(f.input, &v)
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(Value::from)
                    .collect(),
            ),
            Input::Areas => Value::Array(
                v.split(['、', ','])
                    .filter(|s| !s.is_empty())
                    .map(Value::from)
                    .collect(),
            ),
            Input::Select(_) => {
                let k = reg::cell_key(f.input, &v);
                if k.is_empty() {
                    Value::Null
                } else {
                    Value::from(k)
                }
            }
            _ if v.is_empty() => Value::Null,
            _ => Value::from(v),
        };
        m.insert(f.col.key.into(), val);
    }
    let _ = rc;
    Value::Object(m)
}

/// A JSON body to cells: strings as they are, numbers and booleans as text, arrays joined.
fn cells_from_json<R: Registry>(
    rc: &Rc,
    body: &Value,
    base: Option<Vec<String>>,
) -> ApiResult<Vec<String>> {
    let bad = |field: &str, code: &str| {
        ApiError::new(
            &AppError::invalid(sanshe_domain::FieldError::new(field, code)),
            &rc.tr,
            &rc.request_id,
        )
    };
    let obj = body
        .as_object()
        .ok_or_else(|| bad("body", "err-json-object"))?;
    let mut m: HashMap<String, String> = HashMap::new();
    for (k, v) in obj {
        let Some(f) = R::fields().iter().find(|f| f.col.key == k) else {
            return Err(bad(k, "err-unknown-field"));
        };
        // Each property has the JSON type the schema gives it (or null).
        let ty = f.input.json_type();
        let fits = match v {
            Value::Null => true,
            Value::String(_) => ty == "string",
            Value::Bool(_) => ty == "boolean",
            Value::Number(n) => ty == "number" || (ty == "integer" && n.is_i64()),
            Value::Array(a) => ty == "array" && a.iter().all(Value::is_string),
            Value::Object(_) => false,
        };
        if !fits {
            return Err(ApiError::new(
                &AppError::invalid(
                    sanshe_domain::FieldError::new(k, "err-json-type")
                        .arg("type", rc.tr.t(&format!("json-type-{ty}"))),
                ),
                &rc.tr,
                &rc.request_id,
            ));
        }
        let s = match v {
            Value::Null => String::new(),
            Value::String(s) if sanshe_domain::text::has_control(s) => {
                return Err(bad(k, "err-control-chars"))
            }
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => match n.as_f64() {
                // 0.5700000000000001 is the binary spelling of 0.57.
                Some(f) if !n.is_i64() && ((f * 100.0).round() - f * 100.0).abs() < 1e-9 => {
                    format!("{f:.2}")
                }
                _ => n.to_string(),
            },
            Value::Array(a) => a
                .iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            Value::Object(_) => return Err(bad(k, "err-json-object")),
        };
        m.insert(k.clone(), s);
    }
    Ok(match base {
        None => reg::cells_from_map::<R>(&m),
        Some(mut cells) => {
            for (i, f) in R::fields().iter().enumerate() {
                if let Some(v) = m.remove(f.col.key) {
                    if let Some(c) = cells.get_mut(i) {
                        *c = v;
                    }
                }
            }
            cells
        }
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistryListQuery {
    /// Search text (Chinese substring match on names; an exact ID or phone number for
    /// social workers).
    pub q: Option<String>,
    /// Only records inside this area code's subtree (narrows the caller's scope).
    pub within: Option<String>,
    /// Sort key (see the registry's description).
    pub sort: Option<String>,
    /// Registry-specific filters as `name=value` pairs (e.g. `kind=center`, `certified=true`).
    #[serde(flatten)]
    #[param(value_type = Option<Object>, style = Form, explode)]
    pub filters: HashMap<String, String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// Show ID and phone numbers in full (roles allowed to only; audited).
    pub reveal: Option<bool>,
}

/// The list parameters' rules, as the OpenAPI document states them.
fn check_list<R: Registry>(rc: &Rc, q: &RegistryListQuery) -> ApiResult<()> {
    let mut rules = super::QueryRules::default()
        .text("q", &q.q, 100)
        .area("within", &q.within)
        .choice("sort", &q.sort, R::sorts());
    for f in R::filters() {
        let v = q.filters.get(f.key).cloned();
        rules = match f.input {
            Input::Select(voc) | Input::Multi(voc) => rules.choice(f.key, &v, voc.keys),
            _ => rules.choice(f.key, &v, &["true", "false"]),
        };
    }
    rules.check(rc)
}

fn list_query<R: Registry>(q: &RegistryListQuery) -> ListQuery {
    let mut m: HashMap<String, String> = q.filters.clone();
    if let Some(v) = &q.q {
        m.insert("q".into(), v.clone());
    }
    if let Some(v) = &q.within {
        m.insert("within".into(), v.clone());
    }
    if let Some(v) = &q.sort {
        m.insert("sort".into(), v.clone());
    }
    crate::pages::registry::list_query::<R>(&m)
}

pub async fn list<R: Registry>(
    rc: Rc,
    ApiQuery(q): ApiQuery<RegistryListQuery>,
    ApiQuery(pg): ApiQuery<Paging>,
) -> ApiResult<Json<Value>> {
    authed(&rc)?;
    let page = pg.req(&rc)?;
    check_list::<R>(&rc, &q)?;
    let res = reg::list::<R>(&rc.app, &rc.ctx, &list_query::<R>(&q), page)
        .await
        .api(&rc)?;
    let items: Vec<Value> = res
        .items
        .iter()
        .map(|r| to_json::<R>(&rc, r, R::cells(&rc.app, &Tr::new(Lang::Zh), r, false)))
        .collect();
    let info = PageInfo::from(&res);
    Ok(Json(serde_json::json!({
        "items": items,
        "page": {"page": info.page, "per_page": info.per_page, "total": info.total, "pages": info.pages},
    })))
}

pub async fn get_one<R: Registry>(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<RevealQuery>,
) -> ApiResult<Json<Value>> {
    authed(&rc)?;
    let r = reg::get::<R>(&rc.app, &rc.ctx, id).await.api(&rc)?;
    let reveal =
        q.reveal.unwrap_or(false) && R::fields().iter().any(|f| matches!(f.input, Input::Secret));
    let cells = reg::cells::<R>(&rc.app, &rc.ctx, &Tr::new(Lang::Zh), &r, reveal)
        .await
        .api(&rc)?;
    Ok(Json(to_json::<R>(&rc, &r, cells)))
}

fn require_create<R: Registry>(rc: &Rc) -> ApiResult<()> {
    let actor = rc
        .actor()
        .ok_or_else(|| ApiError::new(&AppError::Unauthenticated, &rc.tr, &rc.request_id))?;
    let area = match &actor.scope {
        sanshe_domain::Scope::Area { code } => Some(code.as_str()),
        _ => None,
    };
    if sanshe_app::authz::can(actor, R::WRITE) && (actor.is_cli || R::can_create(actor, area)) {
        Ok(())
    } else {
        Err(ApiError::new(&AppError::Forbidden, &rc.tr, &rc.request_id))
    }
}

pub async fn create<R: Registry>(rc: Rc, body: Bytes) -> ApiResult<(StatusCode, Json<Value>)> {
    authed(&rc)?;
    require_create::<R>(&rc)?;
    let v = super::json_value(&rc, &body)?;
    let cells = cells_from_json::<R>(&rc, &v, None)?;
    let id = reg::create::<R>(&rc.app, &rc.ctx, &cells).await.api(&rc)?;
    let r = reg::get::<R>(&rc.app, &rc.ctx, id).await.api(&rc)?;
    let cells = R::cells(&rc.app, &Tr::new(Lang::Zh), &r, false);
    Ok((StatusCode::CREATED, Json(to_json::<R>(&rc, &r, cells))))
}

pub async fn patch<R: Registry>(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    authed(&rc)?;
    let cur = reg::get::<R>(&rc.app, &rc.ctx, id).await.api(&rc)?;
    let actor = rc
        .actor()
        .ok_or_else(|| ApiError::new(&AppError::Unauthenticated, &rc.tr, &rc.request_id))?;
    if !R::can_write(actor, &cur) {
        return Err(ApiError::new(&AppError::Forbidden, &rc.tr, &rc.request_id));
    }
    let v = super::json_value(&rc, &body)?;
    let base = R::cells(&rc.app, &Tr::new(Lang::Zh), &cur, false);
    let cells = cells_from_json::<R>(&rc, &v, Some(base))?;
    reg::update::<R>(&rc.app, &rc.ctx, id, &cells)
        .await
        .api(&rc)?;
    let r = reg::get::<R>(&rc.app, &rc.ctx, id).await.api(&rc)?;
    let cells = R::cells(&rc.app, &Tr::new(Lang::Zh), &r, false);
    Ok(Json(to_json::<R>(&rc, &r, cells)))
}

pub async fn delete<R: Registry>(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    reg::delete::<R>(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn import<R: Registry>(
    rc: Rc,
    ApiQuery(q): ApiQuery<super::areas::ImportQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<super::areas::ImportReport>)> {
    authed(&rc)?;
    require_create::<R>(&rc)?;
    let r = reg::import::<R>(&rc.app, &rc.ctx, &body, q.options(), None)
        .await
        .api(&rc)?;
    Ok(super::areas::report_json(&rc, &r))
}

fn kind_routes<R: Registry>() -> Vec<(crate::routes::RouteDef, MethodRouter<AppState>)> {
    let p = |s: &str| -> &'static str {
        Box::leak(format!("/api/v1/{}{s}", R::API_SEGMENT).into_boxed_str())
    };
    let d = |m: &'static str, s: &str| crate::routes::RouteDef {
        method: m,
        path: p(s),
    };
    vec![
        (d("get", ""), get(list::<R>)),
        (d("post", ""), post(create::<R>)),
        (d("post", "/import"), post(import::<R>)),
        (d("get", "/{id}"), get(get_one::<R>)),
        (d("patch", "/{id}"), axum::routing::patch(patch::<R>)),
        (d("delete", "/{id}"), axum::routing::delete(delete::<R>)),
    ]
}

pub fn routes() -> Vec<(crate::routes::RouteDef, MethodRouter<AppState>)> {
    struct V(Vec<(crate::routes::RouteDef, MethodRouter<AppState>)>);
    impl reg::Visit for V {
        fn visit<R: Registry>(&mut self) {
            self.0.extend(kind_routes::<R>());
        }
    }
    let mut v = V(Vec::new());
    reg::each(&mut v);
    v.0
}

// ---- OpenAPI: the record schemas and paths come from the field lists ----------------------

fn nullable(t: Type) -> SchemaType {
    SchemaType::from_iter([t, Type::Null])
}

fn field_schema(f: &reg::Field, for_input: bool) -> RefOr<Schema> {
    let en = Tr::new(Lang::En);
    let desc = {
        let base = en.t(&format!("f-{}", f.col.key)).to_owned();
        let hint = format!("hint-{}", f.col.key);
        if sanshe_app::i18n::has_key(&hint) {
            format!("{base}. {}", en.t(&hint))
        } else {
            base
        }
    };
    let keys = |v: &sanshe_domain::registry::Vocab| -> Vec<String> {
        v.keys.iter().map(|k| (*k).to_owned()).collect()
    };
    // On input a required field can be neither null nor blank; an optional one may be null.
    let required = for_input && f.col.required;
    let t = |ty: Type| -> SchemaType {
        if required || (!for_input && matches!(f.input, Input::Bool)) {
            SchemaType::Type(ty)
        } else {
            nullable(ty)
        }
    };
    let text = |max: Option<usize>| {
        let mut b = ObjectBuilder::new()
            .schema_type(t(Type::String))
            .description(Some(desc.clone()));
        if for_input {
            b = b.pattern(Some(if required {
                crate::openapi::FILLED_TEXT
            } else {
                crate::openapi::PLAIN_TEXT
            }));
            if required {
                b = b.min_length(Some(1));
            }
            if let Some(m) = max {
                b = b.max_length(Some(m));
            }
        }
        b
    };
    let s: Schema = match f.input {
        Input::Bool => ObjectBuilder::new()
            .schema_type(t(Type::Boolean))
            .description(Some(desc))
            .into(),
        Input::Int(min, max) => ObjectBuilder::new()
            .schema_type(t(Type::Integer))
            .minimum(for_input.then_some(min as f64))
            .maximum(for_input.then_some(max as f64))
            .description(Some(desc))
            .into(),
        Input::Decimal(max) => ObjectBuilder::new()
            .schema_type(t(Type::Number))
            .minimum(for_input.then_some(0.0))
            .maximum(for_input.then_some(max as f64))
            .multiple_of(for_input.then_some(0.01))
            .description(Some(desc))
            .into(),
        // Blank items are skipped, as a spreadsheet's empty cell is.
        Input::Multi(v) if for_input => ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(keys(v).into_iter().chain([String::new()]))),
            )
            .description(Some(desc))
            .into(),
        Input::Multi(v) => ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(keys(v))),
            )
            .description(Some(desc))
            .into(),
        Input::Areas => ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(for_input.then_some(crate::openapi::FILLED_TEXT)),
            )
            .description(Some(desc))
            .into(),
        Input::Select(v) if for_input => {
            let mut vals: Vec<serde_json::Value> =
                keys(v).into_iter().map(serde_json::Value::from).collect();
            // An optional choice may be left out: null or blank, as a form sends it.
            if !required {
                vals.push(serde_json::Value::from(""));
                vals.push(serde_json::Value::Null);
            }
            ObjectBuilder::new()
                .schema_type(t(Type::String))
                .enum_values(Some(vals))
                .description(Some(desc))
                .into()
        }
        Input::Select(v) => ObjectBuilder::new()
            .schema_type(nullable(Type::String))
            .description(Some(format!("{desc}. One of: {}", keys(v).join(", "))))
            .into(),
        Input::Date if for_input => ObjectBuilder::new()
            .schema_type(t(Type::String))
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Date,
            )))
            .description(Some(desc))
            .into(),
        Input::Text(m) | Input::LongText(m) => text(Some(m)).into(),
        _ => text(None).into(),
    };
    RefOr::T(s)
}

/// The record schema (responses) and the input schema (create/patch bodies).
pub fn schemas<R: Registry>() -> Vec<(String, RefOr<Schema>)> {
    let mut out = ObjectBuilder::new()
        .property("id", ObjectBuilder::new().schema_type(Type::Integer))
        .property("label", ObjectBuilder::new().schema_type(Type::String))
        .required("id")
        .required("label");
    let closed = || {
        ObjectBuilder::new().additional_properties(Some(
            utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
        ))
    };
    let mut input = closed();
    let mut new = closed();
    for f in R::fields() {
        out = out
            .property(f.col.key, field_schema(f, false))
            .required(f.col.key);
        input = input.property(f.col.key, field_schema(f, true));
        new = new.property(f.col.key, field_schema(f, true));
        if f.col.required {
            new = new.required(f.col.key);
        }
    }
    let page = ObjectBuilder::new()
        .property(
            "items",
            ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                R::API_SCHEMA,
            ))),
        )
        .property(
            "page",
            RefOr::Ref(utoipa::openapi::Ref::from_schema_name("PageInfo")),
        )
        .required("items")
        .required("page");
    vec![
        (R::API_SCHEMA.to_owned(), RefOr::T(out.into())),
        (format!("{}Input", R::API_SCHEMA), RefOr::T(input.into())),
        (format!("{}New", R::API_SCHEMA), RefOr::T(new.into())),
        (format!("{}Page", R::API_SCHEMA), RefOr::T(page.into())),
    ]
}

/// Every registry's record schemas (from the same field lists as the handlers).
pub fn all_schemas() -> Vec<(String, RefOr<Schema>)> {
    struct V(Vec<(String, RefOr<Schema>)>);
    impl reg::Visit for V {
        fn visit<R: Registry>(&mut self) {
            self.0.extend(schemas::<R>());
        }
    }
    let mut v = V(Vec::new());
    reg::each(&mut v);
    v.0
}

/// A registry's API names and the description of its list operation: (segment, schema,
/// kind, filters and sorts).
type ApiKind = (
    &'static str,
    &'static str,
    &'static str,
    String,
    Vec<String>,
    Vec<(String, Vec<String>)>,
);

fn api_kinds() -> Vec<ApiKind> {
    struct V(Vec<ApiKind>);
    impl reg::Visit for V {
        fn visit<R: Registry>(&mut self) {
            let f: Vec<String> = R::filters()
                .iter()
                .map(|f| match f.input {
                    Input::Select(v) => format!("`{}` ({})", f.key, v.keys.join(", ")),
                    _ => format!("`{}` (true/false)", f.key),
                })
                .collect();
            let doc = format!(
                "Filters: {}. Sort: {}.",
                f.join("; "),
                R::sorts().join(", ")
            );
            let sorts = R::sorts().iter().map(|s| (*s).to_owned()).collect();
            let filters = R::filters()
                .iter()
                .map(|f| {
                    let keys = match f.input {
                        Input::Select(v) | Input::Multi(v) => {
                            v.keys.iter().map(|k| (*k).to_owned()).collect()
                        }
                        _ => vec!["true".to_owned(), "false".to_owned()],
                    };
                    (f.key.to_owned(), keys)
                })
                .collect();
            self.0
                .push((R::API_SEGMENT, R::API_SCHEMA, R::KIND, doc, sorts, filters));
        }
    }
    let mut v = V(Vec::new());
    reg::each(&mut v);
    v.0
}

/// Adds every registry's paths (generated from the same field lists as the handlers).
pub fn add_paths(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};
    let json = |r: &str| {
        ContentBuilder::new()
            .schema(Some(RefOr::Ref(Ref::from_schema_name(r))))
            .build()
    };
    let resp = |desc: &str, schema: &str| {
        ResponseBuilder::new()
            .description(desc)
            .content("application/json", json(schema))
            .build()
    };
    let errors = |op: OperationBuilder, codes: &[&str]| {
        let mut op = op;
        for c in codes {
            op = op.response(*c, resp("Error", "ErrorBody"));
        }
        op
    };
    let qparam = |name: &str, t: Type, desc: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some(desc))
            .schema(Some(ObjectBuilder::new().schema_type(t)))
            .build()
    };
    let id_param = || {
        ParameterBuilder::new()
            .name("id")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .schema(Some(
                ObjectBuilder::new().schema_type(Type::Integer).format(Some(
                    utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64),
                )),
            ))
            .build()
    };
    let param = |name: &str, schema: ObjectBuilder, desc: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some(desc))
            .schema(Some(schema))
            .build()
    };
    let text_schema = |max: usize| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(max))
            .pattern(Some(crate::openapi::PLAIN_TEXT))
    };
    // An empty value means "no filter".
    let choice = |keys: &[String]| {
        let mut v: Vec<String> = vec![String::new()];
        v.extend(keys.iter().cloned());
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(v))
    };
    for (seg, schema, kind, doc, sorts, filters) in api_kinds() {
        let base = format!("/api/v1/{seg}");
        let sec = || SecurityRequirement::new("bearer", Vec::<String>::new());
        let tag = "registries";
        let mut list = OperationBuilder::new()
            .operation_id(Some(format!("{kind}_list")))
            .tag(tag)
            .summary(Some(format!("List {seg} within the caller's scope")))
            .description(Some(doc.clone()))
            .security(sec())
            .parameter(param("q", text_schema(100), "Search text"))
            .parameter(param(
                "within",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(super::AREA_FILTER)),
                "Area code subtree",
            ))
            .parameter(param("sort", choice(&sorts), "Sort key"))
            .parameter(param(
                "page",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1.0))
                    .maximum(Some(1_000_000.0)),
                "Page number, from 1",
            ))
            .parameter(param(
                "per_page",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1.0))
                    .maximum(Some(200.0)),
                "Items per page (1-200)",
            ))
            .response("200", resp("A page of records", &format!("{schema}Page")));
        for (key, keys) in &filters {
            list = list.parameter(param(key, choice(keys), "Filter"));
        }
        list = errors(list, &["400", "401", "403", "422"]);
        let body = |suffix: &str| {
            RequestBodyBuilder::new()
                .content("application/json", json(&format!("{schema}{suffix}")))
                .required(Some(Required::True))
                .build()
        };
        let create = errors(
            OperationBuilder::new()
                .operation_id(Some(format!("{kind}_create")))
                .tag(tag)
                .summary(Some(format!("Create a record in {seg}")))
                .security(sec())
                .request_body(Some(body("New")))
                .response("201", resp("Created", schema)),
            &["400", "401", "403", "409", "422"],
        );
        let import = errors(
            OperationBuilder::new()
                .operation_id(Some(format!("{kind}_import")))
                .tag(tag)
                .summary(Some(format!("Import {seg} from an XLSX or CSV file")))
                .description(Some(
                    "The body is the file (XLSX, or CSV in UTF-8 or GB18030). Every row is checked first; nothing is written unless every row is valid, unless `only_valid=true`; `dry_run=true` writes nothing.".to_owned(),
                ))
                .security(sec())
                .parameter(qparam("dry_run", Type::Boolean, "Validate and report only"))
                .parameter(qparam("only_valid", Type::Boolean, "Write the valid rows even if others are bad"))
                .request_body(Some(
                    RequestBodyBuilder::new()
                        .content(
                            "application/octet-stream",
                            ContentBuilder::new()
                                .schema(Some(ObjectBuilder::new().schema_type(Type::String).format(Some(
                                    utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Binary),
                                ))))
                                .build(),
                        )
                        .build(),
                ))
                .response("200", resp("Every row valid", "ImportReport"))
                .response("422", resp("Some rows invalid", "ImportReport")),
            &["400", "401", "403"],
        );
        let get = errors(
            OperationBuilder::new()
                .operation_id(Some(format!("{kind}_get")))
                .tag(tag)
                .summary(Some("One record".to_owned()))
                .security(sec())
                .parameter(id_param())
                .parameter(qparam(
                    "reveal",
                    Type::Boolean,
                    "Show personal data in full (audited)",
                ))
                .response("200", resp("The record", schema)),
            &["400", "401", "403", "404", "422"],
        );
        let patch = errors(
            OperationBuilder::new()
                .operation_id(Some(format!("{kind}_patch")))
                .tag(tag)
                .summary(Some("Change some fields; others stay".to_owned()))
                .security(sec())
                .parameter(id_param())
                .request_body(Some(body("Input")))
                .response("200", resp("The record", schema)),
            &["400", "401", "403", "404", "409", "422"],
        );
        let delete = errors(
            OperationBuilder::new()
                .operation_id(Some(format!("{kind}_delete")))
                .tag(tag)
                .summary(Some("Delete a record".to_owned()))
                .security(sec())
                .parameter(id_param())
                .response("204", ResponseBuilder::new().description("Deleted").build()),
            &["400", "401", "403", "404", "409"],
        );
        openapi
            .paths
            .add_path_operation(&base, vec![HttpMethod::Get], list.build());
        openapi
            .paths
            .add_path_operation(&base, vec![HttpMethod::Post], create.build());
        openapi.paths.add_path_operation(
            format!("{base}/import"),
            vec![HttpMethod::Post],
            import.build(),
        );
        let one = format!("{base}/{{id}}");
        openapi
            .paths
            .add_path_operation(&one, vec![HttpMethod::Get], get.build());
        openapi
            .paths
            .add_path_operation(&one, vec![HttpMethod::Patch], patch.build());
        openapi
            .paths
            .add_path_operation(&one, vec![HttpMethod::Delete], delete.build());
    }
    if let Some(c) = openapi.components.as_mut() {
        for (name, s) in all_schemas() {
            c.schemas.insert(name, s);
        }
    }
}
