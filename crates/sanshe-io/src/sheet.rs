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
    /// Lines of rows still holding the template's example (marked with [`EXAMPLE_MARK`]):
    /// not data, reported by every import.
    pub examples: Vec<usize>,
}

/// Starts the first cell of a template's example row, so that the row can never be taken
/// for data when someone forgets to delete it.
pub const EXAMPLE_MARK: &str = "【示例·请删除本行】";

impl Sheet {
    /// One issue per example row left in the sheet.
    pub fn example_issues(&self) -> Vec<RowIssue> {
        self.examples.iter().map(|l| example_issue(*l)).collect()
    }
}

/// The issue of a row at `line` still holding the template's example.
pub fn example_issue(line: usize) -> RowIssue {
    RowIssue::new(line, "", "err-import-example-row")
}

impl Sheet {
    /// The header shown in reports for column `i`.
    pub fn header(&self, spec: &[Column], i: usize) -> String {
        header_of(&self.headers, spec, i)
    }
}

fn header_of(headers: &[Option<String>], spec: &[Column], i: usize) -> String {
    headers
        .get(i)
        .cloned()
        .flatten()
        .unwrap_or_else(|| spec.get(i).map(|c| c.zh.to_owned()).unwrap_or_default())
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

/// Every accepted spelling of a spec's headers, normalised once: a cell is matched with one
/// normalisation and one look-up (this runs for every cell of every row, to skip repeated
/// header rows).
struct Matcher {
    spellings: std::collections::HashMap<String, usize>,
    /// The first character of every spelling, and the most characters one has.
    firsts: std::collections::HashSet<char>,
    longest: usize,
}

/// What [`norm_header`] drops from the front of a cell (or anywhere) before its first
/// character: whitespace, invisible characters, `*`, `_` and `-`.
fn dropped_by_norm_header(c: char) -> bool {
    c.is_whitespace() || sanshe_domain::cell::is_invisible(c) || matches!(c, '*' | '_' | '-')
}

impl Matcher {
    fn new(spec: &[Column]) -> Matcher {
        let mut spellings = std::collections::HashMap::new();
        for (i, c) in spec.iter().enumerate() {
            for n in [norm_header(c.key), norm_header(c.zh)]
                .into_iter()
                .chain(c.aliases.iter().map(|a| (*a).to_owned()))
            {
                spellings.entry(n).or_insert(i);
            }
        }
        let firsts = spellings.keys().filter_map(|s| s.chars().next()).collect();
        let longest = spellings
            .keys()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0);
        Matcher {
            spellings,
            firsts,
            longest,
        }
    }

    /// Whether a cell cannot be any spelling, told without normalising it: its first kept
    /// character starts none, or it keeps more characters (before a bracketed hint) than
    /// the longest spelling has. Most data cells are rejected here.
    fn surely_not(&self, cell: &str) -> bool {
        let mut kept = cell
            .chars()
            .map(sanshe_domain::cell::halfwidth)
            .take_while(|c| !matches!(c, '(' | '（'))
            .filter(|c| !dropped_by_norm_header(*c));
        let Some(first) = kept.next() else {
            return false;
        };
        if self.firsts.contains(&'*') {
            return false;
        }
        let first = first.to_lowercase().next().unwrap_or(first);
        !self.firsts.contains(&first) || kept.count() + 1 > self.longest
    }

    fn find(&self, cell: &str) -> Option<usize> {
        // Long cells are data, never a header: skip normalising them.
        if cell.len() > 200 || self.surely_not(cell) {
            return None;
        }
        let n = norm_header(cell);
        if n.is_empty() {
            return None;
        }
        self.spellings.get(&n).copied()
    }
}

