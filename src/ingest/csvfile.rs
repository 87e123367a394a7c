//! Reading CSV exports as they really are: UTF-8 with or without a byte-order mark, UTF-16 (Excel's
//! "Unicode text"), Latin-1, CRLF or LF, quoted fields with delimiters and newlines, a delimiter
//! sniffed from the header line unless given, repeated column names. Each data row comes with the
//! line number where it starts; rows with the wrong number of fields or undecodable bytes become
//! rejects instead of disappearing. Blank rows (every cell empty or whitespace, whatever their number
//! of fields, as spreadsheets pad an export with `,,,,,`, and empty lines) are skipped and counted
//! here, once for every CSV format.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use super::records::Records;
use super::{Encoding, EncodingErrors, ImportOptions, Reject, RejectReason};
use crate::error::{Error, Result};

/// The header line: column names as written, and a case-insensitive lookup of their first position.
#[derive(Debug, Clone)]
pub struct Header {
    pub names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Header {
    pub fn new(names: Vec<String>) -> Header {
        let mut index = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            index.entry(n.trim().to_lowercase()).or_insert(i);
        }
        Header { names, index }
    }
    /// Position of the first column whose name is one of `aliases` (case-insensitive), trying the
    /// aliases in order.
    pub fn find(&self, aliases: &[&str]) -> Option<usize> {
        aliases
            .iter()
            .find_map(|a| self.index.get(&a.trim().to_lowercase()).copied())
    }
    pub fn has(&self, name: &str) -> bool {
        self.find(&[name]).is_some()
    }
    /// Position of a required column, or an error that lists what was expected and what was found.
    pub fn require(&self, path: &Path, what: &str, aliases: &[&str]) -> Result<usize> {
        self.find(aliases).ok_or_else(|| {
            let shown: Vec<&str> = self.names.iter().take(30).map(|s| s.as_str()).collect();
            Error::format(
                path,
                format!(
                    "missing required column for {what}: expected one of {:?}; the header has {:?}{}",
                    aliases,
                    shown,
                    if self.names.len() > 30 { " …" } else { "" }
                ),
            )
        })
    }
}

/// Data rows read from one file: `read` includes the `blank` rows skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RowCount {
    pub read: u64,
    pub blank: u64,
}

/// True when every byte of the record's fields is whitespace (ASCII, or Unicode such as the
/// no-break space a spreadsheet may leave).
fn is_blank(fields: &[u8]) -> bool {
    match fields.iter().position(|b| !b.is_ascii_whitespace()) {
        None => true,
        Some(k) if fields[k] >= 0x80 => {
            std::str::from_utf8(&fields[k..]).is_ok_and(|s| s.chars().all(char::is_whitespace))
        }
        Some(_) => false,
    }
}

/// An open CSV export.
pub struct CsvFile {
    pub path: PathBuf,
    pub header: Header,
    records: Records,
    encoding: Encoding,
    errors: EncodingErrors,
}

fn read_err(path: &Path, source: std::io::Error) -> Error {
    Error::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// Picks the delimiter that occurs most often outside quotes in the first line.
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    let mut counts = [0usize; 4];
    let cands = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(k) = cands.iter().position(|&c| c == b) {
                    counts[k] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..4).max_by_key(|&k| (counts[k], 4 - k)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        cands[best]
    }
}

/// The UTF-16 code units of `bytes` (a trailing odd byte is ignored).
pub fn utf16_units(bytes: &[u8], little_endian: bool) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|c| {
            if little_endian {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .collect()
}

fn decode_utf16(bytes: &[u8], little_endian: bool) -> Option<String> {
    String::from_utf16(&utf16_units(bytes, little_endian)).ok()
}

/// The size of the start of a file read before the csv reader takes over: enough to sniff the
/// delimiter and to recognise an empty or binary file.
const HEAD_BYTES: usize = 1 << 16;

/// Reads up to [`HEAD_BYTES`] from the start of `file`, into a buffer sized for the file (a small
/// file does not get a 64 KiB buffer).
fn read_head(path: &Path, file: &mut File) -> Result<Vec<u8>> {
    let size = file
        .metadata()
        .map(|m| m.len())
        .unwrap_or(HEAD_BYTES as u64);
    let mut head = Vec::with_capacity(size.min(HEAD_BYTES as u64) as usize);
    file.take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| read_err(path, e))?;
    Ok(head)
}

