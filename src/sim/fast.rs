//! The tier engine's fast path for a common model class: one tier, constant staff, no preemption,
//! reopening, self-healing or trace replay (M/M/c and M/G/c validation models, one-queue desks).
//!
//! It runs the same events in the same (time, sequence number) order as the general loop in
//! [`super::engine`], draws the same random numbers from the same streams and adds the same
//! figures in the same order, so its results are bit-identical (tests/sim_fast_path.rs checks
//! that against [`super::engine::run_general`]). What it saves: an incident's stream is used only
//! for its class, the (never taken) self-heal draw and its work, so the three are drawn at arrival
//! and the generator is dropped; an incident that escalates nowhere and never reopens needs no
//! escalation or reopen draw after its work (nothing reads its stream after it); the agenda holds
//! bare service completions ordered by one 128-bit key; the queue length is a counter.

use std::collections::VecDeque;

use rand::distr::Distribution;
use rand::rngs::Xoshiro256PlusPlus;
use rand::RngExt;
use statrs::distribution::Exp;

use super::engine::{
    class_of, incident_stream, service_hours, time_key, ClassTally, IncidentRng, Keep, Resolution,
    RunResult, Start, TierResult, TraceRecord,
};
use super::model::{Model, PolicyName, Service};
use super::policy::Queue;
use super::sla::outcome;

/// Whether [`run`] gives exactly the general engine's results for `m`: one tier whose staff
/// never changes (no shift-change events), no preemption, nothing reopens or self-heals (their
/// draws would follow the work draw), and the scenario's own arrivals (no trace replay).
pub(crate) fn eligible(m: &Model) -> bool {
    m.tiers.len() == 1
        && m.tiers[0].schedule.next_change(0.0).is_none()
        && m.policy != PolicyName::Preemptive
        // Where the general engine's `x > 0.0` is false (0 and NaN): never reopens or heals.
        && (m.reopen_probability.is_nan() || m.reopen_probability <= 0.0)
        && (m.self_heal_share.is_nan() || m.self_heal_share <= 0.0)
        && m.arrival_trace.is_none()
        && !m.priorities.is_empty()
        // The loop's stop test relies on hard stop (10 × horizon) ≥ horizon.
        && m.horizon * 10.0 >= m.horizon
}

/// An incident in the system (its random stream is spent at arrival).
#[derive(Debug, Clone, Copy, Default)]
struct Job {
    arrived: f64,
    /// When it joined the queue; once in service, the hours it waited.
    queued_or_wait: f64,
    /// Agent-hours of work, drawn at arrival.
    work: f64,
    deadline: f64,
    index: u32,
    agents: u32,
    class: u8,
    measured: bool,
}

/// A pending event: `order` = time key << 64 | sequence number; its time `t` kept alongside
/// (the entry is padded to 32 bytes anyway), so no key is converted back.
#[derive(Debug, Clone, Copy)]
struct End {
    order: u128,
    t: f64,
    slot: u32,
}

#[inline(always)]
fn order(t: f64, seq: u64) -> u128 {
    (u128::from(time_key(t)) << 64) | u128::from(seq)
}

/// The pending service completions, earliest first by `order` (the arrival waits in its own slot).
/// At most one per agent on duty is pending (every incident in service holds at least one).
trait Agenda: Default {
    fn push(&mut self, e: End);
    /// The earliest pending completion's order, [`NOTHING`] when none is pending.
    fn first(&self) -> u128;
    /// Removes and returns the earliest completion ([`NONE_PENDING`] when none is pending).
    fn pop(&mut self) -> End;
}

/// The order of nothing pending: above every event's (only the NaN with every bit set has an
/// all-ones time key, and event times are never NaN), so "is a completion first" is one comparison
/// with no test for emptiness.
const NOTHING: u128 = u128::MAX;

/// What stands for no pending event.
const NONE_PENDING: End = End {
    order: NOTHING,
    t: f64::INFINITY,
    slot: u32::MAX,
};

/// How many agents on duty [`Sorted`] serves; more go to a [`Heap`] (an insertion into a sorted
/// array moves half of it on average: cheaper than a heap's sift-down only while it is short).
const SORTED_UP_TO: u32 = 16;

/// A short agenda kept sorted latest first, so the earliest completion is popped off the end; a
/// fixed array (no capacity checks: at most [`SORTED_UP_TO`] are pending, one per agent on duty)
/// whose slot 0 holds [`NONE_PENDING`], later than any completion: it stops every insertion and is
/// what an empty agenda shows first, so neither needs a test of the length.
#[derive(Debug)]
struct Sorted {
    /// v[1..=len]: the pending completions, latest first.
    v: [End; SORTED_UP_TO as usize + 1],
    len: usize,
}