/// What one import may hold. Reading is bounded by the cells that exist, never by the
/// range a file claims, and a workbook is measured before it is opened: these limits bound
/// the memory of an import (see docs/benchmarks.md).
pub mod limits {
    /// Rows holding at least one value.
    pub const ROWS: usize = 250_000;
    /// Columns: a value further right than this is refused.
    pub const COLUMNS: usize = 256;
    /// Non-empty cells in the sheet.
    pub const CELLS: usize = 5_000_000;
    /// Bytes of a workbook once decompressed (all its parts together).
    pub const UNZIPPED_BYTES: u64 = 160 * 1024 * 1024;
    /// Decompressed over compressed size, for parts over 1 MiB once decompressed.
    pub const RATIO: u64 = 100;
    /// Parts in a workbook.
    pub const PARTS: usize = 10_000;
    /// Characters in one cell (Excel's own limit).
    pub const CELL_CHARS: usize = 32_767;
    /// Bytes of cell text kept from one sheet (a short shared string repeated in many cells
    /// is copied into each).
    pub const TEXT_BYTES: usize = 128 * 1024 * 1024;
}

/// Reads raw rows (every cell as text) from XLSX or CSV bytes: only rows holding a value,
/// each with its row number as the user sees it in Excel.
pub fn raw_rows(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, RowIssue> {
    Source::open(bytes)?.collect()
}

/// Raw rows as they are read: a CSV file record by record (its cells are never all held),
/// a workbook from its cells, read whole but bounded by [`limits`].
enum Source<'a> {
    Csv(CsvRows<'a>),
    Xlsx(std::vec::IntoIter<(usize, Vec<String>)>),
}

impl<'a> Source<'a> {
    fn open(bytes: &'a [u8]) -> Result<Source<'a>, RowIssue> {
        if bytes.starts_with(b"PK\x03\x04") {
            return Ok(Source::Xlsx(xlsx_rows(bytes)?.into_iter()));
        }
        // The binary workbook of Excel 97–2003 (OLE2), renamed or not.
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return Err(RowIssue::new(1, "", "err-import-xls"));
        }
        let text = decode_any(bytes);
        let delimiter = delimiter_of(&text);
        // A first pass over the whole file that keeps nothing: a malformed record or a limit
        // passed is refused before any row is checked or written (an import writes as it
        // reads, and must not hold the writer for a file it will refuse).
        for row in CsvRows::new(std::borrow::Cow::Borrowed(&*text), delimiter, true) {
            row?;
        }
        Ok(Source::Csv(CsvRows::new(text, delimiter, false)))
    }
}

impl Iterator for Source<'_> {
    type Item = Result<(usize, Vec<String>), RowIssue>;
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Source::Csv(c) => c.next(),
            Source::Xlsx(x) => x.next().map(Ok),
        }
    }
}

/// The decoded text of a CSV file: borrowed from the upload when it is UTF-8 already.
struct Text<'a>(std::borrow::Cow<'a, str>);

impl AsRef<[u8]> for Text<'_> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

struct CsvRows<'a> {
    rdr: csv::Reader<std::io::Cursor<Text<'a>>>,
    /// One record's buffer, reused for every record.
    rec: csv::StringRecord,
    seen_byte: usize,
    seen_line: usize,
    rows: usize,
    cells: usize,
    /// After the end or the first error nothing more is read.
    done: bool,
    /// Only count and check: every row comes back without its cells.
    count_only: bool,
}

impl<'a> CsvRows<'a> {
    fn new(text: std::borrow::Cow<'a, str>, delimiter: u8, count_only: bool) -> CsvRows<'a> {
        CsvRows {
            rdr: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(std::io::Cursor::new(Text(text))),
            rec: csv::StringRecord::new(),
            seen_byte: 0,
            seen_line: 1,
            rows: 0,
            cells: 0,
            done: false,
            count_only,
        }
    }
}

impl Iterator for CsvRows<'_> {
    type Item = Result<(usize, Vec<String>), RowIssue>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = self.step();
        if !matches!(r, Some(Ok(_))) {
            self.done = true;
        }
        r
    }
}

