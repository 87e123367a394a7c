//! The desk engine: one replication of a compiled [`Desk`]. No I/O.
//!
//! Rules (README "Desk format" states them for users):
//! - **Clock**: simulated hour 0 is `start`; pool capacity and the arrival intensity follow the
//!   hour of the week of `start + t` (UTC), changing on the hour.
//! - **Arrivals**: non-homogeneous Poisson by thinning against the peak hourly intensity; they stop
//!   at the horizon. Each incident draws, from its own stream, its priority (`priority_mix`), its
//!   entry pool (`entry[priority]`), and at each visit: the work W (`work`), whether an external
//!   wait occurs (`wait_probability`), where the work is split around it (U uniform on (0, 1)) and
//!   its length L (`wait`); after the visit, the next pool (`routing[priority][pool]`, the rest to
//!   1 = resolved). The path of an incident therefore does not depend on staffing or policy
//!   (common random numbers).
//! - **Visit**: queue → work (holding one slot) → [external wait L, holding no slot → back to the
//!   *front* of the pool's queue → work] → leave. With a wait, the first work part is U·W and the
//!   second (1−U)·W, so hands-on work stays W.
//! - **Slots**: a pool has `agents(hour) × concurrency` slots; an incident in a slot is worked at
//!   full speed (its elapsed work time is W: `work` is the elapsed hands-on time per visit as the
//!   log shows it, multitasking included), so an agent with concurrency k holds up to k incidents
//!   at once. Utilisation = busy slots / slots.
//! - **Capacity drops** (the hour's slots fall below the busy ones): `finish` lets every incident in
//!   hand finish its work part; `handback` returns the lowest-priority, most recently started ones to
//!   the front of the queue with their remaining work kept. A pool with 0 agents at an hour queues.
//! - **Policies** per pool: fifo, priority, preemptive (resume), edf (deadline = opened + target).
//! - **Initial incidents** (`DeskRunOptions::initial`) start at hour 0 in their pool and phase with
//!   fresh draws (the elapsed part of their current phase is not known): `queue` — a new visit;
//!   `work` — a new visit that takes free slots before any queued incident; `wait` — a fresh wait L,
//!   then the second work part (1−U)·W of a fresh visit (a pool without a wait distribution: queued).
//! - **End**: nothing happens at or after the horizon; incidents still open stay open
//!   (`resolved_hours = None`), their last activity in the log ends at the horizon.
//! - **Log** (`keep_log`): one [`SimActivity`] per phase, sorted by incident and start; a queue
//!   phase of zero length (work started at once) is left out; a work phase ends when the incident
//!   leaves its slot (work part done, preempted or handed back).

use std::collections::BinaryHeap;

use rand::rngs::Xoshiro256PlusPlus;
use rand::RngExt;

use super::{Desk, DeskRun, DeskRunOptions, Phase, PoolRun, SimActivity, SimIncident};
use crate::sim::engine::{ClassTally, Ev, RunResult, TierResult};
use crate::sim::model::{PolicyName, ShiftEnd};
use crate::sim::policy::Queue;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Arrival,
    WorkEnd { id: u32, token: u32 },
    WaitEnd { id: u32 },
    Hour,
}

/// An incident in the engine.
#[derive(Debug, Clone)]
struct Inc {
    class: u8,
    pool: u16,
    opened: f64,
    deadline: f64,
    /// Work left in the current work part (hours).
    remaining: f64,
    /// The work part after the pending external wait; NaN when no wait is pending.
    after_wait: f64,
    wait_hours: f64,
    phase: Phase,
    phase_start: f64,
    started: f64,
    token: u32,
    in_slot: bool,
    visit_queue: f64,
    visit_work: f64,
    queue_total: f64,
    resolved: Option<f64>,
    rng: Xoshiro256PlusPlus,
}

struct PoolState {
    agents: u32,
    slots: u32,
    busy: u32,
    in_slot: Vec<u32>,
    queue: Queue,
    area_busy: f64,
    area_slots: f64,
    area_agents: f64,
    area_queue: f64,
    visits: u64,
    queue_sum: f64,
    work_sum: f64,
}

