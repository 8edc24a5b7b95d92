//! Government purchase of services (政府购买服务, 财政部令第102号): the catalog and its
//! negative list, purchase projects with their calls for applications, applications, and
//! the eligibility rules an application is checked against. Pure rules; the store keeps
//! the records and the application layer runs the workflows.

use crate::workflow::Workflow;
use crate::FieldError;

/// What an officer says a catalog item is. Only `service` may be bought; the others are the
/// negative list of 102号令 Art. 10, each with its item number there.
pub const NATURES: [(&str, Option<u8>); 7] = [
    ("service", None),
    ("not_duty", Some(1)),
    ("government_own", Some(2)),
    ("goods_works", Some(3)),
    ("financing", Some(4)),
    ("staffing", Some(5)),
    ("excluded_by_law", Some(6)),
];

/// Refuses an item on the negative list, citing the article and item.
pub fn check_nature(field: &str, v: &str) -> Result<String, FieldError> {
    let v = v.trim();
    match NATURES.iter().find(|(k, _)| *k == v) {
        Some((k, None)) => Ok((*k).to_owned()),
        Some((k, Some(n))) => Err(FieldError::new(field, "err-negative-list")
            .arg("item", n)
            .arg("nature", *k)),
        None => Err(FieldError::new(field, "err-purchase-choice")),
    }
}

/// How a provider is chosen (政府采购法 Art. 26, as used for social services).
pub const METHODS: [&str; 3] = ["public_call", "negotiation", "single_source"];

/// A catalog's life: items are kept while it is a draft; publishing puts it on the portal
/// and lets projects under it open calls; revising takes it back to draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CatalogState {
    Draft,
    Published,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CatalogEvent {
    Publish,
    Revise,
}

pub struct Catalogs;

impl Workflow for Catalogs {
    type State = CatalogState;
    type Event = CatalogEvent;
    const KIND: &'static str = "catalog";
    const STATES: &'static [CatalogState] = &[CatalogState::Draft, CatalogState::Published];
    const EVENTS: &'static [CatalogEvent] = &[CatalogEvent::Publish, CatalogEvent::Revise];

    fn next(s: CatalogState, e: CatalogEvent) -> Option<CatalogState> {
        use CatalogEvent as E;
        use CatalogState as S;
        match (s, e) {
            (S::Draft, E::Publish) => Some(S::Published),
            (S::Draft, E::Revise) => None,
            (S::Published, E::Revise) => Some(S::Draft),
            (S::Published, E::Publish) => None,
        }
    }

    fn state_name(s: CatalogState) -> &'static str {
        match s {
            CatalogState::Draft => "draft",
            CatalogState::Published => "published",
        }
    }

    fn event_name(e: CatalogEvent) -> &'static str {
        match e {
            CatalogEvent::Publish => "publish",
            CatalogEvent::Revise => "revise",
        }
    }
}

/// A purchase project and its call for applications (立项 → 征集公告): a draft is approved
/// (its amount is reserved on the budget line), its call is published (open until the
/// deadline), then closed for review; it may be cancelled before it is awarded (the
/// reservation is released).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectState {
    Draft,
    Approved,
    Open,
    Closed,
    Reviewing,
    Reviewed,
    Awarded,
    Confirmed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectEvent {
    Approve,
    Publish,
    Close,
    Review,
    Report,
    Award,
    Reopen,
    Confirm,
    Cancel,
}

pub struct Projects;

impl Workflow for Projects {
    type State = ProjectState;
    type Event = ProjectEvent;
    const KIND: &'static str = "project";
    const STATES: &'static [ProjectState] = &[
        ProjectState::Draft,
        ProjectState::Approved,
        ProjectState::Open,
        ProjectState::Closed,
        ProjectState::Reviewing,
        ProjectState::Reviewed,
        ProjectState::Awarded,
        ProjectState::Confirmed,
        ProjectState::Cancelled,
    ];
    const EVENTS: &'static [ProjectEvent] = &[
        ProjectEvent::Approve,
        ProjectEvent::Publish,
        ProjectEvent::Close,
        ProjectEvent::Review,
        ProjectEvent::Report,
        ProjectEvent::Award,
        ProjectEvent::Reopen,
        ProjectEvent::Confirm,
        ProjectEvent::Cancel,
    ];

    fn next(s: ProjectState, e: ProjectEvent) -> Option<ProjectState> {
        use ProjectEvent as E;
        use ProjectState as S;
        match (s, e) {
            (S::Draft, E::Approve) => Some(S::Approved),
            (S::Approved, E::Publish) => Some(S::Open),
            (S::Open, E::Close) => Some(S::Closed),
            (S::Closed, E::Review) => Some(S::Reviewing),
            (S::Reviewing, E::Report) => Some(S::Reviewed),
            (S::Reviewed, E::Award) => Some(S::Awarded),
            // An upheld objection reopens the award; the notice ends in confirmation.
            (S::Awarded, E::Reopen) => Some(S::Reviewed),
            (S::Awarded, E::Confirm) => Some(S::Confirmed),
            (
                S::Draft
                | S::Approved
                | S::Open
                | S::Closed
                | S::Reviewing
                | S::Reviewed
                | S::Awarded,
                E::Cancel,
            ) => Some(S::Cancelled),
            (S::Confirmed | S::Cancelled, _) => None,
            (
                S::Draft
                | S::Approved
                | S::Open
                | S::Closed
                | S::Reviewing
                | S::Reviewed
                | S::Awarded,
                _,
            ) => None,
        }
    }

    fn state_name(s: ProjectState) -> &'static str {
        match s {
            ProjectState::Draft => "draft",
            ProjectState::Approved => "approved",
            ProjectState::Open => "open",
            ProjectState::Closed => "closed",
            ProjectState::Reviewing => "reviewing",
            ProjectState::Reviewed => "reviewed",
            ProjectState::Awarded => "awarded",
            ProjectState::Confirmed => "confirmed",
            ProjectState::Cancelled => "cancelled",
        }
    }

    fn event_name(e: ProjectEvent) -> &'static str {
        match e {
            ProjectEvent::Approve => "approve",
            ProjectEvent::Publish => "publish",
            ProjectEvent::Close => "close",
            ProjectEvent::Review => "review",
            ProjectEvent::Report => "report",
            ProjectEvent::Award => "award",
            ProjectEvent::Reopen => "reopen",
            ProjectEvent::Confirm => "confirm",
            ProjectEvent::Cancel => "cancel",
        }
    }
}