impl CsvRows<'_> {
    fn step(&mut self) -> Option<Result<(usize, Vec<String>), RowIssue>> {
        loop {
            match self.rdr.read_record(&mut self.rec) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    // The line of the failing record: line feeds before the byte it starts at.
                    let raw = self.rdr.get_ref().get_ref().as_ref();
                    let line = e
                        .position()
                        .map(|p| line_at(raw, p.byte() as usize))
                        .unwrap_or(self.seen_line);
                    return Some(Err(RowIssue::new(line, "", "err-import-csv")));
                }
            }
            // Line numbers counted from the bytes (the reader's own count is off with CRLF,
            // the line end Excel writes): a record starts after as many line feeds as
            // precede it.
            let raw = self.rdr.get_ref().get_ref().as_ref();
            let mut at = self
                .rec
                .position()
                .map(|p| p.byte() as usize)
                .unwrap_or(self.seen_byte)
                .min(raw.len());
            // The reader may place a record on the line end before it (the LF of a CRLF).
            while at < raw.len() && matches!(raw[at], b'\r' | b'\n') {
                at += 1;
            }
            if at >= self.seen_byte {
                self.seen_line += raw[self.seen_byte..at]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                self.seen_byte = at;
            }
            let line = self.seen_line;
            if self.rec.iter().all(|v| v.trim().is_empty()) {
                continue;
            }
            if self.rec.len() > limits::COLUMNS {
                return Some(Err(too_many_columns(line)));
            }
            self.cells += self.rec.len();
            if self.rows >= limits::ROWS {
                return Some(Err(too_many_rows()));
            }
            if self.cells > limits::CELLS {
                return Some(Err(too_many_cells()));
            }
            self.rows += 1;
            if self.count_only {
                return Some(Ok((line, Vec::new())));
            }
            return Some(Ok((line, self.rec.iter().map(str::to_owned).collect())));
        }
    }
}

/// The line (from 1) holding byte `at`: one more than the line feeds before it, whatever
/// the line ends (CRLF has one).
fn line_at(raw: &[u8], at: usize) -> usize {
    1 + raw[..at.min(raw.len())]
        .iter()
        .filter(|x| **x == b'\n')
        .count()
}

fn too_many_rows() -> RowIssue {
    RowIssue::new(1, "", "err-import-too-many-rows").arg("max", limits::ROWS)
}

fn too_many_cells() -> RowIssue {
    RowIssue::new(1, "", "err-import-too-many-cells").arg("max", limits::CELLS)
}

fn too_many_columns(line: usize) -> RowIssue {
    RowIssue::new(line, "", "err-import-too-many-columns")
        .arg("max", limits::COLUMNS)
        .arg("row", line)
}

/// The separator of a delimited text file: comma, tab (Excel's "Unicode text") or semicolon
/// (Excel's CSV where the decimal mark is a comma), whichever the first lines use most.
fn delimiter_of(text: &str) -> u8 {
    let head: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(5)
        .collect();
    let count = |d: char| -> usize { head.iter().map(|l| l.matches(d).count()).sum() };
    let (comma, tab, semi) = (count(','), count('\t'), count(';'));
    if tab > comma && tab >= semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// UTF-16 with a byte-order mark (Excel's "Unicode text"), UTF-8 (with or without BOM),
/// else GB18030 — what spreadsheet programs save.
pub fn decode_any(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if let Some(le) = bytes.strip_prefix(b"\xFF\xFE") {
        return Cow::Owned(
            encoding_rs::UTF_16LE
                .decode_without_bom_handling(le)
                .0
                .into_owned(),
        );
    }
    if let Some(be) = bytes.strip_prefix(b"\xFE\xFF") {
        return Cow::Owned(
            encoding_rs::UTF_16BE
                .decode_without_bom_handling(be)
                .0
                .into_owned(),
        );
    }
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let (s, _, _) = encoding_rs::GB18030.decode(b);
            Cow::Owned(s.into_owned())
        }
    }
}