/// What one replication measured beyond [`DeskRun`] (for summaries and comparisons).
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Queue time (all visits) of each incident, same order as `DeskRun::incidents`.
    pub queue_hours: Vec<f64>,
    /// Time-average queue length per pool over the window.
    pub queue_length: Vec<f64>,
    /// Time-average number of open incidents over the window.
    pub mean_open: f64,
}

struct Sim<'a> {
    d: &'a Desk,
    opts: &'a DeskRunOptions,
    now: f64,
    seq: u64,
    heap: BinaryHeap<Ev<Kind>>,
    incs: Vec<Inc>,
    case_ids: Vec<String>,
    initial_count: usize,
    pools: Vec<PoolState>,
    arrivals: Xoshiro256PlusPlus,
    seed: u64,
    key: &'a str,
    replication: u64,
    last_t: f64,
    open: u64,
    area_open: f64,
    events: u64,
    log: Vec<SimActivity>,
    warmup: f64,
    horizon: f64,
}

impl<'a> Sim<'a> {
    fn schedule(&mut self, t: f64, kind: Kind) {
        if t < self.horizon {
            self.seq += 1;
            self.heap.push(Ev {
                t,
                seq: self.seq,
                kind,
            });
        }
    }

    /// Integrates the time-weighted measures up to `t`, clipped to [warmup, horizon).
    fn advance(&mut self, t: f64) {
        let (a, b) = (self.last_t.max(self.warmup), t.min(self.horizon));
        if b > a {
            let dt = b - a;
            self.area_open += self.open as f64 * dt;
            for ps in &mut self.pools {
                ps.area_busy += f64::from(ps.busy) * dt;
                ps.area_slots += f64::from(ps.slots) * dt;
                ps.area_agents += f64::from(ps.agents) * dt;
                ps.area_queue += ps.queue.len() as f64 * dt;
            }
        }
        self.last_t = t;
        self.now = t;
    }

    /// Hour-of-week index of simulated time `t` (≥ 0).
    fn how(&self, t: f64) -> usize {
        ((self.d.start_hour_of_week + t).floor() as i64).rem_euclid(168) as usize
    }

    /// Agents and slots of pool `p` at hour-of-week `h`, with the what-if extra agents.
    fn capacity(&self, p: usize, h: usize) -> (u32, u32) {
        let pool = &self.d.pools[p];
        let base = pool.agents[h];
        let extra = self.opts.extra_agents.get(p).copied().unwrap_or(0);
        let agents = if base > 0 {
            (i64::from(base) + i64::from(extra)).clamp(0, i64::from(u32::MAX / pool.concurrency))
                as u32
        } else {
            0
        };
        (agents, agents * pool.concurrency)
    }

    /// Logs one phase; a queue phase of zero length (work started at once) is not a phase.
    fn record(&mut self, id: u32, phase: Phase, start: f64, end: f64) {
        if self.opts.keep_log && !(phase == Phase::Queue && end <= start) {
            self.log.push(SimActivity {
                incident: id,
                pool: self.incs[id as usize].pool,
                phase,
                start_hours: start,
                end_hours: end,
            });
        }
    }

    fn next_arrival(&mut self) {
        let peak = self.d.intensity_max;
        if peak <= 0.0 {
            return;
        }
        let mut t = self.now;
        loop {
            let u: f64 = self.arrivals.random();
            t += -(1.0 - u).ln() / peak;
            if t >= self.horizon {
                return;
            }
            let v: f64 = self.arrivals.random();
            if v * peak < self.d.intensity[self.how(t)] {
                break;
            }
        }
        self.schedule(t, Kind::Arrival);
    }

    fn new_incident(&mut self, class: usize, opened: f64, rng: Xoshiro256PlusPlus) -> u32 {
        let id = self.incs.len() as u32;
        self.incs.push(Inc {
            class: class as u8,
            pool: 0,
            opened,
            deadline: opened + self.d.sla_hours[class],
            remaining: 0.0,
            after_wait: f64::NAN,
            wait_hours: 0.0,
            phase: Phase::Queue,
            phase_start: self.now,
            started: 0.0,
            token: 0,
            in_slot: false,
            visit_queue: 0.0,
            visit_work: 0.0,
            queue_total: 0.0,
            resolved: None,
            rng,
        });
        self.open += 1;
        id
    }

