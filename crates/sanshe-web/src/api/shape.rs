//! Every JSON body is held to the bounds its OpenAPI schema declares — minimum and maximum,
//! string length, array size, choices and choice patterns — for every field it carries,
//! whether or not the operation reads that field. A handler that ignores a field (the note
//! of an event that takes none) must still refuse a value the document says is invalid, or
//! the document and the server disagree.
//!
//! The schema of each body type is built once and kept for the life of the process.

use sanshe_domain::FieldError;
use serde_json::Value;
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use utoipa::openapi::schema::{ArrayItems, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

struct Shape {
    root: RefOr<Schema>,
    named: HashMap<String, RefOr<Schema>>,
}

fn shape_of<T: ToSchema + 'static>() -> Arc<Shape> {
    static SHAPES: OnceLock<RwLock<HashMap<TypeId, Arc<Shape>>>> = OnceLock::new();
    let shapes = SHAPES.get_or_init(Default::default);
    let id = TypeId::of::<T>();
    if let Some(s) = shapes.read().unwrap_or_else(|p| p.into_inner()).get(&id) {
        return s.clone();
    }
    let mut named = Vec::new();
    T::schemas(&mut named);
    let s = Arc::new(Shape {
        root: T::schema(),
        named: named.into_iter().collect(),
    });
    shapes
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, s.clone());
    s
}

/// The first way `v` breaks the bounds of `T`'s schema, as the field and the rule it breaks
/// (the codes and arguments the handlers' own checks use, so the message is the same).
pub fn check<T: ToSchema + 'static>(v: &Value) -> Result<(), FieldError> {
    let s = shape_of::<T>();
    walk(&s, &s.root, v, "", 0)
}

fn resolve<'a>(s: &'a Shape, r: &'a RefOr<Schema>) -> Option<&'a Schema> {
    match r {
        RefOr::T(t) => Some(t),
        RefOr::Ref(r) => {
            let name = r.ref_location.rsplit('/').next()?;
            match s.named.get(name)? {
                RefOr::T(t) => Some(t),
                RefOr::Ref(_) => None,
            }
        }
    }
}

fn walk(s: &Shape, r: &RefOr<Schema>, v: &Value, at: &str, depth: u8) -> Result<(), FieldError> {
    if v.is_null() || depth > 8 {
        return Ok(());
    }
    let Some(schema) = resolve(s, r) else {
        return Ok(());
    };
    let field = if at.is_empty() { "body" } else { at };
    match schema {
        Schema::Object(o) => {
            if let Value::Object(m) = v {
                for (k, p) in &o.properties {
                    if let Some(x) = m.get(k) {
                        let at = if at.is_empty() {
                            k.clone()
                        } else {
                            format!("{at}.{k}")
                        };
                        walk(s, p, x, &at, depth + 1)?;
                    }
                }
            }
            if let Some(n) = v.as_f64() {
                let min = o.minimum.as_ref().map(number);
                let max = o.maximum.as_ref().map(number);
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    return Err(match (min, max) {
                        (Some(min), Some(max)) => FieldError::new(field, "err-range")
                            .arg("min", min)
                            .arg("max", max),
                        (Some(min), None) => FieldError::new(field, "err-at-least").arg("min", min),
                        (_, max) => FieldError::new(field, "err-at-most")
                            .arg("max", max.unwrap_or_default()),
                    });
                }
            }
            if let Some(t) = v.as_str() {
                let len = t.chars().count();
                if let Some(m) = o.max_length.filter(|m| len > *m) {
                    return Err(FieldError::new(field, "err-too-long").arg("max", m));
                }
                if let Some(m) = o.min_length.filter(|m| len < *m) {
                    return Err(if len == 0 {
                        FieldError::new(field, "err-required")
                    } else {
                        FieldError::new(field, "err-too-short").arg("min", m)
                    });
                }
                if let Some(c) = o.pattern.as_deref().and_then(choices) {
                    if !c.contains(&t) {
                        return Err(choice(field, c.into_iter()));
                    }
                }
            }
            if let Some(e) = &o.enum_values {
                if !e.contains(v) {
                    return Err(choice(field, e.iter().filter_map(Value::as_str)));
                }
            }
            Ok(())
        }
        Schema::Array(a) => {
            if let Value::Array(items) = v {
                if let Some(m) = a.max_items.filter(|m| items.len() > *m) {
                    return Err(FieldError::new(field, "err-too-many-items").arg("max", m));
                }
                if let Some(m) = a.min_items.filter(|m| items.len() < *m) {
                    return Err(FieldError::new(field, "err-too-few-items").arg("min", m));
                }
                if let ArrayItems::RefOrSchema(item) = &a.items {
                    for (i, x) in items.iter().enumerate() {
                        walk(s, item, x, &format!("{field}[{i}]"), depth + 1)?;
                    }
                }
            }
            Ok(())
        }
        // `Option<Nested>` is a one-of of the nested schema and null: a value must fit one.
        Schema::OneOf(o) => {
            let mut first = None;
            for item in o.items.iter().filter(|i| !is_null(s, i)) {
                match walk(s, item, v, at, depth + 1) {
                    Ok(()) => return Ok(()),
                    Err(e) => {
                        first.get_or_insert(e);
                    }
                }
            }
            first.map_or(Ok(()), Err)
        }
        Schema::AllOf(a) => a
            .items
            .iter()
            .try_for_each(|item| walk(s, item, v, at, depth + 1)),
        _ => Ok(()),
    }
}

