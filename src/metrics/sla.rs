//! SLA policies and per-incident SLA evaluation.
//!
//! A policy file (TOML) gives response and resolution targets per priority, the calendar each target
//! runs on, and the states that pause the clock:
//!
//! ```toml
//! name = "standard"
//! timezone = "Europe/Berlin"
//! pause_states = ["Wait - User", "Awaiting User Info"]
//! [calendar]                        # working hours for targets with calendar = "business"
//! weekdays = ["08:00", "18:00"]     # or monday = [...], …, sunday = [...]
//! holidays = ["2025-12-25"]
//! [[targets]]
//! priority = 1
//! response_hours = 0.5
//! resolution_hours = 4
//! calendar = "24x7"                 # or "business"
//! ```
//!
//! Definitions, exactly:
//! - *clock hours* = hours on the target's calendar from `opened_at` to the end (resolution, or the
//!   as-of time while unresolved), minus the pauses: time from an event in a pause state to the next
//!   event (events table), clipped to the same span and counted on the same calendar. Without an
//!   events table, `on_hold_hours` is subtracted for 24×7 targets; business targets then have no
//!   pauses (their placement in the week is unknown) and the report says so.
//! - *met* = resolved and clock hours ≤ target; *breached* = clock hours > target, resolved or not;
//!   an unresolved incident still within its target is *pending* and left out of the rate.
//! - *computed compliance* = met / (met + breached); *margin* = target − clock hours (negative when
//!   breached); the time-to-breach distribution is the margin's percentiles.
//! - *response*: clock hours from `opened_at` to `acknowledged_at` against `response_hours` (no
//!   pauses); unacknowledged incidents are left out.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::calendar::{clock, weekday_index, Calendar};
use crate::error::{Error, Result};
use crate::schema::UtcMillis;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    name: Option<String>,
    timezone: Option<String>,
    #[serde(default)]
    pause_states: Vec<String>,
    calendar: Option<CalendarFile>,
    targets: Vec<TargetFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    weekdays: Option<[String; 2]>,
    monday: Option<[String; 2]>,
    tuesday: Option<[String; 2]>,
    wednesday: Option<[String; 2]>,
    thursday: Option<[String; 2]>,
    friday: Option<[String; 2]>,
    saturday: Option<[String; 2]>,
    sunday: Option<[String; 2]>,
    #[serde(default)]
    holidays: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    priority: u8,
    response_hours: Option<f64>,
    resolution_hours: f64,
    #[serde(default)]
    calendar: CalendarKind,
}

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
enum CalendarKind {
    #[default]
    #[serde(rename = "24x7")]
    AllHours,
    #[serde(rename = "business")]
    Business,
}

/// One priority's targets.
#[derive(Debug, Clone)]
pub struct Target {
    pub response_hours: Option<f64>,
    pub resolution_hours: f64,
    pub calendar: Calendar,
    /// A precomputed clock for the data's date range ([`SlaPolicy::prepare`]).
    pub table: Option<std::sync::Arc<super::calendar::ClockTable>>,
}

impl Target {
    /// Clock hours between two instants on this target's calendar.
    pub fn hours(&self, from: UtcMillis, to: UtcMillis) -> f64 {
        match &self.table {
            Some(t) => t
                .hours_between(from, to)
                .unwrap_or_else(|| self.calendar.hours_between(from, to)),
            None => self.calendar.hours_between(from, to),
        }
    }
}

/// A checked SLA policy.
#[derive(Debug, Clone)]
pub struct SlaPolicy {
    pub name: String,
    pub targets: BTreeMap<u8, Target>,
    pub pause_states: Vec<String>,
}