    fn arrive(&mut self) {
        let index = (self.incs.len() - self.initial_count) as u64;
        let mut rng = crate::random::stream(
            self.seed,
            &[self.key, "incident"],
            &[self.replication, index],
        );
        let u: f64 = rng.random();
        let class = pick(&self.d.mix_cdf, u).unwrap_or(self.d.mix_cdf.len() - 1);
        let u: f64 = rng.random();
        let pool = pick(&self.d.entry_cdf[class], u).unwrap_or(self.d.pools.len() - 1);
        let id = self.new_incident(class, self.now, rng);
        self.case_ids.push(format!("sim-{index}"));
        self.begin_visit(id, pool);
        self.enqueue(id, false);
        self.next_arrival();
    }

    /// Starts a visit of incident `id` at `pool` and draws its work W (hours, ≥ 0), the visit's
    /// first draw from the incident's stream.
    fn visit_work(&mut self, id: u32, pool: usize) -> f64 {
        let pm = &self.d.pools[pool];
        let inc = &mut self.incs[id as usize];
        inc.pool = pool as u16;
        inc.visit_queue = 0.0;
        inc.visit_work = 0.0;
        pm.work[usize::from(inc.class)]
            .sample(&mut inc.rng)
            .max(0.0)
    }

    /// Draws a visit's work, wait and split (in this order, from the incident's stream).
    fn begin_visit(&mut self, id: u32, pool: usize) {
        let w = self.visit_work(id, pool);
        let pm = &self.d.pools[pool];
        let inc = &mut self.incs[id as usize];
        let c = usize::from(inc.class);
        let u: f64 = inc.rng.random();
        match &pm.wait {
            Some(wait) if u < pm.wait_probability[c] => {
                let split: f64 = inc.rng.random();
                inc.wait_hours = wait.sample(&mut inc.rng).max(0.0);
                inc.remaining = split * w;
                inc.after_wait = w - inc.remaining;
            }
            _ => {
                inc.remaining = w;
                inc.after_wait = f64::NAN;
            }
        }
    }

    fn enqueue(&mut self, id: u32, front: bool) {
        let now = self.now;
        let inc = &mut self.incs[id as usize];
        inc.phase = Phase::Queue;
        inc.phase_start = now;
        let (pool, class, deadline) = (usize::from(inc.pool), usize::from(inc.class), inc.deadline);
        self.pools[pool].queue.push(id, class, deadline, front);
        if self.d.spec.policy == PolicyName::Preemptive && !front {
            self.preempt_for(pool, class);
        }
        self.dispatch(pool);
    }

    /// The incident in a slot of `pool` to give up first: lowest priority, then latest start.
    fn victim(&self, pool: usize, below: Option<usize>) -> Option<u32> {
        self.pools[pool]
            .in_slot
            .iter()
            .copied()
            .filter(|&v| below.is_none_or(|c| usize::from(self.incs[v as usize].class) > c))
            .max_by(|&a, &b| {
                let (ia, ib) = (&self.incs[a as usize], &self.incs[b as usize]);
                ia.class
                    .cmp(&ib.class)
                    .then(ia.started.total_cmp(&ib.started))
                    .then(a.cmp(&b))
            })
    }

    /// Preemptive-resume: while every slot is busy, interrupt the lowest-priority incident in
    /// work if it ranks below `class`.
    fn preempt_for(&mut self, pool: usize, class: usize) {
        while self.pools[pool].busy >= self.pools[pool].slots {
            if self.pools[pool].busy > self.pools[pool].slots {
                return; // agents still finishing after a capacity drop: freeing one frees no slot
            }
            let Some(v) = self.victim(pool, Some(class)) else {
                return;
            };
            self.interrupt(pool, v);
        }
    }

