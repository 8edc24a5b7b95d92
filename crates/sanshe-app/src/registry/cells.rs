//! What the registries share: field checks that return localisable errors, closed
//! vocabularies accepted by key or by their Chinese or English label, today's date, money and
//! areas as text, and the row parser.

use super::*;
use crate::i18n::{Lang, Tr};
use sanshe_domain::cell;
use sanshe_domain::registry::Vocab;
use sanshe_domain::FieldError;
use sanshe_io::RowIssue;

/// Today in China Standard Time, `YYYY-MM-DD`.
pub fn today() -> String {
    cell::date_to_string(today_tuple())
}

pub fn today_tuple() -> (i32, u32, u32) {
    let days = (sanshe_store::audit::now() + 8 * 3600).div_euclid(86_400);
    cell::civil_from_days(days)
}

/// Adds years to a date (29 February becomes 28 February when needed).
pub fn add_years(date: &str, years: i64) -> Option<String> {
    let (y, m, d) = cell::parse_date(date).ok().flatten()?;
    let y = y + years as i32;
    let d = if m == 2 && d == 29 && !cell::is_valid_date(y, 2, 29) {
        28
    } else {
        d
    };
    Some(cell::date_to_string((y, m, d)))
}

/// A required text field, normalised, at most `max` characters, without control
/// characters (a NUL byte would be refused by PostgreSQL and truncate text elsewhere).
pub fn text(field: &str, v: &str, max: usize) -> Result<String, FieldError> {
    let v = cell::normalize_text(v);
    if v.is_empty() {
        return Err(FieldError::new(field, "err-required"));
    }
    // Only accents, marks or spaces once normalised (`´` is a space and a mark): nothing a
    // name can be found by. Its own code: no schema pattern can tell these characters apart.
    if sanshe_domain::text::name_key(&v).is_empty() {
        return Err(FieldError::new(field, "err-text-no-letters"));
    }
    check_text(field, v, max)
}

fn check_text(field: &str, v: String, max: usize) -> Result<String, FieldError> {
    sanshe_domain::text::check(field, &v, max)
}

/// An optional text field (empty → None).
pub fn opt_text(field: &str, v: &str, max: usize) -> Result<Option<String>, FieldError> {
    let v = cell::normalize_text(v);
    if v.is_empty() {
        return Ok(None);
    }
    check_text(field, v, max).map(Some)
}

pub fn opt_date(field: &str, v: &str) -> Result<Option<String>, FieldError> {
    cell::parse_date(v)
        .map(|d| d.map(cell::date_to_string))
        .map_err(|k| FieldError::new(field, k))
}

pub fn opt_int(field: &str, v: &str, min: i64, max: i64) -> Result<Option<i64>, FieldError> {
    match cell::parse_int(v).map_err(|k| FieldError::new(field, k))? {
        Some(n) if !(min..=max).contains(&n) => Err(FieldError::new(field, "err-range")
            .arg("min", min)
            .arg("max", max)),
        x => Ok(x),
    }
}

pub fn opt_bool(field: &str, v: &str) -> Result<Option<bool>, FieldError> {
    cell::parse_bool(v).map_err(|k| FieldError::new(field, k))
}

/// A vocabulary value given as its key or its label in either language.
pub fn vocab(field: &str, voc: &Vocab, v: &str) -> Result<&'static str, FieldError> {
    let v = cell::normalize_text(v);
    if v.is_empty() {
        return Err(FieldError::new(field, "err-required"));
    }
    if let Some(k) = vocab_parse_index(voc).find(&v) {
        return Ok(k);
    }
    let zh = Tr::new(Lang::Zh);
    Err(FieldError::new(field, "err-choice").arg(
        "choices",
        voc.keys
            .iter()
            .map(|k| zh.t(&voc.label_key(k)).to_owned())
            .collect::<Vec<_>>()
            .join("、"),
    ))
}

/// How a cell names a vocabulary value, built once per vocabulary: its key and its Chinese
/// label as written (normalised), its English label in any ASCII case. The first value in
/// the vocabulary's order that a cell names wins.
struct ParseIndex {
    exact: std::collections::HashMap<String, usize>,
    ascii_folded: std::collections::HashMap<String, usize>,
    keys: &'static [&'static str],
}

impl ParseIndex {
    fn find(&self, v: &str) -> Option<&'static str> {
        let a = self.exact.get(v).copied();
        let b = self.ascii_folded.get(&v.to_ascii_lowercase()).copied();
        let i = match (a, b) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        self.keys.get(i).copied()
    }
}

