//! A CSV of an unknown tool ("ACME ITSM": German column names, `;` separated, `dd.mm.yyyy HH:MM`
//! times, `-` for missing) and the mapping file that imports it, both from
//! [`crate::ingest::spec::acme`].

use chrono_tz::Tz;

use super::{bare, count, flag, opt, priority_index, Row, RowCell};
use crate::generate::GeneratedIncident;
use crate::ingest::spec::acme;
use crate::schema::{col, Incident};

const TIME: &str = "%d.%m.%Y %H:%M";

/// The tool's priority labels for priorities 1–4.
pub const PRIORITY: [&str; 4] = ["Sehr hoch", "Hoch", "Mittel", "Niedrig"];

/// The cell of a canonical column, in the tool's conventions.
fn cell(column: &str, r: &Row) -> String {
    let i = r.i();
    match column {
        col::INCIDENT_ID => i.incident_id.clone(),
        col::OPENED_AT => r.time(Some(i.opened_at), TIME, "-"),
        col::RESOLVED_AT => r.time(i.resolved_at, TIME, "-"),
        col::CLOSED_AT => r.time(i.closed_at, TIME, "-"),
        col::PRIORITY => PRIORITY[priority_index(i)].into(),
        col::CATEGORY => opt(&i.category, "-"),
        col::SUBCATEGORY => opt(&i.subcategory, "-"),
        col::ASSIGNMENT_GROUP => opt(&i.assignment_group, "-"),
        col::ASSIGNEE => opt(&i.assignee, "-"),
        col::CHANNEL => opt(&i.channel, "-"),
        col::CI => opt(&i.ci, "-"),
        col::PROBLEM_ID => opt(&i.problem_id, "-"),
        col::MADE_SLA_REPORTED => flag(i.made_sla_reported, "Y", "N", "-"),
        col::REASSIGNMENT_COUNT => count(i.reassignment_count),
        col::FINAL_STATE => opt(&i.final_state, "-"),
        _ => "-".into(),
    }
}

/// One entry per [`acme::COLUMNS`] entry, in its order (a test checks the two agree).
pub const COLUMNS: &[(&str, RowCell)] = &[
    (acme::TICKET, |r| cell(col::INCIDENT_ID, r)),
    (acme::CREATED, |r| cell(col::OPENED_AT, r)),
    (acme::RESOLVED, |r| cell(col::RESOLVED_AT, r)),
    (acme::CLOSED, |r| cell(col::CLOSED_AT, r)),
    (acme::PRIORITY, |r| cell(col::PRIORITY, r)),
    (acme::CATEGORY, |r| cell(col::CATEGORY, r)),
    (acme::SUBCATEGORY, |r| cell(col::SUBCATEGORY, r)),
    (acme::GROUP, |r| cell(col::ASSIGNMENT_GROUP, r)),
    (acme::ASSIGNEE, |r| cell(col::ASSIGNEE, r)),
    (acme::CHANNEL, |r| cell(col::CHANNEL, r)),
    (acme::CI, |r| cell(col::CI, r)),
    (acme::PROBLEM, |r| cell(col::PROBLEM_ID, r)),
    (acme::SLA_MET, |r| cell(col::MADE_SLA_REPORTED, r)),
    (acme::REASSIGNMENTS, |r| cell(col::REASSIGNMENT_COUNT, r)),
    (acme::STATUS, |r| cell(col::FINAL_STATE, r)),
];

/// The settings part of the mapping file; `{timezone}` is replaced.
pub const MAPPING_EXAMPLE: &str = r#"# Column mapping for a CSV export of "ACME ITSM" (German column names, ';' separated).
# Use: incidentlab import export.csv --format mapping --mapping this-file.toml -o store.parquet
source = "acme-itsm"
date_format = "%d.%m.%Y %H:%M"   # chrono format of the date columns
timezone = "{timezone}"                  # time zone of those (naive) dates
delimiter = ";"
missing = ["-"]                   # cells that mean "no value" (empty cells always do)
"#;

/// The mapping file that goes with `generate --format mapping` (`datasets/mapping-example.toml`
/// is this with UTC), its `[columns]` rendered from [`acme::COLUMNS`].
pub fn mapping_file(tz: Tz) -> String {
    let quote = |s: &str| format!("\"{s}\"");
    let mut out = MAPPING_EXAMPLE.replace("{timezone}", tz.name());
    out.push_str("\n[columns]                          # canonical column = source column (or a list: first found wins)\n");
    for (canonical, names) in acme::COLUMNS {
        let value = match names {
            [one] => quote(one),
            many => format!(
                "[{}]",
                many.iter().map(|n| quote(n)).collect::<Vec<_>>().join(", ")
            ),
        };
        out.push_str(&format!("{canonical} = {value}\n"));
    }
    out.push_str(
        "\n[priority]                         # source label = 1 (highest) … 5 (lowest)\n",
    );
    for (k, label) in PRIORITY.iter().enumerate() {
        out.push_str(&format!("{} = {}\n", quote(label), k + 1));
    }
    out
}

/// What the mapping names: times (no acknowledgement), priority with the tool's labels,
/// category, subcategory, group, assignee, channel, CI, problem, SLA flag, reassignments, state.
pub fn expected(g: &GeneratedIncident) -> Incident {
    let i = &g.truth;
    Incident {
        source: "acme-itsm".into(),
        resolved_at: i.resolved_at,
        closed_at: i.closed_at,
        priority: i.priority,
        priority_label: Some(PRIORITY[priority_index(i)].into()),
        category: i.category.clone(),
        subcategory: i.subcategory.clone(),
        assignment_group: i.assignment_group.clone(),
        assignee: i.assignee.clone(),
        channel: i.channel.clone(),
        ci: i.ci.clone(),
        problem_id: i.problem_id.clone(),
        made_sla_reported: i.made_sla_reported,
        reassignment_count: i.reassignment_count,
        final_state: i.final_state.clone(),
        ..bare(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_columns_follow_the_spec() {
        let written: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        let spec: Vec<&str> = acme::COLUMNS.iter().map(|c| c.1[0]).collect();
        assert_eq!(written, spec);
    }

    #[test]
    fn the_mapping_file_is_the_shipped_example() {
        let shipped = include_str!("../../../datasets/mapping-example.toml");
        let made = mapping_file(Tz::UTC);
        let skip_use_line = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.starts_with("# Use:"))
                .map(|l| l.trim_end().to_string())
                .collect()
        };
        assert_eq!(skip_use_line(&made), skip_use_line(shipped));
    }
}
