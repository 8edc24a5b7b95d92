//! Social workers and community posts. ID and phone numbers are personal data: stored
//! SM4-encrypted with an HMAC-SM3 blind index for exact look-up, shown masked everywhere
//! unless a role allowed to see them asks, and every such reveal is audited.

use crate::authz::{self, Perm};
use crate::i18n::Tr;
use crate::registry::{
    field, field_a, scoped_within, texts, yuan, Cell, FilterDef, Input, ListQuery, Refs, Registry,
    RowParser, Section,
};
use crate::{Actor, App, AppError};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::registry::{CERT_LEVEL, EMPLOYER_KIND, WORKER_STATUS};
use sanshe_domain::{cell, CitizenId, FieldError, Phone};
use sanshe_io::RowIssue;
use sanshe_store::workers::{
    self as store, PostFilter, PostRow, Registration, WorkerData, WorkerFilter, WorkerRow,
    WorkerSort,
};
use sanshe_store::{Conn, PageReq, Paged, StoreError};

pub struct Workers;

/// A worker as entered: the record and, optionally, a new registration period.
#[derive(Debug, Clone)]
pub struct WorkerInput {
    pub data: WorkerData,
    pub registration: Option<(String, String, Option<String>)>,
}

static FIELDS: [crate::registry::Field; 15] = [
    field_a("name", "姓名", &["社工姓名"], true, Input::Text(50)),
    field_a(
        "id_number",
        "身份证号",
        &["身份证号码", "公民身份号码", "证件号码", "身份证"],
        true,
        Input::Secret,
    ),
    field_a(
        "phone",
        "联系电话",
        &["手机", "手机号", "电话", "手机号码"],
        false,
        Input::Secret,
    ),
    field_a(
        "area",
        "所在社区",
        &["所属社区", "工作社区", "区划代码"],
        false,
        Input::Area(&[]),
    ),
    field_a(
        "employer",
        "工作单位",
        &["单位", "所在机构"],
        false,
        Input::Org,
    ),
    field(
        "employer_kind",
        "单位类型",
        false,
        Input::Select(&EMPLOYER_KIND),
    ),
    field_a(
        "cert_level",
        "证书等级",
        &["职业水平等级", "资格等级", "证书级别"],
        false,
        Input::Select(&CERT_LEVEL),
    ),
    field_a("cert_no", "证书编号", &["证书号"], false, Input::Text(50)),
    field_a(
        "cert_year",
        "取证年份",
        &["取得证书年份", "发证年份"],
        false,
        Input::Int(1990, 2100),
    ),
    field_a(
        "committee_member",
        "社区两委成员",
        &["两委成员", "是否两委成员"],
        false,
        Input::Bool,
    ),
    field_a(
        "fulltime",
        "专职社区工作者",
        &["是否专职"],
        false,
        Input::Bool,
    ),
    field_a(
        "project_staff",
        "项目人员",
        &["是否项目人员"],
        false,
        Input::Bool,
    ),
    field_a(
        "registration_start",
        "注册日期",
        &["登记日期", "注册时间"],
        false,
        Input::Date,
    ),
    field_a(
        "registration_no",
        "注册证号",
        &["登记证号", "注册编号"],
        false,
        Input::Text(50),
    ),
    field("status", "状态", false, Input::Select(&WORKER_STATUS)),
];

static FILTERS: [FilterDef; 6] = [
    FilterDef {
        key: "cert_level",
        input: Input::Select(&CERT_LEVEL),
    },
    FilterDef {
        key: "certified",
        input: Input::Bool,
    },
    FilterDef {
        key: "committee_member",
        input: Input::Bool,
    },
    FilterDef {
        key: "status",
        input: Input::Select(&WORKER_STATUS),
    },
    FilterDef {
        key: "expiring",
        input: Input::Bool,
    },
    FilterDef {
        key: "cpd_short",
        input: Input::Bool,
    },
];

/// Registration periods ending within this many days are flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 90;

fn expiry_date() -> String {
    let (y, m, d) = crate::registry::today_tuple();
    cell::date_to_string(cell::civil_from_days(
        cell::days_from_civil(y, m, d) + EXPIRY_WARNING_DAYS,
    ))
}

fn is_masked(v: &str) -> bool {
    v.contains('*')
}

impl Registry for Workers {
    type Data = WorkerInput;
    type Row = WorkerRow;
    const KIND: &'static str = "workers";
    const OBJECT: &'static str = "social_worker";
    const READ: Perm = Perm::WorkerRead;
    const WRITE: Perm = Perm::WorkerWrite;
    const NEEDS_ORGS: bool = true;

