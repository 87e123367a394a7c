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
use crate::timeparse::TimeParser;

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

/// Reads an XES file into events (one per `<event>`), rejects and the number of events read.
pub fn parse(path: &Path, opts: &ImportOptions) -> Result<(Vec<LogEvent>, Vec<Reject>, u64)> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = xes_text(path, &bytes)?;
    let mut reader = Reader::from_str(text);
    let mut state = XesState::new(path, opts);
    let mut lines = Lines { line: 1, pos: 0 };
    loop {
        let before = reader.buffer_position() as usize;
        let ev = reader.read_event().map_err(|e| Error::At {
            path: path.to_path_buf(),
            line: line_of(text, reader.error_position() as usize),
            column: String::new(),
            message: format!("malformed XML: {e}"),
        })?;
        let line = lines.advance(text, before);
        state.track(&ev, line)?;
        if matches!(ev, Xml::Eof) {
            state.check_closed()?;
            break;
        }
        state.element(ev, line)?;
    }
    state.finish()
}

/// The file's text: UTF-8 without a byte-order mark, not empty.
fn xes_text<'b>(path: &Path, bytes: &'b [u8]) -> Result<&'b str> {
    let text =
        std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|e| {
            Error::format(
                path,
                format!("not UTF-8 text (XES files are XML in UTF-8): {e}"),
            )
        })?;
    if text.trim().is_empty() {
        return Err(Error::format(
            path,
            "the file is empty: expected an XES <log> document",
        ));
    }
    Ok(text)
}

/// The line of the element being read, counted forward as the reader moves.
struct Lines {
    line: u64,
    /// The byte offset up to which line breaks have been counted.
    pos: usize,
}

impl Lines {
    /// The line of the element that starts at byte `before` (leading whitespace text skipped).
    fn advance(&mut self, text: &str, before: usize) -> u64 {
        let start = before
            + text.as_bytes()[before.min(text.len())..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let to = start.max(self.pos).min(text.len());
        self.line += text.as_bytes()[self.pos..to]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.pos = to;
        self.line
    }
}

/// An XES read in progress: the events and rejects so far, the trace and event being read and the
/// elements still open.
struct XesState<'a> {
    path: &'a Path,
    opts: &'a ImportOptions,
    times: TimeParser,
    file: Arc<str>,
    events: Vec<LogEvent>,
    rejects: Vec<Reject>,
    /// Events read (`</event>` seen).
    read: u64,
    saw_log: bool,
    /// The case id (`concept:name`) of the trace being read.
    case: Option<String>,
    /// The event being read: its line and its own attributes.
    in_event: Option<(u64, HashMap<String, String>)>,
    /// How deep inside the event's nested lists/containers the reader is.
    depth_in_event: usize,
    /// Elements opened and not yet closed, with their line: what is left at the end is truncation.
    open: Vec<(String, u64)>,
}

impl<'a> XesState<'a> {
    fn new(path: &'a Path, opts: &'a ImportOptions) -> Self {
        XesState {
            path,
            opts,
            times: opts.time_parser(),
            file: Arc::from(path.display().to_string()),
            events: Vec::new(),
            rejects: Vec::new(),
            read: 0,
            saw_log: false,
            case: None,
            in_event: None,
            depth_in_event: 0,
            open: Vec::new(),
        }
    }

    fn malformed(&self, line: u64, message: String) -> Error {
        Error::At {
            path: self.path.to_path_buf(),
            line,
            column: String::new(),
            message,
        }
    }

    /// Keeps the stack of open elements, and refuses what an XES file must not contain.
    fn track(&mut self, ev: &Xml, line: u64) -> Result<()> {
        match ev {
            Xml::Start(e) => self.open.push((e.name().as_ref().to_string(), line)),
            Xml::End(_) => {
                self.open.pop();
            }
            // Entity declarations can expand to anything (billion laughs, external files): XES
            // never needs them, so a DOCTYPE is refused rather than silently ignored.
            Xml::DocType(_) => {
                return Err(self.malformed(
                    line,
                    "a DOCTYPE declaration (entity definitions) is not accepted in an XES file; \
                     remove the <!DOCTYPE …> part"
                        .into(),
                ))
            }
            Xml::GeneralRef(r) if !r.is_char_ref() && !is_predefined(&r[..]) => {
                return Err(self.malformed(line, format!(
                    "unknown entity reference '&{};' (only &lt; &gt; &amp; &quot; &apos; and character references are allowed)",
                    &r[..]
                )))
            }
            _ => {}
        }
        Ok(())
    }

