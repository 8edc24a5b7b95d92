//! Normalising messy spreadsheet cells (imports of organisation, resident and activity lists).
//!
//! Every parser takes the raw cell text and returns `Ok(None)` for an empty cell (after
//! normalisation), `Ok(Some(value))` for a value it understands and `Err(key)` otherwise. The
//! caller adds the row and column to the message.
//!
//! Message keys used here:
//!
//! * `err-cell-bool`: not a yes/no value.
//! * `err-cell-date`: not a date, or a date that does not exist.
//! * `err-cell-int`: not a whole number.
//! * `err-cell-number`: not a number with at most two decimals.
//!
//! Dates are plain `(year, month, day)` tuples; the domain has no clock and no date library.

/// Maps a full-width ASCII variant (U+FF01..=U+FF5E) to its ASCII character and the
/// ideographic space (U+3000) to a space; every other character is returned unchanged.
pub fn halfwidth(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Invisible characters that sneak into pasted text: zero-width space / joiners, word joiner,
/// soft hyphen and the byte-order mark (zero-width no-break space).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Full-width ASCII → ASCII, ideographic space → space, invisible characters removed, trimmed,
/// and every internal run of whitespace collapsed to one space.
pub fn normalize_text(s: &str) -> String {
    let mapped: String = s
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(halfwidth)
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Yes/no cells: 是/否, 有/无, Y/N, yes/no, true/false, 1/0, √/×, 对/错 (and ✓ ✔ / ✗ ✘),
/// case-insensitive.
pub fn parse_bool(s: &str) -> Result<Option<bool>, &'static str> {
    let t = normalize_text(s).to_lowercase();
    if t.is_empty() {
        return Ok(None);
    }
    match t.as_str() {
        "是" | "有" | "y" | "yes" | "true" | "1" | "√" | "✓" | "✔" | "对" => {
            Ok(Some(true))
        }
        "否" | "无" | "n" | "no" | "false" | "0" | "×" | "✗" | "✘" | "错" => {
            Ok(Some(false))
        }
        _ => Err("err-cell-bool"),
    }
}

/// Whether `(y, m, d)` is a real day of the proleptic Gregorian calendar.
pub fn is_valid_date(y: i32, m: u32, d: u32) -> bool {
    (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

fn is_leap_year(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
/// The date is not validated.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = i64::from(y) - i64::from(m <= 2);
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400; // [0, 399]
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`] (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    ((y + i64::from(m <= 2)) as i32, m as u32, d as u32)
}

/// `YYYY-MM-DD`.
pub fn date_to_string((y, m, d): (i32, u32, u32)) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// Largest Excel serial date (9999-12-31).
const EXCEL_MAX_SERIAL: u32 = 2_958_465;

/// Converts an Excel serial day number (1900 date system) to a date.
///
/// Serial 1 is 1900-01-01. Excel treats 1900 as a leap year, so serial 60 is the non-existent
/// 1900-02-29 (rejected) and every serial after it is one day ahead of the real count.
fn excel_serial_to_date(serial: u32) -> Option<(i32, u32, u32)> {
    let base = match serial {
        1..=59 => days_from_civil(1899, 12, 31),
        61..=EXCEL_MAX_SERIAL => days_from_civil(1899, 12, 30),
        _ => return None,
    };
    Some(civil_from_days(base + i64::from(serial)))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Accepts a time of day such as `00:00`, `8:30:00` or `08:30:00.000`; its value is ignored.
fn looks_like_time(s: &str) -> bool {
    s.contains(':')
        && s.split(':').all(|p| {
            let whole = p.split_once('.').map_or(p, |(a, _)| a);
            all_digits(whole) && whole.len() <= 2
        })
        && s.split(':').count() <= 3
}

fn checked_date(y: i32, m: u32, d: u32) -> Result<(i32, u32, u32), &'static str> {
    if y >= 1000 && is_valid_date(y, m, d) {
        Ok((y, m, d))
    } else {
        Err("err-cell-date")
    }
}

/// Dates as people and Excel write them.
///
/// * `2018-09-10`, `2018-9-10`, `2018/9/10`, `2018.9.10` (one kind of separator, four-digit
///   year), `2018年9月10日` (also with 号 and spaces),
/// * `20180910`,
/// * Excel serial numbers `43353` / `43353.0` (a fraction is a time of day and is ignored),
///   1..=2958465 with the 1900 leap-year bug (serial 60, the fake 1900-02-29, is rejected).
///   A bare four-digit number from 1900 to 2100 is rejected rather than read as a serial in
///   1905: it is far more likely a year (or `2018.9`, a year and month) than a 1905 date.
/// * An optional time part after a space or `T` (`2018-09-10 00:00:00`), ignored.
pub fn parse_date(s: &str) -> Result<Option<(i32, u32, u32)>, &'static str> {
    const E: &str = "err-cell-date";
    let t = normalize_text(s);
    if t.is_empty() {
        return Ok(None);
    }
    let t = if t.contains(['年', '月']) {
        chinese_date_to_dashes(&t)
    } else {
        t
    };
    let (date, time) = match t.split_once(' ') {
        Some((d, rest)) => (d, Some(rest)),
        None => match t.split_once('T') {
            Some((d, rest)) => (d, Some(rest)),
            None => (t.as_str(), None),
        },
    };
    if let Some(time) = time {
        if !looks_like_time(time) {
            return Err(E);
        }
    }

    // Plain number: yyyymmdd or an Excel serial.
    let (whole, frac) = date.split_once('.').unwrap_or((date, ""));
    if all_digits(whole) && (frac.is_empty() || all_digits(frac)) && !date.ends_with('.') {
        if whole.len() == 8 {
            if frac.bytes().any(|b| b != b'0') {
                return Err(E);
            }
            let y: i32 = whole[0..4].parse().map_err(|_| E)?;
            let m: u32 = whole[4..6].parse().map_err(|_| E)?;
            let d: u32 = whole[6..8].parse().map_err(|_| E)?;
            return checked_date(y, m, d).map(Some);
        }
        if whole.len() > 7 {
            return Err(E);
        }
        let serial: u32 = whole.parse().map_err(|_| E)?;
        if whole.len() == 4 && (1900..=2100).contains(&serial) {
            return Err(E);
        }
        return excel_serial_to_date(serial).map(Some).ok_or(E);
    }

    // y-m-d with one kind of separator.
    let sep = date.chars().find(|c| !c.is_ascii_digit()).ok_or(E)?;
    if !matches!(sep, '-' | '/' | '.') {
        return Err(E);
    }
    let parts: Vec<&str> = date.split(sep).collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(E);
    };
    if !(all_digits(y) && all_digits(m) && all_digits(d))
        || y.len() != 4
        || m.len() > 2
        || d.len() > 2
    {
        return Err(E);
    }
    let y: i32 = y.parse().map_err(|_| E)?;
    let m: u32 = m.parse().map_err(|_| E)?;
    let d: u32 = d.parse().map_err(|_| E)?;
    checked_date(y, m, d).map(Some)
}

/// `2018 年 9 月 10 日 8:00` → `2018-9-10 8:00`: spaces around 年/月/日/号 dropped, 年 and 月
/// become dashes and 日/号 ends the date.
fn chinese_date_to_dashes(t: &str) -> String {
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
            let next = chars.get(i + 1).copied();
            if matches!(prev, Some('年' | '月')) || matches!(next, Some('年' | '月' | '日' | '号'))
            {
                continue;
            }
        }
        match c {
            '年' | '月' => out.push('-'),
            '日' | '号' => out.push(' '),
            _ => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits an optional leading sign (`+`, `-`, `−`).
fn split_sign(t: &str) -> (bool, &str) {
    if let Some(r) = t.strip_prefix('-').or_else(|| t.strip_prefix('−')) {
        (true, r)
    } else if let Some(r) = t.strip_prefix('+') {
        (false, r)
    } else {
        (false, t)
    }
}

/// Removes thousands separators, which must group by three (`1,234,567`); `None` when the
/// text is not digits grouped that way.
fn ungroup(int_part: &str) -> Option<String> {
    if !int_part.contains(',') {
        return all_digits(int_part).then(|| int_part.to_owned());
    }
    let mut groups = int_part.split(',');
    let first = groups.next()?;
    if !all_digits(first) || first.len() > 3 {
        return None;
    }
    let mut out = first.to_owned();
    for g in groups {
        if g.len() != 3 || !all_digits(g) {
            return None;
        }
        out.push_str(g);
    }
    Some(out)
}

/// Whole numbers: full-width digits, thousands separators (`,` `，`) and an Excel float's
/// trailing `.0` are accepted, as is a leading sign; fractions and anything else are
/// `err-cell-int`. Range checks are the caller's.
pub fn parse_int(s: &str) -> Result<Option<i64>, &'static str> {
    const E: &str = "err-cell-int";
    let t = normalize_text(s);
    if t.is_empty() {
        return Ok(None);
    }
    let (neg, body) = split_sign(&t);
    let (whole, frac) = body.split_once('.').unwrap_or((body, "0"));
    if !all_digits(frac) || frac.bytes().any(|b| b != b'0') {
        return Err(E);
    }
    let digits = ungroup(whole).ok_or(E)?;
    let v: i64 = digits.parse().map_err(|_| E)?;
    Ok(Some(if neg { -v } else { v }))
}

/// Units stripped from the end of a number cell (checked in this order, lower-cased).
const UNITS: [&str; 6] = ["平方米", "平米", "㎡", "m²", "m2", "元"];

/// Numbers with at most two decimals, returned × 100 (square metres → centi-square-metres,
/// yuan → fen). Thousands separators, a leading `¥`/`￥` and one trailing unit (`㎡`, `m²`,
/// `m2`, `平方米`, `平米`, `元`) are accepted; extra decimals are accepted only when they are
/// zeros (`12.340`). A leading sign is accepted; range checks are the caller's.
/// `1,234.5` → 123450, `600㎡` → 60000, `12.345` → `err-cell-number`.
pub fn parse_decimal_centi(s: &str) -> Result<Option<i64>, &'static str> {
    const E: &str = "err-cell-number";
    let t = normalize_text(s).to_lowercase();
    if t.is_empty() {
        return Ok(None);
    }
    let mut t = t.as_str();
    if let Some(r) = t.strip_prefix('¥').or_else(|| t.strip_prefix('￥')) {
        t = r.trim_start();
    }
    for unit in UNITS {
        if let Some(r) = t.strip_suffix(unit) {
            t = r.trim_end();
            break;
        }
    }
    let (neg, body) = split_sign(t);
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if body.contains('.') && !all_digits(frac) {
        return Err(E);
    }
    if frac.len() > 2 && frac.bytes().skip(2).any(|b| b != b'0') {
        return Err(E);
    }
    let whole: i64 = ungroup(whole).ok_or(E)?.parse().map_err(|_| E)?;
    let mut cents = 0i64;
    for (i, b) in frac.bytes().take(2).enumerate() {
        cents += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
    }
    let v = whole
        .checked_mul(100)
        .and_then(|v| v.checked_add(cents))
        .ok_or(E)?;
    Ok(Some(if neg { -v } else { v }))
}

/// `3.20412198001011E+17`: a number Excel has already rounded; the digits are lost.
fn looks_scientific(t: &str) -> bool {
    let Some((mantissa, exp)) = t.split_once(['e', 'E']) else {
        return false;
    };
    let (a, b) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    all_digits(a) && all_digits(b) && all_digits(exp)
}

/// Repairs ID numbers (and credit codes) that went through Excel: full-width → ASCII, spaces
/// and invisible characters removed, a leading apostrophe (Excel's "text" marker) and a
/// trailing `.0` stripped, letters upper-cased. Scientific notation cannot be recovered and
/// is returned as given (trimmed) so that validation reports it.
pub fn fix_excel_id(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(halfwidth)
        .filter(|c| !c.is_whitespace())
        .collect();
    if looks_scientific(&t) {
        return s.trim().to_owned();
    }
    let mut t = t.trim_start_matches(['\'', '‘', '’', '`']);
    if let Some((a, b)) = t.rsplit_once('.') {
        if all_digits(a) && all_digits(b) && b.bytes().all(|c| c == b'0') {
            t = a;
        }
    }
    t.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halfwidth_and_normalize_text() {
        assert_eq!(halfwidth('Ａ'), 'A');
        assert_eq!(halfwidth('！'), '!');
        assert_eq!(halfwidth('～'), '~');
        assert_eq!(halfwidth('\u{3000}'), ' ');
        assert_eq!(halfwidth('中'), '中');
        assert_eq!(
            normalize_text("\u{FEFF}  ＡＢＣ\u{3000}\u{3000}有限\u{200B}公司 \t\n x "),
            "ABC 有限公司 x"
        );
        assert_eq!(normalize_text(" \u{3000}\u{200D} "), "");
        assert_eq!(normalize_text("１２３，４５６"), "123,456");
    }

    #[test]
    fn bools() {
        for t in [
            "是",
            "有",
            "Y",
            "y",
            "Yes",
            "YES",
            "true",
            "TRUE",
            "1",
            "√",
            "对",
            "✓",
            " ｙｅｓ ",
        ] {
            assert_eq!(parse_bool(t), Ok(Some(true)), "{t}");
        }
        for f in [
            "否", "无", "N", "n", "no", "No", "false", "False", "0", "×", "错", "✗", "０",
        ] {
            assert_eq!(parse_bool(f), Ok(Some(false)), "{f}");
        }
        for e in ["", "  ", "\u{3000}", "\u{FEFF}"] {
            assert_eq!(parse_bool(e), Ok(None), "{e:?}");
        }
        for bad in ["x", "2", "maybe", "是否", "yes no", "-"] {
            assert_eq!(parse_bool(bad), Err("err-cell-bool"), "{bad}");
        }
    }

    #[test]
    fn calendar() {
        assert!(is_valid_date(2000, 2, 29));
        assert!(is_valid_date(2024, 2, 29));
        assert!(!is_valid_date(1900, 2, 29));
        assert!(!is_valid_date(2001, 2, 29));
        assert!(!is_valid_date(2100, 2, 29));
        assert!(!is_valid_date(2018, 4, 31));
        assert!(!is_valid_date(2018, 13, 1));
        assert!(!is_valid_date(2018, 0, 1));
        assert!(!is_valid_date(2018, 1, 0));
        assert!(is_valid_date(2018, 12, 31));

        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert!(is_valid_date(y, m, d), "{z}");
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(date_to_string((2018, 9, 10)), "2018-09-10");
        assert_eq!(date_to_string((1900, 1, 1)), "1900-01-01");
    }

    fn date(s: &str) -> (i32, u32, u32) {
        match parse_date(s) {
            Ok(Some(d)) => d,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn dates_in_every_written_form() {
        for s in [
            "2018-09-10",
            "2018-9-10",
            "2018/9/10",
            "2018/09/10",
            "2018.9.10",
            "2018年9月10日",
            "2018年09月10日",
            "2018年9月10号",
            "2018 年 9 月 10 日",
            "2018年9月10",
            "２０１８－０９－１０",
            "２０１８年９月１０日",
            "20180910",
            "20180910.0",
            "2018-09-10 00:00:00",
            "2018-09-10 8:30",
            "2018-09-10T00:00:00",
            "2018/9/10 0:00:00.000",
            "2018年9月10日 08:00",
            "2018年9月10日08:00",
            " 2018-09-10\u{FEFF} ",
        ] {
            assert_eq!(date(s), (2018, 9, 10), "{s}");
        }
        assert_eq!(date("2000-02-29"), (2000, 2, 29));
        assert_eq!(parse_date(""), Ok(None));
        assert_eq!(parse_date(" \u{3000} "), Ok(None));
    }

    #[test]
    fn excel_serial_dates() {
        assert_eq!(date("43353"), (2018, 9, 10));
        assert_eq!(date("43353.0"), (2018, 9, 10));
        assert_eq!(date("43353.75"), (2018, 9, 10)); // 18:00
        assert_eq!(date("1"), (1900, 1, 1));
        assert_eq!(date("59"), (1900, 2, 28));
        assert_eq!(parse_date("60"), Err("err-cell-date")); // Excel's fake 1900-02-29
        assert_eq!(date("61"), (1900, 3, 1));
        assert_eq!(date("36526"), (2000, 1, 1));
        assert_eq!(date("45292"), (2024, 1, 1));
        assert_eq!(date("2958465"), (9999, 12, 31));
        assert_eq!(date("1899"), (1905, 3, 13));
        for bad in ["0", "2958466", "9999999", "2018", "1900", "2100", "2018.9"] {
            assert_eq!(parse_date(bad), Err("err-cell-date"), "{bad}");
        }
    }

    #[test]
    fn invalid_dates() {
        for bad in [
            "1900-02-29",
            "2001-02-29",
            "2018-02-30",
            "2018-04-31",
            "2018-13-01",
            "2018-00-10",
            "2018-09-00",
            "20181301",
            "20010229",
            "20180910.5",
            "2018-9/10",
            "2018-09",
            "2018-09-10-01",
            "18-9-10",
            "0018-09-10",
            "2018-009-10",
            "2018--10",
            "10/9/2018",
            "2018年9月",
            "2018.",
            ".5",
            "2018-09-10 noon",
            "2018-09-10 12:00 extra",
            "2018-09-10 123:00",
            "next tuesday",
            "2018_09_10",
            "43353.x",
            "-43353",
        ] {
            assert_eq!(parse_date(bad), Err("err-cell-date"), "{bad}");
        }
    }

    #[test]
    fn ints() {
        for (s, v) in [
            ("0", 0),
            ("42", 42),
            ("４２", 42),
            ("1,234", 1234),
            ("1，234，567", 1_234_567),
            ("12.0", 12),
            ("12.00", 12),
            ("1,234.0", 1234),
            (" 7 ", 7),
            ("-5", -5),
            ("+5", 5),
            ("－5", -5),
            ("9223372036854775807", i64::MAX),
        ] {
            assert_eq!(parse_int(s), Ok(Some(v)), "{s}");
        }
        assert_eq!(parse_int(""), Ok(None));
        assert_eq!(parse_int("\u{3000}"), Ok(None));
        for bad in [
            "1.5",
            "12.",
            "12.01",
            ".0",
            "abc",
            "12a",
            "1,23",
            "12,34",
            "1234,567",
            ",123",
            "123,",
            "1,,234",
            "1 234",
            "--5",
            "-",
            "9223372036854775808",
            "1e3",
            "十二",
        ] {
            assert_eq!(parse_int(bad), Err("err-cell-int"), "{bad}");
        }
    }

    #[test]
    fn decimals_in_hundredths() {
        for (s, v) in [
            ("1,234.5", 123_450),
            ("600㎡", 60_000),
            ("600 ㎡", 60_000),
            ("600m²", 60_000),
            ("600M²", 60_000),
            ("600m2", 60_000),
            ("600平方米", 60_000),
            ("600平米", 60_000),
            ("12.34元", 1234),
            ("¥12.34", 1234),
            ("￥1,000元", 100_000),
            ("0.5", 50),
            ("0.05", 5),
            ("12", 1200),
            ("12.0", 1200),
            ("12.340", 1234),
            ("１２.３", 1230),
            ("-3.5", -350),
            ("0", 0),
        ] {
            assert_eq!(parse_decimal_centi(s), Ok(Some(v)), "{s}");
        }
        assert_eq!(parse_decimal_centi(""), Ok(None));
        assert_eq!(parse_decimal_centi("  "), Ok(None));
        for bad in [
            "12.345",
            "12.341",
            "12.",
            ".5",
            "㎡",
            "元",
            "1.5万元",
            "12..3",
            "1.2.3",
            "12,34",
            "abc",
            "12 ㎡ ㎡",
            "12㎡元",
            "92233720368547758.08",
            "1e3",
        ] {
            assert_eq!(parse_decimal_centi(bad), Err("err-cell-number"), "{bad}");
        }
    }

    #[test]
    fn excel_ids() {
        assert_eq!(fix_excel_id("320412198001011234"), "320412198001011234");
        assert_eq!(fix_excel_id("'320412198001011234"), "320412198001011234");
        assert_eq!(fix_excel_id("＇32041219800101123x"), "32041219800101123X");
        assert_eq!(fix_excel_id(" 320412 19800101 1234 "), "320412198001011234");
        assert_eq!(fix_excel_id("320412198001011234.0"), "320412198001011234");
        assert_eq!(
            fix_excel_id("３２０４１２１９８００１０１１２３ｘ"),
            "32041219800101123X"
        );
        assert_eq!(
            fix_excel_id("\u{FEFF}91350100m000100y43"),
            "91350100M000100Y43"
        );
        assert_eq!(fix_excel_id("3.20412198001011E+17"), "3.20412198001011E+17");
        assert_eq!(
            fix_excel_id(" 3.20412198001011e+17 "),
            "3.20412198001011e+17"
        );
        assert_eq!(fix_excel_id("3E17"), "3E17");
        assert_eq!(fix_excel_id(""), "");
        // Only an all-digit number loses its `.0`.
        assert_eq!(fix_excel_id("12X.0"), "12X.0");
    }
}