    fn fields() -> &'static [crate::registry::Field] {
        &FIELDS
    }
    fn filters() -> &'static [FilterDef] {
        &FILTERS
    }
    fn sorts() -> &'static [&'static str] {
        &["name", "area", "cert_year", "registration_end", "updated"]
    }
    fn list_headers() -> &'static [&'static str] {
        &[
            "f-name",
            "f-id_number",
            "f-area",
            "f-cert_level",
            "col-registration-end",
            "col-cpd-hours",
        ]
    }
    fn list_cells(tr: &Tr, r: &WorkerRow) -> Vec<String> {
        let mut reg = r.registration_end.clone().unwrap_or_default();
        if !reg.is_empty() {
            if reg < crate::registry::today() {
                reg = format!("{reg} · {}", tr.t("worker-expired"));
            } else if reg <= expiry_date() {
                reg = format!("{reg} · {}", tr.t("worker-expiring"));
            }
        }
        vec![
            r.name.clone(),
            r.id_masked.clone(),
            r.area_name
                .clone()
                .or_else(|| r.employer_name.clone())
                .unwrap_or_default(),
            tr.t(&CERT_LEVEL.label_key(&r.cert_level)).to_owned(),
            reg,
            format!("{:.1}", r.cpd_tenths as f64 / 10.0),
        ]
    }

    fn parse(
        app: &App,
        actor: &Actor,
        refs: &Refs,
        cells: &[String],
        current: Option<&WorkerRow>,
    ) -> Result<WorkerInput, Vec<FieldError>> {
        let mut p = RowParser::new(&FIELDS, cells);
        let name = p.text("name", 50);
        let id_raw = cell::fix_excel_id(p.raw("id_number"));
        let mut id = None;
        let mut kept_id = None;
        match current {
            Some(c) if is_masked(&id_raw) && id_raw == c.id_masked => kept_id = Some(c),
            _ => match CitizenId::parse(&id_raw, refs.today) {
                Ok(v) => id = Some(v),
                Err(mut e) => {
                    e.field = "id_number".into();
                    p.errors.push(e);
                }
            },
        }
        let phone_raw = cell::normalize_text(p.raw("phone"));
        let mut phone = None;
        let mut kept_phone = None;
        match current {
            Some(c)
                if is_masked(&phone_raw)
                    && c.phone_masked.as_deref() == Some(phone_raw.as_str()) =>
            {
                kept_phone = Some(c)
            }
            _ if phone_raw.is_empty() => {}
            _ => match Phone::parse(&phone_raw) {
                Ok(v) => phone = Some(v),
                Err(e) => p.errors.push(e),
            },
        }
        let area = if cell::normalize_text(p.raw("area")).is_empty() {
            None
        } else {
            let r = refs
                .area("area", p.raw("area"), &[])
                .map(|a| a.code.clone());
            p.take(r)
        };
        let mut employer = {
            let r = refs.org("employer", p.raw("employer"));
            p.take(r).flatten()
        };
        if let Some(own) = authz::own_org(actor) {
            // An organization's (or its worker's) records stay with that organization.
            employer = Some(current.and_then(|c| c.employer_org_id).unwrap_or(own));
        }
        let default_kind = if employer.is_some() {
            "social_work_org"
        } else {
            "committee"
        };
        let employer_kind = p.vocab("employer_kind", &EMPLOYER_KIND, Some(default_kind));
        let cert_level = p.vocab("cert_level", &CERT_LEVEL, Some("none"));
        let cert_no = p.opt_text("cert_no", 50);
        let cert_year = p.int("cert_year", 1990, i64::from(refs.today.0));
        if cert_level != "none"
            && cert_year.is_none()
            && !p.errors.iter().any(|e| e.field == "cert_year")
        {
            p.errors.push(FieldError::new("cert_year", "err-required"));
        }
        let committee_member = p.flag("committee_member", false);
        let fulltime = p.flag("fulltime", false);
        let project_staff = p.flag("project_staff", false);
        let reg_start = p.date("registration_start");
        let reg_no = p.opt_text("registration_no", 50);
        let status = p.vocab("status", &WORKER_STATUS, Some("active"));
        if reg_start.is_some() && cert_level == "none" {
            p.errors.push(FieldError::new(
                "registration_start",
                "err-worker-registration-cert",
            ));
        }
        let registration = reg_start.and_then(|s| {
            let end = crate::registry::add_years(&s, refs.registration_years)?;
            // The period ends the day before the anniversary.
            let (y, m, d) = cell::parse_date(&end).ok().flatten()?;
            let end =
                cell::date_to_string(cell::civil_from_days(cell::days_from_civil(y, m, d) - 1));
            Some((s, end, reg_no))
        });
        let enc = |v: &str| app.pii.encrypt(v);
        let mut data = WorkerData {
            name,
            employer_kind,
            cert_level,
            cert_no,
            cert_year,
            committee_member,
            fulltime,
            project_staff,
            status,
            area_code: area,
            employer_org_id: employer,
            ..Default::default()
        };
        if let Some(c) = kept_id {
            // Unchanged: keep the stored ciphertext and derived facts.
            let (cipher, blind) = (c.id_cipher.clone(), String::new());
            data.id_cipher = cipher;
            data.id_blind = blind;
            data.id_masked = c.id_masked.clone();
            data.gender = c.gender.clone();
            data.birth_date = c.birth_date.clone();
        }
        if let Some(id) = &id {
            match (enc(id.as_str()), app.pii.blind("id", id.as_str())) {
                (Ok(c), Ok(b)) => {
                    data.id_cipher = c;
                    data.id_blind = b;
                }
                _ => p.errors.push(FieldError::new("id_number", "err-internal")),
            }
            data.id_masked = id.masked();
            data.gender = id.gender().as_str().to_owned();
            data.birth_date = cell::date_to_string(id.birth_date());
        }
        if let Some(c) = kept_phone {
            data.phone_cipher = c.phone_cipher.clone();
            data.phone_masked = c.phone_masked.clone();
        }
        if let Some(ph) = &phone {
            match (enc(ph.as_str()), app.pii.blind("phone", ph.as_str())) {
                (Ok(c), Ok(b)) => {
                    data.phone_cipher = Some(c);
                    data.phone_blind = Some(b);
                }
                _ => p.errors.push(FieldError::new("phone", "err-internal")),
            }
            data.phone_masked = Some(ph.masked());
        }
        p.finish(WorkerInput { data, registration })
    }

    fn keys(d: &WorkerInput) -> Vec<String> {
        // Empty when an edit kept the ID number (its blind index is filled in on write).
        if d.data.id_blind.is_empty() {
            vec![]
        } else {
            vec![d.data.id_blind.clone()]
        }
    }
    fn data_area(d: &WorkerInput) -> Option<&str> {
        d.data.area_code.as_deref()
    }
    fn summary(d: &WorkerInput) -> String {
        format!(
            "{} ({}, {})",
            d.data.name, d.data.id_masked, d.data.cert_level
        )
    }
    fn row_id(r: &WorkerRow) -> i64 {
        r.id
    }
    fn row_area(r: &WorkerRow) -> Option<&str> {
        r.area_code.as_deref()
    }
    fn row_label(r: &WorkerRow) -> String {
        format!("{} ({})", r.name, r.id_masked)
    }
    fn row_key(r: &WorkerRow) -> String {
        r.id_masked.clone()
    }
    fn cells(app: &App, tr: &Tr, r: &WorkerRow, reveal: bool) -> Vec<String> {
        let show = |cipher: Option<&str>, masked: Option<&str>| -> String {
            match (reveal, cipher) {
                (true, Some(c)) => app
                    .pii
                    .decrypt(c)
                    .unwrap_or_else(|_| masked.unwrap_or_default().to_owned()),
                _ => masked.unwrap_or_default().to_owned(),
            }
        };
        vec![
            r.name.clone(),
            show(Some(&r.id_cipher), Some(&r.id_masked)),
            show(r.phone_cipher.as_deref(), r.phone_masked.as_deref()),
            r.area_code.clone().unwrap_or_default(),
            r.employer_name.clone().unwrap_or_default(),
            tr.t(&EMPLOYER_KIND.label_key(&r.employer_kind)).to_owned(),
            tr.t(&CERT_LEVEL.label_key(&r.cert_level)).to_owned(),
            r.cert_no.clone().unwrap_or_default(),
            r.cert_year.map(|y| y.to_string()).unwrap_or_default(),
            crate::registry::yes_no(tr, r.committee_member),
            crate::registry::yes_no(tr, r.fulltime),
            crate::registry::yes_no(tr, r.project_staff),
            String::new(),
            String::new(),
            tr.t(&WORKER_STATUS.label_key(&r.status)).to_owned(),
        ]
    }

    fn can_read(actor: &Actor, r: &WorkerRow) -> bool {
        authz::can(actor, Perm::WorkerRead) && worker_reach(actor, r)
    }
    fn can_write(actor: &Actor, r: &WorkerRow) -> bool {
        authz::can(actor, Perm::WorkerWrite) && worker_reach(actor, r)
    }
    fn can_create(actor: &Actor, area: Option<&str>) -> bool {
        authz::can(actor, Perm::WorkerWrite)
            && actor.role != sanshe_domain::Role::SocialWorker
            && (authz::own_org(actor).is_some() || authz::record_in_scope(actor, area))
    }

    async fn existing(conn: &mut Conn) -> Result<Vec<(String, i64)>, StoreError> {
        store::blind_keys(conn).await
    }
    async fn existing_for(
        conn: &mut Conn,
        keys: &[String],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        store::blind_keys_for(conn, keys).await
    }
    async fn insert(conn: &mut Conn, d: &WorkerInput, demo: bool) -> Result<i64, StoreError> {
        let mut data = d.data.clone();
        data.demo = demo;
        let id = store::insert(conn, &data).await?;
        if let Some((s, e, n)) = &d.registration {
            store::add_registration(
                conn,
                &Registration {
                    id: 0,
                    worker_id: id,
                    start_date: s.clone(),
                    end_date: e.clone(),
                    number: n.clone(),
                },
            )
            .await?;
        }
        Ok(id)
    }
    async fn update(conn: &mut Conn, id: i64, d: &WorkerInput) -> Result<bool, StoreError> {
        let mut data = d.data.clone();
        if data.id_blind.is_empty() {
            // The ID number was left as it was: keep its blind index.
            data.id_blind = store::blind_of(conn, id).await?.unwrap_or_default();
        }
        if data.phone_cipher.is_some() && data.phone_blind.is_none() {
            data.phone_blind = store::phone_blind_of(conn, id).await?;
        }
        let ok = store::update(conn, id, &data).await?;
        if let Some((s, e, n)) = &d.registration {
            let regs = store::registrations(conn, id).await?;
            if !regs.iter().any(|r| &r.start_date == s) {
                store::add_registration(
                    conn,
                    &Registration {
                        id: 0,
                        worker_id: id,
                        start_date: s.clone(),
                        end_date: e.clone(),
                        number: n.clone(),
                    },
                )
                .await?;
            }
        }
        Ok(ok)
    }
    async fn delete(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
        store::delete(conn, id).await
    }
    async fn get(conn: &mut Conn, id: i64) -> Result<Option<WorkerRow>, StoreError> {
        store::get(conn, id, &crate::registry::today()).await
    }
    async fn list(
        app: &App,
        conn: &mut Conn,
        actor: &Actor,
        q: &ListQuery,
        page: PageReq,
    ) -> Result<Paged<WorkerRow>, AppError> {
        let mut f = WorkerFilter {
            cert_level: q.choice("cert_level", &CERT_LEVEL),
            certified: q.flag("certified"),
            committee_member: q.flag("committee_member"),
            status: q.choice("status", &WORKER_STATUS),
            expiring_by: q.flag("expiring").filter(|b| *b).map(|_| expiry_date()),
            q: q.q.clone().filter(|s| !s.trim().is_empty()),
            ..Default::default()
        };
        if q.flag("cpd_short") == Some(true) {
            // This year's policy profile sets the hours per level.
            let p = crate::targets::profile_in(conn, crate::current_year()).await?;
            let tenths = |level: &str| (p.cpd_required(level) * 10.0).round() as i64;
            f.cpd_short = Some((
                tenths("assistant"),
                tenths("intermediate"),
                tenths("senior"),
            ));
        }
        // An exact ID or phone number searches the blind index instead of names.
        if let Some(v) = &f.q {
            let id = cell::fix_excel_id(v);
            if let Ok(c) = CitizenId::parse(&id, crate::registry::today_tuple()) {
                f.id_blind = Some(crate::registry::pii_blind(app, actor, "id", c.as_str())?);
                f.q = None;
            } else if let Ok(ph) = Phone::parse(v) {
                f.phone_blind = Some(crate::registry::pii_blind(
                    app,
                    actor,
                    "phone",
                    ph.as_str(),
                )?);
                f.q = None;
            }
        }
        match (actor.role, authz::own_org(actor)) {
            (sanshe_domain::Role::SocialWorker, _) if !actor.is_cli => {
                f.user_id = Some(actor.user_id.unwrap_or(-1))
            }
            (_, Some(org)) => f.employer = Some(org),
            _ => f.within = scoped_within(actor, &q.within),
        }
        Ok(store::list(
            conn,
            &f,
            WorkerSort::parse(q.sort.as_deref()),
            &crate::registry::today(),
            page,
        )
        .await?)
    }
    async fn sections(app: &App, conn: &mut Conn, r: &WorkerRow) -> Result<Vec<Section>, AppError> {
        let regs = store::registrations(conn, r.id).await?;
        let cpd = store::cpd_entries(conn, r.id).await?;
        let subs = store::subsidies(conn, r.id).await?;
        let year = crate::current_year();
        let profile = crate::targets::profile(app, year).await?;
        let today = crate::registry::today();
        let mut out = vec![Section {
            title_key: "worker-registrations-title",
            headers: vec![
                "col-start",
                "col-end",
                "col-number",
                "col-cpd-hours",
                "col-cpd-required",
            ],
            links: vec![],
            delete_links: vec![],
            export: None,
            rows: regs
                .iter()
                .map(|g| {
                    let tenths: i64 = cpd
                        .iter()
                        .filter(|c| c.entry_date >= g.start_date && c.entry_date <= g.end_date)
                        .map(|c| c.hours_tenths)
                        .sum();
                    let end = if g.end_date < today {
                        Cell::Flagged(g.end_date.clone(), "worker-expired")
                    } else {
                        Cell::Text(g.end_date.clone())
                    };
                    vec![
                        Cell::Text(g.start_date.clone()),
                        end,
                        Cell::Text(g.number.clone().unwrap_or_default()),
                        Cell::Text(format!("{:.1}", tenths as f64 / 10.0)),
                        Cell::Text(format!("{}", profile.cpd_required(&r.cert_level))),
                    ]
                })
                .collect(),
        }];
        out.push(Section {
            title_key: "worker-cpd-title",
            headers: vec!["col-date", "col-hours", "col-topic", "col-provider"],
            links: vec![],
            delete_links: vec![],
            export: None,
            rows: cpd
                .iter()
                .map(|c| {
                    texts(vec![
                        c.entry_date.clone(),
                        format!("{:.1}", c.hours_tenths as f64 / 10.0),
                        c.topic.clone(),
                        c.provider.clone().unwrap_or_default(),
                    ])
                })
                .collect(),
        });
        out.push(Section {
            title_key: "worker-subsidies-title",
            headers: vec!["col-year", "col-amount", "col-paid-on"],
            links: vec![],
            delete_links: vec![],
            export: None,
            rows: subs
                .iter()
                .map(|x| {
                    texts(vec![
                        x.year.to_string(),
                        yuan(x.amount_fen),
                        x.paid_on.clone().unwrap_or_default(),
                    ])
                })
                .collect(),
        });
        Ok(out)
    }
}

