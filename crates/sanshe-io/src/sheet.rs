//! Reading the spreadsheets people already keep: XLSX (first worksheet) or CSV in UTF-8 or
//! GB18030, with title rows above the header, repeated header rows, blank rows and Chinese
//! or English column names. The result is plain text cells keyed by a registry's column
//! keys, each with its line number in the file, ready for row-by-row validation.

use crate::RowIssue;
use sanshe_domain::cell::normalize_text;

/// One column a registry's import accepts.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Stable key (also the English header).
    pub key: &'static str,
    /// Chinese header as written in the template.
    pub zh: &'static str,
    /// Other accepted spellings (already normalised: no spaces).
    pub aliases: &'static [&'static str],
    pub required: bool,
}

/// A data row: its 1-based line in the file and its cells by column index of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub line: usize,
    pub cells: Vec<String>,
}

impl SheetRow {
    pub fn get(&self, i: usize) -> &str {
        self.cells.get(i).map(String::as_str).unwrap_or("")
    }
}

#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// The header as written in the file, per spec column (None: absent).
    pub headers: Vec<Option<String>>,
    pub rows: Vec<SheetRow>,
}

impl Sheet {
    /// The header shown in reports for column `i`.
    pub fn header(&self, spec: &[Column], i: usize) -> String {
        self.headers
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or_else(|| spec.get(i).map(|c| c.zh.to_owned()).unwrap_or_default())
    }
}

fn norm_header(h: &str) -> String {
    let h = normalize_text(h);
    let h = h
        .trim_end_matches(['*', '＊'])
        .trim_start_matches(['*', '＊'])
        .to_owned();
    // Drop a trailing "(…)" hint such as "面积（平方米）" → "面积".
    let cut = h.find(['(', '（']).unwrap_or(h.len());
    h[..cut].replace([' ', '_', '-'], "").to_lowercase()
}

fn match_column(spec: &[Column], cell: &str) -> Option<usize> {
    let n = norm_header(cell);
    if n.is_empty() {
        return None;
    }
    spec.iter().position(|c| {
        norm_header(c.key) == n || norm_header(c.zh) == n || c.aliases.iter().any(|a| *a == n)
    })
}

/// Reads raw rows (every cell as text) from XLSX or CSV bytes.
pub fn raw_rows(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, RowIssue> {
    if bytes.starts_with(b"PK\x03\x04") {
        return xlsx_rows(bytes);
    }
    let text = decode_any(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|_| RowIssue::new(i + 1, "", "err-import-csv"))?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(i + 1);
        out.push((line, rec.iter().map(str::to_owned).collect()));
    }
    Ok(out)
}

/// UTF-8 (with or without BOM), else GB18030 — what Chinese spreadsheet programs save.
pub fn decode_any(bytes: &[u8]) -> String {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(b) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            let (s, _, _) = encoding_rs::GB18030.decode(b);
            s.into_owned()
        }
    }
}

fn xlsx_rows(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, RowIssue> {
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|_| RowIssue::new(1, "", "err-import-xlsx"))?;
    let first = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| RowIssue::new(1, "", "err-import-empty"))?;
    let range = wb
        .worksheet_range(&first)
        .map_err(|_| RowIssue::new(1, "", "err-import-xlsx"))?;
    let start_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let start_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut out = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let mut cells = vec![String::new(); start_col];
        for c in row {
            cells.push(match c {
                Data::Empty => String::new(),
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                Data::Int(v) => v.to_string(),
                Data::Float(f) => {
                    if f.fract() == 0.0 && f.abs() < 1e15 {
                        format!("{}", *f as i64)
                    } else {
                        // Long digit strings Excel turned into numbers lose digits: keep the
                        // scientific form so validation reports it instead of guessing.
                        format!("{f}")
                    }
                }
                Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
                Data::DateTime(d) => {
                    let v = d.as_f64();
                    if v.fract() == 0.0 {
                        format!("{}", v as i64)
                    } else {
                        format!("{v}")
                    }
                }
                Data::Error(_) => "#ERROR".to_owned(),
            });
        }
        out.push((start_row + i + 1, cells));
    }
    Ok(out)
}

