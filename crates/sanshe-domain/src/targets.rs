//! The policy's quantitative targets (domain guide §6) and the policy profile that holds
//! their goals. Counting happens in the store (aggregates in SQL); turning counts into
//! values, goals and met/short statuses happens here, so the rule is written once.

use serde::{Deserialize, Serialize};

/// Goals of one year's policy profile. Defaults are the 2018 policy's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyProfile {
    /// m² of community service facilities per 1,000 residents.
    pub facility_area_per_1000: f64,
    /// Minimum m² of service facilities per community.
    pub facility_area_total: f64,
    /// Minimum opening hours a day of each comprehensive facility…
    pub facility_hours_per_day: f64,
    /// …on at least this many days a week.
    pub facility_open_days: i64,
    /// Share (%) of streets/towns with a comprehensive service center.
    pub street_center_coverage: f64,
    /// Share (%) of communities with a service station.
    pub community_station_coverage: f64,
    /// Share (%) of streets/towns with an incubation base.
    pub incubation_base_share: f64,
    pub orgs_per_community_urban: f64,
    pub orgs_per_community_rural: f64,
    /// Professional social-work posts / all community posts (%).
    pub professional_post_share_urban: f64,
    pub professional_post_share_rural: f64,
    /// Committee members holding a certificate / all members (%).
    pub committee_certified_share_urban: f64,
    pub committee_certified_share_rural: f64,
    /// Years of one social-worker registration period.
    pub registration_years: i64,
    /// CPD hours required per registration period, by certificate level.
    pub cpd_hours_assistant: f64,
    pub cpd_hours_intermediate: f64,
    pub cpd_hours_senior: f64,
    /// Working days within which a resident's need gets its first response (acceptance or
    /// rejection).
    pub need_response_days: i64,
    /// Least working days a call for applications stays open.
    pub purchase_call_min_days: i64,
    /// From this project amount (yuan) a review panel has at least 7 members, not 5.
    pub purchase_panel_threshold_yuan: i64,
    /// From this many members' scores the highest and lowest are dropped.
    pub purchase_trim_from: i64,
    /// Working days an award notice stays public (objections may be raised meanwhile).
    pub purchase_notice_days: i64,
    /// Working days within which an objection is answered.
    pub purchase_objection_days: i64,
    /// Working days a provider has to answer an evaluation's draft report.
    pub evaluation_answer_days: i64,
    /// Days before a contract ends that its final evaluation may be scored.
    pub evaluation_final_opens_days: i64,
    /// Years a 差 or a halted contract bars an organization from calls that ask so.
    pub evaluation_exclusion_years: i64,
}

impl Default for PolicyProfile {
    fn default() -> Self {
        PolicyProfile {
            facility_area_per_1000: 100.0,
            facility_area_total: 600.0,
            facility_hours_per_day: 8.0,
            facility_open_days: 5,
            street_center_coverage: 100.0,
            community_station_coverage: 100.0,
            incubation_base_share: 50.0,
            orgs_per_community_urban: 10.0,
            orgs_per_community_rural: 5.0,
            professional_post_share_urban: 30.0,
            professional_post_share_rural: 20.0,
            committee_certified_share_urban: 80.0,
            committee_certified_share_rural: 50.0,
            registration_years: 3,
            cpd_hours_assistant: 72.0,
            cpd_hours_intermediate: 90.0,
            cpd_hours_senior: 90.0,
            need_response_days: 5,
            purchase_call_min_days: 5,
            purchase_panel_threshold_yuan: 10_000_000,
            purchase_trim_from: 7,
            purchase_notice_days: 5,
            purchase_objection_days: 7,
            evaluation_answer_days: 5,
            evaluation_final_opens_days: 30,
            evaluation_exclusion_years: 2,
        }
    }
}

