//! First come, first served vCPUs whose capacity can be capped below their
//! number: a standard-mode burstable instance with an empty credit balance
//! may use no more CPU than it earns (t3.medium: 0.4 of its 2 vCPUs).
//!
//! The cap is on the instance's total use, not per vCPU: AWS accounts
//! credits per instance (one credit is one vCPU-minute, or two vCPUs at 50%
//! for a minute), so a throttled instance's baseline is a total. With n
//! bursts running and a cap of k vCPUs, each progresses at min(1, k/n): one
//! burst on a throttled t3.medium runs at 0.4 of full speed, two at 0.2
//! each. Up to `vcpus` bursts run; the others wait in line by rank.
//!
//! All running bursts progress at the same rate, so a virtual clock V
//! (advancing at that rate) gives each an end tag V₀ + work that nothing
//! later moves; only the first to end has a timer, re-armed when the rate
//! changes (a burst starts or ends while capped, or the cap changes).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::engine::{JobId, SimTime};

use super::bursts::{Change, Run, Tag};
use super::class_queue::ClassQueue;

/// The vCPUs of one instance under a capacity cap.
#[derive(Debug)]
pub struct Capped {
    vcpus: usize,
    /// vCPUs of capacity: `vcpus`, or the baseline while throttled.
    cap: f64,
    /// ns of work each running burst has done since the vCPUs were last
    /// idle (reset then).
    virtual_ns: f64,
    since: SimTime,
    /// The running bursts by end tag.
    running: BinaryHeap<Reverse<Tag>>,
    /// Bursts waiting for a vCPU, with their work, ns.
    waiting: ClassQueue<(JobId, u64)>,
    seq: u64,
    /// The burst whose timer is armed, and its end.
    armed: Option<Run>,
}

impl Capped {
    /// Idle, uncapped, with `vcpus` vCPUs and `ranks` ranks.
    pub fn new(vcpus: u32, ranks: u16) -> Self {
        Capped {
            vcpus: vcpus as usize,
            cap: f64::from(vcpus),
            virtual_ns: 0.0,
            since: SimTime::ZERO,
            running: BinaryHeap::new(),
            waiting: ClassQueue::new(ranks),
            seq: 0,
            armed: None,
        }
    }

    /// Bursts running (each on a vCPU).
    pub fn demand(&self) -> u32 {
        self.running.len() as u32
    }

    /// Bursts waiting for a vCPU.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    fn rate(&self) -> f64 {
        let n = self.running.len() as f64;
        if n <= self.cap { 1.0 } else { self.cap / n }
    }

    fn advance(&mut self, now: SimTime) {
        if !self.running.is_empty() {
            self.virtual_ns += now.since(self.since) as f64 * self.rate();
        }
        self.since = now;
    }

    fn run(&mut self, job: JobId, work: u64) {
        self.seq += 1;
        self.running.push(Reverse(Tag {
            finish: self.virtual_ns + work as f64,
            seq: self.seq,
            job,
        }));
    }

    /// `change` with the timer of the first burst to end re-armed, if its
    /// end moved or another burst is now first.
    fn rearm(&mut self, now: SimTime, mut change: Change) -> Change {
        let first = self.running.peek().map(|Reverse(tag)| {
            let left = (tag.finish - self.virtual_ns).max(0.0) / self.rate();
            Run {
                job: tag.job,
                due: now.after(left.ceil() as u64),
            }
        });
        if first != self.armed {
            change.stale = self.armed.map(|run| run.job);
            change.start = first;
            self.armed = first;
        }
        change
    }

    /// A burst of `work` ns and `rank` arrives at `now`.
    pub fn enter(&mut self, job: JobId, rank: u16, work: u64, now: SimTime) -> Change {
        self.advance(now);
        if self.running.len() < self.vcpus {
            self.run(job, work);
            let busy = Change {
                busy: 1,
                ..Change::default()
            };
            return self.rearm(now, busy);
        }
        self.waiting.push_back(rank, (job, work));
        Change {
            waiting: 1,
            ..Change::default()
        }
    }

    /// The first burst to end, whose timer held, ends at `now`; the next in
    /// line starts, for no work if `abandoned` names its job (here no burst
    /// waits once begun: nothing is pre-empted).
    pub fn done(&mut self, now: SimTime, abandoned: &mut impl FnMut(JobId) -> bool) -> Change {
        self.advance(now);
        // Its timer fired: nothing is armed any more.
        self.armed = None;
        let mut change = Change::default();
        if let Some(Reverse(tag)) = self.running.pop() {
            // Its timer was rounded up: the clock is at least at its tag.
            self.virtual_ns = self.virtual_ns.max(tag.finish);
            match self.waiting.pop_front() {
                Some((_, (next, work))) => {
                    let work = if abandoned(next) { 0 } else { work };
                    self.run(next, work);
                    change.waiting = -1;
                }
                None => change.busy = -1,
            }
        }
        if self.running.is_empty() {
            self.virtual_ns = 0.0;
        }
        self.rearm(now, change)
    }

    /// The capacity becomes `cap` vCPUs at `now`.
    pub fn set_cap(&mut self, cap: f64, now: SimTime) -> Change {
        self.advance(now);
        self.cap = cap;
        self.rearm(now, Change::default())
    }

    /// Empties it (a crash): running bursts to `running`, waiting ones to `waiting`.
    pub fn clear(&mut self, running: &mut Vec<JobId>, waiting: &mut Vec<JobId>) {
        running.extend(self.running.drain().map(|Reverse(tag)| tag.job));
        waiting.extend(self.waiting.drain().map(|(job, _)| job));
        self.virtual_ns = 0.0;
        self.armed = None;
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
    fn uncapped_it_is_first_come_first_served_at_full_speed() {
        let mut cpu = Capped::new(1, 1);
        let first = cpu.enter(JobId(1), 0, 10 * MS, at(0));
        assert_eq!(first.start.map(|r| r.due), Some(at(10)));
        let second = cpu.enter(JobId(2), 0, 5 * MS, at(2));
        assert_eq!((second.start, second.waiting), (None, 1));
        let next = cpu.done(at(10), &mut |_| false);
        assert_eq!(
            next.start,
            Some(Run {
                job: JobId(2),
                due: at(15)
            })
        );
    }

    #[test]
    fn a_cap_slows_the_running_bursts_to_their_share_of_it() {
        // Two vCPUs capped at 0.4: one burst at 0.4 of full speed.
        let mut cpu = Capped::new(2, 1);
        cpu.enter(JobId(1), 0, 10 * MS, at(0));
        // At 4 ms the burst has 6 ms of work left: 15 ms at 0.4.
        let capped = cpu.set_cap(0.4, at(4));
        assert_eq!(capped.start.map(|r| r.due), Some(at(19)));
        assert_eq!(capped.stale, Some(JobId(1)));
        // A second burst at 9 ms: each at 0.2; the first has 4 ms left, 20 ms.
        let both = cpu.enter(JobId(2), 0, 10 * MS, at(9));
        assert_eq!(both.start.map(|r| (r.job, r.due)), Some((JobId(1), at(29))));
        // Uncapped at 19 ms: the first has 2 ms left at full speed.
        let free = cpu.set_cap(2.0, at(19));
        assert_eq!(free.start.map(|r| r.due), Some(at(21)));
    }
}
