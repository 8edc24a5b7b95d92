//! Venture philanthropy (公益创投): a district's round with a pool of fiscal and charity money
//! kept apart, tiers of award, a call for projects, screening, a roadshow or desk review scored
//! on five criteria, a finalists' notice with a public vote, awards by score and tier, an
//! agreement, a first tranche within a number of working days, a mid-term that releases the
//! rest or stops the project, and debarment after a breach.
//!
//! Every figure here is a default of a round the district edits (workflow rules §3: 武进区,
//! 常州, 博爱100), never a constant the code enforces on its own.

use crate::workflow::Workflow;
use crate::FieldError;

/// The five criteria of 武进区's live scoring, 20 points each (100 in all).
pub const CRITERIA: [&str; 5] = [
    "need",
    "acceptance",
    "innovation",
    "effectiveness",
    "replicability",
];
/// The criteria's names as the scoring rules give them (named in error messages).
pub const CRITERION_NAMES: [&str; 5] = ["需求度", "接纳度", "创新性", "有效性", "复制性"];
/// The most points one criterion carries.
pub const CRITERION_MAX: i64 = 20;
/// How a round reviews its finalists: a roadshow scored live (scores shown as they come) or
/// a desk review (scores shown after the notice opens).
pub const REVIEW_MODES: [&str; 2] = ["roadshow", "desk"];
/// Where an award's money comes from; each is a pool of its own.
pub const SOURCES: [&str; 2] = ["fiscal", "charity"];
/// The most tiers a round offers.
pub const MAX_TIERS: usize = 8;

/// A round's editable settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub title: String,
    pub year: i64,
    pub description: String,
    /// The topics or categories projects apply under, one per line.
    pub topics: Vec<String>,
    pub pool_fiscal_fen: i64,
    pub pool_charity_fen: i64,
    /// The award amounts (fen), ascending.
    pub tiers: Vec<i64>,
    pub review_mode: String,
    /// The last day applications are taken (YYYY-MM-DD).
    pub apply_until: String,
    /// Working days of the finalists' notice (the public vote runs through it).
    pub notice_days: i64,
    /// The projects with the most votes that get the vote bonus, and the bonus in points.
    pub vote_top_n: i64,
    pub vote_bonus: i64,
    /// Matched funds raised by the organization: one point per this many fen, at most
    /// `matched_cap` points (博爱100: up to 50).
    pub matched_unit_fen: i64,
    pub matched_cap: i64,
    /// Working days from the agreement to the first tranche (博爱100: 15).
    pub first_days: i64,
    /// The first tranche's share of the award, in percent.
    pub first_share: i64,
    /// Years an organization is barred after a breach (博爱100: 3).
    pub debar_years: i64,
}

impl Settings {
    /// A new round's defaults (武进区 2017: ¥600,000, ¥10,000–30,000; 博爱100; 常州).
    pub fn new(year: i64, apply_until: &str) -> Settings {
        Settings {
            title: String::new(),
            year,
            description: String::new(),
            topics: vec!["为老服务".into(), "青少年成长".into(), "社区融合".into()],
            pool_fiscal_fen: 60_000_000,
            pool_charity_fen: 0,
            tiers: vec![500_000, 1_000_000, 2_000_000, 3_000_000],
            review_mode: "roadshow".into(),
            apply_until: apply_until.into(),
            notice_days: 5,
            vote_top_n: 5,
            vote_bonus: 5,
            matched_unit_fen: 100_000,
            matched_cap: 50,
            first_days: 15,
            first_share: 50,
            debar_years: 3,
        }
    }

