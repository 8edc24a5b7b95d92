//! Third-party evaluation (第三方评估) of purchased services: indicator schemes, grades, the
//! evaluation workflow and the rules that let results decide the next round (优胜劣汰).
//!
//! Sources: 财预〔2020〕10号 (first-level indicators 决策, 过程, 产出, 效益 with satisfaction
//! inside 效益; grades 优 ≥ 90, 良 80–89, 中 60–79, 差 < 60); 民发〔2015〕89号 (independent
//! evaluators, results used for the next purchases); 宁波海曙 2020 (a failed mid-term stops
//! payment and ends the project).

use crate::workflow::Workflow;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// Stages of an evaluation: 事前 before the first tranche, 事中 mid-term, 事后 final, and spot
/// checks the district may order at any time (the first three at most once per contract).
pub const STAGES: [&str; 4] = ["pre", "midterm", "final", "spot"];

/// Grades, best first.
pub const GRADES: [&str; 4] = ["excellent", "good", "fair", "poor"];

/// The most indicators a scheme may have.
pub const MAX_INDICATORS: usize = 12;

/// One indicator of a scheme: a stable code, its names, the points it carries and guidance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub weight: i64,
    #[serde(default)]
    pub guide: String,
    /// The assessor must attach evidence (or record sampled delivery logs) before scoring.
    #[serde(default)]
    pub evidence: bool,
}

/// An indicator scheme: indicators whose points sum to 100, and the least totals of the
/// grades 优, 良 and 中 (below the last: 差). Where it asks for a self-evaluation, the
/// provider scores itself within `self_days` working days of the assignment before the
/// assessor scores; with `late_fails`, a self-evaluation missing at its due day makes the
/// stage 差.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    pub indicators: Vec<Indicator>,
    pub excellent: i64,
    pub good: i64,
    pub fair: i64,
    #[serde(default)]
    pub self_evaluation: bool,
    #[serde(default = "default_self_days")]
    pub self_days: i64,
    #[serde(default = "default_late_fails")]
    pub late_fails: bool,
}

/// Working days the provider has for its self-evaluation, by default.
pub const SELF_DAYS: i64 = 10;
/// The longest self-evaluation period a scheme may set, in working days.
pub const SELF_DAYS_MAX: i64 = 60;

fn default_self_days() -> i64 {
    SELF_DAYS
}

fn default_late_fails() -> bool {
    true
}

fn indicator(code: &str, zh: &str, en: &str, weight: i64, guide: &str) -> Indicator {
    Indicator {
        code: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        weight,
        guide: guide.into(),
        evidence: false,
    }
}

impl Default for Scheme {
    /// The default after 财预〔2020〕10号: 决策 15, 过程 25, 产出 30, 效益 30 (satisfaction
    /// within 效益); 优 ≥ 90, 良 ≥ 80, 中 ≥ 60.
    fn default() -> Self {
        Scheme {
            indicators: vec![
                indicator(
                    "decision",
                    "决策",
                    "Decision",
                    15,
                    "立项依据、目标设定、需求调研与方案可行性",
                ),
                indicator(
                    "process",
                    "过程",
                    "Process",
                    25,
                    "组织管理、制度执行、资金使用与服务记录的真实完整",
                ),
                indicator(
                    "output",
                    "产出",
                    "Output",
                    30,
                    "服务数量、质量、时效对照合同约定",
                ),
                indicator(
                    "outcome",
                    "效益",
                    "Outcome",
                    30,
                    "社会效益、可持续影响与服务对象满意度",
                ),
            ],
            excellent: 90,
            good: 80,
            fair: 60,
            self_evaluation: false,
            self_days: SELF_DAYS,
            late_fails: true,
        }
    }
}

