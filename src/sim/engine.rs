//! The discrete-event engine: one replication of one model. No I/O.
//!
//! Parts, named as in queueing theory: an arrival process (non-homogeneous Poisson by thinning),
//! individuals (incidents), nodes (support tiers) with servers (agents) on a schedule, and a queue
//! discipline per node. Events are ordered by (time, sequence number), so ties are broken by the
//! order in which events were scheduled: deterministic.
//!
//! Common random numbers: each incident draws its priority, service requirements, escalation and
//! reopen decisions from its own stream, derived from (seed, key, replication, incident index). Two
//! scenarios with the same arrivals therefore see the same incidents with the same work, whatever
//! their staffing or policy.
//!
//! Measured: incidents that arrive in [warmup, horizon). Arrivals stop at the horizon and the work
//! in progress is finished (up to 10 × the horizon; what is left then counts as unresolved): MTTR
//! and its percentiles include those late resolutions. SLA figures are those of an export taken at
//! the horizon, by the metrics' rule ([`super::sla`]): met / (met + breached), an incident open at
//! the horizon (or resolved only after it) breached once past its target and pending before.
//! Reopened incidents come back to the first tier as rework: they load the desk but their first
//! resolution is the one measured.

use std::cmp::Ordering;

use rand::distr::Distribution;
use rand::rngs::Xoshiro256PlusPlus;
use rand::RngExt;
use statrs::distribution::Exp;

use super::model::{Model, PolicyName, ShiftEnd};
use super::policy::Queue;
use super::sla::{outcome, resolved_outcome, SlaCounts};
use crate::random::splitmix64;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Arrival,
    ServiceEnd { tier: u8, id: u32, token: u32 },
    ShiftChange { tier: u8 },
    Reopen { id: u32 },
    SelfHealed { id: u32 },
}

/// A scheduled event of any engine: ordered by (time, sequence number), so ties are broken by
/// the order in which events were scheduled (deterministic). Shared by the tier and desk engines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ev<K> {
    pub t: f64,
    pub seq: u64,
    pub kind: K,
}
impl<K> PartialEq for Ev<K> {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl<K> Eq for Ev<K> {}
impl<K> PartialOrd for Ev<K> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<K> Ord for Ev<K> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest event.
    fn cmp(&self, o: &Self) -> Ordering {
        o.t.total_cmp(&self.t).then(o.seq.cmp(&self.seq))
    }
}

/// The order key of an event time: `a.total_cmp(&b)` is `key(a).cmp(&key(b))` (the same bit
/// trick as `f64::total_cmp`, made unsigned), so the agenda orders events exactly as [`Ev`] does.
pub(super) fn time_key(t: f64) -> u64 {
    let b = t.to_bits() as i64;
    ((b ^ ((((b >> 63) as u64) >> 1) as i64)) as u64) ^ (1 << 63)
}

/// The inverse of [`time_key`].
pub(super) fn key_time(k: u64) -> f64 {
    let b = (k ^ (1 << 63)) as i64;
    f64::from_bits((b ^ ((((b >> 63) as u64) >> 1) as i64)) as u64)
}

/// A pending event of the tier engine: (time key, sequence number) orders it.
#[derive(Debug, Clone, Copy)]
struct Entry {
    key: u64,
    seq: u64,
    kind: Kind,
}

impl Entry {
    #[inline]
    fn before(&self, o: &Entry) -> bool {
        (self.key, self.seq) < (o.key, o.seq)
    }
}

/// The pending events, popped in (time, sequence number) order like a binary heap of [`Ev`], but
/// faster: the next arrival (there is at most one) waits in its own slot, the other events in a
/// 4-ary min-heap (shallower than a binary heap; its four children share a cache line).
#[derive(Debug, Default)]
struct Agenda {
    arrival: Option<Entry>,
    heap: Vec<Entry>,
}

impl Agenda {
    #[inline]
    fn push(&mut self, e: Entry) {
        if matches!(e.kind, Kind::Arrival) && self.arrival.is_none() {
            self.arrival = Some(e);
            return;
        }
        let h = &mut self.heap;
        let mut i = h.len();
        h.push(e);
        while i > 0 {
            let parent = (i - 1) / 4;
            if !e.before(&h[parent]) {
                break;
            }
            h[i] = h[parent];
            i = parent;
        }
        h[i] = e;
    }

    /// Removes and returns the earliest event of the heap.
    fn pop_heap(&mut self) -> Option<Entry> {
        let h = &mut self.heap;
        let last = h.pop()?;
        if h.is_empty() {
            return Some(last);
        }
        let top = h[0];
        let n = h.len();
        let mut i = 0;
        loop {
            let first = 4 * i + 1;
            if first >= n {
                break;
            }
            let mut m = first;
            for c in first + 1..(first + 4).min(n) {
                if h[c].before(&h[m]) {
                    m = c;
                }
            }
            if !h[m].before(&last) {
                break;
            }
            h[i] = h[m];
            i = m;
        }
        h[i] = last;
        Some(top)
    }

    /// Removes and returns the earliest pending event: (time, kind).
    fn pop(&mut self) -> Option<(f64, Kind)> {
        let e = match (self.arrival, self.heap.first()) {
            (Some(a), Some(h)) if h.before(&a) => self.pop_heap(),
            (Some(a), _) => {
                self.arrival = None;
                Some(a)
            }
            (None, _) => self.pop_heap(),
        }?;
        Some((key_time(e.key), e.kind))
    }
}

