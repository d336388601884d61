//! An experiment's grid seen as designs × scenarios: the design axes span
//! the choices, the load axes the conditions every design must pass. A
//! design and a scenario together name one point of the grid.

use super::points::Axis;

/// The design and scenario sub-grids of an experiment's axes.
#[derive(Clone, Debug)]
pub struct Space<'a> {
    axes: &'a [Axis],
    /// Indices of the design axes, in axis order.
    design: Vec<usize>,
    /// Indices of the load axes, in axis order.
    load: Vec<usize>,
}

impl<'a> Space<'a> {
    /// The space of `axes`.
    pub fn new(axes: &'a [Axis]) -> Space<'a> {
        let (load, design) = (0..axes.len()).partition(|&a| axes[a].load);
        Space { axes, design, load }
    }

    /// How many designs: the product of the design axes' levels.
    pub fn designs(&self) -> usize {
        self.count(&self.design)
    }

    /// How many scenarios (1 without a load axis).
    pub fn scenarios(&self) -> usize {
        self.count(&self.load)
    }

    /// The design axes, as indices into the experiment's axes.
    pub fn design_axes(&self) -> &[usize] {
        &self.design
    }

    /// Whether every load axis is declared monotone (vacuously, with none).
    pub fn load_is_monotone(&self) -> bool {
        self.load.iter().all(|&a| !self.axes[a].ranks.is_empty())
    }

    /// The grid point of design `d` in scenario `s`.
    pub fn point(&self, d: usize, s: usize) -> usize {
        let mut chosen = vec![0; self.axes.len()];
        for (a, k) in self.design.iter().zip(levels(self.axes, &self.design, d)) {
            chosen[*a] = k;
        }
        for (a, k) in self.load.iter().zip(levels(self.axes, &self.load, s)) {
            chosen[*a] = k;
        }
        chosen
            .iter()
            .zip(self.axes)
            .fold(0, |index, (k, axis)| index * axis.levels.len() + k)
    }

    /// The design and scenario of grid point `index`.
    pub fn split(&self, index: usize) -> (usize, usize) {
        let chosen = levels(self.axes, &(0..self.axes.len()).collect::<Vec<_>>(), index);
        let fold = |which: &[usize]| {
            which
                .iter()
                .fold(0, |i, &a| i * self.axes[a].levels.len() + chosen[a])
        };
        (fold(&self.design), fold(&self.load))
    }

    /// Level of design axis `a` (an index into the experiment's axes) in design `d`.
    pub fn design_level(&self, d: usize, a: usize) -> usize {
        let at = self.design.iter().position(|&x| x == a).unwrap_or(0);
        levels(self.axes, &self.design, d)[at]
    }

    /// Whether design `upper` has at least the capacity of design `lower`:
    /// no worse a rank on every monotone design axis, the same level on
    /// every other.
    pub fn design_covers(&self, upper: usize, lower: usize) -> bool {
        covers(self.axes, &self.design, upper, lower)
    }

    /// Whether scenario `heavier` loads at least as much as `lighter`: a
    /// rank no better on every (monotone) load axis.
    pub fn scenario_covers(&self, heavier: usize, lighter: usize) -> bool {
        covers(self.axes, &self.load, lighter, heavier)
    }

    /// The scenarios, heaviest first (by the sum of the load axes' ranks;
    /// in grid order among equals).
    pub fn scenarios_heaviest_first(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.scenarios()).collect();
        let weight = |s: usize| -> usize {
            let chosen = levels(self.axes, &self.load, s);
            (self.load.iter().zip(chosen))
                .map(|(&a, k)| self.axes[a].ranks.get(k).copied().unwrap_or(0))
                .sum()
        };
        order.sort_by_key(|&s| (weight(s), s));
        order
    }

    fn count(&self, which: &[usize]) -> usize {
        which.iter().map(|&a| self.axes[a].levels.len()).product()
    }
}

/// The level of each axis in `which` at index `i` of their sub-grid (the
/// first slowest).
fn levels(axes: &[Axis], which: &[usize], mut i: usize) -> Vec<usize> {
    let mut chosen = vec![0; which.len()];
    for (slot, &a) in which.iter().enumerate().rev() {
        let n = axes[a].levels.len();
        chosen[slot] = i % n;
        i /= n;
    }
    chosen
}

/// Whether sub-grid index `upper` is at least `lower` on every axis of
/// `which`: by rank on a monotone axis, by equal level on another.
fn covers(axes: &[Axis], which: &[usize], upper: usize, lower: usize) -> bool {
    let (up, low) = (levels(axes, which, upper), levels(axes, which, lower));
    which.iter().zip(up.iter().zip(&low)).all(|(&a, (&u, &l))| {
        let ranks = &axes[a].ranks;
        if ranks.is_empty() {
            u == l
        } else {
            ranks[u] >= ranks[l]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn axis(levels: usize, load: bool, ranks: Vec<usize>) -> Axis {
        Axis {
            paths: vec!["x".into()],
            levels: (0..levels).map(|k| vec![json!(k)]).collect(),
            load,
            higher_is_better: true,
            label: None,
            labels: vec![None],
            ranks,
        }
    }

    #[test]
    fn points_split_into_designs_and_scenarios_and_back() {
        // design (3, monotone), load (2, monotone, heavier first), design (2, not monotone)
        let axes = [
            axis(3, false, vec![0, 1, 2]),
            axis(2, true, vec![0, 1]),
            axis(2, false, vec![]),
        ];
        let space = Space::new(&axes);
        assert_eq!((space.designs(), space.scenarios()), (6, 2));
        for index in 0..12 {
            let (d, s) = space.split(index);
            assert_eq!(space.point(d, s), index);
        }
        // design 3 = levels (1, 1); point = 1·4 + s·2 + 1
        assert_eq!(space.point(3, 1), 7);
        assert!(space.design_covers(5, 1)); // (2,1) over (0,1)
        assert!(!space.design_covers(4, 1)); // (2,0) vs (0,1): other level on the plain axis
        assert!(space.scenario_covers(0, 1));
        assert_eq!(space.scenarios_heaviest_first(), [0, 1]);
        assert_eq!(space.design_level(3, 2), 1);
    }
}