impl Scheme {
    /// Every rule a scheme keeps: 1–12 indicators with distinct codes and names, points that
    /// sum to 100, and grade boundaries that fall (100 ≥ 优 > 良 > 中 > 0).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errs = Vec::new();
        if self.indicators.is_empty() || self.indicators.len() > MAX_INDICATORS {
            errs.push(FieldError::new("indicators", "err-scheme-count").arg("max", MAX_INDICATORS));
        }
        let mut codes = std::collections::HashSet::new();
        for (i, x) in self.indicators.iter().enumerate() {
            let ok_code = !x.code.is_empty()
                && x.code.len() <= 30
                && x.code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok_code || !codes.insert(x.code.as_str()) {
                errs.push(FieldError::new(
                    &format!("indicators[{i}].code"),
                    "err-scheme-code",
                ));
            }
            for (f, v, max) in [
                ("name_zh", &x.name_zh, 30),
                ("name_en", &x.name_en, 60),
                ("guide", &x.guide, 200),
            ] {
                if let Err(e) = crate::text::check(&format!("indicators[{i}].{f}"), v, max) {
                    errs.push(e);
                } else if f != "guide" && v.trim().is_empty() {
                    errs.push(FieldError::new(
                        &format!("indicators[{i}].{f}"),
                        "err-required",
                    ));
                }
            }
            if !(1..=100).contains(&x.weight) {
                errs.push(
                    FieldError::new(&format!("indicators[{i}].weight"), "err-range")
                        .arg("min", 1)
                        .arg("max", 100),
                );
            }
        }
        let sum: i64 = self.indicators.iter().map(|x| x.weight).sum();
        if sum != 100 {
            errs.push(FieldError::new("indicators", "err-weights-sum").arg("sum", sum));
        }
        if !(self.excellent <= 100
            && self.excellent > self.good
            && self.good > self.fair
            && self.fair > 0)
        {
            errs.push(FieldError::new("excellent", "err-grade-bounds"));
        }
        if !(1..=SELF_DAYS_MAX).contains(&self.self_days) {
            errs.push(
                FieldError::new("self_days", "err-range")
                    .arg("min", 1)
                    .arg("max", SELF_DAYS_MAX),
            );
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }

    /// The grade of a total in tenths of a point.
    pub fn grade(&self, total_tenths: i64) -> &'static str {
        if total_tenths >= self.excellent * 10 {
            "excellent"
        } else if total_tenths >= self.good * 10 {
            "good"
        } else if total_tenths >= self.fair * 10 {
            "fair"
        } else {
            "poor"
        }
    }

    /// Reads typed points per indicator (0 to its weight, one decimal): the points in
    /// tenths in the scheme's order, or every field that is wrong.
    pub fn scores(&self, typed: &[(String, String)]) -> Result<Vec<i64>, Vec<FieldError>> {
        let mut out = Vec::new();
        let mut errs = Vec::new();
        for x in &self.indicators {
            let field = format!("score_{}", x.code);
            let v = typed
                .iter()
                .find(|(k, _)| *k == x.code)
                .map(|(_, v)| v.trim())
                .unwrap_or("");
            match tenths(v) {
                Some(t) if t <= x.weight * 10 => out.push(t),
                // Codes of their own: which indicators a scheme has is not in the API's schema.
                _ if v.is_empty() => errs.push(
                    FieldError::new(&field, "err-eval-score-missing").arg("name", &x.name_zh),
                ),
                _ => errs.push(
                    FieldError::new(&field, "err-eval-score-range")
                        .arg("name", &x.name_zh)
                        .arg("max", x.weight),
                ),
            }
        }
        for (k, _) in typed {
            if !self.indicators.iter().any(|x| x.code == *k) {
                errs.push(
                    FieldError::new(&format!("score_{k}"), "err-eval-indicator-unknown")
                        .arg("code", k),
                );
            }
        }
        if errs.is_empty() {
            Ok(out)
        } else {
            Err(errs)
        }
    }
}

/// A non-negative number with at most one decimal, in tenths.
pub fn tenths(v: &str) -> Option<i64> {
    let (whole, frac) = match v.split_once('.') {
        Some((w, f)) => (w, f),
        None => (v, ""),
    };
    if whole.is_empty()
        || whole.len() > 4
        || frac.len() > 1
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    Some(w * 10 + f)
}

/// A total in tenths as text ("87.5").
pub fn points_text(t: i64) -> String {
    if t % 10 == 0 {
        (t / 10).to_string()
    } else {
        format!("{}.{}", t / 10, t % 10)
    }
}

/// The rank of a grade (higher is better; unknown is below 差).
pub fn grade_rank(g: &str) -> usize {
    GRADES
        .iter()
        .rev()
        .position(|x| *x == g)
        .map_or(0, |p| p + 1)
}

/// A stage passes unless its grade is 差.
pub fn passes(grade: &str) -> bool {
    grade_rank(grade) > grade_rank("poor")
}

/// The gate a tranche waits on for an evaluation stage.
pub fn gate_of(stage: &str) -> Option<&'static str> {
    match stage {
        "pre" => Some("on_pre_evaluation"),
        "midterm" => Some("on_midterm_evaluation"),
        "final" => Some("on_final_evaluation"),
        _ => None,
    }
}

/// The evaluation workflow. The officer assigns an assessor (assigned); the assessor declares
/// no conflict and scores (draft), or declares a conflict (recused); the provider may answer
/// the draft within the answer period; the assessor finalizes (final: the grade takes effect
/// on tranches); the officer publishes it on the portal (published).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvalState {
    Assigned,
    Draft,
    Final,
    Published,
    Recused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvalEvent {
    Submit,
    Recuse,
    Finalize,
    Publish,
}

