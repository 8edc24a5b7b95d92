//! Identifiers of organisations and people: the unified social credit code (统一社会信用代码,
//! GB 32100), the resident identity card number (公民身份号码, GB 11643) and phone numbers.
//!
//! All parsers accept surrounding spaces and full-width characters. Personal identifiers
//! ([`CitizenId`], [`Phone`]) print masked in `Debug` and have no `Display` or `Serialize`, so
//! they do not end up in logs or JSON by accident; use `as_str` deliberately.
//!
//! Message keys used here (an empty input gives the existing `err-required`):
//!
//! * `err-credit-length` {len}: a credit code has 18 characters.
//! * `err-credit-char` {char} {pos}: a character outside `0-9 A-H J-N P-R T U W-Y`.
//! * `err-credit-area` : positions 3–8 (the division code) are not 6 digits.
//! * `err-credit-check` {expected}: the check character is wrong.
//! * `err-credit-authority` {char}: not registered by civil affairs (first character `5`).
//! * `err-credit-type` {char}: civil-affairs type not 1, 2, 3 or 9.
//! * `err-id-length` {len}: an ID number has 18 characters.
//! * `err-id-char` {char} {pos}: digits only, except an `X` at the end.
//! * `err-id-area` : the first six digits are not a plausible division code.
//! * `err-id-birth` : the birth date (positions 7–14) is not a real date between 1900-01-01
//!   and today.
//! * `err-id-check` {expected}: the check character is wrong.
//! * `err-phone` : neither a mainland mobile number nor a landline with area code.

use crate::cell::{halfwidth, is_invisible, is_valid_date};
use crate::FieldError;
use serde::Serialize;

/// Full-width → ASCII, invisible characters removed, trimmed.
fn clean(raw: &str) -> String {
    let s: String = raw
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(halfwidth)
        .collect();
    s.trim().to_owned()
}

// ---------------------------------------------------------------------------------------
// Unified social credit code
// ---------------------------------------------------------------------------------------

/// The 31 characters of a credit code; a character's value is its index (no I, O, S, V, Z).
pub const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// 3^i mod 31 for positions 1..=17.
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn credit_value(c: char) -> Option<u32> {
    if !c.is_ascii() {
        return None;
    }
    CREDIT_ALPHABET.find(c).map(|i| i as u32)
}

/// The check character (position 18) for the first 17 characters of a credit code, or `None`
/// unless `first17` is exactly 17 characters of [`CREDIT_ALPHABET`] (upper case).
pub fn credit_check_char(first17: &str) -> Option<char> {
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(CREDIT_WEIGHTS) {
        sum += credit_value(c)? * w;
    }
    CREDIT_ALPHABET.chars().nth(((31 - sum % 31) % 31) as usize)
}

/// A unified social credit code (统一社会信用代码), 18 characters:
/// registration authority, organisation type, 6-digit division code, 9-character
/// organisation code and a check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

impl CreditCode {
    const FIELD: &'static str = "credit_code";

    /// Parses any credit code (trimmed, upper-cased, full-width accepted).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        const F: &str = CreditCode::FIELD;
        let s = clean(raw).to_ascii_uppercase();
        if s.is_empty() {
            return Err(FieldError::new(F, "err-required"));
        }
        let len = s.chars().count();
        if len != 18 {
            return Err(FieldError::new(F, "err-credit-length").arg("len", len));
        }
        if let Some((i, c)) = s
            .chars()
            .enumerate()
            .find(|(_, c)| credit_value(*c).is_none())
        {
            return Err(FieldError::new(F, "err-credit-char")
                .arg("char", c)
                .arg("pos", i + 1));
        }
        // All ASCII from here on, so byte slices are character slices.
        if !s[2..8].bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(F, "err-credit-area"));
        }
        let expected =
            credit_check_char(&s[..17]).ok_or_else(|| FieldError::new(F, "err-credit-char"))?;
        if !s.ends_with(expected) {
            return Err(FieldError::new(F, "err-credit-check").arg("expected", expected));
        }
        Ok(CreditCode(s))
    }

    /// Parses a code issued by civil affairs (民政): authority `5`, type 1 社会团体,
    /// 2 民办非企业单位 (社会服务机构), 3 基金会 or 9 其他.
    pub fn parse_civil_affairs(raw: &str) -> Result<Self, FieldError> {
        let code = Self::parse(raw)?;
        if code.authority() != '5' {
            return Err(
                FieldError::new(Self::FIELD, "err-credit-authority").arg("char", code.authority())
            );
        }
        if !matches!(code.org_type(), '1' | '2' | '3' | '9') {
            return Err(
                FieldError::new(Self::FIELD, "err-credit-type").arg("char", code.org_type())
            );
        }
        Ok(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Registration authority (登记管理部门), position 1: `5` is civil affairs, `9` market
    /// regulation, `1` institutional establishment …
    pub fn authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// Organisation type (机构类别), position 2; meaning depends on the authority.
    pub fn org_type(&self) -> char {
        char::from(self.0.as_bytes()[1])
    }

    /// Division code of the registering authority, positions 3–8.
    pub fn area_code(&self) -> &str {
        &self.0[2..8]
    }

    /// Organisation code (组织机构代码), positions 9–17.
    pub fn org_code(&self) -> &str {
        &self.0[8..17]
    }

    /// For codes issued by civil affairs: `social_group` (社会团体), `private_non_enterprise`
    /// (民办非企业单位 / 社会服务机构), `foundation` (基金会) or `other`.
    pub fn civil_affairs_kind(&self) -> Option<&'static str> {
        if self.authority() != '5' {
            return None;
        }
        match self.org_type() {
            '1' => Some("social_group"),
            '2' => Some("private_non_enterprise"),
            '3' => Some("foundation"),
            '9' => Some("other"),
            _ => None,
        }
    }
}

