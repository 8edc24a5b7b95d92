//! Awards instead of subsidies (以奖代补): a district's yearly list for one kind of subject
//! (communities, streets or organizations) under a published scheme — indicators with their
//! points, grade bounds, and either an award per grade or points × a unit value up to a cap,
//! with the share that must go to the team. Every award is computed here, from the scores and
//! the scheme alone, so anyone can reproduce it from what is published.

use crate::workflow::Workflow;
use crate::FieldError;
use serde::{Deserialize, Serialize};

pub const SUBJECTS: [&str; 3] = ["community", "street", "org"];
pub const MODES: [&str; 2] = ["table", "formula"];
pub const MAX_INDICATORS: usize = 12;
pub const MAX_GRADES: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    pub points: i64,
    /// Where the points come from: empty, scored by hand (the community's self-assessment
    /// first); otherwise one of [`SOURCES`], a figure the platform already holds.
    #[serde(default)]
    pub source: String,
    /// For a count: the figure that earns full points (fewer earn their share).
    #[serde(default)]
    pub target: i64,
}

/// Figures of a community the platform holds, for the harmonious-community assessment
/// (和谐社区建设考评): staff fill in nothing for these.
pub const SOURCES: [&str; 7] = [
    "station",
    "facility_area",
    "community_orgs",
    "professional_posts",
    "certified_committee",
    "needs_on_time",
    "purchase_results",
];

/// A community's figures for the sources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// How many communities the figures cover: 1 for a community, a street's communities
    /// for a street (0 counts as 1).
    pub communities: i64,
    /// How many of them have an active service station (a community: 0 or 1).
    pub station: i64,
    /// How many of them have facilities reaching the area goal (a community: 0 or 1).
    pub facility_area: i64,
    pub community_orgs: i64,
    pub professional_posts: i64,
    pub committee_members: i64,
    pub committee_certified: i64,
    pub needs: i64,
    pub needs_overdue: i64,
    /// Decided evaluations that year of purchased services for the community, and those
    /// that passed (中 or better).
    pub evaluated: i64,
    pub evaluated_passed: i64,
}

/// The points an indicator drawn from the platform earns: its share of full points, rounded
/// down (a yes/no figure: all or nothing for a community, the share of a street's communities
/// for a street; a count: value ÷ target per community, at most 1; a share: the share).
/// `None` for an indicator scored by hand.
pub fn auto_points(i: &Indicator, f: &Figures) -> Option<i64> {
    let share = |num: i64, den: i64| -> (i64, i64) {
        if den <= 0 {
            (1, 1)
        } else {
            (num.clamp(0, den), den)
        }
    };
    let n = f.communities.max(1);
    let (num, den) = match i.source.as_str() {
        "station" => share(f.station, n),
        "facility_area" => share(f.facility_area, n),
        "community_orgs" => share(f.community_orgs, i.target.max(1) * n),
        "professional_posts" => share(f.professional_posts, i.target.max(1) * n),
        "certified_committee" => share(f.committee_certified, f.committee_members),
        "needs_on_time" => share(f.needs - f.needs_overdue, f.needs),
        "purchase_results" => share(f.evaluated_passed, f.evaluated),
        _ => return None,
    };
    Some(i.points * num / den)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    pub name: String,
    /// The least total.
    pub min: i64,
    /// The award of this grade (table mode), in fen.
    pub award_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    pub indicators: Vec<Indicator>,
    /// Highest first, bounds falling.
    pub grades: Vec<Grade>,
    /// `table`: the grade's award; `formula`: total × unit, at most the cap (a subject below
    /// the lowest grade gets nothing either way).
    pub mode: String,
    pub unit_fen: i64,
    pub cap_fen: i64,
    /// The share of each award that must go to the team (percent).
    pub team_share: i64,
}

impl Default for Scheme {
    /// A starting scheme after a grade table like A+ ¥70,000 … B ¥5,000 (workflow rules §4).
    fn default() -> Self {
        let i = |code: &str, name: &str, points: i64| Indicator {
            code: code.into(),
            name: name.into(),
            points,
            source: String::new(),
            target: 0,
        };
        let g = |name: &str, min: i64, yuan: i64| Grade {
            name: name.into(),
            min,
            award_fen: yuan * 100,
        };
        Scheme {
            indicators: vec![
                i("platform", "社区平台建设", 25),
                i("organizations", "社会组织培育", 25),
                i("social_work", "社会工作服务", 25),
                i("residents", "居民满意度", 25),
            ],
            grades: vec![
                g("A+", 95, 70_000),
                g("A", 90, 50_000),
                g("B+", 80, 20_000),
                g("B", 70, 5_000),
            ],
            mode: "table".into(),
            unit_fen: 50_000,
            cap_fen: 5_000_000,
            team_share: 60,
        }
    }
}

