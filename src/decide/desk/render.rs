//! The discovered desk as a commented TOML file (every rule stated beside what it produced).

use std::fmt::Write;

use super::{capacity, DeskFit, PoolFit, MIN_FIT, MIN_ROWS, OTHER_GROUPS};
use crate::metrics::recurrence::iso;
use crate::sim::desk::PoolSpec;
use crate::sim::model::ServiceSpec;

/// A TOML basic string.
pub fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Shares written with 6 decimals that still sum to 1 (rounded in millionths by largest remainder);
/// an all-zero row stays zero.
fn shares6(v: &[f64]) -> String {
    let total: f64 = v.iter().sum();
    if total <= 0.0 {
        return nums(v, 6);
    }
    let scaled: Vec<f64> = v.iter().map(|x| x / total * 1e6).collect();
    let units = capacity::round_keeping_total(&scaled, u32::MAX);
    units
        .iter()
        .map(|u| format!("{}.{:06}", u / 1_000_000, u % 1_000_000))
        .collect::<Vec<_>>()
        .join(", ")
}

fn nums(v: &[f64], digits: usize) -> String {
    v.iter()
        .map(|x| format!("{x:.digits$}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A service spec as an inline TOML table.
pub fn service_toml(s: &ServiceSpec) -> String {
    match s {
        ServiceSpec::Exponential { mean_hours } => {
            format!("{{ dist = \"exponential\", mean_hours = {mean_hours:.6} }}")
        }
        ServiceSpec::Lognormal {
            mean_hours,
            sd_hours,
        } => format!(
            "{{ dist = \"lognormal\", mean_hours = {mean_hours:.6}, sd_hours = {sd_hours:.6} }}"
        ),
        ServiceSpec::Gamma { shape, mean_hours } => {
            format!("{{ dist = \"gamma\", shape = {shape:.6}, mean_hours = {mean_hours:.6} }}")
        }
        ServiceSpec::Weibull { shape, scale_hours } => {
            format!("{{ dist = \"weibull\", shape = {shape:.6}, scale_hours = {scale_hours:.6} }}")
        }
        ServiceSpec::Deterministic { hours } => {
            format!("{{ dist = \"deterministic\", hours = {hours:.6} }}")
        }
        ServiceSpec::Empirical { hours } => {
            format!("{{ dist = \"empirical\", hours = [{}] }}", nums(hours, 4))
        }
    }
}

fn header(f: &DeskFit, o: &mut String) {
    let _ = writeln!(
        o,
        "# Desk discovered by `incidentlab fit` from {} incidents and {} events before {} (pools by {}).",
        f.incidents,
        f.events,
        iso(f.cut_ms),
        f.pool_by.name()
    );
    let rules = [
        "Rules (README, \"fit: desk discovery\"):".to_string(),
        "- events ordered by time, then line; only incidents opened and events before the cut;".into(),
        "- pool of an event: its support level (L2/L3 ranks as L2) or its group; none: the incident's previous pool;".into(),
        format!("- --pools group keeps the --top busiest groups (by visits); the rest are merged into '{OTHER_GROUPS}';"),
        "- kinds per label ([states], editable): queue = in the pool, nobody working; work = an agent working;".into(),
        "  wait = external waiting, no agent; resolved/closed end the incident (a reopening counts as wait);".into(),
        "  in a log that names assignees (half its events or more), a work-kind event with no assignee is queue;".into(),
        "- a visit = consecutive events in one pool; its queue/work/wait hours are the time from each event to the next;".into(),
        "- the incident ends at the first event of its final run of resolved/closed events; open incidents are censored at the cut;".into(),
        format!("- entry, routing, work and wait from the visits starting in the capacity window (fewer than {}: the whole period);", super::MIN_RECENT_VISITS),
        format!("- routing: per priority and pool, shares of visits moving to each pool, the rest resolved, Aalen-Johansen over the visit length (visits open at the cut censored); fewer than {MIN_ROWS} finished visits: the pool's row over all priorities;"),
        format!("- work per visit: AIC among exponential/lognormal/gamma/Weibull (empirical when the best misses the mean by > 5 %), per priority with at least {MIN_FIT} finished visits, work time only (at least 1 minute);"),
        "- wait: share of finished visits with any external wait, and the fitted length of a visit's total wait;".into(),
        format!("- capacity window {} to {}: agents per hour of week = distinct people on duty in that hour, averaged over its occurrences;", iso(f.window.0), iso(f.window.1)),
        format!("  on duty = first to last non-queue event of a UTC day (span <= {} h, else the event hours), pix-framework confidence >= {};", capacity::WORKING_DAY_HOURS, capacity::MIN_CONFIDENCE),
        "  rounded keeping the weekly agent-hours, never above people_seen (nobody in the window: the whole period, >= 1 agent);".into(),
        "- concurrency = the largest, over the hours of the week with agents, (mean incidents in work in the pool at that hour) / (agents), rounded up,".into(),
        "  and at least (mean work-hours held per week) / (agent-hours per week): work held overnight needs slots too.".into(),
    ];
    for r in rules {
        let _ = writeln!(o, "# {r}");
    }
    for n in &f.notes {
        let _ = writeln!(o, "# Note: {n}.");
    }
}

fn top_level(f: &DeskFit, o: &mut String) {
    let s = &f.spec;
    let _ = writeln!(o, "\nname = {}", q(&s.name));
    let _ = writeln!(o, "description = {}", q(&s.description));
    let _ = writeln!(
        o,
        "# Hour 0 of a simulation = `start` (validate sets it to --from); 4 weeks by default."
    );
    let _ = writeln!(o, "horizon_hours = {}", s.horizon_hours);
    let _ = writeln!(o, "warmup_hours = {}", s.warmup_hours);
    let _ = writeln!(o, "replications = {}\nseed = {}", s.replications, s.seed);
    let _ = writeln!(o, "policy = \"priority\"\nshift_end = \"finish\"");
    let pr: Vec<String> = s.priorities.iter().map(|p| q(p)).collect();
    let _ = writeln!(o, "priorities = [{}]", pr.join(", "));
    let _ = writeln!(o, "start = {}", q(&s.start));
    let _ = writeln!(o, "pool_by = {}", q(&s.pool_by));
    let _ = writeln!(o, "# After resolution: the share of resolved incidents closed by a later event, and the delay (hours),");
    let _ = writeln!(o, "# Kaplan-Meier with incidents not yet closed at the cut censored there (used by validate's logs).");
    let _ = writeln!(o, "closure_probability = {:.6}", s.closure_probability);
    if !s.closure_bands.is_empty() {
        let _ = writeln!(o, "# By hours from opening to resolution (bands below 0.25, 1, 4, 24, 96 h, and above): the share closed later");
        let _ = writeln!(o, "# (Kaplan-Meier per band; under 30 resolved: the overall share) and the band's most frequent resolution label.");
        let _ = writeln!(o, "closure_bands = [");
        for b in &s.closure_bands {
            let _ = writeln!(
                o,
                "  {{ below_hours = {}, probability = {:.6}, resolved_label = {} }},",
                b.below_hours,
                b.probability,
                q(&b.resolved_label)
            );
        }
        let _ = writeln!(o, "]");
    }
    if let Some(c) = &s.closure {
        let _ = writeln!(o, "closure = {}", service_toml(c));
    }
    let _ = writeln!(o, "closed_label = {}", q(&s.closed_label));
    if !s.sla_resolution_hours.is_empty() {
        let _ = writeln!(
            o,
            "sla_resolution_hours = [{}]",
            nums(&s.sla_resolution_hours, 3)
        );
    }
}

fn arrivals(f: &DeskFit, o: &mut String) {
    let a = &f.spec.arrivals;
    let _ = writeln!(o, "\n[arrivals]");
    let _ = writeln!(
        o,
        "# Current level: {} incidents opened in the last 7 days before the cut (the whole window: {} in {:.0} days, {:.3}/h).",
        f.opened_last_week,
        f.opened_in_window,
        (f.window.1 - f.window.0) as f64 / 8.64e7,
        f.opened_in_window as f64 / ((f.window.1 - f.window.0) as f64 / crate::units::MS_PER_HOUR_F64).max(1.0)
    );
    let _ = writeln!(o, "rate_per_hour = {:.6}", a.rate_per_hour);
    let _ = writeln!(o, "# Multipliers per hour of week from openings in the capacity window (mean 1), Monday 00:00 UTC first, one line per day.");
    let _ = writeln!(o, "hour_of_week = [");
    for d in a.hour_of_week.chunks(24) {
        let _ = writeln!(o, "  {},", nums(d, 4));
    }
    let _ = writeln!(o, "]");
    let _ = writeln!(o, "# Share of each priority over the whole period.");
    let _ = writeln!(o, "priority_mix = [{}]", shares6(&a.priority_mix));
    let _ = writeln!(o, "# Per priority: the pool an incident enters first ({}), fewer than {MIN_ROWS} incidents: over all priorities.", pool_names(f));
    let _ = writeln!(o, "entry = [");
    for r in &a.entry {
        let _ = writeln!(o, "  [{}],", shares6(r));
    }
    let _ = writeln!(o, "]");
}

fn pool_names(f: &DeskFit) -> String {
    f.spec
        .pools
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn states(f: &DeskFit, o: &mut String) {
    let _ = writeln!(o, "\n[states]");
    let _ = writeln!(o, "# Event label (state-sub state) = queue | work | wait | resolved | closed. Edit and refit with `fit --states THIS_FILE`.");
    for (l, k, n, unknown) in &f.labels {
        let why = if *unknown { ", matched no rule" } else { "" };
        let _ = writeln!(o, "{} = \"{}\"  # {n} events{why}", q(l), k.name());
    }
}

/// A pool's comment lines: what its visits and its people were in the data.
fn pool_comments(f: &DeskFit, fit: &PoolFit, o: &mut String) {
    let _ = writeln!(
        o,
        "# {} visits ({} finished), {} raw {}(s); per finished visit: queue {:.2} h, work {:.2} h, wait {:.2} h ({:.0} % of visits wait).",
        fit.visits,
        fit.finished_visits,
        fit.members,
        f.pool_by.name(),
        fit.mean_queue_hours,
        fit.mean_work_hours,
        fit.mean_wait_hours,
        fit.wait_share * 100.0
    );
    let _ = writeln!(
        o,
        "# People: {} seen in the period, {} in the capacity window; at most {} on duty, {} agent-hours a week; in work per agent on duty (peak) {:.2}; multitasking {:.2} incidents per busy person.",
        fit.people_seen, fit.people_in_window, fit.agents_max, fit.agent_hours_per_week, fit.concurrency_peak, fit.multitasking
    );
}

/// A pool's capacity: its name, people, agents per hour of the week (a row per day) and
/// concurrency.
fn pool_capacity(p: &PoolSpec, o: &mut String) {
    let _ = writeln!(o, "name = {}", q(&p.name));
    let _ = writeln!(o, "people_seen = {}", p.people_seen);
    let _ = writeln!(o, "agents = [");
    for d in p.agents.chunks(24) {
        let _ = writeln!(
            o,
            "  {},",
            d.iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(o, "]");
    let _ = writeln!(o, "concurrency = {}", p.concurrency);
}

/// A pool's work per visit (the fits compared by AIC, the chosen distribution, per priority where
/// fitted so) and its external waiting.
fn pool_work_and_wait(p: &PoolSpec, fit: &PoolFit, o: &mut String) {
    let alts: Vec<String> = fit
        .work_fits
        .iter()
        .map(|x| format!("{} AIC {:.1}", x.dist, x.aic))
        .collect();
    if !alts.is_empty() {
        let _ = writeln!(o, "# Work per visit over the pool: {}.", alts.join(", "));
    }
    if let Some(n) = &fit.work_note {
        let _ = writeln!(o, "# Note: {n}.");
    }
    if let Some(w) = &p.work {
        let _ = writeln!(o, "work = {}", service_toml(w));
    }
    if let Some(ws) = &p.work_by_priority {
        let _ = writeln!(o, "work_by_priority = [");
        for w in ws {
            let _ = writeln!(o, "  {},", service_toml(w));
        }
        let _ = writeln!(o, "]");
    }
    let _ = writeln!(o, "wait_probability = [{}]", nums(&p.wait_probability, 6));
    if let Some(w) = &p.wait {
        let _ = writeln!(o, "wait = {}", service_toml(w));
    }
}

/// A pool's routing rows (per priority, the probability of moving next to each pool) and the
/// activity names its simulated logs use.
fn pool_routing_and_labels(f: &DeskFit, p: &PoolSpec, o: &mut String) {
    let _ = writeln!(
        o,
        "# Per priority: probability of moving next to each pool ({}); the rest is resolved.",
        pool_names(f)
    );
    let _ = writeln!(o, "routing = [");
    for r in &p.routing {
        let _ = writeln!(o, "  [{}],", nums(r, 6));
    }
    let _ = writeln!(o, "]");
    let l = &p.labels;
    let _ = writeln!(
        o,
        "# Activity names written to simulated logs: the pool's most frequent label of each kind."
    );
    let _ = writeln!(
        o,
        "labels = {{ queue = {}, work = {}, wait = {}, resolved = {} }}",
        q(&l.queue),
        q(&l.work),
        q(&l.wait),
        q(&l.resolved)
    );
}

/// One `[[pools]]` table of the fitted desk file.
fn pool(f: &DeskFit, i: usize, o: &mut String) {
    let (p, fit) = (&f.spec.pools[i], &f.pools[i]);
    let _ = writeln!(o, "\n[[pools]]");
    pool_comments(f, fit, o);
    pool_capacity(p, o);
    pool_work_and_wait(p, fit, o);
    pool_routing_and_labels(f, p, o);
}

/// The fitted desk file.
pub fn desk_toml(f: &DeskFit) -> String {
    let mut o = String::new();
    header(f, &mut o);
    top_level(f, &mut o);
    arrivals(f, &mut o);
    states(f, &mut o);
    for i in 0..f.spec.pools.len() {
        pool(f, i, &mut o);
    }
    o
}
