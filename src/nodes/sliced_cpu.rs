//! A pool instance's vCPUs when a burst can lose its vCPU before it ends:
//! pre-emptive priority, or processor sharing. (First come, first served
//! vCPUs need neither: a burst's end is one event, in `pool.rs`.)
//!
//! Both only do the bookkeeping and say what changed; the network arms a
//! timer for each burst that (re)starts. Events are never cancelled: a
//! burst that is pre-empted, or whose end moves under processor sharing,
//! leaves its timer behind, and the network makes it stale by the job's
//! token (as it does for call timeouts).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::engine::{JobId, SimTime};

use super::bursts::Tag;
pub use super::bursts::{Change, Run};
use super::capped_cpu::Capped;
use super::class_queue::ClassQueue;

/// The vCPUs of one instance, sliced one way or the other.
#[derive(Debug)]
pub enum SlicedCpu {
    /// A higher-ranked burst takes the vCPU of the lowest-ranked one.
    Preemptive(Preemptive),
    /// Every runnable burst progresses at min(1, c/n).
    Sharing(Sharing),
    /// First come, first served on vCPUs whose capacity a standard-mode
    /// burstable instance's throttle can cap below their number (boxed:
    /// every instance holds this enum, and other pools have none).
    Capped(Box<Capped>),
}

impl SlicedCpu {
    /// A burst of `work` ns and `rank` arrives at `now`.
    pub fn enter(&mut self, job: JobId, rank: u16, work: u64, now: SimTime) -> Change {
        match self {
            SlicedCpu::Preemptive(cpu) => cpu.enter(job, rank, work, now),
            SlicedCpu::Sharing(cpu) => cpu.enter(job, work, now),
            SlicedCpu::Capped(cpu) => cpu.enter(job, rank, work, now),
        }
    }

    /// `job`'s burst, whose timer held, ends at `now`. A waiting burst that
    /// never started and whose job `abandoned` names (a cancelled loser)
    /// gets its vCPU for no work: it ends at once, through its timer.
    pub fn done(
        &mut self,
        job: JobId,
        now: SimTime,
        abandoned: &mut impl FnMut(JobId) -> bool,
    ) -> Change {
        match self {
            SlicedCpu::Preemptive(cpu) => cpu.done(job, now, abandoned),
            SlicedCpu::Sharing(cpu) => cpu.done(now),
            SlicedCpu::Capped(cpu) => cpu.done(now, abandoned),
        }
    }

    /// The vCPUs' capacity becomes `cap` vCPUs (a throttle starts or ends):
    /// the first burst to end gets its new end. Pre-emptive vCPUs are never
    /// throttled (validation refuses standard mode with them).
    pub fn set_cap(&mut self, cap: f64, now: SimTime) -> Change {
        match self {
            SlicedCpu::Preemptive(_) => Change::default(),
            SlicedCpu::Sharing(cpu) => cpu.set_cap(cap, now),
            SlicedCpu::Capped(cpu) => cpu.set_cap(cap, now),
        }
    }

    /// Bursts that want a vCPU now: running, or sharing the vCPUs.
    pub fn demand(&self) -> u32 {
        match self {
            SlicedCpu::Preemptive(cpu) => cpu.running.len() as u32,
            SlicedCpu::Sharing(cpu) => cpu.tags.len() as u32,
            SlicedCpu::Capped(cpu) => cpu.demand(),
        }
    }

    /// Bursts waiting for a vCPU.
    pub fn waiting(&self) -> usize {
        match self {
            SlicedCpu::Preemptive(cpu) => cpu.waiting.len(),
            SlicedCpu::Sharing(_) => 0,
            SlicedCpu::Capped(cpu) => cpu.waiting(),
        }
    }

    /// Empties it (a crash): running bursts to `running`, waiting ones to `waiting`.
    pub fn clear(&mut self, running: &mut Vec<JobId>, waiting: &mut Vec<JobId>) {
        match self {
            SlicedCpu::Preemptive(cpu) => {
                running.extend(cpu.running.drain(..).map(|r| r.job));
                waiting.extend(cpu.waiting.drain().map(|w| w.job));
            }
            SlicedCpu::Sharing(cpu) => {
                running.extend(cpu.tags.drain().map(|Reverse(tag)| tag.job));
                cpu.virtual_ns = 0.0;
            }
            SlicedCpu::Capped(cpu) => cpu.clear(running, waiting),
        }
    }
}

