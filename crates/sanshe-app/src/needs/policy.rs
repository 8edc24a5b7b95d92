//! Who may do what with needs and proposals: decided here from the permissions in `authz`
//! and the actor's reach (scope) and relation to the record (the resident who raised it).

use crate::authz::{self, Perm};
use crate::Actor;
use sanshe_domain::needs::{NeedEvent, NeedState, Needs, ProposalEvent, ProposalState, Proposals};
use sanshe_domain::workflow::Workflow;
use sanshe_store::needs::{NeedRow, ProposalRow};

/// The actor raised this need themself.
pub fn is_owner(actor: &Actor, n: &NeedRow) -> bool {
    actor.user_id.is_some() && n.resident_user_id == actor.user_id
}

fn staff_in_reach(actor: &Actor, perm: Perm, area: &str) -> bool {
    authz::can(actor, perm) && authz::record_in_scope(actor, Some(area))
}

/// Roles with no part in needs are refused before any record is looked at.
pub fn require_any(actor: &Actor) -> Result<(), crate::AppError> {
    if authz::can(actor, Perm::NeedRaise) || authz::can(actor, Perm::NeedRead) {
        authz::granted()
    } else {
        Err(crate::AppError::Forbidden)
    }
}

pub fn may_read(actor: &Actor, n: &NeedRow) -> bool {
    (authz::can(actor, Perm::NeedRaise) && is_owner(actor, n))
        || staff_in_reach(actor, Perm::NeedRead, &n.area_code)
}

/// May the actor see the resident's name and phone in full? Only the staff handling it.
pub fn may_see_contact(actor: &Actor, n: &NeedRow) -> bool {
    staff_in_reach(actor, Perm::NeedHandle, &n.area_code) || is_owner(actor, n)
}

/// May the actor raise or record a need in `community`?
pub fn may_create(actor: &Actor, community: &str) -> bool {
    authz::can(actor, Perm::NeedRaise) || staff_in_reach(actor, Perm::NeedHandle, community)
}

/// The state × event × role decision for needs. Merging happens only through a proposal.
pub fn may(actor: &Actor, n: &NeedRow, e: NeedEvent) -> bool {
    let handle = staff_in_reach(actor, Perm::NeedHandle, &n.area_code);
    match e {
        NeedEvent::Accept | NeedEvent::Answer | NeedEvent::Reject => handle,
        NeedEvent::Merge => staff_in_reach(actor, Perm::ProposalWrite, &n.area_code),
        NeedEvent::Withdraw => handle || (authz::can(actor, Perm::NeedRaise) && is_owner(actor, n)),
    }
}

/// The events the actor can take on this need now (what its page and API offer).
pub fn offered(actor: &Actor, n: &NeedRow) -> Vec<NeedEvent> {
    let Some(s) = Needs::parse_state(&n.state) else {
        return Vec::new();
    };
    Needs::EVENTS
        .iter()
        .copied()
        .filter(|e| *e != NeedEvent::Merge)
        .filter(|e| Needs::next(s, *e).is_some() && may(actor, n, *e))
        .collect()
}

pub fn is_open(n: &NeedRow) -> bool {
    Needs::parse_state(&n.state) == Some(NeedState::Submitted)
}

pub fn may_read_proposal(actor: &Actor, p: &ProposalRow, communities: &[(String, String)]) -> bool {
    authz::can(actor, Perm::ProposalRead)
        && (authz::record_in_scope(actor, Some(&p.owner_area))
            || communities
                .iter()
                .any(|(c, _)| authz::record_in_scope(actor, Some(c))))
}

/// Proposals are kept by street or district staff whose reach contains the owner area.
pub fn may_write_proposal(actor: &Actor, owner_area: &str) -> bool {
    staff_in_reach(actor, Perm::ProposalWrite, owner_area)
}

/// Adopting or declining is the district's decision; proposing and retracting the keeper's.
pub fn may_proposal(actor: &Actor, p: &ProposalRow, e: ProposalEvent) -> bool {
    match e {
        ProposalEvent::Propose | ProposalEvent::Retract => may_write_proposal(actor, &p.owner_area),
        ProposalEvent::Adopt | ProposalEvent::Decline => {
            staff_in_reach(actor, Perm::ProposalDecide, &p.owner_area)
        }
    }
}

pub fn offered_proposal(actor: &Actor, p: &ProposalRow) -> Vec<ProposalEvent> {
    let Some(s) = Proposals::parse_state(&p.state) else {
        return Vec::new();
    };
    Proposals::EVENTS
        .iter()
        .copied()
        .filter(|e| Proposals::next(s, *e).is_some() && may_proposal(actor, p, *e))
        .collect()
}

