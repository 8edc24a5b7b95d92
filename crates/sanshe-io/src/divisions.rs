//! The National Bureau of Statistics division CSV format, as published for counties, streets
//! and committees:
//!
//! * counties: `code,name,cityCode,provinceCode`
//! * streets/towns: `code,name,areaCode,provinceCode,cityCode`
//! * communities/villages: `code,name,streetCode,provinceCode,cityCode,areaCode`
//!
//! The kind of file is recognised from its header; Chinese headers (代码, 名称, 上级代码) are
//! accepted too. Every row is read; problems are collected, not raised one at a time.

use crate::{decode_text, RowIssue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DivisionFile {
    Counties,
    Streets,
    Communities,
    /// `code,name,parent` in any mix of levels.
    Generic,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionRow {
    pub row: usize,
    pub code: String,
    pub name: String,
    /// The parent code as written in the file (None for counties).
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub rows: Vec<DivisionRow>,
    pub issues: Vec<RowIssue>,
}

fn norm_header(h: &str) -> String {
    h.trim()
        .trim_matches('\u{feff}')
        .to_ascii_lowercase()
        .replace(['_', ' '], "")
}

pub fn parse(bytes: &[u8]) -> Result<(DivisionFile, Parsed), RowIssue> {
    let text = decode_text(bytes)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = rdr.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(_)) => return Err(RowIssue::new(1, "", "err-import-csv")),
        None => return Err(RowIssue::new(1, "", "err-import-empty")),
    };
    let cols: Vec<String> = header.iter().map(norm_header).collect();
    let find = |names: &[&str]| cols.iter().position(|c| names.contains(&c.as_str()));
    let code_i = find(&["code", "代码", "区划代码", "统计用区划代码"]);
    let name_i = find(&["name", "名称"]);
    let (Some(code_i), Some(name_i)) = (code_i, name_i) else {
        return Err(RowIssue::new(1, "", "err-import-header").arg("expected", "code,name"));
    };
    let (kind, parent_i) = if let Some(i) = find(&["streetcode"]) {
        (DivisionFile::Communities, Some(i))
    } else if let Some(i) = find(&["areacode"]).filter(|_| !cols.contains(&"streetcode".to_owned()))
    {
        (DivisionFile::Streets, Some(i))
    } else if let Some(i) = find(&["parent", "parentcode", "上级代码"]) {
        (DivisionFile::Generic, Some(i))
    } else if find(&["citycode"]).is_some() {
        (DivisionFile::Counties, None)
    } else {
        return Err(RowIssue::new(1, "", "err-import-header")
            .arg("expected", "code,name,streetCode|areaCode|cityCode"));
    };
    let header_names: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    let col_name = |i: usize| header_names.get(i).cloned().unwrap_or_default();
    let mut out = Parsed::default();
    for (i, rec) in records.enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(_) => {
                out.issues.push(RowIssue::new(line, "", "err-import-csv"));
                continue;
            }
        };
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        // A repeated header row (files glued together) is skipped, not an error.
        if rec.iter().map(norm_header).collect::<Vec<_>>() == cols {
            continue;
        }
        let get = |i: usize| rec.get(i).map(|s| s.trim().to_owned()).unwrap_or_default();
        let code = get(code_i);
        let name = get(name_i);
        let mut bad = false;
        if code.is_empty() {
            out.issues
                .push(RowIssue::new(line, &col_name(code_i), "err-required"));
            bad = true;
        }
        if name.is_empty() {
            out.issues
                .push(RowIssue::new(line, &col_name(name_i), "err-required"));
            bad = true;
        } else if name.chars().count() > 100 {
            out.issues
                .push(RowIssue::new(line, &col_name(name_i), "err-too-long").arg("max", 100));
            bad = true;
        }
        let parent = parent_i.map(get).filter(|p| !p.is_empty());
        if parent_i.is_some() && parent.is_none() && kind != DivisionFile::Generic {
            out.issues.push(RowIssue::new(
                line,
                &col_name(parent_i.unwrap_or(0)),
                "err-required",
            ));
            bad = true;
        }
        if !bad {
            out.rows.push(DivisionRow {
                row: line,
                code,
                name,
                parent,
            });
        }
    }
    Ok((kind, out))
}

/// Name of the column holding the parent code for a file kind (for issue reports).
pub fn parent_column(kind: DivisionFile) -> &'static str {
    match kind {
        DivisionFile::Counties => "cityCode",
        DivisionFile::Streets => "areaCode",
        DivisionFile::Communities => "streetCode",
        DivisionFile::Generic => "parent",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_three_nbs_files() -> Result<(), RowIssue> {
        let (k, p) = parse("code,name,streetCode,provinceCode,cityCode,areaCode\n320412100001,\"A社区居委会\",320412100,32,3204,320412\n".as_bytes())?;
        assert_eq!(k, DivisionFile::Communities);
        assert_eq!(p.rows[0].parent.as_deref(), Some("320412100"));
        let (k, _) = parse("\u{feff}code,name,areaCode,provinceCode,cityCode\n".as_bytes())?;
        assert_eq!(k, DivisionFile::Streets);
        let (k, p) = parse(b"code,name,cityCode,provinceCode\n320412,X,3204,32\n")?;
        assert_eq!(k, DivisionFile::Counties);
        assert_eq!(p.rows[0].parent, None);
        Ok(())
    }

    #[test]
    fn reports_every_bad_row_and_skips_repeated_headers() -> Result<(), RowIssue> {
        let csv =
            "code,name,areaCode\n320412100,,320412\ncode,name,areaCode\n,B,320412\n320412101,C,\n";
        let (_, p) = parse(csv.as_bytes())?;
        assert!(p.rows.is_empty());
        let rows: Vec<usize> = p.issues.iter().map(|i| i.row).collect();
        assert_eq!(rows, vec![2, 4, 5]);
        Ok(())
    }

    #[test]
    fn rejects_unknown_headers_and_encodings() {
        assert_eq!(
            parse(b"foo,bar\n1,2\n").map(|_| ()).map_err(|e| e.code),
            Err("err-import-header".into())
        );
        assert_eq!(
            parse(b"code,name,areaCode\n1,\xb3\xa3,2\n")
                .map(|_| ())
                .map_err(|e| e.code),
            Err("err-import-encoding".into())
        );
    }
}