/// A running burst under pre-emptive priority.
#[derive(Clone, Copy, Debug)]
struct Running {
    job: JobId,
    rank: u16,
    due: SimTime,
    /// Start order: among equals, the latest started is pre-empted first.
    seq: u64,
}

/// Pre-emptive resume priority on `vcpus` vCPUs: an arriving burst takes a
/// free vCPU, else that of the lowest-ranked running burst ranked below it
/// (the latest started among equals), whose remaining work waits at the
/// head of its rank's line and resumes where it stopped.
///
/// Cost per burst: O(busy vCPUs) to find the job or the victim (one
/// instance's vCPUs, a few dozen at most in practice).
#[derive(Debug)]
pub struct Preemptive {
    vcpus: usize,
    running: Vec<Running>,
    waiting: ClassQueue<Waiting>,
    started: u64,
}

/// A burst waiting for a vCPU under pre-emptive priority.
#[derive(Clone, Copy, Debug)]
struct Waiting {
    job: JobId,
    /// Work left, ns.
    left: u64,
    /// It ran before it was pre-empted: its work is under way.
    begun: bool,
}

impl Preemptive {
    /// Idle, with `vcpus` vCPUs and `ranks` ranks.
    pub fn new(vcpus: u32, ranks: u16) -> Self {
        Preemptive {
            vcpus: vcpus as usize,
            running: Vec::new(),
            waiting: ClassQueue::new(ranks),
            started: 0,
        }
    }

    fn run(&mut self, job: JobId, rank: u16, work: u64, now: SimTime) -> Running {
        self.started += 1;
        Running {
            job,
            rank,
            due: now.after(work),
            seq: self.started,
        }
    }

    fn enter(&mut self, job: JobId, rank: u16, work: u64, now: SimTime) -> Change {
        if self.running.len() < self.vcpus {
            let run = self.run(job, rank, work, now);
            self.running.push(run);
            return Change {
                start: Some(Run { job, due: run.due }),
                busy: 1,
                ..Change::default()
            };
        }
        // A burst due now is ending: nothing left to pre-empt.
        let victim = (0..self.running.len())
            .filter(|&i| self.running[i].rank > rank && self.running[i].due > now)
            .max_by_key(|&i| (self.running[i].rank, self.running[i].seq));
        let Some(i) = victim else {
            let waiting = Waiting {
                job,
                left: work,
                begun: false,
            };
            self.waiting.push_back(rank, waiting);
            return Change {
                waiting: 1,
                ..Change::default()
            };
        };
        let old = self.running[i];
        let victim = Waiting {
            job: old.job,
            left: old.due.since(now),
            begun: true,
        };
        self.waiting.push_front(old.rank, victim);
        let run = self.run(job, rank, work, now);
        self.running[i] = run;
        Change {
            start: Some(Run { job, due: run.due }),
            stale: Some(old.job),
            waiting: 1,
            ..Change::default()
        }
    }

    fn done(
        &mut self,
        job: JobId,
        now: SimTime,
        abandoned: &mut impl FnMut(JobId) -> bool,
    ) -> Change {
        let Some(i) = self.running.iter().position(|r| r.job == job) else {
            return Change::default();
        };
        match self.waiting.pop_front() {
            Some((rank, next)) => {
                // Cancellation is cooperative: work under way runs on, work
                // not begun is given up (see `nodes/network/cpu_paths.rs`).
                let work = if !next.begun && abandoned(next.job) {
                    0
                } else {
                    next.left
                };
                let next = next.job;
                let run = self.run(next, rank, work, now);
                self.running[i] = run;
                Change {
                    start: Some(Run {
                        job: next,
                        due: run.due,
                    }),
                    waiting: -1,
                    ..Change::default()
                }
            }
            None => {
                self.running.swap_remove(i);
                Change {
                    busy: -1,
                    ..Change::default()
                }
            }
        }
    }
}