fn worker_reach(actor: &Actor, r: &WorkerRow) -> bool {
    reach(actor, r.user_id, r.employer_org_id, r.area_code.as_deref())
}

/// Whose worker records an actor reaches: a social worker their own, an organization its
/// employees, staff those in their area; the CLI all.
fn reach(actor: &Actor, user_id: Option<i64>, employer: Option<i64>, area: Option<&str>) -> bool {
    if actor.is_cli {
        return true;
    }
    if actor.role == sanshe_domain::Role::SocialWorker {
        return actor.user_id.is_some() && user_id == actor.user_id;
    }
    if let Some(org) = authz::own_org(actor) {
        return employer == Some(org);
    }
    authz::record_in_scope(actor, area)
}

/// Adds CPD hours to a worker's ledger (audited).
pub async fn add_cpd(
    app: &App,
    ctx: &crate::Ctx,
    worker_id: i64,
    date: &str,
    hours: &str,
    topic: &str,
    provider: &str,
) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::WorkerWrite)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let w = Workers::get(&mut tx, worker_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !Workers::can_write(actor, &w) {
        return Err(AppError::Forbidden);
    }
    let (date, tenths, topic, provider) =
        check_cpd(date, hours, topic, provider).map_err(AppError::Invalid)?;
    let id = store::add_cpd(
        &mut tx,
        &store::CpdEntry {
            id: 0,
            worker_id,
            entry_date: date.clone(),
            hours_tenths: tenths,
            topic: topic.clone(),
            provider,
        },
    )
    .await?
    .ok_or_else(|| {
        AppError::Conflict(FieldError::new("topic", "err-cpd-duplicate").arg("date", &date))
    })?;
    tx.commit(ctx.audit_entry(
        Action::WorkerCpd,
        Some(worker_id.to_string()),
        format!("CPD {date} {:.1} h: {topic}", tenths as f64 / 10.0),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// One CPD entry's values checked: date (not in the future), hours (0.1–1000, one
/// decimal; stored in tenths), topic, provider.
pub fn check_cpd(
    date: &str,
    hours: &str,
    topic: &str,
    provider: &str,
) -> Result<(String, i64, String, Option<String>), Vec<FieldError>> {
    let mut errs = Vec::new();
    let date = match crate::registry::opt_date("date", date) {
        Ok(Some(d)) if d <= crate::registry::today() => Some(d),
        Ok(Some(_)) => {
            errs.push(FieldError::new("date", "err-date-future"));
            None
        }
        Ok(None) => {
            errs.push(FieldError::new("date", "err-required"));
            None
        }
        Err(e) => {
            errs.push(e);
            None
        }
    };
    // Hours with one decimal: parse as hundredths and require a multiple of ten.
    let tenths = match cell::parse_decimal_centi(hours) {
        Ok(Some(c)) if c > 0 && c <= 100_000 && c % 10 == 0 => Some(c / 10),
        Ok(Some(_)) | Ok(None) => {
            errs.push(
                FieldError::new("hours", "err-range")
                    .arg("min", "0.1")
                    .arg("max", 1000),
            );
            None
        }
        Err(k) => {
            errs.push(FieldError::new("hours", k));
            None
        }
    };
    let topic = crate::registry::text("topic", topic, 200)
        .map_err(|e| errs.push(e))
        .ok();
    let provider = crate::registry::opt_text("provider", provider, 200)
        .map_err(|e| errs.push(e))
        .ok()
        .flatten();
    let (Some(date), Some(tenths), Some(topic)) = (date, tenths, topic) else {
        return Err(errs);
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok((date, tenths, topic, provider))
}

/// The columns of a CPD attendance sheet (what training providers hand to streets): one row
/// per person and course.
pub static CPD_FIELDS: [crate::registry::Field; 5] = [
    field_a(
        "id_number",
        "身份证号",
        &["身份证号码", "公民身份号码", "证件号码", "身份证"],
        true,
        Input::Secret,
    ),
    field_a(
        "date",
        "培训日期",
        &["日期", "学习日期", "培训时间"],
        true,
        Input::Date,
    ),
    field_a(
        "hours",
        "学时",
        &["学时数", "继续教育学时", "培训学时", "课时"],
        true,
        Input::Decimal,
    ),
    field_a(
        "topic",
        "培训内容",
        &["课程名称", "培训主题", "内容", "课程"],
        true,
        Input::Text(200),
    ),
    field_a(
        "provider",
        "培训机构",
        &["主办单位", "举办单位"],
        false,
        Input::Text(200),
    ),
];

/// Imports CPD hours from an attendance sheet. Every row is checked first (ID number of a
/// registered worker the importer may write to, date, hours, topic; the same person, date
/// and topic twice in the file or already in the ledger is reported); by default nothing is
/// written unless every row is valid. One audit entry per import.
pub async fn import_cpd(
    app: &App,
    ctx: &crate::Ctx,
    bytes: &[u8],
    opts: crate::areas::ImportOptions,
) -> Result<crate::areas::ImportReport, AppError> {
    use std::collections::HashMap;
    let actor = ctx.actor()?;
    authz::require(actor, Perm::WorkerWrite)?;
    let mut report = crate::areas::ImportReport {
        dry_run: opts.dry_run,
        ..Default::default()
    };
    let spec = crate::registry::columns(&CPD_FIELDS);
    let sheet = match sanshe_io::sheet::read(bytes, &spec) {
        Ok(s) => s,
        Err(issue) => {
            report.issues.push(issue);
            return Ok(report);
        }
    };
    report.total_rows = sheet.rows.len();
    let today = crate::registry::today_tuple();
    // Each row's ID number checked once, to its blind index; only the people on the sheet
    // are looked up, and only their ledgers.
    let mut row_blinds: Vec<Result<String, FieldError>> = Vec::new();
    for row in &sheet.rows {
        row_blinds.push(
            match CitizenId::parse(&cell::fix_excel_id(row.get(0)), today) {
                Ok(id) => Ok(app
                    .pii
                    .blind("id", id.as_str())
                    .map_err(|e| AppError::Internal(e.to_string()))?),
                Err(mut e) => {
                    e.field = "id_number".into();
                    Err(e)
                }
            },
        );
    }
    let mut blinds: Vec<String> = row_blinds.iter().flatten().cloned().collect();
    blinds.sort();
    blinds.dedup();
    let mut conn = app.db.acquire().await?;
    let workers: HashMap<String, store::ReachKey> = store::reach_keys(&mut conn, &blinds)
        .await?
        .into_iter()
        .map(|k| (k.0.clone(), k))
        .collect();
    let ids: Vec<i64> = workers.values().map(|k| k.1).collect();
    let existing: std::collections::HashSet<(i64, String, String)> =
        store::cpd_keys(&mut conn, &ids)
            .await?
            .into_iter()
            .collect();
    drop(conn);
    let col = |field: &str| -> String {
        spec.iter()
            .position(|c| c.key == field)
            .map(|i| sheet.header(&spec, i))
            .unwrap_or_default()
    };
    let mut seen: HashMap<(i64, String, String), usize> = HashMap::new();
    let mut valid: Vec<store::CpdEntry> = Vec::new();
    for (row, blind) in sheet.rows.iter().zip(row_blinds) {
        let mut errs: Vec<FieldError> = Vec::new();
        let worker = match blind.map(|b| workers.get(&b)) {
            Ok(Some((_, wid, user, employer, area)))
                if reach(actor, *user, *employer, area.as_deref()) =>
            {
                Some(*wid)
            }
            // Registered but not the importer's, or not registered: the same answer, so a
            // sheet cannot probe who is registered elsewhere.
            Ok(_) => {
                errs.push(FieldError::new("id_number", "err-worker-not-found"));
                None
            }
            Err(e) => {
                errs.push(e);
                None
            }
        };
        let checked = check_cpd(row.get(1), row.get(2), row.get(3), row.get(4));
        let entry = match (worker, checked) {
            (Some(w), Ok((date, tenths, topic, provider))) if errs.is_empty() => store::CpdEntry {
                id: 0,
                worker_id: w,
                entry_date: date,
                hours_tenths: tenths,
                topic,
                provider,
            },
            (_, checked) => {
                if let Err(more) = checked {
                    errs.extend(more);
                }
                for e in errs {
                    let c = col(&e.field);
                    report.issues.push(crate::registry::issue(row.line, &c, e));
                }
                continue;
            }
        };
        let key = (
            entry.worker_id,
            entry.entry_date.clone(),
            entry.topic.clone(),
        );
        if let Some(first) = seen.get(&key) {
            report.issues.push(
                RowIssue::new(row.line, &col("topic"), "err-duplicate-in-file").arg("row", first),
            );
            continue;
        }
        seen.insert(key.clone(), row.line);
        if existing.contains(&key) {
            report.existing_rows += 1;
            report.issues.push(
                RowIssue::new(row.line, &col("topic"), "err-cpd-duplicate")
                    .arg("date", &entry.entry_date),
            );
            continue;
        }
        valid.push(entry);
    }
    report.issues.sort_by_key(|i| i.row);
    report.valid_rows = valid.len();
    if !crate::registry::import_writes(&report, opts) {
        return Ok(report);
    }
    let mut tx = crate::uow::Uow::begin(app).await?;
    let mut hours = 0;
    let (mut first, mut last) = (None, 0);
    for e in &valid {
        match store::add_cpd(&mut tx, e).await? {
            Some(id) => {
                first.get_or_insert(id);
                last = id;
                hours += e.hours_tenths;
                report.inserted += 1;
            }
            // Recorded by someone else since the check: not counted twice.
            None => report.existing_rows += 1,
        }
    }
    tx.commit(ctx.audit_entry(
        Action::WorkerCpdImport,
        first.map(|f| format!("{f}-{last}")),
        crate::registry::import_summary(
            &format!("CPD entries, {:.1} h", hours as f64 / 10.0),
            &report,
            opts,
        ),
        Outcome::Success,
    ))
    .await?;
    report.committed = true;
    Ok(report)
}

// ---- posts -------------------------------------------------------------------------------

pub struct Posts;

static POST_FIELDS: [crate::registry::Field; 5] = [
    field_a(
        "area",
        "所在社区",
        &["社区", "区划代码"],
        true,
        Input::Area(&["community"]),
    ),
    field_a("title", "岗位名称", &["岗位"], true, Input::Text(50)),
    field_a(
        "professional",
        "专业社工岗位",
        &["是否专业社工岗位", "社工岗位"],
        true,
        Input::Bool,
    ),
    field_a(
        "committee",
        "两委岗位",
        &["是否两委岗位"],
        false,
        Input::Bool,
    ),
    field_a(
        "holder_id_number",
        "在岗人员身份证号",
        &["在岗人员身份证", "任职人员身份证号"],
        false,
        Input::Secret,
    ),
];

static POST_FILTERS: [FilterDef; 3] = [
    FilterDef {
        key: "professional",
        input: Input::Bool,
    },
    FilterDef {
        key: "committee",
        input: Input::Bool,
    },
    FilterDef {
        key: "vacant",
        input: Input::Bool,
    },
];

impl Registry for Posts {
    type Data = PostRow;
    type Row = PostRow;
    const KIND: &'static str = "posts";
    const OBJECT: &'static str = "post";
    const READ: Perm = Perm::PostRead;
    const WRITE: Perm = Perm::PostWrite;
    const NEEDS_WORKERS: bool = true;

    fn fields() -> &'static [crate::registry::Field] {
        &POST_FIELDS
    }
    fn filters() -> &'static [FilterDef] {
        &POST_FILTERS
    }
    fn sorts() -> &'static [&'static str] {
        &["area"]
    }
    fn list_headers() -> &'static [&'static str] {
        &[
            "f-title",
            "f-area",
            "f-professional",
            "f-committee",
            "col-holder",
            "f-cert_level",
        ]
    }
    fn list_cells(tr: &Tr, r: &PostRow) -> Vec<String> {
        vec![
            r.title.clone(),
            r.area_name.clone(),
            crate::registry::yes_no(tr, r.professional),
            crate::registry::yes_no(tr, r.committee),
            r.holder_name
                .clone()
                .unwrap_or_else(|| tr.t("post-vacant").to_owned()),
            r.holder_cert_level
                .as_deref()
                .map(|l| tr.t(&CERT_LEVEL.label_key(l)).to_owned())
                .unwrap_or_default(),
        ]
    }

    fn parse(
        app: &App,
        _actor: &Actor,
        refs: &Refs,
        cells: &[String],
        current: Option<&PostRow>,
    ) -> Result<PostRow, Vec<FieldError>> {
        let mut p = RowParser::new(&POST_FIELDS, cells);
        let area = {
            let r = refs
                .area("area", p.raw("area"), &["community"])
                .map(|a| (a.code.clone(), a.name.clone()));
            p.take(r)
        };
        let title = p.text("title", 50);
        let professional = match p.opt_flag("professional") {
            Some(b) => b,
            None => {
                if !p.errors.iter().any(|e| e.field == "professional") {
                    p.errors
                        .push(FieldError::new("professional", "err-required"));
                }
                false
            }
        };
        let committee = p.flag("committee", false);
        let holder_raw = cell::fix_excel_id(p.raw("holder_id_number"));
        let holder_id = match current {
            Some(c)
                if is_masked(&holder_raw)
                    && c.holder_masked.as_deref() == Some(holder_raw.as_str()) =>
            {
                c.holder_id
            }
            _ if holder_raw.is_empty() => None,
            _ => match CitizenId::parse(&holder_raw, refs.today) {
                Ok(id) => match app.pii.blind("id", id.as_str()) {
                    Ok(b) => match refs.workers.get(&b) {
                        Some(w) => Some(*w),
                        None => {
                            p.errors
                                .push(FieldError::new("holder_id_number", "err-worker-not-found"));
                            None
                        }
                    },
                    Err(_) => {
                        p.errors
                            .push(FieldError::new("holder_id_number", "err-internal"));
                        None
                    }
                },
                Err(mut e) => {
                    e.field = "holder_id_number".into();
                    p.errors.push(e);
                    None
                }
            },
        };
        let (area_code, area_name) = area.unwrap_or_default();
        p.finish(PostRow {
            id: current.map(|c| c.id).unwrap_or(0),
            area_code,
            area_name,
            title,
            professional,
            committee,
            holder_id,
            ..Default::default()
        })
    }

    fn keys(d: &PostRow) -> Vec<String> {
        vec![format!("{}/{}", d.area_code, d.title)]
    }
    fn data_area(d: &PostRow) -> Option<&str> {
        Some(&d.area_code)
    }
    fn summary(d: &PostRow) -> String {
        format!(
            "{} ({}, professional: {}, holder: {})",
            d.title,
            d.area_code,
            d.professional,
            d.holder_id
                .map(|h| h.to_string())
                .unwrap_or_else(|| "-".into())
        )
    }
    fn row_id(r: &PostRow) -> i64 {
        r.id
    }
    fn row_area(r: &PostRow) -> Option<&str> {
        Some(&r.area_code)
    }
    fn row_label(r: &PostRow) -> String {
        format!("{} ({})", r.title, r.area_name)
    }
    fn row_key(r: &PostRow) -> String {
        format!("{}/{}", r.area_code, r.title)
    }
    fn cells(_app: &App, tr: &Tr, r: &PostRow, _reveal: bool) -> Vec<String> {
        vec![
            r.area_code.clone(),
            r.title.clone(),
            crate::registry::yes_no(tr, r.professional),
            crate::registry::yes_no(tr, r.committee),
            r.holder_masked.clone().unwrap_or_default(),
        ]
    }

    async fn existing(conn: &mut Conn) -> Result<Vec<(String, i64)>, StoreError> {
        store::post_keys(conn).await
    }
    async fn existing_for(
        conn: &mut Conn,
        keys: &[String],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut out = Vec::new();
        for k in keys {
            if let Some((area, title)) = k.split_once('/') {
                out.extend(store::post_key(conn, area, title).await?);
            }
        }
        Ok(out)
    }
    async fn insert(conn: &mut Conn, d: &PostRow, demo: bool) -> Result<i64, StoreError> {
        let mut d = d.clone();
        d.demo = demo;
        store::insert_post(conn, &d).await
    }
    async fn update(conn: &mut Conn, id: i64, d: &PostRow) -> Result<bool, StoreError> {
        let mut d = d.clone();
        d.id = id;
        store::update_post(conn, &d).await
    }
    async fn delete(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
        store::delete_post(conn, id).await
    }
    async fn get(conn: &mut Conn, id: i64) -> Result<Option<PostRow>, StoreError> {
        store::get_post(conn, id).await
    }
    async fn list(
        _app: &App,
        conn: &mut Conn,
        actor: &Actor,
        q: &ListQuery,
        page: PageReq,
    ) -> Result<Paged<PostRow>, AppError> {
        let f = PostFilter {
            within: scoped_within(actor, &q.within),
            professional: q.flag("professional"),
            committee: q.flag("committee"),
            vacant: q.flag("vacant"),
            q: q.q.clone().filter(|s| !s.trim().is_empty()),
        };
        Ok(store::posts(conn, &f, page).await?)
    }
}

