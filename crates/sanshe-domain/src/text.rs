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

/// The form in which two names are the same name: NFKC (full-width and half-width forms,
/// compatibility characters), combining marks, variation selectors and invisible characters
/// removed, spaces removed, lower case. `两委委员(1)` and `两委委员（1）` have one key; so do
/// look-alikes built with combining marks or zero-width characters. Only for comparing:
/// the name is kept as written.
pub fn name_key(name: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    let invisible = |c: char| {
        matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
            | '\u{FFA0}' | '\u{E0000}'..='\u{E0FFF}')
    };
    // Plain Chinese characters, ASCII letters and digits are their own normal form.
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ('\u{4E00}'..='\u{9FFF}').contains(&c))
    {
        return name.to_ascii_lowercase();
    }
    let stripped: String = name
        .nfkd()
        .filter(|c| {
            !is_combining_mark(*c) && !invisible(*c) && !c.is_whitespace() && !c.is_control()
        })
        .collect();
    stripped.nfkc().flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_take_the_shortcut_to_the_same_key() {
        for n in ["基准测试服务点12", "ABC社区Def", "x", ""] {
            let full: String = {
                use unicode_normalization::UnicodeNormalization;
                n.nfkd()
                    .collect::<String>()
                    .nfkc()
                    .flat_map(char::to_lowercase)
                    .collect()
            };
            assert_eq!(name_key(n), full);
        }
        assert_eq!(name_key("两委委员(1)"), name_key("两委委员（1）"));
    }

    #[test]
    fn bounds_and_cleans() {
        assert_eq!(bounded("abc", 5), "abc");
        assert_eq!(bounded("abcdef", 3), "abc…");
        assert_eq!(bounded("a\u{0}b\nc", 10), "a\u{FFFD}b\u{FFFD}c");
        assert_eq!(bounded(&"名".repeat(2_000_000), 64).chars().count(), 65);
    }

    #[test]
    fn one_name_one_key() {
        assert_eq!(name_key("两委委员(1)"), name_key("两委委员（1）"));
        assert_eq!(name_key("南街 社区"), name_key("南街社区"));
        assert_eq!(name_key("阳光社工\u{200B}中心"), name_key("阳光社工中心"));
        assert_eq!(name_key("阳光社工中心\u{FE0F}"), name_key("阳光社工中心"));
        assert_eq!(name_key("Sunshine"), name_key("ＳＵＮＳＨＩＮＥ"));
        assert_eq!(name_key("Cafe\u{301}"), name_key("Cafe"));
        assert_ne!(name_key("阳光社工中心"), name_key("阳光社区中心"));
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
