//! Resident needs (居民需求) and the project proposals that group them: the two first
//! workflows on the kernel, and the rules of their records.

use crate::workflow::Workflow;
use crate::FieldError;

/// A need's life: raised → accepted (category and people confirmed) → answered directly,
/// merged into a project proposal, or rejected with a reason; the resident may withdraw it
/// before it is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NeedState {
    Submitted,
    Accepted,
    Answered,
    Merged,
    Rejected,
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NeedEvent {
    Accept,
    Answer,
    Merge,
    Reject,
    Withdraw,
}

pub struct Needs;

impl Workflow for Needs {
    type State = NeedState;
    type Event = NeedEvent;
    const KIND: &'static str = "need";
    const STATES: &'static [NeedState] = &[
        NeedState::Submitted,
        NeedState::Accepted,
        NeedState::Answered,
        NeedState::Merged,
        NeedState::Rejected,
        NeedState::Withdrawn,
    ];
    const EVENTS: &'static [NeedEvent] = &[
        NeedEvent::Accept,
        NeedEvent::Answer,
        NeedEvent::Merge,
        NeedEvent::Reject,
        NeedEvent::Withdraw,
    ];

    fn next(s: NeedState, e: NeedEvent) -> Option<NeedState> {
        use NeedEvent as E;
        use NeedState as S;
        match (s, e) {
            (S::Submitted, E::Accept) => Some(S::Accepted),
            (S::Submitted, E::Reject) => Some(S::Rejected),
            (S::Submitted, E::Withdraw) => Some(S::Withdrawn),
            (S::Submitted, E::Answer | E::Merge) => None,
            (S::Accepted, E::Answer) => Some(S::Answered),
            (S::Accepted, E::Merge) => Some(S::Merged),
            (S::Accepted, E::Reject) => Some(S::Rejected),
            (S::Accepted, E::Accept | E::Withdraw) => None,
            (S::Answered | S::Merged | S::Rejected | S::Withdrawn, _) => None,
        }
    }

    fn state_name(s: NeedState) -> &'static str {
        match s {
            NeedState::Submitted => "submitted",
            NeedState::Accepted => "accepted",
            NeedState::Answered => "answered",
            NeedState::Merged => "merged",
            NeedState::Rejected => "rejected",
            NeedState::Withdrawn => "withdrawn",
        }
    }

    fn event_name(e: NeedEvent) -> &'static str {
        match e {
            NeedEvent::Accept => "accept",
            NeedEvent::Answer => "answer",
            NeedEvent::Merge => "merge",
            NeedEvent::Reject => "reject",
            NeedEvent::Withdraw => "withdraw",
        }
    }
}

/// A project proposal's life: a draft is proposed, then adopted (the purchase work turns it
/// into a catalog item and a call) or declined; a proposed one may be taken back to draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProposalState {
    Draft,
    Proposed,
    Adopted,
    Declined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProposalEvent {
    Propose,
    Retract,
    Adopt,
    Decline,
}

pub struct Proposals;

impl Workflow for Proposals {
    type State = ProposalState;
    type Event = ProposalEvent;
    const KIND: &'static str = "proposal";
    const STATES: &'static [ProposalState] = &[
        ProposalState::Draft,
        ProposalState::Proposed,
        ProposalState::Adopted,
        ProposalState::Declined,
    ];
    const EVENTS: &'static [ProposalEvent] = &[
        ProposalEvent::Propose,
        ProposalEvent::Retract,
        ProposalEvent::Adopt,
        ProposalEvent::Decline,
    ];

    fn next(s: ProposalState, e: ProposalEvent) -> Option<ProposalState> {
        use ProposalEvent as E;
        use ProposalState as S;
        match (s, e) {
            (S::Draft, E::Propose) => Some(S::Proposed),
            (S::Draft, E::Retract | E::Adopt | E::Decline) => None,
            (S::Proposed, E::Retract) => Some(S::Draft),
            (S::Proposed, E::Adopt) => Some(S::Adopted),
            (S::Proposed, E::Decline) => Some(S::Declined),
            (S::Proposed, E::Propose) => None,
            (S::Adopted | S::Declined, _) => None,
        }
    }

    fn state_name(s: ProposalState) -> &'static str {
        match s {
            ProposalState::Draft => "draft",
            ProposalState::Proposed => "proposed",
            ProposalState::Adopted => "adopted",
            ProposalState::Declined => "declined",
        }
    }

    fn event_name(e: ProposalEvent) -> &'static str {
        match e {
            ProposalEvent::Propose => "propose",
            ProposalEvent::Retract => "retract",
            ProposalEvent::Adopt => "adopt",
            ProposalEvent::Decline => "decline",
        }
    }
}