/// An incident in the simulation.
#[derive(Debug, Clone)]
struct Individual {
    /// Arrival index in the replication (names the incident's random stream and its trace record).
    index: u32,
    class: u8,
    tier: u8,
    arrived: f64,
    queued_at: f64,
    wait: f64,
    /// Remaining work at the current tier in agent-hours; NaN until first drawn.
    remaining: f64,
    service_start: f64,
    agents: u32,
    token: u32,
    deadline: f64,
    measured: bool,
    rework: bool,
    tiers_visited: u8,
    rng: IncidentRng,
}

/// One incident's record in the optional trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRecord {
    pub index: u32,
    pub priority: u8,
    pub arrived_hours: f64,
    pub resolved_hours: f64,
    pub wait_hours: f64,
    pub tiers_visited: u8,
    pub self_healed: bool,
}

/// Per priority class results of one replication (NaN where nothing was resolved).
#[derive(Debug, Clone, Default)]
pub struct ClassResult {
    pub arrived: u64,
    pub resolved: u64,
    pub unresolved: u64,
    pub mean_resolution_hours: f64,
    pub mean_wait_hours: f64,
    pub p_wait: f64,
    pub resolution_p50: f64,
    pub resolution_p90: f64,
    pub resolution_p95: f64,
    /// met / (met + breached) by [`super::sla::outcome`] at the horizon (NaN when none).
    pub sla_compliance: f64,
    pub throughput_per_hour: f64,
    /// Incidents resolved within target by the horizon.
    pub sla_met: u64,
    /// Incidents past their target: resolved late, or open at the horizon past it.
    pub sla_breached: u64,
    /// Incidents open at the horizon not yet past their target (left out of compliance).
    pub sla_pending: u64,
}

#[derive(Debug, Clone, Default)]
pub struct TierResult {
    pub utilisation: f64,
    pub mean_queue: f64,
    pub mean_staff: f64,
}

/// Everything measured in one replication.
#[derive(Debug, Clone, Default)]
pub struct RunResult {
    pub classes: Vec<ClassResult>,
    pub overall: ClassResult,
    pub tiers: Vec<TierResult>,
    /// Time-average number of incidents awaiting their first resolution over the window (Little's L).
    pub mean_in_system: f64,
    /// Arrivals per hour in the window (Little's λ).
    pub arrival_rate: f64,
    pub reopened: u64,
    pub self_healed: u64,
    pub events: u64,
    /// Waits of the measured incidents that waited, with their class (for P(wait > t)).
    pub waits: Vec<(u8, f64)>,
}

impl ClassResult {
    const WORDS: usize = 14;

    /// The figures of one class (or all) from its measured incidents: `sojourn` = hours from
    /// arrival to (first) resolution of the resolved ones, in resolution order (the mean is summed
    /// in that order; the percentiles reorder the slice); `wait_sum` and `waited` over the resolved
    /// ones; `sla` their outcomes; `window_hours` = horizon − warm-up. NaN where nothing resolved.
    pub(crate) fn measure(
        sojourn: &mut [f64],
        arrived: u64,
        wait_sum: f64,
        waited: u64,
        sla: SlaCounts,
        window_hours: f64,
    ) -> ClassResult {
        let n = sojourn.len() as u64;
        let nf = n as f64;
        let mean = sojourn.iter().sum::<f64>() / nf;
        // Three selections instead of a full sort: percentiles are taken every replication.
        let q = super::stats::quantiles_unsorted(sojourn, &[0.5, 0.9, 0.95]);
        let nan_if_empty = |v: f64| if n == 0 { f64::NAN } else { v };
        ClassResult {
            arrived,
            resolved: n,
            unresolved: arrived.saturating_sub(n),
            mean_resolution_hours: nan_if_empty(mean),
            mean_wait_hours: nan_if_empty(wait_sum / nf),
            p_wait: nan_if_empty(waited as f64 / nf),
            resolution_p50: q[0],
            resolution_p90: q[1],
            resolution_p95: q[2],
            sla_compliance: sla.compliance(),
            throughput_per_hour: nf / window_hours,
            sla_met: sla.met,
            sla_breached: sla.breached,
            sla_pending: sla.pending,
        }
    }

    fn push_words(&self, w: &mut Vec<u64>) {
        w.extend([self.arrived, self.resolved, self.unresolved]);
        w.extend([self.sla_met, self.sla_breached, self.sla_pending]);
        w.extend(
            [
                self.mean_resolution_hours,
                self.mean_wait_hours,
                self.p_wait,
                self.resolution_p50,
                self.resolution_p90,
                self.resolution_p95,
                self.sla_compliance,
                self.throughput_per_hour,
            ]
            .map(f64::to_bits),
        );
    }

    fn from_words(w: &[u64]) -> ClassResult {
        let f = |k: usize| f64::from_bits(w[k]);
        ClassResult {
            arrived: w[0],
            resolved: w[1],
            unresolved: w[2],
            sla_met: w[3],
            sla_breached: w[4],
            sla_pending: w[5],
            mean_resolution_hours: f(6),
            mean_wait_hours: f(7),
            p_wait: f(8),
            resolution_p50: f(9),
            resolution_p90: f(10),
            resolution_p95: f(11),
            sla_compliance: f(12),
            throughput_per_hour: f(13),
        }
    }
}