    fn leave_slot(&mut self, pool: usize, id: u32) {
        let now = self.now;
        let inc = &mut self.incs[id as usize];
        inc.in_slot = false;
        let worked = now - inc.started;
        inc.visit_work += worked;
        inc.remaining = (inc.remaining - worked).max(0.0);
        inc.token = inc.token.wrapping_add(1);
        let start = inc.started;
        let ps = &mut self.pools[pool];
        ps.busy -= 1;
        if let Some(k) = ps.in_slot.iter().position(|&x| x == id) {
            ps.in_slot.swap_remove(k);
        }
        self.record(id, Phase::Work, start, now);
    }

    /// Takes an incident out of its slot, keeps its remaining work, puts it at the front of the queue.
    fn interrupt(&mut self, pool: usize, id: u32) {
        self.leave_slot(pool, id);
        let now = self.now;
        let inc = &mut self.incs[id as usize];
        inc.phase = Phase::Queue;
        inc.phase_start = now;
        let (class, deadline) = (usize::from(inc.class), inc.deadline);
        self.pools[pool].queue.push(id, class, deadline, true);
    }

    fn dispatch(&mut self, pool: usize) {
        while self.pools[pool].busy < self.pools[pool].slots {
            let Some(id) = self.pools[pool].queue.pop() else {
                return;
            };
            self.start_work(pool, id);
        }
    }

    fn start_work(&mut self, pool: usize, id: u32) {
        let now = self.now;
        let inc = &mut self.incs[id as usize];
        let queued = now - inc.phase_start;
        inc.visit_queue += queued;
        inc.queue_total += queued;
        let start = inc.phase_start;
        inc.phase = Phase::Work;
        inc.started = now;
        inc.in_slot = true;
        inc.token = inc.token.wrapping_add(1);
        let (token, end) = (inc.token, now + inc.remaining);
        let ps = &mut self.pools[pool];
        ps.busy += 1;
        ps.in_slot.push(id);
        self.record(id, Phase::Queue, start, now);
        self.schedule(end, Kind::WorkEnd { id, token });
    }

    fn work_end(&mut self, id: u32, token: u32) {
        let inc = &self.incs[id as usize];
        if inc.token != token || !inc.in_slot {
            return; // interrupted: a stale completion
        }
        let pool = usize::from(inc.pool);
        self.leave_slot(pool, id);
        let now = self.now;
        let inc = &mut self.incs[id as usize];
        inc.remaining = 0.0;
        if inc.after_wait.is_finite() {
            inc.phase = Phase::Wait;
            inc.phase_start = now;
            let end = now + inc.wait_hours;
            self.schedule(end, Kind::WaitEnd { id });
        } else {
            self.finish_visit(id);
        }
        self.dispatch(pool);
    }

    fn wait_end(&mut self, id: u32) {
        let now = self.now;
        let inc = &mut self.incs[id as usize];
        inc.remaining = inc.after_wait;
        inc.after_wait = f64::NAN;
        let start = inc.phase_start;
        self.record(id, Phase::Wait, start, now);
        self.enqueue(id, true);
    }

    fn finish_visit(&mut self, id: u32) {
        let now = self.now;
        let measured = now >= self.warmup && now < self.horizon;
        let inc = &mut self.incs[id as usize];
        let pool = usize::from(inc.pool);
        if measured {
            let ps = &mut self.pools[pool];
            ps.visits += 1;
            ps.queue_sum += inc.visit_queue;
            ps.work_sum += inc.visit_work;
        }
        let u: f64 = inc.rng.random();
        let c = usize::from(inc.class);
        match pick(&self.d.pools[pool].routing_cdf[c], u) {
            Some(next) => {
                self.begin_visit(id, next);
                self.enqueue(id, false);
            }
            None => {
                inc.resolved = Some(now);
                self.open -= 1;
            }
        }
    }

