//! Working days: calendar dates, the weekday rule, and the State Council's public holidays
//! and adjusted working days (调休) that override it. Every deadline in the workflows is
//! "N working days after date D" and is computed by [`WorkCalendar::add_working_days`].

use std::collections::BTreeMap;
use std::fmt;

/// A calendar date (proleptic Gregorian), stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i64);

impl Day {
    /// A valid date, or None (month 1–12, day within the month, year 1900–2999).
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Day> {
        if !(1900..=2999).contains(&y) || !(1..=12).contains(&m) || d == 0 {
            return None;
        }
        if d > days_in_month(y, m) {
            return None;
        }
        Some(Day(days_from_civil(y as i64, m as i64, d as i64)))
    }

    /// `YYYY-MM-DD` exactly.
    pub fn parse(s: &str) -> Option<Day> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let y = s.get(0..4)?.parse().ok()?;
        let m = s.get(5..7)?.parse().ok()?;
        let d = s.get(8..10)?.parse().ok()?;
        Day::from_ymd(y, m, d)
    }

    /// The date of a Unix time in China Standard Time (UTC+8).
    pub fn from_unix_cst(secs: i64) -> Day {
        Day((secs + 8 * 3600).div_euclid(86_400))
    }

    /// Unix seconds of this date's midnight in China Standard Time.
    pub fn unix_cst_midnight(self) -> i64 {
        self.0 * 86_400 - 8 * 3600
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        let (y, m, d) = civil_from_days(self.0);
        (y as i32, m as u32, d as u32)
    }

    pub fn year(self) -> i32 {
        self.ymd().0
    }

    /// 0 = Monday … 6 = Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (self.0 + 3).rem_euclid(7) as u32
    }

    pub fn is_weekend(self) -> bool {
        self.weekday() >= 5
    }

    pub fn plus_days(self, n: i64) -> Day {
        Day(self.0 + n)
    }

    /// Days from `self` to `other` (positive when `other` is later).
    pub fn days_until(self, other: Day) -> i64 {
        other.0 - self.0
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

// Civil-date arithmetic on 400-year eras (each era has exactly 146,097 days).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// How a listed date differs from the weekday rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A weekday (or weekend day) off: a public holiday.
    Holiday,
    /// A weekend day worked instead (调休上班).
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        match s.trim() {
            "holiday" | "假日" | "休" | "节假日" | "放假" => Some(DayKind::Holiday),
            "workday" | "班" | "上班" | "调休上班" | "工作日" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// The weekday rule with the listed exceptions.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    days: BTreeMap<Day, DayKind>,
}

/// The longest deadline the calendar computes (a guard against a runaway loop).
pub const MAX_WORKING_DAYS: i64 = 3_660;

impl WorkCalendar {
    pub fn new(days: impl IntoIterator<Item = (Day, DayKind)>) -> WorkCalendar {
        WorkCalendar {
            days: days.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, d: Day) -> bool {
        match self.days.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !d.is_weekend(),
        }
    }

    /// The `n`-th working day after `from` (`from` itself never counts; `n = 0` is `from`).
    /// Negative `n` counts backwards: the `|n|`-th working day before `from`.
    pub fn add_working_days(&self, from: Day, n: i64) -> Day {
        let n = n.clamp(-MAX_WORKING_DAYS, MAX_WORKING_DAYS);
        let step = if n < 0 { -1 } else { 1 };
        let mut left = n.abs();
        let mut d = from;
        while left > 0 {
            d = d.plus_days(step);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days in `(from, to]` (0 when `to <= from`).
    pub fn working_days_between(&self, from: Day, to: Day) -> i64 {
        let mut n = 0;
        let mut d = from;
        while d < to && n < MAX_WORKING_DAYS {
            d = d.plus_days(1);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// Whether any date of `year` is listed (a year without a schedule falls back to the
    /// weekday rule, which is wrong around every festival).
    pub fn has_year(&self, year: i32) -> bool {
        let (Some(a), Some(b)) = (Day::from_ymd(year, 1, 1), Day::from_ymd(year, 12, 31)) else {
            return false;
        };
        self.days.range(a..=b).next().is_some()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> Day {
        Day::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    /// The State Council's 2025 and 2026 Spring Festival schedules (春节 with 调休).
    fn cal() -> WorkCalendar {
        let mut v = vec![
            (d("2025-01-26"), DayKind::Workday),
            (d("2025-02-08"), DayKind::Workday),
            (d("2026-02-14"), DayKind::Workday),
            (d("2026-02-28"), DayKind::Workday),
        ];
        for day in 28..=31 {
            v.push((d(&format!("2025-01-{day}")), DayKind::Holiday));
        }
        for day in 1..=4 {
            v.push((d(&format!("2025-02-0{day}")), DayKind::Holiday));
        }
        for day in 15..=23 {
            v.push((d(&format!("2026-02-{day}")), DayKind::Holiday));
        }
        WorkCalendar::new(v)
    }

    #[test]
    fn dates_round_trip_and_know_their_weekday() {
        for s in [
            "1970-01-01",
            "2000-02-29",
            "2024-12-31",
            "2025-01-28",
            "2100-03-01",
        ] {
            assert_eq!(d(s).to_string(), s);
        }
        assert_eq!(d("2025-01-28").weekday(), 1, "a Tuesday");
        assert_eq!(d("2026-11-30").weekday(), 0, "a Monday");
        assert!(Day::parse("2025-02-29").is_none());
        assert!(Day::parse("2024-02-29").is_some());
        assert!(Day::parse("2025-13-01").is_none());
        assert!(Day::parse("2025-1-01").is_none());
        assert_eq!(d("2025-03-01").days_until(d("2025-02-28")), -1);
        assert_eq!(Day::from_unix_cst(0), d("1970-01-01"));
        // 2025-01-27 16:00 UTC is already the 28th in Beijing.
        assert_eq!(Day::from_unix_cst(1_737_993_600), d("2025-01-28"));
        assert_eq!(
            Day::from_unix_cst(d("2025-01-28").unix_cst_midnight()),
            d("2025-01-28")
        );
    }

    #[test]
    fn deadlines_cross_the_spring_festival_2025() {
        let c = cal();
        // Monday 27 January 2025, the last working day before the holiday: five working
        // days later skips 28 Jan–4 Feb, counts Wed 5 … Fri 7, the 调休 Saturday 8th, Mon 10th.
        assert_eq!(c.add_working_days(d("2025-01-27"), 5), d("2025-02-10"));
        // The 调休 Sunday 26 January is a working day; the day after it is too.
        assert!(c.is_working_day(d("2025-01-26")));
        assert_eq!(c.add_working_days(d("2025-01-25"), 1), d("2025-01-26"));
        // A need raised during the holiday is due five working days after it ends.
        assert_eq!(c.add_working_days(d("2025-01-30"), 5), d("2025-02-10"));
        // Counting backwards (a reminder the working day before a deadline).
        assert_eq!(c.add_working_days(d("2025-02-05"), -1), d("2025-01-27"));
        assert_eq!(c.working_days_between(d("2025-01-27"), d("2025-02-10")), 5);
        assert_eq!(c.add_working_days(d("2025-01-27"), 0), d("2025-01-27"));
    }

    #[test]
    fn deadlines_cross_the_spring_festival_2026_and_plain_weekends() {
        let c = cal();
        // Friday 13 February 2026; Saturday the 14th is worked; 15–23 off; 24th back.
        assert_eq!(c.add_working_days(d("2026-02-13"), 1), d("2026-02-14"));
        assert_eq!(c.add_working_days(d("2026-02-13"), 2), d("2026-02-24"));
        assert_eq!(c.add_working_days(d("2026-02-13"), 5), d("2026-02-27"));
        assert_eq!(
            c.add_working_days(d("2026-02-13"), 6),
            d("2026-02-28"),
            "调休 Saturday"
        );
        assert_eq!(c.add_working_days(d("2026-02-13"), 7), d("2026-03-02"));
        // An ordinary week: Friday + 1 is Monday.
        assert_eq!(c.add_working_days(d("2026-11-27"), 1), d("2026-11-30"));
        assert!(c.has_year(2026));
        assert!(!c.has_year(2027));
    }

    #[test]
    fn kinds_parse_in_both_languages() {
        assert_eq!(DayKind::parse("休"), Some(DayKind::Holiday));
        assert_eq!(DayKind::parse("workday"), Some(DayKind::Workday));
        assert_eq!(DayKind::parse("x"), None);
    }
}
