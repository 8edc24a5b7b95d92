//! Administrative division codes (行政区划代码).
//!
//! * 6 digits: county-level district (GB/T 2260).
//! * 9 digits: street / town / township (GB/T 10114): suffix 001–099 street (街道),
//!   100–199 town (镇), 200–399 township (乡), 400–599 other township-level units
//!   (开发区, 农场 …, as the NBS publishes them).
//! * 12 digits: committee (NBS statistical code): suffix 001–199 residents' committee (居委会,
//!   urban), 200–399 villagers' committee (村委会, rural), 400–499 units like residents'
//!   committees (urban), 500–599 units like villagers' committees (rural).
//!
//! Codes nest by prefix, so "is inside" is a prefix test.

use crate::FieldError;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    District,
    Street,
    Community,
}

impl AreaLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AreaLevel::District => "district",
            AreaLevel::Street => "street",
            AreaLevel::Community => "community",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "district" => Some(AreaLevel::District),
            "street" => Some(AreaLevel::Street),
            "community" => Some(AreaLevel::Community),
            _ => None,
        }
    }

    pub fn code_len(self) -> usize {
        match self {
            AreaLevel::District => 6,
            AreaLevel::Street => 9,
            AreaLevel::Community => 12,
        }
    }
}

/// What kind of township-level unit a 9-digit code denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TownshipKind {
    Street,
    Town,
    Township,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaCode(String);

impl AreaCode {
    /// Parses a code, accepting surrounding spaces and full-width digits.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s: String = raw
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                _ => c,
            })
            .collect();
        if s.is_empty() {
            return Err(FieldError::new("code", "err-required"));
        }
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::new("code", "err-area-code-digits"));
        }
        let level = match s.len() {
            6 => AreaLevel::District,
            9 => AreaLevel::Street,
            12 => AreaLevel::Community,
            n => return Err(FieldError::new("code", "err-area-code-length").arg("len", n)),
        };
        // Province 11..=82 (GB/T 2260); a city or county part, not a bare province.
        let province: u32 = s[0..2].parse().unwrap_or(0);
        if !(11..=82).contains(&province) || &s[2..4] == "00" && &s[4..6] == "00" {
            return Err(FieldError::new("code", "err-area-code-county"));
        }
        // A county part of 00 is valid only below a prefecture-level city that has no
        // counties (东莞 441900, 中山 442000, 儋州 460400, 嘉峪关 620200): the NBS lists the city
        // itself at county level. A bare province (xx0000) is never an area here.
        if level >= AreaLevel::Street {
            let t: u32 = s[6..9].parse().unwrap_or(0);
            if t == 0 || t >= 600 {
                return Err(FieldError::new("code", "err-area-code-township"));
            }
        }
        if level == AreaLevel::Community {
            let c: u32 = s[9..12].parse().unwrap_or(0);
            if c == 0 || c >= 600 {
                return Err(FieldError::new("code", "err-area-code-committee"));
            }
        }
        Ok(AreaCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> AreaLevel {
        match self.0.len() {
            6 => AreaLevel::District,
            9 => AreaLevel::Street,
            _ => AreaLevel::Community,
        }
    }

    /// The enclosing area's code (None for a district).
    pub fn parent(&self) -> Option<AreaCode> {
        match self.level() {
            AreaLevel::District => None,
            AreaLevel::Street => Some(AreaCode(self.0[..6].to_owned())),
            AreaLevel::Community => Some(AreaCode(self.0[..9].to_owned())),
        }
    }

    /// True when `other` is this area or lies inside it.
    pub fn contains(&self, other: &str) -> bool {
        other.starts_with(&self.0)
    }

    pub fn township_kind(&self) -> Option<TownshipKind> {
        if self.level() == AreaLevel::District {
            return None;
        }
        let t: u32 = self.0[6..9].parse().unwrap_or(0);
        Some(match t {
            1..=99 => TownshipKind::Street,
            100..=199 => TownshipKind::Town,
            200..=399 => TownshipKind::Township,
            _ => TownshipKind::Other,
        })
    }

    /// Default urban/rural classification derived from the code.
    ///
    /// Committees: 001–199 and 400–499 urban; 200–399 and 500–599 rural.
    /// Streets/towns: streets (001–099) urban, everything else rural.
    /// Districts: urban (a county-level district); overridable like every other default.
    pub fn default_urban(&self) -> bool {
        match self.level() {
            AreaLevel::District => true,
            AreaLevel::Street => self.township_kind() == Some(TownshipKind::Street),
            AreaLevel::Community => {
                let c: u32 = self.0[9..12].parse().unwrap_or(0);
                matches!(c, 1..=199 | 400..=499)
            }
        }
    }
}

impl std::fmt::Display for AreaCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> AreaCode {
        match AreaCode::parse(s) {
            Ok(c) => c,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn levels_and_parents() {
        assert_eq!(code("320412").level(), AreaLevel::District);
        assert_eq!(code("320412100").level(), AreaLevel::Street);
        let c = code("320412100001");
        assert_eq!(c.level(), AreaLevel::Community);
        assert_eq!(c.parent().map(|p| p.0), Some("320412100".to_owned()));
        assert_eq!(
            code("320412100").parent().map(|p| p.0),
            Some("320412".to_owned())
        );
        assert!(code("320412").parent().is_none());
        assert!(code("320412").contains("320412100001"));
        assert!(!code("320411").contains("320412100001"));
    }

    #[test]
    fn urban_rural_defaults_follow_the_code() {
        assert!(code("320412001").default_urban()); // 街道
        assert!(!code("320412100").default_urban()); // 镇
        assert!(!code("320412400").default_urban()); // 开发区 (other)
        assert!(code("320412100001").default_urban()); // 居委会
        assert!(!code("320412100201").default_urban()); // 村委会
        assert!(code("320412100401").default_urban());
        assert!(!code("320412100501").default_urban());
    }

    #[test]
    fn rejects_malformed_codes() {
        for (raw, err) in [
            ("", "err-required"),
            ("32041A", "err-area-code-digits"),
            ("3204120", "err-area-code-length"),
            ("990412", "err-area-code-county"),
            ("320000", "err-area-code-county"),
            ("320412000", "err-area-code-township"),
            ("320412700", "err-area-code-township"),
            ("320412100000", "err-area-code-committee"),
            ("320412100999", "err-area-code-committee"),
        ] {
            match AreaCode::parse(raw) {
                Ok(c) => panic!("{raw} accepted as {c}"),
                Err(e) => assert_eq!(e.code, err, "{raw}"),
            }
        }
    }

    #[test]
    fn normalises_full_width_digits_and_spaces() {
        assert_eq!(code(" ３２０４１２ ").as_str(), "320412");
    }
}
