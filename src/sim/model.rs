//! Scenario files (TOML) and the compiled model the engine runs. Every field is documented in
//! README.md ("Scenario format"). Parsing rejects unknown fields; [`compile`] checks the numbers and
//! names the field and the fix when something is wrong.

use serde::Deserialize;
use statrs::distribution::{Exp, Gamma, LogNormal, Weibull};

use super::schedule::{Schedule, ShiftSpec};

/// A scenario as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Simulated hours (arrivals stop at the horizon; work in progress is finished).
    pub horizon_hours: f64,
    /// Hours at the start that are not measured.
    #[serde(default)]
    pub warmup_hours: f64,
    #[serde(default = "default_replications")]
    pub replications: usize,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// fifo | priority | preemptive | edf
    #[serde(default)]
    pub policy: PolicyName,
    /// finish | handback: what an agent does with the incident in hand when the shift ends.
    #[serde(default)]
    pub shift_end: ShiftEnd,
    /// Priority labels, highest first (default P1…P4).
    #[serde(default = "default_priorities")]
    pub priorities: Vec<String>,
    pub arrivals: Arrivals,
    pub tiers: Vec<Tier>,
    #[serde(default)]
    pub sla: Sla,
    #[serde(default)]
    pub automation: Automation,
    #[serde(default)]
    pub reopen: Reopen,
    pub swarming: Option<Swarming>,
}

