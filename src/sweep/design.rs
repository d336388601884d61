//! `--search` over several axes: the cheapest design that meets the
//! objective in every scenario, found with a fraction of the grid's runs.
//!
//! - **Racing**: a point runs 2 replications first, and more (doubling, up
//!   to the experiment's `replications`) only while its verdict is unsure —
//!   while an interval straddles a limit. A point whose cost is clearly above
//!   the best design found so far stops there.
//! - **Scenarios heaviest first**: a design that misses at one load level is
//!   out; with monotone load axes, one that meets the heaviest meets them all.
//! - **Monotone axes** (declared): a design below one that misses for want of
//!   capacity misses too; a design above one that meets is never cheaper.
//!   Along the monotone design axis with the most levels, each line of
//!   designs is bisected for its least design that meets (those that meet
//!   lie between the designs short of capacity and those over a cost
//!   ceiling or a utilization floor).
//!
//! The answer is the cheapest design run and met (cost: its most expensive
//! scenario's mean `usd_per_hour`; costs within 0.1% are equal, and the
//! first in grid order of those is named), as the grid's `cheapest` names.
//! Where a monotone axis is listed from more capacity to less, a design
//! above the answer at the same cost may come first in grid order: the
//! search, which never runs it, names the one with less capacity.

use super::cheapest::pick_cheapest;
use super::row::{Judgement, judge};
use super::slo::Verdict;
use super::space::Space;
use super::{Experiment, Row, SweepError};

/// What the search knows of one design.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Not run and not inferred.
    Unknown,
    /// Run: met in every scenario (run, or implied by a heavier one met).
    Met,
    /// Run: missed in some scenario.
    Missed,
    /// Not run: below a design that misses for want of capacity (or above
    /// one that misses a cost ceiling or utilization floor).
    InferredMissed,
    /// Not run: above a design that meets, so never cheaper.
    NotCheaper,
    /// Run, still unsure at the most replications allowed.
    Unsure,
    /// Run, dropped while unsure: its cost is clearly above the best.
    Dearer,
}

/// One point the search ran.
#[derive(Clone, Debug)]
pub struct Ran {
    /// Its row, from the replications it was given.
    pub row: Row,
    /// How many replications it was given.
    pub replications: u32,
    /// Its verdict.
    pub verdict: Verdict,
}

/// What a design search ran and found.
#[derive(Clone, Debug)]
pub struct DesignSearch {
    /// The points run, in point order.
    pub ran: Vec<Ran>,
    /// Each design's standing at the end.
    pub standings: Vec<Standing>,
    /// The cheapest design met, and its cost per hour.
    pub best: Option<(usize, f64)>,
    /// The grid point of the best design in its heaviest scenario.
    pub best_point: Option<usize>,
    /// Replications the full grid would run.
    pub grid_replications: u64,
}

impl DesignSearch {
    /// Replications run in all.
    pub fn replications(&self) -> u64 {
        self.ran.iter().map(|r| u64::from(r.replications)).sum()
    }

    /// How many designs stand as `standing`.
    pub fn count(&self, standing: Standing) -> usize {
        self.standings.iter().filter(|s| **s == standing).count()
    }
}

/// The search's working state.
struct Search<'e> {
    experiment: &'e Experiment,
    space: Space<'e>,
    standings: Vec<Standing>,
    /// A design's cost: the most of its scenarios run.
    costs: Vec<f64>,
    /// Designs that missed for want of capacity / for too much of it.
    short: Vec<usize>,
    over: Vec<usize>,
    /// Designs unsure only of conditions more capacity would hurt.
    unsure_over: Vec<usize>,
    ran: Vec<Ran>,
    ran_hook: &'e dyn Fn(&Ran),
}

impl Experiment {
    /// The cheapest design meeting the objective in every scenario (see
    /// the module's notes), calling `ran` as each point finishes.
    pub fn design_search(&self, ran: &dyn Fn(&Ran)) -> Result<DesignSearch, SweepError> {
        if self.slo.is_none() {
            return Err(SweepError::Spec(
                "--search needs an objective (`slo` or --slo)".into(),
            ));
        }
        let space = Space::new(&self.axes);
        if space.design_axes().is_empty() {
            return Err(SweepError::Spec(
                "--search over several axes looks for the cheapest design, but every axis is a load axis (set `\"role\": \"design\"` on what is being chosen)".into(),
            ));
        }
        let designs = space.designs();
        let mut search = Search {
            experiment: self,
            standings: vec![Standing::Unknown; designs],
            costs: vec![f64::NAN; designs],
            short: Vec::new(),
            over: Vec::new(),
            unsure_over: Vec::new(),
            ran: Vec::new(),
            ran_hook: ran,
            space,
        };
        for line in search.lines() {
            search.bisect(&line)?;
        }
        search.infer_the_rest();
        Ok(search.finish())
    }
}

