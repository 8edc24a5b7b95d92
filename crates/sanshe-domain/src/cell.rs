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
    if is_normal_text(s) {
        return s.to_owned();
    }
    normalize_mapped(s)
}

fn normalize_mapped(s: &str) -> String {
    let mapped: String = s
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(halfwidth)
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `s` is already what [`normalize_text`] makes of it (most cells are): no
/// invisible or full-width character, no whitespace but single spaces between words.
fn is_normal_text(s: &str) -> bool {
    let mut prev_space = true;
    for c in s.chars() {
        if c == ' ' {
            if prev_space {
                return false;
            }
            prev_space = true;
        } else if c.is_whitespace() || is_invisible(c) || halfwidth(c) != c {
            return false;
        } else {
            prev_space = false;
        }
    }
    !prev_space || s.is_empty()
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
/// `3.20412E+17`, `3.2041219850601E17`: a long number Excel stored as a number (its last
/// digits are lost).
pub fn looks_scientific(t: &str) -> bool {
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
mod tests;
