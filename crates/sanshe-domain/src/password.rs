//! Password policy (等保 level 3: complexity; the account name is never part of it).

use crate::FieldError;

#[derive(Debug, Clone, Copy)]
pub struct PasswordPolicy {
    pub min_length: usize,
    /// Of lower case, upper case, digits and symbols, how many must appear.
    pub min_classes: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 10,
            min_classes: 3,
        }
    }
}

impl PasswordPolicy {
    pub fn check(&self, username: &str, password: &str) -> Result<(), FieldError> {
        let len = password.chars().count();
        if len < self.min_length {
            return Err(
                FieldError::new("password", "err-password-short").arg("min", self.min_length)
            );
        }
        if len > 256 {
            return Err(FieldError::new("password", "err-password-long").arg("max", 256));
        }
        let classes = [
            password.chars().any(|c| c.is_ascii_lowercase()),
            password.chars().any(|c| c.is_ascii_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_ascii_alphanumeric()),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if classes < self.min_classes {
            return Err(
                FieldError::new("password", "err-password-classes").arg("min", self.min_classes)
            );
        }
        let user = username.trim().to_lowercase();
        if !user.is_empty() && password.to_lowercase().contains(&user) {
            return Err(FieldError::new("password", "err-password-username"));
        }
        if is_common(password) {
            return Err(FieldError::new("password", "err-password-common"));
        }
        Ok(())
    }
}

/// Words at the heart of the passwords tried first by anyone guessing (lists of leaked
/// passwords agree on them), including Chinese favourites in pinyin and keyboard walks.
const COMMON_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "passw",
    "passport",
    "admin",
    "administrator",
    "root",
    "user",
    "test",
    "guest",
    "login",
    "welcome",
    "hello",
    "letmein",
    "changeme",
    "default",
    "secret",
    "master",
    "system",
    "server",
    "qwerty",
    "qwertyuiop",
    "qwer",
    "asdf",
    "asdfgh",
    "asdfghjkl",
    "zxcv",
    "zxcvbn",
    "zxcvbnm",
    "qaz",
    "qazwsx",
    "qazwsxedc",
    "zaq",
    "wsx",
    "abc",
    "abcd",
    "abcde",
    "abcdef",
    "abcdefg",
    "aaa",
    "aaaa",
    "aaaaaa",
    "iloveyou",
    "love",
    "woaini",
    "mima",
    "mimamima",
    "wodemima",
    "dragon",
    "monkey",
    "sunshine",
    "shadow",
    "football",
    "baseball",
    "superman",
    "batman",
    "princess",
    "china",
    "beijing",
    "shanghai",
    "jiangsu",
    "changzhou",
    "huawei",
    "xiaomi",
    "tencent",
    "baidu",
    "computer",
    "internet",
    "office",
    "company",
    "summer",
    "winter",
    "spring",
    "autumn",
    "p",
    "a",
    "q",
    "z",
    "x",
];

/// Whole passwords (lower-cased) seen in every list of the most used ones.
const COMMON_PASSWORDS: &[&str] = &[
    "1qaz2wsx",
    "1qaz@wsx",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "q1w2e3r4",
    "zaq12wsx",
    "!qaz2wsx",
    "a1b2c3d4",
    "aa123456",
    "abc123456",
    "abcd1234",
    "a123456789",
    "qwe123",
    "qwe123456",
    "asd123456",
    "p@ssw0rd",
    "p@ssword",
    "passw0rd",
    "admin@123",
    "admin123",
    "root123",
];

/// A password whose letters, once look-alike digits and symbols are read as letters, are
/// one of [`COMMON_WORDS`] (or none at all), or which is itself one of
/// [`COMMON_PASSWORDS`]: `Password123`, `P@ssw0rd!`, `Admin#2024`, `Qwerty123!`,
/// `Woaini1314!` all are.
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    let core: String = lower
        .chars()
        .filter_map(|c| match c {
            '0' => Some('o'),
            '1' | '!' | '|' => Some('i'),
            '3' => Some('e'),
            '4' | '@' => Some('a'),
            '5' | '$' => Some('s'),
            '7' => Some('t'),
            c if c.is_alphabetic() => Some(c),
            _ => None,
        })
        .collect();
    // Digits read as letters can turn a year into a word; try the core with and without.
    let letters: String = lower.chars().filter(|c| c.is_alphabetic()).collect();
    letters.is_empty()
        || [core.as_str(), letters.as_str()]
            .iter()
            .any(|w| COMMON_WORDS.contains(w) || COMMON_WORDS.contains(&w.trim_end_matches('i')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_refused() {
        let p = PasswordPolicy::default();
        for weak in [
            "Password123",
            "P@ssw0rd!2024",
            "Admin#20240101",
            "Qwerty123!@#",
            "Woaini1314!!",
            "1qaz@WSX3edc",
            "Aa123456789!",
            "Changzhou@2026",
        ] {
            assert_eq!(
                p.check("someone", weak).map_err(|e| e.code),
                Err("err-password-common".to_owned()),
                "{weak}"
            );
        }
        for fine in [
            "Sanshe@2026",
            "Good#Pass2026",
            "Str0ng#Horse7",
            "红梅@社区2026ab",
        ] {
            assert!(p.check("someone", fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn policy() {
        let p = PasswordPolicy::default();
        assert!(p.check("wang", "Sanshe#2026").is_ok());
        assert_eq!(
            p.check("wang", "Ab1!").map_err(|e| e.code),
            Err("err-password-short".into())
        );
        assert_eq!(
            p.check("wang", "abcdefghijkl").map_err(|e| e.code),
            Err("err-password-classes".into())
        );
        assert_eq!(
            p.check("wang", "Wang#2026xyz").map_err(|e| e.code),
            Err("err-password-username".into())
        );
    }
}