impl SlaPolicy {
    pub fn load(path: &Path) -> Result<SlaPolicy> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|(field, message)| Error::config(path, field, message))
    }

    pub fn parse(text: &str) -> std::result::Result<SlaPolicy, (String, String)> {
        let f: PolicyFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(0);
            (format!("line {line}"), e.message().to_string())
        })?;
        let tz: chrono_tz::Tz = match &f.timezone {
            Some(z) => crate::timeparse::parse_tz(z).map_err(|m| ("timezone".to_string(), m))?,
            None => chrono_tz::Tz::UTC,
        };
        let business = match &f.calendar {
            None => None,
            Some(c) => {
                let mut hours = [None; 7];
                let span =
                    |v: &[String; 2], field: &str| -> std::result::Result<_, (String, String)> {
                        let (a, b) = (
                            clock(&v[0]).map_err(|m| (field.to_string(), m))?,
                            clock(&v[1]).map_err(|m| (field.to_string(), m))?,
                        );
                        if b <= a {
                            return Err((
                                field.to_string(),
                                format!("closes ({}) before it opens ({})", v[1], v[0]),
                            ));
                        }
                        Ok(Some((a, b)))
                    };
                if let Some(v) = &c.weekdays {
                    let s = span(v, "calendar.weekdays")?;
                    hours[..5].fill(s);
                }
                for (name, v) in [
                    ("monday", &c.monday),
                    ("tuesday", &c.tuesday),
                    ("wednesday", &c.wednesday),
                    ("thursday", &c.thursday),
                    ("friday", &c.friday),
                    ("saturday", &c.saturday),
                    ("sunday", &c.sunday),
                ] {
                    if let (Some(v), Some(k)) = (v, weekday_index(name)) {
                        hours[k] = span(v, &format!("calendar.{name}"))?;
                    }
                }
                let mut holidays = BTreeSet::new();
                for h in &c.holidays {
                    holidays.insert(chrono::NaiveDate::parse_from_str(h, "%Y-%m-%d").map_err(
                        |_| {
                            (
                                "calendar.holidays".to_string(),
                                format!("'{h}' is not a date like 2025-12-25"),
                            )
                        },
                    )?);
                }
                if hours.iter().all(|h| h.is_none()) {
                    return Err(("calendar".into(), "has no working hours: give weekdays = [\"08:00\", \"18:00\"] or per-day hours".into()));
                }
                Some(Calendar::Business {
                    tz,
                    hours,
                    holidays,
                })
            }
        };
        let mut targets = BTreeMap::new();
        for (i, t) in f.targets.iter().enumerate() {
            let field = |name: &str| format!("targets[{i}].{name}");
            if !(1..=5).contains(&t.priority) {
                return Err((
                    field("priority"),
                    format!("is {}; priorities run from 1 to 5", t.priority),
                ));
            }
            if !(t.resolution_hours > 0.0) || t.response_hours.is_some_and(|r| !(r > 0.0)) {
                return Err((
                    field("resolution_hours"),
                    "targets must be positive hours".into(),
                ));
            }
            let calendar = match t.calendar {
                CalendarKind::AllHours => Calendar::AllHours,
                CalendarKind::Business => business.clone().ok_or_else(|| {
                    (
                        field("calendar"),
                        "is \"business\" but the policy has no [calendar] table".to_string(),
                    )
                })?,
            };
            if targets
                .insert(
                    t.priority,
                    Target {
                        response_hours: t.response_hours,
                        resolution_hours: t.resolution_hours,
                        calendar,
                        table: None,
                    },
                )
                .is_some()
            {
                return Err((
                    field("priority"),
                    format!("priority {} has two targets", t.priority),
                ));
            }
        }
        if targets.is_empty() {
            return Err((
                "targets".into(),
                "needs at least one [[targets]] entry".into(),
            ));
        }
        Ok(SlaPolicy {
            name: f.name.unwrap_or_else(|| "sla".into()),
            targets,
            pause_states: f.pause_states,
        })
    }
}

impl SlaPolicy {
    /// Precomputes business-hour tables covering `[from, to]`, shared by targets with equal calendars.
    pub fn prepare(&mut self, from: UtcMillis, to: UtcMillis) {
        let mut built: Vec<(Calendar, std::sync::Arc<super::calendar::ClockTable>)> = Vec::new();
        for t in self.targets.values_mut() {
            if let Some((_, tab)) = built.iter().find(|(c, _)| *c == t.calendar) {
                t.table = Some(tab.clone());
            } else if let Some(tab) = t.calendar.table(from, to) {
                let tab = std::sync::Arc::new(tab);
                built.push((t.calendar.clone(), tab.clone()));
                t.table = Some(tab);
            }
        }
    }
}

/// The SLA outcome of one incident.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlaOutcome {
    pub clock_hours: f64,
    pub target_hours: f64,
    /// Some(true) met, Some(false) breached, None pending.
    pub met: Option<bool>,
    pub response_met: Option<bool>,
}

/// Pause intervals per incident, from the events table.
pub type Pauses = HashMap<String, Vec<(UtcMillis, UtcMillis)>>;