pub struct Evaluations;

impl Workflow for Evaluations {
    type State = EvalState;
    type Event = EvalEvent;
    const KIND: &'static str = "evaluation";
    const STATES: &'static [EvalState] = &[
        EvalState::Assigned,
        EvalState::Draft,
        EvalState::Final,
        EvalState::Published,
        EvalState::Recused,
    ];
    const EVENTS: &'static [EvalEvent] = &[
        EvalEvent::Submit,
        EvalEvent::Recuse,
        EvalEvent::Finalize,
        EvalEvent::Publish,
    ];

    fn next(s: EvalState, e: EvalEvent) -> Option<EvalState> {
        use EvalEvent as E;
        use EvalState as S;
        match (s, e) {
            (S::Assigned, E::Submit) => Some(S::Draft),
            (S::Assigned, E::Recuse) => Some(S::Recused),
            (S::Draft, E::Finalize) => Some(S::Final),
            (S::Final, E::Publish) => Some(S::Published),
            (S::Assigned, E::Finalize | E::Publish)
            | (S::Draft, E::Submit | E::Recuse | E::Publish)
            | (S::Final, E::Submit | E::Recuse | E::Finalize)
            | (S::Published | S::Recused, _) => None,
        }
    }

    fn state_name(s: EvalState) -> &'static str {
        match s {
            EvalState::Assigned => "assigned",
            EvalState::Draft => "draft",
            EvalState::Final => "final",
            EvalState::Published => "published",
            EvalState::Recused => "recused",
        }
    }

    fn event_name(e: EvalEvent) -> &'static str {
        match e {
            EvalEvent::Submit => "submit",
            EvalEvent::Recuse => "recuse",
            EvalEvent::Finalize => "finalize",
            EvalEvent::Publish => "publish",
        }
    }
}

/// Rectification (整改) of a decided stage graded below 良: the officer orders it with a
/// demand and a deadline (ordered); the provider reports what it changed (reported); the
/// stage's assessor re-checks it (passed or failed). A rectification not reported by its
/// deadline fails (lapse, by the deadlines job). A failed one counts as a 差 in the
/// provider's record; a passed one lifts the halt of a contract stopped by the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RectState {
    Ordered,
    Reported,
    Passed,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RectEvent {
    Report,
    Pass,
    Fail,
    Lapse,
}

pub struct Rectifications;

impl Workflow for Rectifications {
    type State = RectState;
    type Event = RectEvent;
    const KIND: &'static str = "rectification";
    const STATES: &'static [RectState] = &[
        RectState::Ordered,
        RectState::Reported,
        RectState::Passed,
        RectState::Failed,
    ];
    const EVENTS: &'static [RectEvent] = &[
        RectEvent::Report,
        RectEvent::Pass,
        RectEvent::Fail,
        RectEvent::Lapse,
    ];

    fn next(s: RectState, e: RectEvent) -> Option<RectState> {
        use RectEvent as E;
        use RectState as S;
        match (s, e) {
            (S::Ordered, E::Report) => Some(S::Reported),
            (S::Ordered, E::Lapse) => Some(S::Failed),
            (S::Reported, E::Pass) => Some(S::Passed),
            (S::Reported, E::Fail) => Some(S::Failed),
            (S::Ordered, E::Pass | E::Fail)
            | (S::Reported, E::Report | E::Lapse)
            | (S::Passed | S::Failed, _) => None,
        }
    }

    fn state_name(s: RectState) -> &'static str {
        match s {
            RectState::Ordered => "ordered",
            RectState::Reported => "reported",
            RectState::Passed => "passed",
            RectState::Failed => "failed",
        }
    }

    fn event_name(e: RectEvent) -> &'static str {
        match e {
            RectEvent::Report => "report",
            RectEvent::Pass => "pass",
            RectEvent::Fail => "fail",
            RectEvent::Lapse => "lapse",
        }
    }
}

/// Whether a decided grade may be sent to rectification (below 良).
pub fn rectifiable(grade: &str) -> bool {
    grade_rank(grade) < grade_rank("good") && !grade.is_empty()
}

/// One result in an organization's performance history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastResult {
    /// `midterm`, `final`, `halted` (a contract stopped after a failed mid-term), or
    /// `rectification` (a failed rectification, graded 差).
    pub stage: String,
    pub grade: String,
    /// YYYY-MM-DD.
    pub on: String,
}