    /// Every field's rule, all errors at once.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        let mut range = |field: &str, v: i64, lo: i64, hi: i64| {
            if !(lo..=hi).contains(&v) {
                e.push(
                    FieldError::new(field, "err-range")
                        .arg("min", lo)
                        .arg("max", hi),
                );
            }
        };
        range("year", self.year, 2000, 2100);
        range("pool_fiscal_fen", self.pool_fiscal_fen, 0, 100_000_000_000);
        range(
            "pool_charity_fen",
            self.pool_charity_fen,
            0,
            100_000_000_000,
        );
        range("notice_days", self.notice_days, 0, 30);
        range("vote_top_n", self.vote_top_n, 0, 100);
        range("vote_bonus", self.vote_bonus, 0, 50);
        range("matched_unit_fen", self.matched_unit_fen, 1, 100_000_000);
        range("matched_cap", self.matched_cap, 0, 100);
        range("first_days", self.first_days, 1, 60);
        range("first_share", self.first_share, 1, 100);
        range("debar_years", self.debar_years, 0, 10);
        if self.title.trim().is_empty() {
            e.push(FieldError::new("title", "err-required"));
        } else if self.title.chars().count() > 100 {
            e.push(FieldError::new("title", "err-too-long").arg("max", 100));
        }
        if self.description.chars().count() > 4000 {
            e.push(FieldError::new("description", "err-too-long").arg("max", 4000));
        }
        if self.topics.is_empty() {
            e.push(FieldError::new("topics", "err-required"));
        } else if self.topics.len() > 20 || self.topics.iter().any(|t| t.chars().count() > 40) {
            e.push(FieldError::new("topics", "err-venture-topics"));
        }
        if self.pool_fiscal_fen.saturating_add(self.pool_charity_fen) <= 0 {
            e.push(FieldError::new("pool_fiscal_fen", "err-venture-pool-empty"));
        }
        if self.tiers.is_empty()
            || self.tiers.len() > MAX_TIERS
            || self.tiers.iter().any(|t| !(100..=100_000_000).contains(t))
            || self.tiers.windows(2).any(|w| w[0] >= w[1])
        {
            e.push(FieldError::new("tiers", "err-venture-tiers").arg("max", MAX_TIERS));
        }
        if !REVIEW_MODES.contains(&self.review_mode.as_str()) {
            e.push(
                FieldError::new("review_mode", "err-choice")
                    .arg("choices", REVIEW_MODES.join("、")),
            );
        }
        if crate::calendar::Day::parse(&self.apply_until).is_none() {
            e.push(FieldError::new("apply_until", "err-date"));
        }
        if e.is_empty() {
            Ok(())
        } else {
            Err(e)
        }
    }
}

/// Reads a tiers list typed as yuan (`5000, 10000, 20000`; full-width commas and `、` too).
pub fn parse_tiers(s: &str) -> Option<Vec<i64>> {
    let mut out = Vec::new();
    for part in s.split([',', '，', '、', ' ', '\n']) {
        let p = part.trim();
        if p.is_empty() {
            continue;
        }
        out.push(crate::purchase::amount("tiers", p).ok()?);
    }
    Some(out)
}

/// A reviewer's five scores as typed: each a whole number 0–20. Returns the points.
pub fn scores(typed: &[(String, String)]) -> Result<Vec<i64>, Vec<FieldError>> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for (c, name) in CRITERIA.iter().zip(CRITERION_NAMES) {
        let c = *c;
        let v = typed
            .iter()
            .find(|(k, _)| k == c)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default();
        match v.parse::<i64>() {
            Ok(n) if (0..=CRITERION_MAX).contains(&n) => out.push(n),
            _ if v.is_empty() => errs.push(
                FieldError::new(&format!("score_{c}"), "err-eval-score-missing").arg("name", name),
            ),
            _ => errs.push(
                FieldError::new(&format!("score_{c}"), "err-eval-score-range")
                    .arg("name", name)
                    .arg("max", CRITERION_MAX),
            ),
        }
    }
    for (k, _) in typed {
        if !CRITERIA.contains(&k.as_str()) {
            errs.push(FieldError::new(
                &format!("score_{k}"),
                "err-eval-indicator-unknown",
            ));
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// The matched-funds bonus in points: one per `unit` fen, at most `cap`.
pub fn matched_bonus(matched_fen: i64, unit: i64, cap: i64) -> i64 {
    if unit <= 0 {
        return 0;
    }
    (matched_fen.max(0) / unit).min(cap)
}

/// One finalist as the ranking sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub id: i64,
    /// The reviewers' mean total in tenths of a point.
    pub score_tenths: i64,
    pub votes: i64,
    pub matched_fen: i64,
}

/// One line of the ranking: the score, each bonus and the total, all in tenths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub id: i64,
    pub score_tenths: i64,
    pub matched_tenths: i64,
    pub vote_tenths: i64,
    pub total_tenths: i64,
}

/// The vote bonus goes to the `top_n` projects with the most votes (at least one vote; ties
/// at the last place all get it). Returns the ids that get it.
pub fn vote_winners(standings: &[Standing], top_n: i64) -> Vec<i64> {
    let mut v: Vec<&Standing> = standings.iter().filter(|s| s.votes > 0).collect();
    v.sort_by(|a, b| b.votes.cmp(&a.votes).then(a.id.cmp(&b.id)));
    let n = usize::try_from(top_n).unwrap_or(0);
    let Some(cut) = v.get(n.saturating_sub(1)).map(|s| s.votes) else {
        return v.iter().map(|s| s.id).collect();
    };
    if n == 0 {
        return Vec::new();
    }
    v.iter().filter(|s| s.votes >= cut).map(|s| s.id).collect()
}

