//! Spreadsheet bombs and Excel's numbers: reading is bounded by the cells that exist.

use super::*;
use std::io::Write;

/// A minimal workbook around one worksheet's XML.
fn workbook(sheet_xml: &[u8]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let o: zip::write::SimpleFileOptions = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let parts: [(&str, &[u8]); 5] = [
            ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
            ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ("xl/workbook.xml", br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
            ("xl/worksheets/sheet1.xml", sheet_xml),
        ];
        for (name, body) in parts {
            z.start_file(name, o).unwrap();
            z.write_all(body).unwrap();
        }
        z.finish().unwrap();
    }
    out.into_inner()
}

fn sheet(dimension: &str, rows: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    )
    .into_bytes()
}

fn cell(r: &str, v: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{v}</t></is></c>"#)
}

#[test]
fn a_claimed_range_of_the_whole_sheet_costs_only_its_cells() {
    // 2 KB of file claiming A1:XFD1048576 (17 billion cells).
    let rows = format!(
        "<row r=\"1\">{}</row><row r=\"2\">{}</row>",
        cell("A1", "名称"),
        cell("A2", "值")
    );
    let got = raw_rows(&workbook(&sheet("A1:XFD1048576", &rows))).unwrap();
    assert_eq!(
        got,
        vec![(1, vec!["名称".to_owned()]), (2, vec!["值".to_owned()])]
    );
    // Real cells at both ends of A1:AZ1048576: two rows, numbered as Excel shows them.
    let rows = format!(
        "<row r=\"1\">{}</row><row r=\"1048576\">{}</row>",
        cell("A1", "a"),
        cell("AZ1048576", "z")
    );
    let got = raw_rows(&workbook(&sheet("A1:AZ1048576", &rows))).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].0, 1_048_576);
    assert_eq!(got[1].1.len(), 52);
    // Empty styled cells cost nothing either.
    let blanks: String = (1..=5000)
        .map(|r| format!("<row r=\"{r}\"><c r=\"AZ{r}\" s=\"1\"/></row>"))
        .collect();
    let got = raw_rows(&workbook(&sheet(
        "A1:AZ5000",
        &format!("<row r=\"1\">{}</row>{blanks}", cell("A1", "x")),
    )))
    .unwrap();
    assert_eq!(got.len(), 1);
}

#[test]
fn a_value_far_to_the_right_is_refused_by_name() {
    let rows = format!("<row r=\"3\">{}</row>", cell("XFD3", "x"));
    let e = raw_rows(&workbook(&sheet("A1:XFD3", &rows))).unwrap_err();
    assert_eq!(e.code, "err-import-too-many-columns");
    assert_eq!(e.row, 3);
}

#[test]
fn a_workbook_that_inflates_far_beyond_its_size_is_refused() {
    // 8 MB of XML that deflates to a few kilobytes.
    let padding = " ".repeat(8 * 1024 * 1024);
    let xml = sheet(
        "A1",
        &format!("<row r=\"1\">{}</row>{padding}", cell("A1", "x")),
    );
    let file = workbook(&xml);
    assert!(file.len() < 100_000, "{}", file.len());
    let e = raw_rows(&file).unwrap_err();
    assert_eq!(e.code, "err-import-xlsx-bomb");
}

#[test]
fn too_many_rows_are_refused_before_they_are_kept() {
    let csv = "a\n".repeat(limits::ROWS + 1);
    let e = raw_rows(csv.as_bytes()).unwrap_err();
    assert_eq!(e.code, "err-import-too-many-rows");
    let csv = "a\n".repeat(1000);
    assert_eq!(raw_rows(csv.as_bytes()).unwrap().len(), 1000);
}

#[test]
fn numbers_read_as_excel_shows_them() {
    let cached: f64 = "657.80000000000007".parse().unwrap();
    assert_eq!(excel_number(cached), "657.8");
    assert_eq!(excel_number(0.1 + 0.2), "0.3");
    assert_eq!(excel_number(12.5), "12.5");
    assert_eq!(excel_number(2018.0), "2018");
    // An 18-digit ID number typed into a General cell: its last digits are gone.
    let mangled = excel_number(320_412_198_506_010_000.0);
    assert!(mangled.contains('E'), "{mangled}");
    let e = sanshe_domain::CitizenId::parse(&mangled, (2026, 1, 1)).unwrap_err();
    assert_eq!(e.code, "err-id-excel-number");
}

