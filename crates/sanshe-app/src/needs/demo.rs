//! Demo needs for Wujin: about 600 needs over the last three months across the district's
//! communities, in every state (some overdue, some due tomorrow in the demo community), a
//! handful of proposals, and a few needs of the demo resident with their timelines and
//! inbox notices. Deterministic: the same on every machine for the same date.

use crate::generate::Rng;
use crate::uow::Uow;
use crate::{calendar, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::calendar::Day;
use sanshe_store::needs::{self as store, NewNeed, NewProposal};
use sanshe_store::workflow::{append_history_at, HistoryEntry};
use sanshe_store::Conn;

mod texts;
use texts::{GIVEN, REASONS, REPLIES, SURNAMES, TOPICS};

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
    note: &str,
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
            note: note.into(),
        },
        at,
    )
    .await?;
    Ok(())
}

/// Loads the demo needs and proposals. `community_staff`, `street_staff`, `district_staff`
/// and `resident` are the demo accounts' ids; `home` is the demo community.
pub async fn load(
    app: &App,
    home: &str,
    resident: Option<i64>,
    community_staff: Option<i64>,
    street_staff: Option<i64>,
    district_staff: Option<i64>,
) -> Result<usize, AppError> {
    let ctx = Ctx::cli();
    let communities = {
        let mut c = app.db.acquire().await?;
        sanshe_store::areas::communities_within(
            &mut c,
            Some(super::super::demo::DISTRICT_CODE),
            None,
            5_000,
        )
        .await?
    };
    if communities.is_empty() {
        return Ok(0);
    }
    let today = calendar::today();
    let cal = calendar::load_around(app, today).await?;
    let days = crate::targets::profile(app, today.year() as i64)
        .await?
        .need_response_days;
    let now = sanshe_store::audit::now();
    let mut rng = Rng::new(20_181_120);
    let staff = Who {
        id: community_staff,
        name: "社区工作者 演示".into(),
    };
    let street = Who {
        id: street_staff,
        name: "湖塘镇 演示".into(),
    };
    let district = Who {
        id: district_staff,
        name: "区民政局 演示".into(),
    };
    let mut tx = Uow::begin(app).await?;
    // Proposals first (street and district), so merged needs can point at them.
    let plans: [(&str, &str, &str, &str, i64); 6] = [
        (
            "湖塘镇居家养老助餐服务项目",
            "elderly_disabled",
            super::super::demo::DEMO_STREET,
            "adopted",
            150_000,
        ),
        (
            "湖塘镇青少年四点半课堂",
            "social_work",
            super::super::demo::DEMO_STREET,
            "proposed",
            80_000,
        ),
        (
            "湖塘镇邻里矛盾调解室",
            "mediation",
            super::super::demo::DEMO_STREET,
            "draft",
            50_000,
        ),
        (
            "武进区困境家庭心理支持项目",
            "counselling",
            super::super::demo::DISTRICT_CODE,
            "adopted",
            200_000,
        ),
        (
            "武进区社区矫正帮教项目",
            "community_correction",
            super::super::demo::DISTRICT_CODE,
            "proposed",
            120_000,
        ),
        (
            "武进区社区图书角建设",
            "public_welfare",
            super::super::demo::DISTRICT_CODE,
            "declined",
            60_000,
        ),
    ];
    let mut proposals: Vec<(i64, String, String, i64)> = Vec::new();
    for (k, (title, cat, owner, state, yuan)) in plans.iter().enumerate() {
        let at = now - (40 - k as i64 * 5) * 86_400;
        let id = store::insert_proposal(
            &mut tx,
            &NewProposal {
                owner_area: owner.to_string(),
                title: title.to_string(),
                category: cat.to_string(),
                description: format!(
                    "汇总辖区居民反映的{}相关需求，建议通过政府购买服务由专业社会组织承接。",
                    title
                ),
                beneficiaries: 0,
                budget_fen: yuan * 100,
                created_by: if owner.len() == 9 {
                    street.id
                } else {
                    district.id
                },
                demo: true,
            },
        )
        .await?;
        let keeper = if owner.len() == 9 { &street } else { &district };
        step(
            &mut tx, "proposal", id, keeper, None, "draft", "create", "", at,
        )
        .await?;
        let mut version = 0;
        if *state != "draft" {
            step(
                &mut tx,
                "proposal",
                id,
                keeper,
                Some("draft"),
                "proposed",
                "propose",
                "",
                at + 86_400,
            )
            .await?;
            version += 1;
        }
        match *state {
            "adopted" => {
                step(
                    &mut tx,
                    "proposal",
                    id,
                    &district,
                    Some("proposed"),
                    "adopted",
                    "adopt",
                    "纳入下一年度购买服务目录。",
                    at + 5 * 86_400,
                )
                .await?;
                version += 1;
            }
            "declined" => {
                step(
                    &mut tx,
                    "proposal",
                    id,
                    &district,
                    Some("proposed"),
                    "declined",
                    "decline",
                    "已有同类项目在实施，建议并入。",
                    at + 6 * 86_400,
                )
                .await?;
                version += 1;
            }
            _ => {}
        }
        store::demo_settle_proposal(&mut tx, id, state, version, at).await?;
        proposals.push((id, cat.to_string(), owner.to_string(), at));
    }
    let total = 600;
    let mut made = 0;
    for i in 0..total {
        // A quarter of the needs in the demo street, a tenth in the demo community.
        let area = if i % 10 == 0 {
            home.to_owned()
        } else if i % 4 == 0 {
            communities
                .iter()
                .filter(|(c, _)| c.starts_with(super::super::demo::DEMO_STREET))
                .nth(rng.range(0, 40) as usize)
                .map(|c| c.0.clone())
                .unwrap_or_else(|| home.to_owned())
        } else {
            rng.pick(&communities).0.clone()
        };
        let (cat, titles, detail) = *rng.pick(&TOPICS);
        let title = rng.pick(titles).to_string();
        // Created 0–90 days ago; the youngest are still open.
        let age_days = rng.range(0, 90);
        let created = now - age_days * 86_400 - rng.range(0, 8 * 3600);
        let created_day = Day::from_unix_cst(created);
        let due = cal.add_working_days(created_day, days);
        let roll = rng.range(0, 99);
        let overdue_open = due < today;
        // Old submitted needs would be overdue; keep about 30 of those.
        let state = if age_days <= 6 || (roll < 5 && overdue_open) {
            "submitted"
        } else if roll < 10 {
            "withdrawn"
        } else if roll < 20 {
            "rejected"
        } else if roll < 40 {
            "accepted"
        } else if roll < 55
            && proposals
                .iter()
                .any(|p| p.1 == cat && area.starts_with(&p.2))
        {
            "merged"
        } else {
            "answered"
        };
        let name = format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN));
        let phone = format!(
            "1{}{:09}",
            rng.pick(&["35", "38", "39", "51", "58", "80", "88"]),
            rng.range(0, 999_999_999)
        )
        .chars()
        .take(11)
        .collect::<String>();
        let channel = *rng.pick(&["online", "counter", "phone", "grid", "counter", "grid"]);
        let owner = (channel == "online" && i % 10 == 0)
            .then_some(resident)
            .flatten();
        let id = store::insert(
            &mut tx,
            &NewNeed {
                area_code: area.clone(),
                category: cat.into(),
                title: title.clone(),
                description: format!(
                    "{detail}（{}）",
                    rng.pick(&[
                        "约涉及一个楼栋",
                        "多位居民反映",
                        "已持续一段时间",
                        "希望尽快解决"
                    ])
                ),
                people: rng.range(1, 60),
                urgency: rng
                    .pick(&["normal", "normal", "normal", "urgent", "critical"])
                    .to_string(),
                channel: channel.into(),
                resident_user_id: owner,
                contact_name_enc: Some(app.pii.encrypt(&name)?),
                contact_name_masked: super::mask_name(&name),
                phone_enc: Some(app.pii.encrypt(&phone)?),
                phone_masked: sanshe_domain::ident::mask_phone(&phone),
                due_on: due.to_string(),
                created_by: if owner.is_some() {
                    resident
                } else {
                    community_staff
                },
                demo: true,
                state: "submitted".into(),
                created_at: created,
            },
        )
        .await?;
        let raiser = Who {
            id: if owner.is_some() {
                resident
            } else {
                community_staff
            },
            name: if owner.is_some() {
                "居民 演示".into()
            } else {
                staff.name.clone()
            },
        };
        step(
            &mut tx,
            "need",
            id,
            &raiser,
            None,
            "submitted",
            "create",
            "",
            created,
        )
        .await?;
        let responded = created + rng.range(3, 4 * 24) * 3600;
        let later = responded + rng.range(1, 10) * 86_400;
        let (mut version, mut resp, mut reply, mut reason, mut prop) = (0, None, "", "", None);
        match state {
            "withdrawn" => {
                step(
                    &mut tx,
                    "need",
                    id,
                    &raiser,
                    Some("submitted"),
                    "withdrawn",
                    "withdraw",
                    "问题已自行解决。",
                    responded,
                )
                .await?;
                version = 1;
            }
            "rejected" => {
                reason = *rng.pick(&REASONS);
                step(
                    &mut tx,
                    "need",
                    id,
                    &staff,
                    Some("submitted"),
                    "rejected",
                    "reject",
                    reason,
                    responded,
                )
                .await?;
                version = 1;
                resp = Some(responded);
            }
            "accepted" | "answered" | "merged" => {
                step(
                    &mut tx,
                    "need",
                    id,
                    &staff,
                    Some("submitted"),
                    "accepted",
                    "accept",
                    "",
                    responded,
                )
                .await?;
                version = 1;
                resp = Some(responded);
                if state == "answered" {
                    reply = *rng.pick(&REPLIES);
                    step(
                        &mut tx,
                        "need",
                        id,
                        &staff,
                        Some("accepted"),
                        "answered",
                        "answer",
                        reply,
                        later,
                    )
                    .await?;
                    version = 2;
                } else if state == "merged" {
                    if let Some(p) = proposals
                        .iter()
                        .find(|p| p.1 == cat && area.starts_with(&p.2))
                    {
                        let keeper = if p.2.len() == 9 { &street } else { &district };
                        step(
                            &mut tx,
                            "need",
                            id,
                            keeper,
                            Some("accepted"),
                            "merged",
                            "merge",
                            &format!("→ #{}", p.0),
                            p.3.max(responded + 3600),
                        )
                        .await?;
                        version = 2;
                        prop = Some(p.0);
                        store::add_community(&mut tx, p.0, &area).await?;
                    }
                }
            }
            _ => {}
        }
        let settled = if state == "merged" && prop.is_none() {
            "accepted"
        } else {
            state
        };
        store::demo_settle(
            &mut tx,
            id,
            settled,
            version,
            resp,
            reply,
            reason,
            prop,
            later.min(now),
        )
        .await?;
        if let (Some(o), true) = (owner, version > 0) {
            crate::inbox::notify(
                &mut tx,
                &[o],
                &format!("need.{settled}"),
                &title,
                if reply.is_empty() { reason } else { reply },
                &format!("/needs/{id}"),
            )
            .await?;
        }
        made += 1;
    }
    // Work for the demo community's staff today: three needs due tomorrow, one overdue.
    let tomorrow = cal.add_working_days(today, 1);
    for (k, title) in [
        "社区老年活动室空调维修",
        "单元门禁故障",
        "楼道照明不足",
        "加装电梯意见征集",
    ]
    .iter()
    .enumerate()
    {
        let due = if k == 3 {
            cal.add_working_days(today, -2)
        } else {
            tomorrow
        };
        let created = due.unix_cst_midnight() - 7 * 86_400 + 9 * 3600;
        let id = store::insert(
            &mut tx,
            &NewNeed {
                area_code: home.to_owned(),
                category: "community_affairs".into(),
                title: title.to_string(),
                description: "居民到社区服务站反映，希望尽快处理。".into(),
                people: 20 + k as i64,
                urgency: "urgent".into(),
                channel: "counter".into(),
                due_on: due.to_string(),
                created_by: community_staff,
                demo: true,
                state: "submitted".into(),
                created_at: created,
                ..Default::default()
            },
        )
        .await?;
        step(
            &mut tx,
            "need",
            id,
            &staff,
            None,
            "submitted",
            "create",
            "",
            created,
        )
        .await?;
        made += 1;
    }
    tx.commit(ctx.audit_entry(
        Action::NeedDemo,
        None,
        format!(
            "demo needs generated: {made} needs, {} proposals",
            proposals.len()
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(made)
}
