//! The demo year of purchase of services for Wujin: three budget lines, a published catalog
//! of 30 items in the policy's ten categories, a call closed for review with its
//! applications, a call open now (the demo organization has not applied yet), an approved
//! project waiting to be published and a draft; and last year's budget's two calls, each
//! reviewed by a panel that signed: one fully delivered (every tranche paid, both reports
//! accepted, the contract completed) and one mid-way. About forty applications in all.
//! Deterministic for a given date.

use crate::generate::Rng;
use crate::uow::Uow;
use crate::{calendar, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::calendar::Day;
use sanshe_store::purchase::{self as store, ApplicationData, ItemData, ProjectData};
use sanshe_store::workflow::{append_history_at, HistoryEntry, Table};
use sanshe_store::Conn;

/// Budget lines: code, name, yuan.
const LINES: [(&str, &str, i64); 3] = [
    ("2080208", "基层政权建设和社区治理", 3_200_000),
    ("2080299", "其他民政管理事务（社会工作）", 1_800_000),
    ("2081002", "养老服务", 2_400_000),
];

/// Catalog items: category, name, content, ceiling in yuan, budget line index.
const ITEMS: [(&str, &str, &str, i64, usize); 30] = [
    (
        "community_affairs",
        "社区议事协商服务",
        "协助社区组织居民议事会、听证会，培育议事骨干，形成协商议题清单。",
        150_000,
        0,
    ),
    (
        "community_affairs",
        "社区自治组织能力建设",
        "为居委会、业委会成员提供培训与陪伴式支持。",
        120_000,
        0,
    ),
    (
        "community_affairs",
        "网格化服务支持",
        "协助网格员走访入户、信息更新与需求收集。",
        100_000,
        0,
    ),
    (
        "elderly_disabled",
        "困境老人关爱服务",
        "为独居、空巢、失能老人提供探访、陪伴、紧急联络与资源链接。",
        300_000,
        2,
    ),
    (
        "elderly_disabled",
        "居家养老上门服务",
        "助餐、助洁、助浴、助医等上门服务及服务质量督导。",
        400_000,
        2,
    ),
    (
        "elderly_disabled",
        "残疾人康复与融合服务",
        "社区康复训练、辅具适配指导与社会融合活动。",
        200_000,
        2,
    ),
    (
        "elderly_disabled",
        "认知障碍友好社区建设",
        "认知症筛查宣传、照护者支持小组与友好社区营造。",
        180_000,
        2,
    ),
    (
        "social_work",
        "社区社会工作服务站运营",
        "派驻社工驻站开展个案、小组、社区工作，建立服务档案。",
        350_000,
        1,
    ),
    (
        "social_work",
        "青少年成长支持服务",
        "课后托管、学业辅导、心理成长小组与家庭教育指导。",
        200_000,
        1,
    ),
    (
        "social_work",
        "困境儿童关爱保护服务",
        "困境儿童摸排、个案管理、监护支持与转介服务。",
        220_000,
        1,
    ),
    (
        "social_work",
        "社工人才督导与培训",
        "为一线社工提供专业督导、继续教育与实务培训。",
        150_000,
        1,
    ),
    (
        "public_welfare",
        "志愿服务组织培育",
        "志愿者招募、培训、激励与项目化运作支持。",
        120_000,
        0,
    ),
    (
        "public_welfare",
        "社区社会组织孵化培育",
        "为社区社会组织提供登记备案辅导、能力建设与小额资助陪伴。",
        250_000,
        0,
    ),
    (
        "public_welfare",
        "邻里互助与睦邻文化营造",
        "组织邻里节、互助小组与社区公共空间活动。",
        100_000,
        0,
    ),
    (
        "counselling",
        "社区心理疏导服务",
        "心理健康宣教、情绪疏导、危机干预与转介。",
        200_000,
        1,
    ),
    (
        "counselling",
        "特殊人群心理支持",
        "为失独家庭、重病患者家属等提供心理支持小组与个案辅导。",
        150_000,
        1,
    ),
    (
        "community_correction",
        "社区矫正对象帮扶服务",
        "社区矫正对象心理矫治、就业指导与社会适应支持。",
        180_000,
        1,
    ),
    (
        "community_correction",
        "刑满释放人员安置帮教",
        "帮教对象走访、技能培训链接与家庭关系修复。",
        120_000,
        1,
    ),
    (
        "charity_relief",
        "慈善资源链接与物资发放",
        "链接慈善资源，规范开展困难群众物资发放与回访。",
        100_000,
        0,
    ),
    (
        "charity_relief",
        "社区慈善基金项目运营",
        "协助社区基金开展募集、项目设计与信息公开。",
        120_000,
        0,
    ),
    (
        "social_assistance",
        "低保及特困对象探访服务",
        "定期探访、需求评估、政策宣传与资源链接。",
        200_000,
        2,
    ),
    (
        "social_assistance",
        "临时救助个案服务",
        "急难对象个案评估、救助申请协助与跟进服务。",
        150_000,
        2,
    ),
    (
        "social_assistance",
        "社会救助政策宣传与主动发现",
        "入户宣传与主动发现机制建设。",
        80_000,
        2,
    ),
    (
        "legal_aid",
        "社区法律咨询服务",
        "律师进社区定期坐班咨询与普法讲座。",
        100_000,
        0,
    ),
    (
        "legal_aid",
        "老年人权益保护服务",
        "防范养老诈骗宣传、赡养纠纷法律援助转介。",
        80_000,
        2,
    ),
    (
        "mediation",
        "邻里纠纷调解服务",
        "邻里纠纷排查、调解与回访，培育调解志愿者。",
        150_000,
        0,
    ),
    (
        "mediation",
        "物业矛盾协调服务",
        "协助居委会、业委会与物业企业沟通协商。",
        120_000,
        0,
    ),
    (
        "mediation",
        "家庭关系调适服务",
        "婚姻家庭辅导、亲子关系改善与家暴预防。",
        120_000,
        1,
    ),
    (
        "other",
        "社区服务项目评估辅导",
        "为承接主体提供项目设计、过程记录与自评辅导。",
        60_000,
        1,
    ),
    (
        "other",
        "社区服务信息化支持",
        "协助社区录入服务数据、维护服务资源目录。",
        80_000,
        0,
    ),
];

/// The expert pool: name, affiliation, specialty (the second is the demo evaluator).
const EXPERTS: [(&str, &str, &str); 24] = [
    ("沈立群", "常州大学社会学系", "社会工作"),
    ("顾明远", "常州明鉴社会组织评估中心（演示）", "项目评估"),
    ("钱素芬", "武进区财政局（退休）", "财务管理"),
    ("陆志强", "江苏理工学院", "社会政策"),
    ("唐婉清", "常州市社会工作协会", "老年社会工作"),
    ("吴建华", "常州开放大学", "社区治理"),
    ("蒋丽萍", "常州市心理卫生协会", "心理咨询"),
    ("许国平", "江苏常联律师事务所", "法律"),
    ("杨晓东", "常州工学院", "公共管理"),
    ("周慧敏", "常州市妇女儿童发展中心", "儿童保护"),
    ("王晨曦", "金坛区社会工作协会", "社会工作"),
    ("孙丽娟", "常州信诚会计师事务所", "审计"),
    ("朱永刚", "溧阳市民政局（退休）", "社会救助"),
    ("胡雅琴", "常州大学周有光文学院", "社区教育"),
    ("邵文杰", "常州卫生高等职业技术学校", "康复护理"),
    ("冯国庆", "新北区社区发展研究会", "社区营造"),
    ("黄佩玲", "常州市残疾人康复中心", "助残服务"),
    ("曹志明", "天宁区人民调解委员会", "矛盾调解"),
    ("邹静", "常州市志愿者协会", "志愿服务"),
    ("潘伟", "常州市慈善总会", "慈善"),
    ("任小红", "钟楼区社会工作服务中心", "青少年社会工作"),
    ("彭德华", "常州市老龄协会", "养老服务"),
    ("谢玉兰", "常州市家庭教育研究会", "家庭服务"),
    ("韩东升", "常州市司法局（退休）", "社区矫正"),
];

struct Who {
    id: Option<i64>,
    name: String,
}

#[allow(clippy::too_many_arguments)]
async fn step(
    c: &mut Conn,
    kind: &str,
    id: i64,
    who: &Who,
    from: Option<&str>,
    to: &str,
    event: &str,
    at: i64,
) -> Result<(), AppError> {
    append_history_at(
        c,
        &HistoryEntry {
            kind: kind.into(),
            record_id: id,
            actor_id: who.id,
            actor_name: who.name.clone(),
            from_state: from.map(str::to_owned),
            to_state: to.into(),
            event: event.into(),
            note: String::new(),
        },
        at,
    )
    .await?;
    Ok(())
}

/// Noon (China time) of a day, as Unix seconds.
fn noon(d: Day) -> i64 {
    d.unix_cst_midnight() + 12 * 3600
}

/// Loads the demo year; `district_staff` and `home_org` are the demo officer and the demo
/// organization. Returns how many projects it made.
pub async fn load(
    app: &App,
    district_staff: Option<i64>,
    home_org: Option<i64>,
    evaluator: Option<i64>,
) -> Result<usize, AppError> {
    let district = super::super::demo::DISTRICT_CODE;
    let ctx = Ctx::cli();
    let today = calendar::today();
    let year = today.ymd().0 as i64;
    let cal = calendar::load_around(app, today).await?;
    let officer = Who {
        id: district_staff,
        name: "武进区民政局（演示）".into(),
    };
    let mut rng = Rng::new(2026_0908);
    let mut tx = Uow::begin(app).await?;
    // Budget lines and the catalog, published at the start of the year.
    let mut lines = Vec::new();
    for (code, name, yuan) in LINES {
        lines
            .push(store::insert_line(&mut tx, district, year, code, name, yuan * 100, true).await?);
    }
    let cat = store::ensure_catalog(&mut tx, district, year).await?;
    let mut items = Vec::new();
    for (n, (category, name, content, ceiling, line)) in ITEMS.iter().enumerate() {
        let d = ItemData {
            code: format!("WJ{year}-{:02}", n + 1),
            category: (*category).into(),
            name: (*name).into(),
            content: (*content).into(),
            standards: "按《社会工作服务指南》及合同约定的服务标准执行。".into(),
            provider_kinds: if n % 5 == 0 {
                "social_service_agency".into()
            } else {
                String::new()
            },
            min_rating: if n % 7 == 3 { 3 } else { 0 },
            price_ceiling_fen: ceiling * 100,
            budget_line_id: lines[*line],
        };
        items.push((store::insert_item(&mut tx, cat.id, &d, true).await?, d));
    }
    let published = Day::from_ymd(year as i32, 1, 15)
        .unwrap_or(today)
        .min(today);
    store::demo_settle(
        &mut tx,
        Table::Catalogs,
        cat.id,
        "published",
        1,
        noon(published),
    )
    .await?;
    store::set_published_at(&mut tx, cat.id, Some(noon(published))).await?;
    step(
        &mut tx,
        "catalog",
        cat.id,
        &officer,
        None,
        "draft",
        "create",
        noon(published) - 3600,
    )
    .await?;
    step(
        &mut tx,
        "catalog",
        cat.id,
        &officer,
        Some("draft"),
        "published",
        "publish",
        noon(published),
    )
    .await?;
    // Social-work agencies with registered teams (the demo registries put most social
    // workers in committees), the demo organization among them.
    let start_day = today.plus_days(45).to_string();
    store::demo_staff_orgs(&mut tx, district, &start_day, 24, 3, home_org).await?;
    if let Some(o) = home_org {
        store::demo_home_org(
            &mut tx,
            o,
            &start_day,
            &today.plus_days(-200).to_string(),
            &today.plus_days(-200 + 3 * 365).to_string(),
        )
        .await?;
    }
    // Ratings for the organizations that will apply.
    let evaluator_org = match evaluator {
        Some(u) => sanshe_store::users::get(&mut tx, u)
            .await?
            .and_then(|u| u.scope_org),
        None => None,
    };
    // The evaluation agency reviews; it does not apply.
    let teams: Vec<(i64, Vec<i64>)> = store::demo_teams(&mut tx, district, &start_day, 31)
        .await?
        .into_iter()
        .filter(|(o, _)| Some(*o) != evaluator_org)
        .take(30)
        .collect();
    for (org, _) in &teams {
        let r = if Some(*org) == home_org {
            4
        } else {
            rng.range(3, 5)
        };
        store::demo_rating(&mut tx, *org, r).await?;
    }
    if let Some(o) = home_org {
        store::demo_rating(&mut tx, o, 4).await?;
    }
    // Four projects: closed for review, open now, approved, draft.
    struct Plan {
        item: usize,
        title: &'static str,
        yuan: i64,
        state: &'static str,
        /// Working days ago the call was published (None: not published).
        published_ago: Option<i64>,
        apply_days: i64,
        applicants: usize,
    }
    let plans = [
        Plan {
            item: 3,
            title: "湖塘镇困境老人关爱服务项目",
            yuan: 280_000,
            state: "closed",
            published_ago: Some(20),
            apply_days: 10,
            applicants: 16,
        },
        Plan {
            item: 14,
            title: "武进区社区心理疏导服务项目",
            yuan: 180_000,
            state: "open",
            published_ago: Some(3),
            apply_days: 10,
            applicants: 14,
        },
        Plan {
            item: 25,
            title: "湖塘镇邻里纠纷调解服务项目",
            yuan: 120_000,
            state: "approved",
            published_ago: None,
            apply_days: 7,
            applicants: 0,
        },
        Plan {
            item: 9,
            title: "困境儿童关爱保护服务项目（2027年度）",
            yuan: 200_000,
            state: "draft",
            published_ago: None,
            apply_days: 10,
            applicants: 0,
        },
    ];
    let communities =
        sanshe_store::areas::communities_within(&mut tx, Some("320412100"), None, 6).await?;
    // The expert pool: named experts and the demo evaluator's account.
    let mut experts = Vec::new();
    for (n, (name, aff, spec)) in EXPERTS.iter().enumerate() {
        let user = if n == 1 { evaluator } else { None };
        experts.push(
            sanshe_store::panels::insert_expert(
                &mut tx, district, name, aff, spec, user, "expert", true,
            )
            .await?,
        );
    }
    // The bureau's representative (采购人代表), named to panels by the district.
    let representative = sanshe_store::panels::insert_expert(
        &mut tx,
        district,
        "李卫东",
        "武进区民政局慈善事业促进和社会工作科",
        "社会工作管理",
        None,
        "purchaser",
        true,
    )
    .await?;
    let mut made = 0;
    let mut closed_call = None;
    for plan in plans {
        let mut next_team = 0usize;
        let (item_id, item) = &items[plan.item];
        let start = today.plus_days(45);
        let d = ProjectData {
            item_id: *item_id,
            proposal_id: None,
            title: plan.title.into(),
            description: format!("{}：{}", item.name, item.content),
            amount_fen: plan.yuan * 100,
            beneficiaries: 300 + rng.range(0, 699),
            service_hours: 800 + rng.range(0, 1199),
            activities: 20 + rng.range(0, 39),
            outcomes: "服务对象满意度不低于90%；建立服务档案并形成可复制的服务模式。".into(),
            method: "public_call".into(),
            justification: String::new(),
            single_source_org: None,
            min_team: 2,
            min_intermediate: 1,
            one_per_org: true,
            start_date: start.to_string(),
            end_date: start.plus_days(364).to_string(),
            apply_days: plan.apply_days,
            rubric: String::new(),
            rubric_guide: String::new(),
            history_min_grade: String::new(),
            history_exclude_poor: false,
            history_bonus: 0,
            history_penalty: 0,
        };
        let id = store::insert_project(&mut tx, district, year, &d, district_staff, true).await?;
        let codes: Vec<String> = communities.iter().map(|c| c.0.clone()).collect();
        store::set_communities(&mut tx, id, &codes).await?;
        let created = noon(published.max(today.plus_days(-60)));
        store::demo_created(&mut tx, Table::Projects, id, created).await?;
        step(
            &mut tx, "project", id, &officer, None, "draft", "create", created,
        )
        .await?;
        let mut version = 0;
        let mut at = created;
        if plan.state != "draft" {
            if !store::reserve(&mut tx, item.budget_line_id, d.amount_fen).await? {
                return Err(AppError::Internal("demo budget too small".into()));
            }
            store::set_reserved(&mut tx, id, d.amount_fen, Some(item.budget_line_id)).await?;
            at += 86_400;
            step(
                &mut tx,
                "project",
                id,
                &officer,
                Some("draft"),
                "approved",
                "approve",
                at,
            )
            .await?;
            version += 1;
        }
        if let Some(ago) = plan.published_ago {
            let pub_day = cal.add_working_days(today, -ago);
            let deadline = cal.add_working_days(pub_day, plan.apply_days);
            store::set_call_dates(&mut tx, id, &pub_day.to_string(), &deadline.to_string()).await?;
            at = noon(pub_day);
            step(
                &mut tx,
                "project",
                id,
                &officer,
                Some("approved"),
                "open",
                "publish",
                at,
            )
            .await?;
            version += 1;
            if plan.state == "closed" {
                at = noon(deadline.plus_days(1));
                let sys = Who {
                    id: None,
                    name: "system".into(),
                };
                step(
                    &mut tx,
                    "project",
                    id,
                    &sys,
                    Some("open"),
                    "closed",
                    "close",
                    at,
                )
                .await?;
                version += 1;
            }
            // Applications from organizations with registered teams (the demo organization
            // leaves the open call to its demo account).
            let mut n = 0;
            while n < plan.applicants && next_team < teams.len() {
                let (org, staff) = &teams[next_team];
                next_team += 1;
                if plan.state == "open" && Some(*org) == home_org {
                    continue;
                }
                let a = ApplicationData {
                    amount_fen: d.amount_fen - (rng.range(0, 19)) * 100_000 / 10,
                    needs_analysis: "经入户走访与问卷调查，服务区域内目标人群需求集中在日常陪伴、情绪支持与资源链接。".into(),
                    plan: "组建专业团队，分三阶段开展个案、小组与社区活动，建立服务档案并定期评估。".into(),
                    outputs: format!("个案{}个，小组{}个，社区活动{}场", 20 + n * 3, 6 + n, 10 + n * 2),
                    outcomes: "服务对象满意度不低于90%。".into(),
                    budget_breakdown: "人员经费60%，活动经费30%，管理费用10%。".into(),
                    direct_beneficiaries: 200 + rng.range(0, 299),
                    indirect_beneficiaries: 600 + rng.range(0, 899),
                    declared: true,
                };
                let aid = store::insert_application(
                    &mut tx,
                    id,
                    *org,
                    Some(format!("{id}/{org}")),
                    &a,
                    None,
                    true,
                )
                .await?;
                let team: Vec<i64> = staff.iter().take(3).copied().collect();
                store::set_team(&mut tx, aid, &team).await?;
                let made_at = noon(cal.add_working_days(
                    cal.add_working_days(today, -plan.published_ago.unwrap_or(0)),
                    1,
                )) + n as i64 * 600;
                store::demo_created(&mut tx, Table::Applications, aid, made_at).await?;
                let org_who = Who {
                    id: None,
                    name: format!("organization {org}"),
                };
                step(
                    &mut tx,
                    "application",
                    aid,
                    &org_who,
                    None,
                    "draft",
                    "create",
                    made_at,
                )
                .await?;
                step(
                    &mut tx,
                    "application",
                    aid,
                    &org_who,
                    Some("draft"),
                    "submitted",
                    "submit",
                    made_at + 3600,
                )
                .await?;
                store::demo_settle(
                    &mut tx,
                    Table::Applications,
                    aid,
                    "submitted",
                    1,
                    made_at + 3600,
                )
                .await?;
                store::set_submitted_at(&mut tx, aid, Some(made_at + 3600)).await?;
                n += 1;
            }
        }
        store::demo_settle(&mut tx, Table::Projects, id, plan.state, version, at).await?;
        if plan.state == "closed" {
            closed_call = Some((id, version, at));
        }
        made += 1;
    }
    // The closed call is under review: a panel of five, four of whom have declared no
    // conflict and scored; the demo evaluator still has to declare and score.
    if let Some((id, version, at)) = closed_call {
        let when = at + 86_400;
        sanshe_store::panels::insert_panel(&mut tx, id, 5, "demo").await?;
        let seats = [0usize, 1, 4, 7, 10];
        let apps = store::list_applications(
            &mut tx,
            &store::ApplicationFilter {
                project: Some(id),
                ..Default::default()
            },
            sanshe_store::PageReq {
                page: 1,
                per_page: 100,
            },
        )
        .await?
        .items;
        for (n, k) in seats.iter().enumerate() {
            let m =
                sanshe_store::panels::insert_member(&mut tx, id, experts[*k], n as i64 + 1, n == 0)
                    .await?;
            if *k == 1 {
                continue;
            }
            sanshe_store::panels::declare(&mut tx, m, "drawn", "cleared", "").await?;
            for a in &apps {
                for c in sanshe_domain::purchase::DEFAULT_RUBRIC {
                    let pts = c.weight * (60 + rng.range(0, 38)) / 100;
                    sanshe_store::panels::upsert_score(&mut tx, m, a.id, c.key, pts, "", "demo")
                        .await?;
                }
            }
        }
        step(
            &mut tx,
            "project",
            id,
            &officer,
            Some("closed"),
            "reviewing",
            "review",
            when,
        )
        .await?;
        store::demo_settle(&mut tx, Table::Projects, id, "reviewing", version + 1, when).await?;
        if let Some(u) = evaluator {
            crate::inbox::notify(
                &mut tx,
                &[u],
                "panel.drawn",
                "湖塘镇困境老人关爱服务项目",
                "",
                &format!("/purchase/projects/{id}"),
            )
            .await?;
        }
    }
    // Earlier calls, reviewed by panels that signed, awarded and under contract: one fully
    // delivered, every tranche paid, its reports accepted and the contract completed; and last
    // year's, mid-way: the first tranche paid, the second payable on the mid-term report.
    let past = Past {
        district,
        year,
        today,
        officer: &officer,
        district_staff,
        communities: &communities,
        experts: &experts,
        representative,
        cal: &cal,
    };
    let done = PastCall {
        title: "湖塘镇社区居家养老上门服务项目（已结项）",
        item: 4,
        amount_fen: 16_000_000,
        created_ago: 420,
        term_days: 239,
        applicants: &teams[2.min(teams.len())..teams.len().min(11)],
        complete: true,
        pay_prefix: "WJ-PAY-010",
    };
    let midway = PastCall {
        title: "武进区社区社会组织孵化培育项目（已签约）",
        item: 12,
        amount_fen: 24_000_000,
        created_ago: 300,
        term_days: 364,
        applicants: &teams[..teams.len().min(3)],
        complete: false,
        pay_prefix: "WJ-PAY-000",
    };
    let halted = PastCall {
        title: "牛塘镇社区困境青少年帮扶项目（中期评估不合格）",
        item: 9,
        amount_fen: 12_000_000,
        created_ago: 330,
        term_days: 330,
        applicants: &teams[1.min(teams.len())..teams.len().min(4)],
        complete: false,
        pay_prefix: "WJ-PAY-020",
    };
    let mut contracts = Vec::new();
    for call in [done, midway, halted] {
        if !call.applicants.is_empty() {
            contracts.push(past_call(&mut tx, &past, &items, &call, &mut rng).await?);
            made += 1;
        }
    }
    // Their third-party evaluations: the delivered call's final (良), the halted call's
    // mid-term (差, which stopped its second tranche), and the demo organization's mid-term,
    // assigned to the demo assessor today.
    if let (Some(u), [done_k, midway_k, halted_k]) = (evaluator, contracts.as_slice()) {
        demo_evaluations(&mut tx, &past, u, *done_k, *midway_k, *halted_k).await?;
    }
    // Venture philanthropy: this year's round in its mid-term, next year's taking applications.
    let mut venture_orgs: Vec<i64> = home_org.into_iter().collect();
    venture_orgs.extend(
        teams
            .iter()
            .map(|(o, _)| *o)
            .filter(|o| Some(*o) != home_org)
            .rev()
            .take(7),
    );
    super::venture_demo::load(
        &mut tx,
        district,
        year,
        today,
        &venture_orgs,
        district_staff,
        evaluator,
    )
    .await?;
    // Organization ratings: the demo organization's 4A, one on notice, one for the demo
    // assessor to score, one cancelled.
    // (Besides the demo organization, organizations that apply to no call: a rating changes
    // the grade calls read.)
    let applicants: Vec<i64> = teams.iter().map(|(o, _)| *o).collect();
    let others: Vec<i64> = sanshe_store::award_lists::orgs_in(&mut tx, district)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .filter(|o| !applicants.contains(o) && Some(*o) != evaluator_org && Some(*o) != home_org)
        .take(3)
        .collect();
    let rated: Vec<i64> = home_org.into_iter().chain(others).collect();
    super::ratings::demo(&mut tx, district, today, &rated, district_staff, evaluator).await?;
    // 以奖代补: last year's list for the demo street's communities, published.
    super::award_lists::demo(
        &mut tx,
        district,
        year,
        super::super::demo::DEMO_STREET,
        None,
        district_staff,
        today,
    )
    .await?;
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "project",
            verb: "demo",
        },
        None,
        format!(
            "demo purchase year {year}: {} catalog items, {made} projects",
            items.len()
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(made)
}

/// What every earlier call shares.
struct Past<'a> {
    district: &'a str,
    year: i64,
    today: Day,
    officer: &'a Who,
    district_staff: Option<i64>,
    communities: &'a [(String, String)],
    experts: &'a [i64],
    representative: i64,
    cal: &'a sanshe_domain::calendar::WorkCalendar,
}