/// Per class accumulators of the measured incidents, shared by the tier and desk engines.
#[derive(Debug, Clone)]
pub(crate) struct ClassTally {
    /// Hours arrival → first resolution of the resolved ones, in resolution order.
    pub sojourn: Vec<Vec<f64>>,
    /// Hours waited (queued) by the resolved ones, summed.
    pub wait_sum: Vec<f64>,
    /// Resolved ones that waited at all.
    pub waited: Vec<u64>,
    pub arrived: Vec<u64>,
    pub sla: Vec<SlaCounts>,
}

/// One measured first resolution, as the tallies and the trace record it ([`ClassTally::record`]).
pub(crate) struct Resolution {
    pub index: u32,
    pub class: u8,
    pub arrived: f64,
    pub wait: f64,
    pub tiers_visited: u8,
    pub self_healed: bool,
}

impl ClassTally {
    /// Records `r`, resolved at `now`: its sojourn, its wait (a wait also into `waits` when kept), its SLA
    /// outcome and, when tracing, its trace record. The general loop and the fast path both count
    /// through here, so they count alike.
    #[inline(always)]
    pub(crate) fn record(
        &mut self,
        r: &Resolution,
        now: f64,
        m: &Model,
        waits: Option<&mut Vec<(u8, f64)>>,
        trace: Option<&mut Vec<TraceRecord>>,
    ) {
        let class = r.class as usize;
        self.sojourn[class].push(now - r.arrived);
        self.wait_sum[class] += r.wait;
        if r.wait > 1e-12 {
            self.waited[class] += 1;
            if let Some(w) = waits {
                w.push((r.class, r.wait));
            }
        }
        self.sla[class].add(resolved_outcome(
            r.arrived,
            now,
            m.horizon,
            m.sla_hours[class],
        ));
        if let Some(tr) = trace {
            tr.push(TraceRecord {
                index: r.index,
                priority: r.class + 1,
                arrived_hours: r.arrived,
                resolved_hours: now,
                wait_hours: r.wait,
                tiers_visited: r.tiers_visited,
                self_healed: r.self_healed,
            });
        }
    }

    /// Empty accumulators for `k` classes, room for `capacity(c)` resolutions of class c.
    pub(crate) fn new(k: usize, capacity: impl Fn(usize) -> usize) -> ClassTally {
        ClassTally {
            sojourn: (0..k).map(|c| Vec::with_capacity(capacity(c))).collect(),
            wait_sum: vec![0.0; k],
            waited: vec![0; k],
            arrived: vec![0; k],
            sla: vec![SlaCounts::default(); k],
        }
    }

    /// Per class and overall figures ([`ClassResult::measure`]) over a window of `window_hours`;
    /// one class: the overall figures are that class's (the same values in the same order).
    pub(crate) fn results(&mut self, window_hours: f64) -> (Vec<ClassResult>, ClassResult) {
        let k = self.sojourn.len();
        let mut classes = Vec::with_capacity(k);
        let mut all = Vec::with_capacity(if k > 1 {
            self.sojourn.iter().map(Vec::len).sum()
        } else {
            0
        });
        for c in 0..k {
            if k > 1 {
                all.extend_from_slice(&self.sojourn[c]);
            }
            classes.push(ClassResult::measure(
                &mut self.sojourn[c],
                self.arrived[c],
                self.wait_sum[c],
                self.waited[c],
                self.sla[c],
                window_hours,
            ));
        }
        let overall = if k == 1 {
            classes[0].clone()
        } else {
            ClassResult::measure(
                &mut all,
                self.arrived.iter().sum(),
                self.wait_sum.iter().sum(),
                self.waited.iter().sum(),
                self.sla
                    .iter()
                    .fold(SlaCounts::default(), |a, &b| a.plus(b)),
                window_hours,
            )
        };
        (classes, overall)
    }
}

impl RunResult {
    /// The result as 64-bit words, exactly (floating-point numbers by their bits, so NaN and every
    /// last digit survive a JSON part file): the number of classes and of tiers, each class (its six
    /// counts, then its eight figures), the
    /// overall figures, each tier's three figures, then mean in system, arrival rate, reopened,
    /// self-healed and events. `waits` is left out (only the validation tests read it).
    pub fn to_words(&self) -> Vec<u64> {
        let mut w = vec![self.classes.len() as u64, self.tiers.len() as u64];
        for c in self.classes.iter().chain([&self.overall]) {
            c.push_words(&mut w);
        }
        for t in &self.tiers {
            w.extend([t.utilisation, t.mean_queue, t.mean_staff].map(f64::to_bits));
        }
        w.extend([self.mean_in_system.to_bits(), self.arrival_rate.to_bits()]);
        w.extend([self.reopened, self.self_healed, self.events]);
        w
    }

