//! Organization ratings (社会组织评估, 民政部令第39号): an organization applies; the district
//! accepts it and assigns an assessor of an evaluation agency, who scores the four
//! first-level indicators of its kind out of 1,000; the rating committee (7–25 members, those
//! tied to the organization recused) decides the grade, which goes on public notice; during
//! the notice the organization may request a review, answered within 15 days; then the grade
//! (5A–1A) is granted for five years. A grade may be lowered (no new application for two
//! years) or cancelled (three years). Every figure is the district's setting (the scheme).

use crate::workflow::Workflow;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// The four first-level indicators.
pub const INDICATORS: [&str; 4] = ["basic", "governance", "performance", "reputation"];
/// The indicators' names (named in error messages).
pub const INDICATOR_NAMES: [&str; 4] = ["基础条件", "内部治理", "工作绩效", "社会评价"];
/// The grades, highest first (stored as 5 … 1 on the organization).
pub const GRADES: [i64; 5] = [5, 4, 3, 2, 1];
/// The kinds of organization that are rated.
pub const KINDS: [&str; 4] = [
    "social_group",
    "social_service_agency",
    "foundation",
    "community_org",
];

/// One kind's points per first-level indicator (基础条件, 内部治理, 工作绩效, 社会评价).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindPoints {
    pub kind: String,
    pub points: [i64; 4],
}

/// A district's rating settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    pub kinds: Vec<KindPoints>,
    /// The least total of 5A, 4A, 3A, 2A and 1A (falling).
    pub bounds: [i64; 5],
    pub validity_years: i64,
    pub downgrade_wait_years: i64,
    pub cancel_wait_years: i64,
    /// Days of public notice, and days to answer a review request.
    pub notice_days: i64,
    pub review_days: i64,
    pub committee_min: i64,
    pub committee_max: i64,
    /// Full years since registration before an organization may apply.
    pub min_years_registered: i64,
}

impl Default for Scheme {
    /// The district's starting settings: 1,000 points per kind, 5A ≥ 900 … 1A ≥ 500, five
    /// years' validity, two and three years' wait, a committee of 7–25, reviews answered in
    /// 15 days (民政部令第39号); the split of points between indicators is the district's.
    fn default() -> Self {
        let k = |kind: &str, points: [i64; 4]| KindPoints {
            kind: kind.into(),
            points,
        };
        Scheme {
            kinds: vec![
                k("social_group", [60, 400, 390, 150]),
                k("social_service_agency", [70, 380, 400, 150]),
                k("foundation", [60, 420, 370, 150]),
                k("community_org", [100, 300, 450, 150]),
            ],
            bounds: [900, 800, 700, 600, 500],
            validity_years: 5,
            downgrade_wait_years: 2,
            cancel_wait_years: 3,
            notice_days: 7,
            review_days: 15,
            committee_min: 7,
            committee_max: 25,
            min_years_registered: 2,
        }
    }
}