impl Default for Sorted {
    fn default() -> Sorted {
        Sorted {
            v: [NONE_PENDING; SORTED_UP_TO as usize + 1],
            len: 0,
        }
    }
}

impl Agenda for Sorted {
    #[inline(always)]
    fn push(&mut self, e: End) {
        // At most one completion per agent on duty, and a fast-path tier's staff never changes.
        debug_assert!(self.len < SORTED_UP_TO as usize);
        let v = &mut self.v;
        self.len += 1;
        let mut i = self.len;
        // v[0].order is NOTHING, above e.order: the loop stops at i = 1 at the latest.
        while v[i - 1].order < e.order {
            v[i] = v[i - 1];
            i -= 1;
        }
        v[i] = e;
    }

    #[inline(always)]
    fn first(&self) -> u128 {
        self.v[self.len].order
    }

    #[inline(always)]
    fn pop(&mut self) -> End {
        let e = self.v[self.len];
        self.len = self.len.saturating_sub(1);
        e
    }
}

/// A 4-ary min-heap on `order`, for many agents.
#[derive(Debug, Default)]
struct Heap(Vec<End>);

impl Agenda for Heap {
    #[inline(always)]
    fn push(&mut self, e: End) {
        let h = &mut self.0;
        let mut i = h.len();
        h.push(e);
        while i > 0 {
            let parent = (i - 1) / 4;
            if e.order >= h[parent].order {
                break;
            }
            h[i] = h[parent];
            i = parent;
        }
        h[i] = e;
    }

    #[inline(always)]
    fn first(&self) -> u128 {
        self.0.first().map_or(NOTHING, |e| e.order)
    }

    #[inline(always)]
    fn pop(&mut self) -> End {
        let h = &mut self.0;
        let Some(last) = h.pop() else {
            return NONE_PENDING;
        };
        let n = h.len();
        if n == 0 {
            return last;
        }
        let top = h[0];
        let mut i = 0;
        loop {
            let first = 4 * i + 1;
            if first >= n {
                break;
            }
            let mut m = first;
            let mut mo = h[first].order;
            let (mut c, end) = (first + 1, (first + 4).min(n));
            while c < end {
                if h[c].order < mo {
                    m = c;
                    mo = h[c].order;
                }
                c += 1;
            }
            if mo >= last.order {
                break;
            }
            h[i] = h[m];
            i = m;
        }
        h[i] = last;
        top
    }
}

/// The waiting line: a bare FIFO (inlined) or any other non-preemptive [`Queue`].
trait Line {
    fn push(&mut self, slot: u32, class: usize, deadline: f64);
    fn pop(&mut self) -> Option<u32>;
}

impl Line for VecDeque<u32> {
    #[inline(always)]
    fn push(&mut self, slot: u32, _: usize, _: f64) {
        self.push_back(slot);
    }
    #[inline(always)]
    fn pop(&mut self) -> Option<u32> {
        self.pop_front()
    }
}

impl Line for Queue {
    #[inline(always)]
    fn push(&mut self, slot: u32, class: usize, deadline: f64) {
        Queue::push(self, slot, class, deadline, false);
    }
    #[inline(always)]
    fn pop(&mut self) -> Option<u32> {
        Queue::pop(self)
    }
}

/// A work draw, the exponential case inlined (the same call [`Service::sample`] makes).
#[inline(always)]
fn draw(s: &Service, rng: &mut IncidentRng) -> f64 {
    match s {
        Service::Exponential(d) => d.sample(rng),
        other => other.sample(rng),
    }
}

struct Fast<'a, L, A> {
    m: &'a Model,
    now: f64,
    seq: u64,
    /// The pending arrival (its `slot` unused; [`NONE_PENDING`] when no more arrive).
    arrival: End,
    ends: A,
    jobs: Vec<Job>,
    free: Vec<u32>,
    next_index: u64,
    gaps: Option<Exp>,
    flat_profile: bool,
    queue: L,
    /// Counts as i64, not usize/u64: the same f64 values, converted in one instruction.
    queued: i64,
    on_duty: u32,
    busy: u32,
    /// In the system = awaiting the first resolution (nothing reopens).
    in_system: i64,
    area_system: f64,
    area_queue: f64,
    area_busy: f64,
    area_staff: f64,
    last_t: f64,
    stream_base: u64,
    /// The pending arrival's class and work ([`Fast::draws`]).
    upcoming: (usize, f64),
    arrivals: Xoshiro256PlusPlus,
    tally: ClassTally,
    events: u64,
    trace: Option<Vec<TraceRecord>>,
    wait_over: Option<Vec<(u8, f64)>>,
}