/// Re-encrypts every social worker's ID and phone number under the current personal-data
/// key and recomputes their blind indexes (after `pii_key` was changed and the old one set
/// as `pii_previous_key`). One transaction: either every row moves to the new key or none
/// does. Command line only. Returns (rows checked, rows re-encrypted).
pub async fn rotate_keys(app: &App, ctx: &crate::Ctx) -> Result<(usize, usize), AppError> {
    let actor = ctx.actor()?;
    if !actor.is_cli {
        return Err(AppError::Forbidden);
    }
    let mut tx = crate::uow::Uow::begin(app).await?;
    let rows = store::all_ciphertexts(&mut tx).await?;
    let mut changed = 0;
    for (id, id_cipher, phone_cipher) in &rows {
        let stale = app.pii.is_stale(id_cipher)
            || phone_cipher.as_deref().is_some_and(|p| app.pii.is_stale(p));
        if !stale {
            continue;
        }
        let idn = app.pii.decrypt(id_cipher)?;
        let phone = phone_cipher
            .as_deref()
            .map(|p| app.pii.decrypt(p))
            .transpose()?;
        let phone_cipher = phone.as_deref().map(|p| app.pii.encrypt(p)).transpose()?;
        let phone_blind = phone
            .as_deref()
            .map(|p| app.pii.blind("phone", p))
            .transpose()?;
        store::set_ciphertexts(
            &mut tx,
            *id,
            &app.pii.encrypt(&idn)?,
            &app.pii.blind("id", &idn)?,
            phone_cipher.as_deref(),
            phone_blind.as_deref(),
        )
        .await?;
        changed += 1;
    }
    tx.commit(ctx.audit_entry(
        Action::PiiRotate,
        None,
        format!(
            "re-encrypted {changed} of {} records under key {}",
            rows.len(),
            app.pii.key_id()
        ),
        Outcome::Success,
    ))
    .await?;
    Ok((rows.len(), changed))
}