fn choice<'a>(field: &str, c: impl Iterator<Item = &'a str>) -> FieldError {
    let c: Vec<&str> = c.filter(|c| !c.is_empty()).collect();
    FieldError::new(field, "err-choice").arg("choices", c.join("、"))
}

fn is_null(s: &Shape, r: &RefOr<Schema>) -> bool {
    matches!(resolve(s, r), Some(Schema::Object(o))
        if o.schema_type == SchemaType::Type(Type::Null))
}

fn number(n: &utoipa::Number) -> f64 {
    match n {
        utoipa::Number::Int(i) => *i as f64,
        utoipa::Number::UInt(u) => *u as f64,
        utoipa::Number::Float(f) => *f,
    }
}

/// The choices of a pattern of the form `^(a|b|c)$` whose choices are plain words; `None`
/// for any other pattern (those the handlers check themselves).
fn choices(p: &str) -> Option<Vec<&str>> {
    let inner = p.strip_prefix("^(")?.strip_suffix(")$")?;
    let words: Vec<&str> = inner.split('|').collect();
    words
        .iter()
        .all(|w| {
            w.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .then_some(words)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Inner {
        #[schema(max_length = 3)]
        code: String,
    }

    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Body {
        #[schema(pattern = "^(accept|withdraw)$")]
        event: String,
        #[schema(minimum = 1, maximum = 100)]
        people: Option<i64>,
        #[schema(max_items = 2)]
        inner: Vec<Inner>,
        nested: Option<Inner>,
    }

    #[test]
    fn every_declared_bound_is_held() {
        let ok = json!({"event": "withdraw", "people": 100, "inner": [{"code": "abc"}]});
        assert_eq!(check::<Body>(&ok), Ok(()));
        let cases = [
            (json!({"event": "x", "inner": []}), "event"),
            (
                json!({"event": "accept", "people": 101, "inner": []}),
                "people",
            ),
            (
                json!({"event": "accept", "people": 0, "inner": []}),
                "people",
            ),
            (json!({"event": "accept", "inner": [{}, {}, {}]}), "inner"),
            (
                json!({"event": "accept", "inner": [{"code": "abcd"}]}),
                "inner[0].code",
            ),
            (
                json!({"event": "accept", "inner": [], "nested": {"code": "abcd"}}),
                "nested.code",
            ),
        ];
        let e = check::<Body>(&json!({"event": "accept", "people": 101, "inner": []})).unwrap_err();
        assert_eq!((e.code.as_str(), e.args.len()), ("err-range", 2));
        for (v, field) in cases {
            let e = check::<Body>(&v).expect_err(&v.to_string());
            assert_eq!(e.field, field, "{v}");
        }
        assert_eq!(
            check::<Body>(&json!({"event": "accept", "inner": [], "nested": null})),
            Ok(())
        );
    }

    #[test]
    fn only_plain_alternations_are_read_as_choices() {
        assert_eq!(choices("^(a|b_c)$"), Some(vec!["a", "b_c"]));
        assert_eq!(
            choices("^(|normal|urgent)$"),
            Some(vec!["", "normal", "urgent"])
        );
        assert_eq!(choices("^[0-9]{12}$"), None);
        assert_eq!(choices("^(|[0-9]{1,9})$"), None);
    }
}
