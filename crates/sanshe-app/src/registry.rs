//! What the registries share: field checks that return localisable errors, closed
//! vocabularies accepted by key or by their Chinese or English label, today's date, and the
//! row-by-row import report.

use crate::authz::{self, Perm};
use crate::i18n::{Lang, Tr};
use crate::{Actor, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome, Verb};
use sanshe_domain::cell;
use sanshe_domain::registry::Vocab;
use sanshe_domain::FieldError;
use sanshe_io::sheet::{self, Column};
use sanshe_io::RowIssue;
use sanshe_store::areas::AreaRef;
use sanshe_store::{Conn, PageReq, Paged, StoreError};
use std::collections::HashMap;
use std::future::Future;

pub use crate::areas::{ImportOptions, ImportReport};

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
    check_text(field, v, max)
}

fn check_text(field: &str, v: String, max: usize) -> Result<String, FieldError> {
    if v.chars().count() > max {
        return Err(FieldError::new(field, "err-too-long").arg("max", max));
    }
    if v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(field, "err-control-chars"));
    }
    Ok(v)
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
    let zh = Tr::new(Lang::Zh);
    let en = Tr::new(Lang::En);
    for k in voc.keys {
        let lk = voc.label_key(k);
        if *k == v
            || cell::normalize_text(zh.t(&lk)) == v
            || cell::normalize_text(en.t(&lk)).eq_ignore_ascii_case(&v)
        {
            return Ok(k);
        }
    }
    Err(FieldError::new(field, "err-choice").arg(
        "choices",
        voc.keys
            .iter()
            .map(|k| zh.t(&voc.label_key(k)).to_owned())
            .collect::<Vec<_>>()
            .join("、"),
    ))
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

// ---- the registry framework ---------------------------------------------------------------
//
// Every registry (facilities, organizations, social workers, posts) is described once: its
// fields (which are also its spreadsheet columns, its form inputs and its JSON properties),
// how one row of text cells becomes a record, and how a record becomes cells again. Forms,
// imports, exports and the JSON API all go through [`Registry::parse`], so a rule written
// there holds at every door.

