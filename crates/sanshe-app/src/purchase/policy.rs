//! Who may do what in the purchase of services, decided from the permissions in `authz`,
//! the actor's district and the organization an account acts for.

use crate::authz::{self, Perm};
use crate::Actor;
use sanshe_domain::purchase::{
    ApplicationEvent, ApplicationState, Applications, CatalogEvent, ContractEvent, ObjectionEvent,
    ProjectEvent, ProjectState, Projects, TrancheEvent,
};
use sanshe_domain::workflow::Workflow;
use sanshe_store::purchase::{ApplicationRow, ProjectRow};

/// District officers keep the catalog, the budget and the projects of their district.
pub fn may_manage(actor: &Actor, district: &str) -> bool {
    authz::can(actor, Perm::PurchaseManage) && authz::record_in_scope(actor, Some(district))
}

/// The states of a published call (on the portal).
pub const PUBLIC_STATES: [&str; 6] = [
    "open",
    "closed",
    "reviewing",
    "reviewed",
    "awarded",
    "confirmed",
];

/// A call is public once published: everyone may read it then.
pub fn is_published(p: &ProjectRow) -> bool {
    matches!(
        Projects::parse_state(&p.state),
        Some(
            ProjectState::Open
                | ProjectState::Closed
                | ProjectState::Reviewing
                | ProjectState::Reviewed
                | ProjectState::Awarded
                | ProjectState::Confirmed
        )
    )
}

pub fn may_read_project(actor: &Actor, p: &ProjectRow, communities: &[(String, String)]) -> bool {
    is_published(p)
        || may_manage(actor, &p.district)
        || (authz::can(actor, Perm::PurchaseRead)
            && (authz::record_in_scope(actor, Some(&p.district))
                || communities
                    .iter()
                    .any(|(c, _)| authz::record_in_scope(actor, Some(c)))))
}

/// Every catalog event (publish, revise) is the district's officers'.
pub fn may_catalog(actor: &Actor, district: &str, _e: CatalogEvent) -> bool {
    may_manage(actor, district)
}

/// Objections are answered (upheld or dismissed) by the district's officers.
pub fn may_objection(actor: &Actor, district: &str, _e: ObjectionEvent) -> bool {
    may_manage(actor, district)
}

/// Contracts are signed and completed by the district's officers.
pub fn may_contract(actor: &Actor, district: &str, _e: ContractEvent) -> bool {
    may_manage(actor, district)
}

/// Tranches are accepted and paid by the district's officers.
pub fn may_tranche(actor: &Actor, district: &str, _e: TrancheEvent) -> bool {
    may_manage(actor, district)
}

/// Every project event is the district's.
pub fn may_project(actor: &Actor, p: &ProjectRow, _e: ProjectEvent) -> bool {
    may_manage(actor, &p.district)
}

pub fn offered_project(actor: &Actor, p: &ProjectRow) -> Vec<ProjectEvent> {
    let Some(s) = Projects::parse_state(&p.state) else {
        return Vec::new();
    };
    Projects::EVENTS
        .iter()
        .copied()
        .filter(|e| {
            !matches!(
                e,
                ProjectEvent::Review
                    | ProjectEvent::Report
                    | ProjectEvent::Award
                    | ProjectEvent::Reopen
            )
        })
        .filter(|e| Projects::next(s, *e).is_some() && may_project(actor, p, *e))
        .collect()
}

/// The organization's own account.
pub fn is_applicant(actor: &Actor, a: &ApplicationRow) -> bool {
    authz::can(actor, Perm::PurchaseApply) && authz::own_org(actor) == Some(a.org_id)
}

/// An application is seen by its organization and, once submitted, by the district's
/// officers; never by another organization (and by the panel once review exists).
pub fn may_read_application(actor: &Actor, a: &ApplicationRow) -> bool {
    is_applicant(actor, a)
        || (may_manage(actor, &a.district)
            && Applications::parse_state(&a.state) != Some(ApplicationState::Draft))
}