/// An application's life: the organization keeps a draft, submits it before the deadline,
/// may recall it to draft before the deadline, or withdraw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationState {
    Draft,
    Submitted,
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationEvent {
    Submit,
    Recall,
    Withdraw,
}

pub struct Applications;

impl Workflow for Applications {
    type State = ApplicationState;
    type Event = ApplicationEvent;
    const KIND: &'static str = "application";
    const STATES: &'static [ApplicationState] = &[
        ApplicationState::Draft,
        ApplicationState::Submitted,
        ApplicationState::Withdrawn,
    ];
    const EVENTS: &'static [ApplicationEvent] = &[
        ApplicationEvent::Submit,
        ApplicationEvent::Recall,
        ApplicationEvent::Withdraw,
    ];

    fn next(s: ApplicationState, e: ApplicationEvent) -> Option<ApplicationState> {
        use ApplicationEvent as E;
        use ApplicationState as S;
        match (s, e) {
            (S::Draft, E::Submit) => Some(S::Submitted),
            (S::Draft, E::Withdraw) => Some(S::Withdrawn),
            (S::Draft, E::Recall) => None,
            (S::Submitted, E::Recall) => Some(S::Draft),
            (S::Submitted, E::Withdraw) => Some(S::Withdrawn),
            (S::Submitted, E::Submit) => None,
            (S::Withdrawn, _) => None,
        }
    }

    fn state_name(s: ApplicationState) -> &'static str {
        match s {
            ApplicationState::Draft => "draft",
            ApplicationState::Submitted => "submitted",
            ApplicationState::Withdrawn => "withdrawn",
        }
    }

    fn event_name(e: ApplicationEvent) -> &'static str {
        match e {
            ApplicationEvent::Submit => "submit",
            ApplicationEvent::Recall => "recall",
            ApplicationEvent::Withdraw => "withdraw",
        }
    }
}

/// An applicant's objection (质疑) to an award during its public notice: answered within N
/// working days, upheld (the award reopens) or dismissed, with a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectionState {
    Pending,
    Upheld,
    Dismissed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectionEvent {
    Uphold,
    Dismiss,
}

pub struct Objections;

impl Workflow for Objections {
    type State = ObjectionState;
    type Event = ObjectionEvent;
    const KIND: &'static str = "objection";
    const STATES: &'static [ObjectionState] = &[
        ObjectionState::Pending,
        ObjectionState::Upheld,
        ObjectionState::Dismissed,
    ];
    const EVENTS: &'static [ObjectionEvent] = &[ObjectionEvent::Uphold, ObjectionEvent::Dismiss];

    fn next(s: ObjectionState, e: ObjectionEvent) -> Option<ObjectionState> {
        match (s, e) {
            (ObjectionState::Pending, ObjectionEvent::Uphold) => Some(ObjectionState::Upheld),
            (ObjectionState::Pending, ObjectionEvent::Dismiss) => Some(ObjectionState::Dismissed),
            (ObjectionState::Upheld | ObjectionState::Dismissed, _) => None,
        }
    }

    fn state_name(s: ObjectionState) -> &'static str {
        match s {
            ObjectionState::Pending => "pending",
            ObjectionState::Upheld => "upheld",
            ObjectionState::Dismissed => "dismissed",
        }
    }

    fn event_name(e: ObjectionEvent) -> &'static str {
        match e {
            ObjectionEvent::Uphold => "uphold",
            ObjectionEvent::Dismiss => "dismiss",
        }
    }
}

/// A contract's life: drafted from a confirmed award with the clauses 102号令 Art. 23 requires,
/// signed (and so published), completed when the work is done; amendments to a signed
/// contract are versioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractState {
    Draft,
    Signed,
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractEvent {
    Sign,
    Complete,
}

pub struct Contracts;

impl Workflow for Contracts {
    type State = ContractState;
    type Event = ContractEvent;
    const KIND: &'static str = "contract";
    const STATES: &'static [ContractState] = &[
        ContractState::Draft,
        ContractState::Signed,
        ContractState::Completed,
    ];
    const EVENTS: &'static [ContractEvent] = &[ContractEvent::Sign, ContractEvent::Complete];

    fn next(s: ContractState, e: ContractEvent) -> Option<ContractState> {
        match (s, e) {
            (ContractState::Draft, ContractEvent::Sign) => Some(ContractState::Signed),
            (ContractState::Signed, ContractEvent::Complete) => Some(ContractState::Completed),
            (ContractState::Draft, ContractEvent::Complete)
            | (ContractState::Signed, ContractEvent::Sign)
            | (ContractState::Completed, _) => None,
        }
    }

    fn state_name(s: ContractState) -> &'static str {
        match s {
            ContractState::Draft => "draft",
            ContractState::Signed => "signed",
            ContractState::Completed => "completed",
        }
    }

    fn event_name(e: ContractEvent) -> &'static str {
        match e {
            ContractEvent::Sign => "sign",
            ContractEvent::Complete => "complete",
        }
    }
}