/// Records a certification subsidy paid to a worker (district and street staff; audited).
pub async fn add_subsidy(
    app: &App,
    ctx: &crate::Ctx,
    worker_id: i64,
    year: &str,
    amount: &str,
    paid_on: &str,
) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::OrgSupervise)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let w = Workers::get(&mut tx, worker_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !authz::record_in_scope(actor, w.area_code.as_deref()) {
        return Err(AppError::Forbidden);
    }
    let mut errs = Vec::new();
    let this_year = crate::current_year();
    let year = match crate::registry::opt_int("year", year, 2000, this_year) {
        Ok(Some(y)) => Some(y),
        Ok(None) => {
            errs.push(FieldError::new("year", "err-required"));
            None
        }
        Err(e) => {
            errs.push(e);
            None
        }
    };
    let amount_fen = match cell::parse_decimal_centi(amount) {
        Ok(Some(v)) if v > 0 && v <= 10_000_000 => Some(v),
        Ok(_) => {
            errs.push(
                FieldError::new("amount", "err-range")
                    .arg("min", "0.01")
                    .arg("max", 100_000),
            );
            None
        }
        Err(k) => {
            errs.push(FieldError::new("amount", k));
            None
        }
    };
    let paid_on = crate::registry::opt_date("paid_on", paid_on)
        .map_err(|e| errs.push(e))
        .ok()
        .flatten();
    if w.cert_level == "none" {
        errs.push(FieldError::new("year", "err-subsidy-no-cert"));
    }
    let (Some(year), Some(amount_fen)) = (year, amount_fen) else {
        return Err(AppError::Invalid(errs));
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let id = store::add_subsidy(
        &mut tx,
        &store::Subsidy {
            id: 0,
            worker_id,
            year,
            amount_fen,
            paid_on,
        },
    )
    .await?;
    tx.commit(ctx.audit_entry(
        Action::WorkerSubsidy,
        Some(worker_id.to_string()),
        format!("certificate subsidy {year}: {}", yuan(amount_fen)),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}
