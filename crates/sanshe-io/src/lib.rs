//! Spreadsheet and file formats: reading import files, writing CSV and XLSX exports.
//! No database and no HTTP here: parsers return plain rows with their line numbers.

pub mod divisions;
pub mod export;
pub mod sheet;

/// A problem with one cell or row of an import file. `row` is the 1-based line in the file
/// (the header is line 1), `column` the header name as written in the file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowIssue {
    pub row: usize,
    pub column: String,
    pub code: String,
    pub args: Vec<(String, String)>,
}

impl RowIssue {
    pub fn new(row: usize, column: &str, code: &str) -> Self {
        RowIssue {
            row,
            column: column.to_owned(),
            code: code.to_owned(),
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, k: &str, v: impl ToString) -> Self {
        self.args.push((k.to_owned(), v.to_string()));
        self
    }
}

/// Decodes text files: strips a UTF-8 byte-order mark; rejects other encodings clearly.
pub fn decode_text(bytes: &[u8]) -> Result<&str, RowIssue> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        RowIssue::new(line, "", "err-import-encoding")
    })
}