/// Measures every part of a workbook by decompressing it (headers can lie) and refuses
/// one whose parts are too many, too large together, or compressed suspiciously well.
fn check_workbook(bytes: &[u8]) -> Result<(), RowIssue> {
    let bad = || RowIssue::new(1, "", "err-import-xlsx");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| bad())?;
    if zip.len() > limits::PARTS {
        return Err(RowIssue::new(1, "", "err-import-xlsx-bomb"));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| bad())?;
        let packed = part.compressed_size().max(1);
        let room = limits::UNZIPPED_BYTES - total;
        let n = std::io::copy(
            &mut std::io::Read::take(&mut part, room + 1),
            &mut std::io::sink(),
        )
        .map_err(|_| bad())?;
        total += n;
        if total > limits::UNZIPPED_BYTES || (n > 1024 * 1024 && n / packed > limits::RATIO) {
            return Err(RowIssue::new(1, "", "err-import-xlsx-bomb")
                .arg("max", limits::UNZIPPED_BYTES / (1024 * 1024)));
        }
    }
    Ok(())
}

/// A number as Excel shows it: integers in full below 10^15, otherwise at most 15
/// significant digits (a formula's cached 657.80000000000007 is 657.8). Numbers of 16 or
/// more digits are written in scientific form, as Excel does, because their last digits
/// are already lost: an ID number stored as a number is reported, never guessed.
pub fn excel_number(f: f64) -> String {
    if f.abs() >= 1e15 {
        return format!("{f:E}");
    }
    if f.fract() == 0.0 {
        return format!("{}", f as i64);
    }
    let shown: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    format!("{shown}")
}

fn xlsx_rows(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, RowIssue> {
    use calamine::{DataRef, Reader, SheetVisible, Xlsx};
    check_workbook(bytes)?;
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|_| RowIssue::new(1, "", "err-import-xlsx"))?;
    // The first visible sheet (a hidden first sheet holds lists or instructions).
    let meta = wb.sheets_metadata();
    let name = meta
        .iter()
        .find(|m| m.visible == SheetVisible::Visible)
        .or_else(|| meta.first())
        .map(|m| m.name.clone())
        .ok_or_else(|| RowIssue::new(1, "", "err-import-empty"))?;
    let mut reader = wb
        .worksheet_cells_reader(&name)
        .map_err(|_| RowIssue::new(1, "", "err-import-xlsx"))?;
    // Only cells that hold something; the sheet's claimed range is never allocated.
    let mut rows: std::collections::BTreeMap<u32, Vec<(u32, String)>> = Default::default();
    let mut cells = 0usize;
    let mut kept = 0usize;
    while let Some(cell) = reader
        .next_cell()
        .map_err(|_| RowIssue::new(1, "", "err-import-xlsx"))?
    {
        let (r, c) = cell.get_position();
        // Sizes are checked before anything is copied.
        let size = match cell.get_value() {
            DataRef::SharedString(s) => s.len(),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len(),
            _ => 0,
        };
        if size > limits::CELL_CHARS * 4 {
            return Err(
                RowIssue::new(r as usize + 1, "", "err-import-cell-too-long")
                    .arg("max", limits::CELL_CHARS),
            );
        }
        kept += size;
        if kept > limits::TEXT_BYTES {
            return Err(RowIssue::new(1, "", "err-import-xlsx-bomb")
                .arg("max", limits::TEXT_BYTES / (1024 * 1024)));
        }
        let text = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
            DataRef::SharedString(s) => (*s).to_owned(),
            DataRef::Int(v) => v.to_string(),
            DataRef::Float(f) => excel_number(*f),
            DataRef::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
            DataRef::DateTime(d) => excel_number(d.as_f64()),
            DataRef::Error(_) => "#ERROR".to_owned(),
        };
        if text.trim().is_empty() {
            continue;
        }
        if c as usize >= limits::COLUMNS {
            return Err(too_many_columns(r as usize + 1));
        }
        cells += 1;
        if cells > limits::CELLS {
            return Err(too_many_cells());
        }
        if !rows.contains_key(&r) && rows.len() >= limits::ROWS {
            return Err(too_many_rows());
        }
        rows.entry(r).or_default().push((c, text));
    }
    Ok(rows
        .into_iter()
        .map(|(r, vals)| {
            let width = vals.iter().map(|(c, _)| *c as usize + 1).max().unwrap_or(0);
            let mut out = vec![String::new(); width];
            for (c, v) in vals {
                out[c as usize] = v;
            }
            (r as usize + 1, out)
        })
        .collect())
}