/// A whole UTF-16 file (its first bytes `head` already read, byte-order mark included) decoded to
/// UTF-8. UTF-16 exports are small enough to decode whole.
fn read_utf16(path: &Path, mut head: Vec<u8>, mut file: File) -> Result<Vec<u8>> {
    let le = head[0] == 0xFF;
    file.read_to_end(&mut head).map_err(|e| read_err(path, e))?;
    let text = decode_utf16(&head[2..], le).ok_or_else(|| {
        Error::format(
            path,
            "the file starts with a UTF-16 byte-order mark but is not valid UTF-16",
        )
    })?;
    Ok(text.into_bytes())
}

/// Refuses a file whose start (`head`, after any byte-order mark) is empty or binary.
fn check_head(path: &Path, head: &[u8]) -> Result<()> {
    if head.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::format(
            path,
            "the file is empty: expected a header line naming the columns",
        ));
    }
    if head.contains(&0) {
        return Err(Error::format(
            path,
            "this is a binary file, not a CSV export (it contains NUL bytes)",
        ));
    }
    Ok(())
}

/// The header line (the first line that is not empty): each column name decoded (undecodable
/// bytes replaced) and trimmed.
fn read_header(path: &Path, records: &mut Records, encoding: Encoding) -> Result<Header> {
    let mut fields = Vec::new();
    loop {
        let rec = records
            .next(&mut fields)
            .map_err(|e| read_err(path, e))?
            .ok_or_else(|| {
                Error::format(path, "cannot read the header line: the file ends first")
            })?;
        if rec.is_empty_line() {
            continue;
        }
        let bytes = records.bytes(&rec);
        let names = fields
            .iter()
            .map(|f| {
                decode(&bytes[f.clone()], encoding, EncodingErrors::Replace)
                    .map(|c| c.trim().to_string())
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| Error::format(path, "the header line is not valid text"))?;
        let mut names = names;
        if let Some(first) = names.first_mut() {
            // A second byte-order mark (some tools add one to a file that has one): not a name.
            if let Some(rest) = first.strip_prefix('\u{feff}') {
                *first = rest.trim().to_string();
            }
        }
        return Ok(Header::new(names));
    }
}

impl CsvFile {
    pub fn open(path: &Path, opts: &ImportOptions) -> Result<CsvFile> {
        let mut file = File::open(path).map_err(|e| read_err(path, e))?;
        let head = read_head(path, &mut file)?;
        if let Some(p) = &opts.progress {
            (p.0)(head.len() as u64);
        }
        // The bytes read so far (all of them for UTF-16, decoded), where the text starts in them
        // (after a UTF-8 byte-order mark), and the rest of the file still to read.
        let (start, skip, rest, encoding) =
            if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
                (read_utf16(path, head, file)?, 0, None, Encoding::Utf8)
            } else {
                let skip = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
                    3
                } else {
                    0
                };
                (head, skip, Some(file), opts.encoding)
            };
        let shown = &start[skip..start.len().min(skip + HEAD_BYTES)];
        check_head(path, shown)?;
        let delimiter = opts.delimiter.unwrap_or_else(|| sniff_delimiter(shown));
        let mut text = Cursor::new(start);
        text.set_position(skip as u64);
        let source: Box<dyn Read> = match rest {
            Some(file) => {
                let file = Counted {
                    inner: file,
                    progress: opts.progress.clone(),
                };
                Box::new(CrLf::new(text.chain(file)))
            }
            None => Box::new(CrLf::new(text)),
        };
        let mut records = Records::new(source, delimiter);
        let header = read_header(path, &mut records, encoding)?;
        Ok(CsvFile {
            path: path.to_path_buf(),
            header,
            records,
            encoding,
            errors: opts.encoding_errors,
        })
    }

    /// Calls `f(line, fields)` for every well-formed, non-blank data row; returns the number of data
    /// rows read (blank ones included and counted apart) and the rejects (including those `f` returned).
    pub fn for_each_row(
        &mut self,
        mut f: impl FnMut(u64, &[&str]) -> std::result::Result<(), Reject>,
    ) -> Result<(RowCount, Vec<Reject>)> {
        self.try_for_each_row(|line, fields| Ok(f(line, fields)))
    }

    /// As [`CsvFile::for_each_row`], but `f` can also stop the whole read with an error (a store that
    /// cannot be written): `Err` stops, `Ok(Err(reject))` rejects the row, `Ok(Ok(()))` keeps it.
    pub fn try_for_each_row(
        &mut self,
        mut f: impl FnMut(u64, &[&str]) -> Result<std::result::Result<(), Reject>>,
    ) -> Result<(RowCount, Vec<Reject>)> {
        let file = self.path.display().to_string();
        let width = self.header.names.len();
        let mut fields = Vec::new();
        let mut rejects = Vec::new();
        let mut count = RowCount::default();
        let mut owned: Vec<String> = Vec::new();
        loop {
            let next = self.records.next(&mut fields);
            let Some(rec) = next.map_err(|e| read_err(&self.path, e))? else {
                break;
            };
            count.read += 1;
            let bytes = self.records.bytes(&rec);
            if rec.is_empty_line() || fields.iter().all(|r| is_blank(&bytes[r.clone()])) {
                count.blank += 1;
                continue;
            }
            if fields.len() != width {
                rejects.push(Reject {
                    file: file.clone(),
                    line: rec.line,
                    column: String::new(),
                    reason: RejectReason::FieldCount,
                    detail: format!(
                        "expected {width} fields as in the header, found {}",
                        fields.len()
                    ),
                });
                continue;
            }
            let row = Row {
                bytes,
                ascii: rec.ascii,
                span: rec.span.clone(),
                fields: &fields,
                line: rec.line,
            };
            if let Some(r) = self.deliver(row, &file, &mut owned, &mut f)? {
                rejects.push(r);
            }
        }
        Ok((count, rejects))
    }

    /// Hands a data row's fields to `f` and returns its reject, if any. A valid UTF-8 row is
    /// checked once and its fields borrowed, not copied; any other row is decoded field by field
    /// into `owned`, and an undecodable field rejects the row (or stops the read when encoding
    /// errors are strict).
    #[inline]
    fn deliver(
        &self,
        row: Row,
        file: &str,
        owned: &mut Vec<String>,
        f: &mut impl FnMut(u64, &[&str]) -> Result<std::result::Result<(), Reject>>,
    ) -> Result<Option<Reject>> {
        if self.encoding == Encoding::Utf8 {
            let span = &row.bytes[row.span.clone()];
            let text = if row.ascii {
                // SAFETY: every byte is ASCII (the record reader checked), and ASCII is UTF-8.
                Ok(unsafe { std::str::from_utf8_unchecked(span) })
            } else {
                std::str::from_utf8(span)
            };
            if let Ok(text) = text {
                let base = row.span.start;
                // The delimiter is ASCII: every field boundary is a character boundary.
                let field = |k: usize| {
                    let r = &row.fields[k];
                    text.get(r.start - base..r.end - base).unwrap_or("")
                };
                let verdict = with_fields(row.fields.len(), field, |fields| f(row.line, fields));
                return Ok(verdict?.err());
            }
        }
        owned.clear();
        for (k, r) in row.fields.iter().enumerate() {
            match decode(&row.bytes[r.clone()], self.encoding, self.errors) {
                Ok(s) => owned.push(s),
                Err(()) => return self.encoding_reject(file, row.line, k).map(Some),
            }
        }
        let fields: Vec<&str> = owned.iter().map(|s| s.as_str()).collect();
        Ok(f(row.line, &fields)?.err())
    }

    /// The reject of a row whose column `k` is not valid UTF-8, or the error that stops the read
    /// when encoding errors are strict.
    fn encoding_reject(&self, file: &str, line: u64, k: usize) -> Result<Reject> {
        let column = self.header.names[k].clone();
        if self.errors == EncodingErrors::Strict {
            return Err(Error::At {
                path: self.path.clone(),
                line,
                column,
                message: "bytes that are not valid UTF-8 (use --encoding latin-1 or --encoding-errors replace)".into(),
            });
        }
        Ok(Reject {
            file: file.to_string(),
            line,
            column,
            reason: RejectReason::Encoding,
            detail: "bytes that are not valid UTF-8".into(),
        })
    }
}