    /// On the hour: every pool's capacity follows its calendar.
    fn hour(&mut self) {
        let h = self.how(self.now + 1e-9);
        for p in 0..self.pools.len() {
            let (agents, slots) = self.capacity(p, h);
            self.pools[p].agents = agents;
            self.pools[p].slots = slots;
            if self.d.spec.shift_end == ShiftEnd::Handback {
                while self.pools[p].busy > slots {
                    match self.victim(p, None) {
                        Some(v) => self.interrupt(p, v),
                        None => break,
                    }
                }
            }
            self.dispatch(p);
        }
        let next =
            (self.d.start_hour_of_week + self.now + 1e-9).floor() + 1.0 - self.d.start_hour_of_week;
        self.schedule(next, Kind::Hour);
    }

    /// Incidents open at hour 0: work first (they hold slots), then waits, then queued, each
    /// group in order of opening.
    fn start_initial(&mut self) {
        let mut order: Vec<usize> = (0..self.opts.initial.len())
            .filter(|&i| {
                let o = &self.opts.initial[i];
                usize::from(o.priority) < self.d.mix_cdf.len()
                    && o.pool < self.d.pools.len()
                    && o.opened_hours <= 0.0
            })
            .collect();
        let rank = |p: Phase| match p {
            Phase::Work => 0,
            Phase::Wait => 1,
            Phase::Queue => 2,
        };
        let init = &self.opts.initial;
        order.sort_by(|&a, &b| {
            rank(init[a].phase)
                .cmp(&rank(init[b].phase))
                .then(init[a].opened_hours.total_cmp(&init[b].opened_hours))
                .then(a.cmp(&b))
        });
        for i in order {
            let o = &self.opts.initial[i];
            let rng = crate::random::stream(
                self.seed,
                &[self.key, "initial"],
                &[self.replication, i as u64],
            );
            let (class, pool, phase, opened) =
                (usize::from(o.priority), o.pool, o.phase, o.opened_hours);
            self.case_ids.push(o.case_id.clone());
            let id = self.new_incident(class, opened, rng);
            self.start_initial_one(id, pool, phase);
        }
        self.initial_count = self.incs.len();
    }

    fn start_initial_one(&mut self, id: u32, pool: usize, phase: Phase) {
        let pm = &self.d.pools[pool];
        if phase != Phase::Wait || pm.wait.is_none() {
            self.begin_visit(id, pool);
            self.enqueue(id, false);
            return;
        }
        let w = self.visit_work(id, pool);
        let pm = &self.d.pools[pool];
        let inc = &mut self.incs[id as usize];
        let split: f64 = inc.rng.random();
        let wait = pm
            .wait
            .as_ref()
            .map(|s| s.sample(&mut inc.rng))
            .unwrap_or(0.0)
            .max(0.0);
        inc.remaining = 0.0;
        inc.after_wait = (1.0 - split) * w;
        inc.phase = Phase::Wait;
        inc.phase_start = 0.0;
        self.schedule(wait, Kind::WaitEnd { id });
    }
}

/// The first index whose cumulative value exceeds `u`; None when `u` is beyond the last.
fn pick(cdf: &[f64], u: f64) -> Option<usize> {
    cdf.iter().position(|c| u < *c)
}