/// One replication of an [`eligible`] model: exactly [`super::engine::run_general`]'s result.
pub(crate) fn run(
    m: &Model,
    seed: u64,
    key: &str,
    replication: u64,
    keep: Keep,
) -> (RunResult, Option<Vec<TraceRecord>>) {
    // The most agents ever on duty (the same as at hour 0 on the fast path), so the bound holds
    // even if the fast path's class should one day take staff that changes.
    let few = m.tiers[0].schedule.max_staff() <= SORTED_UP_TO;
    let fifo = m.policy == PolicyName::Fifo;
    let queue = || Queue::new(m.policy, m.priorities.len());
    match (fifo, few) {
        (true, true) => run_with::<_, Sorted>(m, seed, key, replication, keep, VecDeque::new()),
        (true, false) => run_with::<_, Heap>(m, seed, key, replication, keep, VecDeque::new()),
        (false, true) => run_with::<_, Sorted>(m, seed, key, replication, keep, queue()),
        (false, false) => run_with::<_, Heap>(m, seed, key, replication, keep, queue()),
    }
}

fn run_with<L: Line, A: Agenda>(
    m: &Model,
    seed: u64,
    key: &str,
    replication: u64,
    keep: Keep,
    queue: L,
) -> (RunResult, Option<Vec<TraceRecord>>) {
    let st = Start::new(m, seed, key, replication, keep);
    let mut s = Fast {
        m,
        now: 0.0,
        seq: 0,
        arrival: NONE_PENDING,
        ends: A::default(),
        jobs: Vec::new(),
        free: Vec::new(),
        next_index: 0,
        gaps: st.gaps,
        flat_profile: st.flat_profile,
        queue,
        queued: 0,
        on_duty: m.tiers[0].schedule.staff_at(0.0),
        busy: 0,
        in_system: 0,
        area_system: 0.0,
        area_queue: 0.0,
        area_busy: 0.0,
        area_staff: 0.0,
        last_t: 0.0,
        stream_base: st.stream_base,
        upcoming: (0, 0.0),
        arrivals: st.arrivals,
        tally: st.tally,
        events: 0,
        trace: keep.trace.then(Vec::new),
        wait_over: st.wait_over,
    };
    s.next_arrival();
    s.run_events();
    s.finish()
}

