//! Untrusted text: the one check every stored text field passes (a length limit and no
//! control characters), and bounding of text that must be kept whatever it holds (what an
//! anonymous visitor typed as a user name, for the audit log).

use crate::FieldError;

/// Control characters other than line breaks and tabs (NUL among them: PostgreSQL refuses
/// it in text, and nobody types it).
pub fn has_control(v: &str) -> bool {
    v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// `v` if it has at most `max` characters and no control characters; otherwise the field's
/// error (`err-too-long` with `max`, or `err-control-chars`).
pub fn check(field: &str, v: &str, max: usize) -> Result<String, FieldError> {
    if v.chars().count() > max {
        return Err(FieldError::new(field, "err-too-long").arg("max", max));
    }
    if has_control(v) {
        return Err(FieldError::new(field, "err-control-chars"));
    }
    Ok(v.to_owned())
}

/// At most `max` characters of `v` (an ellipsis marks a cut), every control character
/// replaced by U+FFFD: safe to store and to show, whatever was sent.
pub fn bounded(v: &str, max: usize) -> String {
    let mut out: String = v
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if v.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_cleans() {
        assert_eq!(bounded("abc", 5), "abc");
        assert_eq!(bounded("abcdef", 3), "abc…");
        assert_eq!(bounded("a\u{0}b\nc", 10), "a\u{FFFD}b\u{FFFD}c");
        assert_eq!(bounded(&"名".repeat(2_000_000), 64).chars().count(), 65);
    }

    #[test]
    fn checks_length_and_controls() {
        assert!(check("f", "好的\n第二行", 10).is_ok());
        assert_eq!(
            check("f", "a\u{0}b", 10).unwrap_err().code,
            "err-control-chars"
        );
        assert_eq!(check("f", "abcdef", 5).unwrap_err().code, "err-too-long");
    }
}