impl Search<'_> {
    /// The designs in lines along the monotone design axis with the most
    /// levels, each worst first; every design alone when none is monotone.
    fn lines(&self) -> Vec<Vec<usize>> {
        let axes = &self.experiment.axes;
        let along = (self.space.design_axes().iter().copied())
            .filter(|&a| !axes[a].ranks.is_empty())
            .max_by_key(|&a| (axes[a].levels.len(), std::cmp::Reverse(a)));
        let designs = 0..self.space.designs();
        let Some(along) = along else {
            return designs.map(|d| vec![d]).collect();
        };
        let ranks = &axes[along].ranks;
        let mut lines: Vec<Vec<usize>> = Vec::new();
        for d in designs {
            let same_line = |line: &Vec<usize>| self.differs_only_along(d, line[0], along);
            match lines.iter_mut().find(|line| same_line(line)) {
                Some(line) => line.push(d),
                None => lines.push(vec![d]),
            }
        }
        for line in &mut lines {
            line.sort_by_key(|&d| (ranks[self.space.design_level(d, along)], d));
        }
        lines
    }

    /// Whether designs `a` and `b` have the same level on every design axis but `along`.
    fn differs_only_along(&self, a: usize, b: usize, along: usize) -> bool {
        (self.space.design_axes().iter())
            .filter(|&&x| x != along)
            .all(|&x| self.space.design_level(a, x) == self.space.design_level(b, x))
    }

    /// Bisects a line (worst first) for its least design that meets: the
    /// designs that meet lie between those short of capacity (below) and
    /// those over a cost ceiling or utilization floor (above).
    fn bisect(&mut self, line: &[usize]) -> Result<(), SweepError> {
        let (mut lo, mut hi) = (0, line.len());
        // Invariant: everything before lo is short; line[hi..] is not.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.at_or_above_the_least(line[mid])? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Ok(())
    }

    /// Evaluates design `d` (unless inferred) and says whether the least
    /// design that meets on its line is at or below it: it meets (or is
    /// implied to), or misses only for too much capacity.
    fn at_or_above_the_least(&mut self, d: usize) -> Result<bool, SweepError> {
        if self.standings[d] == Standing::Unknown {
            self.standings[d] = self.inferred(d).unwrap_or(Standing::Unknown);
        }
        if self.standings[d] == Standing::Unknown {
            self.standings[d] = self.evaluate(d)?;
        }
        Ok(match self.standings[d] {
            Standing::Met | Standing::NotCheaper | Standing::Dearer => true,
            Standing::Missed | Standing::InferredMissed => !self.is_short(d) && self.is_over(d),
            // Unsure of a floor or a cost ceiling: the designs that meet are below.
            Standing::Unsure => self.unsure_over.contains(&d),
            Standing::Unknown => false,
        })
    }

    /// Whether `d` is at or below a design that missed for want of capacity.
    fn is_short(&self, d: usize) -> bool {
        self.short.iter().any(|&m| self.space.design_covers(m, d))
    }

    /// Whether `d` is at or above a design that missed for too much capacity.
    fn is_over(&self, d: usize) -> bool {
        self.over.iter().any(|&m| self.space.design_covers(d, m))
    }

    /// What design `d`'s neighbours imply of it, if anything.
    fn inferred(&self, d: usize) -> Option<Standing> {
        let space = &self.space;
        if self.is_short(d) || self.is_over(d) {
            return Some(Standing::InferredMissed);
        }
        let met = |&(m, s): &(usize, &Standing)| *s == Standing::Met && m != d;
        (self.standings.iter().enumerate())
            .filter(met)
            .any(|(m, _)| space.design_covers(d, m))
            .then_some(Standing::NotCheaper)
    }

    /// Runs design `d` in its scenarios, heaviest first, until one misses.
    fn evaluate(&mut self, d: usize) -> Result<Standing, SweepError> {
        let mut met: Vec<usize> = Vec::new();
        let mut cost = f64::NEG_INFINITY;
        for s in self.space.scenarios_heaviest_first() {
            let implied = self.space.load_is_monotone()
                && met.iter().any(|&h| self.space.scenario_covers(h, s));
            if implied {
                continue;
            }
            let judgement = self.race(self.space.point(d, s))?;
            let point_cost = judgement.cost.map_or(f64::NAN, |c| c.mean);
            cost = cost.max(point_cost);
            match judgement.verdict {
                Verdict::Met => met.push(s),
                Verdict::Missed => {
                    if judgement.short_of_capacity {
                        self.short.push(d);
                    }
                    if judgement.over_capacity {
                        self.over.push(d);
                    }
                    return Ok(Standing::Missed);
                }
                Verdict::Unsure if self.clearly_dearer(judgement) => return Ok(Standing::Dearer),
                Verdict::Unsure => {
                    if judgement.unsure_over_capacity {
                        self.unsure_over.push(d);
                    }
                    return Ok(Standing::Unsure);
                }
            }
        }
        self.costs[d] = cost;
        Ok(Standing::Met)
    }

    /// The least cost of a design met so far.
    fn best_cost(&self) -> Option<f64> {
        (self.standings.iter().zip(&self.costs))
            .filter(|(s, _)| **s == Standing::Met)
            .map(|(_, c)| *c)
            .min_by(f64::total_cmp)
    }

    /// Whether a point's cost interval lies wholly above the best design's cost.
    fn clearly_dearer(&self, judgement: Judgement) -> bool {
        let (Some(best), Some(cost)) = (self.best_cost(), judgement.cost) else {
            return false;
        };
        cost.mean - cost.ci95.unwrap_or(0.0) > best
    }

    /// Runs `point` with 2 replications, then more while it is unsure (and
    /// not clearly dearer than the best), up to the experiment's number.
    fn race(&mut self, point: usize) -> Result<Judgement, SweepError> {
        let experiment = self.experiment;
        let model = experiment.model(&experiment.points[point])?;
        let cap = experiment.replications;
        let mut replicated = crate::Replicated::empty();
        let options = crate::RunOptions::default();
        let mut replications = cap.min(2);
        let judgement = loop {
            crate::replicate_more(
                &model,
                experiment.seed,
                &mut replicated,
                replications,
                &options,
                &|_| {},
            );
            let judgement = judge(experiment, &model, &replicated);
            let undecided = judgement.verdict == Verdict::Unsure && !self.clearly_dearer(judgement);
            if !undecided || replications == cap {
                break judgement;
            }
            replications = cap.min(replications * 2);
        };
        let row = Row::of(experiment, &experiment.points[point], &model, &replicated);
        let ran = Ran {
            row,
            replications,
            verdict: judgement.verdict,
        };
        (self.ran_hook)(&ran);
        self.ran.push(ran);
        Ok(judgement)
    }

    /// Marks what the runs imply of the designs never reached.
    fn infer_the_rest(&mut self) {
        for d in 0..self.standings.len() {
            if self.standings[d] == Standing::Unknown {
                self.standings[d] = self.inferred(d).unwrap_or(Standing::Unknown);
            }
        }
    }

    fn finish(mut self) -> DesignSearch {
        let best = pick_cheapest(
            (self.standings.iter().zip(&self.costs).enumerate())
                .filter(|(_, (s, _))| **s == Standing::Met)
                .map(|(d, (_, c))| (d, *c)),
        );
        let heaviest = self.space.scenarios_heaviest_first()[0];
        self.ran.sort_by_key(|r| r.row.point);
        let experiment = self.experiment;
        DesignSearch {
            best_point: best.map(|(d, _)| self.space.point(d, heaviest)),
            best,
            standings: self.standings,
            ran: self.ran,
            grid_replications: experiment.points.len() as u64 * u64::from(experiment.replications),
        }
    }
}

