//! Closed vocabularies of the registries (domain guide §3): facility kinds, organization
//! kinds and statuses, the policy's seven service domains, certificate levels. Each is a
//! list of stable keys; the locale files hold their labels under `<vocab>-<key>`.

/// A closed list of keys, e.g. facility kinds.
#[derive(Debug, Clone, Copy)]
pub struct Vocab {
    /// Locale-key prefix and the field name used in errors.
    pub name: &'static str,
    pub keys: &'static [&'static str],
}

impl Vocab {
    pub fn contains(&self, key: &str) -> bool {
        self.keys.contains(&key)
    }

    /// Locale key of a value's label.
    pub fn label_key(&self, key: &str) -> String {
        format!("{}-{}", self.name, key)
    }
}

/// 镇/街道社区综合服务中心, 城乡社区服务站, 专项服务设施, 服务网点.
pub const FACILITY_KIND: Vocab = Vocab {
    name: "facility-kind",
    keys: &["center", "station", "special", "point"],
};

pub const FACILITY_STATUS: Vocab = Vocab {
    name: "facility-status",
    keys: &["active", "building", "closed"],
};

/// 社会团体, 民办非企业单位/社会服务机构, 基金会 (registered); 社区社会组织 (filed).
pub const ORG_KIND: Vocab = Vocab {
    name: "org-kind",
    keys: &[
        "social_group",
        "social_service_agency",
        "foundation",
        "community_org",
    ],
};

pub const ORG_STATUS: Vocab = Vocab {
    name: "org-status",
    keys: &["active", "suspended", "deregistered"],
};

/// 年检/年报 result.
pub const ANNUAL_RESULT: Vocab = Vocab {
    name: "annual-result",
    keys: &["none", "pass", "basic_pass", "fail"],
};

/// The policy's service domains: 为民服务, 养老照护, 困难帮扶, 公益慈善, 矛盾化解, 文体娱乐,
/// 农村生产技术服务.
pub const SERVICE_DOMAIN: Vocab = Vocab {
    name: "domain",
    keys: &[
        "resident_service",
        "elderly_care",
        "hardship_aid",
        "charity",
        "mediation",
        "culture_sports",
        "rural_technology",
    ],
};

/// 助理社会工作师, 社会工作师, 高级社会工作师.
pub const CERT_LEVEL: Vocab = Vocab {
    name: "cert-level",
    keys: &["none", "assistant", "intermediate", "senior"],
};

/// Who employs a social worker.
pub const EMPLOYER_KIND: Vocab = Vocab {
    name: "employer-kind",
    keys: &["committee", "social_work_org", "other"],
};

pub const WORKER_STATUS: Vocab = Vocab {
    name: "worker-status",
    keys: &["active", "left"],
};

/// The organization kind a civil-affairs credit code's type digit implies.
pub fn org_kind_for_credit_type(type_digit: char) -> Option<&'static str> {
    match type_digit {
        '1' => Some("social_group"),
        '2' => Some("social_service_agency"),
        '3' => Some("foundation"),
        _ => None,
    }
}

/// Parses `HH:MM-HH:MM` into minutes open; `""`, `休`, `closed` are closed days (0).
pub fn parse_hours_range(s: &str) -> Result<i64, &'static str> {
    // Several ranges in one day (a lunch break): `08:30-11:30/13:30-17:30`.
    if s.contains(['/', '、']) {
        let segments = s.split(['/', '、']);
        let mut total = 0;
        let mut last_end = -1;
        for seg in segments {
            let (a, b) = one_range(seg)?.ok_or("err-hours")?;
            if a < last_end {
                return Err("err-hours-overlap");
            }
            last_end = b;
            total += b - a;
        }
        return Ok(total);
    }
    Ok(one_range(s)?.map(|(a, b)| b - a).unwrap_or(0))
}