/// How a field is entered and checked.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    Text(usize),
    LongText(usize),
    /// An area code or unique name, optionally restricted to levels.
    Area(&'static [&'static str]),
    Select(&'static Vocab),
    Multi(&'static Vocab),
    Bool,
    Date,
    Int(i64, i64),
    /// A number with up to two decimals.
    Decimal,
    /// Opening hours: seven day ranges, Monday first.
    Hours,
    /// An organization by credit code, filing number or exact name.
    Org,
    /// A sensitive value (ID or phone number): masked on output.
    Secret,
    /// Area codes or names separated by 、 or commas.
    Areas,
}

impl Input {
    /// JSON type of the property: `string`, `boolean`, `integer`, `number` or `array`.
    pub fn json_type(&self) -> &'static str {
        match self {
            Input::Bool => "boolean",
            Input::Int(..) => "integer",
            Input::Decimal => "number",
            Input::Multi(_) | Input::Areas => "array",
            _ => "string",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub col: Column,
    pub input: Input,
}

pub const fn field(key: &'static str, zh: &'static str, required: bool, input: Input) -> Field {
    Field {
        col: Column {
            key,
            zh,
            aliases: &[],
            required,
        },
        input,
    }
}

pub const fn field_a(
    key: &'static str,
    zh: &'static str,
    aliases: &'static [&'static str],
    required: bool,
    input: Input,
) -> Field {
    Field {
        col: Column {
            key,
            zh,
            aliases,
            required,
        },
        input,
    }
}

pub fn columns(fields: &[Field]) -> Vec<Column> {
    fields.iter().map(|f| f.col).collect()
}

/// Reference data loaded once per import or form: areas in the actor's reach, and when
/// needed organizations and workers by key.
#[derive(Debug, Default)]
pub struct Refs {
    pub areas: HashMap<String, AreaRef>,
    pub area_names: HashMap<String, Vec<String>>,
    pub orgs: HashMap<String, i64>,
    pub workers: HashMap<String, i64>,
    pub today: (i32, u32, u32),
    /// Years of one social-worker registration period (this year's policy profile).
    pub registration_years: i64,
}

impl Refs {
    pub async fn load(
        conn: &mut Conn,
        actor: &Actor,
        orgs: bool,
        workers: bool,
    ) -> Result<Refs, StoreError> {
        let root = match &actor.scope {
            sanshe_domain::Scope::Area { code } if !actor.is_cli => Some(code.as_str()),
            _ => None,
        };
        let list = sanshe_store::areas::refs_within(conn, root).await?;
        let mut r = Refs::with_areas(conn, list).await?;
        if orgs {
            r.orgs = sanshe_store::orgs::keys(conn)
                .await?
                .into_iter()
                .map(|(k, id)| (norm_key(k), id))
                .collect();
        }
        if workers {
            r.workers = sanshe_store::workers::blind_keys(conn)
                .await?
                .into_iter()
                .collect();
        }
        Ok(r)
    }

    /// Today, this year's registration period and the given areas (by code and by name).
    async fn with_areas(conn: &mut Conn, list: Vec<AreaRef>) -> Result<Refs, StoreError> {
        let profile = match sanshe_store::targets::profile(conn, crate::current_year()).await? {
            Some(body) => serde_json::from_str(&body).unwrap_or_default(),
            None => sanshe_domain::targets::PolicyProfile::default(),
        };
        let mut r = Refs {
            today: today_tuple(),
            registration_years: profile.registration_years,
            ..Default::default()
        };
        for a in list {
            r.area_names
                .entry(a.name.clone())
                .or_default()
                .push(a.code.clone());
            r.areas.insert(a.code.clone(), a);
        }
        Ok(r)
    }

    /// What one record's cells can refer to, found by index look-ups: the areas in the
    /// actor's reach whose code or name appears in a cell (or a part of a list cell), the
    /// organizations whose name, credit code or filing number does, and the workers whose
    /// ID number does. The same answers as [`Refs::load`] for those cells.
    pub async fn load_for(
        app: &App,
        conn: &mut Conn,
        actor: &Actor,
        cells: &[String],
        orgs: bool,
        workers: bool,
    ) -> Result<Refs, AppError> {
        let root = match &actor.scope {
            sanshe_domain::Scope::Area { code } if !actor.is_cli => Some(code.as_str()),
            _ => None,
        };
        let mut vals: Vec<String> = Vec::new();
        for c in cells {
            let n = cell::normalize_text(c);
            for part in n.split(['、', ',', '，', ';', '；', '/', ' ']) {
                let p = part.trim();
                if !p.is_empty() && p.chars().count() <= 200 {
                    vals.push(p.to_owned());
                }
            }
            if !n.is_empty() && n.chars().count() <= 200 {
                vals.push(n);
            }
        }
        vals.sort();
        vals.dedup();
        vals.truncate(500);
        let list = sanshe_store::areas::refs_matching(conn, root, &vals).await?;
        let mut r = Refs::with_areas(conn, list).await?;
        if orgs {
            r.orgs = sanshe_store::orgs::keys_matching(conn, &vals)
                .await?
                .into_iter()
                .map(|(k, id)| (norm_key(k), id))
                .collect();
        }
        if workers {
            let blinds: Vec<String> = vals
                .iter()
                .filter_map(|v| {
                    let fixed = cell::fix_excel_id(v);
                    sanshe_domain::CitizenId::parse(&fixed, r.today).ok()
                })
                .filter_map(|id| app.pii.blind("id", id.as_str()).ok())
                .collect();
            r.workers = sanshe_store::workers::blind_keys_for(conn, &blinds)
                .await?
                .into_iter()
                .collect();
        }
        Ok(r)
    }

    /// An area given by code or by a name unique in the actor's reach.
    pub fn area(&self, field: &str, v: &str, levels: &[&str]) -> Result<&AreaRef, FieldError> {
        let v = cell::normalize_text(v);
        if v.is_empty() {
            return Err(FieldError::new(field, "err-required"));
        }
        let a = if v.chars().all(|c| c.is_ascii_digit()) {
            self.areas.get(&v)
        } else {
            match self.area_names.get(&v).map(Vec::as_slice) {
                Some([one]) => self.areas.get(one),
                Some(many) if many.len() > 1 => {
                    return Err(FieldError::new(field, "err-area-ambiguous")
                        .arg("name", &v)
                        .arg("codes", many.join("、")))
                }
                _ => None,
            }
        };
        let a = a.ok_or_else(|| FieldError::new(field, "err-area-unreachable").arg("value", &v))?;
        if !levels.is_empty() && !levels.contains(&a.level.as_str()) {
            let zh = Tr::new(Lang::Zh);
            return Err(FieldError::new(field, "err-area-level-wrong").arg(
                "levels",
                levels
                    .iter()
                    .map(|l| zh.t(&format!("level-{l}")).to_owned())
                    .collect::<Vec<_>>()
                    .join("、"),
            ));
        }
        Ok(a)
    }

    /// An organization by credit code, filing number or exact name.
    pub fn org(&self, field: &str, v: &str) -> Result<Option<i64>, FieldError> {
        let v = cell::normalize_text(v);
        if v.is_empty() {
            return Ok(None);
        }
        let up = v.to_uppercase();
        self.orgs
            .get(&format!("credit:{up}"))
            .or_else(|| self.orgs.get(&format!("filing:{v}")))
            .or_else(|| self.orgs.get(&format!("name:{v}")))
            .copied()
            .map(Some)
            .ok_or_else(|| FieldError::new(field, "err-org-not-found").arg("value", v))
    }
}

/// A uniqueness or look-up key in the form cells are compared in: names normalised like
/// input (full-width characters, spaces), so `（演示）` and `(演示)` are the same name.
pub fn norm_key(k: String) -> String {
    match k.strip_prefix("name:") {
        Some(n) => format!("name:{}", cell::normalize_text(n)),
        None => k,
    }
}

/// A filter a list offers (besides search, area and sort).
#[derive(Debug, Clone, Copy)]
pub struct FilterDef {
    pub key: &'static str,
    pub input: Input,
}

/// A list request, the same for pages, exports and the API.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub q: Option<String>,
    /// Area subtree; narrowed to the actor's scope.
    pub within: Option<String>,
    pub filters: HashMap<String, String>,
    pub sort: Option<String>,
}