    /// At the end of the file: every element must be closed.
    fn check_closed(&self) -> Result<()> {
        match self.open.last() {
            Some((name, at)) => Err(self.malformed(
                *at,
                format!(
                    "the file ends before <{name}> (opened on line {at}) is closed: truncated or unbalanced XML ({} element(s) left open)",
                    self.open.len()
                ),
            )),
            None => Ok(()),
        }
    }

    /// One XML event other than the end of the file.
    fn element(&mut self, ev: Xml, line: u64) -> Result<()> {
        let opens = matches!(ev, Xml::Start(_));
        match ev {
            Xml::Start(e) | Xml::Empty(e) if e.local_name().as_ref() == "log" => {
                self.saw_log = true
            }
            Xml::Start(e) if e.local_name().as_ref() == "trace" => self.case = None,
            Xml::Start(e) if e.local_name().as_ref() == "event" => {
                self.in_event = Some((line, HashMap::new()));
                self.depth_in_event = 0;
            }
            Xml::End(e) if e.local_name().as_ref() == "event" => {
                if let Some((ev_line, map)) = self.in_event.take() {
                    self.read += 1;
                    match self.log_event(ev_line, &map) {
                        Ok(event) => self.events.push(event),
                        Err(reject) => self.rejects.push(reject),
                    }
                }
            }
            Xml::Start(e) | Xml::Empty(e) => {
                let a = attrs(&e).map_err(|m| self.malformed(line, m))?;
                self.attribute(a);
                if opens && self.in_event.is_some() {
                    self.depth_in_event += 1;
                }
            }
            Xml::End(_) if self.in_event.is_some() => {
                self.depth_in_event = self.depth_in_event.saturating_sub(1)
            }
            _ => {}
        }
        Ok(())
    }

    /// A `key`/`value` attribute element: one of the event's own attributes, or the trace's case
    /// id (the first `concept:name` outside any event).
    fn attribute(&mut self, a: HashMap<String, String>) {
        let (Some(k), Some(v)) = (a.get("key"), a.get("value")) else {
            return;
        };
        match self.in_event.as_mut() {
            // Only the event's own attributes, not members of nested lists/containers.
            Some((_, map)) if self.depth_in_event == 0 => {
                map.insert(k.clone(), v.clone());
            }
            Some(_) => {}
            // A blank case id is no id: the trace's events are rejected as missing one, as a
            // blank id cell is in the CSV importers.
            None if k == super::spec::xes::CASE && self.case.is_none() => {
                self.case = Some(v.trim().to_string()).filter(|id| !id.is_empty())
            }
            None => {}
        }
    }

    /// The event that ends on `</event>` (it started on `ev_line`), or why it is rejected.
    fn log_event(
        &self,
        ev_line: u64,
        map: &HashMap<String, String>,
    ) -> std::result::Result<LogEvent, Reject> {
        let o = &self.opts.eventlog;
        let reject = |column: &str, reason, detail: String| Reject {
            file: self.file.to_string(),
            line: ev_line,
            column: column.to_string(),
            reason,
            detail,
        };
        let Some(id) = self.case.clone() else {
            return Err(reject(
                super::spec::xes::CASE,
                RejectReason::MissingId,
                "the event's trace has no concept:name (or a blank one)".into(),
            ));
        };
        let time_key = o
            .time_column
            .clone()
            .unwrap_or_else(|| super::spec::xes::TIME.into());
        let Some(raw) = pick(map, &o.time_column, TIME) else {
            return Err(reject(
                &time_key,
                RejectReason::BadTimestamp,
                "the event has no time:timestamp".into(),
            ));
        };
        let at = (self.times.parse(&raw))
            .map_err(|e| reject(&time_key, RejectReason::BadTimestamp, e))?;
        Ok(LogEvent {
            event: Event {
                incident_id: id,
                at,
                state: pick(map, &o.state_column, STATE),
                sub_state: pick(map, &o.sub_state_column, SUB_STATE),
                group: pick(map, &o.group_column, GROUP),
                support_level: pick(map, &o.level_column, LEVEL),
                assignee: pick(map, &None, ASSIGNEE),
                source_line: ev_line,
            },
            impact: pick(map, &o.impact_column, IMPACT),
            product: pick(map, &None, PRODUCT),
            file: self.file.clone(),
            source: "xes",
        })
    }

    /// The events, rejects and events read, once the document is known to be an XES log.
    fn finish(self) -> Result<(Vec<LogEvent>, Vec<Reject>, u64)> {
        if !self.saw_log {
            return Err(Error::format(
                self.path,
                "not an XES document: expected a <log> element",
            ));
        }
        Ok((self.events, self.rejects, self.read))
    }
}