fn default_replications() -> usize {
    100
}
fn default_seed() -> u64 {
    1
}
fn default_priorities() -> Vec<String> {
    vec!["P1".into(), "P2".into(), "P3".into(), "P4".into()]
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyName {
    /// First come, first served.
    Fifo,
    /// Strict non-preemptive priority (FIFO within a priority).
    #[default]
    Priority,
    /// Preemptive-resume priority: a higher priority takes the agent; the interrupted work resumes later.
    Preemptive,
    /// Earliest SLA deadline first (arrival + resolution target).
    Edf,
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShiftEnd {
    /// The agent finishes the incident in hand, then goes home.
    #[default]
    Finish,
    /// The agent hands the incident back to the front of the queue; its remaining work is kept.
    Handback,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arrivals {
    /// Mean arrivals per hour (before the profile's multipliers).
    pub rate_per_hour: f64,
    /// Share of each priority, highest first; sums to 1.
    pub priority_mix: Vec<f64>,
    /// Optional 24 multipliers of the rate for each hour of a weekday.
    pub weekday_profile: Option<Vec<f64>>,
    /// Optional 24 multipliers for each hour of Saturday and Sunday.
    pub weekend_profile: Option<Vec<f64>>,
}

/// A service-time distribution, in hours.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum ServiceSpec {
    Exponential {
        mean_hours: f64,
    },
    Lognormal {
        mean_hours: f64,
        sd_hours: f64,
    },
    Gamma {
        shape: f64,
        mean_hours: f64,
    },
    Weibull {
        shape: f64,
        scale_hours: f64,
    },
    Deterministic {
        hours: f64,
    },
    /// Draws uniformly from observed values.
    Empirical {
        hours: Vec<f64>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub name: String,
    /// Constant staff, when there are no shifts.
    pub staff: Option<u32>,
    /// Weekly shifts; the staff on duty is the sum of the shifts active at a time.
    #[serde(default)]
    pub shifts: Vec<ShiftSpec>,
    /// Service time for every priority …
    pub service: Option<ServiceSpec>,
    /// … or one per priority (highest first).
    pub service_by_priority: Option<Vec<ServiceSpec>>,
    /// Probability of escalating to the next tier after service here: one value or one per priority.
    #[serde(default)]
    pub escalate: OneOrMany,
}

/// A number for every priority, or a list with one per priority.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany {
    One(f64),
    Many(Vec<f64>),
}

impl Default for OneOrMany {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

impl OneOrMany {
    pub fn values(&self) -> Vec<f64> {
        match self {
            OneOrMany::One(v) => vec![*v],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    /// Resolution target per priority, in hours (highest first).
    #[serde(default)]
    pub resolution_hours: Vec<f64>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Automation {
    /// Share of incidents resolved by self-healing without an agent.
    #[serde(default)]
    pub self_healing_share: f64,
    /// Minutes a self-healed incident takes.
    #[serde(default = "default_self_heal_minutes")]
    pub self_healing_minutes: f64,
    /// Minutes of first-tier work saved per incident by auto-categorisation / triage.
    #[serde(default)]
    pub triage_minutes_saved: f64,
    /// Relative cut of first-tier escalations thanks to a knowledge base (0.2 = 20 % fewer).
    #[serde(default)]
    pub knowledge_uplift: f64,
}

fn default_self_heal_minutes() -> f64 {
    5.0
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Reopen {
    /// Probability that a resolved incident is reopened (it comes back to the first tier as rework).
    #[serde(default)]
    pub probability: f64,
    /// Hours after resolution when it comes back.
    #[serde(default = "default_reopen_after")]
    pub after_hours: f64,
}

fn default_reopen_after() -> f64 {
    24.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Swarming {
    /// Priorities that swarm, by label (default only the highest).
    #[serde(default)]
    pub priorities: Vec<String>,
    /// Agents that work together on a swarmed incident (its work is shared between them).
    pub agents: u32,
}

/// A problem with a scenario: the field and a message that says how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Invalid {
        Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Parses scenario TOML; errors carry the line and column toml reports.
pub fn parse(text: &str) -> Result<Scenario, Invalid> {
    toml::from_str(text).map_err(|e| {
        let field = e
            .span()
            .map(|s| format!("at byte {}", s.start))
            .unwrap_or_default();
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        Invalid::new(
            line.map(|l| format!("line {l}")).unwrap_or(field),
            e.message().to_string(),
        )
    })
}

/// A sampler for a service distribution (hours).
#[derive(Debug, Clone)]
pub enum Service {
    Exponential(Exp),
    Lognormal(LogNormal),
    Gamma(Gamma),
    Weibull(Weibull),
    Deterministic(f64),
    Empirical(Vec<f64>),
}

impl Service {
    pub fn mean(&self) -> f64 {
        use statrs::statistics::Distribution;
        match self {
            Service::Exponential(d) => d.mean().unwrap_or(f64::NAN),
            Service::Lognormal(d) => d.mean().unwrap_or(f64::NAN),
            Service::Gamma(d) => d.mean().unwrap_or(f64::NAN),
            Service::Weibull(d) => d.mean().unwrap_or(f64::NAN),
            Service::Deterministic(h) => *h,
            Service::Empirical(v) => v.iter().sum::<f64>() / v.len() as f64,
        }
    }

    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        use rand::distr::Distribution;
        use rand::RngExt;
        match self {
            Service::Exponential(d) => d.sample(rng),
            Service::Lognormal(d) => d.sample(rng),
            Service::Gamma(d) => d.sample(rng),
            Service::Weibull(d) => d.sample(rng),
            Service::Deterministic(h) => *h,
            Service::Empirical(v) => v[rng.random_range(0..v.len())],
        }
    }
}

pub(crate) fn service(spec: &ServiceSpec, field: &str) -> Result<Service, Invalid> {
    let pos = |v: f64, name: &str| {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(Invalid::new(
                format!("{field}.{name}"),
                format!("is {v}; it must be a positive number of hours"),
            ))
        }
    };
    Ok(match spec {
        ServiceSpec::Exponential { mean_hours } => Service::Exponential(
            Exp::new(1.0 / pos(*mean_hours, "mean_hours")?)
                .map_err(|e| Invalid::new(field, e.to_string()))?,
        ),
        ServiceSpec::Lognormal {
            mean_hours,
            sd_hours,
        } => {
            let (m, s) = (pos(*mean_hours, "mean_hours")?, pos(*sd_hours, "sd_hours")?);
            let sigma2 = (1.0 + (s / m).powi(2)).ln();
            Service::Lognormal(
                LogNormal::new(m.ln() - sigma2 / 2.0, sigma2.sqrt())
                    .map_err(|e| Invalid::new(field, e.to_string()))?,
            )
        }
        ServiceSpec::Gamma { shape, mean_hours } => {
            let k = pos(*shape, "shape")?;
            Service::Gamma(
                Gamma::new(k, k / pos(*mean_hours, "mean_hours")?)
                    .map_err(|e| Invalid::new(field, e.to_string()))?,
            )
        }
        ServiceSpec::Weibull { shape, scale_hours } => Service::Weibull(
            Weibull::new(pos(*shape, "shape")?, pos(*scale_hours, "scale_hours")?)
                .map_err(|e| Invalid::new(field, e.to_string()))?,
        ),
        ServiceSpec::Deterministic { hours } => Service::Deterministic(pos(*hours, "hours")?),
        ServiceSpec::Empirical { hours } => {
            if hours.is_empty() || hours.iter().any(|h| !h.is_finite() || *h < 0.0) {
                return Err(Invalid::new(
                    format!("{field}.hours"),
                    "needs at least one value, all ≥ 0",
                ));
            }
            Service::Empirical(hours.clone())
        }
    })
}

/// A support tier, compiled.
#[derive(Debug, Clone)]
pub struct TierModel {
    pub name: String,
    pub schedule: Schedule,
    /// Service per priority class.
    pub service: Vec<Service>,
    /// Escalation probability per priority class.
    pub escalate: Vec<f64>,
}

/// The model the engine runs.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub priorities: Vec<String>,
    pub rate_per_hour: f64,
    /// Cumulative priority mix.
    pub mix_cdf: Vec<f64>,
    /// Rate multiplier for each hour of the week (Monday 00:00 first).
    pub profile: Vec<f64>,
    pub profile_max: f64,
    pub tiers: Vec<TierModel>,
    pub policy: PolicyName,
    pub shift_end: ShiftEnd,
    pub sla_hours: Vec<f64>,
    pub self_heal_share: f64,
    pub self_heal_hours: f64,
    pub triage_saved_hours: f64,
    pub knowledge_uplift: f64,
    pub reopen_probability: f64,
    pub reopen_after_hours: f64,
    /// Agents per swarmed incident, per class (1 = no swarming).
    pub swarm_agents: Vec<u32>,
    pub horizon: f64,
    pub warmup: f64,
    pub replications: usize,
    pub seed: u64,
    /// Trace replay: real arrivals sorted by time; replaces the arrival process.
    pub arrival_trace: Option<std::sync::Arc<Vec<TracedArrival>>>,
}

/// One real arrival of a trace replay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TracedArrival {
    /// Hours from the simulation's hour 0 (a Monday 00:00 UTC).
    pub hours: f64,
    /// Priority class (0 = highest).
    pub class: u8,
    /// Replayed work (`simulate --replay-work`): the agent-hours of the incident's first visit to
    /// the first tier, in place of a draw from the tier's service distribution (and of the triage
    /// saving); None: drawn. +∞ keeps the incident open to the end of the run.
    pub work_hours: Option<f64>,
}

/// One value for every priority class, or one per class; `default` when none is given.
pub(crate) fn per_class(
    values: &[f64],
    k: usize,
    field: &str,
    default: f64,
) -> Result<Vec<f64>, Invalid> {
    match values.len() {
        0 => Ok(vec![default; k]),
        1 => Ok(vec![values[0]; k]),
        n if n == k => Ok(values.to_vec()),
        n => Err(Invalid::new(
            field,
            format!("has {n} values; give one, or one per priority ({k})"),
        )),
    }
}

/// `v` when it is a probability or share (in [0, 1]).
pub(crate) fn probability(v: f64, field: &str) -> Result<f64, Invalid> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(Invalid::new(
            field,
            format!("is {v}; a probability or share must be between 0 and 1"),
        ))
    }
}

/// Checks the run window shared by tier scenarios and desks: `horizon_hours` positive and finite,
/// `warmup_hours` in [0, horizon), at least one replication. Errors name the field.
pub(crate) fn check_run_window(
    horizon_hours: f64,
    warmup_hours: f64,
    replications: usize,
) -> Result<(), Invalid> {
    if !(horizon_hours.is_finite() && horizon_hours > 0.0) {
        return Err(Invalid::new(
            "horizon_hours",
            format!("is {horizon_hours}; it must be a positive number of hours"),
        ));
    }
    if !(warmup_hours >= 0.0 && warmup_hours < horizon_hours) {
        return Err(Invalid::new(
            "warmup_hours",
            format!(
                "is {warmup_hours}; it must be ≥ 0 and less than horizon_hours ({horizon_hours})"
            ),
        ));
    }
    if replications == 0 {
        return Err(Invalid::new(
            "replications",
            "must be at least 1 (2 or more for confidence intervals)",
        ));
    }
    Ok(())
}

/// One service (work) distribution for every priority (`one`, written as `{name}`) or one per
/// priority (`many`, written as `{name}_by_priority`), compiled; exactly one of them must be given.
pub(crate) fn services_per_class(
    one: Option<&ServiceSpec>,
    many: Option<&[ServiceSpec]>,
    k: usize,
    f: &str,
    name: &str,
) -> Result<Vec<Service>, Invalid> {
    match (one, many) {
        (Some(sv), None) => Ok(vec![service(sv, &format!("{f}.{name}"))?; k]),
        (None, Some(list)) if list.len() == k => list
            .iter()
            .enumerate()
            .map(|(i, sv)| service(sv, &format!("{f}.{name}_by_priority[{i}]")))
            .collect(),
        (None, Some(list)) => Err(Invalid::new(
            format!("{f}.{name}_by_priority"),
            format!("has {} entries for {k} priorities", list.len()),
        )),
        _ => Err(Invalid::new(
            format!("{f}.{name}"),
            format!("give either {name} or {name}_by_priority"),
        )),
    }
}

/// Resolution targets per priority in hours (one for all, or one per priority; none given: no
/// target, infinite hours); each must be positive.
pub(crate) fn sla_targets(values: &[f64], k: usize, field: &str) -> Result<Vec<f64>, Invalid> {
    let sla_hours = per_class(values, k, field, f64::INFINITY)?;
    if sla_hours.iter().any(|h| h.is_nan() || *h <= 0.0) {
        return Err(Invalid::new(field, "targets must be positive hours"));
    }
    Ok(sla_hours)
}

/// The arrival side of a scenario, compiled: the cumulative priority mix (last = 1) and the rate
/// multiplier of each hour of the week (Monday 00:00 first) with its maximum.
struct ArrivalModel {
    mix_cdf: Vec<f64>,
    profile: Vec<f64>,
    profile_max: f64,
}

/// Checks `[arrivals]`: a rate ≥ 0, one share per priority summing to 1, 24-value day profiles.
fn compile_arrivals(a: &Arrivals, priorities: &[String]) -> Result<ArrivalModel, Invalid> {
    let k = priorities.len();
    if !(a.rate_per_hour.is_finite() && a.rate_per_hour >= 0.0) {
        return Err(Invalid::new(
            "arrivals.rate_per_hour",
            format!("is {}; it must be ≥ 0", a.rate_per_hour),
        ));
    }
    if a.priority_mix.len() != k {
        return Err(Invalid::new(
            "arrivals.priority_mix",
            format!(
                "has {} shares for {k} priorities {:?}",
                a.priority_mix.len(),
                priorities
            ),
        ));
    }
    for (i, v) in a.priority_mix.iter().enumerate() {
        probability(*v, &format!("arrivals.priority_mix[{i}]"))?;
    }
    let total: f64 = a.priority_mix.iter().sum();
    if (total - 1.0).abs() > 1e-6 {
        return Err(Invalid::new(
            "arrivals.priority_mix",
            format!("sums to {total}; the shares must sum to 1"),
        ));
    }
    let mut mix_cdf = Vec::with_capacity(k);
    let mut acc = 0.0;
    for v in &a.priority_mix {
        acc += v;
        mix_cdf.push(acc);
    }
    if let Some(last) = mix_cdf.last_mut() {
        *last = 1.0;
    }
    let weekday = day_profile(&a.weekday_profile, "arrivals.weekday_profile")?;
    let weekend = day_profile(&a.weekend_profile, "arrivals.weekend_profile")?;
    let profile: Vec<f64> = (0..168)
        .map(|h| {
            if h / 24 < 5 {
                weekday[h % 24]
            } else {
                weekend[h % 24]
            }
        })
        .collect();
    let profile_max = profile.iter().cloned().fold(0.0, f64::max);
    Ok(ArrivalModel {
        mix_cdf,
        profile,
        profile_max,
    })
}

/// A day's 24 hourly rate multipliers (all 1 when not given), each ≥ 0.
fn day_profile(p: &Option<Vec<f64>>, field: &str) -> Result<Vec<f64>, Invalid> {
    match p {
        None => Ok(vec![1.0; 24]),
        Some(v) if v.len() == 24 && v.iter().all(|x| x.is_finite() && *x >= 0.0) => Ok(v.clone()),
        Some(v) => Err(Invalid::new(
            field,
            format!(
                "has {} values; give 24 multipliers ≥ 0, one per hour",
                v.len()
            ),
        )),
    }
}

/// Checks one `[[tiers]]` table (the `t`-th of `count`): its schedule, service per priority and
/// escalation probabilities (the last tier cannot escalate).
fn compile_tier(tier: &Tier, t: usize, count: usize, k: usize) -> Result<TierModel, Invalid> {
    let f = format!("tiers[{t}] ({})", tier.name);
    let schedule = Schedule::new(tier.staff, &tier.shifts)
        .map_err(|m| Invalid::new(format!("{f}.shifts"), m))?;
    let service = services_per_class(
        tier.service.as_ref(),
        tier.service_by_priority.as_deref(),
        k,
        &f,
        "service",
    )?;
    let escalate = per_class(&tier.escalate.values(), k, &format!("{f}.escalate"), 0.0)?;
    for (i, p) in escalate.iter().enumerate() {
        probability(*p, &format!("{f}.escalate[{i}]"))?;
    }
    if t + 1 == count && escalate.iter().any(|p| *p > 0.0) {
        return Err(Invalid::new(
            format!("{f}.escalate"),
            "the last tier cannot escalate: set it to 0 or add a tier",
        ));
    }
    Ok(TierModel {
        name: tier.name.clone(),
        schedule,
        service,
        escalate,
    })
}

/// Checks the improvement levers (`[automation]`, `[reopen]`): shares and probabilities in
/// [0, 1], minutes and hours ≥ 0.
fn check_levers(au: &Automation, reopen: &Reopen) -> Result<(), Invalid> {
    probability(au.self_healing_share, "automation.self_healing_share")?;
    probability(au.knowledge_uplift, "automation.knowledge_uplift")?;
    let negative = |x: f64| x.is_nan() || x < 0.0;
    if negative(au.self_healing_minutes) || negative(au.triage_minutes_saved) {
        return Err(Invalid::new("automation", "minutes must be ≥ 0"));
    }
    probability(reopen.probability, "reopen.probability")?;
    if negative(reopen.after_hours) {
        return Err(Invalid::new("reopen.after_hours", "must be ≥ 0"));
    }
    Ok(())
}

/// Agents per incident of each priority class: `swarming.agents` for the swarming priorities
/// (named by label; default the highest), 1 for the others.
fn swarm_agents(sw: Option<&Swarming>, priorities: &[String]) -> Result<Vec<u32>, Invalid> {
    let mut swarm_agents = vec![1u32; priorities.len()];
    let Some(sw) = sw else {
        return Ok(swarm_agents);
    };
    if sw.agents == 0 {
        return Err(Invalid::new("swarming.agents", "must be at least 1"));
    }
    let labels = if sw.priorities.is_empty() {
        vec![priorities[0].clone()]
    } else {
        sw.priorities.clone()
    };
    for l in labels {
        let i = priorities.iter().position(|p| *p == l).ok_or_else(|| {
            Invalid::new(
                "swarming.priorities",
                format!("'{l}' is not one of {:?}", priorities),
            )
        })?;
        swarm_agents[i] = sw.agents;
    }
    Ok(swarm_agents)
}

/// Checks a scenario and compiles it. Returns the model and warnings (e.g. overload).
pub fn compile(s: &Scenario) -> Result<(Model, Vec<String>), Invalid> {
    let k = s.priorities.len();
    if k == 0 {
        return Err(Invalid::new(
            "priorities",
            "needs at least one priority label",
        ));
    }
    check_run_window(s.horizon_hours, s.warmup_hours, s.replications)?;
    let arrivals = compile_arrivals(&s.arrivals, &s.priorities)?;
    if s.tiers.is_empty() {
        return Err(Invalid::new("tiers", "needs at least one [[tiers]] table"));
    }
    let tiers = (0..s.tiers.len())
        .map(|t| compile_tier(&s.tiers[t], t, s.tiers.len(), k))
        .collect::<Result<Vec<_>, _>>()?;
    let sla_hours = sla_targets(&s.sla.resolution_hours, k, "sla.resolution_hours")?;
    let au = &s.automation;
    check_levers(au, &s.reopen)?;
    let swarm_agents = swarm_agents(s.swarming.as_ref(), &s.priorities)?;
    let model = Model {
        name: s.name.clone(),
        priorities: s.priorities.clone(),
        rate_per_hour: s.arrivals.rate_per_hour,
        mix_cdf: arrivals.mix_cdf,
        profile: arrivals.profile,
        profile_max: arrivals.profile_max,
        tiers,
        policy: s.policy,
        shift_end: s.shift_end,
        sla_hours,
        self_heal_share: au.self_healing_share,
        self_heal_hours: au.self_healing_minutes / 60.0,
        triage_saved_hours: au.triage_minutes_saved / 60.0,
        knowledge_uplift: au.knowledge_uplift,
        reopen_probability: s.reopen.probability,
        reopen_after_hours: s.reopen.after_hours,
        swarm_agents,
        horizon: s.horizon_hours,
        warmup: s.warmup_hours,
        replications: s.replications,
        seed: s.seed,
        arrival_trace: None,
    };
    let warnings = check_load(&model)?;
    Ok((model, warnings))
}

/// Offered load per tier against average staff: an error when a tier gets work but never has staff,
/// a warning when demand exceeds capacity (queues then grow without bound).
fn check_load(m: &Model) -> Result<Vec<String>, Invalid> {
    let mean_profile = m.profile.iter().sum::<f64>() / 168.0;
    let lambda =
        m.rate_per_hour * mean_profile * (1.0 - m.self_heal_share) * (1.0 + m.reopen_probability);
    let mut warnings = Vec::new();
    // Visit probability of each tier, per class.
    let k = m.priorities.len();
    let mut reach = vec![1.0; k];
    let mix: Vec<f64> = (0..k)
        .map(|i| m.mix_cdf[i] - if i == 0 { 0.0 } else { m.mix_cdf[i - 1] })
        .collect();
    for (t, tier) in m.tiers.iter().enumerate() {
        let work: f64 = (0..k)
            .map(|c| {
                let mut mean = tier.service[c].mean();
                if t == 0 {
                    mean = (mean - m.triage_saved_hours).max(0.0);
                }
                lambda * mix[c] * reach[c] * mean
            })
            .sum();
        let staff = tier.schedule.mean_staff();
        let field = format!("tiers[{t}] ({})", tier.name);
        let gets_work = reach.iter().zip(&mix).any(|(r, x)| r * x > 0.0) && lambda > 0.0;
        if gets_work && tier.schedule.max_staff() == 0 {
            return Err(Invalid::new(
                format!("{field}.staff"),
                "work is routed to this tier but no agent is ever on shift: add staff or shifts",
            ));
        }
        if gets_work && work >= staff {
            warnings.push(format!(
                "{field}: offered load {work:.2} agent-hours per hour ≥ mean staff {staff:.2}: the queue will grow without bound over the horizon; add staff or reduce demand"
            ));
        }
        for (c, r) in reach.iter_mut().enumerate().take(k) {
            let mut p = tier.escalate[c];
            if t == 0 {
                p *= 1.0 - m.knowledge_uplift;
            }
            *r *= p;
        }
    }
    Ok(warnings)
}