impl<'a> Sim<'a> {
    /// The state of replication `replication` at hour 0: empty pools (capacity set by
    /// [`Sim::start`]), streams derived from (seed, key, replication).
    fn new(
        d: &'a Desk,
        seed: u64,
        key: &'a str,
        replication: u64,
        opts: &'a DeskRunOptions,
    ) -> Sim<'a> {
        let k = d.mix_cdf.len();
        Sim {
            d,
            opts,
            now: 0.0,
            seq: 0,
            heap: BinaryHeap::with_capacity(256),
            incs: Vec::new(),
            case_ids: Vec::new(),
            initial_count: 0,
            pools: d
                .pools
                .iter()
                .map(|_| PoolState {
                    agents: 0,
                    slots: 0,
                    busy: 0,
                    in_slot: Vec::new(),
                    queue: Queue::new(d.spec.policy, k),
                    area_busy: 0.0,
                    area_slots: 0.0,
                    area_agents: 0.0,
                    area_queue: 0.0,
                    visits: 0,
                    queue_sum: 0.0,
                    work_sum: 0.0,
                })
                .collect(),
            arrivals: crate::random::stream(seed, &[key, "arrivals"], &[replication]),
            seed,
            key,
            replication,
            last_t: 0.0,
            open: 0,
            area_open: 0.0,
            events: 0,
            log: Vec::new(),
            warmup: d.spec.warmup_hours,
            horizon: d.spec.horizon_hours,
        }
    }

    /// Hour 0: every pool's capacity, the initial incidents, the first hour change and arrival.
    fn start(&mut self) {
        let h0 = self.how(0.0);
        for p in 0..self.d.pools.len() {
            let (agents, slots) = self.capacity(p, h0);
            self.pools[p].agents = agents;
            self.pools[p].slots = slots;
        }
        self.start_initial();
        let first_hour =
            (self.d.start_hour_of_week + 1e-9).floor() + 1.0 - self.d.start_hour_of_week;
        self.schedule(first_hour, Kind::Hour);
        self.next_arrival();
    }

    /// The event loop: events in (time, sequence) order until none is left before the horizon;
    /// then the time-weighted measures are integrated up to the horizon.
    fn run_events(&mut self) {
        while let Some(ev) = self.heap.pop() {
            self.events += 1;
            self.advance(ev.t);
            match ev.kind {
                Kind::Arrival => self.arrive(),
                Kind::WorkEnd { id, token } => self.work_end(id, token),
                Kind::WaitEnd { id } => self.wait_end(id),
                Kind::Hour => self.hour(),
            }
        }
        let horizon = self.horizon;
        self.advance(horizon);
    }

    /// Logs the phase each open incident is in at the horizon (ending there) and sorts the log by
    /// incident, start and end.
    fn close_log(&mut self) {
        let horizon = self.horizon;
        for id in 0..self.incs.len() as u32 {
            let inc = &self.incs[id as usize];
            if inc.resolved.is_none() {
                let (phase, start) = match inc.phase {
                    Phase::Work => (Phase::Work, inc.started),
                    p => (p, inc.phase_start),
                };
                self.record(id, phase, start, horizon);
            }
        }
        self.log.sort_by(|a, b| {
            a.incident
                .cmp(&b.incident)
                .then(a.start_hours.total_cmp(&b.start_hours))
                .then(a.end_hours.total_cmp(&b.end_hours))
        });
    }

    /// Each pool's figures over the window [warmup, horizon).
    fn pool_runs(&self) -> Vec<PoolRun> {
        let window = self.horizon - self.warmup;
        let per_visit = |sum: f64, visits: u64| {
            if visits > 0 {
                sum / visits as f64
            } else {
                f64::NAN
            }
        };
        self.pools
            .iter()
            .map(|ps| PoolRun {
                visits: ps.visits,
                mean_queue_hours: per_visit(ps.queue_sum, ps.visits),
                mean_work_hours: per_visit(ps.work_sum, ps.visits),
                utilisation: if ps.area_slots > 0.0 {
                    ps.area_busy / ps.area_slots
                } else {
                    f64::NAN
                },
                mean_agents: ps.area_agents / window,
            })
            .collect()
    }

    /// Queue hours per incident (an incident still queued at the horizon has queued until then),
    /// mean queue length per pool and mean open incidents over the window.
    fn extras(&self) -> Extras {
        let (horizon, window) = (self.horizon, self.horizon - self.warmup);
        Extras {
            queue_hours: self
                .incs
                .iter()
                .map(|i| {
                    let open_queue = if i.resolved.is_none() && i.phase == Phase::Queue {
                        horizon - i.phase_start
                    } else {
                        0.0
                    };
                    i.queue_total + open_queue
                })
                .collect(),
            queue_length: self.pools.iter().map(|p| p.area_queue / window).collect(),
            mean_open: self.area_open / window,
        }
    }
}

/// Runs one replication and returns, besides the run, the extra measures summaries need.
pub fn run_measured(
    d: &Desk,
    seed: u64,
    key: &str,
    replication: u64,
    opts: &DeskRunOptions,
) -> (DeskRun, Extras) {
    let mut sim = Sim::new(d, seed, key, replication, opts);
    sim.start();
    sim.run_events();
    finish(sim)
}

