//! XES (IEEE 1849) event logs: `<trace>` elements carry the case id in `concept:name`; each
//! `<event>` has `time:timestamp`, `concept:name` (the state), `lifecycle:transition` (sub-state),
//! `org:group`, `org:resource` and any other attributes. Attribute keys follow the CSV event log's
//! names (`--state-column` etc. choose others), and the reduction to incidents is the event log's.
//! One event is one row read; its line is where the `<event>` element starts.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use quick_xml::events::{BytesStart, Event as Xml};
use quick_xml::{Reader, XmlVersion};

use super::eventlog::{LogEvent, ASSIGNEE, GROUP, IMPACT, LEVEL, PRODUCT, STATE, SUB_STATE, TIME};
use super::{ImportOptions, Reject, RejectReason};
use crate::error::{Error, Result};
use crate::schema::Event;

/// The element's attributes. An attribute that is not well-formed (no quotes, an unknown entity
/// such as `&xxe;`) is an error, not an empty value: it would otherwise drop data silently.
fn attrs(e: &BytesStart) -> std::result::Result<HashMap<String, String>, String> {
    let mut m = HashMap::new();
    for a in e.attributes() {
        let a = a.map_err(|err| format!("malformed attribute: {err}"))?;
        let key = a.key.as_ref().to_string();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| format!("attribute '{key}': {err}"))?
            .into_owned();
        m.insert(key, value);
    }
    Ok(m)
}

/// Line (1-based) of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> u64 {
    1 + text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

fn pick(
    map: &HashMap<String, String>,
    given: &Option<String>,
    defaults: &[&str],
) -> Option<String> {
    let keys: Vec<&str> = match given {
        Some(g) => vec![g.as_str()],
        None => defaults.to_vec(),
    };
    keys.iter()
        .find_map(|k| map.get(*k))
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().to_string())
}

fn is_predefined(name: &str) -> bool {
    matches!(name, "lt" | "gt" | "amp" | "quot" | "apos")
}