/// One history rule's outcome: its finding code, whether it holds, and its arguments.
pub type RuleOutcome = (&'static str, bool, Vec<(&'static str, String)>);

/// How many of the latest final evaluations a minimum grade looks at.
pub const HISTORY_LAST: usize = 3;

/// 优胜劣汰: whether an applicant's history meets a call's rules on `today`. `min_grade`
/// (a grade code, or empty for none) must be met by each of the latest final evaluations
/// (none yet: met); with `exclude_poor`, a 差 or a halted contract within `years` bars it.
/// Returns (rule code, holds, arguments) for each rule the call sets.
pub fn history_rules(
    today: &str,
    min_grade: &str,
    exclude_poor: bool,
    years: i64,
    past: &[PastResult],
) -> Vec<RuleOutcome> {
    let mut out = Vec::new();
    if !min_grade.is_empty() {
        let mut finals: Vec<&PastResult> = past.iter().filter(|p| p.stage == "final").collect();
        finals.sort_by(|a, b| b.on.cmp(&a.on));
        let below: Vec<&&PastResult> = finals
            .iter()
            .take(HISTORY_LAST)
            .filter(|p| grade_rank(&p.grade) < grade_rank(min_grade))
            .collect();
        out.push((
            "elig-history-grade",
            below.is_empty(),
            vec![
                ("grade", min_grade.to_owned()),
                ("last", HISTORY_LAST.to_string()),
                (
                    "on",
                    below.first().map(|p| p.on.clone()).unwrap_or_default(),
                ),
                (
                    "below",
                    below.first().map(|p| p.grade.clone()).unwrap_or_default(),
                ),
            ],
        ));
    }
    if exclude_poor {
        let since = years_before(today, years);
        let bad = past
            .iter()
            .filter(|p| p.on.as_str() >= since.as_str())
            .find(|p| p.stage == "halted" || p.grade == "poor");
        out.push((
            "elig-history-poor",
            bad.is_none(),
            vec![
                ("years", years.to_string()),
                ("on", bad.map(|p| p.on.clone()).unwrap_or_default()),
            ],
        ));
    }
    out
}

/// 优胜劣汰 in the panel ranking: `bonus` points when the latest final evaluation is 优,
/// minus `penalty` points after a 差, a halted contract or a failed rectification within
/// `years` of `today`. Returns the points and the reason codes that apply.
pub fn history_adjust(
    today: &str,
    bonus: i64,
    penalty: i64,
    years: i64,
    past: &[PastResult],
) -> (i64, Vec<&'static str>) {
    let mut points = 0;
    let mut why = Vec::new();
    if bonus > 0 {
        let latest = past
            .iter()
            .filter(|p| p.stage == "final")
            .max_by(|a, b| a.on.cmp(&b.on));
        if latest.is_some_and(|p| p.grade == "excellent") {
            points += bonus;
            why.push("history-bonus");
        }
    }
    if penalty > 0 {
        let since = years_before(today, years);
        if past
            .iter()
            .any(|p| p.on.as_str() >= since.as_str() && (p.stage == "halted" || p.grade == "poor"))
        {
            points -= penalty;
            why.push("history-penalty");
        }
    }
    (points, why)
}

/// The most points a call's history bonus or penalty may carry.
pub const HISTORY_POINTS_MAX: i64 = 10;