/// An earlier call: the first applicant wins.
struct PastCall<'a> {
    title: &'static str,
    item: usize,
    amount_fen: i64,
    /// Days ago the project was made; every later step is dated from it.
    created_ago: i64,
    term_days: i64,
    applicants: &'a [(i64, Vec<i64>)],
    /// Delivered in full: every tranche paid, both reports accepted, the contract completed.
    complete: bool,
    pay_prefix: &'static str,
}

/// An earlier call through award, contract, tranches and delivery, dated back from today.
async fn past_call(
    tx: &mut Conn,
    ctx: &Past<'_>,
    items: &[(i64, ItemData)],
    call: &PastCall<'_>,
    rng: &mut Rng,
) -> Result<i64, AppError> {
    let today = ctx.today;
    let officer = ctx.officer;
    let ago = |days: i64| today.plus_days(-(call.created_ago - days));
    let created_day = ago(0);
    // Last year's budget.
    let year = ctx.year - 1;
    let line = match store::lines(tx, ctx.district, year)
        .await?
        .into_iter()
        .find(|l| l.code == LINES[0].0)
    {
        Some(l) => l.id,
        None => {
            store::insert_line(
                tx,
                ctx.district,
                year,
                LINES[0].0,
                LINES[0].1,
                LINES[0].2 * 100,
                true,
            )
            .await?
        }
    };
    let cat = store::ensure_catalog(tx, ctx.district, year).await?;
    let (_, item) = &items[call.item];
    let mut d_item = item.clone();
    d_item.budget_line_id = line;
    d_item.code = format!("WJ{year}-{:02}", call.item + 1);
    let it = store::insert_item(tx, cat.id, &d_item, true).await?;
    if cat.state != "published" {
        store::demo_settle(tx, Table::Catalogs, cat.id, "published", 1, noon(ago(-30))).await?;
    }
    let start = ago(100);
    let d = ProjectData {
        item_id: it,
        proposal_id: None,
        title: call.title.into(),
        description: format!("{}：{}", item.name, item.content),
        amount_fen: call.amount_fen,
        beneficiaries: 600,
        service_hours: 1500,
        activities: 40,
        outcomes: format!(
            "{}服务对象满意度不低于90%，形成可复制的服务模式。",
            item.name
        ),
        method: "public_call".into(),
        justification: String::new(),
        single_source_org: None,
        min_team: 2,
        min_intermediate: 1,
        one_per_org: true,
        start_date: start.to_string(),
        end_date: start.plus_days(call.term_days).to_string(),
        apply_days: 10,
        rubric: String::new(),
        rubric_guide: String::new(),
        history_min_grade: String::new(),
        history_exclude_poor: false,
        history_bonus: 0,
        history_penalty: 0,
    };
    let id = store::insert_project(tx, ctx.district, year, &d, ctx.district_staff, true).await?;
    let codes: Vec<String> = ctx
        .communities
        .iter()
        .take(4)
        .map(|c| c.0.clone())
        .collect();
    store::set_communities(tx, id, &codes).await?;
    let created = noon(created_day);
    store::demo_created(tx, Table::Projects, id, created).await?;
    step(tx, "project", id, officer, None, "draft", "create", created).await?;
    // The applications: the first wins.
    let mut apps = Vec::new();
    for (n, (org, staff)) in call.applicants.iter().enumerate() {
        let a = ApplicationData {
            amount_fen: call.amount_fen
                - if n == 0 {
                    call.amount_fen / 60
                } else {
                    rng.range(0, 19) * 10_000
                },
            needs_analysis:
                "经入户走访与问卷调查，目标人群需求集中在日常照料、社会参与与资源链接。".into(),
            plan: "组建专业团队，分阶段开展个案、小组与社区活动，建立服务档案并定期评估。".into(),
            outputs: format!(
                "个案{}个，小组{}个，社区活动{}场",
                20 + n * 3,
                6 + n,
                12 + n * 2
            ),
            outcomes: "服务对象满意度不低于90%。".into(),
            budget_breakdown: "人员经费55%，活动经费35%，管理费用10%。".into(),
            direct_beneficiaries: 200 + rng.range(0, 199),
            indirect_beneficiaries: 800 + rng.range(0, 799),
            declared: true,
        };
        let aid =
            store::insert_application(tx, id, *org, Some(format!("{id}/{org}")), &a, None, true)
                .await?;
        store::set_team(tx, aid, &staff.iter().take(3).copied().collect::<Vec<_>>()).await?;
        let at = noon(ago(24)) + n as i64 * 900;
        store::demo_created(tx, Table::Applications, aid, at).await?;
        store::demo_settle(tx, Table::Applications, aid, "submitted", 1, at).await?;
        store::set_submitted_at(tx, aid, Some(at)).await?;
        apps.push((aid, a));
    }
    let (aid, a) = &apps[0];
    if !store::reserve(tx, line, d.amount_fen).await? {
        return Err(AppError::Internal("demo budget too small".into()));
    }
    store::set_reserved(tx, id, d.amount_fen, Some(line)).await?;
    store::set_call_dates(tx, id, &ago(20).to_string(), &ago(38).to_string()).await?;
    // The panel of five signed its report; the winner scored highest.
    use sanshe_store::panels as pn;
    pn::insert_panel(tx, id, 5, "demo").await?;
    // Four experts drawn, the bureau's representative named to the fifth seat.
    let seats: Vec<i64> = [0usize, 2, 3, 5]
        .iter()
        .filter_map(|k| ctx.experts.get(*k).copied())
        .chain([ctx.representative])
        .collect();
    for (n, e) in seats.iter().enumerate() {
        let m = pn::insert_member(tx, id, *e, n as i64 + 1, n == 0).await?;
        pn::declare(tx, m, "drawn", "cleared", "").await?;
        for (i, (app, _)) in apps.iter().enumerate() {
            for c in sanshe_domain::purchase::DEFAULT_RUBRIC {
                let base = if i == 0 { 88 } else { 60 + rng.range(0, 25) };
                let pts = (c.weight * (base + rng.range(0, 8)) / 100).min(c.weight);
                pn::upsert_score(tx, m, *app, c.key, pts, "", "demo").await?;
            }
        }
    }
    pn::sign(tx, id, "沈立群", noon(ago(60))).await?;
    store::set_reviewed_on(tx, id, &ago(60).to_string()).await?;
    let awarded = ago(70);
    store::set_award(
        tx,
        id,
        Some(*aid),
        Some(&awarded.to_string()),
        Some(&ctx.cal.add_working_days(awarded, 5).to_string()),
    )
    .await?;
    for (from, to, ev, days) in [
        ("draft", "approved", "approve", 10),
        ("approved", "open", "publish", 20),
        ("open", "closed", "close", 38),
        ("closed", "reviewing", "review", 45),
        ("reviewing", "reviewed", "report", 60),
        ("reviewed", "awarded", "award", 70),
        ("awarded", "confirmed", "confirm", 80),
    ] {
        step(
            tx,
            "project",
            id,
            officer,
            Some(from),
            to,
            ev,
            noon(ago(days)),
        )
        .await?;
    }
    store::demo_settle(tx, Table::Projects, id, "confirmed", 7, noon(ago(80))).await?;
    let org = call.applicants[0].0;
    let pct = |p: i64| a.amount_fen * p / 100;
    let clauses = sanshe_store::contracts::Clauses {
        amount_fen: a.amount_fen,
        start_date: d.start_date.clone(),
        end_date: d.end_date.clone(),
        term_justification: String::new(),
        content: d.description.clone(),
        quantity: a.outputs.clone(),
        quality: d.outcomes.clone(),
        price: format!(
            "¥{}.{:02}，包干使用",
            a.amount_fen / 100,
            a.amount_fen % 100
        ),
        settlement: "按 40%、30%、30% 分三期支付：签约后、中期报告验收后、期满结项后。".into(),
        rights: "甲方监督检查、组织评估；乙方按方案提供服务、接受监督、按期报告。".into(),
        liability: "乙方未按约定提供服务的，甲方可暂停支付、要求整改或追回资金。".into(),
    };
    let k = sanshe_store::contracts::insert(tx, id, *aid, org, &clauses).await?;
    let signed = ago(90);
    sanshe_store::contracts::set_signed_on(tx, k, &signed.to_string()).await?;
    sanshe_store::contracts::add_version(tx, k, 0, "{}", "", "武进区民政局（演示）").await?;
    let end = start.plus_days(call.term_days);
    // A contract still running keeps its last tenth for the mid-term evaluation (事中评估).
    let evaluated = if call.complete { 0 } else { pct(10) };
    let third = a.amount_fen - pct(40) - pct(30) - evaluated;
    let mut tranches = Vec::new();
    let mut plan = vec![
        ("签约后首期 40%", pct(40), ago(95), "on_signing"),
        (
            "中期报告验收后 30%",
            pct(30),
            start.plus_days(call.term_days / 2 + 15),
            "on_acceptance",
        ),
        (
            if call.complete {
                "期满结项后 30%"
            } else {
                "期满结项后 20%"
            },
            third,
            end,
            if call.complete {
                "on_acceptance"
            } else {
                "on_date"
            },
        ),
    ];
    if evaluated > 0 {
        plan.push((
            "中期评估通过后 10%",
            evaluated,
            start.plus_days(call.term_days / 2 + 30),
            "on_midterm_evaluation",
        ));
    }
    for (label, fen, due, gate) in plan {
        let t = sanshe_store::contracts::add_tranche(tx, k, label, fen, &due.to_string(), gate)
            .await?
            .ok_or_else(|| AppError::Internal("demo tranches exceed the contract".into()))?;
        tranches.push((t, fen));
    }
    // Paid: the first after signing; with the whole delivery, the others after their reports.
    let paid_days = if call.complete {
        vec![
            ago(100),
            start.plus_days(call.term_days / 2 + 12),
            end.plus_days(20),
        ]
    } else {
        vec![ago(100)]
    };
    for (n, ((t, fen), day)) in tranches.iter().zip(&paid_days).enumerate() {
        let voucher = format!("{}{}", call.pay_prefix, n + 1);
        if !sanshe_store::contracts::pay(tx, k, *fen).await? {
            return Err(AppError::Internal(
                "demo payments exceed the contract".into(),
            ));
        }
        let paid = day.to_string();
        sanshe_store::contracts::record_payment(
            tx,
            k,
            Some(*t),
            *fen,
            &paid,
            &voucher,
            "",
            "武进区民政局（演示）",
        )
        .await?;
        sanshe_store::contracts::set_tranche_paid(tx, *t, &paid, &voucher).await?;
        // The first is paid on signing; the others once their report was accepted (the
        // report's step opened them).
        let from = if n == 0 { "scheduled" } else { "ready" };
        step(
            tx,
            "tranche",
            *t,
            officer,
            Some(from),
            "paid",
            "pay",
            noon(*day),
        )
        .await?;
        store::demo_settle(
            tx,
            Table::Tranches,
            *t,
            "paid",
            if n == 0 { 1 } else { 2 },
            noon(*day),
        )
        .await?;
    }
    let contract_state = if call.complete { "completed" } else { "signed" };
    let last_step = if call.complete {
        end.plus_days(21)
    } else {
        signed
    };
    store::demo_settle(
        tx,
        Table::Contracts,
        k,
        contract_state,
        if call.complete { 2 } else { 1 },
        noon(last_step),
    )
    .await?;
    step(
        tx,
        "contract",
        k,
        officer,
        Some("draft"),
        "signed",
        "sign",
        noon(signed),
    )
    .await?;
    if call.complete {
        step(
            tx,
            "contract",
            k,
            officer,
            Some("signed"),
            "completed",
            "complete",
            noon(last_step),
        )
        .await?;
    }
    let reports = if call.complete {
        vec![
            (
                "midterm",
                start,
                start.plus_days(call.term_days / 2),
                Some(tranches[1].0),
            ),
            (
                "final",
                start.plus_days(call.term_days / 2 + 1),
                end,
                Some(tranches[2].0),
            ),
        ]
    } else {
        vec![("midterm", start, today.plus_days(-15), Some(tranches[1].0))]
    };
    demo_delivery(
        tx,
        k,
        id,
        start.plus_days(4),
        end.min(today.plus_days(-5)),
        &reports,
        call.complete,
    )
    .await?;
    Ok(k)
}