/// Evaluates one incident (see the module documentation for the definitions).
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    target: &Target,
    opened: UtcMillis,
    acknowledged: Option<UtcMillis>,
    resolved: Option<UtcMillis>,
    as_of: UtcMillis,
    pauses: Option<&[(UtcMillis, UtcMillis)]>,
    on_hold_hours: Option<f64>,
) -> SlaOutcome {
    let end = resolved.unwrap_or(as_of.max(opened));
    let mut clock = target.hours(opened, end);
    match pauses {
        Some(list) => {
            for &(a, b) in list {
                clock -= target.hours(a.max(opened), b.min(end));
            }
        }
        None => {
            if target.calendar == Calendar::AllHours {
                clock -= on_hold_hours.unwrap_or(0.0);
            }
        }
    }
    let clock = clock.max(0.0);
    let met = if clock > target.resolution_hours {
        Some(false)
    } else if resolved.is_some() {
        Some(true)
    } else {
        None
    };
    let response_met = match (target.response_hours, acknowledged) {
        (Some(r), Some(a)) => Some(target.hours(opened, a) <= r),
        _ => None,
    };
    SlaOutcome {
        clock_hours: clock,
        target_hours: target.resolution_hours,
        met,
        response_met,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    const POLICY: &str = r#"
name = "standard"
timezone = "UTC"
pause_states = ["Wait - User"]
[calendar]
weekdays = ["08:00", "18:00"]
holidays = ["2024-03-08"]
[[targets]]
priority = 1
response_hours = 0.5
resolution_hours = 4
[[targets]]
priority = 3
resolution_hours = 30
calendar = "business"
"#;

    #[test]
    fn pause_spanning_a_weekend_and_business_clock() {
        let p = SlaPolicy::parse(POLICY).unwrap();
        let p3 = &p.targets[&3];
        // Opened Thursday 7 March 16:00, waiting for the user from Thursday 17:00 to Monday 11 March 10:00,
        // resolved Tuesday 12 March 12:00. Friday 8 March is a holiday.
        // Business clock: Thu 16-18 (2) + Mon 8-18 (10) + Tue 8-12 (4) = 16 h; the pause covers Thu 17-18 (1)
        // and Mon 8-10 (2) = 3 h → 13 h ≤ 30: met.
        let pauses = [(at("2024-03-07T17:00:00Z"), at("2024-03-11T10:00:00Z"))];
        let o = evaluate(
            p3,
            at("2024-03-07T16:00:00Z"),
            None,
            Some(at("2024-03-12T12:00:00Z")),
            0,
            Some(&pauses),
            None,
        );
        assert!((o.clock_hours - 13.0).abs() < 1e-9, "{o:?}");
        assert_eq!(o.met, Some(true));
        // P1 on 24x7: opened 09:00, acknowledged 09:40 (> 30 min), resolved 14:00 with 1 h on hold → 4 h: met.
        let p1 = &p.targets[&1];
        let o = evaluate(
            p1,
            at("2024-03-04T09:00:00Z"),
            Some(at("2024-03-04T09:40:00Z")),
            Some(at("2024-03-04T14:00:00Z")),
            0,
            None,
            Some(1.0),
        );
        assert_eq!(
            (o.clock_hours, o.met, o.response_met),
            (4.0, Some(true), Some(false))
        );
        // Unresolved: pending within the target, breached past it.
        let o = evaluate(
            p1,
            at("2024-03-04T09:00:00Z"),
            None,
            None,
            at("2024-03-04T12:00:00Z"),
            None,
            None,
        );
        assert_eq!(o.met, None);
        let o = evaluate(
            p1,
            at("2024-03-04T09:00:00Z"),
            None,
            None,
            at("2024-03-04T13:00:01Z"),
            None,
            None,
        );
        assert_eq!(o.met, Some(false));
        // Zero duration is met.
        let o = evaluate(
            p1,
            at("2024-03-04T09:00:00Z"),
            None,
            Some(at("2024-03-04T09:00:00Z")),
            0,
            None,
            None,
        );
        assert_eq!((o.clock_hours, o.met), (0.0, Some(true)));
        // Opened outside business hours (Saturday), resolved Monday 09:00: 1 business hour.
        let o = evaluate(
            p3,
            at("2024-03-09T10:00:00Z"),
            None,
            Some(at("2024-03-11T09:00:00Z")),
            0,
            None,
            None,
        );
        assert!((o.clock_hours - 1.0).abs() < 1e-9);
    }

    #[test]
    fn malformed_policies_name_the_field() {
        let e = SlaPolicy::parse("[[targets]]\npriority = 9\nresolution_hours = 4\n").unwrap_err();
        assert_eq!(e.0, "targets[0].priority");
        let e = SlaPolicy::parse(
            "[[targets]]\npriority = 1\nresolution_hours = 4\ncalendar = \"business\"\n",
        )
        .unwrap_err();
        assert!(e.1.contains("[calendar]"), "{e:?}");
        let e = SlaPolicy::parse(
            "[[targets]]\npriority = 1\nresolution_hours = 4\nresolution_days = 2\n",
        )
        .unwrap_err();
        assert!(e.0 == "line 4" && e.1.contains("resolution_days"), "{e:?}");
        let e = SlaPolicy::parse("[calendar]\nweekdays = [\"18:00\", \"08:00\"]\n[[targets]]\npriority = 1\nresolution_hours = 4\n").unwrap_err();
        assert_eq!(e.0, "calendar.weekdays");
    }
}