/// The same day `years` years before (YYYY-MM-DD; 29 February falls to the 28th).
pub fn years_before(day: &str, years: i64) -> String {
    let y: i64 = day.get(0..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let rest = day.get(4..).unwrap_or("");
    let rest = if rest == "-02-29" { "-02-28" } else { rest };
    format!("{:04}{rest}", y - years)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scheme_is_valid_and_grades_as_the_rules_say() {
        let s = Scheme::default();
        s.validate().unwrap();
        assert_eq!(s.grade(1000), "excellent");
        assert_eq!(s.grade(900), "excellent");
        assert_eq!(s.grade(899), "good");
        assert_eq!(s.grade(800), "good");
        assert_eq!(s.grade(799), "fair");
        assert_eq!(s.grade(600), "fair");
        assert_eq!(s.grade(599), "poor");
        assert_eq!(s.grade(0), "poor");
        assert!(passes("fair") && !passes("poor") && !passes(""));
        crate::workflow::check_names::<Evaluations>();
        crate::workflow::check_names::<Rectifications>();
        assert!(rectifiable("fair") && rectifiable("poor"));
        assert!(!rectifiable("good") && !rectifiable("excellent") && !rectifiable(""));
    }

    #[test]
    fn a_scheme_must_sum_to_100_with_falling_bounds() {
        let mut s = Scheme::default();
        s.indicators[0].weight = 20;
        let e = s.validate().unwrap_err();
        assert!(e.iter().any(|e| e.code == "err-weights-sum"));
        let s = Scheme {
            good: 95,
            ..Default::default()
        };
        assert!(s.validate().unwrap_err()[0].code == "err-grade-bounds");
        let mut s = Scheme::default();
        s.indicators[1].code = "decision".into();
        assert!(s.validate().unwrap_err()[0].code == "err-scheme-code");
    }

    #[test]
    fn scores_are_read_within_each_weight() {
        let s = Scheme::default();
        let typed = |v: [&str; 4]| -> Vec<(String, String)> {
            ["decision", "process", "output", "outcome"]
                .iter()
                .zip(v)
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            s.scores(&typed(["15", "20.5", "0", "30"])).unwrap(),
            vec![150, 205, 0, 300]
        );
        let e = s.scores(&typed(["16", "", "-1", "1.25"])).unwrap_err();
        let codes: Vec<_> = e
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                ("score_decision", "err-eval-score-range"),
                ("score_process", "err-eval-score-missing"),
                ("score_output", "err-eval-score-range"),
                ("score_outcome", "err-eval-score-range")
            ]
        );
    }

    #[test]
    fn history_decides_the_next_round() {
        let r = |stage: &str, grade: &str, on: &str| PastResult {
            stage: stage.into(),
            grade: grade.into(),
            on: on.into(),
        };
        let past = vec![
            r("final", "good", "2024-12-20"),
            r("final", "fair", "2025-12-20"),
            r("midterm", "poor", "2023-06-01"),
        ];
        let rules = history_rules("2026-11-30", "good", true, 2, &past);
        assert_eq!(rules[0].0, "elig-history-grade");
        assert!(!rules[0].1, "the 2025 中 is below 良");
        assert!(rules[1].1, "the 2023 差 is older than two years");
        let rules = history_rules("2026-11-30", "fair", true, 4, &past);
        assert!(rules[0].1);
        assert!(!rules[1].1, "within four years");
        assert!(history_rules("2026-11-30", "", false, 2, &past).is_empty());
        assert!(
            history_rules("2026-11-30", "excellent", false, 2, &[])[0].1,
            "no history"
        );
        assert_eq!(years_before("2028-02-29", 2), "2026-02-28");
    }

    #[test]
    fn the_record_moves_the_ranking() {
        let r = |stage: &str, grade: &str, on: &str| PastResult {
            stage: stage.into(),
            grade: grade.into(),
            on: on.into(),
        };
        let top = vec![
            r("final", "fair", "2024-12-20"),
            r("final", "excellent", "2025-12-20"),
        ];
        assert_eq!(
            history_adjust("2026-11-30", 3, 5, 2, &top),
            (3, vec!["history-bonus"])
        );
        assert_eq!(history_adjust("2026-11-30", 0, 5, 2, &top), (0, vec![]));
        let bad = vec![
            r("final", "excellent", "2025-12-20"),
            r("rectification", "poor", "2026-03-01"),
        ];
        assert_eq!(
            history_adjust("2026-11-30", 3, 5, 2, &bad),
            (-2, vec!["history-bonus", "history-penalty"])
        );
        assert_eq!(
            history_adjust("2029-11-30", 3, 5, 2, &bad).0,
            3,
            "the failure is older than two years"
        );
        let old_top = vec![
            r("final", "excellent", "2024-12-20"),
            r("final", "good", "2025-12-20"),
        ];
        assert_eq!(
            history_adjust("2026-11-30", 3, 0, 2, &old_top).0,
            0,
            "latest only"
        );
    }

    #[test]
    fn a_rectification_moves_once() {
        use RectEvent as E;
        use RectState as S;
        assert_eq!(
            Rectifications::next(S::Ordered, E::Report),
            Some(S::Reported)
        );
        assert_eq!(Rectifications::next(S::Ordered, E::Lapse), Some(S::Failed));
        assert_eq!(Rectifications::next(S::Reported, E::Pass), Some(S::Passed));
        assert_eq!(Rectifications::next(S::Reported, E::Lapse), None);
        assert_eq!(Rectifications::next(S::Passed, E::Fail), None);
    }

    #[test]
    fn old_schemes_read_without_self_evaluation() {
        let mut v = serde_json::to_value(Scheme::default()).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("self_evaluation");
        o.remove("self_days");
        o.remove("late_fails");
        let s: Scheme = serde_json::from_value(v).unwrap();
        assert!(!s.self_evaluation && s.late_fails && s.self_days == SELF_DAYS);
        let bad = Scheme {
            self_days: 0,
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err()[0].code == "err-range");
    }
}