/// The ranking a round awards by: score + matched-funds bonus + vote bonus, highest first
/// (ties: the higher score, then the earlier application).
pub fn rank(standings: &[Standing], s: &Settings) -> Vec<Ranked> {
    let winners = vote_winners(standings, s.vote_top_n);
    let mut out: Vec<Ranked> = standings
        .iter()
        .map(|x| {
            let matched = matched_bonus(x.matched_fen, s.matched_unit_fen, s.matched_cap) * 10;
            let vote = if winners.contains(&x.id) {
                s.vote_bonus * 10
            } else {
                0
            };
            Ranked {
                id: x.id,
                score_tenths: x.score_tenths,
                matched_tenths: matched,
                vote_tenths: vote,
                total_tenths: x.score_tenths + matched + vote,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.total_tenths
            .cmp(&a.total_tenths)
            .then(b.score_tenths.cmp(&a.score_tenths))
            .then(a.id.cmp(&b.id))
    });
    out
}

/// The first tranche of an award: `share` percent, rounded down to the fen.
pub fn first_tranche(award_fen: i64, share: i64) -> i64 {
    award_fen.saturating_mul(share.clamp(0, 100)) / 100
}

// ---- the round's workflow --------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoundState {
    Draft,
    Open,
    Review,
    Notice,
    Awarding,
    Concluded,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoundEvent {
    /// Publish the call (applications open until `apply_until`).
    Publish,
    /// Stop taking applications: screening and review.
    CloseApplications,
    /// Publish the finalists: the notice and the public vote begin.
    Announce,
    /// End the vote (not before the notice's last day): the bonus is fixed and awards begin.
    CloseVote,
    /// Awards are done; finalists not awarded are told.
    Conclude,
    Cancel,
}

/// A round: draft → open → review → notice → awarding → concluded (cancelled before the
/// notice).
pub struct Rounds;

impl Workflow for Rounds {
    type State = RoundState;
    type Event = RoundEvent;
    const KIND: &'static str = "venture_round";
    const STATES: &'static [RoundState] = &[
        RoundState::Draft,
        RoundState::Open,
        RoundState::Review,
        RoundState::Notice,
        RoundState::Awarding,
        RoundState::Concluded,
        RoundState::Cancelled,
    ];
    const EVENTS: &'static [RoundEvent] = &[
        RoundEvent::Publish,
        RoundEvent::CloseApplications,
        RoundEvent::Announce,
        RoundEvent::CloseVote,
        RoundEvent::Conclude,
        RoundEvent::Cancel,
    ];

    fn next(s: RoundState, e: RoundEvent) -> Option<RoundState> {
        use RoundEvent as E;
        use RoundState as S;
        match (s, e) {
            (S::Draft, E::Publish) => Some(S::Open),
            (S::Open, E::CloseApplications) => Some(S::Review),
            (S::Review, E::Announce) => Some(S::Notice),
            (S::Notice, E::CloseVote) => Some(S::Awarding),
            (S::Awarding, E::Conclude) => Some(S::Concluded),
            (S::Draft | S::Open | S::Review, E::Cancel) => Some(S::Cancelled),
            (S::Draft, E::CloseApplications | E::Announce | E::CloseVote | E::Conclude)
            | (S::Open, E::Publish | E::Announce | E::CloseVote | E::Conclude)
            | (S::Review, E::Publish | E::CloseApplications | E::CloseVote | E::Conclude)
            | (S::Notice, E::Publish | E::CloseApplications | E::Announce | E::Conclude)
            | (S::Notice, E::Cancel)
            | (S::Awarding, E::Publish | E::CloseApplications | E::Announce | E::CloseVote)
            | (S::Awarding, E::Cancel)
            | (S::Concluded | S::Cancelled, _) => None,
        }
    }

    fn state_name(s: RoundState) -> &'static str {
        match s {
            RoundState::Draft => "draft",
            RoundState::Open => "open",
            RoundState::Review => "review",
            RoundState::Notice => "notice",
            RoundState::Awarding => "awarding",
            RoundState::Concluded => "concluded",
            RoundState::Cancelled => "cancelled",
        }
    }

    fn event_name(e: RoundEvent) -> &'static str {
        match e {
            RoundEvent::Publish => "publish",
            RoundEvent::CloseApplications => "close_applications",
            RoundEvent::Announce => "announce",
            RoundEvent::CloseVote => "close_vote",
            RoundEvent::Conclude => "conclude",
            RoundEvent::Cancel => "cancel",
        }
    }
}