impl ListQuery {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.filters
            .get(k)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    pub fn flag(&self, k: &str) -> Option<bool> {
        self.get(k).and_then(|v| cell::parse_bool(v).ok().flatten())
    }

    /// A vocabulary filter (ignored when not one of the keys).
    pub fn choice(&self, k: &str, voc: &Vocab) -> Option<String> {
        self.get(k).filter(|v| voc.contains(v)).map(str::to_owned)
    }
}

/// One cell of a related-records section: a record value (shown as stored, never
/// translated), a locale key (a closed vocabulary), or a value with a translated flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Key(String),
    Flagged(String, &'static str),
}

/// A row of record values.
pub fn texts(v: Vec<String>) -> Vec<Cell> {
    v.into_iter().map(Cell::Text).collect()
}

/// A section of a detail page: a titled table of related records.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub title_key: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    /// Links for the first cell of each row (same length as rows, or empty).
    pub links: Vec<String>,
    /// Per-row links to a delete confirmation, shown to those who may change the record
    /// (same length as rows, or empty).
    pub delete_links: Vec<String>,
    /// Where the section's rows can be downloaded: `{export}/csv` and `{export}/xlsx`.
    pub export: Option<String>,
}

/// One registry, described once.
pub trait Registry: Sized + 'static {
    type Data: Send + Sync;
    type Row: Send + Sync;
    /// URL segment, locale prefix and `sanshe import` kind.
    const KIND: &'static str;
    /// Audit object type.
    const OBJECT: &'static str;
    const READ: Perm;
    const WRITE: Perm;
    const NEEDS_ORGS: bool = false;
    const NEEDS_WORKERS: bool = false;

    fn fields() -> &'static [Field];
    fn filters() -> &'static [FilterDef];
    fn sorts() -> &'static [&'static str];
    /// Column locale keys of the list table.
    fn list_headers() -> &'static [&'static str];
    fn list_cells(tr: &Tr, r: &Self::Row) -> Vec<String>;

    /// One record from text cells in [`Registry::fields`] order. `current`: the record
    /// being edited (None when creating).
    fn parse(
        app: &App,
        actor: &Actor,
        refs: &Refs,
        cells: &[String],
        current: Option<&Self::Row>,
    ) -> Result<Self::Data, Vec<FieldError>>;
    /// Uniqueness keys (duplicates in a file or against the database); each must be
    /// unique on its own (e.g. an organization's name and its credit code).
    fn keys(d: &Self::Data) -> Vec<String>;
    fn data_area(d: &Self::Data) -> Option<&str>;
    fn summary(d: &Self::Data) -> String;

    fn row_id(r: &Self::Row) -> i64;
    fn row_area(r: &Self::Row) -> Option<&str>;
    fn row_label(r: &Self::Row) -> String;
    fn row_key(r: &Self::Row) -> String;
    /// Text cells in field order (sensitive values masked unless `reveal`).
    fn cells(app: &App, tr: &Tr, r: &Self::Row, reveal: bool) -> Vec<String>;

    /// May the actor see this record? Default: the record's area is in scope.
    fn can_read(actor: &Actor, r: &Self::Row) -> bool {
        authz::can(actor, Self::READ) && authz::record_in_scope(actor, Self::row_area(r))
    }
    fn can_write(actor: &Actor, r: &Self::Row) -> bool {
        authz::can(actor, Self::WRITE) && authz::record_in_scope(actor, Self::row_area(r))
    }
    /// May the actor create a record located in `area`?
    fn can_create(actor: &Actor, area: Option<&str>) -> bool {
        authz::can(actor, Self::WRITE) && authz::record_in_scope(actor, area)
    }

    fn existing(
        conn: &mut Conn,
    ) -> impl Future<Output = Result<Vec<(String, i64)>, StoreError>> + Send;
    /// The existing records holding any of `keys` (a single save checks only its own keys,
    /// with index look-ups, so it costs the same in a district as in the nation).
    fn existing_for(
        conn: &mut Conn,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<(String, i64)>, StoreError>> + Send;
    fn insert(
        conn: &mut Conn,
        d: &Self::Data,
        demo: bool,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
    fn update(
        conn: &mut Conn,
        id: i64,
        d: &Self::Data,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    fn delete(conn: &mut Conn, id: i64) -> impl Future<Output = Result<bool, StoreError>> + Send;
    fn get(
        conn: &mut Conn,
        id: i64,
    ) -> impl Future<Output = Result<Option<Self::Row>, StoreError>> + Send;
    fn list(
        app: &App,
        conn: &mut Conn,
        actor: &Actor,
        q: &ListQuery,
        page: PageReq,
    ) -> impl Future<Output = Result<Paged<Self::Row>, AppError>> + Send;
    /// Files under the data directory that belong to a record and go with it when it is
    /// deleted (removed after the deletion commits).
    fn files(
        _app: &App,
        _conn: &mut Conn,
        _id: i64,
    ) -> impl Future<Output = Result<Vec<std::path::PathBuf>, StoreError>> + Send {
        async { Ok(Vec::new()) }
    }
    /// Related records shown on the detail page.
    fn sections(
        _app: &App,
        _conn: &mut Conn,
        _r: &Self::Row,
    ) -> impl Future<Output = Result<Vec<Section>, AppError>> + Send {
        async { Ok(Vec::new()) }
    }
}

/// Narrows a requested subtree to the actor's area scope ("-" matches nothing).
pub fn scoped_within(actor: &Actor, within: &Option<String>) -> Option<String> {
    let root = match &actor.scope {
        sanshe_domain::Scope::Area { code } if !actor.is_cli => Some(code.clone()),
        _ => None,
    };
    let w = within.as_deref().map(str::trim).filter(|s| !s.is_empty());
    match (root, w) {
        (Some(r), Some(w)) if w.starts_with(&r) => Some(w.to_owned()),
        (Some(r), Some(w)) if r.starts_with(w) => Some(r),
        (Some(_), Some(_)) => Some("-".into()),
        (Some(r), None) => Some(r),
        (None, w) => w.map(str::to_owned),
    }
}

pub async fn list<R: Registry>(
    app: &App,
    ctx: &Ctx,
    q: &ListQuery,
    page: PageReq,
) -> Result<Paged<R::Row>, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, R::READ)?;
    let mut c = app.db.acquire().await?;
    R::list(app, &mut c, actor, q, page).await
}