#[test]
fn a_broken_line_is_named_by_its_own_number() {
    // The reader seldom refuses a line; when it does, the line is counted from its byte.
    let crlf = b"a,b\r\n1,2\r\n\"broken,3\r\n";
    assert_eq!(line_at(crlf, 0), 1);
    assert_eq!(line_at(crlf, 5), 2);
    assert_eq!(line_at(crlf, 10), 3);
    assert_eq!(line_at(crlf, 9_999), 4);
    // A data row with the example mark in another column is data.
    let s = read("名称,数值\n真实名称,【示例】说明\n".as_bytes(), &SPEC).unwrap();
    assert_eq!(s.rows.len(), 1);
    assert!(s.examples.is_empty());
}

#[test]
fn row_numbers_are_the_rows_excel_shows_whatever_the_line_ends() {
    for text in ["名称,值\r\n甲,1\r\n\r\n乙,2\r\n", "名称,值\n甲,1\n\n乙,2\n"] {
        let rows = raw_rows(text.as_bytes()).unwrap();
        let lines: Vec<usize> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![1, 2, 4], "{text:?}");
    }
    // A quoted cell spanning two lines: the next row is numbered after it.
    let rows = raw_rows("a,b\r\n\"x\r\ny\",1\r\nz,2\r\n".as_bytes()).unwrap();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 4]);
}

const SPEC: [Column; 2] = [
    Column {
        key: "name",
        zh: "名称",
        aliases: &[],
        required: true,
    },
    Column {
        key: "value",
        zh: "数值",
        aliases: &[],
        required: true,
    },
];

#[test]
fn files_excel_really_writes_are_read_or_named() {
    // "Unicode text": UTF-16LE with a BOM, tab-separated.
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "名称\t数值\r\n甲\t1\r\n".encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    let s = read(&utf16, &SPEC).unwrap();
    assert_eq!(s.rows[0].cells, vec!["甲", "1"]);
    assert_eq!(s.rows[0].line, 2);
    // CSV with semicolons (a comma is the decimal mark there).
    let s = read("名称;数值\n乙;2,5\n".as_bytes(), &SPEC).unwrap();
    assert_eq!(s.rows[0].cells, vec!["乙", "2,5"]);
    // The old binary .xls, whatever its name: refused with the reason.
    let xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    assert_eq!(read(&xls, &SPEC).unwrap_err().code, "err-import-xls");
    // Many rows of instructions above the header.
    let mut text = String::new();
    for i in 0..15 {
        text.push_str(&format!("填表说明第{i}条\n"));
    }
    text.push_str("名称,数值\n丙,3\n");
    let s = read(text.as_bytes(), &SPEC).unwrap();
    assert_eq!(s.rows[0].cells, vec!["丙", "3"]);
    assert_eq!(s.rows[0].line, 17);
    // A missing required column is named.
    let e = read("名称\n丁\n".as_bytes(), &SPEC).unwrap_err();
    assert_eq!(e.code, "err-import-missing-columns");
    assert_eq!(e.args, vec![("columns".to_owned(), "数值".to_owned())]);
}

/// A workbook whose first sheet is hidden (lists for drop-downs) is read from the first
/// visible one.
#[test]
fn a_hidden_first_sheet_is_passed_over() {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let o = zip::write::SimpleFileOptions::default();
        let sheet = |v: &str| {
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">{}{}</row><row r="2">{}{}</row></sheetData></worksheet>"#,
                cell("A1", "名称"),
                cell("B1", "数值"),
                cell("A2", v),
                cell("B2", "1")
            )
        };
        let parts: Vec<(&str, String)> = vec![
            ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#.into()),
            ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into()),
            ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="lists" sheetId="1" state="hidden" r:id="rId1"/><sheet name="data" sheetId="2" r:id="rId2"/></sheets></workbook>"#.into()),
            ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>"#.into()),
            ("xl/worksheets/sheet1.xml", sheet("隐藏")),
            ("xl/worksheets/sheet2.xml", sheet("可见")),
        ];
        for (name, body) in parts {
            z.start_file(name, o).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    let s = read(&out.into_inner(), &SPEC).unwrap();
    assert_eq!(s.rows[0].cells[0], "可见");
}