/// A data row as [`CsvFile::deliver`] gets it: its bytes, the span of them it covers, its fields'
/// ranges in them and the line it starts on.
struct Row<'r> {
    bytes: &'r [u8],
    /// Every byte of `span` is ASCII.
    ascii: bool,
    span: std::ops::Range<usize>,
    fields: &'r [std::ops::Range<usize>],
    line: u64,
}

/// Calls `f` with the `n` fields `field(k)` as a slice, on the stack for the usual widths (no
/// allocation per row; the smallest array that fits, as filling it is a cost per row too).
fn with_fields<'a, T>(
    n: usize,
    field: impl Fn(usize) -> &'a str,
    f: impl FnOnce(&[&str]) -> T,
) -> T {
    fn on_stack<'a, const N: usize, T>(
        n: usize,
        field: impl Fn(usize) -> &'a str,
        f: impl FnOnce(&[&str]) -> T,
    ) -> T {
        let mut buf: [&str; N] = [""; N];
        for (k, slot) in buf.iter_mut().enumerate().take(n) {
            *slot = field(k);
        }
        f(&buf[..n])
    }
    match n {
        0..=16 => on_stack::<16, T>(n, field, f),
        17..=32 => on_stack::<32, T>(n, field, f),
        33..=64 => on_stack::<64, T>(n, field, f),
        _ => {
            let fields: Vec<&str> = (0..n).map(field).collect();
            f(&fields)
        }
    }
}