/// A payment tranche: scheduled; made ready when its gate holds (the officer accepts the
/// milestone); paid with a date and a voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrancheState {
    Scheduled,
    Ready,
    Paid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrancheEvent {
    Accept,
    Pay,
}

pub struct Tranches;

impl Workflow for Tranches {
    type State = TrancheState;
    type Event = TrancheEvent;
    const KIND: &'static str = "tranche";
    const STATES: &'static [TrancheState] = &[
        TrancheState::Scheduled,
        TrancheState::Ready,
        TrancheState::Paid,
    ];
    const EVENTS: &'static [TrancheEvent] = &[TrancheEvent::Accept, TrancheEvent::Pay];

    fn next(s: TrancheState, e: TrancheEvent) -> Option<TrancheState> {
        match (s, e) {
            (TrancheState::Scheduled, TrancheEvent::Accept) => Some(TrancheState::Ready),
            (TrancheState::Scheduled | TrancheState::Ready, TrancheEvent::Pay) => {
                Some(TrancheState::Paid)
            }
            (TrancheState::Ready, TrancheEvent::Accept) | (TrancheState::Paid, _) => None,
        }
    }

    fn state_name(s: TrancheState) -> &'static str {
        match s {
            TrancheState::Scheduled => "scheduled",
            TrancheState::Ready => "ready",
            TrancheState::Paid => "paid",
        }
    }

    fn event_name(e: TrancheEvent) -> &'static str {
        match e {
            TrancheEvent::Accept => "accept",
            TrancheEvent::Pay => "pay",
        }
    }
}

/// A milestone report (中期、结项报告) compiled from the delivery logs: submitted by the
/// organization; accepted (which opens an `on_acceptance` tranche it is for) or returned with
/// the officer's reasons; a returned report is corrected and submitted again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportState {
    Submitted,
    Accepted,
    Returned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportEvent {
    Accept,
    Return,
    Resubmit,
}

pub struct Reports;

impl Workflow for Reports {
    type State = ReportState;
    type Event = ReportEvent;
    const KIND: &'static str = "milestone_report";
    const STATES: &'static [ReportState] = &[
        ReportState::Submitted,
        ReportState::Accepted,
        ReportState::Returned,
    ];
    const EVENTS: &'static [ReportEvent] = &[
        ReportEvent::Accept,
        ReportEvent::Return,
        ReportEvent::Resubmit,
    ];

    fn next(s: ReportState, e: ReportEvent) -> Option<ReportState> {
        match (s, e) {
            (ReportState::Submitted, ReportEvent::Accept) => Some(ReportState::Accepted),
            (ReportState::Submitted, ReportEvent::Return) => Some(ReportState::Returned),
            (ReportState::Returned, ReportEvent::Resubmit) => Some(ReportState::Submitted),
            _ => None,
        }
    }

    fn state_name(s: ReportState) -> &'static str {
        match s {
            ReportState::Submitted => "submitted",
            ReportState::Accepted => "accepted",
            ReportState::Returned => "returned",
        }
    }

    fn event_name(e: ReportEvent) -> &'static str {
        match e {
            ReportEvent::Accept => "accept",
            ReportEvent::Return => "return",
            ReportEvent::Resubmit => "resubmit",
        }
    }
}

/// A call's weights for the rubric's criteria (in `DEFAULT_RUBRIC` order), from what the
/// project stores: blank means the default weights.
pub fn weights(stored: &str) -> [i64; 5] {
    let mut w = [0i64; 5];
    let parts: Vec<&str> = stored.split(',').map(str::trim).collect();
    if parts.len() == 5 {
        for (i, x) in parts.iter().enumerate() {
            match x.parse::<i64>() {
                Ok(n) => w[i] = n,
                Err(_) => return DEFAULT_RUBRIC.map(|c| c.weight),
            }
        }
        return w;
    }
    DEFAULT_RUBRIC.map(|c| c.weight)
}

