//! CSV records with the line each starts on, read from LF text (CRLF already turned into LF).
//!
//! Most lines of an export are one record without quotes: such a line is split at its delimiters
//! where it lies in the read buffer (a SIMD search for the line end, the delimiters and any quote or
//! carriage return), without copying a byte. A line with a quote or a lone carriage return goes to
//! the csv crate's own parser (`csv_core`, the one `csv::Reader` uses, with its defaults: `"` quotes,
//! `""` inside quotes is a quote, CR, LF and CRLF end a record), which reads the record from there
//! on, across line breaks inside quotes. Both give the fields `csv::Reader` gives (a test compares
//! them on random text), and an empty line is a record of one empty field here, so that the caller
//! counts it as a blank row (the csv reader skips empty lines silently).

use std::io::Read;
use std::ops::Range;

use csv_core::ReadRecordResult;

/// Bytes read from the source at a time (the buffer grows for a longer record).
const READ_BYTES: usize = 1 << 20;

/// The least room a read is given.
const MIN_READ: usize = 1 << 16;

/// Where a record's field bytes are: in the read buffer (an unquoted line) or in the parser's output
/// (a record with quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Line,
    Parsed,
}

/// One record: the line it starts on and where its bytes are. Its fields' ranges are in the vector
/// given to [`Records::next`]; [`Records::bytes`] gives the bytes they index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub place: Place,
    /// All the record's field bytes (an unquoted line: the line, delimiters included).
    pub span: Range<usize>,
    /// Every byte of the span is ASCII (so it is valid UTF-8 without a further check).
    pub ascii: bool,
}

impl Record {
    /// An empty line (no bytes before its line break): a blank row to the caller.
    pub fn is_empty_line(&self) -> bool {
        self.place == Place::Line && self.span.is_empty()
    }
}

