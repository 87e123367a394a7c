//! `--format auto`: recognise the source from the file's first bytes and header line.

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::Read;
use std::path::Path;

use super::csvfile::{sniff_delimiter, utf16_units, Header};
use super::spec::{jira, pagerduty as pd, servicenow as sn, servicenow_audit as audit};
use super::SourceFormat;
use crate::error::{Error, Result};

/// Decides the format from a header (column names); `None` when nothing fits.
pub fn detect_header(h: &Header) -> Option<SourceFormat> {
    if h.has(audit::SYS_UPDATED_AT) || (h.has(audit::INCIDENT_STATE) && h.has(audit::SYS_MOD_COUNT))
    {
        return Some(SourceFormat::ServiceNowAudit);
    }
    if h.has(jira::ISSUE_KEY) && h.has(jira::CREATED) {
        return Some(SourceFormat::Jira);
    }
    if h.has(pd::INCIDENT_NUMBER)
        || h.has(pd::SECONDS_TO_FIRST_ACK)
        || ((h.has(pd::CREATED_AT) || h.has("created_on"))
            && (h.has(pd::SERVICE_NAME) || h.has("escalation_policy")))
    {
        return Some(SourceFormat::PagerDuty);
    }
    if (h.has(sn::NUMBER) || h.has("Number")) && (h.has(sn::OPENED_AT) || h.has("Opened")) {
        return Some(SourceFormat::ServiceNow);
    }
    let case = super::eventlog::CASE.iter().any(|c| h.has(c));
    let time = super::eventlog::TIME.iter().any(|c| h.has(c));
    if case && time {
        return Some(SourceFormat::EventLog);
    }
    None
}

/// Reads the start of a file and decides its format, or says what it found.
pub fn detect_file(path: &Path) -> Result<SourceFormat> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
        .map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
    let text: Cow<str> = if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        Cow::Owned(String::from_utf16_lossy(&utf16_units(
            &head[2..],
            head[0] == 0xFF,
        )))
    } else {
        String::from_utf8_lossy(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head))
    };
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(Error::format(
            path,
            "the file is empty: nothing to detect a format from",
        ));
    }
    if trimmed.starts_with("<?xml") || trimmed.starts_with("<log") {
        return Ok(SourceFormat::Xes);
    }
    let delimiter = sniff_delimiter(text.as_bytes());
    let header = Header::new(header_names(text.as_bytes(), delimiter));
    detect_header(&header).ok_or_else(|| {
        let shown: Vec<&str> = header.names.iter().take(12).map(|s| s.as_str()).collect();
        Error::format(
            path,
            format!(
                "cannot tell the export format from the header {shown:?}; expected ServiceNow (number, opened_at), \
                 ServiceNow audit (sys_updated_at), Jira (Issue key, Created), PagerDuty (created_at, service_name), \
                 an event log (case id and timestamp columns) or XES; otherwise use --format mapping --mapping FILE"
            ),
        )
    })
}

thread_local! {
    /// csv parsers by delimiter, built once per thread: building one (its state table) costs more
    /// than reading a header line, and detection runs once per file imported with `--format auto`.
    static HEADER_PARSERS: RefCell<Vec<(u8, csv_core::Reader)>> = const { RefCell::new(Vec::new()) };
}

/// The column names (trimmed) of the first record of `text`, parsed exactly as the csv crate's
/// reader parses it (it is the same parser: quotes, doubled quotes, CR/LF/CRLF record ends, a
/// leading byte-order mark, empty lines skipped); empty when there is no record or it is not text.
fn header_names(text: &[u8], delimiter: u8) -> Vec<String> {
    HEADER_PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let k = match parsers.iter().position(|(d, _)| *d == delimiter) {
            Some(k) => k,
            None => {
                let parser = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
                parsers.push((delimiter, parser));
                parsers.len() - 1
            }
        };
        let parser = &mut parsers[k].1;
        parser.reset();
        first_record(parser, text)
    })
}

/// Reads the first record of `input` with `parser` (freshly reset) into its fields, as text.
fn first_record(parser: &mut csv_core::Reader, mut input: &[u8]) -> Vec<String> {
    use csv_core::ReadRecordResult as R;
    let (mut out, mut ends) = (vec![0u8; input.len().clamp(64, 1 << 12)], vec![0usize; 64]);
    let (mut out_len, mut ends_len) = (0, 0);
    loop {
        let (res, nin, nout, nend) =
            parser.read_record(input, &mut out[out_len..], &mut ends[ends_len..]);
        input = &input[nin..];
        (out_len, ends_len) = (out_len + nout, ends_len + nend);
        match res {
            R::InputEmpty => {}
            R::OutputFull => out.resize(out.len() * 2, 0),
            R::OutputEndsFull => ends.resize(ends.len() * 2, 0),
            R::Record => break,
            R::End => return Vec::new(),
        }
    }
    let mut start = 0;
    let mut names = Vec::with_capacity(ends_len);
    for &end in &ends[..ends_len] {
        match std::str::from_utf8(&out[start..end]) {
            Ok(name) => names.push(name.trim().to_string()),
            Err(_) => return Vec::new(),
        }
        start = end;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header as the csv crate's reader gives it (what detection used before).
    fn by_csv_reader(text: &[u8], delimiter: u8) -> Vec<String> {
        csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(text)
            .headers()
            .map(|r| r.iter().map(|s| s.trim().to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn header_names_match_the_csv_reader() {
        let cases: &[&[u8]] = &[
            b"number,opened_at,state\n1,2,3\n",
            b"\xEF\xBB\xBFIssue key;Created;\"Custom field (Team)\"\r\nA;B;C\r\n",
            b"\n\r\n  a , \"b \"\"quoted\"\" \",c\"d\",\"e\"f\n",
            b"\"multi\nline\",x\ry,z",
            b"\"unterminated,a,b",
            b"",
            b"\n\n",
            b"one",
            b"a\tb\t\tc|d",
            "caf\u{e9},\u{fffd},na\u{ef}ve\n".as_bytes(),
        ];
        let long = format!("{}\n", vec!["column"; 500].join(","));
        for text in cases.iter().copied().chain([long.as_bytes()]) {
            for delimiter in [b',', b';', b'\t', b'|'] {
                // Twice: the cached parser must be reset between files.
                for _ in 0..2 {
                    assert_eq!(
                        header_names(text, delimiter),
                        by_csv_reader(text, delimiter),
                        "{:?} / {}",
                        String::from_utf8_lossy(text),
                        delimiter as char
                    );
                }
            }
        }
    }
}
