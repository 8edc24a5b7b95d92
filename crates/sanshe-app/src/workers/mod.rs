//! Social workers. ID and phone numbers are personal data: stored
//! SM4-encrypted with an HMAC-SM3 blind index for exact look-up, shown masked everywhere
//! unless a role allowed to see them asks, and every such reveal is audited.

use crate::authz::{self, Perm};
use crate::i18n::Tr;
use crate::registry::{
    scoped_within, texts, yuan, Cell, FilterDef, ListQuery, Refs, Registry, RowParser, Section,
};
use crate::{Actor, App, AppError};
use sanshe_domain::registry::{CERT_LEVEL, EMPLOYER_KIND, WORKER_STATUS};
use sanshe_domain::{cell, CitizenId, FieldError, Phone};
use sanshe_store::workers::{
    self as store, Registration, WorkerData, WorkerFilter, WorkerRow, WorkerSort,
};
use sanshe_store::{Conn, PageReq, Paged, StoreError};

mod cpd;
mod fields;
mod keys;
mod subsidies;

pub(crate) use cpd::apply_cpd_cell;
pub use cpd::{add_cpd, check_cpd, cpd_cell, import_cpd, CpdAdded, CPD_FIELDS};
pub use keys::rotate_keys;
pub use subsidies::{add_subsidy, subsidies};

use fields::{FIELDS, FILTERS};

pub struct Workers;

/// A worker as entered: the record and, optionally, a new registration period.
#[derive(Debug, Clone)]
pub struct WorkerInput {
    pub data: WorkerData,
    pub registration: Option<(String, String, Option<String>)>,
}

/// Registration periods ending within this many days are flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 90;

pub(crate) fn expiry_date() -> String {
    let (y, m, d) = crate::registry::today_tuple();
    cell::date_to_string(cell::civil_from_days(
        cell::days_from_civil(y, m, d) + EXPIRY_WARNING_DAYS,
    ))
}

pub(crate) fn is_masked(v: &str) -> bool {
    v.contains('*')
}

impl Registry for Workers {
    const API_SEGMENT: &'static str = "social-workers";
    const API_SCHEMA: &'static str = "SocialWorker";
    const EXAMPLE: &'static [&'static str] = &[
        "李四",
        "320412199003070024",
        "13800138000",
        "320412100002",
        "",
        "社区（村）两委",
        "助理社会工作师",
        "A123456",
        "2019",
        "是",
        "是",
        "否",
        "2019-12-01",
        "",
        "在职",
    ];
    type Data = WorkerInput;
    type Row = WorkerRow;
    const KIND: &'static str = "workers";
    const OBJECT: &'static str = "social_worker";
    const READ: Perm = Perm::WorkerRead;
    const WRITE: Perm = Perm::WorkerWrite;
    const ORG_FIELDS: &'static [&'static str] = &["employer"];

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
        let mut cert_year = p.int("cert_year", 1990, 2100);
        if let Some(y) = cert_year.filter(|y| *y > i64::from(refs.today.0)) {
            p.errors.push(
                FieldError::new("cert_year", "err-year-future")
                    .arg("year", refs.today.0)
                    .arg("value", y),
            );
            cert_year = None;
        }
        if cert_level != "none"
            && cert_year.is_none()
            && !p.errors.iter().any(|e| e.field == "cert_year")
        {
            p.errors
                .push(FieldError::new("cert_year", "err-cert-year-required"));
        }
        let committee_member = p.flag("committee_member", false);
        let fulltime = p.flag("fulltime", false);
        let project_staff = p.flag("project_staff", false);
        let reg_start = p.past_date("registration_start");
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
    fn hold_back(
        actor: &Actor,
        current: Option<&WorkerRow>,
        d: &mut WorkerInput,
    ) -> Vec<(String, String, String)> {
        use sanshe_domain::Role;
        // Only what people report about themselves (a worker) or their staff (an
        // organization) waits; staff who keep the registry write directly.
        if actor.is_cli || !matches!(actor.role, Role::SocialWorker | Role::SocialOrg) {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut held = |field: &str, old: String, new: String| {
            if old != new {
                out.push((field.to_owned(), old, new));
            }
        };
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let year = |v: Option<i64>| v.map(|y| y.to_string()).unwrap_or_default();
        let (area, level, no, yr, committee) = match current {
            Some(c) => (
                c.area_code.clone(),
                c.cert_level.clone(),
                c.cert_no.clone(),
                c.cert_year,
                c.committee_member,
            ),
            None => (None, "none".to_owned(), None, None, false),
        };
        held("area", opt(&area), opt(&d.data.area_code));
        held("cert_level", level.clone(), d.data.cert_level.clone());
        held("cert_no", opt(&no), opt(&d.data.cert_no));
        held("cert_year", year(yr), year(d.data.cert_year));
        held(
            "committee_member",
            committee.to_string(),
            d.data.committee_member.to_string(),
        );
        if let Some((start, _, number)) = d.registration.take() {
            held("registration_start", String::new(), start);
            held("registration_no", String::new(), number.unwrap_or_default());
        }
        d.data.area_code = area;
        d.data.cert_level = level;
        d.data.cert_no = no;
        d.data.cert_year = yr;
        d.data.committee_member = committee;
        out
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
    async fn insert_batch(
        conn: &mut Conn,
        ds: &[WorkerInput],
        demo: bool,
    ) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<_> = ds
            .iter()
            .map(|d| {
                (
                    WorkerData {
                        demo,
                        ..d.data.clone()
                    },
                    d.registration.clone(),
                )
            })
            .collect();
        store::insert_many(conn, &rows).await
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

pub(crate) fn worker_reach(actor: &Actor, r: &WorkerRow) -> bool {
    reach(actor, r.user_id, r.employer_org_id, r.area_code.as_deref())
}

/// Whose worker records an actor reaches: a social worker their own, an organization its
/// employees, staff those in their area; the CLI all.
pub(crate) fn reach(
    actor: &Actor,
    user_id: Option<i64>,
    employer: Option<i64>,
    area: Option<&str>,
) -> bool {
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