fn vocab_parse_index(voc: &Vocab) -> std::sync::Arc<ParseIndex> {
    use std::collections::HashMap;
    use std::sync::{Arc, OnceLock, RwLock};
    static INDEX: OnceLock<RwLock<HashMap<&'static str, Arc<ParseIndex>>>> = OnceLock::new();
    let lock = INDEX.get_or_init(Default::default);
    if let Some(found) = lock.read().ok().and_then(|g| g.get(voc.name).cloned()) {
        return found;
    }
    let (zh, en) = (Tr::new(Lang::Zh), Tr::new(Lang::En));
    let mut exact = HashMap::new();
    let mut ascii_folded = HashMap::new();
    for (i, k) in voc.keys.iter().enumerate() {
        let label = voc.label_key(k);
        exact.entry((*k).to_owned()).or_insert(i);
        exact.entry(cell::normalize_text(zh.t(&label))).or_insert(i);
        ascii_folded
            .entry(cell::normalize_text(en.t(&label)).to_ascii_lowercase())
            .or_insert(i);
    }
    let built = Arc::new(ParseIndex {
        exact,
        ascii_folded,
        keys: voc.keys,
    });
    if let Ok(mut g) = lock.write() {
        g.insert(voc.name, built.clone());
    }
    built
}

/// Several vocabulary values separated by commas, 、, ; or spaces; stored comma-joined.
pub fn vocab_list(field: &str, voc: &Vocab, v: &str) -> Result<String, FieldError> {
    let mut out: Vec<&str> = Vec::new();
    for part in v
        .split([',', '，', '、', ';', '；', '/'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let k = vocab(field, voc, part)?;
        if !out.contains(&k) {
            out.push(k);
        }
    }
    Ok(out.join(","))
}

/// Converts a field error into an import issue at a row and column header.
pub fn issue(line: usize, column: &str, e: FieldError) -> RowIssue {
    let mut i = RowIssue::new(line, column, &e.code);
    i.args = e.args;
    i
}

/// Formats fen as yuan with two decimals.
pub fn yuan(fen: i64) -> String {
    format!(
        "{}{}.{:02}",
        if fen < 0 { "-" } else { "" },
        fen.abs() / 100,
        fen.abs() % 100
    )
}

/// Formats m² × 100 as m² (decimals only when needed).
pub fn m2(centi: i64) -> String {
    if centi % 100 == 0 {
        (centi / 100).to_string()
    } else {
        format!("{}.{:02}", centi / 100, centi % 100)
    }
}

/// A boolean cell as written in exports.
pub fn yes_no(tr: &Tr, b: bool) -> String {
    tr.t(if b { "yes" } else { "no" }).to_owned()
}

/// A vocabulary's keys and their labels in both languages, each to its key (the first key
/// that has it, in the vocabulary's order), built once per vocabulary: every JSON answer
/// turns each of its select cells back into keys.
fn vocab_index(voc: Vocab) -> std::sync::Arc<std::collections::HashMap<String, &'static str>> {
    use std::collections::HashMap;
    use std::sync::{Arc, OnceLock, RwLock};
    type Index = Arc<HashMap<String, &'static str>>;
    static INDEX: OnceLock<RwLock<HashMap<&'static str, Index>>> = OnceLock::new();
    let lock = INDEX.get_or_init(Default::default);
    if let Some(found) = lock.read().ok().and_then(|g| g.get(voc.name).cloned()) {
        return found;
    }
    let (zh, en) = (Tr::new(Lang::Zh), Tr::new(Lang::En));
    let mut m = HashMap::new();
    for k in voc.keys {
        let label = voc.label_key(k);
        for form in [*k, zh.t(&label), en.t(&label)] {
            m.entry(form.to_owned()).or_insert(*k);
        }
    }
    let built: Index = Arc::new(m);
    if let Ok(mut g) = lock.write() {
        g.insert(voc.name, built.clone());
    }
    built
}