// ---- a project's workflow --------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectState {
    Draft,
    Submitted,
    Screened,
    Rejected,
    Finalist,
    Awarded,
    Signed,
    Running,
    Passed,
    Completed,
    Stopped,
    NotFunded,
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectEvent {
    Submit,
    Withdraw,
    /// Screening: the application meets the call (it goes to review).
    Pass,
    /// Screening or review: it does not.
    Reject,
    /// Review: among the finalists.
    Shortlist,
    /// An award of a tier from one pool (never over its pool).
    Award,
    /// Not funded (when the round concludes, or by the officer).
    Decline,
    /// The agreement is signed: the first tranche falls due.
    Sign,
    /// The first tranche is paid.
    PayFirst,
    /// The mid-term passed: the rest is paid.
    MidtermPass,
    /// The mid-term failed: payment stops, the project ends, the result is published.
    MidtermFail,
    /// The final review is done.
    Complete,
    /// A breach: the project ends and the organization is barred.
    Stop,
}

pub struct Projects;

impl Workflow for Projects {
    type State = ProjectState;
    type Event = ProjectEvent;
    const KIND: &'static str = "venture_project";
    const STATES: &'static [ProjectState] = &[
        ProjectState::Draft,
        ProjectState::Submitted,
        ProjectState::Screened,
        ProjectState::Rejected,
        ProjectState::Finalist,
        ProjectState::Awarded,
        ProjectState::Signed,
        ProjectState::Running,
        ProjectState::Passed,
        ProjectState::Completed,
        ProjectState::Stopped,
        ProjectState::NotFunded,
        ProjectState::Withdrawn,
    ];
    const EVENTS: &'static [ProjectEvent] = &[
        ProjectEvent::Submit,
        ProjectEvent::Withdraw,
        ProjectEvent::Pass,
        ProjectEvent::Reject,
        ProjectEvent::Shortlist,
        ProjectEvent::Award,
        ProjectEvent::Decline,
        ProjectEvent::Sign,
        ProjectEvent::PayFirst,
        ProjectEvent::MidtermPass,
        ProjectEvent::MidtermFail,
        ProjectEvent::Complete,
        ProjectEvent::Stop,
    ];

    fn next(s: ProjectState, e: ProjectEvent) -> Option<ProjectState> {
        use ProjectEvent as E;
        use ProjectState as S;
        Some(match (s, e) {
            (S::Draft, E::Submit) => S::Submitted,
            (S::Draft | S::Submitted, E::Withdraw) => S::Withdrawn,
            (S::Submitted, E::Pass) => S::Screened,
            (S::Submitted | S::Screened, E::Reject) => S::Rejected,
            (S::Screened, E::Shortlist) => S::Finalist,
            (S::Finalist, E::Award) => S::Awarded,
            (S::Screened | S::Finalist, E::Decline) => S::NotFunded,
            (S::Awarded, E::Sign) => S::Signed,
            (S::Signed, E::PayFirst) => S::Running,
            (S::Running, E::MidtermPass) => S::Passed,
            (S::Running, E::MidtermFail) => S::Stopped,
            (S::Passed, E::Complete) => S::Completed,
            (S::Awarded | S::Signed | S::Running | S::Passed, E::Stop) => S::Stopped,
            _ => return None,
        })
    }

    fn state_name(s: ProjectState) -> &'static str {
        match s {
            ProjectState::Draft => "draft",
            ProjectState::Submitted => "submitted",
            ProjectState::Screened => "screened",
            ProjectState::Rejected => "rejected",
            ProjectState::Finalist => "finalist",
            ProjectState::Awarded => "awarded",
            ProjectState::Signed => "signed",
            ProjectState::Running => "running",
            ProjectState::Passed => "passed",
            ProjectState::Completed => "completed",
            ProjectState::Stopped => "stopped",
            ProjectState::NotFunded => "not_funded",
            ProjectState::Withdrawn => "withdrawn",
        }
    }

    fn event_name(e: ProjectEvent) -> &'static str {
        match e {
            ProjectEvent::Submit => "submit",
            ProjectEvent::Withdraw => "withdraw",
            ProjectEvent::Pass => "pass",
            ProjectEvent::Reject => "reject",
            ProjectEvent::Shortlist => "shortlist",
            ProjectEvent::Award => "award",
            ProjectEvent::Decline => "decline",
            ProjectEvent::Sign => "sign",
            ProjectEvent::PayFirst => "pay_first",
            ProjectEvent::MidtermPass => "midterm_pass",
            ProjectEvent::MidtermFail => "midterm_fail",
            ProjectEvent::Complete => "complete",
            ProjectEvent::Stop => "stop",
        }
    }
}