/// Turns CRLF line endings into LF while reading. The csv crate reports a record that follows a
/// CRLF as starting one line early (it counts the LF as the start of the next record); with LF only,
/// every reported line is where the record really starts. Line breaks inside quoted fields become LF.
pub(crate) struct CrLf<R> {
    inner: R,
    /// A CR read at the end of the previous chunk, not yet known to be followed by LF.
    pending_cr: bool,
}

impl<R: Read> CrLf<R> {
    pub(crate) fn new(inner: R) -> Self {
        CrLf {
            inner,
            pending_cr: false,
        }
    }
}

impl<R: Read> Read for CrLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.len() < 2 {
            return self.inner.read(buf);
        }
        loop {
            let start = usize::from(self.pending_cr);
            let n = self.inner.read(&mut buf[start..])?;
            if n == 0 {
                // End of input: a trailing lone CR is kept.
                return Ok(if std::mem::take(&mut self.pending_cr) {
                    buf[0] = b'\r';
                    1
                } else {
                    0
                });
            }
            if self.pending_cr {
                buf[0] = b'\r';
                self.pending_cr = false;
            }
            let end = start + n;
            // Copy the runs between CRs with memmove; only a CR is looked at byte by byte.
            let mut w = 0;
            let mut r = 0;
            while r < end {
                let run = memchr::memchr(b'\r', &buf[r..end]).unwrap_or(end - r);
                if w != r {
                    buf.copy_within(r..r + run, w);
                }
                w += run;
                r += run;
                if r == end {
                    break;
                }
                // buf[r] is a CR.
                if r + 1 == end {
                    self.pending_cr = true;
                    r += 1;
                } else if buf[r + 1] == b'\n' {
                    r += 1;
                } else {
                    buf[w] = b'\r';
                    w += 1;
                    r += 1;
                }
            }
            if w > 0 {
                return Ok(w);
            }
        }
    }
}

