//! Social organizations: registered ones (unified social credit code, GB 32100) and filed
//! community organizations (filing number); service domains, communities served, annual
//! results, blacklisting; incubation, federations and community-foundation fund ledgers.

use crate::authz::{self, Perm};
use crate::i18n::Tr;
use crate::registry::{
    field, field_a, scoped_within, texts, yuan, Cell, FilterDef, Input, ListQuery, Refs, Registry,
    RowParser, Section,
};
use crate::{Actor, App, AppError};
use sanshe_domain::registry::{
    org_kind_for_credit_type, ANNUAL_RESULT, ORG_KIND, ORG_STATUS, SERVICE_DOMAIN,
};
use sanshe_domain::{CreditCode, FieldError};
use sanshe_store::orgs::{self as store, OrgData, OrgFilter, OrgRow, OrgSort};
use sanshe_store::{Conn, PageReq, Paged, StoreError};

mod fund;
mod networks;

pub use fund::*;
pub use networks::*;

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
        let founded = p.past_date("founded");
        let address = p.opt_text("address", 200);
        let staff = p.int("staff", 0, 100_000).unwrap_or(0);
        let members = p.int("members", 0, 10_000_000).unwrap_or(0);
        let mut status = p.vocab("status", &ORG_STATUS, Some("active"));
        let mut annual_result = p.vocab("annual_result", &ANNUAL_RESULT, Some("none"));
        let mut blacklisted_until = p.date("blacklisted_until");
        let mut blacklist_reason = p.opt_text("blacklist_reason", 200);
        if blacklisted_until.is_some() && blacklist_reason.is_none() {
            p.errors
                .push(FieldError::new("blacklist_reason", "err-blacklist-reason"));
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
        let mut k = vec![format!(
            "name:{}",
            sanshe_domain::text::name_key(&d.data.name)
        )];
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

    async fn existing_for(
        conn: &mut Conn,
        keys: &[String],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(store::keys_for(conn, keys)
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
    async fn insert_batch(
        conn: &mut Conn,
        ds: &[OrgInput],
        demo: bool,
    ) -> Result<Vec<i64>, StoreError> {
        // One statement per few hundred organizations, then one per few hundred of the
        // communities they serve (not a statement per organization that names some).
        let data: Vec<OrgData> = ds
            .iter()
            .map(|d| OrgData {
                demo,
                ..d.data.clone()
            })
            .collect();
        let rows: Vec<(&OrgData, &[String])> = data
            .iter()
            .zip(ds)
            .map(|(o, d)| (o, d.served.as_deref().unwrap_or(&[])))
            .collect();
        store::insert_many_serving(conn, &rows).await
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
        let history = crate::purchase::history::lines(conn, r.id).await?;
        if !history.is_empty() {
            out.push(Section {
                title_key: "org-purchase-title",
                headers: vec![
                    "col-project",
                    "col-year",
                    "col-state",
                    "col-applied",
                    "col-contract",
                    "col-paid",
                    "delivery-activities",
                    "delivery-people",
                    "delivery-hours-total",
                    "col-reports",
                ],
                links: history
                    .iter()
                    .map(|h| format!("/purchase/projects/{}", h.project_id))
                    .collect(),
                delete_links: vec![],
                export: None,
                rows: history
                    .iter()
                    .map(|h| {
                        vec![
                            Cell::Text(h.project_title.clone()),
                            Cell::Text(h.year.to_string()),
                            Cell::Key(if h.awarded {
                                "history-awarded".to_owned()
                            } else {
                                format!("application-state-{}", h.application_state)
                            }),
                            Cell::Text(yuan(h.applied_fen)),
                            Cell::Text(if h.contract_id.is_some() {
                                yuan(h.contract_fen)
                            } else {
                                String::new()
                            }),
                            Cell::Text(if h.contract_id.is_some() {
                                yuan(h.paid_fen)
                            } else {
                                String::new()
                            }),
                            Cell::Text(h.delivery.activities.to_string()),
                            Cell::Text(format!("{}/{}", h.delivery.direct, h.delivery.indirect)),
                            Cell::Text(crate::purchase::delivery::hours_text(
                                h.delivery.hours_tenths,
                            )),
                            Cell::Text(format!("{}✓ {}↩", h.reports_accepted, h.reports_returned)),
                        ]
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