impl Scheme {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        for k in KINDS {
            match self.kinds.iter().find(|x| x.kind == k) {
                None => e.push(FieldError::new(
                    &format!("points_{k}"),
                    "err-rating-kind-missing",
                )),
                Some(x)
                    if x.points.iter().any(|p| !(0..=1000).contains(p))
                        || x.points.iter().sum::<i64>() != 1000 =>
                {
                    e.push(
                        FieldError::new(&format!("points_{k}"), "err-rating-points-sum").arg(
                            "sum",
                            x.points.iter().fold(0i64, |a, p| a.saturating_add(*p)),
                        ),
                    )
                }
                Some(_) => {}
            }
        }
        if self.kinds.iter().any(|x| !KINDS.contains(&x.kind.as_str())) {
            e.push(FieldError::new("kinds", "err-rating-kind-unknown"));
        }
        if self.bounds[0] > 1000
            || self.bounds[4] < 1
            || self.bounds.windows(2).any(|w| w[0] <= w[1])
        {
            e.push(FieldError::new("bounds", "err-rating-bounds"));
        }
        let mut range = |f: &str, v: i64, lo: i64, hi: i64| {
            if !(lo..=hi).contains(&v) {
                e.push(
                    FieldError::new(f, "err-range")
                        .arg("min", lo)
                        .arg("max", hi),
                );
            }
        };
        range("validity_years", self.validity_years, 1, 10);
        range("downgrade_wait_years", self.downgrade_wait_years, 0, 10);
        range("cancel_wait_years", self.cancel_wait_years, 0, 10);
        range("notice_days", self.notice_days, 0, 60);
        range("review_days", self.review_days, 1, 60);
        range("committee_min", self.committee_min, 1, 100);
        range("committee_max", self.committee_max, 1, 100);
        range("min_years_registered", self.min_years_registered, 0, 10);
        if self.committee_min > self.committee_max {
            e.push(FieldError::new(
                "committee_max",
                "err-rating-committee-bounds",
            ));
        }
        if e.is_empty() {
            Ok(())
        } else {
            Err(e)
        }
    }

    pub fn points_of(&self, kind: &str) -> [i64; 4] {
        self.kinds
            .iter()
            .find(|k| k.kind == kind)
            .map_or([0; 4], |k| k.points)
    }

    /// The grade a total earns (5 … 1), or none below 1A.
    pub fn grade(&self, total: i64) -> Option<i64> {
        self.bounds
            .iter()
            .position(|b| total >= *b)
            .map(|i| GRADES[i])
    }

    /// Scores typed per indicator, each within its points for the kind.
    pub fn scores(
        &self,
        kind: &str,
        typed: &[(String, String)],
    ) -> Result<[i64; 4], Vec<FieldError>> {
        let max = self.points_of(kind);
        let mut out = [0; 4];
        let mut e = Vec::new();
        for (n, i) in INDICATORS.iter().enumerate() {
            let v = typed
                .iter()
                .find(|(k, _)| k == i)
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default();
            match v.parse::<i64>() {
                Ok(p) if (0..=max[n]).contains(&p) => out[n] = p,
                _ if v.is_empty() => e.push(
                    FieldError::new(&format!("score_{i}"), "err-eval-score-missing")
                        .arg("name", INDICATOR_NAMES[n]),
                ),
                _ => e.push(
                    FieldError::new(&format!("score_{i}"), "err-eval-score-range")
                        .arg("name", INDICATOR_NAMES[n])
                        .arg("max", max[n]),
                ),
            }
        }
        for (k, _) in typed {
            if !INDICATORS.contains(&k.as_str()) {
                e.push(FieldError::new(
                    &format!("score_{k}"),
                    "err-eval-indicator-unknown",
                ));
            }
        }
        if e.is_empty() {
            Ok(out)
        } else {
            Err(e)
        }
    }
}

/// What eligibility reads of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub status: String,
    /// Registered (not a filed community organization).
    pub registered: bool,
    /// YYYY-MM-DD of registration, if known.
    pub founded: Option<String>,
    pub annual_result: String,
    pub blacklisted_until: Option<String>,
    /// The last day of a waiting period after a lowered or cancelled grade.
    pub wait_until: Option<String>,
    /// The last day of a grade in effect.
    pub valid_until: Option<String>,
}

