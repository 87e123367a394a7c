//! XES (IEEE 1849) event log written through quick-xml: one `<trace>` per incident, one `<event>`
//! per step, with the attribute keys of [`crate::ingest::spec::xes`]. quick-xml escapes every
//! attribute value.

use std::io::{self, Write};

use chrono_tz::Tz;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use quick_xml::Writer;

use super::eventlog::{state, IMPACT};
use super::{priority_index, Exporter};
use crate::generate::{GeneratedIncident, Step};
use crate::ingest::spec::xes;
use crate::timeparse::format_local;

const TIME: &str = "%Y-%m-%dT%H:%M:%S%.3f%:z";

pub struct Xes<'w> {
    out: Writer<&'w mut dyn Write>,
    tz: Tz,
}

impl<'w> Xes<'w> {
    /// Writes the declaration, `<log>` and the concept extension.
    pub fn new(w: &'w mut dyn Write, tz: Tz) -> io::Result<Self> {
        let mut out = Writer::new_with_indent(w, b' ', 2);
        out.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let log = BytesStart::new("log").with_attributes([
            ("xes.version", "1.0"),
            ("xmlns", "http://www.xes-standard.org/"),
        ]);
        out.write_event(Event::Start(log))?;
        out.create_element("extension")
            .with_attributes([
                ("name", "Concept"),
                ("prefix", "concept"),
                ("uri", "http://www.xes-standard.org/concept.xesext"),
            ])
            .write_empty()?;
        out.create_element("global")
            .with_attribute(("scope", "event"))
            .write_inner_content(|w| attribute(w, "string", xes::STATE, "__INVALID__"))?;
        Ok(Xes { out, tz })
    }

    fn event(&mut self, g: &GeneratedIncident, s: &Step) -> io::Result<()> {
        let (st, sub) = state(s.kind);
        let (group, level) = g.route[s.hop];
        let i = &g.truth;
        let at = format_local(s.at, self.tz, TIME);
        self.out.create_element("event").write_inner_content(|w| {
            attribute(w, "string", xes::STATE, st)?;
            attribute(w, "string", xes::SUB_STATE, sub)?;
            attribute(w, "string", xes::GROUP, group)?;
            if let Some(who) = &s.assignee {
                attribute(w, "string", xes::ASSIGNEE, who)?;
            }
            attribute(w, "string", xes::LEVEL, level)?;
            attribute(w, "string", xes::IMPACT, IMPACT[priority_index(i)])?;
            attribute(w, "string", xes::PRODUCT, i.ci.as_deref().unwrap_or(""))?;
            attribute(w, "date", xes::TIME, &at)
        })?;
        Ok(())
    }
}

/// `<kind key="…" value="…"/>`.
fn attribute<W: Write>(w: &mut Writer<W>, kind: &str, key: &str, value: &str) -> io::Result<()> {
    w.create_element(kind)
        .with_attributes([("key", key), ("value", value)])
        .write_empty()?;
    Ok(())
}

impl Exporter for Xes<'_> {
    fn incident(&mut self, _: usize, g: &GeneratedIncident) -> io::Result<()> {
        self.out
            .write_event(Event::Start(BytesStart::new("trace")))?;
        attribute(&mut self.out, "string", xes::CASE, &g.truth.incident_id)?;
        for s in &g.steps {
            self.event(g, s)?;
        }
        self.out.write_event(Event::End(BytesEnd::new("trace")))
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.write_event(Event::End(BytesEnd::new("log")))?;
        self.out.get_mut().write_all(b"\n")?;
        self.out.get_mut().flush()
    }
}