impl Scheme {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if self.indicators.is_empty() || self.indicators.len() > MAX_INDICATORS {
            e.push(
                FieldError::new("indicators", "err-award-indicators").arg("max", MAX_INDICATORS),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for i in &self.indicators {
            let code_ok = !i.code.is_empty()
                && i.code.len() <= 30
                && i.code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            let source_ok = i.source.is_empty() || SOURCES.contains(&i.source.as_str());
            if !code_ok
                || !source_ok
                || !(0..=10_000).contains(&i.target)
                || !seen.insert(i.code.clone())
                || i.name.trim().is_empty()
                || i.name.chars().count() > 40
            {
                e.push(FieldError::new("indicators", "err-award-indicator").arg("code", &i.code));
            }
        }
        let sum = self
            .indicators
            .iter()
            .fold(0i64, |a, i| a.saturating_add(i.points));
        if self
            .indicators
            .iter()
            .any(|i| !(1..=100).contains(&i.points))
            || sum != 100
        {
            e.push(FieldError::new("indicators", "err-award-points-sum").arg("sum", sum));
        }
        if self.grades.is_empty()
            || self.grades.len() > MAX_GRADES
            || self.grades.windows(2).any(|w| w[0].min <= w[1].min)
            || self.grades.iter().any(|g| !(1..=100).contains(&g.min))
            || self
                .grades
                .iter()
                .any(|g| g.name.trim().is_empty() || g.name.chars().count() > 10)
            || self
                .grades
                .iter()
                .any(|g| !(0..=crate::purchase::MAX_FEN).contains(&g.award_fen))
        {
            e.push(FieldError::new("grades", "err-award-grades").arg("max", MAX_GRADES));
        }
        if !MODES.contains(&self.mode.as_str()) {
            e.push(FieldError::new("mode", "err-choice").arg("choices", MODES.join("、")));
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
        range("unit_fen", self.unit_fen, 0, 100_000_000);
        range("cap_fen", self.cap_fen, 0, crate::purchase::MAX_FEN);
        range("team_share", self.team_share, 0, 100);
        if e.is_empty() {
            Ok(())
        } else {
            Err(e)
        }
    }

    /// The harmonious-community assessment's starting scheme: four indicators from the
    /// platform's figures and two scored by hand.
    pub fn assessment() -> Self {
        let i = |code: &str, name: &str, points: i64, source: &str, target: i64| Indicator {
            code: code.into(),
            name: name.into(),
            points,
            source: source.into(),
            target,
        };
        Scheme {
            indicators: vec![
                i("station", "社区服务站", 15, "station", 0),
                i("facility_area", "服务设施面积达标", 15, "facility_area", 0),
                i(
                    "community_orgs",
                    "社区社会组织（5个满分）",
                    15,
                    "community_orgs",
                    5,
                ),
                i("needs_on_time", "居民需求按时答复", 20, "needs_on_time", 0),
                i("governance", "居民自治与议事", 20, "", 0),
                i("satisfaction", "居民满意度", 15, "", 0),
            ],
            ..Scheme::default()
        }
    }

    /// Scores typed per indicator code: whole points within each indicator's points. An
    /// indicator drawn from the platform takes `auto` (its computed points) and may not be
    /// typed.
    pub fn scores(&self, typed: &[(String, String)]) -> Result<Vec<i64>, Vec<FieldError>> {
        self.scores_with(typed, None)
    }

    pub fn scores_with(
        &self,
        typed: &[(String, String)],
        figures: Option<&Figures>,
    ) -> Result<Vec<i64>, Vec<FieldError>> {
        let mut out = Vec::new();
        let mut e = Vec::new();
        for i in &self.indicators {
            if let Some(p) = figures.and_then(|f| auto_points(i, f)) {
                out.push(p);
                continue;
            }
            let v = typed
                .iter()
                .find(|(k, _)| *k == i.code)
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default();
            match v.parse::<i64>() {
                Ok(p) if (0..=i.points).contains(&p) => out.push(p),
                _ if v.is_empty() => e.push(
                    FieldError::new(&format!("score_{}", i.code), "err-eval-score-missing")
                        .arg("name", &i.name),
                ),
                _ => e.push(
                    FieldError::new(&format!("score_{}", i.code), "err-eval-score-range")
                        .arg("name", &i.name)
                        .arg("max", i.points),
                ),
            }
        }
        for (k, _) in typed {
            let known = self
                .indicators
                .iter()
                .any(|i| i.code == *k && (figures.is_none() || i.source.is_empty()));
            if !known {
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

    /// Whether any indicator is drawn from the platform.
    pub fn has_sources(&self) -> bool {
        self.indicators.iter().any(|i| !i.source.is_empty())
    }
}

/// One subject's award, with everything that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    pub total: i64,
    /// The grade's name, empty below the lowest grade.
    pub grade: String,
    pub award_fen: i64,
    pub team_fen: i64,
    /// How the award follows from the total and the scheme, in words anyone can check.
    pub formula: String,
}

/// Yuan as written (`70000`, `12.5`).
pub fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, fen % 100)
    }
}

/// The award a subject's points earn under a scheme.
pub fn compute(s: &Scheme, points: &[i64]) -> Computed {
    let total: i64 = points.iter().sum();
    let grade = s.grades.iter().find(|g| total >= g.min);
    let (award_fen, formula) = match (grade, s.mode.as_str()) {
        (None, _) => (
            0,
            format!("{total} < {}", s.grades.last().map_or(0, |g| g.min)),
        ),
        (Some(g), "table") => (
            g.award_fen,
            format!("{} ≥ {} → ¥{}", total, g.min, yuan(g.award_fen)),
        ),
        (Some(_), _) => {
            let raw = total.saturating_mul(s.unit_fen);
            let a = raw.min(s.cap_fen);
            (
                a,
                format!(
                    "{total} × ¥{} = ¥{}{}",
                    yuan(s.unit_fen),
                    yuan(raw),
                    if raw > s.cap_fen {
                        format!(" → ¥{}", yuan(s.cap_fen))
                    } else {
                        String::new()
                    }
                ),
            )
        }
    };
    let team_fen = award_fen.saturating_mul(s.team_share) / 100;
    Computed {
        total,
        grade: grade.map(|g| g.name.clone()).unwrap_or_default(),
        award_fen,
        team_fen,
        formula,
    }
}

// ---- the list's workflow -----------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListState {
    Draft,
    Scoring,
    Notice,
    Published,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListEvent {
    /// The scheme is fixed; scores are entered.
    Open,
    /// The list goes on notice.
    Announce,
    /// After the notice: the list is published and awards may be paid.
    Publish,
}

pub struct Lists;

impl Workflow for Lists {
    type State = ListState;
    type Event = ListEvent;
    const KIND: &'static str = "award_list";
    const STATES: &'static [ListState] = &[
        ListState::Draft,
        ListState::Scoring,
        ListState::Notice,
        ListState::Published,
    ];
    const EVENTS: &'static [ListEvent] =
        &[ListEvent::Open, ListEvent::Announce, ListEvent::Publish];