    /// The inverse of [`RunResult::to_words`] (with no `waits`); None when the words do not have
    /// that layout.
    pub fn from_words(w: &[u64]) -> Option<RunResult> {
        let (k, t) = (
            usize::try_from(*w.first()?).ok()?,
            usize::try_from(*w.get(1)?).ok()?,
        );
        let len = 2 + (k.checked_add(1)?).checked_mul(ClassResult::WORDS)? + t.checked_mul(3)? + 5;
        if w.len() != len {
            return None;
        }
        let class = |i: usize| ClassResult::from_words(&w[2 + i * ClassResult::WORDS..]);
        let tiers_at = 2 + (k + 1) * ClassResult::WORDS;
        let f = |i: usize| f64::from_bits(w[i]);
        let end = tiers_at + 3 * t;
        Some(RunResult {
            classes: (0..k).map(class).collect(),
            overall: class(k),
            tiers: (0..t)
                .map(|i| TierResult {
                    utilisation: f(tiers_at + 3 * i),
                    mean_queue: f(tiers_at + 3 * i + 1),
                    mean_staff: f(tiers_at + 3 * i + 2),
                })
                .collect(),
            mean_in_system: f(end),
            arrival_rate: f(end + 1),
            reopened: w[end + 2],
            self_healed: w[end + 3],
            events: w[end + 4],
            waits: Vec::new(),
        })
    }
}

/// The next arrival after `now` before the horizon (None: none left): exponential gaps at the
/// peak rate (ziggurat), thinned to the hour's rate unless the profile is flat. Shared by the
/// general loop and the fast path ([`super::fast`]), so both draw the same arrivals.
#[inline(always)]
pub(crate) fn next_arrival_time(
    m: &Model,
    gaps: &Exp,
    flat_profile: bool,
    rng: &mut Xoshiro256PlusPlus,
    now: f64,
) -> Option<f64> {
    let mut t = now;
    loop {
        t += gaps.sample(rng);
        if t >= m.horizon {
            return None;
        }
        if flat_profile {
            return Some(t);
        }
        // t ≥ 0: the hour of the week without a floating-point remainder.
        let how = ((t as u64) % 168) as usize;
        let v: f64 = rng.random();
        if v * m.profile_max < m.profile[how] {
            return Some(t);
        }
    }
}

struct TierState {
    on_duty: u32,
    busy: u32,
    in_service: Vec<u32>,
    queue: Queue,
    area_queue: f64,
    area_busy: f64,
    area_staff: f64,
}

impl TierState {
    /// A tier at hour 0: its staff on duty then, nobody busy, an empty queue of `policy`.
    fn new(tier: &super::model::TierModel, policy: PolicyName, classes: usize) -> TierState {
        TierState {
            on_duty: tier.schedule.staff_at(0.0),
            busy: 0,
            in_service: Vec::new(),
            queue: Queue::new(policy, classes),
            area_queue: 0.0,
            area_busy: 0.0,
            area_staff: 0.0,
        }
    }

    /// Frees the `agents` of incident `id` when its service stops (finished or interrupted), and
    /// drops it from the list in service when that list is kept (`track`).
    #[inline]
    fn leave_service(&mut self, id: u32, agents: u32, track: bool) {
        self.busy -= agents;
        if track {
            if let Some(k) = self.in_service.iter().position(|&x| x == id) {
                self.in_service.swap_remove(k);
            }
        }
    }
}

struct Sim<'a> {
    m: &'a Model,
    now: f64,
    seq: u64,
    agenda: Agenda,
    /// Incidents in the system; a slot is reused once its incident has left for good.
    people: Vec<Individual>,
    free: Vec<u32>,
    /// Arrivals so far.
    next_index: u64,
    /// Time between candidate arrivals at the peak rate (None: no arrivals).
    gaps: Option<Exp>,
    /// The weekly profile is flat: every candidate arrival is accepted without a thinning draw.
    flat_profile: bool,
    /// Keep each tier's incidents in service (only preemption and hand-back at shift end pick
    /// among them; their choice is a total order, so the list's order does not matter).
    track_service: bool,
    tiers: Vec<TierState>,
    in_system: u64,
    /// Incidents not yet resolved for the first time (Little's law counts these; rework is extra load).
    awaiting_first: u64,
    area_system: f64,
    last_t: f64,
    stream_base: u64,
    arrivals: Xoshiro256PlusPlus,
    // Measurements.
    tally: ClassTally,
    reopened: u64,
    self_healed: u64,
    events: u64,
    trace: Option<Vec<TraceRecord>>,
    wait_over: Option<Vec<(u8, f64)>>,
    /// Trace replay with work (`--replay-work`): the first tier's work of a first visit is the
    /// trace's, not drawn.
    replay_work: bool,
}

impl<'a> Sim<'a> {
    #[inline]
    fn schedule(&mut self, t: f64, kind: Kind) {
        self.seq += 1;
        self.agenda.push(Entry {
            key: time_key(t),
            seq: self.seq,
            kind,
        });
    }

    /// Integrates the time-weighted measures up to `t`, clipped to the window.
    fn advance(&mut self, t: f64) {
        let (a, b) = (self.last_t.max(self.m.warmup), t.min(self.m.horizon));
        if b > a {
            let dt = b - a;
            // Counts through i64: the same f64 values, by one signed conversion (unsigned
            // 64-bit ones take several instructions on x86-64).
            self.area_system += self.awaiting_first as i64 as f64 * dt;
            for ts in &mut self.tiers {
                ts.area_queue += ts.queue.len() as i64 as f64 * dt;
                ts.area_busy += f64::from(ts.busy) * dt;
                ts.area_staff += f64::from(ts.on_duty) * dt;
            }
        }
        self.last_t = t;
        self.now = t;
    }

