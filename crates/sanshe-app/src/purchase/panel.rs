//! Panel review (评审): the district's expert pool with the ties that bar an expert from an
//! applicant; a panel drawn at random for a closed call (odd, at least 5, at least 7 from a
//! configurable amount); each member declares conflicts before seeing any application (a
//! conflict recuses the member and draws a replacement); members score independently against
//! the rubric; the result is the mean, trimmed from a configurable panel size; the chair signs
//! the report and the project is reviewed.

use super::{district_of, policy};
use crate::areas::{ImportOptions, ImportReport};
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self, At};
use crate::{inbox, Actor, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::needs as rules;
use sanshe_domain::purchase::{
    self as domain, ProjectEvent, Projects, DEFAULT_RUBRIC, TIE_RELATIONS,
};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_io::sheet::{self, Column};
use sanshe_io::RowIssue;
use sanshe_store::panels::{self as store, ExpertRow, MemberRow, PanelRow, TieRow};
use sanshe_store::purchase::{self as pstore, ApplicationFilter, ApplicationRow, ProjectRow};
use sanshe_store::workflow::Table;
use sanshe_store::{Conn, PageReq};

fn audit(object: &'static str, verb: &'static str) -> Action {
    Action::Purchase { object, verb }
}

async fn managed_district(app: &App, ctx: &Ctx) -> Result<String, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let d = district_of(app, ctx).await?;
    if policy::may_manage(actor, &d) {
        Ok(d)
    } else {
        Err(AppError::Forbidden)
    }
}

// ---- the expert pool -----------------------------------------------------------------------

pub struct Pool {
    pub experts: Vec<ExpertRow>,
    pub ties: Vec<TieRow>,
}

pub async fn pool(app: &App, ctx: &Ctx) -> Result<Pool, AppError> {
    let d = managed_district(app, ctx).await?;
    let mut c = app.db.acquire().await?;
    Ok(Pool {
        experts: store::experts(&mut c, &d).await?,
        ties: store::ties(&mut c, &d).await?,
    })
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ExpertInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub affiliation: String,
    #[serde(default)]
    pub specialty: String,
    /// The user name of an evaluator account that serves as this expert (optional; a
    /// purchaser's representative has none: the bureau enters their sheets).
    #[serde(default)]
    pub account: String,
    /// `expert` (the default: drawn at random) or `purchaser` (a representative of the
    /// purchasing department, named to a panel by the district).
    #[serde(default)]
    pub kind: String,
}

struct ExpertData {
    name: String,
    affiliation: String,
    specialty: String,
    user_id: Option<i64>,
    kind: &'static str,
}