/// Weights as typed, one per criterion key (all blank: the defaults) → what the project
/// stores. Each is a whole number 0–100 and together they make 100.
pub fn check_weights(typed: &[(&str, &str)]) -> Result<String, Vec<FieldError>> {
    if typed.iter().all(|(_, v)| v.trim().is_empty()) {
        return Ok(String::new());
    }
    let mut errs = Vec::new();
    let mut w = Vec::new();
    for c in DEFAULT_RUBRIC {
        let v = typed
            .iter()
            .find(|(k, _)| *k == c.key)
            .map(|(_, v)| v.trim())
            .unwrap_or("");
        match count(&format!("w_{}", c.key), v, 0, 100) {
            Ok(n) => w.push(n),
            Err(e) => errs.push(e),
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let sum: i64 = w.iter().sum();
    if sum != 100 {
        return Err(vec![
            FieldError::new("rubric", "err-rubric-sum").arg("sum", sum)
        ]);
    }
    let text = w.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    Ok(if weights(&text) == DEFAULT_RUBRIC.map(|c| c.weight) {
        String::new()
    } else {
        text
    })
}

/// Most characters of a criterion's guidance on one call.
pub const GUIDE_MAX: usize = 200;

/// A call's own guidance per criterion (in `DEFAULT_RUBRIC` order) from what the project
/// stores: None where the call keeps the default guidance.
pub fn guides(stored: &str) -> [Option<String>; 5] {
    let mut out: [Option<String>; 5] = Default::default();
    for (slot, line) in out.iter_mut().zip(stored.split('\n')) {
        let line = line.trim();
        if !line.is_empty() {
            *slot = Some(line.to_owned());
        }
    }
    out
}

/// What the project stores for the guidance as checked, one line per criterion (all blank:
/// nothing). Line breaks inside a guidance become spaces.
pub fn stored_guides(typed: &[String; 5]) -> String {
    if typed.iter().all(|g| g.trim().is_empty()) {
        return String::new();
    }
    typed
        .iter()
        .map(|g| g.replace(['\r', '\n'], " ").trim().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The kinds of milestone report.
pub const REPORT_KINDS: [&str; 2] = ["midterm", "final"];

/// Most hours one member can log for one activity (a day).
pub const MAX_HOURS_TENTHS: i64 = 240;

/// Hours as typed (`2`, `1.5`) → tenths; None unless 0.1–24 with at most one decimal.
pub fn hours_tenths(s: &str) -> Option<i64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || whole.len() > 2 || frac.len() > 1 {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = whole.parse::<i64>().ok()? * 10 + frac.parse::<i64>().unwrap_or(0);
    (1..=MAX_HOURS_TENTHS).contains(&t).then_some(t)
}

/// Whether a registration period (start, end, inclusive dates) covers a day.
pub fn registered_on(regs: &[(String, String)], day: &str) -> bool {
    regs.iter()
        .any(|(s, e)| s.as_str() <= day && day <= e.as_str())
}

/// What opens a tranche for payment: signing the contract, a date, the officer's acceptance
/// of a milestone (a mid-term or final report), or a passed evaluation stage (事前, 事中, 事后).
pub const GATES: [&str; 6] = [
    "on_signing",
    "on_date",
    "on_acceptance",
    "on_pre_evaluation",
    "on_midterm_evaluation",
    "on_final_evaluation",
];

/// The clauses 102号令 Art. 23 requires in every contract.
pub const CLAUSES: [&str; 8] = [
    "content",
    "term",
    "quantity",
    "quality",
    "price",
    "settlement",
    "rights",
    "liability",
];

/// A contract term: at most one year, up to three years only with a recorded justification
/// (102号令 Art. 24). Dates are YYYY-MM-DD; returns the days the term lasts.
pub fn check_term(start: &str, end: &str, justification: &str) -> Result<i64, FieldError> {
    use crate::calendar::Day;
    let (Some(s), Some(e)) = (Day::parse(start), Day::parse(end)) else {
        return Err(FieldError::new("end_date", "err-purchase-date"));
    };
    if e < s {
        return Err(FieldError::new("end_date", "err-end-before-start"));
    }
    let (sy, sm, sd) = s.ymd();
    let one = Day::from_ymd(sy + 1, sm, sd.min(28))
        .unwrap_or(s)
        .plus_days(if sd > 28 { (sd - 28) as i64 } else { 0 });
    let three = Day::from_ymd(sy + 3, sm, sd.min(28))
        .unwrap_or(s)
        .plus_days(if sd > 28 { (sd - 28) as i64 } else { 0 });
    if e >= one {
        if justification.trim().is_empty() {
            return Err(FieldError::new("term_justification", "err-term-one-year"));
        }
        if e >= three {
            return Err(FieldError::new("end_date", "err-term-three-years"));
        }
    }
    Ok(s.days_until(e) + 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod contract_tests {
    use super::*;

    #[test]
    fn terms_are_a_year_or_three_with_a_reason() {
        assert_eq!(check_term("2027-01-01", "2027-12-31", "").unwrap(), 365);
        assert_eq!(
            check_term("2027-01-01", "2028-01-01", "").unwrap_err().code,
            "err-term-one-year"
        );
        assert!(check_term("2027-01-01", "2029-12-31", "服务稳定、每年重复").is_ok());
        assert_eq!(
            check_term("2027-01-01", "2030-01-01", "理由")
                .unwrap_err()
                .code,
            "err-term-three-years"
        );
        assert_eq!(
            check_term("2027-02-01", "2027-01-01", "").unwrap_err().code,
            "err-end-before-start"
        );
    }

    #[test]
    fn contracts_and_tranches_move_as_designed() {
        crate::workflow::check_names::<Contracts>();
        crate::workflow::check_names::<Tranches>();
        crate::workflow::check_names::<Reports>();
        assert_eq!(weights(""), [25, 15, 15, 30, 15]);
        assert_eq!(weights("40,10,10,30,10"), [40, 10, 10, 30, 10]);
        assert_eq!(
            check_weights(&[
                ("need", "40"),
                ("acceptance", "10"),
                ("innovation", "10"),
                ("effectiveness", "30"),
                ("replicability", "10")
            ]),
            Ok("40,10,10,30,10".to_owned())
        );
        assert_eq!(
            check_weights(&[
                ("need", "25"),
                ("acceptance", "15"),
                ("innovation", "15"),
                ("effectiveness", "30"),
                ("replicability", "15")
            ]),
            Ok(String::new()),
            "the defaults are stored as blank"
        );
        assert!(check_weights(&[
            ("need", "50"),
            ("acceptance", "10"),
            ("innovation", "10"),
            ("effectiveness", "30"),
            ("replicability", "10")
        ])
        .is_err());
        assert_eq!(check_weights(&[]), Ok(String::new()));
        assert_eq!(
            Reports::next(ReportState::Accepted, ReportEvent::Return),
            None,
            "an accepted report stays accepted"
        );
        assert_eq!(hours_tenths("1.5"), Some(15));
        assert_eq!(hours_tenths("24"), Some(240));
        for bad in ["0", "24.1", "1.25", "-1", "", "a", "100"] {
            assert_eq!(hours_tenths(bad), None, "{bad}");
        }
        let regs = [("2024-01-01".to_owned(), "2026-12-31".to_owned())];
        assert!(registered_on(&regs, "2026-12-31"));
        assert!(!registered_on(&regs, "2027-01-01"));
        assert_eq!(
            Tranches::next(TrancheState::Paid, TrancheEvent::Pay),
            None,
            "a tranche is paid once"
        );
        assert_eq!(
            Contracts::next(ContractState::Draft, ContractEvent::Sign),
            Some(ContractState::Signed)
        );
    }
}

/// Most money one record may carry: ¥100,000,000 (in fen).
pub const MAX_FEN: i64 = 10_000_000_000;

/// An amount of yuan with at most two decimals, above zero and at most [`MAX_FEN`].
pub fn amount(field: &str, v: &str) -> Result<i64, FieldError> {
    match crate::cell::parse_decimal_centi(v) {
        Ok(Some(f)) if (1..=MAX_FEN).contains(&f) => Ok(f),
        _ => Err(FieldError::new(field, "err-amount").arg("max", "100000000")),
    }
}

/// A whole number within bounds (counts, days, ratings).
pub fn count(field: &str, v: &str, min: i64, max: i64) -> Result<i64, FieldError> {
    let t = crate::cell::normalize_text(v);
    match t.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(FieldError::new(field, "err-range")
            .arg("min", min)
            .arg("max", max)),
    }
}

/// Certificate levels from lowest to highest; "at least intermediate" counts 社会工作师 and
/// 高级社会工作师.
pub fn cert_rank(level: &str) -> u8 {
    match level {
        "assistant" => 1,
        "intermediate" => 2,
        "senior" => 3,
        _ => 0,
    }
}

/// What a call requires of an applicant and its team.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    /// The district the applicant must be registered or filed in (6-digit code).
    pub district: String,
    /// Allowed organization kinds; empty: any.
    pub provider_kinds: Vec<String>,
    /// Least organization rating (1–5 A); 0: none required.
    pub min_rating: i64,
    /// Least number of team members holding a certificate with a registration current on
    /// the service start date.
    pub min_team: i64,
    /// …of whom at least this many at intermediate level or above.
    pub min_intermediate: i64,
    /// The service start date (YYYY-MM-DD): registrations must be current on it.
    pub start_date: String,
    /// A single-source call: only this organization may apply.
    pub single_source_org: Option<i64>,
    /// 优胜劣汰: the least grade of the applicant's latest final evaluations ('' for none).
    pub history_min_grade: String,
    /// 优胜劣汰: a 差 or a halted contract within `exclusion_years` bars the applicant.
    pub history_exclude_poor: bool,
    pub exclusion_years: i64,
}

/// An applicant as the registry knows it today.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgFacts {
    pub id: i64,
    pub kind: String,
    pub area_code: Option<String>,
    pub status: String,
    pub annual_result: String,
    /// Blacklisted until this date (YYYY-MM-DD), if at all.
    pub blacklisted_until: Option<String>,
    pub rating: i64,
    /// Its record as a provider (decided evaluations, halted contracts).
    pub record: Vec<crate::evaluation::PastResult>,
}

/// A proposed team member as the registry knows them today.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberFacts {
    pub worker_id: i64,
    pub name: String,
    pub cert_level: String,
    pub active: bool,
    /// Employed by the applicant.
    pub employed: bool,
    /// Registration periods (start, end) as YYYY-MM-DD.
    pub registrations: Vec<(String, String)>,
    /// CPD hours missing in the current registration period (a warning only).
    pub cpd_shortfall: f64,
}

impl MemberFacts {
    /// Certified and registered on `day`.
    pub fn registered_on(&self, day: &str) -> bool {
        cert_rank(&self.cert_level) > 0
            && self
                .registrations
                .iter()
                .any(|(s, e)| s.as_str() <= day && day <= e.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Pass,
    Warn,
    Fail,
}

/// One line of an eligibility screen: a rule, whether it holds, and its figures (the
/// message key is `code`, its arguments `args`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub level: Level,
    pub args: Vec<(&'static str, String)>,
}

impl Finding {
    fn new(code: &'static str, ok: bool) -> Finding {
        Finding {
            code,
            level: if ok { Level::Pass } else { Level::Fail },
            args: Vec::new(),
        }
    }
    fn arg(mut self, k: &'static str, v: impl ToString) -> Finding {
        self.args.push((k, v.to_string()));
        self
    }
}

/// Every finding's code, for the locale test.
pub const FINDINGS: [&str; 14] = [
    "elig-single-source",
    "elig-district",
    "elig-status",
    "elig-blacklist",
    "elig-annual",
    "elig-kind",
    "elig-rating",
    "elig-team-size",
    "elig-team-intermediate",
    "elig-member-employer",
    "elig-member-registration",
    "elig-member-cpd",
    "elig-history-grade",
    "elig-history-poor",
];

/// The eligibility screen of an applicant and its team on `today` (YYYY-MM-DD): every rule
/// with its outcome, failures and warnings with the figures that explain them.
pub fn eligibility(
    today: &str,
    req: &Requirements,
    org: &OrgFacts,
    team: &[MemberFacts],
) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(only) = req.single_source_org {
        out.push(Finding::new("elig-single-source", only == org.id));
    }
    out.push(Finding::new(
        "elig-district",
        org.area_code
            .as_deref()
            .is_some_and(|a| !req.district.is_empty() && a.starts_with(&req.district)),
    ));
    out.push(Finding::new("elig-status", org.status == "active").arg("status", &org.status));
    let listed = org
        .blacklisted_until
        .as_deref()
        .filter(|u| !u.is_empty() && *u >= today);
    out.push(Finding::new("elig-blacklist", listed.is_none()).arg("until", listed.unwrap_or("—")));
    out.push(
        Finding::new(
            "elig-annual",
            matches!(org.annual_result.as_str(), "pass" | "basic_pass"),
        )
        .arg("result", &org.annual_result),
    );
    if !req.provider_kinds.is_empty() {
        out.push(
            Finding::new("elig-kind", req.provider_kinds.contains(&org.kind))
                .arg("kind", &org.kind),
        );
    }
    if req.min_rating > 0 {
        out.push(
            Finding::new("elig-rating", org.rating >= req.min_rating)
                .arg("min", req.min_rating)
                .arg("rating", org.rating),
        );
    }
    for (code, ok, args) in crate::evaluation::history_rules(
        today,
        &req.history_min_grade,
        req.history_exclude_poor,
        req.exclusion_years,
        &org.record,
    ) {
        let mut f = Finding::new(code, ok);
        f.args = args;
        out.push(f);
    }
    let valid: Vec<&MemberFacts> = team
        .iter()
        .filter(|m| m.active && m.employed && m.registered_on(&req.start_date))
        .collect();
    out.push(
        Finding::new("elig-team-size", valid.len() as i64 >= req.min_team)
            .arg("min", req.min_team)
            .arg("count", valid.len()),
    );
    if req.min_intermediate > 0 {
        let n = valid
            .iter()
            .filter(|m| cert_rank(&m.cert_level) >= 2)
            .count();
        out.push(
            Finding::new("elig-team-intermediate", n as i64 >= req.min_intermediate)
                .arg("min", req.min_intermediate)
                .arg("count", n),
        );
    }
    for m in team {
        if !m.employed || !m.active {
            out.push(Finding::new("elig-member-employer", false).arg("name", &m.name));
        } else if !m.registered_on(&req.start_date) {
            out.push(
                Finding::new("elig-member-registration", false)
                    .arg("name", &m.name)
                    .arg("date", &req.start_date),
            );
        } else if m.cpd_shortfall > 0.0 {
            let mut f = Finding::new("elig-member-cpd", true)
                .arg("name", &m.name)
                .arg("hours", format!("{:.1}", m.cpd_shortfall));
            f.level = Level::Warn;
            out.push(f);
        }
    }
    out
}

/// Eligible when no rule fails (warnings do not count).
pub fn eligible(f: &[Finding]) -> bool {
    f.iter().all(|x| x.level != Level::Fail)
}

// ---- panel review (评审) ------------------------------------------------------------------

/// One criterion of a scoring rubric: its key, names and the most points it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Criterion {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub weight: i64,
}

/// The default rubric of community service projects: 需求度, 接纳度, 创新性, 有效性, 复制性,
/// 100 points in all.
pub const DEFAULT_RUBRIC: [Criterion; 5] = [
    Criterion {
        key: "need",
        zh: "需求度",
        en: "Need",
        weight: 25,
    },
    Criterion {
        key: "acceptance",
        zh: "接纳度",
        en: "Acceptance",
        weight: 15,
    },
    Criterion {
        key: "innovation",
        zh: "创新性",
        en: "Innovation",
        weight: 15,
    },
    Criterion {
        key: "effectiveness",
        zh: "有效性",
        en: "Effectiveness",
        weight: 30,
    },
    Criterion {
        key: "replicability",
        zh: "复制性",
        en: "Replicability",
        weight: 15,
    },
];

/// Relations that bar an expert from reviewing an applicant (实施条例 Art. 9): employee,
/// director or supervisor, controlling shareholder or actual controller, close relative of its
/// head — within the past three years.
pub const TIE_RELATIONS: [&str; 4] = ["employee", "director", "controller", "relative"];

/// Years a past tie still counts.
pub const TIE_YEARS: i64 = 3;

/// Largest panel the system draws.
pub const MAX_PANEL: i64 = 25;

/// The least panel size for an amount: 5, or 7 from `threshold_fen` up (财政部令第87号).
pub fn min_panel(amount_fen: i64, threshold_fen: i64) -> i64 {
    if amount_fen >= threshold_fen {
        7
    } else {
        5
    }
}

/// A requested panel size: odd, at least the minimum for the amount, at most [`MAX_PANEL`].
pub fn panel_size(
    field: &str,
    size: i64,
    amount_fen: i64,
    threshold_fen: i64,
) -> Result<i64, FieldError> {
    let min = min_panel(amount_fen, threshold_fen);
    if size < min || size > MAX_PANEL || size % 2 == 0 {
        Err(FieldError::new(field, "err-panel-size")
            .arg("min", min)
            .arg("max", MAX_PANEL))
    } else {
        Ok(size)
    }
}

/// Experts are at least two thirds of a panel (政府采购评审专家管理办法 Art. 2; 财政部令第87号).
pub fn experts_enough(experts: i64, size: i64) -> bool {
    experts * 3 >= size * 2
}

/// The most purchaser representatives a panel of `size` seats may have.
pub fn max_representatives(size: i64) -> i64 {
    (0..=size)
        .rev()
        .find(|r| experts_enough(size - r, size))
        .unwrap_or(0)
}

/// The kinds of pool entry: experts drawn at random, and the purchaser's representatives
/// (采购人代表) the district names to a panel.
pub const POOL_KINDS: [&str; 2] = ["expert", "purchaser"];

/// A tie counts if it has not ended, or ended less than [`TIE_YEARS`] years before `today`
/// (YYYY-MM-DD strings compare as dates).
pub fn tie_counts(ended_on: Option<&str>, today: &str) -> bool {
    match ended_on {
        None | Some("") => true,
        Some(end) => {
            let year: i64 = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
            let cutoff = format!("{:04}{}", year - TIE_YEARS, today.get(4..).unwrap_or(""));
            end >= cutoff.as_str()
        }
    }
}

/// One application's panel result.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// The result: the mean of the members' totals, the highest and lowest dropped when the
    /// panel has at least `trim_from` totals.
    pub score: f64,
    pub trimmed: bool,
    /// The members' totals disagree by more than [`GAP_POINTS`].
    pub gap: bool,
    pub highest: f64,
    pub lowest: f64,
}

/// Points between the highest and lowest total that flag a disagreement to look at.
pub const GAP_POINTS: f64 = 30.0;

pub fn aggregate(totals: &[f64], trim_from: usize) -> Option<Aggregate> {
    if totals.is_empty() {
        return None;
    }
    let mut v = totals.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let highest = v[v.len() - 1];
    let lowest = v[0];
    let trimmed = v.len() >= trim_from.max(3);
    let kept = if trimmed { &v[1..v.len() - 1] } else { &v[..] };
    let score = kept.iter().sum::<f64>() / kept.len() as f64;
    Some(Aggregate {
        score: (score * 100.0).round() / 100.0,
        trimmed,
        gap: highest - lowest > GAP_POINTS,
        highest,
        lowest,
    })
}

/// Ranks by score, highest first; equal scores share a rank and are flagged as ties.
pub fn rank(scores: &[(i64, f64)]) -> Vec<(i64, f64, usize, bool)> {
    let mut v = scores.to_vec();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = Vec::with_capacity(v.len());
    for (i, (id, s)) in v.iter().enumerate() {
        let rank = match out.last() {
            Some((_, ps, pr, _)) if (ps - s).abs() < 0.005 => *pr,
            _ => i + 1,
        };
        let tie = v.iter().filter(|(_, o)| (o - s).abs() < 0.005).count() > 1;
        out.push((*id, *s, rank, tie));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod panel_tests {
    use super::*;

    #[test]
    fn panels_are_odd_and_large_enough() {
        assert_eq!(min_panel(10_000_000, 1_000_000_000), 5);
        assert_eq!(min_panel(1_000_000_000, 1_000_000_000), 7);
        assert!(
            panel_size("s", 5, 100, 100).is_err(),
            "7 from the threshold"
        );
        assert!(panel_size("s", 6, 1, 1000).is_err(), "odd");
        assert!(panel_size("s", 3, 1, 1000).is_err(), "at least 5");
        assert_eq!(panel_size("s", 7, 100, 100).unwrap(), 7);
        assert!(panel_size("s", 27, 1, 1000).is_err());
        assert!(experts_enough(4, 5) && !experts_enough(3, 5));
        assert_eq!(DEFAULT_RUBRIC.iter().map(|c| c.weight).sum::<i64>(), 100);
    }

    #[test]
    fn guidance_keeps_its_place_per_criterion() {
        let typed = [
            String::new(),
            "居民参与\n意愿".into(),
            String::new(),
            String::new(),
            String::new(),
        ];
        let stored = stored_guides(&typed);
        let g = guides(&stored);
        assert_eq!(g[0], None);
        assert_eq!(g[1].as_deref(), Some("居民参与 意愿"));
        assert!(g[2..].iter().all(Option::is_none));
        assert_eq!(stored_guides(&Default::default()), "");
        assert!(guides("").iter().all(Option::is_none));
    }

    /// Purchaser representatives: at most a third of the seats.
    #[test]
    fn experts_are_two_thirds() {
        assert!(experts_enough(4, 5));
        assert!(!experts_enough(3, 5));
        assert!(experts_enough(5, 7));
        assert!(!experts_enough(4, 7));
        assert_eq!(max_representatives(5), 1);
        assert_eq!(max_representatives(7), 2);
        assert_eq!(max_representatives(9), 3);
    }

    #[test]
    fn ties_count_for_three_years() {
        assert!(tie_counts(None, "2026-11-30"));
        assert!(tie_counts(Some("2023-11-30"), "2026-11-30"));
        assert!(!tie_counts(Some("2023-11-29"), "2026-11-30"));
    }

    #[test]
    fn scores_are_trimmed_from_seven() {
        let a = aggregate(&[80.0, 82.0, 84.0, 86.0, 88.0], 7).unwrap();
        assert_eq!(a.score, 84.0);
        assert!(!a.trimmed);
        let a = aggregate(&[40.0, 80.0, 81.0, 82.0, 83.0, 84.0, 99.0], 7).unwrap();
        assert!(a.trimmed);
        assert_eq!(a.score, 82.0);
        assert!(a.gap);
        assert_eq!(aggregate(&[], 7), None);
        let r = rank(&[(1, 80.0), (2, 90.0), (3, 80.0), (4, 70.0)]);
        assert_eq!(r[0], (2, 90.0, 1, false));
        assert_eq!(r[1], (1, 80.0, 2, true));
        assert_eq!(r[2], (3, 80.0, 2, true));
        assert_eq!(r[3], (4, 70.0, 4, false));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::workflow::check_names;

    #[test]
    fn names_round_trip() {
        check_names::<Catalogs>();
        check_names::<Projects>();
        check_names::<Applications>();
        check_names::<Objections>();
    }

    #[test]
    fn the_negative_list_cites_article_10() {
        assert_eq!(check_nature("n", "service").unwrap(), "service");
        let e = check_nature("n", "goods_works").unwrap_err();
        assert_eq!(e.code, "err-negative-list");
        assert!(e.args.iter().any(|(k, v)| *k == "item" && v == "3"));
        for (k, n) in NATURES {
            assert_eq!(check_nature("n", k).is_ok(), n.is_none(), "{k}");
        }
        assert_eq!(
            check_nature("n", "bogus").unwrap_err().code,
            "err-purchase-choice"
        );
    }

    #[test]
    fn projects_move_as_designed() {
        use ProjectEvent as E;
        use ProjectState as S;
        assert_eq!(Projects::next(S::Draft, E::Publish), None, "approve first");
        assert_eq!(Projects::next(S::Approved, E::Publish), Some(S::Open));
        assert_eq!(Projects::next(S::Open, E::Close), Some(S::Closed));
        assert!(Projects::is_final(S::Cancelled));
        assert_eq!(
            Applications::next(ApplicationState::Withdrawn, ApplicationEvent::Submit),
            None
        );
    }

    fn org() -> OrgFacts {
        OrgFacts {
            id: 7,
            kind: "social_service_agency".into(),
            area_code: Some("320412100002".into()),
            status: "active".into(),
            annual_result: "pass".into(),
            blacklisted_until: None,
            rating: 4,
            record: vec![],
        }
    }

    fn member(id: i64, level: &str, until: &str) -> MemberFacts {
        MemberFacts {
            worker_id: id,
            name: format!("社工{id}"),
            cert_level: level.into(),
            active: true,
            employed: true,
            registrations: vec![("2024-01-01".into(), until.into())],
            cpd_shortfall: 0.0,
        }
    }

    fn req() -> Requirements {
        Requirements {
            district: "320412".into(),
            provider_kinds: vec![],
            min_rating: 3,
            min_team: 2,
            min_intermediate: 1,
            start_date: "2026-03-01".into(),
            single_source_org: None,
            ..Default::default()
        }
    }

    #[test]
    fn eligibility_explains_each_rule() {
        let team = [
            member(1, "intermediate", "2026-12-31"),
            member(2, "assistant", "2026-12-31"),
        ];
        let f = eligibility("2026-01-10", &req(), &org(), &team);
        assert!(eligible(&f), "{f:?}");
        // A registration lapsing before the start date does not count.
        let team = [
            member(1, "intermediate", "2026-02-28"),
            member(2, "assistant", "2026-12-31"),
        ];
        let f = eligibility("2026-01-10", &req(), &org(), &team);
        assert!(!eligible(&f));
        let codes: Vec<_> = f
            .iter()
            .filter(|x| x.level == Level::Fail)
            .map(|x| x.code)
            .collect();
        assert_eq!(
            codes,
            [
                "elig-team-size",
                "elig-team-intermediate",
                "elig-member-registration"
            ]
        );
        // Blacklisted until a future date; annual report failed; rating too low.
        let mut o = org();
        o.blacklisted_until = Some("2026-06-30".into());
        o.annual_result = "fail".into();
        o.rating = 2;
        o.area_code = Some("320411001001".into());
        let f = eligibility("2026-01-10", &req(), &o, &[]);
        let fails: Vec<_> = f
            .iter()
            .filter(|x| x.level == Level::Fail)
            .map(|x| x.code)
            .collect();
        assert!(fails.contains(&"elig-blacklist"));
        assert!(fails.contains(&"elig-annual"));
        assert!(fails.contains(&"elig-rating"));
        assert!(fails.contains(&"elig-district"));
        // A blacklisting that ended yesterday no longer counts.
        let mut o = org();
        o.blacklisted_until = Some("2026-01-09".into());
        let team = [
            member(1, "senior", "2027-01-01"),
            member(2, "senior", "2027-01-01"),
        ];
        assert!(eligible(&eligibility("2026-01-10", &req(), &o, &team)));
        // A CPD shortfall warns but does not fail.
        let mut m = member(1, "senior", "2027-01-01");
        m.cpd_shortfall = 12.5;
        let f = eligibility(
            "2026-01-10",
            &req(),
            &org(),
            &[m, member(2, "senior", "2027-01-01")],
        );
        assert!(eligible(&f));
        assert!(f
            .iter()
            .any(|x| x.code == "elig-member-cpd" && x.level == Level::Warn));
        // Single source: only the named organization.
        let mut r = req();
        r.single_source_org = Some(8);
        assert!(!eligible(&eligibility("2026-01-10", &r, &org(), &team)));
    }

    #[test]
    fn amounts_are_positive_yuan() {
        assert_eq!(amount("a", "12,000.5").unwrap_or(0), 1_200_050);
        assert!(amount("a", "0").is_err());
        assert!(amount("a", "100000000.01").is_err());
        assert_eq!(count("c", "５", 0, 9).unwrap(), 5);
        assert!(count("c", "10", 0, 9).is_err());
    }
}