/// Finds the header among the first rows (title rows above it are skipped), maps its cells to
/// the spec, and returns the data rows in spec order. Blank rows and repeated header rows
/// are skipped. Missing required columns are one issue naming them all.
pub fn read(bytes: &[u8], spec: &[Column]) -> Result<Sheet, RowIssue> {
    let mut rows = open(bytes, spec)?;
    let (mut data, mut examples) = (Vec::new(), Vec::new());
    for item in rows.by_ref() {
        match item? {
            Item::Row(r) => data.push(r),
            Item::Example(line) => examples.push(line),
        }
    }
    Ok(Sheet {
        headers: rows.headers,
        rows: data,
        examples,
    })
}

/// What a sheet's rows below its header are, one at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A data row, its cells in spec order.
    Row(SheetRow),
    /// The line of a row still holding the template's example: not data, reported.
    Example(usize),
}

/// The rows of a sheet as they are read ([`open`]): an import checks a CSV file a thousand
/// rows at a time without ever holding all its cells. An `Err` ends the sheet (a malformed
/// CSV record, a limit of [`limits`] passed): nothing read from it may be kept.
pub struct Rows<'a> {
    source: Source<'a>,
    /// Rows read while looking for the header, not yet given out.
    ahead: std::collections::VecDeque<(usize, Vec<String>)>,
    names: Matcher,
    map: Vec<Option<usize>>,
    /// The header as written in the file, per spec column (None: absent).
    pub headers: Vec<Option<String>>,
    estimate: usize,
}

