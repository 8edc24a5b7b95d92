//! Self-reported facts that count in the policy's targets (a certificate, a registration,
//! a committee seat, the community one works in): changed by the person or organization
//! concerned, they wait as a pending change until the responsible staff verify them.

use crate::workflow::Workflow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Approve,
    Reject,
    Withdraw,
}

pub struct FactChanges;

impl Workflow for FactChanges {
    type State = State;
    type Event = Event;
    const KIND: &'static str = "fact_change";
    const STATES: &'static [State] = &[
        State::Pending,
        State::Approved,
        State::Rejected,
        State::Withdrawn,
    ];
    const EVENTS: &'static [Event] = &[Event::Approve, Event::Reject, Event::Withdraw];

    fn next(s: State, e: Event) -> Option<State> {
        match (s, e) {
            (State::Pending, Event::Approve) => Some(State::Approved),
            (State::Pending, Event::Reject) => Some(State::Rejected),
            (State::Pending, Event::Withdraw) => Some(State::Withdrawn),
            (State::Approved | State::Rejected | State::Withdrawn, _) => None,
        }
    }

    fn state_name(s: State) -> &'static str {
        match s {
            State::Pending => "pending",
            State::Approved => "approved",
            State::Rejected => "rejected",
            State::Withdrawn => "withdrawn",
        }
    }

    fn event_name(e: Event) -> &'static str {
        match e {
            Event::Approve => "approve",
            Event::Reject => "reject",
            Event::Withdraw => "withdraw",
        }
    }
}

/// A social worker's fields whose changes by the worker or their organization wait for
/// verification (they count in the targets).
pub const WORKER_FACTS: [&str; 7] = [
    "area",
    "cert_level",
    "cert_no",
    "cert_year",
    "committee_member",
    "registration_start",
    "registration_no",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        crate::workflow::check_names::<FactChanges>();
        assert!(FactChanges::is_final(State::Approved));
        assert_eq!(
            FactChanges::next(State::Pending, Event::Approve),
            Some(State::Approved)
        );
    }
}
