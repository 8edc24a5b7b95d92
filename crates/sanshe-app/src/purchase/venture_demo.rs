//! The demo district's venture philanthropy: this year's round in its mid-term (the demo
//! organization's project among those running, its mid-term still to be recorded; one project
//! already passed; one not funded; one rejected at screening) and next year's round open for
//! applications.

use crate::AppError;
use sanshe_domain::calendar::Day;
use sanshe_domain::venture::{self as domain, Settings};
use sanshe_domain::workflow::Workflow;
use sanshe_store::venture::{self as store, Money, ProjectFields};
use sanshe_store::workflow::{append_history_at, HistoryEntry, Table};
use sanshe_store::Conn;

/// Title, topic, tier in yuan, matched funds in yuan, scores, votes, outcome.
type DemoProject = (
    &'static str,
    &'static str,
    i64,
    i64,
    [i64; 5],
    i64,
    &'static str,
);

const PROJECTS: [DemoProject; 8] = [
    (
        "银龄互助·社区老年人精神关爱计划",
        "为老服务",
        30_000,
        8_000,
        [18, 17, 16, 18, 17],
        412,
        "running",
    ),
    (
        "“护苗”困境儿童课后陪伴",
        "青少年成长",
        20_000,
        5_000,
        [19, 17, 17, 17, 16],
        388,
        "running",
    ),
    (
        "新市民融入“邻里客厅”",
        "社区融合",
        20_000,
        0,
        [17, 16, 18, 16, 15],
        251,
        "running",
    ),
    (
        "失独家庭“暖心结对”",
        "为老服务",
        10_000,
        12_000,
        [16, 16, 15, 16, 16],
        96,
        "running",
    ),
    (
        "社区青少年心理支持小组",
        "青少年成长",
        10_000,
        0,
        [16, 15, 16, 15, 15],
        173,
        "running",
    ),
    (
        "楼道微治理议事会培育",
        "社区融合",
        5_000,
        2_000,
        [16, 16, 14, 15, 15],
        64,
        "passed",
    ),
    (
        "社区手工坊",
        "社区融合",
        5_000,
        0,
        [13, 12, 12, 13, 11],
        38,
        "not_funded",
    ),
    (
        "网红打卡点建设",
        "社区融合",
        30_000,
        0,
        [0, 0, 0, 0, 0],
        0,
        "rejected",
    ),
];

fn noon(d: Day) -> i64 {
    d.unix_cst_midnight() + 12 * 3600
}

async fn history(
    c: &mut Conn,
    kind: &str,
    id: i64,
    who: (Option<i64>, &str),
    steps: &[(&str, &str, &str, Day)],
) -> Result<(), AppError> {
    let mut from: Option<String> = None;
    for (to, event, note, day) in steps {
        append_history_at(
            c,
            &HistoryEntry {
                kind: kind.into(),
                record_id: id,
                actor_id: who.0,
                actor_name: who.1.into(),
                from_state: from.clone(),
                to_state: (*to).into(),
                event: (*event).into(),
                note: (*note).into(),
            },
            noon(*day),
        )
        .await?;
        from = Some((*to).into());
    }
    Ok(())
}