/// One demo evaluation: its scores and findings, its steps dated back, and its state.
struct DemoEval {
    contract: i64,
    stage: &'static str,
    /// Points in tenths per indicator of the default scheme; empty: not scored yet.
    points: [i64; 4],
    findings: &'static str,
    answer: &'static str,
    /// Days ago it was assigned, scored and decided.
    assigned_ago: i64,
    decided_ago: Option<i64>,
}

async fn demo_evaluations(
    tx: &mut Conn,
    ctx: &Past<'_>,
    assessor: i64,
    done: i64,
    midway: i64,
    halted: i64,
) -> Result<(), AppError> {
    let Some(agency) = sanshe_store::users::get(tx, assessor)
        .await?
        .and_then(|u| u.scope_org)
    else {
        return Ok(());
    };
    let scheme_row = super::evaluations::scheme_in(tx, ctx.district).await?;
    let scheme = sanshe_domain::evaluation::Scheme::default();
    let who = Who {
        id: Some(assessor),
        name: "评估员 演示".into(),
    };
    let evals = [
        DemoEval {
            contract: done,
            stage: "final",
            points: [135, 210, 260, 260],
            findings: "服务记录完整，上门服务 1,126 人次，满意度抽样 92%；个别服务对象回访记录缺少签名，建议补充。",
            answer: "已补齐回访签名并完善服务台账，感谢评估组意见。",
            assigned_ago: 70,
            decided_ago: Some(55),
        },
        DemoEval {
            contract: halted,
            stage: "midterm",
            points: [90, 140, 150, 140],
            findings: "中期服务量仅完成计划的 38%，驻点社工长期缺岗，服务记录与现场访谈不符。",
            answer: "",
            assigned_ago: 40,
            decided_ago: Some(20),
        },
        DemoEval {
            contract: midway,
            stage: "midterm",
            points: [0; 4],
            findings: "",
            answer: "",
            assigned_ago: 1,
            decided_ago: None,
        },
    ];
    for e in evals {
        let Some(id) = sanshe_store::evaluations::insert(
            tx,
            e.contract,
            e.stage,
            agency,
            assessor,
            scheme_row.id,
            None,
        )
        .await?
        else {
            continue;
        };
        let assigned = ctx.today.plus_days(-e.assigned_ago);
        step(
            tx,
            "evaluation",
            id,
            ctx.officer,
            None,
            "assigned",
            "create",
            noon(assigned),
        )
        .await?;
        let Some(ago) = e.decided_ago else {
            crate::inbox::notify(
                tx,
                &[assessor],
                "evaluation.assigned",
                "武进区社区社会组织孵化培育项目（已签约）",
                e.stage,
                &format!("/purchase/evaluations/{id}"),
            )
            .await?;
            continue;
        };
        let total: i64 = e.points.iter().sum();
        let grade = scheme.grade(total);
        let scored = ctx.today.plus_days(-ago - 8);
        let decided = ctx.today.plus_days(-ago);
        let stored: Vec<String> = e.points.iter().map(i64::to_string).collect();
        // A comment where an indicator fell short of four fifths of its weight.
        let short: std::collections::BTreeMap<&str, &str> = scheme
            .indicators
            .iter()
            .zip(e.points.iter())
            .filter(|(i, p)| **p * 10 < i.weight * 80)
            .map(|(i, _)| {
                (
                    i.code.as_str(),
                    "未达预期：见评估意见中的具体问题和整改建议。",
                )
            })
            .collect();
        let comments = if short.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&short).unwrap_or_default()
        };
        sanshe_store::evaluations::set_scores(
            tx,
            id,
            &stored.join(","),
            total,
            grade,
            e.findings,
            &comments,
            &scored.plus_days(7).to_string(),
        )
        .await?;
        if !e.answer.is_empty() {
            sanshe_store::evaluations::set_answer_demo(tx, id, e.answer).await?;
        }
        sanshe_store::evaluations::set_decided(tx, id, &decided.to_string()).await?;
        step(
            tx,
            "evaluation",
            id,
            &who,
            Some("assigned"),
            "draft",
            "submit",
            noon(scored),
        )
        .await?;
        step(
            tx,
            "evaluation",
            id,
            &who,
            Some("draft"),
            "final",
            "finalize",
            noon(decided),
        )
        .await?;
        step(
            tx,
            "evaluation",
            id,
            ctx.officer,
            Some("final"),
            "published",
            "publish",
            noon(decided.plus_days(2)),
        )
        .await?;
        store::demo_settle(
            tx,
            Table::Evaluations,
            id,
            "published",
            3,
            noon(decided.plus_days(2)),
        )
        .await?;
        if !sanshe_domain::evaluation::passes(grade) && e.stage == "midterm" {
            sanshe_store::evaluations::halt(tx, e.contract, &decided.to_string()).await?;
            // The district ordered a rectification (整改) of the failed mid-term; the provider
            // has not yet reported.
            let ordered = decided.plus_days(3);
            if let Some(rid) = sanshe_store::evaluations::insert_rectification(
                tx,
                id,
                "补齐驻点社工，按合同恢复每周服务频次，整改期内完成计划服务量的 60%，并提交服务台账与回访记录。",
                &ctx.today.plus_days(12).to_string(),
            )
            .await?
            {
                step(
                    tx,
                    "rectification",
                    rid,
                    ctx.officer,
                    None,
                    "ordered",
                    "create",
                    noon(ordered),
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Kind, period and tranche of a milestone report.
type DemoReport = (&'static str, Day, Day, Option<i64>);

/// A contract at work: activities every couple of weeks from `first_day` to `last_day`, logged
/// by the team members whose registration covered the day, and the milestone reports compiled
/// from them: accepted when the delivery is `complete`, otherwise the last one waits for the
/// officer (accepting it opens its tranche).
async fn demo_delivery(
    tx: &mut Conn,
    contract: i64,
    project: i64,
    first_day: Day,
    last_day: Day,
    reports: &[DemoReport],
    complete: bool,
) -> Result<(), AppError> {
    use sanshe_store::delivery as dstore;
    let team = dstore::team(tx, contract).await?;
    let people = store::members(tx, &team).await?;
    let communities = store::communities(tx, project).await?;
    if communities.is_empty() || people.is_empty() {
        return Ok(());
    }
    let org = sanshe_store::contracts::get(tx, contract)
        .await?
        .map(|k| k.org_name)
        .unwrap_or_default();
    let contents = [
        "服务对象需求评估与个案建档",
        "社区能力建设培训：项目设计与预算编制",
        "开放日活动，服务对象与家属参与成果展示",
        "小组活动：兴趣小组与互助小组",
        "社区志愿者招募与管理培训",
        "一对一个案跟进与督导",
        "社区议事协商观摩交流",
        "资源链接：联系辖区单位开展共建活动",
    ];
    let mut n = 0usize;
    let mut d = first_day;
    while d <= last_day {
        let day = d.to_string();
        let hours: Vec<(i64, i64)> = people
            .iter()
            .filter(|m| sanshe_domain::purchase::registered_on(&m.registrations, &day))
            .enumerate()
            .map(|(i, m)| {
                (
                    m.worker_id,
                    if i == 0 { 30 } else { 20 + 5 * (n as i64 % 3) },
                )
            })
            .collect();
        if !hours.is_empty() {
            let direct = 18 + (n as i64 * 7) % 23;
            let log = dstore::LogData {
                day: day.clone(),
                community: communities[n % communities.len()].0.clone(),
                content: contents[n % contents.len()].into(),
                direct,
                indirect: direct * 3,
                hours,
            };
            dstore::insert_log(
                tx,
                contract,
                &log,
                None,
                &org,
                sanshe_domain::purchase::MAX_HOURS_TENTHS,
            )
            .await?
            .map_err(|_| AppError::Internal("demo hours over a day".into()))?;
        }
        n += 1;
        d = d.plus_days(16);
    }
    let who = Who {
        id: None,
        name: org.clone(),
    };
    let officer = Who {
        id: None,
        name: "武进区民政局（演示）".into(),
    };
    for (kind, from_day, to_day, tranche) in reports {
        let (from, to) = (from_day.to_string(), to_day.to_string());
        let totals = dstore::totals(tx, contract, Some(&from), Some(&to)).await?;
        let summary = if *kind == "final" {
            "全期服务按合同完成：个案、小组与社区活动均达到约定数量，服务对象满意度调查 93%，形成服务手册一册。"
        } else {
            "按合同完成前半期服务任务：需求评估、个案建档与小组活动按计划推进，下半期重点扩大社区活动覆盖面。"
        };
        let rid = dstore::insert_report(tx, contract, *tranche, kind, &from, &to, summary, &totals)
            .await?;
        let submitted = to_day.plus_days(3);
        step(
            tx,
            "milestone_report",
            rid,
            &who,
            None,
            "submitted",
            "create",
            noon(submitted),
        )
        .await?;
        if complete {
            let accepted = submitted.plus_days(7);
            step(
                tx,
                "milestone_report",
                rid,
                &officer,
                Some("submitted"),
                "accepted",
                "accept",
                noon(accepted),
            )
            .await?;
            store::demo_settle(tx, Table::Reports, rid, "accepted", 1, noon(accepted)).await?;
            if let Some(t) = tranche {
                step(
                    tx,
                    "tranche",
                    *t,
                    &officer,
                    Some("scheduled"),
                    "ready",
                    "accept",
                    noon(accepted),
                )
                .await?;
            }
        }
    }
    Ok(())
}
