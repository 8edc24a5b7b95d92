//! The workflow kernel's pure half: a workflow is a set of states, a set of events and a
//! transition function written as an exhaustive `match` (no catch-all arm, so adding a
//! state or an event does not compile until every pair is decided). The store keeps each
//! record's `state` and `version`; the application applies an event by compare-and-set.

/// A workflow's states and events with their stable names (stored in the database, used in
/// URLs and the API, and as locale key suffixes).
pub trait Workflow {
    type State: Copy + Eq + std::fmt::Debug + 'static;
    type Event: Copy + Eq + std::fmt::Debug + 'static;

    /// The record kind in the history table and audit log (`need`, `proposal`, …).
    const KIND: &'static str;
    const STATES: &'static [Self::State];
    const EVENTS: &'static [Self::Event];

    fn next(s: Self::State, e: Self::Event) -> Option<Self::State>;
    fn state_name(s: Self::State) -> &'static str;
    fn event_name(e: Self::Event) -> &'static str;

    fn parse_state(s: &str) -> Option<Self::State> {
        Self::STATES
            .iter()
            .copied()
            .find(|x| Self::state_name(*x) == s)
    }

    fn parse_event(s: &str) -> Option<Self::Event> {
        Self::EVENTS
            .iter()
            .copied()
            .find(|x| Self::event_name(*x) == s)
    }

    /// A state no event leaves.
    fn is_final(s: Self::State) -> bool {
        Self::EVENTS.iter().all(|e| Self::next(s, *e).is_none())
    }
}

#[cfg(test)]
pub(crate) fn check_names<W: Workflow>() {
    let mut seen = std::collections::HashSet::new();
    for s in W::STATES {
        assert!(seen.insert(W::state_name(*s)), "duplicate state name");
        assert_eq!(W::parse_state(W::state_name(*s)), Some(*s));
    }
    let mut seen = std::collections::HashSet::new();
    for e in W::EVENTS {
        assert!(seen.insert(W::event_name(*e)), "duplicate event name");
        assert_eq!(W::parse_event(W::event_name(*e)), Some(*e));
    }
}
