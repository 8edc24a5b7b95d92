//! The registry framework: a `Registry` describes one registry once (its fields, which are
//! its spreadsheet columns, form inputs and JSON properties at once; its parse rule; its keys
//! and scope), and the generic use cases serve every registry alike. Value checks live in
//! `cells`, references in `refs`, the import loop in `import`.

use crate::authz::{self, Perm};
use crate::i18n::{Lang, Tr};
use crate::{Actor, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome, Verb};
use sanshe_domain::cell;
use sanshe_domain::registry::Vocab;
use sanshe_domain::FieldError;
use sanshe_io::sheet::Column;
use sanshe_store::{Conn, PageReq, Paged, StoreError};
use std::collections::HashMap;
use std::future::Future;

pub use crate::areas::{ImportOptions, ImportReport};

mod cells;
mod import;
mod refs;

pub use cells::*;
pub use import::*;
pub use refs::*;

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
    /// A number from 0 up to this maximum, with at most two decimals.
    Decimal(i64),
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
            Input::Decimal(_) => "number",
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
    /// The JSON API's path segment (`/api/v1/<segment>`) and record schema name.
    const API_SEGMENT: &'static str;
    const API_SCHEMA: &'static str;
    /// The XLSX template's example row (it never passes validation on its own).
    const EXAMPLE: &'static [&'static str];
    type Data: Send + Sync + 'static;
    type Row: Send + Sync;
    /// URL segment, locale prefix and `sanshe import` kind.
    const KIND: &'static str;
    /// Audit object type.
    const OBJECT: &'static str;
    const READ: Perm;
    const WRITE: Perm;
    /// Fields whose cells name an organization (credit code, filing number or name).
    const ORG_FIELDS: &'static [&'static str] = &[];
    /// Fields whose cells name a social worker by ID number.
    const WORKER_FIELDS: &'static [&'static str] = &[];

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
    /// Facts this actor may not write directly (they count in the targets and wait for
    /// verification): reverts them in `d` to `current`'s and returns `(field, old, new)` in
    /// cell form. Most registries hold nothing back.
    fn hold_back(
        _actor: &Actor,
        _current: Option<&Self::Row>,
        _d: &mut Self::Data,
    ) -> Vec<(String, String, String)> {
        Vec::new()
    }
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

    /// The existing records holding any of `keys`, by index look-ups: a single save checks
    /// its own keys and an import each thousand rows' keys, so either costs the same in a
    /// district as in the nation and no import holds the whole registry's keys.
    fn existing_for(
        conn: &mut Conn,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<(String, i64)>, StoreError>> + Send;
    fn insert(
        conn: &mut Conn,
        d: &Self::Data,
        demo: bool,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
    /// Inserts the valid rows of an import; the new ids, in any order. One statement per row
    /// unless a registry writes many rows per statement.
    fn insert_batch(
        conn: &mut Conn,
        ds: &[Self::Data],
        demo: bool,
    ) -> impl Future<Output = Result<Vec<i64>, StoreError>> + Send {
        async move {
            let mut ids = Vec::with_capacity(ds.len());
            for d in ds {
                ids.push(Self::insert(conn, d, demo).await?);
            }
            Ok(ids)
        }
    }
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
        // Out of reach is indistinguishable from missing.
        return Err(AppError::Hidden);
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

/// Whether the actor can see record `id` (an existing record a save collides with).
pub(crate) async fn visible<R: Registry>(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
) -> Result<bool, AppError> {
    Ok(R::get(conn, id)
        .await?
        .is_some_and(|r| R::can_read(actor, &r)))
}

/// The first key of `d` another record holds: a conflict naming that record when the actor
/// can see it, and saying only "registered elsewhere" when not.
async fn check_unique<R: Registry>(
    conn: &mut Conn,
    actor: &Actor,
    existing: &HashMap<String, i64>,
    d: &R::Data,
    own: Option<i64>,
) -> Result<(), AppError> {
    for k in R::keys(d) {
        match existing.get(&k) {
            Some(id) if Some(*id) != own => {
                let field = key_field(&k, R::fields());
                return Err(AppError::Conflict(
                    if visible::<R>(conn, actor, *id).await? {
                        FieldError::new(field, "err-duplicate-record").arg("id", id)
                    } else {
                        FieldError::new(field, "err-duplicate-elsewhere")
                    },
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A record one may not change: 403 if one can see it, 404 (as if missing) if not.
fn hidden_or_forbidden<R: Registry>(actor: &Actor, r: &R::Row) -> AppError {
    if R::can_read(actor, r) {
        AppError::Forbidden
    } else {
        AppError::Hidden
    }
}

/// What one record's cells of registry `R` refer to, by index look-ups ([`Refs::load_for`]).
pub(crate) async fn refs_for<R: Registry>(
    app: &App,
    conn: &mut Conn,
    actor: &Actor,
    cells: &[String],
) -> Result<Refs, AppError> {
    let (orgs, workers) = (!R::ORG_FIELDS.is_empty(), !R::WORKER_FIELDS.is_empty());
    Refs::load_for(app, conn, actor, cells, orgs, workers).await
}

pub async fn create<R: Registry>(app: &App, ctx: &Ctx, cells: &[String]) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, R::WRITE)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let refs = refs_for::<R>(app, &mut tx, actor, cells).await?;
    let mut d = R::parse(app, actor, &refs, cells, None).map_err(AppError::Invalid)?;
    let held = R::hold_back(actor, None, &mut d);
    if !R::can_create(actor, R::data_area(&d)) {
        return Err(AppError::Forbidden);
    }
    let existing: HashMap<String, i64> = R::existing_for(&mut tx, &R::keys(&d))
        .await?
        .into_iter()
        .collect();
    check_unique::<R>(&mut tx, actor, &existing, &d, None).await?;
    let id = R::insert(&mut tx, &d, false).await?;
    let (_, note) =
        crate::facts::hold(&mut tx, actor, R::OBJECT, id, R::data_area(&d), &held).await?;
    tx.commit(ctx.audit_entry(
        Action::Record {
            object: R::OBJECT,
            verb: Verb::Create,
        },
        Some(id.to_string()),
        format!("{}{note}", R::summary(&d)),
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
        return Err(hidden_or_forbidden::<R>(actor, &cur));
    }
    let refs = refs_for::<R>(app, &mut tx, actor, cells).await?;
    let mut d = R::parse(app, actor, &refs, cells, Some(&cur)).map_err(AppError::Invalid)?;
    let held = R::hold_back(actor, Some(&cur), &mut d);
    if R::data_area(&d) != R::row_area(&cur) && !R::can_create(actor, R::data_area(&d)) {
        return Err(AppError::Forbidden);
    }
    let existing: HashMap<String, i64> = R::existing_for(&mut tx, &R::keys(&d))
        .await?
        .into_iter()
        .collect();
    check_unique::<R>(&mut tx, actor, &existing, &d, Some(id)).await?;
    R::update(&mut tx, id, &d).await?;
    let (_, note) =
        crate::facts::hold(&mut tx, actor, R::OBJECT, id, R::data_area(&d), &held).await?;
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
            format!("no changes{note}")
        } else {
            format!("{}{note}", changes.join("; "))
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
        return Err(hidden_or_forbidden::<R>(actor, &cur));
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

/// Something done for every registry (routes, OpenAPI paths and schemas, CLI import kinds).
pub trait Visit {
    fn visit<R: Registry>(&mut self);
}

/// The registries, listed once: every layer that needs all of them walks this list.
pub fn each<V: Visit>(v: &mut V) {
    v.visit::<crate::facilities::Facilities>();
    v.visit::<crate::orgs::Orgs>();
    v.visit::<crate::workers::Workers>();
    v.visit::<crate::posts::Posts>();
}

/// The registry kinds (`facilities`, `orgs`, …), in list order.
pub fn kinds() -> Vec<&'static str> {
    struct K(Vec<&'static str>);
    impl Visit for K {
        fn visit<R: Registry>(&mut self) {
            self.0.push(R::KIND);
        }
    }
    let mut k = K(Vec::new());
    each(&mut k);
    k.0
}