/// Loads the two demo rounds; `orgs` are the district's applying organizations (the demo
/// organization first when there is one).
pub async fn load(
    c: &mut Conn,
    district: &str,
    year: i64,
    today: Day,
    orgs: &[i64],
    officer: Option<i64>,
    reviewer: Option<i64>,
) -> Result<(), AppError> {
    let who = (officer, "武进区民政局（演示）");
    let mut s = Settings::new(year, &today.plus_days(-150).to_string());
    s.title = format!("{year}年武进区公益创投大赛");
    s.description = "面向在本区登记的社会组织，围绕为老服务、青少年成长、社区融合三个方向征集公益项目；路演评审，入围项目公示期间居民投票，得票前5名加5分。".into();
    s.pool_charity_fen = 10_000_000;
    let topics = s.topics.join("\n");
    let tiers = s
        .tiers
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let round = store::insert_round(
        c,
        district,
        &super::venture::fields(&s, &topics, &tiers),
        officer,
        true,
    )
    .await?;
    let vote_until = today.plus_days(-100);
    store::set_vote_until(c, round, &vote_until.to_string()).await?;
    sanshe_store::purchase::demo_settle(
        c,
        Table::VentureRounds,
        round,
        "concluded",
        5,
        noon(today.plus_days(-97)),
    )
    .await?;
    history(
        c,
        <domain::Rounds as Workflow>::KIND,
        round,
        who,
        &[
            ("draft", "create", "", today.plus_days(-190)),
            ("open", "publish", "", today.plus_days(-185)),
            ("review", "close_applications", "", today.plus_days(-149)),
            (
                "notice",
                "announce",
                &vote_until.to_string(),
                today.plus_days(-107),
            ),
            ("awarding", "close_vote", "", today.plus_days(-99)),
            ("concluded", "conclude", "", today.plus_days(-97)),
        ],
    )
    .await?;
    if let Some(u) = reviewer {
        store::add_reviewer(c, round, u).await?;
    }
    for (n, (title, topic, tier, matched, points, votes, outcome)) in PROJECTS.iter().enumerate() {
        let Some(org) = orgs.get(n).copied() else {
            break;
        };
        let f = ProjectFields {
            title,
            topic,
            summary: "以社区为平台、社会组织为载体、社工为支撑，联动志愿者和辖区单位开展服务。",
            plan: "第1–2月需求调研与招募；第3–8月小组与个案服务；第9–10月成效评估与经验总结。",
            beneficiaries: 120 + 30 * n as i64,
            tier_fen: tier * 100,
            matched_fen: matched * 100,
            not_funded_elsewhere: true,
        };
        let Some(id) = store::insert_project(c, round, org, &f, None, true).await? else {
            continue;
        };
        let mut steps: Vec<(&str, &str, &str, Day)> = vec![
            ("draft", "create", "", today.plus_days(-170)),
            ("submitted", "submit", "", today.plus_days(-160)),
        ];
        if *outcome == "rejected" {
            steps.push((
                "rejected",
                "reject",
                "偏重硬件建设，不属于公益服务项目。",
                today.plus_days(-140),
            ));
        } else {
            steps.push(("screened", "pass", "", today.plus_days(-140)));
            if let Some(u) = reviewer {
                let total: i64 = points.iter().sum();
                let text = points
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                store::set_score(c, id, u, &text, total, "需求明确，方案可行。").await?;
            }
            steps.push(("finalist", "shortlist", "", today.plus_days(-110)));
            let score: i64 = points.iter().sum::<i64>() * 10;
            let m = domain::matched_bonus(matched * 100, s.matched_unit_fen, s.matched_cap) * 10;
            let v = if n < 5 { s.vote_bonus * 10 } else { 0 };
            store::demo_votes(c, id, *votes).await?;
            store::set_ranking(c, id, m, v, score + m + v).await?;
        }
        let award_day = today.plus_days(-98);
        let sign_day = today.plus_days(-95);
        let first_day = today.plus_days(-88);
        let (state, version) = match *outcome {
            "running" | "passed" => {
                let source = if n == 3 { "charity" } else { "fiscal" };
                store::commit_pool(c, round, source, tier * 100).await?;
                let first = domain::first_tranche(tier * 100, s.first_share);
                let a = award_day.to_string();
                let sd = sign_day.to_string();
                let due = sign_day.plus_days(21).to_string();
                let fd = first_day.to_string();
                store::set_money(
                    c,
                    id,
                    &Money {
                        award: Some((tier * 100, source, &a)),
                        signed: Some((&sd, &due)),
                        first_paid: Some((first, &fd)),
                        ..Default::default()
                    },
                )
                .await?;
                steps.push(("awarded", "award", source, award_day));
                steps.push(("signed", "sign", "", sign_day));
                steps.push(("running", "pay_first", "", first_day));
                if *outcome == "passed" {
                    let d = today.plus_days(-10);
                    let ds = d.to_string();
                    store::set_money(
                        c,
                        id,
                        &Money {
                            rest_paid: Some((tier * 100 - first, &ds)),
                            ..Default::default()
                        },
                    )
                    .await?;
                    steps.push((
                        "passed",
                        "midterm_pass",
                        "中期评估合格：活动记录与台账完整。",
                        d,
                    ));
                    ("passed", 6)
                } else {
                    ("running", 5)
                }
            }
            "not_funded" => {
                steps.push(("not_funded", "decline", "conclude", today.plus_days(-97)));
                ("not_funded", 4)
            }
            _ => ("rejected", 3),
        };
        if *outcome != "rejected" {
            sanshe_store::purchase::demo_settle(
                c,
                Table::VentureProjects,
                id,
                state,
                version,
                noon(today.plus_days(-10)),
            )
            .await?;
        } else {
            sanshe_store::purchase::demo_settle(
                c,
                Table::VentureProjects,
                id,
                state,
                version,
                noon(today.plus_days(-140)),
            )
            .await?;
        }
        history(c, <domain::Projects as Workflow>::KIND, id, who, &steps).await?;
    }
    // Next year's round takes applications now.
    let mut s = Settings::new(year + 1, &today.plus_days(30).to_string());
    s.title = format!("{}年度公益创投（征集中）", year + 1);
    s.description = "征集面向困境儿童、独居老人和新市民的社区公益项目。".into();
    let topics = s.topics.join("\n");
    let next = store::insert_round(
        c,
        district,
        &super::venture::fields(&s, &topics, &tiers),
        officer,
        true,
    )
    .await?;
    sanshe_store::purchase::demo_settle(
        c,
        Table::VentureRounds,
        next,
        "open",
        1,
        noon(today.plus_days(-5)),
    )
    .await?;
    history(
        c,
        <domain::Rounds as Workflow>::KIND,
        next,
        who,
        &[
            ("draft", "create", "", today.plus_days(-7)),
            ("open", "publish", "", today.plus_days(-5)),
        ],
    )
    .await?;
    Ok(())
}
