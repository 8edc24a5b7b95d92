//! Social organizations: registered ones (unified social credit code, GB 32100) and filed
//! community organizations (filing number); service domains, communities served, annual
//! results, blacklisting; incubation, federations and community-foundation fund ledgers.

use crate::authz::{self, Perm};
use crate::i18n::Tr;
use crate::registry::{
    field, field_a, scoped_within, texts, yuan, Cell, FilterDef, Input, ListQuery, Refs, Registry,
    RowParser, Section,
};
use crate::{Actor, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::registry::{
    org_kind_for_credit_type, ANNUAL_RESULT, ORG_KIND, ORG_STATUS, SERVICE_DOMAIN,
};
use sanshe_domain::{CreditCode, FieldError};
use sanshe_store::orgs::{self as store, FundEntry, OrgData, OrgFilter, OrgRow, OrgSort};
use sanshe_store::{Conn, PageReq, Paged, StoreError};

pub struct Orgs;

/// An organization as entered: the record and the communities it serves.
#[derive(Debug, Clone)]
pub struct OrgInput {
    pub data: OrgData,
    /// None: leave the communities served as they are (an empty cell); `无` or `-` clears.
    pub served: Option<Vec<String>>,
}

static FIELDS: [crate::registry::Field; 18] = [
    field_a(
        "name",
        "机构名称",
        &["名称", "组织名称", "社会组织名称"],
        true,
        Input::Text(200),
    ),
    field_a(
        "credit_code",
        "统一社会信用代码",
        &["信用代码", "社会信用代码", "uscc"],
        false,
        Input::Text(18),
    ),
    field_a("filing_no", "备案编号", &["备案号"], false, Input::Text(50)),
    field_a(
        "authority",
        "登记或备案机关",
        &["登记管理机关", "登记机关", "备案机关"],
        false,
        Input::Text(100),
    ),
    field_a(
        "kind",
        "组织类型",
        &["类型", "类别"],
        false,
        Input::Select(&ORG_KIND),
    ),
    field_a(
        "area",
        "所在区划",
        &["区划代码", "所属社区", "所属街道", "登记地"],
        true,
        Input::Area(&[]),
    ),
    field_a(
        "community_org",
        "社区社会组织",
        &["是否社区社会组织"],
        false,
        Input::Bool,
    ),
    field_a(
        "domains",
        "服务领域",
        &["领域"],
        false,
        Input::Multi(&SERVICE_DOMAIN),
    ),
    field_a("served", "服务社区", &["服务的社区"], false, Input::Areas),
    field_a(
        "head",
        "负责人",
        &["法定代表人", "负责人姓名"],
        false,
        Input::Text(50),
    ),
    field_a(
        "founded",
        "成立日期",
        &["成立时间", "登记日期"],
        false,
        Input::Date,
    ),
    field("address", "地址", false, Input::Text(200)),
    field_a(
        "staff",
        "专职人员数",
        &["专职人员", "工作人员数"],
        false,
        Input::Int(0, 100_000),
    ),
    field_a(
        "members",
        "成员数",
        &["会员数", "成员"],
        false,
        Input::Int(0, 10_000_000),
    ),
    field("status", "状态", false, Input::Select(&ORG_STATUS)),
    field_a(
        "annual_result",
        "年度报告结果",
        &["年检结果", "年报结果"],
        false,
        Input::Select(&ANNUAL_RESULT),
    ),
    field_a(
        "blacklisted_until",
        "限制期限至",
        &["黑名单期限", "失信期限至"],
        false,
        Input::Date,
    ),
    field_a(
        "blacklist_reason",
        "列入限制原因",
        &["黑名单原因"],
        false,
        Input::Text(200),
    ),
];

static FILTERS: [FilterDef; 5] = [
    FilterDef {
        key: "kind",
        input: Input::Select(&ORG_KIND),
    },
    FilterDef {
        key: "status",
        input: Input::Select(&ORG_STATUS),
    },
    FilterDef {
        key: "domain",
        input: Input::Select(&SERVICE_DOMAIN),
    },
    FilterDef {
        key: "community_org",
        input: Input::Bool,
    },
    FilterDef {
        key: "blacklisted",
        input: Input::Bool,
    },
];

fn labels(tr: &Tr, voc: &sanshe_domain::registry::Vocab, keys: &str) -> String {
    keys.split(',')
        .filter(|k| !k.is_empty())
        .map(|k| tr.t(&voc.label_key(k)).to_owned())
        .collect::<Vec<_>>()
        .join("、")
}

impl Registry for Orgs {
    const API_SEGMENT: &'static str = "organizations";
    const API_SCHEMA: &'static str = "Organization";
    const EXAMPLE: &'static [&'static str] = &[
        "示例社会工作服务中心",
        "52320412MJ000000XF",
        "",
        "常州市武进区民政局",
        "",
        "320412100",
        "否",
        "养老照护、为民服务",
        "",
        "张三",
        "2018-09-10",
        "示例路2号",
        "8",
        "20",
        "",
        "",
        "",
        "",
    ];
    type Data = OrgInput;
    type Row = OrgRow;
    const KIND: &'static str = "orgs";
    const OBJECT: &'static str = "organization";
    const READ: Perm = Perm::OrgRead;
    const WRITE: Perm = Perm::OrgWrite;
    const NEEDS_ORGS: bool = false;

    fn fields() -> &'static [crate::registry::Field] {
        &FIELDS
    }
    fn filters() -> &'static [FilterDef] {
        &FILTERS
    }
    fn sorts() -> &'static [&'static str] {
        &["name", "area", "founded", "staff", "updated"]
    }
    fn list_headers() -> &'static [&'static str] {
        &[
            "f-name",
            "col-org-key",
            "f-kind",
            "f-area",
            "f-domains",
            "f-status",
        ]
    }
    fn list_cells(tr: &Tr, r: &OrgRow) -> Vec<String> {
        let mut status = tr.t(&ORG_STATUS.label_key(&r.status)).to_owned();
        if let Some(u) = &r.blacklisted_until {
            if u.as_str() >= crate::registry::today().as_str() {
                status = format!(
                    "{status} · {}",
                    tr.f("org-blacklisted-until", &[("date", u)])
                );
            }
        }
        vec![
            r.name.clone(),
            r.credit_code
                .clone()
                .or_else(|| r.filing_no.clone())
                .unwrap_or_default(),
            tr.t(&ORG_KIND.label_key(&r.kind)).to_owned(),
            r.area_name.clone().unwrap_or_default(),
            labels(tr, &SERVICE_DOMAIN, &r.domains),
            status,
        ]
    }

    fn parse(
        _app: &App,
        actor: &Actor,
        refs: &Refs,
        cells: &[String],
        current: Option<&OrgRow>,
    ) -> Result<OrgInput, Vec<FieldError>> {
        let mut p = RowParser::new(&FIELDS, cells);
        let name = p.text("name", 200);
        let credit_raw = sanshe_domain::cell::normalize_text(p.raw("credit_code")).to_uppercase();
        let filing_no = p.opt_text("filing_no", 50);
        let authority = p.opt_text("authority", 100);
        let kind_given = if sanshe_domain::cell::normalize_text(p.raw("kind")).is_empty() {
            None
        } else {
            Some(p.vocab("kind", &ORG_KIND, None))
        };
        let mut credit_code = None;
        let mut kind = kind_given.clone().unwrap_or_default();
        let registered;
        if !credit_raw.is_empty() {
            registered = true;
            match CreditCode::parse_civil_affairs(&credit_raw) {
                Ok(c) => {
                    match (org_kind_for_credit_type(c.org_type()), &kind_given) {
                        (Some(k), Some(g)) if k != g => p.errors.push(
                            FieldError::new("kind", "err-org-kind-mismatch")
                                .arg("char", c.org_type()),
                        ),
                        (Some(k), _) => kind = k.to_owned(),
                        (None, None) => p.errors.push(FieldError::new("kind", "err-required")),
                        (None, Some(_)) => {}
                    }
                    credit_code = Some(c.as_str().to_owned());
                }
                Err(mut e) => {
                    e.field = "credit_code".into();
                    p.errors.push(e);
                }
            }
            if filing_no.is_some() {
                p.errors
                    .push(FieldError::new("filing_no", "err-org-both-keys"));
            }
        } else if filing_no.is_some() {
            registered = false;
            match kind_given.as_deref() {
                None | Some("community_org") => kind = "community_org".into(),
                Some(_) => p.errors.push(FieldError::new("kind", "err-org-filed-kind")),
            }
        } else {
            registered = false;
            p.errors
                .push(FieldError::new("credit_code", "err-org-key-required"));
        }
        let area = {
            let r = refs
                .area("area", p.raw("area"), &[])
                .map(|a| (a.code.clone(), a.level.clone()));
            p.take(r)
        };
        let community_default =
            kind == "community_org" || area.as_ref().is_some_and(|(_, l)| l == "community");
        let community_org = p.flag("community_org", community_default);
        let domains = p.vocab_list("domains", &SERVICE_DOMAIN);
        let served_raw = sanshe_domain::cell::normalize_text(p.raw("served"));
        let mut served = Vec::new();
        for part in served_raw
            .split([',', '，', '、', ';', '；', '/'])
            .map(str::trim)
            .filter(|s| !s.is_empty() && !matches!(*s, "无" | "-" | "none"))
        {
            match refs.area("served", part, &["community"]) {
                Ok(a) if !served.contains(&a.code) => served.push(a.code.clone()),
                Ok(_) => {}
                Err(e) => p.errors.push(e),
            }
        }
        let head = p.opt_text("head", 50);
        let founded = p.date("founded");
        let address = p.opt_text("address", 200);
        let staff = p.int("staff", 0, 100_000).unwrap_or(0);
        let members = p.int("members", 0, 10_000_000).unwrap_or(0);
        let mut status = p.vocab("status", &ORG_STATUS, Some("active"));
        let mut annual_result = p.vocab("annual_result", &ANNUAL_RESULT, Some("none"));
        let mut blacklisted_until = p.date("blacklisted_until");
        let mut blacklist_reason = p.opt_text("blacklist_reason", 200);
        if blacklisted_until.is_some() && blacklist_reason.is_none() {
            p.errors
                .push(FieldError::new("blacklist_reason", "err-required"));
        }
        // Status, annual results and blacklisting are supervision: an organization or a
        // community cannot change them; their values stay as they were.
        if !authz::can(actor, Perm::OrgSupervise) {
            match current {
                Some(c) => {
                    status = c.status.clone();
                    annual_result = c.annual_result.clone();
                    blacklisted_until = c.blacklisted_until.clone();
                    blacklist_reason = c.blacklist_reason.clone();
                }
                None => {
                    status = "active".into();
                    annual_result = "none".into();
                    blacklisted_until = None;
                    blacklist_reason = None;
                }
            }
        }
        let (area_code, _) = area.unwrap_or_default();
        p.finish(OrgInput {
            data: OrgData {
                name,
                kind,
                area_code: Some(area_code),
                registered,
                credit_code,
                filing_no,
                authority,
                head,
                founded,
                address,
                domains,
                staff,
                members,
                status,
                annual_result,
                blacklisted_until,
                blacklist_reason,
                community_org,
                demo: false,
            },
            served: if served_raw.is_empty() {
                None
            } else {
                Some(served)
            },
        })
    }

    fn keys(d: &OrgInput) -> Vec<String> {
        let mut k = vec![format!("name:{}", d.data.name)];
        if let Some(c) = &d.data.credit_code {
            k.push(format!("credit:{c}"));
        }
        if let Some(f) = &d.data.filing_no {
            k.push(format!("filing:{f}"));
        }
        k
    }
    fn data_area(d: &OrgInput) -> Option<&str> {
        d.data.area_code.as_deref()
    }
    fn summary(d: &OrgInput) -> String {
        format!(
            "{} ({}, {})",
            d.data.name,
            d.data
                .credit_code
                .as_deref()
                .or(d.data.filing_no.as_deref())
                .unwrap_or("-"),
            d.data.kind
        )
    }
    fn row_id(r: &OrgRow) -> i64 {
        r.id
    }
    fn row_area(r: &OrgRow) -> Option<&str> {
        r.area_code.as_deref()
    }
    fn row_label(r: &OrgRow) -> String {
        r.name.clone()
    }
    fn row_key(r: &OrgRow) -> String {
        match (&r.credit_code, &r.filing_no) {
            (Some(c), _) => format!("credit:{c}"),
            (None, Some(f)) => format!("filing:{f}"),
            _ => String::new(),
        }
    }
    fn cells(_app: &App, tr: &Tr, r: &OrgRow, _reveal: bool) -> Vec<String> {
        vec![
            r.name.clone(),
            r.credit_code.clone().unwrap_or_default(),
            r.filing_no.clone().unwrap_or_default(),
            r.authority.clone().unwrap_or_default(),
            tr.t(&ORG_KIND.label_key(&r.kind)).to_owned(),
            r.area_code.clone().unwrap_or_default(),
            crate::registry::yes_no(tr, r.community_org),
            labels(tr, &SERVICE_DOMAIN, &r.domains),
            String::new(),
            r.head.clone().unwrap_or_default(),
            r.founded.clone().unwrap_or_default(),
            r.address.clone().unwrap_or_default(),
            r.staff.to_string(),
            r.members.to_string(),
            tr.t(&ORG_STATUS.label_key(&r.status)).to_owned(),
            tr.t(&ANNUAL_RESULT.label_key(&r.annual_result)).to_owned(),
            r.blacklisted_until.clone().unwrap_or_default(),
            r.blacklist_reason.clone().unwrap_or_default(),
        ]
    }

    fn can_read(actor: &Actor, r: &OrgRow) -> bool {
        authz::can(actor, Perm::OrgRead)
            && match authz::own_org(actor) {
                Some(id) => id == r.id,
                None => authz::record_in_scope(actor, r.area_code.as_deref()),
            }
    }
    fn can_write(actor: &Actor, r: &OrgRow) -> bool {
        authz::can(actor, Perm::OrgWrite)
            && match authz::own_org(actor) {
                Some(id) => id == r.id,
                None => authz::record_in_scope(actor, r.area_code.as_deref()),
            }
    }
    fn can_create(actor: &Actor, area: Option<&str>) -> bool {
        authz::can(actor, Perm::OrgWrite)
            && authz::own_org(actor).is_none()
            && authz::record_in_scope(actor, area)
    }

    async fn existing(conn: &mut Conn) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(store::keys(conn)
            .await?
            .into_iter()
            .map(|(k, id)| (crate::registry::norm_key(k), id))
            .collect())
    }
    async fn existing_for(
        conn: &mut Conn,
        keys: &[String],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let vals: Vec<String> = keys
            .iter()
            .filter_map(|k| k.split_once(':').map(|(_, v)| v.to_owned()))
            .collect();
        Ok(store::keys_matching(conn, &vals)
            .await?
            .into_iter()
            .map(|(k, id)| (crate::registry::norm_key(k), id))
            .collect())
    }
    async fn insert(conn: &mut Conn, d: &OrgInput, demo: bool) -> Result<i64, StoreError> {
        let mut data = d.data.clone();
        data.demo = demo;
        let id = store::insert(conn, &data).await?;
        if let Some(served) = d.served.as_ref().filter(|s| !s.is_empty()) {
            store::set_communities(conn, id, served).await?;
        }
        Ok(id)
    }
    async fn update(conn: &mut Conn, id: i64, d: &OrgInput) -> Result<bool, StoreError> {
        let ok = store::update(conn, id, &d.data).await?;
        if let Some(served) = &d.served {
            store::set_communities(conn, id, served).await?;
        }
        Ok(ok)
    }
    async fn delete(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
        store::delete(conn, id).await
    }
    async fn get(conn: &mut Conn, id: i64) -> Result<Option<OrgRow>, StoreError> {
        store::get(conn, id).await
    }
    async fn list(
        _app: &App,
        conn: &mut Conn,
        actor: &Actor,
        q: &ListQuery,
        page: PageReq,
    ) -> Result<Paged<OrgRow>, AppError> {
        let own = authz::own_org(actor);
        let f = OrgFilter {
            within: if own.is_some() {
                None
            } else {
                scoped_within(actor, &q.within)
            },
            only_id: own,
            kind: q.choice("kind", &ORG_KIND),
            status: q.choice("status", &ORG_STATUS),
            domain: q.choice("domain", &SERVICE_DOMAIN),
            registered: q.flag("registered"),
            community_org: q.flag("community_org"),
            blacklisted: q.flag("blacklisted"),
            q: q.q.clone().filter(|s| !s.trim().is_empty()),
            today: crate::registry::today(),
        };
        Ok(store::list(conn, &f, OrgSort::parse(q.sort.as_deref()), page).await?)
    }
    async fn sections(_app: &App, conn: &mut Conn, r: &OrgRow) -> Result<Vec<Section>, AppError> {
        let mut out = Vec::new();
        let served = store::communities(conn, r.id).await?;
        out.push(Section {
            title_key: "org-served-title",
            headers: vec!["col-code", "col-name"],
            links: served.iter().map(|(c, _)| format!("/areas/{c}")).collect(),
            delete_links: vec![],
            export: None,
            rows: served.into_iter().map(|(c, n)| texts(vec![c, n])).collect(),
        });
        let inc = store::incubations(conn, None, Some(r.id)).await?;
        if !inc.is_empty() {
            out.push(Section {
                title_key: "org-incubation-title",
                headers: vec![
                    "col-entered",
                    "col-graduated",
                    "col-funds",
                    "col-training-hours",
                ],
                links: vec![],
                delete_links: vec![],
                export: None,
                rows: inc
                    .iter()
                    .map(|n| {
                        texts(vec![
                            n.entered.clone(),
                            n.graduated.clone().unwrap_or_default(),
                            yuan(n.funds_fen),
                            n.training_hours.to_string(),
                        ])
                    })
                    .collect(),
            });
        }
        if r.kind == "foundation" {
            let entries = store::fund_entries(conn, r.id).await?;
            out.push(Section {
                title_key: "org-fund-title",
                headers: vec![
                    "col-date",
                    "col-fund-kind",
                    "col-amount",
                    "col-balance",
                    "col-counterparty",
                ],
                links: vec![],
                delete_links: vec![],
                export: Some(format!("/orgs/{}/fund/export", r.id)),
                rows: entries
                    .iter()
                    .map(|e| {
                        vec![
                            Cell::Text(e.entry_date.clone()),
                            Cell::Key(
                                if e.kind == "income" {
                                    "fund-income"
                                } else {
                                    "fund-grant"
                                }
                                .to_owned(),
                            ),
                            Cell::Text(yuan(e.amount_fen)),
                            Cell::Text(yuan(e.balance_fen)),
                            Cell::Text(e.counterparty.clone().unwrap_or_default()),
                        ]
                    })
                    .collect(),
            });
        }
        Ok(out)
    }
}