impl<L: Line, A: Agenda> Fast<'_, L, A> {
    fn run_events(&mut self) {
        let (horizon, hard_stop) = (self.m.horizon, self.m.horizon * 10.0);
        loop {
            // The earliest of the pending arrival and the first completion (sequence numbers
            // are unique, so this is the general agenda's order); nothing pending shows NOTHING.
            let end_first = self.ends.first() < self.arrival.order;
            let next = if end_first {
                self.ends.pop()
            } else {
                std::mem::replace(&mut self.arrival, NONE_PENDING)
            };
            if next.order == NOTHING {
                return;
            }
            let t = next.t;
            // The general loop's stop test, `t > hard_stop || (t >= horizon && nobody in the
            // system)`, with one comparison before the horizon (hard_stop ≥ horizon ≥ 0).
            if t >= horizon && (t > hard_stop || self.in_system == 0) {
                return;
            }
            self.events += 1;
            self.advance(t);
            if end_first {
                self.service_end(next.slot);
            } else {
                self.arrive();
            }
        }
    }

    #[inline(always)]
    fn advance(&mut self, t: f64) {
        // Inside the measured window the clipped interval is the interval itself (the branch
        // spares the NaN-aware max and min on nearly every event; the same values either way).
        let (a, b) = if self.last_t >= self.m.warmup && t <= self.m.horizon {
            (self.last_t, t)
        } else {
            (self.last_t.max(self.m.warmup), t.min(self.m.horizon))
        };
        if b > a {
            let dt = b - a;
            self.area_system += self.in_system as f64 * dt;
            self.area_queue += self.queued as f64 * dt;
            self.area_busy += f64::from(self.busy) * dt;
            self.area_staff += f64::from(self.on_duty) * dt;
        }
        self.last_t = t;
        self.now = t;
    }

    #[inline(always)]
    fn next_arrival(&mut self) {
        let m = self.m;
        let Some(gaps) = self.gaps else {
            return;
        };
        let Some(t) = super::engine::next_arrival_time(
            m,
            &gaps,
            self.flat_profile,
            &mut self.arrivals,
            self.now,
        ) else {
            return;
        };
        self.seq += 1;
        self.arrival = End {
            order: order(t, self.seq),
            t,
            slot: 0,
        };
        // The arriving incident's draws, taken now: they come from its own stream whatever
        // happens before it arrives, and drawn a gap ahead they are ready when it comes (not on
        // the way from its arrival to the agenda).
        self.upcoming = self.draws(self.next_index);
    }

    /// Incident `index`'s class and work: its class draw, the self-heal draw (never below a share
    /// of 0), then the work the general engine draws when service starts — nothing else reads
    /// its stream in between — less the triage saving.
    #[inline(always)]
    fn draws(&self, index: u64) -> (usize, f64) {
        let m = self.m;
        let mut rng = incident_stream(self.stream_base, index);
        let u: f64 = rng.random();
        let class = class_of(m, u);
        let _heal: f64 = rng.random();
        let work = draw(&m.tiers[0].service[class], &mut rng);
        (class, (work - m.triage_saved_hours).max(0.0))
    }

    #[inline(always)]
    fn arrive(&mut self) {
        let m = self.m;
        let now = self.now;
        let index = self.next_index;
        self.next_index += 1;
        let (class, work) = self.upcoming;
        let measured = now >= m.warmup && now < m.horizon;
        let job = Job {
            arrived: now,
            queued_or_wait: now,
            work,
            deadline: now + m.sla_hours[class],
            index: index as u32,
            agents: 0,
            class: class as u8,
            measured,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.jobs[slot as usize] = job;
                slot
            }
            None => {
                self.jobs.push(job);
                (self.jobs.len() - 1) as u32
            }
        };
        self.in_system += 1;
        if measured {
            self.tally.arrived[class] += 1;
        }
        if self.queued == 0 && self.busy < self.on_duty {
            // Pushed and popped at once by the general engine.
            self.start_service(slot);
        } else {
            self.queue.push(slot, class, job.deadline);
            self.queued += 1;
            self.dispatch();
        }
        self.next_arrival();
    }

    #[inline(always)]
    fn dispatch(&mut self) {
        while self.busy < self.on_duty {
            let Some(slot) = self.queue.pop() else {
                return;
            };
            self.queued -= 1;
            self.start_service(slot);
        }
    }

    #[inline(always)]
    fn start_service(&mut self, slot: u32) {
        let now = self.now;
        let free = self.on_duty - self.busy;
        let j = &mut self.jobs[slot as usize];
        j.queued_or_wait = 0.0 + (now - j.queued_or_wait);
        let agents = self.m.swarm_agents[j.class as usize].min(free).max(1);
        j.agents = agents;
        let end = now + service_hours(j.work, agents);
        self.busy += agents;
        self.seq += 1;
        self.ends.push(End {
            order: order(end, self.seq),
            t: end,
            slot,
        });
    }

    #[inline(always)]
    fn service_end(&mut self, slot: u32) {
        let m = self.m;
        let now = self.now;
        let j = self.jobs[slot as usize];
        self.busy -= j.agents;
        self.in_system -= 1;
        if j.measured {
            let r = Resolution {
                index: j.index,
                class: j.class,
                arrived: j.arrived,
                wait: j.queued_or_wait,
                tiers_visited: 1,
                self_healed: false,
            };
            let trace = self.trace.as_mut();
            self.tally
                .record(&r, now, m, self.wait_over.as_mut(), trace);
        }
        self.free.push(slot);
        self.dispatch();
    }

    fn finish(mut self) -> (RunResult, Option<Vec<TraceRecord>>) {
        let m = self.m;
        let mut gone = vec![false; self.jobs.len()];
        for &slot in &self.free {
            gone[slot as usize] = true;
        }
        for (j, _) in self.jobs.iter().zip(gone).filter(|(_, g)| !g) {
            if j.measured {
                let class = j.class as usize;
                let o = outcome(j.arrived, None, m.horizon, m.sla_hours[class]);
                self.tally.sla[class].add(o);
            }
        }
        let window = m.horizon - m.warmup;
        let (classes, overall) = self.tally.results(window);
        let tiers = vec![TierResult {
            utilisation: if self.area_staff > 0.0 {
                self.area_busy / self.area_staff
            } else {
                f64::NAN
            },
            mean_queue: self.area_queue / window,
            mean_staff: self.area_staff / window,
        }];
        let result = RunResult {
            classes,
            overall,
            tiers,
            mean_in_system: self.area_system / window,
            arrival_rate: self.tally.arrived.iter().sum::<u64>() as f64 / window,
            reopened: 0,
            self_healed: 0,
            events: self.events,
            waits: self.wait_over.unwrap_or_default(),
        };
        (result, self.trace)
    }
}
