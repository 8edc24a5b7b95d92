//! The demo district: the real 常州市武进区 (NBS 2023 codes and names: 18 streets/towns,
//! 297 communities/villages) with synthetic, clearly marked populations, two demo
//! organizations and one account per role.

use crate::accounts::{self, NewUserInput};
use crate::areas::{self, ImportOptions};
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::Role;
use sanshe_store::areas::PopulationRow;

const DISTRICT: &str = include_str!("../demo/wujin-district.csv");
const STREETS: &str = include_str!("../demo/wujin-streets.csv");
const COMMUNITIES: &str = include_str!("../demo/wujin-communities.csv");

pub const DISTRICT_CODE: &str = "320412";
pub const DEMO_STREET: &str = "320412100"; // 湖塘镇
pub const DEMO_PASSWORD: &str = "Sanshe@2026";
pub const DEMO_ORG: &str = "武进区阳光社会工作服务中心（演示）";
pub const DEMO_EVALUATOR_ORG: &str = "常州明鉴社会组织评估中心（演示）";

/// One demo account: user name, role, scope shown to the operator.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub scope: String,
}

/// Deterministic pseudo-random numbers (demo data must be the same on every machine).
pub async fn load(app: &App) -> Result<Vec<DemoAccount>, AppError> {
    if areas::count(app).await? > 0 {
        return Err(AppError::Conflict(sanshe_domain::FieldError::new(
            "database",
            "err-demo-not-empty",
        )));
    }
    let ctx = Ctx::cli();
    let opts = ImportOptions {
        demo: true,
        ..Default::default()
    };
    for file in [DISTRICT, STREETS, COMMUNITIES] {
        let r = areas::import(app, &ctx, file.as_bytes(), opts).await?;
        if !r.committed {
            return Err(AppError::Internal(format!(
                "demo divisions rejected: {:?}",
                r.issues
            )));
        }
    }
    let this_year = crate::current_year();
    let mut rng = crate::generate::Rng::new(20_180_910);
    let mut tx = crate::uow::Uow::begin(app).await?;
    let communities = sanshe_store::areas::list(
        &mut tx,
        &sanshe_store::areas::AreaFilter {
            level: Some("community".into()),
            ..Default::default()
        },
        Default::default(),
        this_year,
        sanshe_store::PageReq {
            page: 1,
            per_page: 10_000,
        },
    )
    .await?;
    for a in &communities.items {
        let base = if a.urban {
            rng.range(3_000, 12_000)
        } else {
            rng.range(1_500, 5_200)
        };
        let growth = rng.range(-15, 25); // per mille per year
        for year in (this_year - 3)..=this_year {
            let residents = base + base * growth * (year - this_year + 3) / 1000;
            let per_household = rng.range(240, 300); // persons per 100 households
            let p = PopulationRow {
                year,
                residents,
                households: residents * 100 / per_household,
            };
            sanshe_store::areas::set_population(&mut tx, &a.code, &p).await?;
        }
    }
    // Registered social service agencies (type 2) with valid credit codes, so that what the
    // demo holds is what the registry itself would accept (and an export re-imports).
    let org = sanshe_store::orgs::create(
        &mut tx,
        DEMO_ORG,
        "social_service_agency",
        Some(DEMO_STREET),
        Some(&crate::generate::credit_code(
            '2',
            &DISTRICT_CODE[..6],
            8_800_001,
        )),
        true,
    )
    .await?;
    let eval = sanshe_store::orgs::create(
        &mut tx,
        DEMO_EVALUATOR_ORG,
        "social_service_agency",
        Some(DISTRICT_CODE),
        Some(&crate::generate::credit_code(
            '2',
            &DISTRICT_CODE[..6],
            8_800_002,
        )),
        true,
    )
    .await?;
    let refs = sanshe_store::areas::refs_within(&mut tx, Some(DISTRICT_CODE)).await?;
    let streets: Vec<_> = refs
        .iter()
        .filter(|a| a.level == "street")
        .cloned()
        .collect();
    let comms: Vec<_> = refs
        .iter()
        .filter(|a| a.level == "community")
        .cloned()
        .collect();
    let generated = crate::generate::registries(
        app,
        &mut tx,
        &streets,
        &comms,
        crate::generate::GenOptions {
            seed: 20_180_910,
            demo: true,
            detail: true,
            lite: false,
        },
    )
    .await?;
    // Project staff of the demo organization (one of them is the demo social worker).
    let mut staff = Vec::new();
    for (i, name) in ["陈晓燕", "周文博", "钱思远", "汤佳怡"].iter().enumerate() {
        let idn = crate::generate::citizen_id(
            "320412",
            (1990 + i as i32, 3 + i as u32, 10 + i as u32),
            900 + i as u32,
            i % 2 == 0,
        );
        let cid = sanshe_domain::CitizenId::parse(&idn, (this_year as i32, 1, 1))
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let id = sanshe_store::workers::insert(
            &mut tx,
            &sanshe_store::workers::WorkerData {
                name: (*name).into(),
                id_cipher: app.pii.encrypt(cid.as_str())?,
                id_blind: app.pii.blind("id", cid.as_str())?,
                id_masked: cid.masked(),
                gender: cid.gender().as_str().into(),
                birth_date: sanshe_domain::cell::date_to_string(cid.birth_date()),
                area_code: comms
                    .iter()
                    .find(|c| c.code.starts_with(DEMO_STREET))
                    .map(|c| c.code.clone()),
                employer_org_id: Some(org),
                employer_kind: "social_work_org".into(),
                cert_level: if i == 3 { "none" } else { "intermediate" }.into(),
                cert_no: (i != 3).then(|| format!("B20{i}0001")),
                cert_year: (i != 3).then_some(2020),
                project_staff: true,
                status: "active".into(),
                demo: true,
                ..Default::default()
            },
        )
        .await?;
        staff.push(id);
    }
    tx.audit(&ctx.audit_entry(
            Action::DemoRegistries,
            None,
            format!(
                "demo registries generated: {} facilities, {} organizations, {} social workers, {} posts",
                generated.facilities,
                generated.orgs,
                generated.workers + staff.len(),
                generated.posts
            ),
            Outcome::Success,
        ));
    // Two earlier year-end snapshots so the dashboard has a trend to show: the same
    // registries with some stations and community organizations not yet open (held back by
    // a deterministic share, computed for real, then restored), in one transaction.
    for (year, share) in [(this_year - 2, 2), (this_year - 1, 1)] {
        let (fac, org) =
            sanshe_store::targets::demo_hold_back(&mut tx, DISTRICT_CODE, share).await?;
        crate::targets::snapshot_in(&mut tx, DISTRICT_CODE, year, "demo", None).await?;
        sanshe_store::targets::demo_restore(&mut tx, &fac, &org).await?;
    }
    tx.commit(ctx.audit_entry(
        Action::DemoLoad,
        Some(DISTRICT_CODE.into()),
        format!(
            "demo district loaded: {} communities with synthetic populations {}–{this_year}",
            communities.items.len(),
            this_year - 3
        ),
        Outcome::Success,
    ))
    .await?;

    let first_community = communities
        .items
        .iter()
        .find(|a| a.code.starts_with(DEMO_STREET))
        .map(|a| a.code.clone())
        .unwrap_or_default();
    let plan: Vec<(&str, &str, Role, Option<String>)> = vec![
        (
            "district",
            "区民政局 演示",
            Role::DistrictAdmin,
            Some(DISTRICT_CODE.into()),
        ),
        (
            "street",
            "湖塘镇 演示",
            Role::StreetStaff,
            Some(DEMO_STREET.into()),
        ),
        (
            "community",
            "社区工作者 演示",
            Role::CommunityStaff,
            Some(first_community.clone()),
        ),
        (
            "org",
            "社会组织 演示",
            Role::SocialOrg,
            Some(org.to_string()),
        ),
        (
            "worker",
            "社工 演示",
            Role::SocialWorker,
            Some(org.to_string()),
        ),
        (
            "evaluator",
            "评估员 演示",
            Role::Evaluator,
            Some(eval.to_string()),
        ),
        ("resident", "居民 演示", Role::Resident, None),
        ("sysadmin", "系统管理员 演示", Role::SystemAdmin, None),
        ("secadmin", "安全管理员 演示", Role::SecurityAdmin, None),
        ("auditadmin", "审计管理员 演示", Role::AuditAdmin, None),
    ];
    app.db.analyze().await?;
    crate::targets::refresh_tallies(app).await?;
    let mut out = Vec::new();
    let mut ids = std::collections::HashMap::new();
    let home = first_community.clone();
    for (username, display, role, scope) in plan {
        let uid = accounts::create_user(
            app,
            &ctx,
            &NewUserInput {
                username: username.into(),
                display_name: display.into(),
                role: role.as_str().into(),
                scope: scope.clone(),
                password: DEMO_PASSWORD.into(),
            },
        )
        .await?;
        ids.insert(username, uid);
        if role == Role::SocialWorker {
            if let Some(w) = staff.first() {
                let mut c = crate::uow::Uow::begin(app).await?;
                sanshe_store::workers::link_user(&mut c, *w, Some(uid)).await?;
                c.commit(ctx.audit_entry(
                    Action::WorkerLinkUser,
                    Some(w.to_string()),
                    format!("demo account {username} linked to social worker {w}"),
                    Outcome::Success,
                ))
                .await?;
            }
        }
        let shown = match role {
            Role::SocialOrg | Role::SocialWorker => DEMO_ORG.to_owned(),
            Role::Evaluator => DEMO_EVALUATOR_ORG.to_owned(),
            _ => scope.unwrap_or_else(|| "-".into()),
        };
        out.push(DemoAccount {
            username: username.into(),
            role,
            scope: shown,
        });
    }
    crate::needs::demo::load(
        app,
        &home,
        ids.get("resident").copied(),
        ids.get("community").copied(),
        ids.get("street").copied(),
        ids.get("district").copied(),
    )
    .await?;
    let home_org = {
        let mut c = app.db.acquire().await?;
        sanshe_store::orgs::find_by_name(&mut c, DEMO_ORG)
            .await?
            .map(|o| o.id)
    };
    crate::purchase::demo::load(
        app,
        ids.get("district").copied(),
        home_org,
        ids.get("evaluator").copied(),
    )
    .await?;
    // This year's harmonious-community assessment, being scored (the demo community's
    // self-assessment among it).
    {
        let today = crate::calendar::today();
        let mut tx = crate::uow::Uow::begin(app).await?;
        crate::purchase::award_lists::demo_assessment(
            &mut tx,
            DISTRICT_CODE,
            i64::from(today.year()),
            &home,
            ids.get("district").copied(),
            today,
        )
        .await?;
        tx.commit(ctx.audit_entry(
            Action::Purchase {
                object: "award_list",
                verb: "demo",
            },
            None,
            "demo harmonious-community assessment".into(),
            Outcome::Success,
        ))
        .await?;
    }
    // The demo social worker's registration (three years) ends in two months, before last
    // year's contract does: renewing it is on their list today.
    if let Some(u) = ids.get("worker") {
        let mut c = app.db.acquire().await?;
        if let Some(w) = sanshe_store::workers::of_user(&mut c, *u).await? {
            let today = crate::calendar::today();
            sanshe_store::workers::demo_set_registration(
                &mut c,
                w,
                &today.plus_days(60 - 3 * 365).to_string(),
                &today.plus_days(60).to_string(),
            )
            .await?;
        }
        drop(c);
        crate::purchase::delivery::remind_renewals(app).await?;
    }
    Ok(out)
}