/// Why an organization may not apply today (empty: it may). A grade in effect may be
/// renewed in its last year.
pub fn eligibility(today: &str, s: &Scheme, a: &Applicant) -> Vec<FieldError> {
    let mut e = Vec::new();
    if a.status != "active" {
        e.push(FieldError::new("", "err-rating-status").arg("status", &a.status));
    }
    if !a.registered {
        e.push(FieldError::new("", "err-rating-unregistered"));
    }
    let since = crate::evaluation::years_before(today, s.min_years_registered);
    match a
        .founded
        .as_deref()
        .filter(|f| crate::calendar::Day::parse(f).is_some())
    {
        Some(f) if f <= since.as_str() => {}
        _ => e.push(
            FieldError::new("", "err-rating-too-young")
                .arg("years", s.min_years_registered)
                .arg("founded", a.founded.clone().unwrap_or_default()),
        ),
    }
    if !matches!(a.annual_result.as_str(), "pass" | "basic_pass") {
        e.push(FieldError::new("", "err-rating-annual").arg("result", &a.annual_result));
    }
    if a.blacklisted_until.as_deref().is_some_and(|b| b >= today) {
        e.push(
            FieldError::new("", "err-rating-penalty")
                .arg("until", a.blacklisted_until.clone().unwrap_or_default()),
        );
    }
    if let Some(w) = a.wait_until.as_deref().filter(|w| *w >= today) {
        e.push(FieldError::new("", "err-rating-waiting").arg("until", w));
    }
    let renew_from = crate::evaluation::years_before(today, -1);
    if let Some(v) = a
        .valid_until
        .as_deref()
        .filter(|v| *v > renew_from.as_str())
    {
        e.push(FieldError::new("", "err-rating-valid").arg("until", v));
    }
    e
}

// ---- the workflow ----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RatingState {
    Applied,
    Accepted,
    Scored,
    Notice,
    Review,
    Granted,
    Rejected,
    Downgraded,
    Cancelled,
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RatingEvent {
    /// The officer accepts the application and assigns an assessor.
    Accept,
    Reject,
    /// The assessor scores the four indicators.
    Score,
    /// The committee decides the grade; the public notice begins.
    Announce,
    /// The organization asks for a review during the notice.
    RequestReview,
    /// The officer answers the review (within the review days).
    Answer,
    /// The notice is over: the grade takes effect.
    Grant,
    Downgrade,
    Cancel,
    Expire,
}

pub struct Ratings;

impl Workflow for Ratings {
    type State = RatingState;
    type Event = RatingEvent;
    const KIND: &'static str = "rating";
    const STATES: &'static [RatingState] = &[
        RatingState::Applied,
        RatingState::Accepted,
        RatingState::Scored,
        RatingState::Notice,
        RatingState::Review,
        RatingState::Granted,
        RatingState::Rejected,
        RatingState::Downgraded,
        RatingState::Cancelled,
        RatingState::Expired,
    ];
    const EVENTS: &'static [RatingEvent] = &[
        RatingEvent::Accept,
        RatingEvent::Reject,
        RatingEvent::Score,
        RatingEvent::Announce,
        RatingEvent::RequestReview,
        RatingEvent::Answer,
        RatingEvent::Grant,
        RatingEvent::Downgrade,
        RatingEvent::Cancel,
        RatingEvent::Expire,
    ];

    fn next(s: RatingState, e: RatingEvent) -> Option<RatingState> {
        use RatingEvent as E;
        use RatingState as S;
        Some(match (s, e) {
            (S::Applied, E::Accept) => S::Accepted,
            (S::Applied | S::Accepted | S::Scored, E::Reject) => S::Rejected,
            (S::Accepted, E::Score) => S::Scored,
            (S::Scored, E::Announce) => S::Notice,
            (S::Notice, E::RequestReview) => S::Review,
            (S::Review, E::Answer) => S::Notice,
            (S::Notice, E::Grant) => S::Granted,
            (S::Granted, E::Downgrade) => S::Downgraded,
            (S::Granted | S::Downgraded, E::Cancel) => S::Cancelled,
            (S::Granted | S::Downgraded, E::Expire) => S::Expired,
            _ => return None,
        })
    }

    fn state_name(s: RatingState) -> &'static str {
        match s {
            RatingState::Applied => "applied",
            RatingState::Accepted => "accepted",
            RatingState::Scored => "scored",
            RatingState::Notice => "notice",
            RatingState::Review => "review",
            RatingState::Granted => "granted",
            RatingState::Rejected => "rejected",
            RatingState::Downgraded => "downgraded",
            RatingState::Cancelled => "cancelled",
            RatingState::Expired => "expired",
        }
    }

    fn event_name(e: RatingEvent) -> &'static str {
        match e {
            RatingEvent::Accept => "accept",
            RatingEvent::Reject => "reject",
            RatingEvent::Score => "score",
            RatingEvent::Announce => "announce",
            RatingEvent::RequestReview => "request_review",
            RatingEvent::Answer => "answer",
            RatingEvent::Grant => "grant",
            RatingEvent::Downgrade => "downgrade",
            RatingEvent::Cancel => "cancel",
            RatingEvent::Expire => "expire",
        }
    }
}

