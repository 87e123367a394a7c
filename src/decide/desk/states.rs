//! The state → kind mapping of desk discovery: what an event label means for the desk.
//!
//! An event's *label* is its state and sub-state joined with `-` (`Accepted-In Progress`; the state
//! alone when there is no sub-state), the activity name of the activity logs. Its *kind* is one of
//! `queue` (in a pool, nobody working), `work` (an agent working), `wait` (external waiting that
//! holds no agent), `resolved`, `closed`. Defaults, from the words of the sub-state, else the state
//! (case-insensitive, first rule that matches):
//! 1. `closed` → closed;
//! 2. `resolved`, `completed`, `cancel…`, `in call`, `solved`, `done` → resolved;
//! 3. `awaiting assignment`, `queued…`, `new`, `unassigned`, `open` → queue;
//! 4. `wait…`, `awaiting …`, `on hold`, `hold`, `pending …` → wait;
//! 5. `in progress`, `active`, `assigned`, `accepted`, `work…` → work;
//! 6. anything else → work (named in the fitted file so that it can be reassigned).
//!
//! The `states` table of a fitted desk (or `fit --states FILE`) overrides any label.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::schema::Event;

/// What an event label means for the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Queue,
    Work,
    Wait,
    Resolved,
    Closed,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Queue => "queue",
            Kind::Work => "work",
            Kind::Wait => "wait",
            Kind::Resolved => "resolved",
            Kind::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "queue" => Some(Kind::Queue),
            "work" => Some(Kind::Work),
            "wait" => Some(Kind::Wait),
            "resolved" => Some(Kind::Resolved),
            "closed" => Some(Kind::Closed),
            _ => None,
        }
    }

    /// Resolved or closed: the incident has left the desk (for now).
    pub fn is_end(self) -> bool {
        matches!(self, Kind::Resolved | Kind::Closed)
    }
}

/// The activity label of an event: state and sub-state joined with `-`.
pub fn label(e: &Event) -> String {
    match (e.state.as_deref(), e.sub_state.as_deref()) {
        (Some(s), Some(u)) => format!("{s}-{u}"),
        (Some(s), None) => s.to_string(),
        (None, Some(u)) => u.to_string(),
        (None, None) => String::new(),
    }
}

fn kind_of_words(s: &str) -> Option<Kind> {
    let l = s.trim().to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| l.contains(w));
    if l.contains("closed") {
        return Some(Kind::Closed);
    }
    if any(&["resolved", "completed", "cancel", "in call", "solved"]) || l == "done" {
        return Some(Kind::Resolved);
    }
    if l.contains("awaiting assignment")
        || l.starts_with("queued")
        || l == "new"
        || l.contains("unassigned")
        || l == "open"
    {
        return Some(Kind::Queue);
    }
    if any(&["wait", "awaiting", "on hold", "pending"]) || l == "hold" {
        return Some(Kind::Wait);
    }
    if any(&["in progress", "active", "assigned", "accepted", "work"]) {
        return Some(Kind::Work);
    }
    None
}

/// The default kind of an event (rules 1–6 above); `None` when no rule matched (rule 6 applies).
pub fn default_kind(state: Option<&str>, sub_state: Option<&str>) -> Option<Kind> {
    sub_state
        .and_then(kind_of_words)
        .or_else(|| state.and_then(kind_of_words))
}

/// The mapping in force: defaults overridden by a user table (label → kind name).
#[derive(Debug, Clone, Default)]
pub struct StateMap {
    pub overrides: BTreeMap<String, Kind>,
}

impl StateMap {
    /// Reads a user table; names the label whose kind is not one of the five.
    pub fn from_table(table: &BTreeMap<String, String>) -> Result<StateMap, String> {
        let mut overrides = BTreeMap::new();
        for (label, kind) in table {
            let k = Kind::parse(kind).ok_or_else(|| {
                format!("states.\"{label}\" = \"{kind}\": expected queue, work, wait, resolved or closed")
            })?;
            overrides.insert(label.clone(), k);
        }
        Ok(StateMap { overrides })
    }

    /// The kind of an event, and whether it came from no rule at all (rule 6).
    pub fn kind(&self, e: &Event) -> (Kind, bool) {
        if !self.overrides.is_empty() {
            if let Some(k) = self.overrides.get(&label(e)) {
                return (*k, false);
            }
        }
        match default_kind(e.state.as_deref(), e.sub_state.as_deref()) {
            Some(k) => (k, false),
            None => (Kind::Work, true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(state: &str, sub: Option<&str>) -> Event {
        Event {
            state: Some(state.into()),
            sub_state: sub.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn bpic_and_servicenow_labels() {
        let m = StateMap::default();
        let cases = [
            ("Queued", Some("Awaiting Assignment"), Kind::Queue),
            ("Accepted", Some("In Progress"), Kind::Work),
            ("Accepted", Some("Assigned"), Kind::Work),
            ("Accepted", Some("Wait - User"), Kind::Wait),
            ("Accepted", Some("Wait"), Kind::Wait),
            ("Accepted", Some("Wait - Vendor"), Kind::Wait),
            ("Accepted", Some("Wait - Implementation"), Kind::Wait),
            ("Completed", Some("Resolved"), Kind::Resolved),
            ("Completed", Some("In Call"), Kind::Resolved),
            ("Completed", Some("Closed"), Kind::Closed),
            ("New", None, Kind::Queue),
            ("Active", None, Kind::Work),
            ("In Progress", None, Kind::Work),
            ("Awaiting User Info", None, Kind::Wait),
            ("Awaiting Vendor", None, Kind::Wait),
            ("On Hold", None, Kind::Wait),
            ("Resolved", None, Kind::Resolved),
            ("Closed", None, Kind::Closed),
        ];
        for (s, u, k) in cases {
            assert_eq!(m.kind(&ev(s, u)), (k, false), "{s} / {u:?}");
        }
        assert_eq!(
            m.kind(&ev("Unmatched", Some("Unmatched"))),
            (Kind::Work, true)
        );
        assert_eq!(
            label(&ev("Accepted", Some("In Progress"))),
            "Accepted-In Progress"
        );
        assert_eq!(label(&ev("New", None)), "New");
    }

    #[test]
    fn overrides_win_and_bad_kinds_are_named() {
        let mut t = BTreeMap::new();
        t.insert("Accepted-Assigned".to_string(), "queue".to_string());
        let m = StateMap::from_table(&t).unwrap();
        assert_eq!(m.kind(&ev("Accepted", Some("Assigned"))).0, Kind::Queue);
        t.insert("X".into(), "lunch".into());
        let err = StateMap::from_table(&t).unwrap_err();
        assert!(err.contains("\"X\"") && err.contains("lunch"), "{err}");
    }
}