async fn parse_expert(conn: &mut Conn, i: &ExpertInput) -> Result<ExpertData, Vec<FieldError>> {
    let mut errs = Vec::new();
    let kind = match i.kind.trim() {
        "" | "expert" => "expert",
        "purchaser" => "purchaser",
        _ => {
            errs.push(FieldError::new("kind", "err-purchase-choice"));
            "expert"
        }
    };
    let name = rules::text("name", &i.name, 40, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let affiliation = rules::text("affiliation", &i.affiliation, 100, false)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let specialty = rules::text("specialty", &i.specialty, 100, false)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let mut user_id = None;
    let account = i.account.trim();
    if !account.is_empty() {
        // An expert acts through an evaluator account. A representative has none: the bureau
        // that manages the call enters their declaration and sheet, so no account both sits on
        // the panel and sees the other members' scores before the report is signed.
        if kind == "purchaser" {
            errs.push(FieldError::new("account", "err-representative-account"));
        } else {
            match sanshe_store::users::by_username(conn, account).await {
                Ok(Some(u)) if u.role == sanshe_domain::Role::Evaluator.as_str() => {
                    user_id = Some(u.id)
                }
                Ok(_) | Err(_) => errs.push(FieldError::new("account", "err-expert-account")),
            }
        }
    }
    if errs.is_empty() {
        Ok(ExpertData {
            name,
            affiliation,
            specialty,
            user_id,
            kind,
        })
    } else {
        Err(errs)
    }
}

pub async fn add_expert(app: &App, ctx: &Ctx, i: &ExpertInput) -> Result<i64, AppError> {
    let d = managed_district(app, ctx).await?;
    let mut tx = Uow::begin(app).await?;
    let e = parse_expert(&mut tx, i).await.map_err(AppError::Invalid)?;
    let id = match store::insert_expert(
        &mut tx,
        &d,
        &e.name,
        &e.affiliation,
        &e.specialty,
        e.user_id,
        e.kind,
        false,
    )
    .await
    {
        Ok(id) => id,
        Err(err) if err.is_unique_violation() => {
            return Err(AppError::Conflict(FieldError::new(
                "name",
                "err-expert-exists",
            )))
        }
        Err(err) => return Err(err.into()),
    };
    tx.commit(ctx.audit_entry(
        audit("expert", "create"),
        Some(id.to_string()),
        format!("{} ({}, {})", e.name, e.affiliation, e.kind),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// The columns of an expert sheet.
pub static COLUMNS: [Column; 5] = [
    Column {
        key: "name",
        zh: "姓名",
        aliases: &["专家姓名", "name"],
        required: true,
    },
    Column {
        key: "affiliation",
        zh: "工作单位",
        aliases: &["单位", "affiliation"],
        required: false,
    },
    Column {
        key: "specialty",
        zh: "专业领域",
        aliases: &["专业", "领域", "specialty"],
        required: false,
    },
    Column {
        key: "account",
        zh: "评估账号",
        aliases: &["账号", "用户名", "account"],
        required: false,
    },
    Column {
        key: "kind",
        zh: "类别",
        aliases: &["kind", "专家类别"],
        required: false,
    },
];

/// A kind as a sheet states it: blank or 评审专家 → expert, 采购人代表 → purchaser.
fn sheet_kind(v: &str) -> String {
    match v.trim() {
        "评审专家" | "专家" => "expert".into(),
        "采购人代表" | "采购人" => "purchaser".into(),
        other => other.to_owned(),
    }
}

/// Imports experts: every row checked, a row already in the pool (same name and
/// affiliation) is left as it is; nothing written unless all rows are valid.
pub async fn import_experts(
    app: &App,
    ctx: &Ctx,
    bytes: &[u8],
    opts: ImportOptions,
) -> Result<ImportReport, AppError> {
    let d = managed_district(app, ctx).await?;
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        ..Default::default()
    };
    let sheet = match sheet::read(bytes, &COLUMNS) {
        Ok(s) => s,
        Err(issue) => {
            report.issues.push(issue);
            return Ok(report);
        }
    };
    report.total_rows = sheet.rows.len();
    report.issues.extend(sheet.example_issues());
    let mut tx = Uow::begin(app).await?;
    let existing: std::collections::HashSet<(String, String)> = store::experts(&mut tx, &d)
        .await?
        .into_iter()
        .map(|e| (e.name, e.affiliation))
        .collect();
    let mut valid = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for row in &sheet.rows {
        let input = ExpertInput {
            name: row.get(0).to_owned(),
            affiliation: row.get(1).to_owned(),
            specialty: row.get(2).to_owned(),
            account: row.get(3).to_owned(),
            kind: sheet_kind(row.get(4)),
        };
        match parse_expert(&mut tx, &input).await {
            Ok(e) => {
                let key = (e.name.clone(), e.affiliation.clone());
                if let Some(first) = seen.insert(key.clone(), row.line) {
                    report.issues.push(
                        RowIssue::new(row.line, "name", "err-duplicate-in-file").arg("row", first),
                    );
                } else if existing.contains(&key) {
                    report.existing_rows += 1;
                } else {
                    valid.push(e);
                }
            }
            Err(errs) => {
                for e in errs {
                    let mut issue = RowIssue::new(row.line, &e.field, &e.code);
                    issue.args = e.args;
                    report.issues.push(issue);
                }
            }
        }
    }
    report.valid_rows = valid.len() + report.existing_rows;
    if !crate::registry::import_writes(&report, opts) {
        return Ok(report);
    }
    for e in &valid {
        store::insert_expert(
            &mut tx,
            &d,
            &e.name,
            &e.affiliation,
            &e.specialty,
            e.user_id,
            e.kind,
            opts.demo,
        )
        .await?;
    }
    report.inserted = valid.len();
    tx.commit(ctx.audit_entry(
        audit("expert", "import"),
        None,
        crate::registry::import_summary("experts", &report, opts),
        Outcome::Success,
    ))
    .await?;
    report.committed = true;
    Ok(report)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TieInput {
    /// The organization (id).
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub relation: String,
    /// When the tie ended (empty: it lasts).
    #[serde(default)]
    pub ended_on: String,
}

impl TieInput {
    /// The relation (one of `relations`) and the end day (none: it lasts), with every field
    /// that is wrong pushed to `errs`.
    pub(super) fn fields(
        &self,
        relations: &[&str],
        errs: &mut Vec<FieldError>,
    ) -> (String, Option<String>) {
        let relation = rules::one_of("relation", &self.relation, relations, "err-purchase-choice")
            .map_err(|e| errs.push(e))
            .unwrap_or_default();
        let ended = self.ended_on.trim();
        let ended_on = if ended.is_empty() {
            None
        } else {
            match sanshe_domain::calendar::Day::parse(ended) {
                Some(day) => Some(day.to_string()),
                None => {
                    errs.push(FieldError::new("ended_on", "err-purchase-date"));
                    None
                }
            }
        };
        (relation, ended_on)
    }
}

/// Records a tie between an expert and an organization.
pub async fn add_tie(app: &App, ctx: &Ctx, expert: i64, i: &TieInput) -> Result<i64, AppError> {
    let d = managed_district(app, ctx).await?;
    let mut errs = Vec::new();
    let (relation, ended_on) = i.fields(&TIE_RELATIONS, &mut errs);
    let mut tx = Uow::begin(app).await?;
    let e = store::expert(&mut tx, expert)
        .await?
        .filter(|e| e.district == d)
        .ok_or(AppError::NotFound)?;
    let org = match i.org.trim().parse::<i64>() {
        Ok(id) => pstore::org(&mut tx, id).await?,
        Err(_) => None,
    };
    if org.is_none() {
        errs.push(FieldError::new("org", "err-org-missing"));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let org = org.ok_or(AppError::NotFound)?;
    let id = store::insert_tie(&mut tx, expert, org.id, &relation, ended_on.as_deref()).await?;
    tx.commit(ctx.audit_entry(
        audit("expert", "tie"),
        Some(expert.to_string()),
        format!("{} — {} ({relation})", e.name, org.name),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

// ---- the panel -----------------------------------------------------------------------------

/// A small deterministic generator seeded from the draw's random seed (splitmix64), so a
/// recorded seed explains the order the pool was drawn in.
struct Draw(u64);

impl Draw {
    fn new(seed_hex: &str) -> Draw {
        let mut v: u64 = 0;
        for b in seed_hex.bytes().take(16) {
            v = v.wrapping_mul(31).wrapping_add(b as u64);
        }
        Draw(v)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

async fn submitted(conn: &mut Conn, project: i64) -> Result<Vec<ApplicationRow>, AppError> {
    Ok(pstore::list_applications(
        conn,
        &ApplicationFilter {
            project: Some(project),
            state: Some("submitted".into()),
            ..Default::default()
        },
        PageReq {
            page: 1,
            per_page: 1000,
        },
    )
    .await?
    .items)
}

/// The experts who may still be drawn for a project: active, of its district, not drawn for
/// it before, not working for an applicant, and without a tie (within three years) to any
/// applicant.
async fn candidates(
    conn: &mut Conn,
    p: &ProjectRow,
    apps: &[ApplicationRow],
) -> Result<Vec<ExpertRow>, AppError> {
    let today = crate::calendar::today().to_string();
    let drawn: Vec<i64> = store::members(conn, p.id)
        .await?
        .iter()
        .map(|m| m.expert_id)
        .collect();
    let ties = store::ties(conn, &p.district).await?;
    let orgs: Vec<i64> = apps.iter().map(|a| a.org_id).collect();
    Ok(store::experts(conn, &p.district)
        .await?
        .into_iter()
        .filter(|e| e.active && !drawn.contains(&e.id))
        // An expert whose account acts for an applicant works for it.
        .filter(|e| !e.user_org.is_some_and(|o| orgs.contains(&o)))
        .filter(|e| {
            !ties.iter().any(|t| {
                t.expert_id == e.id
                    && orgs.contains(&t.org_id)
                    && domain::tie_counts(t.ended_on.as_deref(), &today)
            })
        })
        .collect())
}

fn seats_filled(members: &[MemberRow]) -> i64 {
    members.iter().filter(|m| m.state != "recused").count() as i64
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DrawInput {
    /// Seats on the panel (default: the least the amount allows).
    #[serde(default)]
    pub size: String,
    /// Pool entries of kind `purchaser` the district names to the panel (at most a third of
    /// the seats); the other seats are drawn at random from the experts.
    #[serde(default)]
    pub representatives: Vec<String>,
    #[serde(default)]
    pub version: Option<i64>,
}

/// Draws the panel of a closed call (the project moves to `reviewing`), or, on a panel
/// already drawn, draws replacements for seats left empty by recusals.
pub async fn draw(app: &App, ctx: &Ctx, project: i64, i: &DrawInput) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let mut tx = Uow::begin(app).await?;
    let p = pstore::get_project(&mut tx, project)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &p.district) {
        return Err(AppError::Hidden);
    }
    if i.version.is_some_and(|v| v != p.version) {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    let apps = submitted(&mut tx, project).await?;
    let existing = store::panel(&mut tx, project).await?;
    let seed = crate::security::random_hex(16)?;
    let mut rng = Draw::new(&seed);
    match existing {
        None => {
            let state = Projects::parse_state(&p.state)
                .ok_or_else(|| AppError::Internal(format!("project {project}: {}", p.state)))?;
            if apps.is_empty() {
                return Err(AppError::Conflict(FieldError::new(
                    "",
                    "err-no-applications",
                )));
            }
            let profile = crate::targets::profile_in(&mut tx, p.year).await?;
            let threshold = profile.purchase_panel_threshold_yuan.saturating_mul(100);
            let size = if i.size.trim().is_empty() {
                domain::min_panel(p.data.amount_fen, threshold)
            } else {
                let n = domain::count("size", &i.size, 1, domain::MAX_PANEL)
                    .map_err(AppError::invalid)?;
                domain::panel_size("size", n, p.data.amount_fen, threshold)
                    .map_err(AppError::invalid)?
            };
            let at = At {
                id: project,
                version: p.version,
                state,
            };
            let to = workflow::transition::<Projects>(
                &mut tx,
                Table::Projects,
                actor,
                at,
                ProjectEvent::Review,
                &format!("seed {seed}"),
            )
            .await?;
            let eligible = candidates(&mut tx, &p, &apps).await?;
            let reps = representatives(&eligible, &i.representatives, size)?;
            let drawn = size - reps.len() as i64;
            let mut pool: Vec<&ExpertRow> =
                eligible.iter().filter(|e| e.kind == "expert").collect();
            if (pool.len() as i64) < drawn {
                return Err(AppError::Conflict(
                    FieldError::new("size", "err-pool-too-small")
                        .arg("pool", pool.len())
                        .arg("size", drawn),
                ));
            }
            rng.shuffle(&mut pool);
            store::insert_panel(&mut tx, project, size, &seed).await?;
            let mut told = Vec::new();
            // The drawn experts take the first seats (the first chairs); the representatives
            // the last.
            let seated = pool.iter().take(drawn as usize).copied().chain(reps);
            for (n, e) in seated.enumerate() {
                store::insert_member(&mut tx, project, e.id, n as i64 + 1, n == 0).await?;
                told.extend(e.user_id);
            }
            inbox::notify(
                &mut tx,
                &told,
                "panel.drawn",
                &p.data.title,
                "",
                &format!("/purchase/projects/{project}"),
            )
            .await?;
            workflow::commit::<Projects>(
                tx,
                ctx,
                project,
                &p.data.title,
                state,
                ProjectEvent::Review,
                to,
            )
            .await
        }
        Some(panel) => {
            if p.state != "reviewing" || panel.signed_at.is_some() {
                return Err(AppError::Conflict(
                    FieldError::new("", "err-transition-not-allowed")
                        .arg("event", "draw")
                        .arg("state", &p.state),
                ));
            }
            store::lock_panel(&mut tx, project).await?;
            let members = store::members(&mut tx, project).await?;
            let missing = panel.size - seats_filled(&members);
            if missing <= 0 {
                return Err(AppError::Conflict(FieldError::new("", "err-panel-full")));
            }
            let added = replace(&mut tx, &p, &apps, &members, missing, &mut rng).await?;
            if added < missing {
                return Err(AppError::Conflict(
                    FieldError::new("size", "err-pool-too-small")
                        .arg("pool", added)
                        .arg("size", missing),
                ));
            }
            tx.commit(ctx.audit_entry(
                audit("panel", "replace"),
                Some(project.to_string()),
                format!("{}: {added} replacement(s), seed {seed}", p.data.title),
                Outcome::Success,
            ))
            .await
        }
    }
}

/// The representatives named to a panel of `size`: each a purchaser entry of the pool that may
/// sit (active, without a tie to an applicant), named once, and at most a third of the seats.
fn representatives<'a>(
    eligible: &'a [ExpertRow],
    named: &[String],
    size: i64,
) -> Result<Vec<&'a ExpertRow>, AppError> {
    let mut out: Vec<&ExpertRow> = Vec::new();
    let mut errs = Vec::new();
    let most = domain::max_representatives(domain::MAX_PANEL);
    if named.len() as i64 > most {
        return Err(AppError::invalid(
            FieldError::new("representatives", "err-panel-experts")
                .arg("max", most)
                .arg("size", domain::MAX_PANEL),
        ));
    }
    for v in named.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        match v.parse::<i64>().ok().and_then(|id| {
            eligible
                .iter()
                .find(|e| e.id == id && e.kind == "purchaser")
        }) {
            Some(e) if !out.iter().any(|x| x.id == e.id) => out.push(e),
            Some(_) => {}
            None => {
                errs.push(FieldError::new("representatives", "err-representative").arg("id", v))
            }
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let max = domain::max_representatives(size);
    if out.len() as i64 > max {
        return Err(AppError::invalid(
            FieldError::new("representatives", "err-panel-experts")
                .arg("max", max)
                .arg("size", size),
        ));
    }
    Ok(out)
}

/// Draws up to `n` replacements; returns how many could be drawn.
async fn replace(
    tx: &mut Uow,
    p: &ProjectRow,
    apps: &[ApplicationRow],
    members: &[MemberRow],
    n: i64,
    rng: &mut Draw,
) -> Result<i64, AppError> {
    // Replacements are experts: the district names its representatives only at the draw.
    let mut pool: Vec<ExpertRow> = candidates(tx, p, apps)
        .await?
        .into_iter()
        .filter(|e| e.kind == "expert")
        .collect();
    rng.shuffle(&mut pool);
    let next_seat = members.iter().map(|m| m.seat).max().unwrap_or(0) + 1;
    let mut added = 0;
    for e in pool.iter().take(n.max(0) as usize) {
        store::insert_member(tx, p.id, e.id, next_seat + added, false).await?;
        if let Some(u) = e.user_id {
            inbox::notify(
                tx,
                &[u],
                "panel.drawn",
                &p.data.title,
                "",
                &format!("/purchase/projects/{}", p.id),
            )
            .await?;
        }
        added += 1;
    }
    Ok(added)
}

/// Is this the actor's own seat (an expert's evaluator account)?
fn own_seat(actor: &Actor, m: &MemberRow) -> bool {
    authz::can(actor, Perm::PanelServe) && actor.user_id.is_some() && m.user_id == actor.user_id
}

/// May the actor act as this member: its own evaluator account, or a district officer on
/// behalf of an expert without an account (a paper declaration or score sheet).
fn acts_for(actor: &Actor, m: &MemberRow, p: &ProjectRow) -> bool {
    own_seat(actor, m)
        // The office enters only for experts without an account of their own: it can neither
        // declare an expert conflicted nor overwrite a sheet the expert keeps online.
        || (m.user_id.is_none() && policy::may_manage(actor, &p.district))
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DeclarationInput {
    /// "none": no conflict with any applicant; "conflict": a tie with one of them.
    #[serde(default)]
    pub declaration: String,
    /// What the tie is (required with a conflict).
    #[serde(default)]
    pub note: String,
}

/// A member declares, before seeing any application, whether they have a conflict of
/// interest with an applicant. A conflict recuses them and a replacement is drawn.
pub async fn declare(
    app: &App,
    ctx: &Ctx,
    member: i64,
    i: &DeclarationInput,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    if !authz::can(actor, Perm::PanelServe) && !authz::can(actor, Perm::PurchaseManage) {
        return Err(AppError::Forbidden);
    }
    let conflict = match i.declaration.trim() {
        "none" => false,
        "conflict" => true,
        _ => {
            return Err(AppError::invalid(FieldError::new(
                "declaration",
                "err-purchase-choice",
            )))
        }
    };
    let note =
        rules::text("note", &i.note, rules::NOTE_MAX, conflict).map_err(AppError::invalid)?;
    let mut tx = Uow::begin(app).await?;
    let project = store::member(&mut tx, member)
        .await?
        .ok_or(AppError::NotFound)?
        .project_id;
    // Lock the panel, then read: declarations, draws and the signature queue.
    store::lock_panel(&mut tx, project).await?;
    let m = store::member(&mut tx, member)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = pstore::get_project(&mut tx, m.project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !acts_for(actor, &m, &p) {
        return Err(AppError::Hidden);
    }
    if p.state != "reviewing" || m.state != "drawn" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-transition-not-allowed")
                .arg("event", "declare")
                .arg("state", &m.state),
        ));
    }
    let to = if conflict { "recused" } else { "cleared" };
    if !store::declare(&mut tx, member, "drawn", to, &note).await? {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    let mut summary = format!("{} — {}: {to}", p.data.title, m.name);
    if conflict {
        summary.push_str(&after_recusal(&mut tx, &p, &m).await?);
    }
    tx.commit(ctx.audit_entry(
        audit("panel", "declare"),
        Some(member.to_string()),
        summary,
        Outcome::Success,
    ))
    .await
}

/// After a member is recused (a declared conflict, or an applicant's request upheld): the
/// chair passes on, a replacement is drawn from the pool, the officers are told. Returns what
/// the audit summary adds.
pub(crate) async fn after_recusal(
    tx: &mut Uow,
    p: &ProjectRow,
    m: &MemberRow,
) -> Result<String, AppError> {
    let members = store::members(tx, p.id).await?;
    let apps = submitted(tx, p.id).await?;
    let seed = crate::security::random_hex(16)?;
    let added = replace(tx, p, &apps, &members, 1, &mut Draw::new(&seed)).await?;
    if m.chair {
        // The chair passes to the next expert, the replacement included (a representative
        // chairs only if no expert sits).
        let members = store::members(tx, p.id).await?;
        let sitting = |x: &&MemberRow| x.id != m.id && x.state != "recused";
        if let Some(next) = members
            .iter()
            .filter(sitting)
            .find(|x| x.kind == "expert")
            .or_else(|| members.iter().find(sitting))
        {
            store::set_chair(tx, p.id, next.id).await?;
        }
    }
    let officers =
        sanshe_store::inbox::staff_covering(tx, &p.district, &[sanshe_domain::Role::DistrictAdmin])
            .await?;
    inbox::notify(
        tx,
        &officers,
        "panel.recused",
        &p.data.title,
        &m.name,
        &format!("/purchase/projects/{}", p.id),
    )
    .await?;
    Ok(format!("; {added} replacement drawn (seed {seed})"))
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ScoreInput {
    /// Points per criterion key of the rubric.
    #[serde(default)]
    pub scores: Vec<(String, String)>,
    #[serde(default)]
    pub comment: String,
}

/// A member's score sheet for one application (replaced while the panel has not signed).
pub async fn score(
    app: &App,
    ctx: &Ctx,
    member: i64,
    application: i64,
    i: &ScoreInput,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    if !authz::can(actor, Perm::PanelServe) && !authz::can(actor, Perm::PurchaseManage) {
        return Err(AppError::Forbidden);
    }
    let mut errs = Vec::new();
    let comment = rules::text("comment", &i.comment, rules::NOTE_MAX, false)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = Uow::begin(app).await?;
    let project = store::member(&mut tx, member)
        .await?
        .ok_or(AppError::NotFound)?
        .project_id;
    // Lock the panel, then read: no sheet lands after the report is signed.
    store::lock_panel(&mut tx, project).await?;
    let m = store::member(&mut tx, member)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = pstore::get_project(&mut tx, m.project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !acts_for(actor, &m, &p) {
        return Err(AppError::Hidden);
    }
    let signed = store::panel(&mut tx, p.id)
        .await?
        .is_some_and(|x| x.signed_at.is_some());
    if p.state != "reviewing" || m.state != "cleared" || signed {
        return Err(AppError::Conflict(
            FieldError::new("", "err-score-not-open").arg("state", &m.state),
        ));
    }
    let a = pstore::get_application(&mut tx, application)
        .await?
        .filter(|a| a.project_id == p.id && a.state == "submitted")
        .ok_or(AppError::NotFound)?;
    // Each criterion up to the call's own weight.
    let mut points = Vec::new();
    let mut over = Vec::new();
    for (c, w) in DEFAULT_RUBRIC.iter().zip(domain::weights(&p.data.rubric)) {
        let v = i
            .scores
            .iter()
            .find(|(k, _)| k == c.key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        match domain::count(c.key, v, 0, w) {
            Ok(n) => points.push((c.key, n)),
            Err(_) => over.push(FieldError::new(c.key, "err-score-range").arg("max", w)),
        }
    }
    if !over.is_empty() {
        return Err(AppError::Invalid(over));
    }
    for (k, v) in &points {
        store::upsert_score(&mut tx, member, a.id, k, *v, &comment, &actor.username).await?;
    }
    let total: i64 = points.iter().map(|x| x.1).sum();
    tx.commit(ctx.audit_entry(
        audit("panel", "score"),
        Some(format!("{member}/{application}")),
        format!("{} — {} → {}: {total}", p.data.title, m.name, a.org_name),
        Outcome::Success,
    ))
    .await
}

/// One application's line of the panel report.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultLine {
    pub application: ApplicationRow,
    /// Totals of the members with a complete sheet, by member id.
    pub totals: Vec<(i64, i64)>,
    pub aggregate: Option<domain::Aggregate>,
    /// 优胜劣汰: points the call's history bonus and penalty add (or take) for this applicant.
    pub history: i64,
    /// The ranking score: the panel's aggregate plus the history points.
    pub score: Option<f64>,
    pub rank: Option<usize>,
    pub tie: bool,
}

/// One entered score: (member id, criterion key, points).
pub type SheetEntry = (i64, String, i64);

pub struct PanelView {
    pub panel: Option<PanelRow>,
    pub members: Vec<MemberRow>,
    /// The caller's own seat, when it sits on the panel.
    pub me: Option<MemberRow>,
    /// The report (officers; the panel once signed).
    pub results: Option<Vec<ResultLine>>,
    /// The applications a cleared member (or an officer) scores, with the sheets entered.
    pub to_score: Vec<(ApplicationRow, Vec<SheetEntry>)>,
    pub complete: bool,
    pub can_draw: bool,
    pub can_sign: bool,
    pub can_manage: bool,
    pub min_size: i64,
    pub trim_from: i64,
}

/// 优胜劣汰 in the ranking: each applicant's history points under the call's bonus and
/// penalty (none when the call sets neither) — as the panel signed them once it has, read
/// from the record until then.
async fn history_points(
    conn: &mut Conn,
    p: &ProjectRow,
    apps: &[ApplicationRow],
) -> Result<std::collections::HashMap<i64, i64>, AppError> {
    if p.data.history_bonus == 0 && p.data.history_penalty == 0 {
        return Ok(std::collections::HashMap::new());
    }
    let fixed = pstore::history_points(conn, p.id).await?;
    if !fixed.is_empty() {
        return Ok(fixed);
    }
    let mut out = std::collections::HashMap::new();
    let profile = crate::targets::profile_in(conn, p.year).await?;
    // As of the call's deadline, so the ranking signed and the ranking told stay the same.
    let today = p
        .deadline
        .clone()
        .unwrap_or_else(|| crate::calendar::today().to_string());
    for a in apps {
        let past = super::evaluations::record(conn, a.org_id).await?;
        let (points, _) = sanshe_domain::evaluation::history_adjust(
            &today,
            p.data.history_bonus,
            p.data.history_penalty,
            profile.evaluation_exclusion_years,
            &past,
        );
        out.insert(a.id, points);
    }
    Ok(out)
}

fn results(
    apps: &[ApplicationRow],
    members: &[MemberRow],
    scores: &[store::ScoreRow],
    trim_from: i64,
    history: &std::collections::HashMap<i64, i64>,
) -> (Vec<ResultLine>, bool) {
    let cleared: Vec<&MemberRow> = members.iter().filter(|m| m.state == "cleared").collect();
    let mut complete = true;
    let mut lines: Vec<ResultLine> = apps
        .iter()
        .map(|a| {
            let mut totals = Vec::new();
            for m in &cleared {
                let sheet: Vec<&store::ScoreRow> = scores
                    .iter()
                    .filter(|s| s.member_id == m.id && s.application_id == a.id)
                    .collect();
                if sheet.len() == DEFAULT_RUBRIC.len() {
                    totals.push((m.id, sheet.iter().map(|s| s.score).sum()));
                } else {
                    complete = false;
                }
            }
            let f: Vec<f64> = totals.iter().map(|t| t.1 as f64).collect();
            let aggregate = domain::aggregate(&f, trim_from.max(0) as usize);
            let history = history.get(&a.id).copied().unwrap_or(0);
            ResultLine {
                application: a.clone(),
                score: aggregate.as_ref().map(|g| g.score + history as f64),
                aggregate,
                history,
                totals,
                rank: None,
                tie: false,
            }
        })
        .collect();
    let ranked = domain::rank(
        &lines
            .iter()
            .filter_map(|l| l.score.map(|s| (l.application.id, s)))
            .collect::<Vec<_>>(),
    );
    for l in &mut lines {
        if let Some(r) = ranked.iter().find(|r| r.0 == l.application.id) {
            l.rank = Some(r.2);
            l.tie = r.3;
        }
    }
    lines.sort_by_key(|l| (l.rank.unwrap_or(usize::MAX), l.application.id));
    (lines, complete)
}

/// The ranked results of a project's panel (for the award and the applicants' notices).
pub async fn report(conn: &mut Conn, p: &ProjectRow) -> Result<Vec<ResultLine>, AppError> {
    let members = store::members(conn, p.id).await?;
    let apps = submitted(conn, p.id).await?;
    let scores = store::scores(conn, p.id).await?;
    let profile = crate::targets::profile_in(conn, p.year).await?;
    let history = history_points(conn, p, &apps).await?;
    Ok(results(
        &apps,
        &members,
        &scores,
        profile.purchase_trim_from,
        &history,
    )
    .0)
}

/// The panel of a project as the caller may see it.
pub async fn view(app: &App, ctx: &Ctx, p: &ProjectRow) -> Result<PanelView, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let panel = store::panel(&mut c, p.id).await?;
    let members = store::members(&mut c, p.id).await?;
    let can_manage = policy::may_manage(actor, &p.district);
    let me = members.iter().find(|m| own_seat(actor, m)).cloned();
    let profile = crate::targets::profile_in(&mut c, p.year).await?;
    let trim_from = profile.purchase_trim_from;
    let min_size = domain::min_panel(
        p.data.amount_fen,
        profile.purchase_panel_threshold_yuan.saturating_mul(100),
    );
    let apps = submitted(&mut c, p.id).await?;
    let scores = store::scores(&mut c, p.id).await?;
    let history = history_points(&mut c, p, &apps).await?;
    let (lines, complete) = results(&apps, &members, &scores, trim_from, &history);
    let complete = complete
        && panel.as_ref().is_some_and(|pn| {
            members.iter().filter(|m| m.state == "cleared").count() as i64 == pn.size
        });
    let signed = panel.as_ref().is_some_and(|pn| pn.signed_at.is_some());
    let sitting = me.as_ref().is_some_and(|m| m.state == "cleared");
    let to_score = if (sitting || can_manage) && panel.is_some() {
        apps.iter()
            .map(|a| {
                let mine = scores
                    .iter()
                    .filter(|s| {
                        s.application_id == a.id
                            && (me.as_ref().is_some_and(|m| m.id == s.member_id) || can_manage)
                    })
                    .map(|s| (s.member_id, s.criterion.clone(), s.score))
                    .collect();
                (a.clone(), mine)
            })
            .collect()
    } else {
        Vec::new()
    };
    let chair_is_me = me.as_ref().is_some_and(|m| m.chair && m.state == "cleared");
    // Experts score independently: the members see the report once it is signed.
    let visible = can_manage || (signed && me.is_some());
    Ok(PanelView {
        can_draw: can_manage
            && (p.state == "closed"
                || (p.state == "reviewing"
                    && panel
                        .as_ref()
                        .is_some_and(|pn| seats_filled(&members) < pn.size))),
        can_sign: p.state == "reviewing"
            && complete
            && !signed
            && (chair_is_me
                || (can_manage
                    && members
                        .iter()
                        .find(|m| m.chair && m.state == "cleared")
                        .is_none_or(|m| m.user_id.is_none()))),
        results: visible.then_some(lines),
        to_score,
        complete,
        can_manage,
        min_size,
        trim_from,
        panel,
        members: if can_manage || me.is_some() {
            members
        } else {
            Vec::new()
        },
        me,
    })
}

/// The chair (or an officer for the chair) signs the report: every seat cleared and every
/// sheet complete; the project moves to `reviewed`.
pub async fn sign(app: &App, ctx: &Ctx, project: i64) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    if !authz::can(actor, Perm::PanelServe) && !authz::can(actor, Perm::PurchaseManage) {
        return Err(AppError::Forbidden);
    }
    let mut tx = Uow::begin(app).await?;
    store::lock_panel(&mut tx, project).await?;
    let p = pstore::get_project(&mut tx, project)
        .await?
        .ok_or(AppError::NotFound)?;
    let members = store::members(&mut tx, project).await?;
    let chair = members.iter().find(|m| m.chair && m.state == "cleared");
    let is_chair = chair.is_some_and(|m| own_seat(actor, m));
    // The office signs only for a chair without an account.
    let for_chair =
        chair.is_none_or(|m| m.user_id.is_none()) && policy::may_manage(actor, &p.district);
    if !is_chair && !for_chair {
        return Err(AppError::Hidden);
    }
    let panel = store::panel(&mut tx, project)
        .await?
        .ok_or(AppError::NotFound)?;
    let apps = submitted(&mut tx, project).await?;
    let scores = store::scores(&mut tx, project).await?;
    let profile = crate::targets::profile_in(&mut tx, p.year).await?;
    let history = history_points(&mut tx, &p, &apps).await?;
    let (lines, complete) = results(
        &apps,
        &members,
        &scores,
        profile.purchase_trim_from,
        &history,
    );
    let cleared = members.iter().filter(|m| m.state == "cleared").count() as i64;
    if !complete || cleared != panel.size {
        return Err(AppError::Conflict(
            FieldError::new("", "err-panel-incomplete")
                .arg("cleared", cleared)
                .arg("size", panel.size),
        ));
    }
    let state = Projects::parse_state(&p.state)
        .ok_or_else(|| AppError::Internal(format!("project {project}: {}", p.state)))?;
    let at = At {
        id: project,
        version: p.version,
        state,
    };
    let signer = match chair {
        Some(c) if is_chair => c.name.clone(),
        Some(c) => format!("{} ({})", c.name, actor.display_name),
        None => actor.display_name.clone(),
    };
    let note = lines
        .iter()
        .map(|l| {
            format!(
                "{}. {} {:.2}",
                l.rank.unwrap_or(0),
                l.application.org_name,
                l.score.unwrap_or(0.0)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let to = workflow::transition::<Projects>(
        &mut tx,
        Table::Projects,
        actor,
        at,
        ProjectEvent::Report,
        &note,
    )
    .await?;
    store::sign(&mut tx, project, &signer, sanshe_store::audit::now()).await?;
    // The record's points are fixed as signed: a later view reads them, not the record.
    for (a, points) in &history {
        pstore::set_history_points(&mut tx, *a, *points).await?;
    }
    pstore::set_reviewed_on(&mut tx, project, &crate::calendar::today().to_string()).await?;
    let officers = sanshe_store::inbox::staff_covering(
        &mut tx,
        &p.district,
        &[sanshe_domain::Role::DistrictAdmin],
    )
    .await?;
    inbox::notify(
        &mut tx,
        &officers,
        "project.reviewed",
        &p.data.title,
        &note,
        &format!("/purchase/projects/{project}"),
    )
    .await?;
    workflow::commit::<Projects>(
        tx,
        ctx,
        project,
        &p.data.title,
        state,
        ProjectEvent::Report,
        to,
    )
    .await
}

/// Is the actor a cleared member of the project's panel (who may read its applications)?
pub async fn sits_cleared(conn: &mut Conn, project: i64, actor: &Actor) -> Result<bool, AppError> {
    if !authz::can(actor, Perm::PanelServe) || actor.user_id.is_none() {
        return Ok(false);
    }
    Ok(store::members(conn, project)
        .await?
        .iter()
        .any(|m| m.user_id == actor.user_id && m.state == "cleared"))
}

/// The projects an evaluator sits on.
pub async fn my_projects(conn: &mut Conn, actor: &Actor) -> Result<Vec<i64>, AppError> {
    match actor.user_id {
        Some(u) if authz::can(actor, Perm::PanelServe) => {
            Ok(store::projects_of_user(conn, u).await?)
        }
        _ => Ok(Vec::new()),
    }
}