pub fn is_draft(p: &ProposalRow) -> bool {
    Proposals::parse_state(&p.state) == Some(ProposalState::Draft)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    //! The state × event × role table of needs and proposals, written by hand: it is the
    //! specification the transition tables and the policy are checked against. Adding a
    //! state, an event or a transition without deciding it here fails.
    use super::*;
    use sanshe_domain::needs::{
        NeedEvent as E, NeedState as S, ProposalEvent as PE, ProposalState as PS,
    };
    use sanshe_domain::{Role, Scope};

    const COMMUNITY: &str = "320412100002";

    fn actor(role: Role, scope: Scope, id: i64) -> Actor {
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

    /// Every role, with an actor placed where the record is (or outside it).
    fn cast() -> Vec<(&'static str, Actor)> {
        vec![
            ("district", actor(Role::DistrictAdmin, area("320412"), 1)),
            ("street", actor(Role::StreetStaff, area("320412100"), 2)),
            ("community", actor(Role::CommunityStaff, area(COMMUNITY), 3)),
            (
                "other-community",
                actor(Role::CommunityStaff, area("320412101001"), 4),
            ),
            (
                "other-street",
                actor(Role::StreetStaff, area("320412101"), 5),
            ),
            ("owner", actor(Role::Resident, Scope::None, 6)),
            ("resident", actor(Role::Resident, Scope::None, 7)),
            ("org", actor(Role::SocialOrg, Scope::Org { id: 1 }, 8)),
            ("worker", actor(Role::SocialWorker, Scope::Org { id: 1 }, 9)),
            (
                "evaluator",
                actor(Role::Evaluator, Scope::Org { id: 2 }, 10),
            ),
            ("sysadmin", actor(Role::SystemAdmin, Scope::None, 11)),
            ("secadmin", actor(Role::SecurityAdmin, Scope::None, 12)),
            ("auditadmin", actor(Role::AuditAdmin, Scope::None, 13)),
        ]
    }

    fn need(state: &str) -> NeedRow {
        NeedRow {
            id: 1,
            area_code: COMMUNITY.into(),
            area_name: String::new(),
            category: "other".into(),
            title: String::new(),
            description: String::new(),
            people: 1,
            urgency: "normal".into(),
            channel: "online".into(),
            resident_user_id: Some(6),
            contact_name_enc: None,
            contact_name_masked: String::new(),
            phone_enc: None,
            phone_masked: String::new(),
            state: state.into(),
            version: 0,
            due_on: "2026-01-01".into(),
            responded_at: None,
            reply: String::new(),
            reason: String::new(),
            proposal_id: None,
            created_by: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    const NEED_TRANSITIONS: [(S, E, S); 6] = [
        (S::Submitted, E::Accept, S::Accepted),
        (S::Submitted, E::Reject, S::Rejected),
        (S::Submitted, E::Withdraw, S::Withdrawn),
        (S::Accepted, E::Answer, S::Answered),
        (S::Accepted, E::Merge, S::Merged),
        (S::Accepted, E::Reject, S::Rejected),
        // (Accepted, Withdraw) is deliberately absent: only before acceptance.
    ];

    fn need_roles(e: E) -> &'static [&'static str] {
        match e {
            E::Accept | E::Answer | E::Reject => &["district", "street", "community"],
            E::Merge => &["district", "street"],
            E::Withdraw => &["district", "street", "community", "owner"],
        }
    }

    #[test]
    fn needs_state_event_role_table() {
        for s in Needs::STATES {
            for e in Needs::EVENTS {
                let want = NEED_TRANSITIONS
                    .iter()
                    .find(|(a, b, _)| a == s && b == e)
                    .map(|t| t.2);
                assert_eq!(Needs::next(*s, *e), want, "{s:?} × {e:?}");
            }
        }
        for (name, a) in cast() {
            for e in Needs::EVENTS {
                let n = need("submitted");
                assert_eq!(
                    may(&a, &n, *e),
                    need_roles(*e).contains(&name),
                    "{name} × {e:?}"
                );
            }
            // Reading: the owner and staff whose area holds the community.
            let readers = ["district", "street", "community", "owner"];
            assert_eq!(
                may_read(&a, &need("accepted")),
                readers.contains(&name),
                "read {name}"
            );
        }
        // A page offers exactly what the table allows in the record's state (no merge).
        let c = &cast()[2].1;
        assert_eq!(
            offered(c, &need("submitted")),
            vec![E::Accept, E::Reject, E::Withdraw]
        );
        assert_eq!(offered(c, &need("accepted")), vec![E::Answer, E::Reject]);
        assert!(offered(c, &need("answered")).is_empty());
        let owner = &cast()[5].1;
        assert_eq!(offered(owner, &need("submitted")), vec![E::Withdraw]);
        assert!(offered(owner, &need("accepted")).is_empty());
    }

    const PROPOSAL_TRANSITIONS: [(PS, PE, PS); 4] = [
        (PS::Draft, PE::Propose, PS::Proposed),
        (PS::Proposed, PE::Retract, PS::Draft),
        (PS::Proposed, PE::Adopt, PS::Adopted),
        (PS::Proposed, PE::Decline, PS::Declined),
    ];

    fn proposal_roles(e: PE) -> &'static [&'static str] {
        match e {
            PE::Propose | PE::Retract => &["district", "street"],
            PE::Adopt | PE::Decline => &["district"],
        }
    }

    #[test]
    fn proposals_state_event_role_table() {
        for s in Proposals::STATES {
            for e in Proposals::EVENTS {
                let want = PROPOSAL_TRANSITIONS
                    .iter()
                    .find(|(a, b, _)| a == s && b == e)
                    .map(|t| t.2);
                assert_eq!(Proposals::next(*s, *e), want, "{s:?} × {e:?}");
            }
        }
        let p = ProposalRow {
            id: 1,
            owner_area: "320412100".into(),
            owner_name: String::new(),
            title: String::new(),
            category: "other".into(),
            description: String::new(),
            beneficiaries: 0,
            budget_fen: 0,
            state: "proposed".into(),
            version: 0,
            created_by: Some(2),
            created_at: 0,
            needs: 1,
        };
        let communities = vec![(COMMUNITY.to_owned(), String::new())];
        for (name, a) in cast() {
            for e in Proposals::EVENTS {
                assert_eq!(
                    may_proposal(&a, &p, *e),
                    proposal_roles(*e).contains(&name),
                    "{name} × {e:?}"
                );
            }
            let readers = ["district", "street", "community"];
            assert_eq!(
                may_read_proposal(&a, &p, &communities),
                readers.contains(&name),
                "read {name}"
            );
        }
    }
}