    fn next_arrival(&mut self) {
        let m = self.m;
        if let Some(trace) = &m.arrival_trace {
            // Trace replay: the next real arrival, if any before the horizon.
            if let Some(a) = trace.get(self.next_index as usize) {
                if a.hours < m.horizon {
                    self.schedule(a.hours.max(self.now), Kind::Arrival);
                }
            }
            return;
        }
        let Some(gaps) = self.gaps else {
            return;
        };
        if let Some(t) =
            next_arrival_time(m, &gaps, self.flat_profile, &mut self.arrivals, self.now)
        {
            self.schedule(t, Kind::Arrival);
        }
    }

    fn arrive(&mut self) {
        let m = self.m;
        let index = self.next_index;
        self.next_index += 1;
        let mut rng = incident_stream(self.stream_base, index);
        let u: f64 = rng.random();
        let traced = m
            .arrival_trace
            .as_ref()
            .and_then(|t| t.get(index as usize))
            .map(|a| usize::from(a.class));
        let class = traced.unwrap_or_else(|| class_of(m, u));
        let measured = self.now >= m.warmup && self.now < m.horizon;
        let person = Individual {
            index: index as u32,
            class: class as u8,
            tier: 0,
            arrived: self.now,
            queued_at: self.now,
            wait: 0.0,
            remaining: f64::NAN,
            service_start: 0.0,
            agents: 0,
            token: 0,
            deadline: self.now + m.sla_hours[class],
            measured,
            rework: false,
            tiers_visited: 1,
            rng,
        };
        let id = match self.free.pop() {
            Some(slot) => {
                // The token carries on, so a stale completion of the previous occupant never matches.
                let p = &mut self.people[slot as usize];
                let token = p.token;
                *p = person;
                p.token = token;
                slot
            }
            None => {
                self.people.push(person);
                (self.people.len() - 1) as u32
            }
        };
        self.in_system += 1;
        self.awaiting_first += 1;
        if measured {
            self.tally.arrived[class] += 1;
        }
        let heal: f64 = self.people[id as usize].rng.random();
        if heal < m.self_heal_share {
            self.self_healed += u64::from(measured);
            self.schedule(self.now + m.self_heal_hours, Kind::SelfHealed { id });
        } else {
            self.enqueue(0, id, false);
        }
        self.next_arrival();
    }

    fn enqueue(&mut self, tier: usize, id: u32, front: bool) {
        let p = &mut self.people[id as usize];
        p.queued_at = self.now;
        let (class, deadline) = (p.class as usize, p.deadline);
        self.tiers[tier].queue.push(id, class, deadline, front);
        if self.m.policy == PolicyName::Preemptive && !front {
            self.preempt_for(tier, class);
        }
        self.dispatch(tier);
    }

    /// Preemptive-resume: while every agent is busy, interrupt the lowest-priority incident in
    /// service (the most recently started among equals) if it ranks below `class`.
    fn preempt_for(&mut self, tier: usize, class: usize) {
        while self.tiers[tier].busy >= self.tiers[tier].on_duty {
            let Some(v) = self.victim(tier, Some(class)) else {
                return;
            };
            if self.tiers[tier].busy - self.people[v as usize].agents >= self.tiers[tier].on_duty {
                return; // freeing it would not free a place (agents still finishing after a shift)
            }
            self.interrupt(tier, v);
        }
    }

    /// The incident in service at `tier` to give up first (to a higher priority below `below`, or at
    /// shift end): the lowest priority, then the most recently started, then the highest slot.
    fn victim(&self, tier: usize, below: Option<usize>) -> Option<u32> {
        self.tiers[tier]
            .in_service
            .iter()
            .copied()
            .filter(|&v| below.is_none_or(|c| (self.people[v as usize].class as usize) > c))
            .max_by(|&a, &b| {
                let (pa, pb) = (&self.people[a as usize], &self.people[b as usize]);
                pa.class
                    .cmp(&pb.class)
                    .then(pa.service_start.total_cmp(&pb.service_start))
                    .then(a.cmp(&b))
            })
    }

    /// Takes an incident off its agents, keeps its remaining work, and puts it at the front of its line.
    fn interrupt(&mut self, tier: usize, id: u32) {
        let now = self.now;
        let p = &mut self.people[id as usize];
        p.remaining = (p.remaining - (now - p.service_start) * f64::from(p.agents)).max(0.0);
        p.token = p.token.wrapping_add(1);
        let agents = p.agents;
        p.agents = 0;
        let ts = &mut self.tiers[tier];
        ts.leave_service(id, agents, self.track_service);
        let (class, deadline) = (p.class as usize, p.deadline);
        p.queued_at = now;
        ts.queue.push(id, class, deadline, true);
    }

    fn dispatch(&mut self, tier: usize) {
        while self.tiers[tier].busy < self.tiers[tier].on_duty {
            let Some(id) = self.tiers[tier].queue.pop() else {
                return;
            };
            self.start_service(tier, id);
        }
    }

    fn start_service(&mut self, tier: usize, id: u32) {
        let m = self.m;
        let now = self.now;
        let free = self.tiers[tier].on_duty - self.tiers[tier].busy;
        let p = &mut self.people[id as usize];
        p.wait += now - p.queued_at;
        if p.remaining.is_nan() {
            let replayed = match (self.replay_work, &m.arrival_trace) {
                (true, Some(trace)) if tier == 0 && !p.rework => {
                    trace.get(p.index as usize).and_then(|a| a.work_hours)
                }
                _ => None,
            };
            p.remaining = replayed.unwrap_or_else(|| drawn_work(m, tier, p));
        }
        let agents = m.swarm_agents[p.class as usize].min(free).max(1);
        p.agents = agents;
        p.service_start = now;
        p.token = p.token.wrapping_add(1);
        let (token, end) = (p.token, now + service_hours(p.remaining, agents));
        let ts = &mut self.tiers[tier];
        ts.busy += agents;
        if self.track_service {
            ts.in_service.push(id);
        }
        self.schedule(
            end,
            Kind::ServiceEnd {
                tier: tier as u8,
                id,
                token,
            },
        );
    }

