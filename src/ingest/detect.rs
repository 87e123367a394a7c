//! `--format auto`: recognise the source from the file's first bytes and header line.

use std::io::Read;
use std::path::Path;

use super::csvfile::{sniff_delimiter, Header};
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
    let text = if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        let le = head[0] == 0xFF;
        let units: Vec<u16> = head[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head)).into_owned()
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
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let names: Vec<String> = reader
        .headers()
        .map(|r| r.iter().map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    let header = Header::new(names);
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