/// Processor sharing on `vcpus` vCPUs, by virtual time: with n bursts, each
/// progresses at r = min(1, c/n), and the virtual clock V advances at r. A
/// burst of work w arriving at V ends when V reaches V + w, whatever
/// arrives or leaves meanwhile, so the bursts end in the order of these
/// tags: a heap of them gives the next end in O(log n) per arrival or end,
/// and only the first to end has a timer.
#[derive(Debug)]
pub struct Sharing {
    vcpus: usize,
    /// vCPUs of capacity: `vcpus`, or fewer while a burstable instance is
    /// throttled (its baseline).
    cap: f64,
    /// The virtual clock, ns of work done by each runnable burst since the
    /// instance was last idle (reset then, so it stays small and exact).
    virtual_ns: f64,
    since: SimTime,
    tags: BinaryHeap<Reverse<Tag>>,
    seq: u64,
}

impl Sharing {
    /// Idle, with `vcpus` vCPUs.
    pub fn new(vcpus: u32) -> Self {
        Sharing {
            vcpus: vcpus as usize,
            cap: f64::from(vcpus),
            virtual_ns: 0.0,
            since: SimTime::ZERO,
            tags: BinaryHeap::new(),
            seq: 0,
        }
    }

    /// Each burst's rate of progress with the bursts there now.
    fn rate(&self) -> f64 {
        // With the cap at `vcpus` (always, but for a throttled instance),
        // the same operations as min(1, c/n) on integers.
        let n = self.tags.len() as f64;
        if n <= self.cap { 1.0 } else { self.cap / n }
    }

    fn set_cap(&mut self, cap: f64, now: SimTime) -> Change {
        self.advance(now);
        self.cap = cap;
        Change {
            start: self.first(now),
            stale: self.tags.peek().map(|Reverse(tag)| tag.job),
            ..Change::default()
        }
    }

    fn advance(&mut self, now: SimTime) {
        if !self.tags.is_empty() {
            self.virtual_ns += now.since(self.since) as f64 * self.rate();
        }
        self.since = now;
    }

    /// The first burst to end, and when (rounded up to the nanosecond).
    fn first(&self, now: SimTime) -> Option<Run> {
        let Reverse(tag) = self.tags.peek()?;
        let left = (tag.finish - self.virtual_ns).max(0.0) / self.rate();
        Some(Run {
            job: tag.job,
            due: now.after(left.ceil() as u64),
        })
    }

    fn enter(&mut self, job: JobId, work: u64, now: SimTime) -> Change {
        self.advance(now);
        let stale = self.tags.peek().map(|Reverse(tag)| tag.job);
        self.seq += 1;
        self.tags.push(Reverse(Tag {
            finish: self.virtual_ns + work as f64,
            seq: self.seq,
            job,
        }));
        Change {
            start: self.first(now),
            stale,
            busy: i32::from(self.tags.len() <= self.vcpus),
            waiting: 0,
        }
    }