/// Tells the import's progress how many bytes of the file each read brought.
struct Counted<R> {
    inner: R,
    progress: Option<super::Progress>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            (p.0)(n as u64);
        }
        Ok(n)
    }
}

fn decode(
    bytes: &[u8],
    encoding: Encoding,
    errors: EncodingErrors,
) -> std::result::Result<String, ()> {
    match encoding {
        Encoding::Latin1 => Ok(bytes.iter().map(|&b| b as char).collect()),
        Encoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_string()),
            Err(_) if errors == EncodingErrors::Replace => {
                Ok(String::from_utf8_lossy(bytes).into_owned())
            }
            Err(_) => Err(()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("incidentlab-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    type Rows = Vec<(u64, Vec<String>)>;

    fn collect(path: &Path, opts: &ImportOptions) -> (Rows, RowCount, Vec<Reject>, Header) {
        let mut f = CsvFile::open(path, opts).unwrap();
        let mut got = Vec::new();
        let (n, rej) = f
            .for_each_row(|line, fields| {
                got.push((line, fields.iter().map(|s| s.to_string()).collect()));
                Ok(())
            })
            .unwrap();
        (got, n, rej, f.header)
    }

    #[test]
    fn bom_crlf_quotes_and_line_numbers() {
        let p = tmp(
            "a.csv",
            b"\xEF\xBB\xBFid,text\r\n1,\"a, b\"\r\n2,\"multi\r\nline\"\r\n3,x\r\n",
        );
        let (rows, n, rej, header) = collect(&p, &ImportOptions::default());
        assert_eq!(header.names, vec!["id", "text"]);
        assert_eq!(n, RowCount { read: 3, blank: 0 });
        assert!(rej.is_empty());
        assert_eq!(rows[0], (2, vec!["1".into(), "a, b".into()]));
        assert_eq!(rows[1].1[1], "multi\nline");
        assert_eq!(
            rows[2].0, 5,
            "the row after a two-line field starts on line 5"
        );
    }

    #[test]
    fn crlf_reader_across_chunk_boundaries() {
        let text = b"a\r\nb\rc\r\n\r\nd\r";
        for chunk in 2..8 {
            let mut r = CrLf::new(Cursor::new(text.to_vec()));
            let mut out = Vec::new();
            let mut buf = vec![0u8; chunk];
            loop {
                let n = r.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            assert_eq!(out, b"a\nb\rc\n\nd\r", "chunk {chunk}");
        }
    }

    #[test]
    fn semicolon_sniffed_and_field_count_rejected() {
        let p = tmp("b.csv", b"id;name;x\n1;a;b\n2;only\n");
        let (rows, n, rej, _) = collect(&p, &ImportOptions::default());
        assert_eq!(n.read, 2);
        assert_eq!(rows.len(), 1);
        assert_eq!(rej[0].line, 3);
        assert_eq!(rej[0].reason, RejectReason::FieldCount);
    }

    #[test]
    fn utf16_and_latin1_and_bad_utf8() {
        let text = "id,name\n1,Zürich\n";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let p = tmp("c.csv", &bytes);
        let (rows, _, _, _) = collect(&p, &ImportOptions::default());
        assert_eq!(rows[0].1[1], "Zürich");

        let p = tmp("d.csv", b"id,name\n1,Z\xfcrich\n");
        let (rows, n, rej, _) = collect(&p, &ImportOptions::default());
        assert_eq!(
            (rows.len(), n.read, rej[0].reason),
            (0, 1, RejectReason::Encoding)
        );
        let latin = ImportOptions {
            encoding: Encoding::Latin1,
            ..Default::default()
        };
        let (rows, _, _, _) = collect(&p, &latin);
        assert_eq!(rows[0].1[1], "Zürich");
        let strict = ImportOptions {
            encoding_errors: EncodingErrors::Strict,
            ..Default::default()
        };
        let err = CsvFile::open(&p, &strict)
            .unwrap()
            .for_each_row(|_, _| Ok(()))
            .err()
            .unwrap();
        assert!(err.to_string().contains(":2: column 'name'"), "{err}");
    }

    #[test]
    fn empty_and_header_only() {
        let p = tmp("e.csv", b"");
        let e = CsvFile::open(&p, &ImportOptions::default()).err().unwrap();
        assert!(e.to_string().contains("empty"), "{e}");
        let p = tmp("f.csv", b"id,name\r\n");
        let (rows, n, rej, _) = collect(&p, &ImportOptions::default());
        assert_eq!((rows.len(), n.read, rej.len()), (0, 0, 0));
    }

    #[test]
    fn blank_rows_are_skipped_and_counted_whatever_their_width() {
        let p = tmp(
            "g.csv",
            "id,name,x\r\n1,a,b\r\n,,\r\n , \t,\r\n,,,,,,\r\n\u{a0},,\r\n,\"\",\r\n2,c,d\r\n,,\r\n"
                .as_bytes(),
        );
        let (rows, n, rej, _) = collect(&p, &ImportOptions::default());
        assert_eq!(n, RowCount { read: 8, blank: 6 });
        assert!(rej.is_empty(), "{rej:?}");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 8, "line numbers still count the blank rows");
        // A row with one non-blank cell is data, even if that cell is a lone '?' or a short row.
        let p = tmp("h.csv", b"id,name,x\n,?,\n,,x,,\n");
        let (rows, n, rej, _) = collect(&p, &ImportOptions::default());
        assert_eq!((rows.len(), n.read, n.blank, rej.len()), (1, 2, 0, 1));
        // Empty lines (which the csv reader skips) are blank rows too, and the rows after them keep
        // their real line numbers, with or without a final line break.
        for (name, end) in [("i.csv", "\n"), ("j.csv", "")] {
            let text = format!("id,text\n1,\"two\n\nlines\"\n\n\n2,b\n   \n\n3,c{end}");
            let p = tmp(name, text.as_bytes());
            let (rows, n, rej, _) = collect(&p, &ImportOptions::default());
            assert_eq!(n, RowCount { read: 7, blank: 4 }, "{name}");
            assert!(rej.is_empty());
            let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
            assert_eq!(lines, vec![2, 7, 10], "{name}");
            assert_eq!(rows[0].1[1], "two\n\nlines");
        }
        assert_eq!(rej[0].reason, RejectReason::FieldCount);
        assert!(is_blank(b"  \t"));
        assert!(is_blank("\u{a0} \u{3000}".as_bytes()));
        assert!(!is_blank("\u{a0}x".as_bytes()));
        assert!(
            !is_blank(b"\xa0"),
            "a Latin-1 no-break space is not valid UTF-8: not blank"
        );
    }

    /// The progress hook hears of every byte of the file once (head and rest), and rows still read.
    #[test]
    fn progress_counts_every_byte_of_the_file() {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::Arc;
        let mut text = String::from("id,name\r\n");
        for k in 0..20_000 {
            text.push_str(&format!("{k},name number {k}\r\n"));
        }
        let p = tmp("progress.csv", text.as_bytes());
        let seen = Arc::new(AtomicU64::new(0));
        let counter = seen.clone();
        let opts = ImportOptions {
            progress: Some(crate::hook::Hook(Arc::new(move |n| {
                counter.fetch_add(n, Ordering::Relaxed);
            }))),
            ..Default::default()
        };
        let (rows, n, rej, _) = collect(&p, &opts);
        assert_eq!((rows.len(), n.read, rej.len()), (20_000, 20_000, 0));
        assert!(text.len() > 3 * HEAD_BYTES);
        assert_eq!(seen.load(Ordering::Relaxed), text.len() as u64);
    }

    #[test]
    fn repeated_column_names_resolve_to_the_first() {
        let h = Header::new(vec!["Watchers".into(), "Comment".into(), "Watchers".into()]);
        assert_eq!(h.find(&["watchers"]), Some(0));
        assert_eq!(h.find(&["nope", "Comment"]), Some(1));
        let e = h
            .require(Path::new("x.csv"), "incident id", &["Issue key"])
            .unwrap_err();
        assert!(e.to_string().contains("Issue key") && e.to_string().contains("Watchers"));
    }
}