/// Finds the header among the first rows (title rows above it are skipped), maps its cells to
/// the spec, and returns the data rows in spec order. Blank rows and repeated header rows
/// are skipped. Missing required columns are one issue naming them all.
pub fn read(bytes: &[u8], spec: &[Column]) -> Result<Sheet, RowIssue> {
    let raw = raw_rows(bytes)?;
    if raw
        .iter()
        .all(|(_, c)| c.iter().all(|v| v.trim().is_empty()))
    {
        return Err(RowIssue::new(1, "", "err-import-empty"));
    }
    // The header is the row (among the first 10) matching the most spec columns.
    let mut best: Option<(usize, usize)> = None;
    for (idx, (_, cells)) in raw.iter().enumerate().take(10) {
        let hits = cells
            .iter()
            .filter(|c| match_column(spec, c).is_some())
            .count();
        if hits > 0 && best.is_none_or(|(_, h)| hits > h) {
            best = Some((idx, hits));
        }
    }
    let Some((hidx, _)) = best else {
        return Err(RowIssue::new(1, "", "err-import-header").arg(
            "expected",
            spec.iter().map(|c| c.zh).collect::<Vec<_>>().join("、"),
        ));
    };
    let (hline, hcells) = &raw[hidx];
    let mut map: Vec<Option<usize>> = vec![None; spec.len()];
    let mut headers: Vec<Option<String>> = vec![None; spec.len()];
    for (ci, cell) in hcells.iter().enumerate() {
        if let Some(si) = match_column(spec, cell) {
            if map[si].is_none() {
                map[si] = Some(ci);
                headers[si] = Some(normalize_text(cell));
            }
        }
    }
    let missing: Vec<&str> = spec
        .iter()
        .zip(&map)
        .filter(|(c, m)| c.required && m.is_none())
        .map(|(c, _)| c.zh)
        .collect();
    if !missing.is_empty() {
        return Err(RowIssue::new(*hline, "", "err-import-missing-columns")
            .arg("columns", missing.join("、")));
    }
    let mut rows = Vec::new();
    for (line, cells) in raw.iter().skip(hidx + 1) {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // A repeated header (e.g. on every printed page) is not data.
        let header_like = cells
            .iter()
            .filter(|c| match_column(spec, c).is_some())
            .count();
        if header_like >= 2 && header_like * 2 >= map.iter().flatten().count() {
            continue;
        }
        let vals = map
            .iter()
            .map(|m| {
                m.and_then(|ci| cells.get(ci))
                    .map(|v| normalize_text(v))
                    .unwrap_or_default()
            })
            .collect();
        rows.push(SheetRow {
            line: *line,
            cells: vals,
        });
    }
    Ok(Sheet { headers, rows })
}

/// An XLSX template: a bold header row with the Chinese names (required ones marked `*`)
/// and, below, one example row.
pub fn template(
    sheet: &str,
    spec: &[Column],
    example: &[&str],
) -> Result<Vec<u8>, crate::export::ExportError> {
    let headers: Vec<String> = spec
        .iter()
        .map(|c| {
            if c.required {
                format!("{}*", c.zh)
            } else {
                c.zh.to_owned()
            }
        })
        .collect();
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    let row: Vec<String> = example.iter().map(|s| (*s).to_owned()).collect();
    crate::export::xlsx(sheet, &h, &[row])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &[Column] = &[
        Column {
            key: "name",
            zh: "名称",
            aliases: &["机构名称"],
            required: true,
        },
        Column {
            key: "area_m2",
            zh: "面积",
            aliases: &[],
            required: false,
        },
    ];

    #[test]
    fn finds_the_header_below_a_title_and_skips_repeats() -> Result<(), RowIssue> {
        let csv =
            "武进区设施台账,,\n,,\n机构名称 ,面积（平方米）\n甲,100\n,\n名称,面积\n乙,２００\n";
        let s = read(csv.as_bytes(), SPEC)?;
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].line, 4);
        assert_eq!(s.rows[1].get(1), "200");
        assert_eq!(s.rows[1].line, 7);
        assert_eq!(s.header(SPEC, 0), "机构名称");
        Ok(())
    }

    #[test]
    fn gb18030_and_missing_columns() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("名称,面积\n社区,1\n");
        let s = read(&bytes, SPEC).map(|s| s.rows.len());
        assert_eq!(s, Ok(1));
        let e = read("面积\n1\n".as_bytes(), SPEC).map(|_| ());
        assert_eq!(
            e.map_err(|i| i.code),
            Err("err-import-missing-columns".to_owned())
        );
        assert!(read(b"", SPEC).is_err());
    }

    #[test]
    fn reads_xlsx_written_by_the_template() -> Result<(), String> {
        let bytes = template("t", SPEC, &["示例", "600"]).map_err(|e| e.to_string())?;
        let s = read(&bytes, SPEC).map_err(|e| e.code)?;
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].get(0), "示例");
        assert_eq!(s.rows[0].line, 2);
        Ok(())
    }
}