    fn done(&mut self, now: SimTime) -> Change {
        self.advance(now);
        let before = self.tags.len();
        if let Some(Reverse(tag)) = self.tags.pop() {
            // Its timer was rounded up: the clock is at least at its tag.
            self.virtual_ns = self.virtual_ns.max(tag.finish);
        }
        if self.tags.is_empty() {
            self.virtual_ns = 0.0;
        }
        Change {
            start: self.first(now),
            stale: None,
            busy: -i32::from(before <= self.vcpus && before > 0),
            waiting: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn at(ms: u64) -> SimTime {
        SimTime(ms * MS)
    }

    #[test]
    fn a_higher_rank_pre_empts_and_the_victim_resumes_its_remainder() {
        let mut cpu = SlicedCpu::Preemptive(Preemptive::new(1, 2));
        let (low, high) = (JobId(1), JobId(2));
        let first = cpu.enter(low, 1, 10 * MS, at(0));
        assert_eq!(
            first.start,
            Some(Run {
                job: low,
                due: at(10)
            })
        );
        assert_eq!(first.busy, 1);
        let second = cpu.enter(high, 0, 3 * MS, at(4));
        assert_eq!(
            second.start,
            Some(Run {
                job: high,
                due: at(7)
            })
        );
        assert_eq!((second.stale, second.waiting), (Some(low), 1));
        // The low burst had 6 ms left at 4 ms: it ends at 7 + 6 = 13 ms.
        let resumed = cpu.done(high, at(7), &mut |_| false);
        assert_eq!(
            resumed.start,
            Some(Run {
                job: low,
                due: at(13)
            })
        );
        assert_eq!(resumed.waiting, -1);
        assert_eq!(cpu.done(low, at(13), &mut |_| false).busy, -1);
    }

    #[test]
    fn equal_or_lower_ranks_wait_without_pre_empting() {
        let mut cpu = Preemptive::new(1, 2);
        cpu.enter(JobId(1), 0, MS, at(0));
        let same = cpu.enter(JobId(2), 0, MS, at(0));
        let lower = cpu.enter(JobId(3), 1, MS, at(0));
        assert_eq!((same.start, same.waiting), (None, 1));
        assert_eq!((lower.start, lower.waiting), (None, 1));
        assert_eq!(
            cpu.done(JobId(1), at(1), &mut |_| false)
                .start
                .map(|r| r.job),
            Some(JobId(2))
        );
    }

    #[test]
    fn an_abandoned_burst_not_begun_gets_no_work_and_a_begun_one_resumes() {
        let mut cpu = SlicedCpu::Preemptive(Preemptive::new(1, 2));
        let (low, high, queued) = (JobId(1), JobId(2), JobId(3));
        cpu.enter(low, 1, 10 * MS, at(0));
        cpu.enter(queued, 1, 5 * MS, at(1));
        // `high` pre-empts `low` at 4 ms: `low` (6 ms left) heads the line.
        cpu.enter(high, 0, 3 * MS, at(4));
        let mut every_job_abandoned = |_| true;
        // `low` had begun: it resumes its 6 ms though cancelled.
        let resumed = cpu.done(high, at(7), &mut every_job_abandoned);
        assert_eq!(
            resumed.start,
            Some(Run {
                job: low,
                due: at(13)
            })
        );
        // `queued` never ran: it gets the vCPU and ends at once.
        let skipped = cpu.done(low, at(13), &mut every_job_abandoned);
        assert_eq!(
            skipped.start,
            Some(Run {
                job: queued,
                due: at(13)
            })
        );
    }

    #[test]
    fn sharing_one_vcpu_halves_the_speed_of_two_bursts() {
        let mut cpu = SlicedCpu::Sharing(Sharing::new(1));
        let (a, b) = (JobId(1), JobId(2));
        assert_eq!(
            cpu.enter(a, 0, 4 * MS, at(0)).start,
            Some(Run { job: a, due: at(4) })
        );
        // At 2 ms `a` has 2 ms left, `b` 3 ms: at half speed `a` ends at 6 ms.
        let both = cpu.enter(b, 0, 3 * MS, at(2));
        assert_eq!(both.start, Some(Run { job: a, due: at(6) }));
        assert_eq!((both.stale, both.busy), (Some(a), 0));
        // `b` did 2 ms of its 3 at half speed; alone, it ends 1 ms later.
        let alone = cpu.done(a, at(6), &mut |_| false);
        assert_eq!(alone.start, Some(Run { job: b, due: at(7) }));
        assert_eq!(alone.busy, 0);
        assert_eq!(cpu.done(b, at(7), &mut |_| false).busy, -1);
    }

    #[test]
    fn sharing_runs_up_to_c_bursts_at_full_speed() {
        let mut cpu = Sharing::new(2);
        assert_eq!(cpu.enter(JobId(1), 5 * MS, at(0)).busy, 1);
        let second = cpu.enter(JobId(2), 2 * MS, at(0));
        assert_eq!(second.busy, 1);
        assert_eq!(
            second.start,
            Some(Run {
                job: JobId(2),
                due: at(2)
            })
        );
        // A third burst: three on two vCPUs, each at 2/3 speed.
        let third = cpu.enter(JobId(3), 2 * MS, at(1));
        assert_eq!(third.busy, 0);
        // Job 2 has 1 ms left at 1 ms: 1.5 ms at 2/3.
        assert_eq!(
            third.start,
            Some(Run {
                job: JobId(2),
                due: SimTime(2_500_000)
            })
        );
    }
}