/// Appends an income or a grant to a community foundation's ledger. The balance is
/// computed inside the transaction and can never go negative (a grant larger than the
/// balance is refused); entries are never edited or deleted.
/// A ledger entry as entered (text from a form or an API body).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct FundInput {
    /// `income` or `grant`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub date: String,
    /// Yuan, up to two decimals.
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub counterparty: String,
    #[serde(default)]
    pub memo: String,
}

pub async fn add_fund_entry(
    app: &App,
    ctx: &Ctx,
    org_id: i64,
    input: &FundInput,
) -> Result<i64, AppError> {
    let FundInput {
        kind,
        date,
        amount,
        counterparty,
        memo,
    } = input;
    let kind = kind.as_str();
    let actor = ctx.actor()?;
    authz::require(actor, Perm::OrgWrite)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let org = store::get(&mut tx, org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !Orgs::can_write(actor, &org) {
        return Err(AppError::Forbidden);
    }
    if org.kind != "foundation" {
        return Err(AppError::invalid(FieldError::new(
            "kind",
            "err-fund-not-foundation",
        )));
    }
    let mut errs = Vec::new();
    if kind != "income" && kind != "grant" {
        errs.push(FieldError::new("kind", "err-choice").arg("choices", "income、grant"));
    }
    let date = match crate::registry::opt_date("date", date) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errs.push(FieldError::new("date", "err-required"));
            None
        }
        Err(e) => {
            errs.push(e);
            None
        }
    };
    let amount_fen = match sanshe_domain::cell::parse_decimal_centi(amount) {
        Ok(Some(v)) if v > 0 && v <= 100_000_000_000 => Some(v),
        Ok(_) => {
            errs.push(
                FieldError::new("amount", "err-range")
                    .arg("min", "0.01")
                    .arg("max", 1_000_000_000),
            );
            None
        }
        Err(k) => {
            errs.push(FieldError::new("amount", k));
            None
        }
    };
    let counterparty = crate::registry::opt_text("counterparty", counterparty, 200);
    let memo = crate::registry::opt_text("memo", memo, 500);
    let (Some(date), Some(amount_fen), Ok(counterparty), Ok(memo)) =
        (date, amount_fen, counterparty.clone(), memo.clone())
    else {
        errs.extend(counterparty.err());
        errs.extend(memo.err());
        return Err(AppError::Invalid(errs));
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let delta = if kind == "income" {
        amount_fen
    } else {
        -amount_fen
    };
    let Some(new_balance) = store::move_fund_balance(&mut tx, org_id, delta).await? else {
        let balance = store::fund_balance(&mut tx, org_id).await?;
        return Err(AppError::invalid(
            FieldError::new("amount", "err-fund-insufficient").arg("balance", yuan(balance)),
        ));
    };
    let id = store::append_fund_entry(
        &mut tx,
        &FundEntry {
            id: 0,
            org_id,
            entry_date: date,
            kind: kind.into(),
            amount_fen,
            balance_fen: new_balance,
            counterparty,
            memo,
        },
    )
    .await?;
    tx.commit(ctx.audit_entry(
        Action::OrgFund,
        Some(org_id.to_string()),
        format!(
            "{kind} {} → balance {}",
            yuan(amount_fen),
            yuan(new_balance)
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// A foundation's whole ledger for a spreadsheet, if the actor may see the organization;
/// the export is audited.
pub async fn fund_ledger(
    app: &App,
    ctx: &Ctx,
    org_id: i64,
) -> Result<Vec<store::FundEntry>, AppError> {
    let org = crate::registry::get::<Orgs>(app, ctx, org_id).await?;
    if org.kind != "foundation" {
        return Err(AppError::NotFound);
    }
    let mut tx = crate::uow::Uow::begin(app).await?;
    let entries = store::fund_entries(&mut tx, org_id).await?;
    tx.commit(ctx.audit_entry(
        Action::OrgFundExport,
        Some(org_id.to_string()),
        format!("exported {} ledger entries of {}", entries.len(), org.name),
        Outcome::Success,
    ))
    .await?;
    Ok(entries)
}

// ---- incubation bases and federations ---------------------------------------------------------

/// A federation member: organization id, name, joining date.
pub type Member = (i64, String, Option<String>);

/// Incubation bases and federations within the actor's reach, with their organizations.
pub struct Networks {
    pub bases: Vec<(store::BaseRow, Vec<store::IncubationRow>)>,
    pub federations: Vec<(store::FederationRow, Vec<Member>)>,
    pub can_manage: bool,
}

pub async fn networks(app: &App, ctx: &Ctx) -> Result<Networks, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::OrgRead)?;
    if authz::own_org(actor).is_some() && !actor.is_cli {
        // An organization sees its own incubation and memberships on its own page.
        return Err(AppError::Forbidden);
    }
    let within = scoped_within(actor, &None);
    let mut c = app.db.acquire().await?;
    let mut bases = Vec::new();
    for b in store::bases(&mut c, within.as_deref()).await? {
        let inc = store::incubations(&mut c, Some(b.id), None).await?;
        bases.push((b, inc));
    }
    let mut federations = Vec::new();
    for f in store::federations(&mut c, within.as_deref()).await? {
        let m = store::federation_members(&mut c, f.id).await?;
        federations.push((f, m));
    }
    Ok(Networks {
        bases,
        federations,
        can_manage: authz::can(actor, Perm::OrgSupervise),
    })
}

/// The networks for a spreadsheet export, with the export recorded in the audit log.
pub async fn export_networks(app: &App, ctx: &Ctx) -> Result<Networks, AppError> {
    let n = networks(app, ctx).await?;
    let rows: usize = n.bases.iter().map(|(_, i)| i.len().max(1)).sum::<usize>()
        + n.federations
            .iter()
            .map(|(_, m)| m.len().max(1))
            .sum::<usize>();
    let tx = crate::uow::Uow::begin(app).await?;
    tx.commit(ctx.audit_entry(
        Action::NetworkExport,
        None,
        format!("exported {rows} rows of incubation bases and federations"),
        Outcome::Success,
    ))
    .await?;
    Ok(n)
}

/// What a supervisor records about incubation and federations (text from forms or JSON).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NetworkInput {
    /// `base`, `incubation`, `graduate`, `federation` or `member`.
    #[serde(default)]
    pub action: String,
    /// Street/town code (bases, federations).
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub date: String,
    /// Base, federation or incubation id the entry belongs to.
    #[serde(default)]
    pub parent: String,
    /// Organization by credit code, filing number or exact name.
    #[serde(default)]
    pub org: String,
    /// Support given: funds in yuan.
    #[serde(default)]
    pub funds: String,
    #[serde(default)]
    pub training_hours: String,
}

fn id_of(field: &str, v: &str) -> Result<i64, FieldError> {
    v.trim()
        .parse::<i64>()
        .map_err(|_| FieldError::new(field, "err-required"))
}

/// Adds a base, an incubated organization, a graduation, a federation or a member (street
/// and district supervisors, within their scope; audited).
pub async fn record_network(app: &App, ctx: &Ctx, input: &NetworkInput) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::OrgSupervise)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let refs = Refs::load(&mut tx, actor, true, false).await?;
    let street = |v: &str| {
        refs.area("area", v, &["street"])
            .map(|a| a.code.clone())
            .map_err(AppError::invalid)
    };
    let org = |v: &str| match refs.org("org", v) {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(AppError::invalid(FieldError::new("org", "err-required"))),
        Err(e) => Err(AppError::invalid(e)),
    };
    let date = |v: &str, required: bool| match crate::registry::opt_date("date", v) {
        Ok(None) if required => Err(AppError::invalid(FieldError::new("date", "err-required"))),
        Ok(d) => Ok(d),
        Err(e) => Err(AppError::invalid(e)),
    };
    let in_scope = |code: &str| -> Result<(), AppError> {
        if authz::record_in_scope(actor, Some(code)) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    };
    let network_action = sanshe_domain::audit::NetworkAction::parse(&input.action);
    let (id, summary) = match input.action.as_str() {
        "base" => {
            let area = street(&input.area)?;
            in_scope(&area)?;
            let name =
                crate::registry::text("name", &input.name, 100).map_err(AppError::invalid)?;
            let opened = date(&input.date, false)?;
            let id = store::insert_base(&mut tx, &area, &name, None, opened.as_deref(), 0, false)
                .await?;
            (id, format!("incubation base {name} ({area})"))
        }
        "incubation" => {
            let base = id_of("parent", &input.parent).map_err(AppError::invalid)?;
            let b = store::bases(&mut tx, None)
                .await?
                .into_iter()
                .find(|b| b.id == base)
                .ok_or(AppError::NotFound)?;
            in_scope(&b.area_code)?;
            let org_id = org(&input.org)?;
            let entered = date(&input.date, true)?.unwrap_or_default();
            let funds = match sanshe_domain::cell::parse_decimal_centi(&input.funds) {
                Ok(v) => v.unwrap_or(0).max(0),
                Err(k) => return Err(AppError::invalid(FieldError::new("funds", k))),
            };
            let hours =
                crate::registry::opt_int("training_hours", &input.training_hours, 0, 10_000)
                    .map_err(AppError::invalid)?
                    .unwrap_or(0);
            let id = store::insert_incubation(
                &mut tx,
                &store::IncubationRow {
                    id: 0,
                    base_id: base,
                    org_id,
                    org_name: String::new(),
                    entered,
                    graduated: None,
                    funds_fen: funds,
                    venue: true,
                    training_hours: hours,
                    notes: None,
                },
            )
            .await
            .map_err(|e| {
                if e.is_unique_violation() {
                    AppError::Conflict(
                        FieldError::new("org", "err-duplicate-record").arg("id", base),
                    )
                } else {
                    AppError::Store(e)
                }
            })?;
            (id, format!("organization {org_id} enters base {base}"))
        }
        "graduate" => {
            let id = id_of("parent", &input.parent).map_err(AppError::invalid)?;
            let d = date(&input.date, true)?.unwrap_or_default();
            let bases = store::bases(&mut tx, None).await?;
            let mut found = None;
            for b in &bases {
                if store::incubations(&mut tx, Some(b.id), None)
                    .await?
                    .iter()
                    .any(|n| n.id == id)
                {
                    found = Some(b.area_code.clone());
                }
            }
            in_scope(&found.ok_or(AppError::NotFound)?)?;
            if !store::graduate(&mut tx, id, &d).await? {
                return Err(AppError::Conflict(FieldError::new(
                    "date",
                    "err-already-graduated",
                )));
            }
            (id, format!("incubation {id} graduated {d}"))
        }
        "federation" => {
            let area = street(&input.area)?;
            in_scope(&area)?;
            let name =
                crate::registry::text("name", &input.name, 100).map_err(AppError::invalid)?;
            let founded = date(&input.date, false)?;
            let id =
                store::insert_federation(&mut tx, &area, &name, founded.as_deref(), false).await?;
            (id, format!("federation {name} ({area})"))
        }
        "member" => {
            let fed = id_of("parent", &input.parent).map_err(AppError::invalid)?;
            let f = store::federations(&mut tx, None)
                .await?
                .into_iter()
                .find(|f| f.id == fed)
                .ok_or(AppError::NotFound)?;
            in_scope(&f.area_code)?;
            let org_id = org(&input.org)?;
            let joined = date(&input.date, false)?;
            store::add_federation_member(&mut tx, fed, org_id, joined.as_deref())
                .await
                .map_err(|e| {
                    if e.is_unique_violation() {
                        AppError::Conflict(
                            FieldError::new("org", "err-duplicate-record").arg("id", fed),
                        )
                    } else {
                        AppError::Store(e)
                    }
                })?;
            (fed, format!("organization {org_id} joins federation {fed}"))
        }
        _ => {
            return Err(AppError::invalid(
                FieldError::new("action", "err-choice")
                    .arg("choices", "base、incubation、graduate、federation、member"),
            ))
        }
    };
    tx.commit(ctx.audit_entry(
        Action::Network(network_action.unwrap_or(sanshe_domain::audit::NetworkAction::Base)),
        Some(id.to_string()),
        summary,
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}