/// A displayed cell back to vocabulary keys (cells show labels in either language; selects
/// and the JSON API use keys). Yes/no cells become `true`/`false`.
pub fn cell_key(input: Input, v: &str) -> String {
    let zh = Tr::new(Lang::Zh);
    let en = Tr::new(Lang::En);
    match input {
        Input::Select(voc) | Input::Multi(voc) => {
            let index = vocab_index(*voc);
            v.split(['、', ','])
                .filter_map(|part| index.get(part).copied())
                .collect::<Vec<_>>()
                .join(",")
        }
        Input::Bool => {
            let b =
                cell::parse_bool(v)
                    .ok()
                    .flatten()
                    .or(if v == zh.t("yes") || v == en.t("yes") {
                        Some(true)
                    } else if v == zh.t("no") || v == en.t("no") {
                        Some(false)
                    } else {
                        None
                    });
            match b {
                Some(true) => "true".into(),
                Some(false) => "false".into(),
                None => String::new(),
            }
        }
        _ => v.to_owned(),
    }
}

/// Parses a cell with an input kind's generic rules, collecting errors.
pub struct RowParser<'a> {
    pub cells: &'a [String],
    pub fields: &'static [Field],
    pub errors: Vec<FieldError>,
}

impl<'a> RowParser<'a> {
    pub fn new(fields: &'static [Field], cells: &'a [String]) -> Self {
        RowParser {
            cells,
            fields,
            errors: Vec::new(),
        }
    }

    pub fn raw(&self, key: &str) -> &'a str {
        let cells = self.cells;
        self.fields
            .iter()
            .position(|f| f.col.key == key)
            .and_then(|i| cells.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    pub fn text(&mut self, key: &str, max: usize) -> String {
        let r = text(key, self.raw(key), max);
        self.take(r).unwrap_or_default()
    }

    pub fn opt_text(&mut self, key: &str, max: usize) -> Option<String> {
        let r = opt_text(key, self.raw(key), max);
        self.take(r).flatten()
    }

    pub fn vocab(&mut self, key: &str, voc: &Vocab, default: Option<&'static str>) -> String {
        let raw = self.raw(key);
        if cell::normalize_text(raw).is_empty() {
            if let Some(d) = default {
                return d.to_owned();
            }
        }
        let r = vocab(key, voc, raw);
        self.take(r).unwrap_or_default().to_owned()
    }

    pub fn vocab_list(&mut self, key: &str, voc: &Vocab) -> String {
        let r = vocab_list(key, voc, self.raw(key));
        self.take(r).unwrap_or_default()
    }

    pub fn flag(&mut self, key: &str, default: bool) -> bool {
        let r = opt_bool(key, self.raw(key));
        self.take(r).flatten().unwrap_or(default)
    }

    pub fn opt_flag(&mut self, key: &str) -> Option<bool> {
        let r = opt_bool(key, self.raw(key));
        self.take(r).flatten()
    }

    pub fn date(&mut self, key: &str) -> Option<String> {
        let r = opt_date(key, self.raw(key));
        self.take(r).flatten()
    }

    /// A date that has already happened (founding, registration): a date after today is
    /// refused, never taken as meant.
    pub fn past_date(&mut self, key: &str) -> Option<String> {
        let d = self.date(key)?;
        let today = cell::date_to_string(crate::registry::today_tuple());
        if d > today {
            self.errors
                .push(FieldError::new(key, "err-date-future").arg("today", today));
            return None;
        }
        Some(d)
    }

    pub fn int(&mut self, key: &str, min: i64, max: i64) -> Option<i64> {
        let r = opt_int(key, self.raw(key), min, max);
        self.take(r).flatten()
    }

    pub fn decimal_centi(&mut self, key: &str, max_centi: i64, required: bool) -> Option<i64> {
        let raw = self.raw(key);
        match cell::parse_decimal_centi(raw) {
            Ok(Some(v)) if !(0..=max_centi).contains(&v) => {
                self.errors.push(
                    FieldError::new(key, "err-range")
                        .arg("min", 0)
                        .arg("max", max_centi / 100),
                );
                None
            }
            Ok(None) if required => {
                self.errors.push(FieldError::new(key, "err-required"));
                None
            }
            Ok(v) => v,
            Err(k) => {
                self.errors.push(FieldError::new(key, k));
                None
            }
        }
    }

    pub fn finish<T>(self, v: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(v)
        } else {
            Err(self.errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(add_years("2020-02-29", 3).as_deref(), Some("2023-02-28"));
        assert_eq!(add_years("2021-09-10", 3).as_deref(), Some("2024-09-10"));
        assert_eq!(yuan(123456), "1234.56");
        assert_eq!(m2(60000), "600");
        assert_eq!(m2(60050), "600.50");
        assert!(text("name", "  ", 10).is_err());
        assert_eq!(opt_int("n", "1,200", 0, 5000), Ok(Some(1200)));
        assert!(opt_int("n", "9999", 0, 5000).is_err());
    }
}