    fn service_end(&mut self, tier: usize, id: u32, token: u32) {
        if self.people[id as usize].token != token || self.people[id as usize].agents == 0 {
            return; // interrupted: a stale completion
        }
        let m = self.m;
        let p = &mut self.people[id as usize];
        let agents = p.agents;
        p.agents = 0;
        p.remaining = f64::NAN;
        let class = p.class as usize;
        let mut esc = m.tiers[tier].escalate[class];
        if tier == 0 {
            esc *= 1.0 - m.knowledge_uplift;
        }
        let u: f64 = p.rng.random();
        self.tiers[tier].leave_service(id, agents, self.track_service);
        if u < esc && tier + 1 < m.tiers.len() {
            let p = &mut self.people[id as usize];
            p.tier += 1;
            p.tiers_visited += 1;
            self.enqueue(tier + 1, id, false);
        } else {
            self.resolve(id, false);
        }
        self.dispatch(tier);
    }

    fn resolve(&mut self, id: u32, self_healed: bool) {
        let m = self.m;
        let now = self.now;
        self.in_system -= 1;
        let p = &mut self.people[id as usize];
        // The last draw of a first resolution (none is needed when nothing reopens: same stream).
        let reopen: f64 = if m.reopen_probability > 0.0 && !p.rework {
            p.rng.random()
        } else {
            1.0
        };
        if !p.rework {
            self.awaiting_first -= 1;
        }
        if p.measured && !p.rework {
            let r = Resolution {
                index: p.index,
                class: p.class,
                arrived: p.arrived,
                wait: p.wait,
                tiers_visited: p.tiers_visited,
                self_healed,
            };
            let trace = self.trace.as_mut();
            self.tally
                .record(&r, now, m, self.wait_over.as_mut(), trace);
        }
        if !p.rework && reopen < m.reopen_probability {
            p.rework = true;
            self.reopened += u64::from(p.measured);
            self.schedule(now + m.reopen_after_hours, Kind::Reopen { id });
        } else {
            self.free.push(id); // gone for good: the slot is free
        }
    }

    fn shift_change(&mut self, tier: usize) {
        let now = self.now;
        let staff = self.m.tiers[tier].schedule.staff_at(now + 1e-9);
        self.tiers[tier].on_duty = staff;
        if self.m.shift_end == ShiftEnd::Handback {
            while self.tiers[tier].busy > staff {
                match self.victim(tier, None) {
                    Some(v) => self.interrupt(tier, v),
                    None => break,
                }
            }
        }
        self.dispatch(tier);
        if let Some(next) = self.m.tiers[tier].schedule.next_change(now + 1e-9) {
            self.schedule(next, Kind::ShiftChange { tier: tier as u8 });
        }
    }
}

/// The work of an incident's visit at `tier` in agent-hours, drawn from the tier's service
/// distribution of its class (from the incident's own stream); at the first tier less the triage
/// saving (never below 0).
#[inline(always)]
fn drawn_work(m: &Model, tier: usize, p: &mut Individual) -> f64 {
    let work = m.tiers[tier].service[p.class as usize].sample(&mut p.rng);
    if tier == 0 {
        (work - m.triage_saved_hours).max(0.0)
    } else {
        work
    }
}

/// Room for the measured incidents' records: the expected arrivals in the window, 5 % over
/// (capped: a capacity hint only).
pub(super) fn expected_arrivals(m: &Model) -> usize {
    (m.rate_per_hour * m.profile.iter().sum::<f64>() / m.profile.len().max(1) as f64
        * (m.horizon - m.warmup).max(0.0)
        * 1.05)
        .clamp(0.0, 1e7) as usize
}

/// The seed from which incident `i`'s stream derives (`splitmix64(base ^ splitmix64(i))`).
pub(super) fn stream_base(seed: u64, key: &str, replication: u64) -> u64 {
    splitmix64(crate::random::fnv1a(key) ^ splitmix64(seed ^ splitmix64(replication ^ 0x5EED)))
}

/// Hours that `work` agent-hours take `agents` agents. One agent, the usual case, skips the
/// division (x / 1.0 is x): it sits on the way from a work draw to the agenda, and its latency,
/// not its one instruction, is what the event loop waits for.
#[inline(always)]
pub(crate) fn service_hours(work: f64, agents: u32) -> f64 {
    if agents == 1 {
        work
    } else {
        work / f64::from(agents)
    }
}

/// The generator of an incident's own stream ([`incident_stream`]).
pub(crate) type IncidentRng = crate::random::SplitMix64;

/// Incident `index`'s own random stream: every draw about it comes from here, in a fixed order,
/// so that its numbers do not depend on the other incidents.
#[inline(always)]
pub(crate) fn incident_stream(stream_base: u64, index: u64) -> IncidentRng {
    IncidentRng::new(splitmix64(stream_base ^ splitmix64(index)))
}

