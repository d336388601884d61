//! A pool's vCPUs: first come, first served (a queue per instance, by
//! rank) or sliced (pre-emptive or shared, ended by timers); the CPU busy
//! time its autoscaler reads; the work a job's burst draws.

use crate::engine::rng::Rng;
use crate::engine::{JobId, SimTime};
use crate::model::{ClassId, CpuDiscipline};
use crate::nodes::capped_cpu::Capped;
use crate::nodes::sliced_cpu::{Change, Preemptive, Sharing, SlicedCpu};

use super::{Phase, PoolState, SettledCpu};
use crate::nodes::cfs_quota::CfsQuota;

impl PoolState {
    /// A new instance's vCPUs, if they are not first come, first served.
    pub(super) fn sliced_cpu(&self) -> Option<SlicedCpu> {
        let scheduling = &self.scheduling;
        if self.capped {
            return Some(SlicedCpu::Capped(Box::new(Capped::new(
                self.vcpus,
                scheduling.ranks,
            ))));
        }
        match scheduling.cpu {
            CpuDiscipline::ProcessorSharing => Some(SlicedCpu::Sharing(Sharing::new(self.vcpus))),
            CpuDiscipline::Fifo if scheduling.preemptive => Some(SlicedCpu::Preemptive(
                Preemptive::new(self.vcpus, scheduling.ranks),
            )),
            CpuDiscipline::Fifo => None,
        }
    }

    /// The rank of `class` here: 0 is served first.
    #[inline]
    pub fn rank(&self, class: ClassId) -> u16 {
        self.scheduling.rank(class)
    }

    /// True if the vCPUs are pre-emptive, shared or throttled: bursts end by timers.
    #[inline]
    pub fn is_sliced(&self) -> bool {
        self.sliced
    }

    /// A burst of `work` ns of `job` (rank `rank`) reaches the sliced vCPUs
    /// of `instance`.
    pub fn burst_enter(
        &mut self,
        instance: u32,
        job: JobId,
        rank: u16,
        work: u64,
        now: SimTime,
    ) -> Change {
        let vcpus = self.vcpus;
        let instance = &mut self.instances[instance as usize];
        let Some(cpu) = &mut instance.sliced else {
            return Change::default();
        };
        let change = cpu.enter(job, rank, work, now);
        instance.busy_changes(now, vcpus, change.busy);
        change
    }

    /// `job`'s burst on the sliced vCPUs of `instance` ends; a waiting
    /// burst not begun whose job is `abandoned` starts for no work.
    pub fn burst_done(
        &mut self,
        instance: u32,
        job: JobId,
        now: SimTime,
        abandoned: &mut impl FnMut(JobId) -> bool,
    ) -> Change {
        let vcpus = self.vcpus;
        let instance = &mut self.instances[instance as usize];
        let Some(cpu) = &mut instance.sliced else {
            return Change::default();
        };
        let change = cpu.done(job, now, abandoned);
        instance.busy_changes(now, vcpus, change.busy);
        change
    }

    /// The CPU of the instances that served from `period_start` to `now`,
    /// and the start of the next period for every instance.
    ///
    /// Kubernetes' replica calculator (`groupPods` in
    /// pkg/controller/podautoscaler/replica_calculator.go) sets aside a pod
    /// whose CPU sample was not collected for a whole metric window since it
    /// became ready; here the window is the HPA's period, so an instance that
    /// became ready during it is left out. (Kubernetes counts such a pod
    /// again once it is older than `cpuInitializationPeriod`, 5 min by
    /// default: capsim sets it aside for one period whatever its age.)
    pub fn settled_cpu(&mut self, period_start: SimTime, now: SimTime) -> SettledCpu {
        let (mut instances, mut busy) = (0u32, 0.0);
        for (i, instance) in self.instances.iter_mut().enumerate() {
            if instance.phase == Phase::Gone {
                continue;
            }
            instance.accrue(now, self.vcpus);
            // A throttled thread holds its vCPU but uses no CPU: usage is
            // what the cgroup ran (cAdvisor's `usage_usec`).
            let throttled = (self.pod.as_mut())
                .and_then(|pod| pod.quotas.get_mut(i))
                .map_or(0, CfsQuota::take_throttled);
            if instance.phase == Phase::Serving && instance.ready_at <= period_start {
                instances += 1;
                busy += instance.busy_area - instance.busy_mark;
                if throttled > 0 {
                    busy -= throttled as f64;
                }
            }
            instance.busy_mark = instance.busy_area;
        }
        // What utilization is relative to: the vCPUs, or a pod's request.
        let per_instance = (self.pod.as_ref()).map_or(f64::from(self.vcpus), |p| p.request_cores);
        let capacity = f64::from(instances) * per_instance * now.since(period_start) as f64;
        SettledCpu {
            instances,
            cpu: if capacity > 0.0 {
                busy / capacity
            } else {
                f64::NAN
            },
        }
    }

    /// `job` (of rank `rank`), holding a worker on `instance`, asks for a
    /// vCPU: true if it got one, false if it waits. Inlined: it is on
    /// every burst's path, and left to itself the compiler stopped
    /// inlining it when unrelated code grew (+1 % instructions on M/M/1).
    #[inline]
    pub fn take_cpu(&mut self, instance: u32, job: JobId, rank: u16, now: SimTime) -> bool {
        let instance = &mut self.instances[instance as usize];
        if instance.free_vcpus > 0 {
            instance.accrue(now, self.vcpus);
            instance.free_vcpus -= 1;
            true
        } else {
            instance.cpu_queue.push_back(rank, job);
            false
        }
    }

    /// The wall time of a burst of `work` ns starting now on a vCPU of
    /// `instance`: the work itself, or more under a pod's CFS quota.
    #[inline]
    pub fn run_time(&mut self, instance: u32, work: u64, now: SimTime) -> u64 {
        match &mut self.pod {
            None => work,
            Some(pod) => match pod.quotas.get_mut(instance as usize) {
                None => work,
                Some(quota) => quota.run(now.as_nanos(), work),
            },
        }
    }

    /// CPU work of one job: one draw of its class's service per message
    /// of its batch (`draws` is 1 for any job but a queue consumer's).
    #[inline]
    pub fn draw_work(&self, class: usize, draws: u32, rng: &mut Rng) -> u64 {
        let sampler = &self.service[class];
        let mut work = sampler.draw(rng);
        for _ in 1..draws {
            work += sampler.draw(rng);
        }
        work
    }

    /// A vCPU of `instance` finished a burst: returns the waiting job that
    /// takes it over, if any (else the vCPU goes idle).
    pub fn release_cpu(&mut self, instance: u32, now: SimTime) -> Option<JobId> {
        let instance = &mut self.instances[instance as usize];
        let next = instance.cpu_queue.pop_front().map(|(_, job)| job);
        if next.is_none() {
            instance.accrue(now, self.vcpus);
            instance.free_vcpus += 1;
        }
        next
    }
}