/// Reads [`Record`]s from a source of LF text.
pub struct Records {
    source: Box<dyn Read>,
    buf: Vec<u8>,
    /// The unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    eof: bool,
    /// The line `buf[start]` is on (1-based).
    line: u64,
    delimiter: u8,
    /// The delimiter is a quote, CR or LF: csv_core decides what it means on every line.
    core_only: bool,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Records {
    pub fn new(source: Box<dyn Read>, delimiter: u8) -> Records {
        let mut core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        // csv_core drops a byte-order mark at the start of the first input it is given. The file's
        // own mark is skipped before; here the first input csv_core sees may be any record of the
        // file, so it is primed with an empty line (which it skips) to keep such bytes.
        let _ = core.read_record(b"\n", &mut [0u8; 1], &mut [0usize; 1]);
        Records {
            source,
            buf: vec![0; READ_BYTES],
            start: 0,
            end: 0,
            eof: false,
            line: 1,
            delimiter,
            core_only: matches!(delimiter, b'"' | b'\r' | b'\n'),
            core,
            out: vec![0; 4096],
            ends: vec![0; 64],
        }
    }

    /// The bytes a record's field ranges index (valid until the next call of [`Records::next`]).
    pub fn bytes(&self, rec: &Record) -> &[u8] {
        match rec.place {
            Place::Line => &self.buf,
            Place::Parsed => &self.out,
        }
    }

    /// Moves the unread bytes to the front of the buffer (growing it when they fill it) and reads
    /// more; false at the end of the source.
    fn refill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        // Room for a read of a good size (and never under 2 bytes: the CRLF reader needs them to
        // hand on a CR it held back).
        if self.buf.len() - self.end < MIN_READ {
            let bigger = (self.buf.len() * 2).max(self.end + MIN_READ);
            self.buf.resize(bigger, 0);
        }
        loop {
            match self.source.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The next record, its fields' ranges in `fields`; `None` at the end of the input.
    pub fn next(&mut self, fields: &mut Vec<Range<usize>>) -> std::io::Result<Option<Record>> {
        let line = self.line;
        if self.core_only {
            if self.start == self.end && !self.refill()? {
                return Ok(None);
            }
            fields.clear();
            return self.parse_record(fields, line);
        }
        let scan = loop {
            let data = &self.buf[self.start..self.end];
            let last = self.eof;
            match scan_line(data, self.delimiter, self.start, last, fields) {
                Scan::NoLineEnd => {
                    // Read on until the line's end is in the buffer (looking only at the new
                    // bytes), then split the line once: a long line costs linear time whatever the
                    // size of the reads.
                    let mut seen = self.end - self.start;
                    loop {
                        if !self.refill()? {
                            if self.start == self.end {
                                return Ok(None);
                            }
                            break;
                        }
                        let from = self.start + seen;
                        if memchr::memchr(b'\n', &self.buf[from..self.end]).is_some() {
                            break;
                        }
                        seen = self.end - self.start;
                    }
                }
                other => break other,
            }
        };
        // The line may have moved to the front of the buffer while reading.
        let s = self.start;
        match scan {
            Scan::Line { end, ascii } => {
                self.start = (end + 1).min(self.end);
                self.line += 1;
                Ok(Some(Record {
                    line,
                    place: Place::Line,
                    span: s..end,
                    ascii,
                }))
            }
            _ => {
                fields.clear();
                self.parse_record(fields, line)
            }
        }
    }

    /// A record with quotes or lone carriage returns, through `csv_core` from `buf[start]` on.
    fn parse_record(
        &mut self,
        fields: &mut Vec<Range<usize>>,
        line: u64,
    ) -> std::io::Result<Option<Record>> {
        // A lone CR ends an (empty) record: csv_core skips those, and so do we, on the same line.
        // Nothing but CRs before the line break: an empty line.
        loop {
            while self.start < self.end && self.buf[self.start] == b'\r' {
                self.start += 1;
            }
            if self.start < self.end || !self.refill()? {
                break;
            }
        }
        if self.start == self.end {
            // Nothing but CRs up to the end of the input: empty records, which csv_core skips.
            return Ok(None);
        }
        if self.buf[self.start] == b'\n' {
            let s = self.start;
            self.start = (s + 1).min(self.end);
            self.line += u64::from(s < self.end);
            fields.push(s..s);
            return Ok(Some(Record {
                line,
                place: Place::Line,
                span: s..s,
                ascii: true,
            }));
        }
        let Some((nout, nend)) = self.run_core()? else {
            return Ok(None);
        };
        let mut from = 0;
        for &end in &self.ends[..nend] {
            fields.push(from..end);
            from = end;
        }
        Ok(Some(Record {
            line,
            place: Place::Parsed,
            span: 0..nout,
            ascii: false,
        }))
    }

    /// csv_core over the input from `buf[start]` until it ends a record: the record's output
    /// length and number of fields (in `out` and `ends`), or None at the end of the input.
    fn run_core(&mut self) -> std::io::Result<Option<(usize, usize)>> {
        let (mut used, mut nout, mut nend) = (0usize, 0usize, 0usize);
        loop {
            let input = &self.buf[self.start + used..self.end];
            let (res, nin, o, e) =
                self.core
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            // Line breaks are counted as they are read: the buffer may move under `input`.
            self.line += memchr::memchr_iter(b'\n', &input[..nin]).count() as u64;
            used += nin;
            nout += o;
            nend += e;
            match res {
                ReadRecordResult::InputEmpty => {
                    // All the input was read (its field bytes are in `out`): read more. At the end
                    // of the source csv_core is handed an empty input, and ends the record it is in.
                    self.start += used;
                    used = 0;
                    self.refill()?;
                }
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => break,
                ReadRecordResult::End => {
                    self.start = self.end;
                    return Ok(None);
                }
            }
        }
        self.start += used;
        if used > 0 && self.buf[self.start - 1] == b'\r' {
            // The record ended at a CR (its CRLF's CR was a lone one before it: `\r\r\n` becomes
            // `\r\n` when CRLF is turned into LF): a line break right after it is the same end of
            // line, not an empty line of its own.
            if self.start == self.end {
                self.refill()?;
            }
            if self.start < self.end && self.buf[self.start] == b'\n' {
                self.start += 1;
                self.line += 1;
            }
        }
        Ok(Some((nout, nend)))
    }
}

/// What [`scan_line`] found at the start of the unread bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// A line without quotes or carriage returns ending at `end` (its line break, or the end of
    /// the input); its fields are split.
    Line { end: usize, ascii: bool },
    /// A quote or a carriage return before the line's end: the line is csv_core's.
    Special,
    /// No line break in the bytes read so far.
    NoLineEnd,
}

/// Looks at the line starting at `data[0]` (at `base` in the buffer) 16 bytes at a time: where it
/// ends, where its delimiters are (their fields' ranges go to `fields`, in buffer positions),
/// whether it has a quote or a carriage return (then nothing is split), and whether it is all
/// ASCII. `last`: the input ends with `data` (an unterminated last line ends there).
#[inline]
fn scan_line(
    data: &[u8],
    delimiter: u8,
    base: usize,
    last: bool,
    fields: &mut Vec<Range<usize>>,
) -> Scan {
    fields.clear();
    let (mut from, mut i, mut high) = (0usize, 0usize, 0u32);
    let blocks = data.chunks_exact(16);
    let tail = blocks.remainder();
    for block in blocks {
        let m = masks(block, delimiter);
        let stop = if m.line_break != 0 {
            m.line_break.trailing_zeros()
        } else {
            16
        };
        let before = if stop == 16 {
            0xFFFF
        } else {
            (1u32 << stop) - 1
        };
        if m.special & before != 0 {
            return Scan::Special;
        }
        high |= m.high & before;
        let mut d = m.delimiter & before;
        while d != 0 {
            let k = i + d.trailing_zeros() as usize;
            fields.push(base + from..base + k);
            from = k + 1;
            d &= d - 1;
        }
        if stop < 16 {
            let end = i + stop as usize;
            fields.push(base + from..base + end);
            return Scan::Line {
                end: base + end,
                ascii: high == 0,
            };
        }
        i += 16;
    }
    for &b in tail {
        match b {
            b'\n' => {
                fields.push(base + from..base + i);
                return Scan::Line {
                    end: base + i,
                    ascii: high == 0,
                };
            }
            b'"' | b'\r' => return Scan::Special,
            _ if b == delimiter => {
                fields.push(base + from..base + i);
                from = i + 1;
            }
            _ => high |= u32::from(b >> 7),
        }
        i += 1;
    }
    if last && !data.is_empty() {
        fields.push(base + from..base + i);
        return Scan::Line {
            end: base + i,
            ascii: high == 0,
        };
    }
    fields.clear();
    Scan::NoLineEnd
}

/// Bit k of each mask is set when byte k of a 16-byte block is: a line break, the delimiter, a
/// quote or carriage return, a byte ≥ 0x80.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Masks {
    line_break: u32,
    delimiter: u32,
    special: u32,
    high: u32,
}