impl PolicyProfile {
    /// Each goal's key, least and greatest value, and whether it is a whole number: what
    /// [`PolicyProfile::validate`] checks and the API document states.
    pub const LIMITS: [(&'static str, f64, f64, bool); 26] = [
        ("facility_area_per_1000", 0.0, 10_000.0, false),
        ("facility_area_total", 0.0, 1_000_000.0, false),
        ("facility_hours_per_day", 0.0, 24.0, false),
        ("facility_open_days", 1.0, 7.0, true),
        ("street_center_coverage", 0.0, 100.0, false),
        ("community_station_coverage", 0.0, 100.0, false),
        ("incubation_base_share", 0.0, 100.0, false),
        ("orgs_per_community_urban", 0.0, 1000.0, false),
        ("orgs_per_community_rural", 0.0, 1000.0, false),
        ("professional_post_share_urban", 0.0, 100.0, false),
        ("professional_post_share_rural", 0.0, 100.0, false),
        ("committee_certified_share_urban", 0.0, 100.0, false),
        ("committee_certified_share_rural", 0.0, 100.0, false),
        ("registration_years", 1.0, 10.0, true),
        ("cpd_hours_assistant", 0.0, 1000.0, false),
        ("cpd_hours_intermediate", 0.0, 1000.0, false),
        ("cpd_hours_senior", 0.0, 1000.0, false),
        ("need_response_days", 1.0, 60.0, true),
        ("purchase_call_min_days", 1.0, 60.0, true),
        ("purchase_panel_threshold_yuan", 0.0, 10_000_000_000.0, true),
        ("purchase_trim_from", 3.0, 25.0, true),
        ("purchase_notice_days", 1.0, 60.0, true),
        ("purchase_objection_days", 1.0, 60.0, true),
        ("evaluation_answer_days", 1.0, 60.0, true),
        ("evaluation_final_opens_days", 0.0, 365.0, true),
        ("evaluation_exclusion_years", 1.0, 10.0, true),
    ];

    /// A goal by its key.
    pub fn value(&self, key: &str) -> Option<f64> {
        Some(match key {
            "facility_area_per_1000" => self.facility_area_per_1000,
            "facility_area_total" => self.facility_area_total,
            "facility_hours_per_day" => self.facility_hours_per_day,
            "facility_open_days" => self.facility_open_days as f64,
            "street_center_coverage" => self.street_center_coverage,
            "community_station_coverage" => self.community_station_coverage,
            "incubation_base_share" => self.incubation_base_share,
            "orgs_per_community_urban" => self.orgs_per_community_urban,
            "orgs_per_community_rural" => self.orgs_per_community_rural,
            "professional_post_share_urban" => self.professional_post_share_urban,
            "professional_post_share_rural" => self.professional_post_share_rural,
            "committee_certified_share_urban" => self.committee_certified_share_urban,
            "committee_certified_share_rural" => self.committee_certified_share_rural,
            "registration_years" => self.registration_years as f64,
            "cpd_hours_assistant" => self.cpd_hours_assistant,
            "cpd_hours_intermediate" => self.cpd_hours_intermediate,
            "cpd_hours_senior" => self.cpd_hours_senior,
            "need_response_days" => self.need_response_days as f64,
            "purchase_call_min_days" => self.purchase_call_min_days as f64,
            "purchase_panel_threshold_yuan" => self.purchase_panel_threshold_yuan as f64,
            "purchase_trim_from" => self.purchase_trim_from as f64,
            "purchase_notice_days" => self.purchase_notice_days as f64,
            "purchase_objection_days" => self.purchase_objection_days as f64,
            "evaluation_answer_days" => self.evaluation_answer_days as f64,
            "evaluation_final_opens_days" => self.evaluation_final_opens_days as f64,
            "evaluation_exclusion_years" => self.evaluation_exclusion_years as f64,
            _ => return None,
        })
    }

    /// Every goal is a finite number within its [`PolicyProfile::LIMITS`].
    pub fn validate(&self) -> Result<(), Vec<crate::FieldError>> {
        let mut errs = Vec::new();
        for (k, min, max, _) in Self::LIMITS.iter() {
            let v = self.value(k).unwrap_or(f64::NAN);
            if !v.is_finite() || !(*min..=*max).contains(&v) {
                errs.push(
                    crate::FieldError::new(k, "err-range")
                        .arg("min", min)
                        .arg("max", max),
                );
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }

    /// CPD hours required per registration period for a certificate level.
    pub fn cpd_required(&self, level: &str) -> f64 {
        match level {
            "assistant" => self.cpd_hours_assistant,
            "intermediate" => self.cpd_hours_intermediate,
            "senior" => self.cpd_hours_senior,
            _ => 0.0,
        }
    }
}

/// Counts over one set of communities (all, urban or rural) of an area's subtree. The
/// store fills these with SQL aggregates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityCounts {
    pub communities: i64,
    pub residents: i64,
    /// m² × 100 of active facilities located in these communities.
    pub facility_area_centi: i64,
    /// Communities whose own facilities reach the total-area goal.
    pub communities_area_ok: i64,
    /// Communities with an active service station.
    pub communities_with_station: i64,
    /// Active comprehensive facilities (centers and stations) in the subset, and those open
    /// at least the goal hours every day they open.
    pub comprehensive_facilities: i64,
    pub comprehensive_hours_ok: i64,
    /// Active community social organizations based in these communities.
    pub community_orgs: i64,
    pub posts: i64,
    pub professional_posts: i64,
    /// Committee posts with a holder, and those whose holder holds a certificate.
    pub committee_members: i64,
    pub committee_certified: i64,
}

impl CommunityCounts {
    pub fn add(&mut self, o: &CommunityCounts) {
        self.communities += o.communities;
        self.residents += o.residents;
        self.facility_area_centi += o.facility_area_centi;
        self.communities_area_ok += o.communities_area_ok;
        self.communities_with_station += o.communities_with_station;
        self.comprehensive_facilities += o.comprehensive_facilities;
        self.comprehensive_hours_ok += o.comprehensive_hours_ok;
        self.community_orgs += o.community_orgs;
        self.posts += o.posts;
        self.professional_posts += o.professional_posts;
        self.committee_members += o.committee_members;
        self.committee_certified += o.committee_certified;
    }
}

/// Counts at the street/town level of a subtree, and the district-wide counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreetCounts {
    pub streets: i64,
    pub streets_with_center: i64,
    pub streets_with_incubation_base: i64,
    pub streets_with_federation: i64,
    /// m² × 100 of active facilities located at street level (centers etc.).
    pub street_facility_area_centi: i64,
    pub federations: i64,
    pub foundations: i64,
    pub certified_workers: i64,
    pub subsidies: i64,
    pub subsidies_fen: i64,
}

/// All counts of one area for one year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetCounts {
    pub urban: CommunityCounts,
    pub rural: CommunityCounts,
    pub streets: StreetCounts,
}