pub async fn get<R: Registry>(app: &App, ctx: &Ctx, id: i64) -> Result<R::Row, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, R::READ)?;
    let mut c = app.db.acquire().await?;
    let r = R::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if !R::can_read(actor, &r) {
        return Err(AppError::Forbidden);
    }
    Ok(r)
}

pub async fn sections<R: Registry>(app: &App, r: &R::Row) -> Result<Vec<Section>, AppError> {
    let mut c = app.db.acquire().await?;
    R::sections(app, &mut c, r).await
}

/// Cells of a record for display or export; `reveal` shows sensitive values in full for
/// roles allowed to, and writes an audit entry saying who saw whose data.
pub async fn cells<R: Registry>(
    app: &App,
    ctx: &Ctx,
    tr: &Tr,
    r: &R::Row,
    reveal: bool,
) -> Result<Vec<String>, AppError> {
    let actor = ctx.actor()?;
    if reveal {
        authz::require(actor, Perm::PiiReveal)?;
        let tx = crate::uow::Uow::begin(app).await?;
        tx.commit(ctx.audit_entry(
            Action::Record {
                object: R::OBJECT,
                verb: Verb::Reveal,
            },
            Some(R::row_id(r).to_string()),
            format!("revealed personal data of {}", R::row_label(r)),
            Outcome::Success,
        ))
        .await?;
    }
    Ok(R::cells(app, tr, r, reveal))
}