/// [`Masks`] of a 16-byte block, with SSE2 (part of every x86-64 target).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks(block: &[u8], delimiter: u8) -> Masks {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    debug_assert_eq!(block.len(), 16);
    // SAFETY: `block` holds 16 bytes (chunks_exact(16)); the load has no alignment requirement and
    // SSE2 is enabled on every x86-64 target.
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast());
        let eq = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
        Masks {
            line_break: _mm_movemask_epi8(eq(b'\n')) as u32,
            delimiter: _mm_movemask_epi8(eq(delimiter)) as u32,
            special: _mm_movemask_epi8(_mm_or_si128(eq(b'"'), eq(b'\r'))) as u32,
            high: _mm_movemask_epi8(v) as u32,
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn masks(block: &[u8], delimiter: u8) -> Masks {
    masks_bytewise(block, delimiter)
}

/// [`Masks`] byte by byte: other targets, and the oracle of the SSE2 version in the tests.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn masks_bytewise(block: &[u8], delimiter: u8) -> Masks {
    let mut m = Masks {
        line_break: 0,
        delimiter: 0,
        special: 0,
        high: 0,
    };
    for (k, &b) in block.iter().enumerate().take(16) {
        let bit = 1u32 << k;
        m.line_break |= bit * u32::from(b == b'\n');
        m.delimiter |= bit * u32::from(b == delimiter);
        m.special |= bit * u32::from(b == b'"' || b == b'\r');
        m.high |= bit * u32::from(b >= 0x80);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Every record as (line, fields as text), empty lines left out.
    /// A source that hands on at most `max` bytes per read (a pipe, a slow disk): records then
    /// straddle reads at every position.
    struct Trickle {
        inner: Cursor<Vec<u8>>,
        max: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.max);
            self.inner.read(&mut buf[..n])
        }
    }

    /// Every record as (line, empty, fields), read `read_bytes` at a time, through the CRLF
    /// reader when `crlf`.
    fn records(
        text: &[u8],
        delimiter: u8,
        read_bytes: usize,
        crlf: bool,
    ) -> Vec<(u64, bool, Vec<Vec<u8>>)> {
        let trickle = Trickle {
            inner: Cursor::new(text.to_vec()),
            max: read_bytes,
        };
        let source: Box<dyn Read> = if crlf {
            Box::new(crate::ingest::csvfile::CrLf::new(trickle))
        } else {
            Box::new(trickle)
        };
        let mut r = Records::new(source, delimiter);
        let mut fields = Vec::new();
        let mut got = Vec::new();
        while let Some(rec) = r.next(&mut fields).unwrap() {
            let b = r.bytes(&rec);
            if rec.place == Place::Line {
                assert_eq!(rec.ascii, b[rec.span.clone()].is_ascii(), "{rec:?}");
            }
            let f = fields.iter().map(|f| b[f.clone()].to_vec()).collect();
            got.push((rec.line, rec.is_empty_line(), f));
        }
        got
    }

    /// Every record as (line, fields as text), empty lines left out.
    fn read_all(text: &[u8], delimiter: u8, read_bytes: usize) -> Vec<(u64, Vec<Vec<u8>>)> {
        records(text, delimiter, read_bytes, false)
            .into_iter()
            .filter(|r| !r.1)
            .map(|r| (r.0, r.2))
            .collect()
    }

    /// CRLF turned into LF as [`crate::ingest::csvfile::CrLf`] does (`\r\r\n` → `\r\n`).
    fn lf(text: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            if text[i] == b'\r' && text.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            out.push(text[i]);
            i += 1;
        }
        out
    }

    /// Review findings of stop 22: a byte-order mark inside the file is data (csv_core drops one
    /// only at the start of its first input, which may be any record here); a CR that ends a record
    /// before a line break (`\r\r\n`) makes no empty line; CRs at the very end are no record; a
    /// CR held back by the CRLF reader at a read's end is handed on in its place.
    #[test]
    fn review_cases_read_as_the_csv_crate_reads_them() {
        let bom = b"id,name\n\xEF\xBB\xBF\"1\",x\n";
        for chunk in [1, 2, 3, 7, 4096] {
            let got = read_all(bom, b',', chunk);
            let fields: Vec<_> = got.into_iter().map(|g| g.1).collect();
            assert_eq!(fields, csv_crate(bom, b','), "chunk {chunk}");
        }
        let early_end = b"h\n\r\xEF\xBB\xBFa\nb\nc\n";
        for chunk in [1, 2, 3, 4, 5, 6, 4096] {
            assert_eq!(read_all(early_end, b',', chunk).len(), 4, "chunk {chunk}");
        }
        for (text, lines) in [
            (&b"h\nx\r\r\ny\n"[..], vec![1, 2, 3]),
            (&b"h\n\"x\"\r\r\ny\n"[..], vec![1, 2, 3]),
            (&b"h\nx\n\r"[..], vec![1, 2]),
            (&b"h\nx\r\r"[..], vec![1, 2]),
        ] {
            for chunk in [1, 2, 3, 4096] {
                let got = records(text, b',', chunk, true);
                assert!(
                    got.iter().all(|r| !r.1),
                    "no empty record: {text:?} {got:?}"
                );
                let l: Vec<u64> = got.iter().map(|r| r.0).collect();
                assert_eq!(l, lines, "{text:?}");
            }
        }
        let mut long = b"h\n".to_vec();
        long.extend(std::iter::repeat_n(b'A', READ_BYTES - 1));
        long.extend_from_slice(b"\rB,x\n");
        for chunk in [READ_BYTES, 1 << 16, 4093] {
            let got = read_all(&lf(&long), b',', chunk);
            let fields: Vec<_> = got.into_iter().map(|g| g.1).collect();
            assert_eq!(fields, csv_crate(&lf(&long), b','), "chunk {chunk}");
            let through: Vec<_> = records(&long, b',', chunk, true)
                .into_iter()
                .filter(|r| !r.1)
                .map(|r| r.2)
                .collect();
            assert_eq!(through, fields, "through the CRLF reader, chunk {chunk}");
        }
    }

    /// The csv crate's records of the same text (it skips empty lines).
    fn csv_crate(text: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
        let mut r = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(text);
        let mut out = Vec::new();
        for rec in r.byte_records() {
            out.push(rec.unwrap().iter().map(|f| f.to_vec()).collect());
        }
        out
    }

    /// The SSE2 masks against the byte-by-byte ones, on random blocks of the bytes that matter.
    #[test]
    fn block_masks_agree_with_a_bytewise_scan() {
        let bytes = [b'\n', b',', b';', b'"', b'\r', 0x80, 0xFF, b'a', 0x7F, 0];
        let mut state = 7u64;
        for _ in 0..20_000 {
            let block: Vec<u8> = (0..16)
                .map(|_| {
                    state = crate::random::splitmix64(state);
                    bytes[(state % bytes.len() as u64) as usize]
                })
                .collect();
            for d in [b',', b';', b'\t'] {
                assert_eq!(masks(&block, d), masks_bytewise(&block, d), "{block:?}");
            }
        }
    }

    #[test]
    fn quoted_fields_line_breaks_and_line_numbers() {
        let text = b"a,b\n1,\"x, \"\"y\"\"\"\n2,\"two\nlines\"\n\n3,c";
        let got = read_all(text, b',', 8);
        let fields: Vec<Vec<Vec<u8>>> = got.iter().map(|g| g.1.clone()).collect();
        assert_eq!(fields, csv_crate(text, b','));
        let lines: Vec<u64> = got.iter().map(|g| g.0).collect();
        assert_eq!(lines, vec![1, 2, 3, 6]);
        assert_eq!(got[1].1[1], b"x, \"y\"");
        assert_eq!(got[2].1[1], b"two\nlines");
    }

    /// A second implementation as the oracle: random text of delimiters, quotes, line breaks, lone
    /// carriage returns, spaces and letters, read in buffers of several sizes, gives the csv crate's
    /// records; the line of each record is the number of line breaks before its first byte, plus one.
    #[test]
    fn random_text_reads_as_the_csv_crate_reads_it() {
        let alphabet = [
            b'a', b'b', b',', b';', b'"', b'\n', b'\n', b'\r', b' ', b'x', 0xE9, b'a', b',', b'b',
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for case in 0..3000 {
            let len = (case % 131) + 1;
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    state = crate::random::splitmix64(state);
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            let delimiter = if case % 3 == 0 { b';' } else { b',' };
            let want = csv_crate(&text, delimiter);
            for read_bytes in [1, 3, 16, 4096] {
                let got = read_all(&text, delimiter, read_bytes);
                let fields: Vec<Vec<Vec<u8>>> = got.iter().map(|g| g.1.clone()).collect();
                assert_eq!(
                    fields,
                    want,
                    "case {case}, buffer {read_bytes}: {:?}",
                    String::from_utf8_lossy(&text)
                );
                // Through the CRLF reader: the csv crate's records of the text with CRLF as LF.
                let through: Vec<Vec<Vec<u8>>> = records(&text, delimiter, read_bytes, true)
                    .into_iter()
                    .filter(|r| !r.1)
                    .map(|r| r.2)
                    .collect();
                assert_eq!(
                    through,
                    csv_crate(&lf(&text), delimiter),
                    "CRLF, case {case}, buffer {read_bytes}: {:?}",
                    String::from_utf8_lossy(&text)
                );
                // Lines, where a record's start is unambiguous: a record without quotes starts
                // after the line breaks before it (every earlier record ended on one or on a CR).
                if !text.contains(&b'"') {
                    let mut expect = Vec::new();
                    let mut line = 1u64;
                    let mut at_start = true;
                    for (i, &b) in text.iter().enumerate() {
                        if at_start && b != b'\n' && b != b'\r' {
                            expect.push(line);
                            at_start = false;
                        }
                        if b == b'\n' || b == b'\r' {
                            at_start = true;
                        }
                        if b == b'\n' {
                            line += 1;
                        }
                        let _ = i;
                    }
                    let lines: Vec<u64> = got.iter().map(|g| g.0).collect();
                    assert_eq!(
                        lines,
                        expect,
                        "case {case}: {:?}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
    }
}