/// The policy's ten priority service categories, then "other".
/// The district may add its own; these are the defaults.
pub const DEFAULT_CATEGORIES: [(&str, &str, &str); 11] = [
    ("community_affairs", "社区事务", "Community affairs"),
    (
        "elderly_disabled",
        "养老助残",
        "Elderly and disability care",
    ),
    ("social_work", "社工服务", "Social-work services"),
    ("public_welfare", "公益服务", "Public-welfare services"),
    ("counselling", "心理疏导", "Psychological counselling"),
    ("community_correction", "社区矫正", "Community correction"),
    ("charity_relief", "慈善救济", "Charitable relief"),
    ("social_assistance", "社会救助", "Social assistance"),
    ("legal_aid", "法律援助", "Legal aid"),
    ("mediation", "矛盾化解", "Dispute mediation"),
    ("other", "其他", "Other"),
];

pub const URGENCIES: [&str; 3] = ["normal", "urgent", "critical"];
/// How a need reached the community: raised online by the resident, or recorded by staff
/// from the counter, a phone call or a grid worker's visit.
pub const CHANNELS: [&str; 4] = ["online", "counter", "phone", "grid"];

/// The most people one need may say it affects (a whole large community).
pub const MAX_PEOPLE: i64 = 100_000;

/// Text limits (characters).
pub const TITLE_MAX: usize = 60;
pub const TEXT_MAX: usize = 2_000;
pub const NOTE_MAX: usize = 1_000;

/// A title, description, reply or reason: trimmed, non-empty when required, bounded, and
/// free of control characters (NUL and the like never reach the database).
pub fn text(field: &str, v: &str, max: usize, required: bool) -> Result<String, FieldError> {
    // The limit counts what was sent (as the API's schema states), surrounding blanks too.
    if v.chars().count() > max {
        return Err(FieldError::new(field, "err-too-long").arg("max", max));
    }
    let v = v.trim();
    if v.is_empty() {
        return if required {
            Err(FieldError::new(field, "err-required"))
        } else {
            Ok(String::new())
        };
    }
    crate::text::check(field, v, max)
}

/// People affected: a whole number from 1 to [`MAX_PEOPLE`].
pub fn people(field: &str, v: &str) -> Result<i64, FieldError> {
    match crate::cell::normalize_text(v).parse::<i64>() {
        Ok(n) if (1..=MAX_PEOPLE).contains(&n) => Ok(n),
        _ => Err(FieldError::new(field, "err-need-people").arg("max", MAX_PEOPLE)),
    }
}

/// One of a closed list.
pub fn one_of(field: &str, v: &str, list: &[&str], key: &str) -> Result<String, FieldError> {
    let v = v.trim();
    if list.contains(&v) {
        Ok(v.to_owned())
    } else {
        Err(FieldError::new(field, key))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::workflow::check_names;

    #[test]
    fn names_round_trip() {
        check_names::<Needs>();
        check_names::<Proposals>();
    }

    #[test]
    fn needs_move_as_the_policy_says() {
        use NeedEvent as E;
        use NeedState as S;
        assert_eq!(Needs::next(S::Submitted, E::Accept), Some(S::Accepted));
        assert_eq!(Needs::next(S::Submitted, E::Withdraw), Some(S::Withdrawn));
        assert_eq!(
            Needs::next(S::Accepted, E::Withdraw),
            None,
            "only before acceptance"
        );
        assert_eq!(Needs::next(S::Submitted, E::Answer), None, "accept first");
        assert_eq!(Needs::next(S::Accepted, E::Merge), Some(S::Merged));
        for s in [S::Answered, S::Merged, S::Rejected, S::Withdrawn] {
            assert!(Needs::is_final(s));
        }
        assert!(!Needs::is_final(S::Accepted));
    }

    #[test]
    fn proposals_move_as_designed() {
        use ProposalEvent as E;
        use ProposalState as S;
        assert_eq!(Proposals::next(S::Draft, E::Propose), Some(S::Proposed));
        assert_eq!(Proposals::next(S::Proposed, E::Retract), Some(S::Draft));
        assert_eq!(Proposals::next(S::Draft, E::Adopt), None);
        assert!(Proposals::is_final(S::Adopted));
    }

    #[test]
    fn texts_are_bounded_and_clean() {
        assert_eq!(
            text("t", "  路灯不亮 ", 60, true).as_deref(),
            Ok("路灯不亮")
        );
        assert_eq!(text("t", " ", 60, true).unwrap_err().code, "err-required");
        assert_eq!(
            text("t", &"长".repeat(61), 60, true).unwrap_err().code,
            "err-too-long"
        );
        assert_eq!(
            text("t", "a\0b", 60, true).unwrap_err().code,
            "err-control-chars"
        );
        assert_eq!(
            text("t", "第一行\n第二行", 60, true).as_deref(),
            Ok("第一行\n第二行")
        );
        assert_eq!(people("p", "１２").unwrap(), 12);
        assert!(people("p", "0").is_err());
        assert!(people("p", "100001").is_err());
    }
}