fn blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// Opens a sheet: finds its header among the first rows (as [`read`]) and returns its data
/// rows as an iterator.
pub fn open<'a>(bytes: &'a [u8], spec: &[Column]) -> Result<Rows<'a>, RowIssue> {
    let mut source = Source::open(bytes)?;
    let estimate = match &source {
        Source::Xlsx(x) => x.len(),
        Source::Csv(_) => bytes.iter().filter(|b| **b == b'\n').count() + 1,
    };
    // The header is the row (among the first 30 holding anything: instructions often fill
    // several rows above it) matching the most spec columns.
    let mut head = Vec::new();
    for row in source.by_ref() {
        head.push(row?);
        if head.len() == 30 {
            break;
        }
    }
    if head.iter().all(|(_, c)| blank(c)) {
        let mut any = false;
        for row in source.by_ref() {
            if !blank(&row?.1) {
                any = true;
                break;
            }
        }
        if !any {
            return Err(RowIssue::new(1, "", "err-import-empty"));
        }
    }
    let names = Matcher::new(spec);
    let mut best: Option<(usize, usize)> = None;
    for (idx, (_, cells)) in head.iter().enumerate() {
        let hits = cells.iter().filter(|c| names.find(c).is_some()).count();
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
    let (hline, hcells) = &head[hidx];
    let mut map: Vec<Option<usize>> = vec![None; spec.len()];
    let mut headers: Vec<Option<String>> = vec![None; spec.len()];
    for (ci, cell) in hcells.iter().enumerate() {
        if let Some(si) = names.find(cell) {
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
    Ok(Rows {
        source,
        ahead: head.into_iter().skip(hidx + 1).collect(),
        names,
        map,
        headers,
        estimate,
    })
}

impl Rows<'_> {
    /// The header shown in reports for column `i`.
    pub fn header(&self, spec: &[Column], i: usize) -> String {
        header_of(&self.headers, spec, i)
    }

    /// About how many rows the sheet has (its lines, for a CSV file): for progress only.
    pub fn estimate(&self) -> usize {
        self.estimate
    }
}

impl Iterator for Rows<'_> {
    type Item = Result<Item, RowIssue>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (line, cells) = match self.ahead.pop_front() {
                Some(r) => r,
                None => match self.source.next()? {
                    Ok(r) => r,
                    Err(e) => return Some(Err(e)),
                },
            };
            if blank(&cells) {
                continue;
            }
            if cells
                .first()
                .is_some_and(|c| c.trim_start().starts_with(EXAMPLE_MARK))
            {
                return Some(Ok(Item::Example(line)));
            }
            // A repeated header (e.g. on every printed page) is not data.
            let header_like = cells
                .iter()
                .filter(|c| self.names.find(c).is_some())
                .count();
            if header_like >= 2 && header_like * 2 >= self.map.iter().flatten().count() {
                continue;
            }
            let vals = self
                .map
                .iter()
                .map(|m| {
                    m.and_then(|ci| cells.get(ci))
                        .map(|v| normalize_text(v))
                        .unwrap_or_default()
                })
                .collect();
            return Some(Ok(Item::Row(SheetRow { line, cells: vals })));
        }
    }
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
    let row: Vec<String> = example
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 0 {
                format!("{EXAMPLE_MARK}{s}")
            } else {
                (*s).to_owned()
            }
        })
        .collect();
    crate::export::xlsx(sheet, &h, &[row])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod limits_tests;

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

    /// The quick rejection of data cells never rejects a cell that names a header.
    #[test]
    fn the_quick_rejection_agrees_with_normalising() {
        let m = Matcher::new(SPEC);
        let parts = [
            "名称",
            "面积",
            "机构",
            "name",
            "Ｎａｍｅ",
            "*",
            "＊",
            " ",
            "\u{3000}",
            "_",
            "-",
            "\u{200B}",
            "（平方米）",
            "(m2)",
            "甲",
            "1",
            "NAME",
        ];
        let n = parts.len();
        for i in 0..n * n * n {
            let cell = format!("{}{}{}", parts[i % n], parts[i / n % n], parts[i / n / n]);
            let slow = Some(norm_header(&cell))
                .filter(|h| !h.is_empty())
                .and_then(|h| m.spellings.get(&h).copied());
            assert_eq!(m.find(&cell), slow, "{cell:?}");
        }
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

    /// A CSV file is refused for a limit it passes anywhere before its header is looked for
    /// or a row is given out: an import writes as it reads, and must not start on a file it
    /// will refuse.
    #[test]
    fn a_csv_files_limits_are_checked_before_its_first_row() -> Result<(), RowIssue> {
        let wide = format!("{}x\n", "y,".repeat(300));
        for head in ["名称,面积\n社区,1\n", "no header here\n"] {
            let text = format!("{head}{}{wide}", "社区,2\n".repeat(40));
            let e = open(text.as_bytes(), SPEC).map(|_| ()).map_err(|i| i.code);
            assert_eq!(e, Err("err-import-too-many-columns".to_owned()), "{head}");
        }
        let mut rows = open("名称,面积\n社区,1\n社区,2\n".as_bytes(), SPEC)?;
        assert!(matches!(rows.next(), Some(Ok(Item::Row(r))) if r.line == 2));
        assert!(matches!(rows.next(), Some(Ok(Item::Row(r))) if r.line == 3));
        assert!(rows.next().is_none());
        Ok(())
    }

    #[test]
    fn reads_xlsx_written_by_the_template() -> Result<(), String> {
        let bytes = template("t", SPEC, &["示例", "600"]).map_err(|e| e.to_string())?;
        let s = read(&bytes, SPEC).map_err(|e| e.code)?;
        // The example row is marked, kept out of the data and reported.
        assert!(s.rows.is_empty());
        assert_eq!(s.examples, vec![2]);
        assert_eq!(s.example_issues()[0].code, "err-import-example-row");
        Ok(())
    }
}
