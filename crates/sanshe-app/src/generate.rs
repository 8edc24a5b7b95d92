//! Synthetic registries: the demo district's facilities, organizations, social workers,
//! posts, incubation bases, federations and foundation ledgers, and the same proportions at
//! province or national scale for benchmarks. Deterministic (seeded), plausible, and tuned
//! so that some policy targets are met and others fall short.

use crate::{App, AppError};
use sanshe_domain::registry::SERVICE_DOMAIN;
use sanshe_store::areas::AreaRef;
use sanshe_store::facilities::FacilityData;
use sanshe_store::orgs::{FundEntry, IncubationRow, OrgData};
use sanshe_store::posts::PostRow;
use sanshe_store::workers::{CpdEntry, Registration, Subsidy, WorkerData};
use sanshe_store::Conn;

mod values;
pub use values::{citizen_id, credit_code, person_name, Rng};
use values::{daily, date, ds, CPD_TOPICS, FUNCTIONS, ORG_SUFFIX, ORG_WORDS};

const WEEKDAY: &str = "08:30-17:30,08:30-17:30,08:30-17:30,08:30-17:30,08:30-17:30";

/// How to generate: see [`registries`].
#[derive(Debug, Clone, Copy)]
pub struct GenOptions {
    pub seed: u64,
    /// Mark every row as demo data.
    pub demo: bool,
    pub detail: bool,
    pub lite: bool,
}

/// What was generated, for messages and benchmarks.
#[derive(Debug, Default, Clone, Copy)]
pub struct Generated {
    pub facilities: usize,
    pub orgs: usize,
    pub workers: usize,
    pub posts: usize,
}