/// States in which a project holds money on its round's pool.
pub fn holds_award(state: &str) -> bool {
    matches!(
        state,
        "awarded" | "signed" | "running" | "passed" | "completed"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn st(id: i64, score: i64, votes: i64, matched: i64) -> Standing {
        Standing {
            id,
            score_tenths: score,
            votes,
            matched_fen: matched,
        }
    }

    #[test]
    fn names_are_unique_and_round_trip() {
        crate::workflow::check_names::<Rounds>();
        crate::workflow::check_names::<Projects>();
    }

    #[test]
    fn defaults_are_valid_and_bad_settings_are_all_reported() {
        let mut s = Settings::new(2026, "2026-03-31");
        s.title = "2026年公益创投".into();
        assert_eq!(s.validate(), Ok(()));
        let mut b = s.clone();
        b.tiers = vec![1_000_000, 500_000];
        b.first_share = 0;
        b.pool_fiscal_fen = 0;
        b.review_mode = "tv".into();
        b.title = String::new();
        let e = b.validate().unwrap_err();
        let fields: Vec<&str> = e.iter().map(|x| x.field.as_str()).collect();
        for f in [
            "tiers",
            "first_share",
            "pool_fiscal_fen",
            "review_mode",
            "title",
        ] {
            assert!(fields.contains(&f), "{f}: {fields:?}");
        }
        assert_eq!(
            parse_tiers("5000, 10000，20000、30000"),
            Some(vec![500_000, 1_000_000, 2_000_000, 3_000_000])
        );
        assert_eq!(parse_tiers("5千"), None);
    }

    #[test]
    fn scores_are_whole_points_within_each_criterion() {
        let typed: Vec<(String, String)> = CRITERIA
            .iter()
            .map(|c| ((*c).to_owned(), "18".to_owned()))
            .collect();
        assert_eq!(scores(&typed).unwrap(), vec![18; 5]);
        let mut bad = typed.clone();
        bad[0].1 = "21".into();
        bad[1].1 = String::new();
        bad.push(("charm".into(), "3".into()));
        let e = scores(&bad).unwrap_err();
        let codes: Vec<&str> = e.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "err-eval-score-range",
                "err-eval-score-missing",
                "err-eval-indicator-unknown"
            ]
        );
    }

    #[test]
    fn ranking_adds_capped_matched_funds_and_the_vote_bonus() {
        let s = Settings::new(2026, "2026-03-31");
        // ¥1,000 per point, at most 50; top 5 by votes get 5 points.
        assert_eq!(matched_bonus(2_345_600, 100_000, 50), 23);
        assert_eq!(matched_bonus(99_000_000, 100_000, 50), 50);
        assert_eq!(matched_bonus(-5, 100_000, 50), 0);
        let r = rank(
            &[
                st(1, 800, 0, 0),
                st(2, 780, 10, 0),
                st(3, 700, 0, 1_000_000),
            ],
            &s,
        );
        assert_eq!(
            r.iter().map(|x| (x.id, x.total_tenths)).collect::<Vec<_>>(),
            [(2, 830), (1, 800), (3, 800)]
        );
        // Ties at the last place all get the bonus; no votes, no bonus.
        let w = vote_winners(
            &[
                st(1, 0, 3, 0),
                st(2, 0, 2, 0),
                st(3, 0, 2, 0),
                st(4, 0, 0, 0),
            ],
            2,
        );
        assert_eq!(w, [1, 2, 3]);
        assert!(vote_winners(&[st(1, 0, 3, 0)], 0).is_empty());
        assert_eq!(first_tranche(2_000_001, 50), 1_000_000);
    }

    #[test]
    fn only_money_holding_states_hold_the_pool() {
        for s in Projects::STATES {
            let n = Projects::state_name(*s);
            let expect = matches!(
                s,
                ProjectState::Awarded
                    | ProjectState::Signed
                    | ProjectState::Running
                    | ProjectState::Passed
                    | ProjectState::Completed
            );
            assert_eq!(holds_award(n), expect, "{n}");
        }
    }
}