/// The priority class (index) a uniform draw `u` falls in by the model's mix.
#[inline(always)]
pub(crate) fn class_of(m: &Model, u: f64) -> usize {
    m.mix_cdf
        .iter()
        .position(|c| u < *c)
        .unwrap_or(m.mix_cdf.len() - 1)
}

/// What replication `replication` starts from, whichever loop runs it (the general one or
/// [`super::fast`]): the arrival process, its streams, and tallies sized for the expected arrivals.
pub(crate) struct Start {
    /// Gaps of the thinned arrival process at its peak rate (None: nothing arrives).
    pub gaps: Option<Exp>,
    /// The profile never falls below its peak: no thinning draw is needed.
    pub flat_profile: bool,
    pub stream_base: u64,
    pub arrivals: Xoshiro256PlusPlus,
    pub tally: ClassTally,
    /// Every measured wait, when kept ([`Keep::waits`]).
    pub wait_over: Option<Vec<(u8, f64)>>,
}

impl Start {
    pub(crate) fn new(m: &Model, seed: u64, key: &str, replication: u64, keep: Keep) -> Start {
        let peak = m.rate_per_hour * m.profile_max;
        let expected = expected_arrivals(m);
        let share = |c: usize| m.mix_cdf[c] - if c == 0 { 0.0 } else { m.mix_cdf[c - 1] };
        let k = m.priorities.len();
        Start {
            gaps: if peak > 0.0 {
                Exp::new(peak).ok()
            } else {
                None
            },
            flat_profile: m.profile.iter().all(|&p| p >= m.profile_max),
            stream_base: stream_base(seed, key, replication),
            arrivals: crate::random::stream(seed, &[key, "arrivals"], &[replication]),
            tally: ClassTally::new(k, |c| (expected as f64 * share(c).max(0.0)) as usize + 16),
            wait_over: keep.waits.then(|| Vec::with_capacity(expected)),
        }
    }
}

impl<'a> Sim<'a> {
    /// The state of replication `replication` at hour 0: empty queues, the staff on duty then,
    /// streams derived from (seed, key, replication).
    fn new(m: &'a Model, seed: u64, key: &str, replication: u64, keep: Keep) -> Sim<'a> {
        let k = m.priorities.len();
        let st = Start::new(m, seed, key, replication, keep);
        Sim {
            m,
            now: 0.0,
            seq: 0,
            agenda: Agenda::default(),
            people: Vec::new(),
            free: Vec::new(),
            next_index: 0,
            gaps: st.gaps,
            flat_profile: st.flat_profile,
            track_service: m.policy == PolicyName::Preemptive || m.shift_end == ShiftEnd::Handback,
            tiers: m
                .tiers
                .iter()
                .map(|t| TierState::new(t, m.policy, k))
                .collect(),
            in_system: 0,
            awaiting_first: 0,
            area_system: 0.0,
            last_t: 0.0,
            stream_base: st.stream_base,
            arrivals: st.arrivals,
            tally: st.tally,
            reopened: 0,
            self_healed: 0,
            events: 0,
            trace: keep.trace.then(Vec::new),
            wait_over: st.wait_over,
            replay_work: m
                .arrival_trace
                .as_ref()
                .is_some_and(|t| t.iter().any(|a| a.work_hours.is_some())),
        }
    }

    /// Schedules the first shift change of every tier and the first arrival.
    fn start(&mut self) {
        for (t, tier) in self.m.tiers.iter().enumerate() {
            if let Some(next) = tier.schedule.next_change(0.0) {
                self.schedule(next, Kind::ShiftChange { tier: t as u8 });
            }
        }
        self.next_arrival();
    }

    /// The event loop: events in (time, sequence) order until the desk is empty after the horizon,
    /// or 10 × the horizon (what is left then stays unresolved).
    fn run_events(&mut self) {
        let m = self.m;
        let hard_stop = m.horizon * 10.0;
        while let Some((t, kind)) = self.agenda.pop() {
            if t > hard_stop || (t >= m.horizon && self.in_system == 0) {
                break;
            }
            self.events += 1;
            self.advance(t);
            match kind {
                Kind::Arrival => self.arrive(),
                Kind::ServiceEnd { tier, id, token } => self.service_end(tier as usize, id, token),
                Kind::ShiftChange { tier } => self.shift_change(tier as usize),
                Kind::Reopen { id } => self.reopen(id),
                Kind::SelfHealed { id } => self.resolve(id, true),
            }
        }
    }

    /// A reopened incident comes back to the first tier as rework, with fresh work.
    #[inline]
    fn reopen(&mut self, id: u32) {
        self.in_system += 1;
        let p = &mut self.people[id as usize];
        p.tier = 0;
        p.remaining = f64::NAN;
        self.enqueue(0, id, false);
    }

    /// The SLA outcome of every measured incident still awaiting its first resolution when the run
    /// stops: open at the horizon, breached once past its target, pending before.
    fn count_unresolved(&mut self) {
        let mut gone = vec![false; self.people.len()];
        for &slot in &self.free {
            gone[slot as usize] = true;
        }
        for (p, _) in self.people.iter().zip(gone).filter(|(_, g)| !g) {
            if p.measured && !p.rework {
                let class = p.class as usize;
                let o = outcome(p.arrived, None, self.m.horizon, self.m.sla_hours[class]);
                self.tally.sla[class].add(o);
            }
        }
    }

    /// Everything measured, once the events are done.
    fn finish(mut self) -> (RunResult, Option<Vec<TraceRecord>>) {
        self.count_unresolved();
        let window = self.m.horizon - self.m.warmup;
        let (classes, overall) = self.tally.results(window);
        let tiers = self
            .tiers
            .iter()
            .map(|t| TierResult {
                utilisation: if t.area_staff > 0.0 {
                    t.area_busy / t.area_staff
                } else {
                    f64::NAN
                },
                mean_queue: t.area_queue / window,
                mean_staff: t.area_staff / window,
            })
            .collect();
        let result = RunResult {
            classes,
            overall,
            tiers,
            mean_in_system: self.area_system / window,
            arrival_rate: self.tally.arrived.iter().sum::<u64>() as f64 / window,
            reopened: self.reopened,
            self_healed: self.self_healed,
            events: self.events,
            waits: self.wait_over.unwrap_or_default(),
        };
        (result, self.trace)
    }
}

/// What a replication keeps beyond its figures (both cost time and memory on every incident).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keep {
    /// Every measured incident's trace record (returned beside the result).
    pub trace: bool,
    /// Every measured wait, in [`RunResult::waits`] (the validation tests' P(wait > t)).
    pub waits: bool,
}