/// Generates registries for the given streets and communities (their urban flags steer
/// the proportions). `detail`: also ledgers, CPD hours, subsidies, incubation (the demo);
/// off for the largest scales. `lite`: about a third of the per-community rows (national
/// benchmark data: 1–4 community organizations, 5–7 workers and posts, no service points).
pub async fn registries(
    app: &App,
    conn: &mut Conn,
    streets: &[AreaRef],
    communities: &[AreaRef],
    opts: GenOptions,
) -> Result<Generated, AppError> {
    let GenOptions {
        seed,
        demo,
        detail,
        lite,
    } = opts;
    let mut rng = Rng::new(seed);
    let mut g = Generated::default();
    let this_year = crate::current_year() as i32;
    let mut org_seq: u64 = seed % 10_000 * 1000;
    let mut id_seq: u32 = 0;
    let mut used_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut unique = |n: String| -> String {
        let mut out = n.clone();
        let mut k = 2;
        while !names.insert(out.clone()) {
            out = format!("{n}（{k}）");
            k += 1;
        }
        out
    };
    let street_office: std::collections::HashMap<&str, String> = streets
        .iter()
        .map(|s| {
            let office = if s.name.ends_with('镇') || s.name.ends_with('乡') {
                format!("{}人民政府", s.name)
            } else {
                format!("{}办事处", s.name)
            };
            (s.code.as_str(), office)
        })
        .collect();
    // Streets: centers, incubation bases, federations, registered organizations, foundations.
    for (si, s) in streets.iter().enumerate() {
        let area6 = &s.code[..6];
        let short = s.name.trim_end_matches(['镇', '道']).trim_end_matches('街');
        if si % 9 != 4 {
            sanshe_store::facilities::insert(
                conn,
                &FacilityData {
                    area_code: s.code.clone(),
                    name: format!("{}党群服务中心", s.name),
                    kind: "center".into(),
                    area_m2_centi: rng.range(1_500, 4_500) * 100,
                    address: Some(format!("{}人民路{}号", s.name, rng.range(1, 300))),
                    hours: format!("{WEEKDAY},09:00-17:00,"),
                    daily_minutes: daily(&format!("{WEEKDAY},09:00-17:00,")),
                    functions: "政务服务、议事协商、社会组织孵化、志愿服务".into(),
                    status: "active".into(),
                    demo,
                },
            )
            .await?;
            g.facilities += 1;
        }
        let mut street_orgs = Vec::new();
        for k in 0..rng.range(2, 5) {
            org_seq += 1;
            let (kind, digit, name) = if k == 0 && si % 3 == 0 {
                ("foundation", '3', format!("{short}社区发展基金会"))
            } else if k % 2 == 0 {
                (
                    "social_group",
                    '1',
                    format!(
                        "{short}{}",
                        rng.pick(&["社会工作者协会", "志愿者协会", "慈善协会", "老年协会"])
                    ),
                )
            } else {
                (
                    "social_service_agency",
                    '2',
                    format!(
                        "{short}{}社会工作服务中心",
                        rng.pick(&["和谐", "阳光", "惠民", "乐龄", "同心", "明德"])
                    ),
                )
            };
            let id = sanshe_store::orgs::insert(
                conn,
                &OrgData {
                    name: unique(name),
                    kind: kind.into(),
                    area_code: Some(s.code.clone()),
                    registered: true,
                    credit_code: Some(credit_code(digit, area6, org_seq)),
                    head: Some(person_name(&mut rng)),
                    founded: Some(ds(date(&mut rng, 2012, this_year - 1))),
                    address: Some(format!(
                        "{}{}路{}号",
                        s.name,
                        rng.pick(&["长安", "湖塘", "延政", "常武"]),
                        rng.range(1, 200)
                    )),
                    domains: [
                        SERVICE_DOMAIN.keys[rng.range(0, 6) as usize],
                        "resident_service",
                    ]
                    .join(","),
                    staff: rng.range(3, 40),
                    members: rng.range(0, 300),
                    status: "active".into(),
                    annual_result: (*rng.pick(&[
                        "pass",
                        "pass",
                        "pass",
                        "basic_pass",
                        "fail",
                        "none",
                    ]))
                    .into(),
                    blacklisted_until: None,
                    blacklist_reason: None,
                    community_org: false,
                    demo,
                    ..Default::default()
                },
            )
            .await?;
            g.orgs += 1;
            street_orgs.push(id);
            if kind == "foundation" && detail {
                let mut bal = 0;
                for e in 0..rng.range(3, 8) {
                    let income = e == 0 || rng.chance(55);
                    let amt = if income {
                        rng.range(5_000, 200_000)
                    } else {
                        rng.range(1_000, bal.max(1_000) / 100 * 60 + 1_000)
                    } * 100;
                    if !income && amt > bal {
                        continue;
                    }
                    bal += if income { amt } else { -amt };
                    sanshe_store::orgs::move_fund_balance(
                        conn,
                        id,
                        if income { amt } else { -amt },
                    )
                    .await?;
                    sanshe_store::orgs::append_fund_entry(
                        conn,
                        &FundEntry {
                            id: 0,
                            org_id: id,
                            entry_date: ds(date(&mut rng, this_year - 2, this_year - 1)),
                            kind: if income { "income" } else { "grant" }.into(),
                            amount_fen: amt,
                            balance_fen: bal,
                            counterparty: Some(if income {
                                "辖区企业捐赠".into()
                            } else {
                                format!("{}社区微项目", short)
                            }),
                            memo: None,
                        },
                    )
                    .await?;
                }
            }
        }
        if si % 4 != 3 && detail {
            let base = sanshe_store::orgs::insert_base(
                conn,
                &s.code,
                &format!("{}社会组织孵化基地", s.name),
                Some(&format!("{}党群服务中心三楼", s.name)),
                Some(&ds(date(&mut rng, 2016, 2022))),
                rng.range(300, 1200),
                demo,
            )
            .await?;
            for (n, org) in street_orgs.iter().enumerate().skip(1) {
                sanshe_store::orgs::insert_incubation(
                    conn,
                    &IncubationRow {
                        id: 0,
                        base_id: base,
                        org_id: *org,
                        org_name: String::new(),
                        entered: ds(date(&mut rng, 2018, 2023)),
                        graduated: (n % 2 == 0).then(|| ds(date(&mut rng, 2024, this_year - 1))),
                        funds_fen: rng.range(10, 80) * 100_000,
                        venue: true,
                        training_hours: rng.range(8, 60),
                        notes: None,
                    },
                )
                .await?;
            }
        } else if si % 4 != 3 {
            sanshe_store::orgs::insert_base(
                conn,
                &s.code,
                &format!("{}社会组织孵化基地", s.name),
                None,
                None,
                500,
                demo,
            )
            .await?;
        }
        if si % 3 == 1 {
            let fed = sanshe_store::orgs::insert_federation(
                conn,
                &s.code,
                &format!("{}社区社会组织联合会", s.name),
                Some(&ds(date(&mut rng, 2019, 2024))),
                demo,
            )
            .await?;
            for org in &street_orgs {
                sanshe_store::orgs::add_federation_member(conn, fed, *org, None).await?;
            }
        }
    }
    // Communities: stations, points, community organizations, workers and posts.
    for (ci, c) in communities.iter().enumerate() {
        let area6 = &c.code[..6];
        // Stations: most communities; larger in towns, smaller in villages.
        if rng.chance(if c.urban { 94 } else { 86 }) {
            let m2 = if c.urban {
                rng.range(350, 1_400)
            } else {
                rng.range(200, 900)
            };
            let sat = if rng.chance(70) { "09:00-12:00" } else { "" };
            let short_day = rng.chance(12);
            sanshe_store::facilities::insert(
                conn,
                &FacilityData {
                    area_code: c.code.clone(),
                    name: format!(
                        "{}党群服务站",
                        c.name
                            .trim_end_matches("居民委员会")
                            .trim_end_matches("村民委员会")
                    ),
                    kind: "station".into(),
                    area_m2_centi: m2 * 100,
                    address: Some(format!("{}{}号", c.name, rng.range(1, 99))),
                    hours: if short_day {
                        format!(
                            "09:00-15:00,09:00-15:00,09:00-15:00,09:00-15:00,09:00-15:00,{sat},"
                        )
                    } else {
                        format!("{WEEKDAY},{sat},")
                    },
                    daily_minutes: if short_day {
                        360
                    } else {
                        daily(&format!("{WEEKDAY},{sat},"))
                    },
                    functions: (0..3)
                        .map(|_| *rng.pick(FUNCTIONS))
                        .collect::<Vec<_>>()
                        .join("、"),
                    status: "active".into(),
                    demo,
                },
            )
            .await?;
            g.facilities += 1;
        }
        if !lite && rng.chance(35) {
            sanshe_store::facilities::insert(
                conn,
                &FacilityData {
                    area_code: c.code.clone(),
                    name: format!(
                        "{}{}",
                        c.name
                            .trim_end_matches("居民委员会")
                            .trim_end_matches("村民委员会"),
                        rng.pick(&["居家养老服务点", "儿童之家", "便民服务点", "农家书屋"])
                    ),
                    kind: (*rng.pick(&["special", "point"])).into(),
                    area_m2_centi: rng.range(60, 400) * 100,
                    address: None,
                    hours: String::new(),
                    daily_minutes: 0,
                    functions: (*rng.pick(FUNCTIONS)).into(),
                    status: "active".into(),
                    demo,
                },
            )
            .await?;
            g.facilities += 1;
        }
        let n_orgs = if lite {
            rng.range(1, 4)
        } else if c.urban {
            rng.range(7, 15)
        } else {
            rng.range(3, 7)
        };
        for k in 0..n_orgs {
            sanshe_store::orgs::insert(
                conn,
                &OrgData {
                    name: unique(format!(
                        "{}{}{}",
                        c.name
                            .trim_end_matches("居民委员会")
                            .trim_end_matches("村民委员会"),
                        ORG_WORDS[(ci * 7 + k as usize) % ORG_WORDS.len()],
                        rng.pick(ORG_SUFFIX)
                    )),
                    kind: "community_org".into(),
                    area_code: Some(c.code.clone()),
                    registered: false,
                    filing_no: Some(format!("BA{}{:03}", c.code, k + 1)),
                    // Community organizations are filed with the street/town office.
                    authority: street_office.get(&c.code[..9]).cloned(),
                    head: Some(person_name(&mut rng)),
                    founded: Some(ds(date(&mut rng, 2015, this_year - 1))),
                    domains: SERVICE_DOMAIN.keys[rng.range(0, 6) as usize].into(),
                    staff: rng.range(0, 3),
                    members: rng.range(8, 120),
                    status: if rng.chance(95) {
                        "active"
                    } else {
                        "suspended"
                    }
                    .into(),
                    annual_result: "none".into(),
                    community_org: true,
                    demo,
                    ..Default::default()
                },
            )
            .await?;
            g.orgs += 1;
        }
        // Committee members, full-time workers, project staff, each holding a post.
        let committee = if lite { 5 } else { rng.range(5, 7) };
        let fulltime = if lite {
            rng.range(0, 2)
        } else if c.urban {
            rng.range(6, 12)
        } else {
            rng.range(3, 6)
        };
        let prof_share = if c.urban {
            rng.range(20, 45)
        } else {
            rng.range(10, 30)
        };
        let cert_share = if c.urban {
            rng.range(65, 95)
        } else {
            rng.range(35, 70)
        };
        for p in 0..(committee + fulltime) {
            id_seq += 1;
            let is_committee = p < committee;
            let certified = if is_committee {
                rng.chance(cert_share)
            } else {
                rng.chance(prof_share + 20)
            };
            let level = if !certified {
                "none"
            } else if rng.chance(70) {
                "assistant"
            } else if rng.chance(90) {
                "intermediate"
            } else {
                "senior"
            };
            let female = rng.chance(62);
            let born = date(&mut rng, 1968, 2000);
            let mut idn = citizen_id(area6, born, id_seq, female);
            let mut bump = 0;
            while !used_ids.insert(idn.clone()) {
                bump += 1;
                idn = citizen_id(area6, born, id_seq + bump * 7, female);
            }
            let cid = sanshe_domain::CitizenId::parse(&idn, (this_year, 1, 1))
                .map_err(|e| AppError::Internal(format!("generated ID: {e}")))?;
            let phone = format!(
                "1{}{:09}",
                rng.pick(&["38", "39", "51", "58", "87", "89"]),
                rng.range(0, 999_999_999) % 1_000_000_000
            );
            let phone = &phone[..11];
            let ph = sanshe_domain::Phone::parse(phone)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let cert_year = certified.then(|| rng.range(2010, this_year as i64 - 1));
            let w = WorkerData {
                name: person_name(&mut rng),
                id_cipher: app.pii.encrypt(cid.as_str())?,
                id_blind: app.pii.blind("id", cid.as_str())?,
                id_masked: cid.masked(),
                phone_cipher: Some(app.pii.encrypt(ph.as_str())?),
                phone_blind: Some(app.pii.blind("phone", ph.as_str())?),
                phone_masked: Some(ph.masked()),
                gender: cid.gender().as_str().into(),
                birth_date: ds(cid.birth_date()),
                area_code: Some(c.code.clone()),
                employer_org_id: None,
                employer_kind: "committee".into(),
                cert_level: level.into(),
                cert_no: certified.then(|| {
                    format!(
                        "{}{:07}",
                        if level == "assistant" { "A" } else { "B" },
                        id_seq
                    )
                }),
                cert_year,
                committee_member: is_committee,
                fulltime: !is_committee,
                project_staff: false,
                status: "active".into(),
                demo,
            };
            let wid = sanshe_store::workers::insert(conn, &w).await?;
            g.workers += 1;
            if certified && detail {
                let start = (
                    rng.range(this_year as i64 - 3, this_year as i64 - 1) as i32,
                    rng.range(1, 12) as u32,
                    1,
                );
                let end = (start.0 + 3, start.1, 1);
                let end = sanshe_domain::cell::civil_from_days(
                    sanshe_domain::cell::days_from_civil(end.0, end.1, end.2) - 1,
                );
                sanshe_store::workers::add_registration(
                    conn,
                    &Registration {
                        id: 0,
                        worker_id: wid,
                        start_date: ds(start),
                        end_date: ds(end),
                        number: Some(format!("JS{}{:06}", this_year, id_seq)),
                    },
                )
                .await?;
                for _ in 0..rng.range(1, 5) {
                    let d = (
                        rng.range(start.0 as i64, this_year as i64 - 1) as i32,
                        rng.range(1, 12) as u32,
                        rng.range(1, 28) as u32,
                    );
                    if d < start {
                        continue;
                    }
                    sanshe_store::workers::add_cpd(
                        conn,
                        &CpdEntry {
                            id: 0,
                            worker_id: wid,
                            entry_date: ds(d),
                            hours_tenths: rng.range(4, 24) * 10,
                            topic: (*rng.pick(CPD_TOPICS)).into(),
                            provider: Some("常州市社会工作协会".into()),
                        },
                    )
                    .await?; // a repeated date and topic is simply not added twice
                }
                if rng.chance(40) {
                    sanshe_store::workers::add_subsidy(
                        conn,
                        &Subsidy {
                            id: 0,
                            worker_id: wid,
                            year: cert_year.unwrap_or(this_year as i64 - 1),
                            amount_fen: if level == "assistant" {
                                100_000
                            } else {
                                200_000
                            },
                            paid_on: Some(ds((this_year - 1, 12, 20))),
                        },
                    )
                    .await?;
                }
            } else if certified && rng.chance(40) {
                sanshe_store::workers::add_subsidy(
                    conn,
                    &Subsidy {
                        id: 0,
                        worker_id: wid,
                        year: this_year as i64 - 1,
                        amount_fen: 100_000,
                        paid_on: None,
                    },
                )
                .await?;
            }
            let title = if is_committee {
                if p == 0 {
                    "书记、主任".to_owned()
                } else {
                    format!("两委委员（{}）", p)
                }
            } else {
                format!("专职社区工作者（{}）", p - committee + 1)
            };
            let professional = !is_committee && level != "none" && rng.chance(85);
            sanshe_store::posts::insert_post(
                conn,
                &PostRow {
                    area_code: c.code.clone(),
                    title,
                    professional,
                    committee: is_committee,
                    holder_id: Some(wid),
                    demo,
                    ..Default::default()
                },
            )
            .await?;
            g.posts += 1;
        }
        // A vacant post here and there.
        if ci % 7 == 0 {
            sanshe_store::posts::insert_post(
                conn,
                &PostRow {
                    area_code: c.code.clone(),
                    title: "专业社工岗（待聘）".into(),
                    professional: true,
                    committee: false,
                    holder_id: None,
                    demo,
                    ..Default::default()
                },
            )
            .await?;
            g.posts += 1;
        }
    }
    Ok(g)
}
