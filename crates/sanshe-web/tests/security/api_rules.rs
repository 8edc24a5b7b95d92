//! The API says what it enforces (item 23): what the OpenAPI document states is what the
//! server checks, and a request the document allows is never refused for its shape.

use crate::common::T;
use axum::http::StatusCode;
use serde_json::{json, Value};

fn codes(r: &crate::common::Resp) -> Vec<String> {
    r.json()["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    format!(
                        "{}:{}",
                        f["field"].as_str().unwrap_or(""),
                        f["code"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn list_parameters_are_checked_as_documented() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    // Refused, each with the field and the rule it breaks.
    for (path, want) in [
        ("/api/v1/facilities?page=0", "page:err-range"),
        ("/api/v1/organizations?per_page=201", "per_page:err-range"),
        ("/api/v1/social-workers?sort=bogus", "sort:err-choice"),
        ("/api/v1/posts?within=null", "within:err-area-code-digits"),
        (
            "/api/v1/facilities?within=3204",
            "within:err-area-code-length",
        ),
        ("/api/v1/facilities?kind=palace", "kind:err-choice"),
        ("/api/v1/needs?within=null", "within:err-area-code-digits"),
        ("/api/v1/needs/stats?state=open", "state:err-choice"),
        ("/api/v1/proposals?state=null", "state:err-choice"),
        (
            "/api/v1/social-worker-changes?state=null",
            "state:err-choice",
        ),
        ("/api/v1/areas?level=province", "level:err-choice"),
        ("/api/v1/needs?q=%01", "q:err-control-chars"),
        // U+0085 is a control character and a blank: refused, never trimmed to "no area".
        ("/api/v1/targets?area=%C2%85", "area:err-control-chars"),
    ] {
        let r = t.api("GET", path, Some(&tok), None).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.body
        );
        assert!(codes(&r).contains(&want.to_owned()), "{path}: {}", r.body);
    }
    // An empty value means "no filter", as the document says.
    for path in [
        "/api/v1/facilities?within=&sort=&kind=",
        "/api/v1/needs?within=&state=&sort=",
        "/api/v1/proposals?state=",
        "/api/v1/social-worker-changes?state=",
        "/api/v1/areas?sort=&level=",
    ] {
        let r = t.api("GET", path, Some(&tok), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
}

#[tokio::test]
async fn bodies_are_read_as_json_schema_reads_them() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    // 2026.0 is an integer in JSON Schema: accepted where an integer is asked for.
    let r = t
        .api(
            "POST",
            "/api/v1/tokens",
            Some(&tok),
            Some(json!({"name": "ci", "expires_days": 30.0})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Read exactly, even where one unit in the last place is a fraction (2^50 and up).
    let r = t
        .api(
            "POST",
            "/api/v1/proposals/2069586093134931/transitions",
            Some(&tok),
            Some(json!({"event": "propose", "version": 2069586093134931.0})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // A struct is never read from an array.
    let r = t
        .api(
            "PATCH",
            "/api/v1/areas/320412100002",
            Some(&tok),
            Some(json!([null, null])),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // A registry property has the JSON type its schema gives it.
    let r = t
        .api(
            "POST",
            "/api/v1/facilities",
            Some(&tok),
            Some(json!({"area": "320412100002", "name": "类型测试点", "kind": "point", "area_m2": "120"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r), vec!["area_m2:err-json-type"], "{}", r.body);
    assert!(
        r.body.contains("应为数字"),
        "the type named in words: {}",
        r.body
    );
    for ty in ["string", "integer", "number", "boolean", "array"] {
        assert!(
            sanshe_app::i18n::has_key(&format!("json-type-{ty}")),
            "{ty}"
        );
    }
    // 0.5700000000000001 is how a binary float spells 0.57.
    let r = t
        .api(
            "POST",
            "/api/v1/facilities",
            Some(&tok),
            Some(json!({"area": "320412100002", "name": "类型测试点", "kind": "point", "area_m2": 0.5700000000000001})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["area_m2"], 0.57);
    // Control characters are refused in every text, not silently dropped.
    let r = t
        .api(
            "PATCH",
            "/api/v1/areas/320412100002",
            Some(&tok),
            Some(json!({"name": "南街\u{85}社区"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = t
        .api_raw(
            "POST",
            "/api/v1/facilities/1/photos?file_name=a%01.png",
            &tok,
            vec![0; 4],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r), vec!["file_name:err-control-chars"], "{}", r.body);
    // A key that cannot be one names no record.
    let r = t.api("GET", "/api/v1/needs/None", Some(&tok), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // A blank choice is what the schema says it is: the same as null, for every optional choice.
    let doc = t.api("GET", "/api/openapi.json", None, None).await.json();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut optional_choices = 0;
    for (name, s) in schemas {
        let required: Vec<&str> = s["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (k, p) in s["properties"].as_object().into_iter().flatten() {
            let Some(e) = p["enum"].as_array() else {
                continue;
            };
            if e.contains(&Value::Null) && !required.contains(&k.as_str()) && name.ends_with("New")
            {
                optional_choices += 1;
                assert!(e.contains(&json!("")), "{name}.{k}: {e:?}");
            }
        }
    }
    assert!(optional_choices >= 3, "{optional_choices}");
    let w = t
        .api("GET", "/api/v1/social-workers?page=1", Some(&tok), None)
        .await
        .json()["items"][0]
        .clone();
    let mut after = Vec::new();
    for blank in [json!(""), Value::Null] {
        let r = t
            .api(
                "PATCH",
                &format!("/api/v1/social-workers/{}", w["id"]),
                Some(&tok),
                Some(json!({ "cert_level": blank })),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        after.push(r.json()["cert_level"].clone());
    }
    assert_eq!(after, [json!("none"), json!("none")], "{}", w);
    // Every file download documents every type a stored file can have.
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.contains("/attachments/{") {
            continue;
        }
        let content = &item["get"]["responses"]["200"]["content"];
        for ty in sanshe_app::attachments::DOCUMENT_TYPES {
            assert!(content.get(ty).is_some(), "{path}: {ty}");
        }
    }
    // Every schema name is one type's: the document keeps only the last of two types with
    // the same name, and the other's requests would be described wrongly.
    let mut names: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    for f in std::fs::read_dir(&dir).unwrap() {
        let path = f.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        let mut schema_next = false;
        for line in src.lines() {
            let l = line.trim();
            if l.starts_with("#[derive(") && l.contains("ToSchema") {
                schema_next = true;
                continue;
            }
            if schema_next {
                if let Some(rest) = l
                    .strip_prefix("pub struct ")
                    .or_else(|| l.strip_prefix("pub enum "))
                {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    let here = path.file_name().unwrap().to_string_lossy().to_string();
                    if let Some(other) = names.insert(name.clone(), here.clone()) {
                        panic!("schema {name} is defined in {other} and {here}");
                    }
                    schema_next = false;
                } else if !l.starts_with("#[") && !l.starts_with("///") {
                    schema_next = false;
                }
            }
        }
    }
    assert!(names.len() > 50, "{}", names.len());
    // A field the event does not read is still held to its schema (schemathesis: a withdraw
    // carrying people=100001 was answered 200).
    let res = t.token_for("resident").await;
    let need = t
        .api(
            "POST",
            "/api/v1/needs",
            Some(&res),
            Some(
                json!({"area": "320412100002", "category": "elderly_disabled", "title": "助餐",
                "description": "独居老人助餐", "people": 3}),
            ),
        )
        .await;
    assert_eq!(need.status, StatusCode::CREATED, "{}", need.body);
    let path = format!("/api/v1/needs/{}/transitions", need.json()["id"]);
    for (body, want) in [
        (
            json!({"event": "withdraw", "people": 100001}),
            "people:err-range",
        ),
        (
            json!({"event": "withdraw", "text": "长".repeat(2001)}),
            "text:err-too-long",
        ),
        (json!({"event": "vanish"}), "event:err-choice"),
    ] {
        let r = t.api("POST", &path, Some(&res), Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(codes(&r), vec![want], "{}", r.body);
    }
    let r = t
        .api("GET", &path.replace("/transitions", ""), Some(&res), None)
        .await;
    assert_eq!(r.json()["state"], "submitted", "{}", r.body);
    // A name of accents only (`´` is a space and a mark once normalised) is filled as the
    // schema reads it, and refused for its own reason, not as missing.
    let r = t
        .api(
            "POST",
            "/api/v1/facilities",
            Some(&tok),
            Some(json!({"area": "320412100002", "name": "´", "kind": "point", "area_m2": 10})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r), vec!["name:err-text-no-letters"], "{}", r.body);
    // A conditional requirement has its own message, not a bare "required".
    let r = t
        .api(
            "POST",
            "/api/v1/social-workers",
            Some(&tok),
            Some(json!({"name": "条件测试", "id_number": "320412199001011234", "cert_level": "assistant"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        codes(&r).contains(&"cert_year:err-cert-year-required".to_owned()),
        "{}",
        r.body
    );
}

/// Walks a schema, resolving component references once each.
fn strings<'a>(doc: &'a Value, s: &'a Value, seen: &mut Vec<String>, out: &mut Vec<&'a Value>) {
    if let Some(r) = s["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/").to_owned();
        if !seen.contains(&name) {
            seen.push(name.clone());
            strings(doc, &doc["components"]["schemas"][&name], seen, out);
        }
    }
    let is_string = match &s["type"] {
        Value::String(t) => t == "string",
        Value::Array(a) => a.iter().any(|t| t == "string"),
        _ => false,
    };
    if is_string {
        out.push(s);
    }
    if let Some(p) = s["properties"].as_object() {
        for c in p.values() {
            strings(doc, c, seen, out);
        }
    }
    for k in ["items", "then", "if"] {
        if s.get(k).is_some() {
            strings(doc, &s[k], seen, out);
        }
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        for c in s[k].as_array().into_iter().flatten() {
            strings(doc, c, seen, out);
        }
    }
}

#[tokio::test]
async fn every_input_string_and_number_states_its_rule() {
    let doc: Value = serde_json::from_str(&sanshe_web::openapi_json()).unwrap();
    let mut inputs: Vec<&Value> = Vec::new();
    let mut seen = Vec::new();
    let mut bodies = Vec::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                strings(&doc, &p["schema"], &mut seen, &mut inputs);
            }
            for m in op["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
            {
                strings(&doc, &m.1["schema"], &mut seen, &mut inputs);
                if let Some(r) = m.1["schema"]["$ref"].as_str() {
                    bodies.push(r.trim_start_matches("#/components/schemas/").to_owned());
                }
            }
            if op.get("parameters").is_some()
                && op["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["in"] == "path")
            {
                assert!(op["responses"].get("404").is_some(), "{op}");
            }
        }
    }
    assert!(inputs.len() > 100, "{}", inputs.len());
    for s in inputs {
        assert!(
            ["pattern", "format", "enum", "const"]
                .iter()
                .any(|k| s.get(*k).is_some()),
            "an input string without its rule: {s}"
        );
    }
    for b in bodies {
        let s = &doc["components"]["schemas"][&b];
        if s["type"] == "object" {
            assert_eq!(
                s["additionalProperties"], false,
                "{b} takes unknown properties"
            );
        }
    }
    // The role choices are every role there is.
    let roles: Vec<&str> = sanshe_domain::Role::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    assert_eq!(
        doc["components"]["schemas"]["NewUser"]["properties"]["role"]["pattern"],
        format!("^({})$", roles.join("|"))
    );
    // The policy profile's bounds are the ones the server checks, for every goal it has.
    let p = &doc["components"]["schemas"]["PolicyProfile"]["properties"];
    let goals = serde_json::to_value(sanshe_domain::targets::PolicyProfile::default()).unwrap();
    assert_eq!(
        goals.as_object().unwrap().len(),
        p.as_object().unwrap().len(),
        "a goal without its limits"
    );
    for (k, min, max, whole) in sanshe_domain::targets::PolicyProfile::LIMITS {
        assert_eq!(p[k]["minimum"], min, "{k}");
        assert_eq!(p[k]["maximum"], max, "{k}");
        assert_eq!(
            p[k]["type"],
            if whole { "integer" } else { "number" },
            "{k}"
        );
    }
}

/// A text's length limit counts what was sent, as the schema's `maxLength` does: one over the
/// limit is refused even when the excess is blanks the server would trim (a token name, a
/// calendar day's name, an expert's name were accepted at limit + 1 before).
#[tokio::test]
async fn text_limits_count_what_was_sent() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let over = |n: usize| format!(" {}", "名".repeat(n));
    for (method, path, body, field) in [
        ("POST", "/api/v1/tokens", json!({"name": over(64)}), "name"),
        (
            "PUT",
            "/api/v1/calendar/2031-10-01",
            json!({"kind": "holiday", "name": over(50)}),
            "name",
        ),
        (
            "POST",
            "/api/v1/purchase/experts",
            json!({"name": over(40)}),
            "name",
        ),
        (
            "POST",
            "/api/v1/purchase/budget-lines",
            json!({"code": "L9", "name": over(100), "amount": "1"}),
            "name",
        ),
    ] {
        let r = t.api(method, path, Some(&tok), Some(body)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.body
        );
        let v: Value = r.json();
        assert!(
            v["error"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["field"] == field && f["code"] == "err-too-long"),
            "{path}: {v}"
        );
    }
}