impl Keep {
    /// The figures only.
    pub const FIGURES: Keep = Keep {
        trace: false,
        waits: false,
    };
    /// The figures and the trace.
    pub const TRACE: Keep = Keep {
        trace: true,
        waits: false,
    };
}

/// Runs one replication. `key` names the random streams (the scenario name, or a shared key for
/// common random numbers); `keep` says what it returns beyond the figures.
pub fn run(
    m: &Model,
    seed: u64,
    key: &str,
    replication: u64,
    keep: Keep,
) -> (RunResult, Option<Vec<TraceRecord>>) {
    if super::fast::eligible(m) {
        return super::fast::run(m, seed, key, replication, keep);
    }
    run_general(m, seed, key, replication, keep)
}

/// Whether [`run`] takes the fast path ([`super::fast`]) for `m`.
pub fn fast_path_applies(m: &Model) -> bool {
    super::fast::eligible(m)
}

/// [`run`] on the general event loop, whatever the model: the reference the fast path for one
/// constant-staff tier ([`super::fast`]) must match bit for bit.
pub fn run_general(
    m: &Model,
    seed: u64,
    key: &str,
    replication: u64,
    keep: Keep,
) -> (RunResult, Option<Vec<TraceRecord>>) {
    let mut sim = Sim::new(m, seed, key, replication, keep);
    sim.start();
    sim.run_events();
    sim.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BinaryHeap;

    #[test]
    fn time_keys_order_like_total_cmp_and_invert() {
        let xs = [
            0.0,
            -0.0,
            1e-300,
            0.5,
            1.0,
            2200.0,
            1e300,
            -1.0,
            f64::INFINITY,
        ];
        for a in xs {
            assert_eq!(key_time(time_key(a)).to_bits(), a.to_bits());
            for b in xs {
                assert_eq!(time_key(a).cmp(&time_key(b)), a.total_cmp(&b), "{a} {b}");
            }
        }
    }

    /// The agenda pops events in the order of the binary heap of `Ev` it replaced (ties included).
    #[test]
    fn agenda_pops_in_binary_heap_order() {
        let mut x = 17u64;
        let mut next = || {
            x = crate::random::splitmix64(x);
            x
        };
        let (mut agenda, mut heap) = (Agenda::default(), BinaryHeap::new());
        let mut seq = 0u64;
        let mut arrival_pending = false;
        for step in 0..20_000 {
            let r = next();
            if r % 3 != 0 || heap.is_empty() {
                seq += 1;
                // Coarse times make ties common; at most one arrival pending, as in the engine.
                let t = (r >> 8) as f64 % 50.0 + step as f64 / 100.0;
                let kind = if !arrival_pending && r % 5 == 0 {
                    arrival_pending = true;
                    Kind::Arrival
                } else {
                    Kind::Reopen { id: seq as u32 }
                };
                agenda.push(Entry {
                    key: time_key(t),
                    seq,
                    kind,
                });
                heap.push(Ev { t, seq, kind });
            } else {
                let want = heap.pop().map(|e| (e.t, e.kind));
                let got = agenda.pop();
                assert_eq!(got, want, "step {step}");
                if matches!(want, Some((_, Kind::Arrival))) {
                    arrival_pending = false;
                }
            }
        }
        while let Some(e) = heap.pop() {
            assert_eq!(agenda.pop(), Some((e.t, e.kind)));
        }
        assert_eq!(agenda.pop(), None);
    }

    #[test]
    fn run_results_survive_words_exactly() {
        let m = crate::sim::model::compile(
            &crate::sim::model::parse(include_str!("../../scenarios/baseline.toml")).unwrap(),
        )
        .unwrap()
        .0;
        let (r, _) = run(&m, 7, "words", 3, Keep::FIGURES);
        let w = r.to_words();
        let back = RunResult::from_words(&w).unwrap();
        assert_eq!(back.to_words(), w);
        assert_eq!(
            back.overall.mean_wait_hours.to_bits(),
            r.overall.mean_wait_hours.to_bits()
        );
        assert_eq!(back.classes.len(), m.priorities.len());
        assert_eq!(back.events, r.events);
        assert!(RunResult::from_words(&w[..w.len() - 1]).is_none());
        assert!(RunResult::from_words(&[u64::MAX, 1]).is_none());
    }
}
