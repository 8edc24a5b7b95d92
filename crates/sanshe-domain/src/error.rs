//! Validation errors carry a stable message key (looked up in the locale files by the web
//! layer) and the field they belong to, so forms can show them beside the field.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Field name as used in forms and JSON bodies.
    pub field: String,
    /// Stable message key, e.g. `err-area-code-length`.
    pub code: String,
    /// Named arguments for the message.
    pub args: Vec<(String, String)>,
}

impl FieldError {
    pub fn new(field: &str, code: &str) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &str, value: impl ToString) -> Self {
        self.args.push((name.to_owned(), value.to_string()));
        self
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.code)?;
        for (k, v) in &self.args {
            write!(f, " {k}={v}")?;
        }
        Ok(())
    }
}
