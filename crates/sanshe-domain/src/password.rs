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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