/// Records an export (with or without revealed personal data) in the audit log.
pub async fn audit_export<R: Registry>(
    app: &App,
    ctx: &Ctx,
    rows: usize,
    reveal: bool,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    if reveal {
        authz::require(actor, Perm::PiiReveal)?;
    }
    let tx = crate::uow::Uow::begin(app).await?;
    tx.commit(ctx.audit_entry(
        Action::Record {
            object: R::OBJECT,
            verb: Verb::Export,
        },
        None,
        format!(
            "exported {rows} rows{}",
            if reveal {
                " with personal data revealed"
            } else {
                ""
            }
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(())
}

/// The blind index of a personal-data value, for exact search (needs the reveal right
/// only to search by phone or ID; everyone else gets no match).
pub fn pii_blind(app: &App, actor: &Actor, kind: &str, v: &str) -> Result<String, AppError> {
    if !authz::can(actor, Perm::WorkerRead) {
        return Ok("-".into());
    }
    app.pii.blind(kind, v)
}

/// Cells from named values (a form or a JSON object), in field order.
pub fn cells_from_map<R: Registry>(m: &HashMap<String, String>) -> Vec<String> {
    R::fields()
        .iter()
        .map(|f| m.get(f.col.key).cloned().unwrap_or_default())
        .collect()
}

/// The field a uniqueness key is about: `credit:…` → `credit_code`, else the first field.
fn key_field(k: &str, fields: &[Field]) -> &'static str {
    let want = match k.split_once(':').map(|(p, _)| p) {
        Some("credit") => "credit_code",
        Some("filing") => "filing_no",
        Some("name") => "name",
        _ => "",
    };
    fields
        .iter()
        .find(|f| f.col.key == want)
        .or(fields.first())
        .map(|f| f.col.key)
        .unwrap_or("key")
}

fn check_unique<R: Registry>(
    existing: &HashMap<String, i64>,
    d: &R::Data,
    own: Option<i64>,
) -> Result<(), FieldError> {
    for k in R::keys(d) {
        match existing.get(&k) {
            Some(id) if Some(*id) != own => {
                return Err(
                    FieldError::new(key_field(&k, R::fields()), "err-duplicate-record")
                        .arg("id", id),
                )
            }
            _ => {}
        }
    }
    Ok(())
}

pub async fn create<R: Registry>(app: &App, ctx: &Ctx, cells: &[String]) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, R::WRITE)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let refs = Refs::load_for(app, &mut tx, actor, cells, R::NEEDS_ORGS, R::NEEDS_WORKERS).await?;
    let d = R::parse(app, actor, &refs, cells, None).map_err(AppError::Invalid)?;
    if !R::can_create(actor, R::data_area(&d)) {
        return Err(AppError::Forbidden);
    }
    let existing: HashMap<String, i64> = R::existing_for(&mut tx, &R::keys(&d))
        .await?
        .into_iter()
        .collect();
    check_unique::<R>(&existing, &d, None).map_err(AppError::Conflict)?;
    let id = R::insert(&mut tx, &d, false).await?;
    tx.commit(ctx.audit_entry(
        Action::Record {
            object: R::OBJECT,
            verb: Verb::Create,
        },
        Some(id.to_string()),
        R::summary(&d),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

pub async fn update<R: Registry>(
    app: &App,
    ctx: &Ctx,
    id: i64,
    cells: &[String],
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, R::WRITE)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let cur = R::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !R::can_write(actor, &cur) {
        return Err(AppError::Forbidden);
    }
    let refs = Refs::load_for(app, &mut tx, actor, cells, R::NEEDS_ORGS, R::NEEDS_WORKERS).await?;
    let d = R::parse(app, actor, &refs, cells, Some(&cur)).map_err(AppError::Invalid)?;
    if R::data_area(&d) != R::row_area(&cur) && !R::can_create(actor, R::data_area(&d)) {
        return Err(AppError::Forbidden);
    }
    let existing: HashMap<String, i64> = R::existing_for(&mut tx, &R::keys(&d))
        .await?
        .into_iter()
        .collect();
    check_unique::<R>(&existing, &d, Some(id)).map_err(AppError::Conflict)?;
    R::update(&mut tx, id, &d).await?;
    let before = R::cells(app, &Tr::new(Lang::Zh), &cur, false);
    let after_row = R::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let after = R::cells(app, &Tr::new(Lang::Zh), &after_row, false);
    let changes: Vec<String> = R::fields()
        .iter()
        .zip(before.iter().zip(after.iter()))
        .filter(|(_, (b, a))| b != a)
        .map(|(f, (b, a))| format!("{}: {b} → {a}", f.col.key))
        .collect();
    tx.commit(ctx.audit_entry(
        Action::Record {
            object: R::OBJECT,
            verb: Verb::Update,
        },
        Some(id.to_string()),
        if changes.is_empty() {
            "no changes".into()
        } else {
            changes.join("; ")
        },
        Outcome::Success,
    ))
    .await?;
    Ok(())
}

pub async fn delete<R: Registry>(app: &App, ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, R::WRITE)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let cur = R::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !R::can_write(actor, &cur) {
        return Err(AppError::Forbidden);
    }
    let label = R::row_label(&cur);
    let files = R::files(app, &mut tx, id).await?;
    R::delete(&mut tx, id).await.map_err(|e| match e {
        // Still referenced (posts, incubations, federations, ledgers…).
        e if e.is_foreign_key_violation() => {
            AppError::Conflict(FieldError::new("id", "err-in-use"))
        }
        e => AppError::Store(e),
    })?;
    tx.commit(ctx.audit_entry(
        Action::Record {
            object: R::OBJECT,
            verb: Verb::Delete,
        },
        Some(id.to_string()),
        format!("deleted {label}"),
        Outcome::Success,
    ))
    .await?;
    // After the commit: an orphaned file is harmless, a record pointing at nothing is not.
    for f in files {
        let _ = std::fs::remove_file(f);
    }
    Ok(())
}

/// Whether a checked import writes: not a dry run, some valid rows, and either no problem
/// at all or the user asked for the valid rows only.
pub fn import_writes(report: &ImportReport, opts: ImportOptions) -> bool {
    !opts.dry_run && report.valid_rows > 0 && (report.issues.is_empty() || opts.only_valid)
}

/// The audit entry's text for a written import.
pub fn import_summary(what: &str, report: &ImportReport, opts: ImportOptions) -> String {
    format!(
        "imported {} {what} ({} rows, {} issues{})",
        report.inserted,
        report.total_rows,
        report.issues.len(),
        if opts.only_valid {
            ", valid rows only"
        } else {
            ""
        }
    )
}

/// Progress of a long import: rows checked or written so far, of the total.
pub type Progress<'a> = &'a (dyn Fn(&str, usize, usize) + Send + Sync);

/// Imports a spreadsheet: every row is checked first; by default nothing is written unless
/// every row is valid (`only_valid` writes the good rows, `dry_run` writes nothing). All
/// writes and the audit entry commit in one transaction.
pub async fn import<R: Registry>(
    app: &App,
    ctx: &Ctx,
    bytes: &[u8],
    opts: ImportOptions,
    progress: Option<Progress<'_>>,
) -> Result<ImportReport, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, R::WRITE)?;
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        ..Default::default()
    };
    let spec = columns(R::fields());
    let sheet = match sheet::read(bytes, &spec) {
        Ok(s) => s,
        Err(issue) => {
            report.issues.push(issue);
            return Ok(report);
        }
    };
    report.total_rows = sheet.rows.len();
    let mut conn = app.db.acquire().await?;
    let refs = Refs::load(&mut conn, actor, R::NEEDS_ORGS, R::NEEDS_WORKERS).await?;
    let existing: HashMap<String, i64> = R::existing(&mut conn).await?.into_iter().collect();
    drop(conn);
    let col_of = |field: &str| -> String {
        spec.iter()
            .position(|c| c.key == field)
            .map(|i| sheet.header(&spec, i))
            .unwrap_or_default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut valid: Vec<R::Data> = Vec::new();
    let total = sheet.rows.len();
    for (n, row) in sheet.rows.iter().enumerate() {
        if n % 1000 == 0 {
            if let Some(p) = progress {
                p("check", n, total);
            }
        }
        let d = match R::parse(app, actor, &refs, &row.cells, None) {
            Ok(d) => d,
            Err(errs) => {
                for e in errs {
                    let col = col_of(&e.field);
                    report.issues.push(issue(row.line, &col, e));
                }
                continue;
            }
        };
        if !R::can_create(actor, R::data_area(&d)) {
            report
                .issues
                .push(RowIssue::new(row.line, "", "err-row-out-of-scope"));
            continue;
        }
        let keys = R::keys(&d);
        let mut bad = false;
        for key in &keys {
            let col = col_of(key_field(key, R::fields()));
            if let Some(first) = seen.get(key) {
                report
                    .issues
                    .push(RowIssue::new(row.line, &col, "err-duplicate-in-file").arg("row", first));
                bad = true;
            } else if let Some(id) = existing.get(key) {
                report.existing_rows += 1;
                report
                    .issues
                    .push(RowIssue::new(row.line, &col, "err-duplicate-record").arg("id", id));
                bad = true;
            }
        }
        if bad {
            continue;
        }
        for key in keys {
            seen.insert(key, row.line);
        }
        valid.push(d);
    }
    report.issues.sort_by_key(|i| i.row);
    report.valid_rows = valid.len();
    if !import_writes(&report, opts) {
        return Ok(report);
    }
    let mut tx = crate::uow::Uow::begin(app).await?;
    let mut first_id = None;
    let mut last_id = 0;
    for (n, d) in valid.iter().enumerate() {
        if n % 1000 == 0 {
            if let Some(p) = progress {
                p("write", n, valid.len());
            }
        }
        let id = R::insert(&mut tx, d, opts.demo).await?;
        first_id.get_or_insert(id);
        last_id = id;
    }
    report.inserted = valid.len();
    tx.commit(ctx.audit_entry(
        Action::Record {
            object: R::OBJECT,
            verb: Verb::Import,
        },
        first_id.map(|f| format!("{f}-{last_id}")),
        import_summary(R::KIND, &report, opts),
        Outcome::Success,
    ))
    .await?;
    if valid.len() >= 10_000 {
        app.db.analyze().await?;
    }
    if let Some(p) = progress {
        p("write", valid.len(), valid.len());
    }
    report.committed = true;
    Ok(report)
}

/// The XLSX template of a registry: Chinese headers and one example row.
pub fn template<R: Registry>(example: &[&str]) -> Result<Vec<u8>, AppError> {
    sheet::template(R::KIND, &columns(R::fields()), example)
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// A boolean cell as written in exports.
pub fn yes_no(tr: &Tr, b: bool) -> String {
    tr.t(if b { "yes" } else { "no" }).to_owned()
}

/// A displayed cell back to vocabulary keys (cells show labels in either language; selects
/// and the JSON API use keys). Yes/no cells become `true`/`false`.
pub fn cell_key(input: Input, v: &str) -> String {
    let zh = Tr::new(Lang::Zh);
    let en = Tr::new(Lang::En);
    match input {
        Input::Select(voc) | Input::Multi(voc) => v
            .split(['、', ','])
            .filter_map(|part| {
                voc.keys
                    .iter()
                    .find(|k| {
                        **k == part
                            || zh.t(&voc.label_key(k)) == part
                            || en.t(&voc.label_key(k)) == part
                    })
                    .copied()
            })
            .collect::<Vec<_>>()
            .join(","),
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