/// `：` as `:` and every dash or "to" people write as `-` (the text itself when it has none).
fn normal_dashes(s: &str) -> std::borrow::Cow<'_, str> {
    const DASHES: [char; 7] = ['～', '~', '—', '－', '–', '至', '到'];
    if s.contains('：') || s.contains(DASHES) {
        std::borrow::Cow::Owned(s.replace(['：'], ":").replace(DASHES, "-"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Whether a range is already written `HH:MM-HH:MM`.
fn is_canonical_range(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() == 11
        && b.iter().enumerate().all(|(i, c)| match i {
            2 | 8 => *c == b':',
            5 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// One `HH:MM-HH:MM` range as minutes from midnight (None: closed).
fn one_range(s: &str) -> Result<Option<(i64, i64)>, &'static str> {
    let s = s.trim();
    if is_canonical_range(s) {
        // `HH:MM-HH:MM`, read digit by digit.
        let b = s.as_bytes();
        let num = |i: usize| i64::from(b[i] - b'0') * 10 + i64::from(b[i + 1] - b'0');
        let (h1, m1, h2, m2) = (num(0), num(3), num(6), num(9));
        let ok = |h: i64, m: i64| h <= 24 && m < 60 && (h < 24 || m == 0);
        if !ok(h1, m1) || !ok(h2, m2) || h2 * 60 + m2 <= h1 * 60 + m1 {
            return Err("err-hours");
        }
        return Ok(Some((h1 * 60 + m1, h2 * 60 + m2)));
    }
    if s.is_empty() || s == "休" || s == "-" || s.eq_ignore_ascii_case("closed") {
        return Ok(None);
    }
    let s = normal_dashes(s);
    let (a, b) = s.split_once('-').ok_or("err-hours")?;
    let mins = |t: &str| -> Result<i64, &'static str> {
        let t = t.trim();
        let (h, m) = t.split_once(':').unwrap_or((t, "0"));
        let h: i64 = h.trim().parse().map_err(|_| "err-hours")?;
        let m: i64 = m.trim().parse().map_err(|_| "err-hours")?;
        if !(0..=24).contains(&h) || !(0..60).contains(&m) || (h == 24 && m != 0) {
            return Err("err-hours");
        }
        Ok(h * 60 + m)
    };
    let (a, b) = (mins(a)?, mins(b)?);
    if b <= a {
        return Err("err-hours");
    }
    Ok(Some((a, b)))
}

/// The weekdays a phrase such as `周一至周五`, `周一、三、五`, `周六`, `周末`, `工作日`,
/// `每天` names (Monday = 0); None if it names none.
fn day_set(p: &str) -> Option<[bool; 7]> {
    let p = p.trim();
    let mut days = [false; 7];
    match p {
        "每天" | "每日" | "全天" | "全周" | "周一至周日" => return Some([true; 7]),
        "工作日" => return Some([true, true, true, true, true, false, false]),
        "周末" | "双休日" => return Some([false, false, false, false, false, true, true]),
        _ => {}
    }
    let idx = |c: char| "一二三四五六日天".find(c).map(|i| (i / 3).min(6));
    let body = p.replace("星期", "周").replace("礼拜", "周");
    let body = body.trim_start_matches('周');
    let chars: Vec<char> = body.chars().filter(|c| *c != '周').collect();
    if chars.is_empty() {
        return None;
    }
    let mut i = 0;
    while i < chars.len() {
        let d = idx(chars[i])?;
        if i + 2 < chars.len() && matches!(chars[i + 1], '至' | '到' | '-' | '~' | '～' | '—')
        {
            let e = idx(chars[i + 2])?;
            if e < d {
                return None;
            }
            for x in &mut days[d..=e] {
                *x = true;
            }
            i += 3;
        } else {
            days[d] = true;
            i += 1;
        }
        while i < chars.len() && matches!(chars[i], '、' | ',' | '，' | ' ') {
            i += 1;
        }
    }
    Some(days)
}

/// Hours as people write them: `周一至周五 8:30-17:30`, `工作日 8:30-11:30,13:30-17:30；周六
/// 9:00-12:00`, or ranges alone (`8:30-11:30,13:30-17:30`: the working days). None when the
/// text is not of that kind (then it is the seven-day list).
fn parse_written(s: &str) -> Option<Result<WeekHours, &'static str>> {
    let names_days = ["周", "星期", "礼拜", "工作日", "每天", "每日", "周末"]
        .iter()
        .any(|w| s.contains(w));
    let clauses: Vec<&str> = s
        .split([';', '；', '\n', '。'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    if !names_days {
        // Ranges alone, one to three of them (a lunch break): every working day.
        let parts: Vec<&str> = s.split([',', '，', '/', '、']).collect();
        if parts.len() >= 7 || clauses.len() != 1 || s.contains('|') {
            return None;
        }
        let day = parts.join("/");
        let clause = format!("工作日 {day}");
        return parse_written(&clause);
    }
    let mut w = WeekHours::default();
    for c in clauses {
        // The day phrase runs up to the first digit.
        let split = c.find(|ch: char| ch.is_ascii_digit()).unwrap_or(c.len());
        let (phrase, ranges) = c.split_at(split);
        let phrase = phrase.trim().trim_end_matches([':', '：']).trim();
        let closed_words = ["休息", "闭馆", "不开放", "休"];
        let closed = closed_words.iter().any(|w| phrase.ends_with(w));
        let phrase = closed_words
            .iter()
            .fold(phrase, |p, w| p.strip_suffix(w).unwrap_or(p))
            .trim();
        let Some(days) = day_set(phrase) else {
            return Some(Err("err-hours-days"));
        };
        let ranges = ranges.trim();
        let day = if ranges.is_empty() || closed {
            String::new()
        } else {
            let segs: Vec<&str> = ranges
                .split([',', '，', '/', '、', ' '])
                .filter(|x| !x.trim().is_empty())
                .collect();
            let mut norm = Vec::new();
            for seg in segs {
                match WeekHours::normalise_day(seg) {
                    Ok(n) if !n.is_empty() => norm.push(n),
                    Ok(_) => {}
                    Err(e) => return Some(Err(e)),
                }
            }
            let joined = norm.join("/");
            if let Err(e) = parse_hours_range(&joined) {
                return Some(Err(e));
            }
            joined
        };
        for (i, on) in days.iter().enumerate() {
            if *on {
                w.days[i] = day.clone();
            }
        }
    }
    Some(Ok(w))
}

/// Opening hours for the seven weekdays (Monday first), normalised to `HH:MM-HH:MM` or `""`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeekHours {
    pub days: [String; 7],
}

impl WeekHours {
    /// Parses seven comma- or `|`-separated days (each a range, several ranges joined by
    /// `/`, or closed), or hours as people write them (see [`parse_written`]).
    pub fn parse(s: &str) -> Result<WeekHours, &'static str> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(WeekHours::default());
        }
        if let Some(w) = parse_written(s) {
            return w;
        }
        let parts: Vec<&str> = s.split([',', '|', ';', '，', '；']).collect();
        if parts.len() != 7 {
            return Err("err-hours-days");
        }
        let mut w = WeekHours::default();
        for (i, p) in parts.iter().enumerate() {
            w.days[i] = Self::normalise_day(p)?;
        }
        Ok(w)
    }

    /// One day's range (or `/`-joined ranges), checked and normalised.
    pub fn normalise_day(p: &str) -> Result<String, &'static str> {
        let m = parse_hours_range(p)?;
        if m == 0 {
            return Ok(String::new());
        }
        if p.contains(['/', '、']) {
            return p
                .split(['/', '、'])
                .map(WeekHours::normalise_day)
                .collect::<Result<Vec<_>, _>>()
                .map(|v| v.join("/"));
        }
        if is_canonical_range(p) {
            return Ok(p.to_owned());
        }
        let p = normal_dashes(p.trim());
        let (a, b) = p.split_once('-').ok_or("err-hours")?;
        let fmt = |t: &str| -> String {
            let t = t.trim();
            let (h, m) = t.split_once(':').unwrap_or((t, "0"));
            format!(
                "{:02}:{:02}",
                h.trim().parse::<u32>().unwrap_or(0),
                m.trim().parse::<u32>().unwrap_or(0)
            )
        };
        Ok(format!("{}-{}", fmt(a), fmt(b)))
    }

    pub fn to_storage(&self) -> String {
        if self.days.iter().all(String::is_empty) {
            return String::new();
        }
        self.days.join(",")
    }

    /// Minutes open per day, Monday first.
    pub fn minutes(&self) -> [i64; 7] {
        let mut out = [0; 7];
        for (i, d) in self.days.iter().enumerate() {
            out[i] = parse_hours_range(d).unwrap_or(0);
        }
        out
    }

    /// The days by opening, longest first, as seven 4-digit minute counts (`""` when never
    /// open): the form the hours target reads the D-th longest day from.
    pub fn open_profile(&self) -> String {
        let mut m = self.minutes();
        if m.iter().all(|x| *x == 0) {
            return String::new();
        }
        m.sort_unstable_by(|a, b| b.cmp(a));
        m.iter()
            .map(|x| format!("{:04}", x.clamp(&0, &1440)))
            .collect()
    }

    /// The daily opening the policy's hours target is checked against: the shortest
    /// opening of the working days (Monday to Friday) that are open, or of the open days
    /// when no working day is. A half-day Saturday does not count against a station that is
    /// open full days all week; 0 when never open.
    pub fn daily_minutes(&self) -> i64 {
        let m = self.minutes();
        let weekdays = m[..5].iter().copied().filter(|x| *x > 0).min();
        weekdays
            .or_else(|| m.iter().copied().filter(|x| *x > 0).min())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ranges already written `HH:MM-HH:MM` take a shortcut; it agrees with the general
    /// reading of the same range written with `：` and `～`.
    #[test]
    fn canonical_ranges_read_as_any_other_spelling() {
        let hm = |h: u32, m: u32| [(h, m)];
        let times: Vec<(u32, u32)> = (0..=25)
            .flat_map(|h| [0, 30, 59, 60].into_iter().map(move |m| hm(h, m)[0]))
            .collect();
        for (h1, m1) in &times {
            for (h2, m2) in &times {
                let plain = format!("{h1:02}:{m1:02}-{h2:02}:{m2:02}");
                let written = format!("{h1:02}：{m1:02}～{h2:02}:{m2:02}");
                assert_eq!(
                    parse_hours_range(&plain),
                    parse_hours_range(&written),
                    "{plain}"
                );
                assert_eq!(
                    WeekHours::normalise_day(&plain),
                    WeekHours::normalise_day(&written),
                    "{plain}"
                );
            }
        }
    }

    #[test]
    fn hours() {
        assert_eq!(parse_hours_range("08:30-17:30"), Ok(540));
        assert_eq!(parse_hours_range("8:30～12：00"), Ok(210));
        assert_eq!(parse_hours_range("休"), Ok(0));
        assert_eq!(parse_hours_range("17:00-08:00"), Err("err-hours"));
        assert_eq!(parse_hours_range("25:00-26:00"), Err("err-hours"));
        let w = WeekHours::parse(
            "8:30-17:30,08:30-17:30,08:30-17:30,08:30-17:30,08:30-16:00,09:00-12:00,",
        )
        .unwrap_or_default();
        assert_eq!(w.days[0], "08:30-17:30");
        assert_eq!(w.days[6], "");
        assert_eq!(w.daily_minutes(), 450);
        let weekend = WeekHours::parse(",,,,,09:00-12:00,09:00-17:00").unwrap_or_default();
        assert_eq!(weekend.daily_minutes(), 180);
        // One range alone: the working days.
        assert_eq!(
            WeekHours::parse("08:00-17:00").map(|w| w.minutes()),
            Ok([540, 540, 540, 540, 540, 0, 0])
        );
        assert_eq!(
            WeekHours::parse("").map(|w| w.to_storage()),
            Ok(String::new())
        );
    }

    #[test]
    fn hours_as_people_write_them() {
        let w = WeekHours::parse("周一至周五 8:30-17:30").unwrap_or_default();
        assert_eq!(w.days[0], "08:30-17:30");
        assert_eq!(w.days[4], "08:30-17:30");
        assert_eq!(w.days[5], "");
        assert_eq!(w.daily_minutes(), 540);
        let lunch = WeekHours::parse("8:30-11:30,13:30-17:30").unwrap_or_default();
        assert_eq!(lunch.days[2], "08:30-11:30/13:30-17:30");
        assert_eq!(lunch.days[6], "");
        assert_eq!(lunch.daily_minutes(), 420, "a lunch break is not open time");
        let mixed = WeekHours::parse("工作日 8:30-11:30、13:30-18:00；周六 9:00-12:00；周日休")
            .unwrap_or_default();
        assert_eq!(mixed.minutes(), [450, 450, 450, 450, 450, 180, 0]);
        let some = WeekHours::parse("星期一、三、五 9:00-17:00").unwrap_or_default();
        assert_eq!(some.minutes(), [480, 0, 480, 0, 480, 0, 0]);
        assert_eq!(
            WeekHours::parse("每天 8:00-20:00").map(|w| w.minutes()),
            Ok([720; 7])
        );
        // The stored form reads back the same.
        assert_eq!(WeekHours::parse(&mixed.to_storage()), Ok(mixed.clone()));
        assert_eq!(WeekHours::parse("周八 9:00-17:00"), Err("err-hours-days"));
        // The seven-day list with `|` is still the seven-day list.
        assert_eq!(
            WeekHours::parse("08:00-17:00|08:00-17:00|08:00-17:00|08:00-17:00|08:00-17:00||")
                .map(|w| w.minutes()),
            Ok([540, 540, 540, 540, 540, 0, 0])
        );
        assert_eq!(
            parse_hours_range("08:00-12:00/11:00-17:00"),
            Err("err-hours-overlap")
        );
    }

    #[test]
    fn vocabularies() {
        assert!(FACILITY_KIND.contains("station"));
        assert!(!FACILITY_KIND.contains("palace"));
        assert_eq!(SERVICE_DOMAIN.keys.len(), 7);
        assert_eq!(FACILITY_KIND.label_key("center"), "facility-kind-center");
        assert_eq!(org_kind_for_credit_type('3'), Some("foundation"));
        assert_eq!(org_kind_for_credit_type('9'), None);
    }
}
