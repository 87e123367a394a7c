//! The header names of every export format, declared once. The importers look their columns up by
//! these names (next to further aliases that real exports use), format detection checks them, and
//! `generate`'s exporters ([`crate::generate::export`]) write them, so a renamed header changes both
//! sides at once and the round trip keeps holding.

/// ServiceNow incident table export (`--format servicenow`), as the list view's CSV writes it.
pub mod servicenow {
    pub const NUMBER: &str = "number";
    pub const OPENED_AT: &str = "opened_at";
    pub const ACKNOWLEDGED_AT: &str = "u_acknowledged_at";
    pub const RESOLVED_AT: &str = "resolved_at";
    pub const CLOSED_AT: &str = "closed_at";
    pub const PRIORITY: &str = "priority";
    pub const IMPACT: &str = "impact";
    pub const URGENCY: &str = "urgency";
    pub const CATEGORY: &str = "category";
    pub const SUBCATEGORY: &str = "subcategory";
    pub const SYMPTOM: &str = "u_symptom";
    pub const SERVICE: &str = "business_service";
    pub const CI: &str = "cmdb_ci";
    pub const ASSIGNMENT_GROUP: &str = "assignment_group";
    pub const ASSIGNED_TO: &str = "assigned_to";
    pub const CONTACT_TYPE: &str = "contact_type";
    pub const REASSIGNMENT_COUNT: &str = "reassignment_count";
    pub const REOPEN_COUNT: &str = "reopen_count";
    pub const MADE_SLA: &str = "made_sla";
    pub const PROBLEM_ID: &str = "problem_id";
    pub const KNOWLEDGE: &str = "knowledge";
    pub const STATE: &str = "state";
    pub const MAJOR_INCIDENT_STATE: &str = "major_incident_state";
}

/// ServiceNow audit log (`--format servicenow-audit`): one row per update; the incident columns
/// it shares with the table export use [`servicenow`]'s names.
pub mod servicenow_audit {
    pub const INCIDENT_STATE: &str = "incident_state";
    pub const SYS_UPDATED_AT: &str = "sys_updated_at";
    pub const SYS_MOD_COUNT: &str = "sys_mod_count";
}

/// Jira Service Management CSV export (`--format jira`).
pub mod jira {
    pub const ISSUE_KEY: &str = "Issue key";
    pub const CREATED: &str = "Created";
    pub const FIRST_RESPONSE: &str = "Custom field (Date of First Response)";
    pub const RESOLVED: &str = "Resolved";
    pub const PRIORITY: &str = "Priority";
    pub const IMPACT: &str = "Custom field (Impact)";
    pub const URGENCY: &str = "Custom field (Urgency)";
    pub const REQUEST_TYPE: &str = "Custom field (Request Type)";
    pub const COMPONENTS: &str = "Component/s";
    pub const AFFECTED_SERVICES: &str = "Custom field (Affected services)";
    pub const TEAM: &str = "Custom field (Team)";
    pub const ASSIGNEE: &str = "Assignee";
    pub const MAJOR_INCIDENT: &str = "Custom field (Major incident)";
    pub const STATUS: &str = "Status";
    pub const TIME_TO_RESOLUTION: &str = "Custom field (Time to resolution)";
}

/// PagerDuty incident export (`--format pagerduty`), analytics raw-incidents shape.
pub mod pagerduty {
    pub const ID: &str = "id";
    pub const INCIDENT_NUMBER: &str = "incident_number";
    pub const CREATED_AT: &str = "created_at";
    pub const RESOLVED_AT: &str = "resolved_at";
    pub const STATUS: &str = "status";
    pub const URGENCY: &str = "urgency";
    pub const PRIORITY_NAME: &str = "priority_name";
    pub const MAJOR: &str = "major";
    pub const SERVICE_NAME: &str = "service_name";
    pub const TEAM_NAME: &str = "team_name";
    pub const ESCALATION_POLICY_NAME: &str = "escalation_policy_name";
    pub const SECONDS_TO_FIRST_ACK: &str = "seconds_to_first_ack";
    pub const SECONDS_TO_RESOLVE: &str = "seconds_to_resolve";
    pub const ESCALATION_COUNT: &str = "escalation_count";
    pub const REASSIGNMENT_COUNT: &str = "reassignment_count";
}

/// Process-mining CSV event log (`--format eventlog`), BPI Challenge 2013 shape.
pub mod eventlog {
    pub const CASE: &str = "SR Number";
    pub const TIME: &str = "Change Date+Time";
    pub const STATE: &str = "Status";
    pub const SUB_STATE: &str = "Sub Status";
    pub const GROUP: &str = "Involved ST";
    pub const LEVEL: &str = "ST Level";
    pub const IMPACT: &str = "SR Latest Impact";
    pub const PRODUCT: &str = "Product";
    pub const ASSIGNEE: &str = "Resource";
}

/// XES event log (`--format xes`): the attribute keys of traces and events.
pub mod xes {
    pub const CASE: &str = "concept:name";
    pub const TIME: &str = "time:timestamp";
    pub const STATE: &str = "concept:name";
    pub const SUB_STATE: &str = "lifecycle:transition";
    pub const GROUP: &str = "org:group";
    pub const LEVEL: &str = "support_level";
    pub const IMPACT: &str = "impact";
    pub const PRODUCT: &str = "product";
    pub const ASSIGNEE: &str = "org:resource";
}

/// The "ACME ITSM" export that `generate --format mapping` writes, with German column names: each
/// canonical column and the source column that fills it. The mapping file written beside it
/// ([`crate::generate::export::mapping_file`]) is rendered from this list.
pub mod acme {
    use crate::schema::col;

    pub const TICKET: &str = "Ticket-Nr";
    pub const CREATED: &str = "Erstellt am";
    pub const RESOLVED: &str = "Gelöst am";
    pub const CLOSED: &str = "Geschlossen am";
    pub const PRIORITY: &str = "Priorität";
    pub const CATEGORY: &str = "Kategorie";
    pub const SUBCATEGORY: &str = "Unterkategorie";
    pub const GROUP: &str = "Gruppe";
    pub const ASSIGNEE: &str = "Bearbeiter";
    pub const CHANNEL: &str = "Kanal";
    pub const CI: &str = "Konfigurationselement";
    pub const PROBLEM: &str = "Problem";
    pub const SLA_MET: &str = "SLA eingehalten";
    pub const REASSIGNMENTS: &str = "Weiterleitungen";
    pub const STATUS: &str = "Status";

    /// (canonical column, source columns: the first is written, the others are also read) in the
    /// export's column order.
    pub const COLUMNS: &[(&str, &[&str])] = &[
        (col::INCIDENT_ID, &[TICKET]),
        (col::OPENED_AT, &[CREATED]),
        (col::RESOLVED_AT, &[RESOLVED]),
        (col::CLOSED_AT, &[CLOSED]),
        (col::PRIORITY, &[PRIORITY]),
        (col::CATEGORY, &[CATEGORY]),
        (col::SUBCATEGORY, &[SUBCATEGORY]),
        (col::ASSIGNMENT_GROUP, &[GROUP]),
        (col::ASSIGNEE, &[ASSIGNEE]),
        (col::CHANNEL, &[CHANNEL]),
        (col::CI, &[CI]),
        (col::PROBLEM_ID, &[PROBLEM]),
        (col::MADE_SLA_REPORTED, &[SLA_MET]),
        (
            col::REASSIGNMENT_COUNT,
            &[REASSIGNMENTS, "Anzahl Weiterleitungen"],
        ),
        (col::FINAL_STATE, &[STATUS]),
    ];
}
