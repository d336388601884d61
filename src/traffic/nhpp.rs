//! A non-homogeneous Poisson process with a piecewise constant or linear
//! rate, generated exactly by inverting its cumulative rate: the next
//! arrival after t is where Λ has grown by an Exp(1) draw. Unlike thinning,
//! this costs the same whatever the ratio of peak to mean rate.

use crate::model::Profile;

/// The process and its position.
pub struct Nhpp {
    points: Vec<(f64, f64)>,
    linear: bool,
    /// The segment `[points[segment], points[segment + 1])` holding `now`.
    segment: usize,
    /// Time of the last arrival, seconds.
    now: f64,
}

impl Nhpp {
    /// At time 0 of `profile` (validated: starts at 0, times increase).
    pub fn new(profile: &Profile) -> Self {
        Nhpp {
            points: profile.points.clone(),
            linear: profile.linear,
            segment: 0,
            now: 0.0,
        }
    }

    /// The time (seconds) at which the cumulative rate has grown by `mass`
    /// (an Exp(1) draw) since the last arrival; `None` if it never does.
    pub fn next(&mut self, mut mass: f64) -> Option<f64> {
        loop {
            let (t0, r0) = self.points[self.segment];
            let end = self.points.get(self.segment + 1).copied();
            // The rate here is `rate + slope·x`, x seconds after `now`.
            let slope = match end {
                Some((t1, r1)) if self.linear => (r1 - r0) / (t1 - t0),
                _ => 0.0,
            };
            let rate = r0 + slope * (self.now - t0);
            let available = match end {
                Some((t1, _)) => {
                    let x = t1 - self.now;
                    rate * x + slope * x * x / 2.0
                }
                None if rate > 0.0 => f64::INFINITY,
                None => return None,
            };
            if available > 0.0 && mass <= available {
                // Solve rate·x + slope·x²/2 = mass in the form that is
                // stable when slope is 0 or the two terms nearly cancel.
                let root = (rate * rate + 2.0 * slope * mass).max(0.0).sqrt();
                self.now += 2.0 * mass / (rate + root);
                return Some(self.now);
            }
            // The last segment with a positive rate has room for any
            // finite mass; a NaN mass (it cannot arise from a validated
            // profile) ends the process rather than the program.
            let (t1, _) = end?;
            mass -= available;
            self.now = t1;
            self.segment += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(points: &[(f64, f64)], linear: bool) -> Nhpp {
        Nhpp::new(&Profile {
            points: points.to_vec(),
            linear,
        })
    }

    #[test]
    fn inverts_a_step_profile() {
        // 10/s for 1 s, then 100/s: mass 5 lands at 0.5 s, mass 10 + 50 at 1.5 s.
        let mut nhpp = profile(&[(0.0, 10.0), (1.0, 100.0)], false);
        assert_eq!(nhpp.next(5.0), Some(0.5));
        let t = nhpp.next(5.0 + 50.0).unwrap();
        assert!((t - 1.5).abs() < 1e-12, "{t}");
    }

    #[test]
    fn inverts_a_linear_ramp() {
        // Rate 2t: Λ(t) = t², so mass 4 lands at t = 2.
        let mut nhpp = profile(&[(0.0, 0.0), (10.0, 20.0)], true);
        let t = nhpp.next(4.0).unwrap();
        assert!((t - 2.0).abs() < 1e-12, "{t}");
    }

    #[test]
    fn stops_when_the_rate_falls_to_zero_for_good() {
        let mut nhpp = profile(&[(0.0, 10.0), (1.0, 0.0)], false);
        assert_eq!(nhpp.next(20.0), None);
    }
}