impl Experiment {
    /// The grid's answer to the design search's question, from every row:
    /// the cheapest design whose points all meet the objective (cost: its
    /// most expensive scenario), the first in grid order among equals.
    pub fn cheapest_design(&self, rows: &[Row]) -> Option<(usize, f64)> {
        let column = |name: &str| self.columns.iter().position(|c| c == name);
        let (meets, cost) = (column("meets_slo")?, column("usd_per_hour")?);
        let space = Space::new(&self.axes);
        let mut designs: Vec<(usize, f64)> = vec![(0, f64::NEG_INFINITY); space.designs()];
        for row in rows {
            let (d, _) = space.split(row.point);
            let met = row.cells.get(meets).is_some_and(|m| m == "1");
            let price = row.cells.get(cost).and_then(|c| c.parse::<f64>().ok());
            designs[d].0 += usize::from(met);
            designs[d].1 = designs[d].1.max(price.unwrap_or(f64::NAN));
        }
        pick_cheapest(
            (designs.into_iter().enumerate())
                .filter(|(_, (met, _))| *met == space.scenarios())
                .map(|(d, (_, c))| (d, c)),
        )
    }

    /// The design and scenario sub-grids of this experiment.
    pub fn space(&self) -> Space<'_> {
        Space::new(&self.axes)
    }
}