// Over 80 lines: one streaming loop over the XML events with the open-element stack, the trace
// and the event in progress as its state; splitting it means threading that state through helpers.
pub fn parse(path: &Path, opts: &ImportOptions) -> Result<(Vec<LogEvent>, Vec<Reject>, u64)> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)).map_err(
        |e| {
            Error::format(
                path,
                format!("not UTF-8 text (XES files are XML in UTF-8): {e}"),
            )
        },
    )?;
    if text.trim().is_empty() {
        return Err(Error::format(
            path,
            "the file is empty: expected an XES <log> document",
        ));
    }
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut reader = Reader::from_str(text);
    let o = &opts.eventlog;
    let times = opts.time_parser();
    let (mut events, mut rejects, mut read) = (Vec::new(), Vec::new(), 0u64);
    let mut saw_log = false;
    let mut case: Option<String> = None;
    let mut in_event: Option<(u64, HashMap<String, String>)> = None;
    let mut depth_in_event = 0usize;
    let (mut line, mut pos) = (1u64, 0usize);
    // Elements opened and not yet closed, with their line: what is left at the end is truncation.
    let mut open: Vec<(String, u64)> = Vec::new();
    loop {
        let before = reader.buffer_position() as usize;
        let ev = reader.read_event().map_err(|e| Error::At {
            path: path.to_path_buf(),
            line: line_of(text, reader.error_position() as usize),
            column: String::new(),
            message: format!("malformed XML: {e}"),
        })?;
        // Line of the element that starts at `before` (skip leading whitespace text).
        let start = before
            + text.as_bytes()[before.min(text.len())..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        line += text.as_bytes()[pos..start.max(pos).min(text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        pos = start.max(pos).min(text.len());
        let opens = matches!(ev, Xml::Start(_));
        let malformed = |message: String| Error::At {
            path: path.to_path_buf(),
            line,
            column: String::new(),
            message,
        };
        match &ev {
            Xml::Start(e) => open.push((e.name().as_ref().to_string(), line)),
            Xml::End(_) => {
                open.pop();
            }
            // Entity declarations can expand to anything (billion laughs, external files): XES
            // never needs them, so a DOCTYPE is refused rather than silently ignored.
            Xml::DocType(_) => {
                return Err(malformed(
                    "a DOCTYPE declaration (entity definitions) is not accepted in an XES file; \
                     remove the <!DOCTYPE …> part"
                        .into(),
                ))
            }
            Xml::GeneralRef(r) if !r.is_char_ref() && !is_predefined(&r[..]) => {
                return Err(malformed(format!(
                    "unknown entity reference '&{};' (only &lt; &gt; &amp; &quot; &apos; and character references are allowed)",
                    &r[..]
                )))
            }
            _ => {}
        }
        match ev {
            Xml::Eof => {
                if let Some((name, at)) = open.last() {
                    return Err(Error::At {
                        path: path.to_path_buf(),
                        line: at.to_owned(),
                        column: String::new(),
                        message: format!(
                            "the file ends before <{name}> (opened on line {at}) is closed: truncated or unbalanced XML ({} element(s) left open)",
                            open.len()
                        ),
                    });
                }
                break;
            }
            Xml::Start(e) | Xml::Empty(e) if e.local_name().as_ref() == "log" => saw_log = true,
            Xml::Start(e) if e.local_name().as_ref() == "trace" => case = None,
            Xml::Start(e) if e.local_name().as_ref() == "event" => {
                in_event = Some((line, HashMap::new()));
                depth_in_event = 0;
            }
            Xml::End(e) if e.local_name().as_ref() == "event" => {
                if let Some((ev_line, map)) = in_event.take() {
                    read += 1;
                    let reject = |column: &str, reason, detail: String| Reject {
                        file: file.to_string(),
                        line: ev_line,
                        column: column.to_string(),
                        reason,
                        detail,
                    };
                    let Some(id) = case.clone() else {
                        rejects.push(reject(
                            super::spec::xes::CASE,
                            RejectReason::MissingId,
                            "the event's trace has no concept:name".into(),
                        ));
                        continue;
                    };
                    let time_key = o
                        .time_column
                        .clone()
                        .unwrap_or_else(|| super::spec::xes::TIME.into());
                    let Some(raw) = pick(&map, &o.time_column, TIME) else {
                        rejects.push(reject(
                            &time_key,
                            RejectReason::BadTimestamp,
                            "the event has no time:timestamp".into(),
                        ));
                        continue;
                    };
                    match times.parse(&raw) {
                        Err(e) => rejects.push(reject(&time_key, RejectReason::BadTimestamp, e)),
                        Ok(at) => events.push(LogEvent {
                            event: Event {
                                incident_id: id,
                                at,
                                state: pick(&map, &o.state_column, STATE),
                                sub_state: pick(&map, &o.sub_state_column, SUB_STATE),
                                group: pick(&map, &o.group_column, GROUP),
                                support_level: pick(&map, &o.level_column, LEVEL),
                                assignee: pick(&map, &None, ASSIGNEE),
                                source_line: ev_line,
                            },
                            impact: pick(&map, &o.impact_column, IMPACT),
                            product: pick(&map, &None, PRODUCT),
                            file: file.clone(),
                            source: "xes",
                        }),
                    }
                }
            }
            Xml::Start(e) | Xml::Empty(e) => {
                let a = attrs(&e).map_err(malformed)?;
                if let (Some(k), Some(v)) = (a.get("key"), a.get("value")) {
                    match in_event.as_mut() {
                        // Only the event's own attributes, not members of nested lists/containers.
                        Some((_, map)) if depth_in_event == 0 => {
                            map.insert(k.clone(), v.clone());
                        }
                        Some(_) => {}
                        None if k == super::spec::xes::CASE && case.is_none() => {
                            case = Some(v.trim().to_string())
                        }
                        None => {}
                    }
                }
                if opens && in_event.is_some() {
                    depth_in_event += 1;
                }
            }
            Xml::End(_) if in_event.is_some() => depth_in_event = depth_in_event.saturating_sub(1),
            _ => {}
        }
    }
    if !saw_log {
        return Err(Error::format(
            path,
            "not an XES document: expected a <log> element",
        ));
    }
    Ok((events, rejects, read))
}