impl TargetCounts {
    pub fn all(&self) -> CommunityCounts {
        let mut a = self.urban;
        a.add(&self.rural);
        a
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    Short,
    /// Nothing to measure (no communities, no posts, …).
    NoData,
    /// A count reported without a goal.
    Reported,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Short => "short",
            Status::NoData => "no_data",
            Status::Reported => "reported",
        }
    }
}

/// One figure: value against goal, with the counts it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub value: Option<f64>,
    pub goal: Option<f64>,
    pub status: Status,
    pub numerator: i64,
    pub denominator: i64,
}

impl Figure {
    fn ratio(num: i64, den: i64, scale: f64, goal: f64) -> Figure {
        if den <= 0 {
            return Figure {
                value: None,
                goal: Some(goal),
                status: Status::NoData,
                numerator: num,
                denominator: den,
            };
        }
        let v = round2(num as f64 * scale / den as f64);
        Figure {
            value: Some(v),
            goal: Some(goal),
            status: if v + 1e-9 >= goal {
                Status::Met
            } else {
                Status::Short
            },
            numerator: num,
            denominator: den,
        }
    }

    fn count(n: i64) -> Figure {
        Figure {
            value: Some(n as f64),
            goal: None,
            status: Status::Reported,
            numerator: n,
            denominator: 0,
        }
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// One target's result: overall and split urban/rural (None where the target is not split
/// or has no such split).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetResult {
    pub key: &'static str,
    pub unit: &'static str,
    pub all: Figure,
    pub urban: Option<Figure>,
    pub rural: Option<Figure>,
}

/// The stable target keys, in display order.
pub const TARGET_KEYS: [&str; 13] = [
    "facility_area_per_1000_residents",
    "facility_area_total",
    "facility_opening_hours",
    "street_center_coverage",
    "community_station_coverage",
    "incubation_base_share",
    "orgs_per_community",
    "professional_post_share",
    "committee_certified_share",
    "federations",
    "foundations",
    "certified_social_workers",
    "certification_subsidies",
];

/// Turns counts into every target's result under a profile.
///
/// * `facility_area_per_1000_residents`: m² of all active facilities in the subtree
///   (community and street level) per 1,000 residents; the urban/rural split uses the
///   community-level facilities only.
/// * `facility_area_total`: share of communities whose facilities reach the total-area goal
///   (the goal is 100 %); at a single community this is 0 or 100.
/// * `facility_opening_hours`: share of comprehensive facilities open the goal hours a day.
/// * coverage and share targets: numerator / denominator × 100.
/// * `orgs_per_community`: community organizations per community; the overall figure is met
///   when both the urban and the rural averages meet their goals.
pub fn evaluate(c: &TargetCounts, p: &PolicyProfile) -> Vec<TargetResult> {
    let all = c.all();
    let s = &c.streets;
    let split = |f: &dyn Fn(&CommunityCounts, bool) -> Figure| -> (Figure, Figure) {
        (f(&c.urban, true), f(&c.rural, false))
    };
    let mut out = Vec::new();

    // Facility area per 1,000 residents.
    let density = |cc: &CommunityCounts, extra: i64| {
        let area = cc.facility_area_centi + extra; // m² × 100
        Figure::ratio(area, cc.residents, 10.0, p.facility_area_per_1000)
    };
    out.push(TargetResult {
        key: "facility_area_per_1000_residents",
        unit: "m2_per_1000",
        all: density(&all, s.street_facility_area_centi),
        urban: Some(density(&c.urban, 0)),
        rural: Some(density(&c.rural, 0)),
    });

    let (u, r) =
        split(&|cc, _| Figure::ratio(cc.communities_area_ok, cc.communities, 100.0, 100.0));
    out.push(TargetResult {
        key: "facility_area_total",
        unit: "percent_communities",
        all: Figure::ratio(all.communities_area_ok, all.communities, 100.0, 100.0),
        urban: Some(u),
        rural: Some(r),
    });

    let (u, r) = split(&|cc, _| {
        Figure::ratio(
            cc.comprehensive_hours_ok,
            cc.comprehensive_facilities,
            100.0,
            100.0,
        )
    });
    out.push(TargetResult {
        key: "facility_opening_hours",
        unit: "percent_facilities",
        all: Figure::ratio(
            all.comprehensive_hours_ok,
            all.comprehensive_facilities,
            100.0,
            100.0,
        ),
        urban: Some(u),
        rural: Some(r),
    });

    out.push(TargetResult {
        key: "street_center_coverage",
        unit: "percent",
        all: Figure::ratio(
            s.streets_with_center,
            s.streets,
            100.0,
            p.street_center_coverage,
        ),
        urban: None,
        rural: None,
    });

    let (u, r) = split(&|cc, _| {
        Figure::ratio(
            cc.communities_with_station,
            cc.communities,
            100.0,
            p.community_station_coverage,
        )
    });
    out.push(TargetResult {
        key: "community_station_coverage",
        unit: "percent",
        all: Figure::ratio(
            all.communities_with_station,
            all.communities,
            100.0,
            p.community_station_coverage,
        ),
        urban: Some(u),
        rural: Some(r),
    });

    out.push(TargetResult {
        key: "incubation_base_share",
        unit: "percent",
        all: Figure::ratio(
            s.streets_with_incubation_base,
            s.streets,
            100.0,
            p.incubation_base_share,
        ),
        urban: None,
        rural: None,
    });

    let (u, r) = split(&|cc, urban| {
        Figure::ratio(
            cc.community_orgs,
            cc.communities,
            1.0,
            if urban {
                p.orgs_per_community_urban
            } else {
                p.orgs_per_community_rural
            },
        )
    });
    out.push(TargetResult {
        key: "orgs_per_community",
        unit: "orgs",
        all: combine(&all, all.community_orgs, all.communities, 1.0, &u, &r),
        urban: Some(u),
        rural: Some(r),
    });

    let (u, r) = split(&|cc, urban| {
        Figure::ratio(
            cc.professional_posts,
            cc.posts,
            100.0,
            if urban {
                p.professional_post_share_urban
            } else {
                p.professional_post_share_rural
            },
        )
    });
    out.push(TargetResult {
        key: "professional_post_share",
        unit: "percent",
        all: combine(&all, all.professional_posts, all.posts, 100.0, &u, &r),
        urban: Some(u),
        rural: Some(r),
    });

    let (u, r) = split(&|cc, urban| {
        Figure::ratio(
            cc.committee_certified,
            cc.committee_members,
            100.0,
            if urban {
                p.committee_certified_share_urban
            } else {
                p.committee_certified_share_rural
            },
        )
    });
    out.push(TargetResult {
        key: "committee_certified_share",
        unit: "percent",
        all: combine(
            &all,
            all.committee_certified,
            all.committee_members,
            100.0,
            &u,
            &r,
        ),
        urban: Some(u),
        rural: Some(r),
    });

    for (key, n) in [
        ("federations", s.federations),
        ("foundations", s.foundations),
        ("certified_social_workers", s.certified_workers),
        ("certification_subsidies", s.subsidies),
    ] {
        out.push(TargetResult {
            key,
            unit: "count",
            all: Figure::count(n),
            urban: None,
            rural: None,
        });
    }
    out
}

/// An overall figure for a target whose goal differs urban/rural: the value is the overall
/// ratio, there is no single goal, and it is met only when every split with data is met.
fn combine(
    _all: &CommunityCounts,
    num: i64,
    den: i64,
    scale: f64,
    u: &Figure,
    r: &Figure,
) -> Figure {
    let parts: Vec<&Figure> = [u, r]
        .into_iter()
        .filter(|f| f.status != Status::NoData)
        .collect();
    let status = if parts.is_empty() {
        Status::NoData
    } else if parts.iter().all(|f| f.status == Status::Met) {
        Status::Met
    } else {
        Status::Short
    };
    Figure {
        value: (den > 0).then(|| round2(num as f64 * scale / den as f64)),
        goal: None,
        status,
        numerator: num,
        denominator: den,
    }
}

#[cfg(test)]
mod tests;