impl std::fmt::Display for CreditCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------
// Citizen identity number
// ---------------------------------------------------------------------------------------

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character (position 18) for the first 17 digits of an ID number, or `None`
/// unless `first17` is exactly 17 ASCII digits.
pub fn id_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    ID_CHECK.get((sum % 11) as usize).copied()
}

/// Province-level codes (GB/T 2260), with 83 as an alternative code for Taiwan.
fn is_province_code(p: u32) -> bool {
    matches!(
        p,
        11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82 | 83 | 91
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
}

/// An 18-character resident identity number (公民身份号码). 15-digit first-generation
/// numbers are not accepted.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CitizenId {
    value: String,
    birth: (i32, u32, u32),
}

impl CitizenId {
    const FIELD: &'static str = "id_number";

    /// Parses and checks an ID number. `today` bounds the birth date (the domain has no
    /// clock); the earliest accepted birth date is 1900-01-01.
    pub fn parse(raw: &str, today: (i32, u32, u32)) -> Result<Self, FieldError> {
        const F: &str = CitizenId::FIELD;
        let s = clean(raw).replace('x', "X");
        if s.is_empty() {
            return Err(FieldError::new(F, "err-required"));
        }
        if crate::cell::looks_scientific(&s) {
            return Err(FieldError::new(F, "err-id-excel-number").arg("value", s));
        }
        let len = s.chars().count();
        if len != 18 {
            return Err(FieldError::new(F, "err-id-length").arg("len", len));
        }
        if let Some((i, c)) = s
            .chars()
            .enumerate()
            .find(|&(i, c)| !(c.is_ascii_digit() || i == 17 && c == 'X'))
        {
            return Err(FieldError::new(F, "err-id-char")
                .arg("char", c)
                .arg("pos", i + 1));
        }
        // All ASCII from here on.
        let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
        if !is_province_code(num(0..2)) || &s[0..6] == "000000" {
            return Err(FieldError::new(F, "err-id-area"));
        }
        let birth = (num(6..10) as i32, num(10..12), num(12..14));
        if !is_valid_date(birth.0, birth.1, birth.2) || birth < (1900, 1, 1) || birth > today {
            return Err(FieldError::new(F, "err-id-birth"));
        }
        let expected = id_check_char(&s[..17]).ok_or_else(|| FieldError::new(F, "err-id-char"))?;
        if !s.ends_with(expected) {
            return Err(FieldError::new(F, "err-id-check").arg("expected", expected));
        }
        Ok(CitizenId { value: s, birth })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// Birth date from positions 7–14.
    pub fn birth_date(&self) -> (i32, u32, u32) {
        self.birth
    }

    /// From the 17th digit: odd is male, even is female.
    pub fn gender(&self) -> Gender {
        if self.value.as_bytes()[16] % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// First 6 and last 4 characters kept: `110105********002X`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.value[..6], &self.value[14..])
    }
}

impl std::fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CitizenId({})", self.masked())
    }
}

// ---------------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------------

/// Full-width → ASCII, spaces, hyphens and parentheses removed, a `+86` / `0086` / `86`
/// country prefix dropped in front of a mobile number.
fn normalize_phone(raw: &str) -> String {
    let s: String = clean(raw)
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '(' | ')')))
        .collect();
    for prefix in ["+86", "0086", "86"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            if is_mobile(rest) {
                return rest.to_owned();
            }
        }
    }
    s
}

/// 11 digits starting with 13–19.
fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
}

/// `0` + 2–3 digit area code + 7–8 digit number (10–12 digits, no `00` prefix).
fn is_landline(s: &str) -> bool {
    let b = s.as_bytes();
    (10..=12).contains(&b.len()) && b.iter().all(u8::is_ascii_digit) && b[0] == b'0' && b[1] != b'0'
}

/// Masks a phone number for display: mainland mobiles keep the first 3 and last 4 digits
/// (`138****1234`); anything else keeps its last 4 characters (everything is masked when there
/// are 4 or fewer). The number is normalised as by [`Phone::parse`] first.
pub fn mask_phone(s: &str) -> String {
    let n = normalize_phone(s);
    if is_mobile(&n) {
        return format!("{}****{}", &n[..3], &n[7..]);
    }
    let chars: Vec<char> = n.chars().collect();
    let keep = if chars.len() > 4 { 4 } else { 0 };
    let masked = chars.len() - keep;
    std::iter::repeat_n('*', masked)
        .chain(chars[masked..].iter().copied())
        .collect()
}

/// A mainland mobile number or a landline with area code, stored as digits only
/// (`13800138000`, `051268881234`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = normalize_phone(raw);
        if s.is_empty() {
            return Err(FieldError::new("phone", "err-required"));
        }
        if is_mobile(&s) || is_landline(&s) {
            Ok(Phone(s))
        } else {
            Err(FieldError::new("phone", "err-phone"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_mobile(&self) -> bool {
        is_mobile(&self.0)
    }

    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
