//! CSV and XLSX writers for tabular exports. Both take a header row and string rows, so each
//! list can offer both formats from one table.

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("csv: {0}")]
    Csv(String),
    #[error("xlsx: {0}")]
    Xlsx(String),
}

/// CSV with a UTF-8 byte-order mark so spreadsheet programs open Chinese text correctly.
pub fn csv(headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(headers)
        .map_err(|e| ExportError::Csv(e.to_string()))?;
    for r in rows {
        // Neutralise spreadsheet formulas in exported text (CSV injection).
        let safe: Vec<String> = r
            .iter()
            .map(|c| {
                if c.starts_with(['=', '+', '-', '@']) && c.parse::<f64>().is_err() {
                    format!("'{c}")
                } else {
                    c.clone()
                }
            })
            .collect();
        w.write_record(&safe)
            .map_err(|e| ExportError::Csv(e.to_string()))?;
    }
    w.into_inner().map_err(|e| ExportError::Csv(e.to_string()))
}

pub fn xlsx(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| ExportError::Xlsx(e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(err)?;
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(err)?;
        ws.set_column_width(c as u16, 18).map_err(err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string((r + 1) as u32, c as u16, v).map_err(err)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_bom_and_defuses_formulas() -> Result<(), ExportError> {
        let out = csv(&["a", "b"], &[vec!["=1+1".into(), "-5".into()]])?;
        let s = String::from_utf8_lossy(&out);
        assert!(s.starts_with('\u{feff}'));
        assert!(s.contains("'=1+1,-5"));
        Ok(())
    }

    #[test]
    fn xlsx_is_a_zip() -> Result<(), ExportError> {
        let out = xlsx("audit", &["a"], &[vec!["一".into()]])?;
        assert_eq!(&out[..2], b"PK");
        Ok(())
    }
}