/// States in which an application is live (one at a time per organization).
pub fn is_live(state: &str) -> bool {
    matches!(
        state,
        "applied" | "accepted" | "scored" | "notice" | "review"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn applicant() -> Applicant {
        Applicant {
            status: "active".into(),
            registered: true,
            founded: Some("2020-05-01".into()),
            annual_result: "pass".into(),
            blacklisted_until: None,
            wait_until: None,
            valid_until: None,
        }
    }

    #[test]
    fn the_default_scheme_is_valid_and_grades_by_its_bounds() {
        let s = Scheme::default();
        assert_eq!(s.validate(), Ok(()));
        assert_eq!(s.grade(950), Some(5));
        assert_eq!(s.grade(900), Some(5));
        assert_eq!(s.grade(899), Some(4));
        assert_eq!(s.grade(500), Some(1));
        assert_eq!(s.grade(499), None);
        let mut b = s.clone();
        b.bounds = [900, 900, 700, 600, 500];
        b.kinds[0].points = [60, 400, 390, 151];
        b.committee_min = 30;
        let e = b.validate().unwrap_err();
        let codes: Vec<&str> = e.iter().map(|x| x.code.as_str()).collect();
        assert!(codes.contains(&"err-rating-points-sum"), "{codes:?}");
        assert!(codes.contains(&"err-rating-bounds"), "{codes:?}");
        assert!(codes.contains(&"err-rating-committee-bounds"), "{codes:?}");
        crate::workflow::check_names::<Ratings>();
    }

    #[test]
    fn scores_are_held_within_the_kinds_points() {
        let s = Scheme::default();
        let typed = |v: [&str; 4]| -> Vec<(String, String)> {
            INDICATORS
                .iter()
                .zip(v)
                .map(|(k, v)| ((*k).to_owned(), v.to_owned()))
                .collect()
        };
        assert_eq!(
            s.scores("social_group", &typed(["55", "380", "350", "140"]))
                .unwrap(),
            [55, 380, 350, 140]
        );
        let e = s
            .scores("social_group", &typed(["61", "", "350", "140"]))
            .unwrap_err();
        let codes: Vec<&str> = e.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(codes, ["err-eval-score-range", "err-eval-score-missing"]);
    }

    #[test]
    fn eligibility_names_every_reason() {
        let s = Scheme::default();
        assert!(eligibility("2026-06-01", &s, &applicant()).is_empty());
        let mut a = applicant();
        a.founded = Some("2024-06-02".into());
        a.annual_result = "fail".into();
        a.wait_until = Some("2027-01-01".into());
        a.valid_until = Some("2028-01-01".into());
        a.blacklisted_until = Some("2026-06-01".into());
        let codes: Vec<String> = eligibility("2026-06-01", &s, &a)
            .into_iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(
            codes,
            [
                "err-rating-too-young",
                "err-rating-annual",
                "err-rating-penalty",
                "err-rating-waiting",
                "err-rating-valid"
            ]
        );
        // Two full years to the day is enough; a grade in its last year may be renewed.
        let mut a = applicant();
        a.founded = Some("2024-06-01".into());
        a.valid_until = Some("2027-05-31".into());
        assert!(eligibility("2026-06-01", &s, &a).is_empty());
    }
}