pub fn may_application(actor: &Actor, a: &ApplicationRow, e: ApplicationEvent) -> bool {
    match e {
        ApplicationEvent::Submit | ApplicationEvent::Recall | ApplicationEvent::Withdraw => {
            is_applicant(actor, a)
        }
    }
}

pub fn offered_application(actor: &Actor, a: &ApplicationRow) -> Vec<ApplicationEvent> {
    let Some(s) = Applications::parse_state(&a.state) else {
        return Vec::new();
    };
    Applications::EVENTS
        .iter()
        .copied()
        .filter(|e| Applications::next(s, *e).is_some() && may_application(actor, a, *e))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    //! The state × event × role tables of projects and applications, written by hand; the
    //! cast of accounts every purchase workflow's table is checked against.
    use super::*;
    use sanshe_domain::purchase::{
        ApplicationEvent as AE, ApplicationState as AS, ProjectEvent as E, ProjectState as S,
    };
    use sanshe_domain::{Role, Scope};
    use sanshe_store::purchase::{ApplicationData, ProjectData};

    pub(crate) fn actor(role: Role, scope: Scope, id: i64) -> Actor {
        Actor {
            user_id: Some(id),
            username: role.as_str().into(),
            display_name: role.as_str().into(),
            role,
            scope,
            scope_name: None,
            locale: None,
            is_cli: false,
            password_expired: false,
            must_change_password: false,
            mfa_pending: false,
            mfa_setup_required: false,
        }
    }

    fn area(c: &str) -> Scope {
        Scope::Area { code: c.into() }
    }

    /// One account of each role (ids 1–12; the organization is org 1, the evaluator's agency
    /// org 3), in district 320412 unless named otherwise.
    pub(crate) fn cast() -> Vec<(&'static str, Actor)> {
        vec![
            ("district", actor(Role::DistrictAdmin, area("320412"), 1)),
            (
                "other-district",
                actor(Role::DistrictAdmin, area("320411"), 2),
            ),
            ("street", actor(Role::StreetStaff, area("320412100"), 3)),
            (
                "community",
                actor(Role::CommunityStaff, area("320412100002"), 4),
            ),
            ("org", actor(Role::SocialOrg, Scope::Org { id: 1 }, 5)),
            ("other-org", actor(Role::SocialOrg, Scope::Org { id: 2 }, 6)),
            ("worker", actor(Role::SocialWorker, Scope::Org { id: 1 }, 7)),
            ("evaluator", actor(Role::Evaluator, Scope::Org { id: 3 }, 8)),
            ("resident", actor(Role::Resident, Scope::None, 9)),
            ("sysadmin", actor(Role::SystemAdmin, Scope::None, 10)),
            ("secadmin", actor(Role::SecurityAdmin, Scope::None, 11)),
            ("auditadmin", actor(Role::AuditAdmin, Scope::None, 12)),
        ]
    }

    fn project(state: &str) -> ProjectRow {
        ProjectRow {
            id: 1,
            district: "320412".into(),
            year: 2026,
            item_code: "A01".into(),
            item_name: String::new(),
            category: "other".into(),
            budget_line_id: 1,
            price_ceiling_fen: 1,
            provider_kinds: String::new(),
            min_rating: 0,
            catalog_state: "published".into(),
            single_source_name: None,
            reserved_fen: 0,
            reserved_line: None,
            published_on: None,
            deadline: None,
            awarded_application: None,
            awarded_on: None,
            notice_until: None,
            reviewed_on: None,
            state: state.into(),
            version: 0,
            created_by: None,
            created_at: 0,
            submitted: 0,
            data: ProjectData::default(),
        }
    }

    fn application(state: &str) -> ApplicationRow {
        ApplicationRow {
            id: 1,
            project_id: 1,
            project_title: String::new(),
            district: "320412".into(),
            org_id: 1,
            org_name: String::new(),
            state: state.into(),
            version: 0,
            submitted_at: None,
            created_at: 0,
            team_size: 0,
            data: ApplicationData::default(),
        }
    }

    const PROJECT_TRANSITIONS: [(S, E, S); 15] = [
        (S::Reviewed, E::Award, S::Awarded),
        (S::Awarded, E::Reopen, S::Reviewed),
        (S::Awarded, E::Confirm, S::Confirmed),
        (S::Awarded, E::Cancel, S::Cancelled),
        (S::Draft, E::Approve, S::Approved),
        (S::Draft, E::Cancel, S::Cancelled),
        (S::Approved, E::Publish, S::Open),
        (S::Approved, E::Cancel, S::Cancelled),
        (S::Open, E::Close, S::Closed),
        (S::Open, E::Cancel, S::Cancelled),
        (S::Closed, E::Review, S::Reviewing),
        (S::Closed, E::Cancel, S::Cancelled),
        (S::Reviewing, E::Report, S::Reviewed),
        (S::Reviewing, E::Cancel, S::Cancelled),
        (S::Reviewed, E::Cancel, S::Cancelled),
        // Cancelled is final.
    ];

    #[test]
    fn projects_state_event_role_table() {
        for s in Projects::STATES {
            for e in Projects::EVENTS {
                let want = PROJECT_TRANSITIONS
                    .iter()
                    .find(|(a, b, _)| a == s && b == e)
                    .map(|t| t.2);
                assert_eq!(Projects::next(*s, *e), want, "{s:?} × {e:?}");
            }
        }
        for (name, a) in cast() {
            for e in Projects::EVENTS {
                assert_eq!(
                    may_project(&a, &project("draft"), *e),
                    name == "district",
                    "{name} × {e:?}"
                );
            }
            // A draft is read by the district and the staff of the communities it serves;
            // a published call by everyone.
            let communities = vec![("320412100002".to_owned(), String::new())];
            assert_eq!(
                may_read_project(&a, &project("draft"), &communities),
                ["district", "street", "community"].contains(&name),
                "read draft {name}"
            );
            assert!(may_read_project(&a, &project("open"), &communities));
        }
        let d = &cast()[0].1;
        assert_eq!(
            offered_project(d, &project("approved")),
            vec![E::Publish, E::Cancel]
        );
        assert!(offered_project(&cast()[2].1, &project("approved")).is_empty());
    }

    const APPLICATION_TRANSITIONS: [(AS, AE, AS); 4] = [
        (AS::Draft, AE::Submit, AS::Submitted),
        (AS::Draft, AE::Withdraw, AS::Withdrawn),
        (AS::Submitted, AE::Recall, AS::Draft),
        (AS::Submitted, AE::Withdraw, AS::Withdrawn),
    ];

    #[test]
    fn applications_state_event_role_table() {
        for s in Applications::STATES {
            for e in Applications::EVENTS {
                let want = APPLICATION_TRANSITIONS
                    .iter()
                    .find(|(a, b, _)| a == s && b == e)
                    .map(|t| t.2);
                assert_eq!(Applications::next(*s, *e), want, "{s:?} × {e:?}");
            }
        }
        for (name, a) in cast() {
            for e in Applications::EVENTS {
                assert_eq!(
                    may_application(&a, &application("draft"), *e),
                    name == "org",
                    "{name} × {e:?}"
                );
            }
            // A draft is the organization's alone; a submitted one is also the district's.
            assert_eq!(
                may_read_application(&a, &application("draft")),
                name == "org",
                "read draft {name}"
            );
            assert_eq!(
                may_read_application(&a, &application("submitted")),
                ["org", "district"].contains(&name),
                "read submitted {name}"
            );
        }
        let org = &cast()[4].1;
        assert_eq!(
            offered_application(org, &application("submitted")),
            vec![AE::Recall, AE::Withdraw]
        );
        assert!(offered_application(org, &application("withdrawn")).is_empty());
    }

    #[test]
    fn reports_state_event_role_table() {
        use crate::purchase::delivery::may_report;
        use sanshe_domain::purchase::{ReportEvent as RE, ReportState as RS, Reports};
        let k = sanshe_store::contracts::ContractRow {
            id: 1,
            project_id: 1,
            project_title: "p".into(),
            district: "320412".into(),
            application_id: 1,
            org_id: 1,
            org_name: "o".into(),
            paid_fen: 0,
            state: "signed".into(),
            version: 0,
            revision: 0,
            signed_on: None,
            created_at: 0,
            halted_on: None,
            resumed_on: None,
            clauses: Default::default(),
        };
        // (state, event) → the roles that may, where the workflow allows it at all.
        let table: &[(RS, RE, &[&str])] = &[
            (RS::Submitted, RE::Accept, &["district"]),
            (RS::Submitted, RE::Return, &["district"]),
            (RS::Submitted, RE::Resubmit, &[]),
            (RS::Returned, RE::Resubmit, &["org"]),
            (RS::Returned, RE::Accept, &[]),
            (RS::Returned, RE::Return, &[]),
            (RS::Accepted, RE::Accept, &[]),
            (RS::Accepted, RE::Return, &[]),
            (RS::Accepted, RE::Resubmit, &[]),
        ];
        assert_eq!(table.len(), Reports::STATES.len() * Reports::EVENTS.len());
        for (s, e, who) in table {
            for (name, a) in cast() {
                let may = Reports::next(*s, *e).is_some() && may_report(&a, &k, *e);
                assert_eq!(may, who.contains(&name), "{s:?} {e:?} as {name}");
            }
        }
    }

    /// The office's workflows: every event the workflow allows is the district officers'
    /// alone, in their own district; the table of transitions is written out by hand.
    #[test]
    fn office_workflows_state_event_role_tables() {
        use sanshe_domain::purchase::{
            CatalogEvent as CE, CatalogState as CS, Catalogs, ContractEvent as KE,
            ContractState as KS, Contracts, ObjectionEvent as OE, ObjectionState as OS, Objections,
            TrancheEvent as TE, TrancheState as TS, Tranches,
        };
        fn check<W: Workflow>(
            table: &[(W::State, W::Event, W::State)],
            may: impl Fn(&Actor, &str, W::Event) -> bool,
        ) where
            W::State: PartialEq + std::fmt::Debug + Copy,
            W::Event: PartialEq + std::fmt::Debug + Copy,
        {
            for s in W::STATES {
                for e in W::EVENTS {
                    let want = table.iter().find(|(a, b, _)| a == s && b == e).map(|t| t.2);
                    assert_eq!(W::next(*s, *e), want, "{s:?} × {e:?}");
                }
            }
            for (name, a) in cast() {
                for e in W::EVENTS {
                    assert_eq!(may(&a, "320412", *e), name == "district", "{name} × {e:?}");
                    assert_eq!(
                        may(&a, "320411", *e),
                        name == "other-district",
                        "another district: {name} × {e:?}"
                    );
                }
            }
        }
        check::<Catalogs>(
            &[
                (CS::Draft, CE::Publish, CS::Published),
                (CS::Published, CE::Revise, CS::Draft),
            ],
            may_catalog,
        );
        check::<Objections>(
            &[
                (OS::Pending, OE::Uphold, OS::Upheld),
                (OS::Pending, OE::Dismiss, OS::Dismissed),
            ],
            may_objection,
        );
        check::<Contracts>(
            &[
                (KS::Draft, KE::Sign, KS::Signed),
                (KS::Signed, KE::Complete, KS::Completed),
            ],
            may_contract,
        );
        check::<Tranches>(
            &[
                (TS::Scheduled, TE::Accept, TS::Ready),
                (TS::Scheduled, TE::Pay, TS::Paid),
                (TS::Ready, TE::Pay, TS::Paid),
            ],
            may_tranche,
        );
    }
}