/// Closes what is still open at the horizon and assembles the run.
fn finish(mut sim: Sim) -> (DeskRun, Extras) {
    if sim.opts.keep_log {
        sim.close_log();
    }
    let pools = sim.pool_runs();
    let extras = sim.extras();
    let initial_count = sim.initial_count;
    let incidents = sim
        .incs
        .iter()
        .zip(sim.case_ids)
        .enumerate()
        .map(|(i, (inc, case_id))| SimIncident {
            case_id,
            priority: inc.class,
            opened_hours: inc.opened,
            resolved_hours: inc.resolved,
            initial: i < initial_count,
        })
        .collect();
    let run = DeskRun {
        incidents,
        activities: sim.log,
        pools,
        events: sim.events,
    };
    (run, extras)
}

/// Whether a desk incident is measured: opened in [warmup, horizon), not an initial one.
pub(crate) fn measured(d: &Desk, inc: &SimIncident) -> bool {
    !inc.initial
        && inc.opened_hours >= d.spec.warmup_hours
        && inc.opened_hours < d.spec.horizon_hours
}

/// The SLA outcome of a desk incident at the horizon ([`crate::sim::sla::outcome`]).
pub(crate) fn sla_outcome(d: &Desk, inc: &SimIncident) -> Option<bool> {
    crate::sim::sla::outcome(
        inc.opened_hours,
        inc.resolved_hours,
        d.spec.horizon_hours,
        d.sla_hours[usize::from(inc.priority)],
    )
}

/// Tallies the measured incidents of a run per class: resolution hours, queue hours of the
/// resolved ones, arrivals and SLA outcomes; with the (class, queue hours) of those that waited.
fn tally(d: &Desk, run: &DeskRun, extras: &Extras) -> (ClassTally, Vec<(u8, f64)>) {
    let mut t = ClassTally::new(d.mix_cdf.len(), |_| 0);
    let mut waits = Vec::new();
    for (i, inc) in run.incidents.iter().enumerate() {
        if !measured(d, inc) {
            continue;
        }
        let c = usize::from(inc.priority);
        t.arrived[c] += 1;
        t.sla[c].add(sla_outcome(d, inc));
        if let Some(r) = inc.resolved_hours {
            t.sojourn[c].push(r - inc.opened_hours);
            let q = extras.queue_hours.get(i).copied().unwrap_or(0.0);
            t.wait_sum[c] += q;
            if q > 1e-12 {
                t.waited[c] += 1;
                waits.push((inc.priority, q));
            }
        }
    }
    (t, waits)
}

/// One replication's figures in the form the tier engine reports them, so comparisons, staffing
/// searches and reports treat desks and tier scenarios alike. Measured: incidents opened in
/// [warmup, horizon) (initial ones excluded). MTTR and percentiles are of the resolved ones; SLA
/// compliance = met / (met + breached) by [`crate::sim::sla::outcome`] (the metrics' rule: an
/// incident still open at the horizon is breached once its target has passed and pending, left
/// out, before); `wait` = time queued (all visits); tiers = pools (utilisation of slots, mean
/// queue length, mean agents on duty).
pub fn run_result(d: &Desk, run: &DeskRun, extras: &Extras) -> RunResult {
    let window = d.spec.horizon_hours - d.spec.warmup_hours;
    let (mut t, waits) = tally(d, run, extras);
    let (classes, overall) = t.results(window);
    let tiers = run
        .pools
        .iter()
        .enumerate()
        .map(|(p, pr)| TierResult {
            utilisation: pr.utilisation,
            mean_queue: extras.queue_length.get(p).copied().unwrap_or(f64::NAN),
            mean_staff: pr.mean_agents,
        })
        .collect();
    RunResult {
        arrival_rate: t.arrived.iter().sum::<u64>() as f64 / window,
        classes,
        overall,
        tiers,
        mean_in_system: extras.mean_open,
        reopened: 0,
        self_healed: 0,
        events: run.events,
        waits,
    }
}