    fn next(s: ListState, e: ListEvent) -> Option<ListState> {
        match (s, e) {
            (ListState::Draft, ListEvent::Open) => Some(ListState::Scoring),
            (ListState::Scoring, ListEvent::Announce) => Some(ListState::Notice),
            (ListState::Notice, ListEvent::Publish) => Some(ListState::Published),
            _ => None,
        }
    }

    fn state_name(s: ListState) -> &'static str {
        match s {
            ListState::Draft => "draft",
            ListState::Scoring => "scoring",
            ListState::Notice => "notice",
            ListState::Published => "published",
        }
    }

    fn event_name(e: ListEvent) -> &'static str {
        match e {
            ListEvent::Open => "open",
            ListEvent::Announce => "announce",
            ListEvent::Publish => "publish",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scheme_is_valid_and_computes_by_its_table() {
        let s = Scheme::default();
        assert_eq!(s.validate(), Ok(()));
        crate::workflow::check_names::<Lists>();
        let c = compute(&s, &[24, 24, 24, 24]);
        assert_eq!(
            (c.total, c.grade.as_str(), c.award_fen, c.team_fen),
            (96, "A+", 7_000_000, 4_200_000)
        );
        assert_eq!(c.formula, "96 ≥ 95 → ¥70000");
        let c = compute(&s, &[17, 17, 17, 18]);
        assert_eq!((c.grade.as_str(), c.award_fen), ("", 0));
        let c = compute(&s, &[18, 18, 17, 17]);
        assert_eq!((c.grade.as_str(), c.award_fen), ("B", 500_000));
    }

    #[test]
    fn the_formula_is_points_times_the_unit_up_to_the_cap() {
        // ¥500 a point, at most ¥40,000.
        let s = Scheme {
            mode: "formula".into(),
            unit_fen: 50_000,
            cap_fen: 4_000_000,
            ..Default::default()
        };
        let c = compute(&s, &[20, 20, 20, 20]);
        assert_eq!(
            (c.award_fen, c.formula.as_str()),
            (4_000_000, "80 × ¥500 = ¥40000")
        );
        let c = compute(&s, &[25, 25, 25, 20]);
        assert_eq!(
            (c.award_fen, c.formula.as_str()),
            (4_000_000, "95 × ¥500 = ¥47500 → ¥40000")
        );
    }

    #[test]
    fn platform_figures_earn_their_share_of_points() {
        let s = Scheme::assessment();
        assert_eq!(s.validate(), Ok(()));
        let f = Figures {
            station: 1,
            facility_area: 0,
            community_orgs: 3,
            needs: 10,
            needs_overdue: 1,
            ..Default::default()
        };
        let auto: Vec<Option<i64>> = s.indicators.iter().map(|i| auto_points(i, &f)).collect();
        // 15 (station) · 0 (area) · 15 × 3/5 = 9 · 20 × 9/10 = 18 · by hand · by hand
        assert_eq!(auto, [Some(15), Some(0), Some(9), Some(18), None, None]);
        // No needs at all: nothing was late.
        assert_eq!(auto_points(&s.indicators[3], &Figures::default()), Some(20));
        // Purchased services for the community: the share of their evaluations that passed.
        let results = Indicator {
            code: "purchase".into(),
            name: "购买服务评估结果".into(),
            points: 10,
            source: "purchase_results".into(),
            target: 0,
        };
        let g = Figures {
            evaluated: 3,
            evaluated_passed: 2,
            ..Default::default()
        };
        assert_eq!(auto_points(&results, &g), Some(6));
        // A street: the share of its communities, and counts against a target per community.
        let street = Figures {
            communities: 4,
            station: 3,
            facility_area: 1,
            community_orgs: 10,
            ..Default::default()
        };
        let auto: Vec<Option<i64>> = s
            .indicators
            .iter()
            .map(|i| auto_points(i, &street))
            .collect();
        // 15 × 3/4 = 11 · 15 × 1/4 = 3 · 15 × 10/20 = 7 · 20 (no needs) · by hand · by hand
        assert_eq!(auto, [Some(11), Some(3), Some(7), Some(20), None, None]);
        let typed = vec![
            ("governance".to_owned(), "17".to_owned()),
            ("satisfaction".to_owned(), "12".to_owned()),
        ];
        assert_eq!(
            s.scores_with(&typed, Some(&f)).unwrap(),
            [15, 0, 9, 18, 17, 12]
        );
        // A figure from the platform cannot be typed over.
        let mut over = typed.clone();
        over.push(("station".to_owned(), "15".to_owned()));
        assert!(s.scores_with(&over, Some(&f)).is_err());
    }

    #[test]
    fn a_bad_scheme_is_refused_with_every_reason() {
        let mut s = Scheme::default();
        s.indicators[0].points = 30;
        s.grades[1].min = 96;
        s.mode = "lottery".into();
        s.team_share = 101;
        let codes: Vec<String> = s
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(
            codes,
            [
                "err-award-points-sum",
                "err-award-grades",
                "err-choice",
                "err-range"
            ]
        );
        let typed = vec![("platform".to_owned(), "26".to_owned())];
        let e = Scheme::default().scores(&typed).unwrap_err();
        assert_eq!(e[0].code, "err-eval-score-range");
    }
}
