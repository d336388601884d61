//! Queueing formulas (Kleinrock vol. 1; Harchol-Balter; Gunther). Rates per
//! second, times in seconds. See `shared/reference/QUEUEING.md` for worked numbers.

/// M/M/1 mean response time 1/(μ − λ); `None` when λ ≥ μ.
pub fn mm1_response_mean(lambda: f64, mu: f64) -> Option<f64> {
    (lambda < mu).then(|| 1.0 / (mu - lambda))
}

/// M/M/1 response-time p-quantile: −ln(1 − p)/(μ − λ).
pub fn mm1_response_quantile(lambda: f64, mu: f64, p: f64) -> Option<f64> {
    (lambda < mu).then(|| -(1.0 - p).ln() / (mu - lambda))
}

/// Erlang B blocking for `c` servers and offered load `a` Erlangs, by the
/// stable recursion B(k) = a B(k−1) / (k + a B(k−1)) (Jagerman, "Some
/// properties of the Erlang loss function", Bell Syst. Tech. J. 53, 1974).
/// Past k > a each step shrinks B by at least a / k, so the recursion stops
/// once B has underflowed below any printed figure: the cost is
/// O(min(c, a + a few √a)), not O(c), for a database with 2³² connections.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
        if b < 1e-300 {
            return 0.0;
        }
    }
    b
}

/// Erlang C: probability of waiting in M/M/c; `None` when unstable.
pub fn erlang_c(lambda: f64, mu: f64, c: u32) -> Option<f64> {
    let a = lambda / mu;
    let rho = a / f64::from(c);
    if rho >= 1.0 {
        return None;
    }
    let b = erlang_b(c, a);
    Some(b / (1.0 - rho * (1.0 - b)))
}

/// M/M/c mean wait in queue C / (cμ − λ).
pub fn mmc_wait_mean(lambda: f64, mu: f64, c: u32) -> Option<f64> {
    Some(erlang_c(lambda, mu, c)? / (f64::from(c) * mu - lambda))
}

/// M/M/c response-time p-quantile: solves P(R > t) = 1 − p by bisection.
/// R is an Exp(μ) service plus, with probability C, an Exp(cμ − λ) wait.
pub fn mmc_response_quantile(lambda: f64, mu: f64, c: u32, p: f64) -> Option<f64> {
    let wait_prob = erlang_c(lambda, mu, c)?;
    let theta = f64::from(c) * mu - lambda;
    // P(S + W > t) with W = 0 w.p. 1−C, else Exp(θ): the convolution of two exponentials.
    let tail = |t: f64| {
        let service_only = (-mu * t).exp();
        let with_wait = if (theta - mu).abs() < 1e-12 {
            (1.0 + mu * t) * (-mu * t).exp()
        } else {
            (theta * (-mu * t).exp() - mu * (-theta * t).exp()) / (theta - mu)
        };
        (1.0 - wait_prob) * service_only + wait_prob * with_wait
    };
    let (mut low, mut high) = (0.0, 1.0 / mu);
    while tail(high) > 1.0 - p {
        high *= 2.0;
    }
    for _ in 0..200 {
        let mid = (low + high) / 2.0;
        if tail(mid) > 1.0 - p {
            low = mid
        } else {
            high = mid
        }
    }
    Some((low + high) / 2.0)
}

/// M/G/1 mean wait by Pollaczek–Khinchine: ρ S (1 + cv²) / (2 (1 − ρ)).
pub fn mg1_wait_mean(lambda: f64, mean_service: f64, scv: f64) -> Option<f64> {
    let rho = lambda * mean_service;
    (rho < 1.0).then(|| rho * mean_service * (1.0 + scv) / (2.0 * (1.0 - rho)))
}

/// Steady state of M/M/c/K (at most `k` in the system).
#[derive(Clone, Copy, Debug)]
pub struct Mmck {
    /// Probability an arrival is turned away: p_K.
    pub blocking: f64,
    /// Admitted arrivals per second.
    pub throughput: f64,
    /// Busy servers / c.
    pub utilization: f64,
    /// Mean number in the system.
    pub mean_in_system: f64,
    /// Mean response time of admitted requests (Little's law).
    pub mean_response: f64,
}

/// M/M/c/K: p_n ∝ aⁿ/n! for n ≤ c, and a^c/c! ρ^{n−c} above (Gross &
/// Harris, *Fundamentals of Queueing Theory*, §2.5). The weights are
/// summed as they are made, rescaled before they overflow; the n > c part
/// is a geometric series summed in closed form, and the n ≤ c part stops
/// once its terms are negligible past the mode (n > a), so neither a huge
/// `c` nor a huge `k` costs time or memory.
pub fn mmck(lambda: f64, mu: f64, c: u32, k: u32) -> Mmck {
    let a = lambda / mu;
    let rho = a / f64::from(c);
    let top = c.min(k);
    // Running Σ w_n, Σ n w_n, and the current w_n.
    let (mut total, mut moment, mut w) = (1.0, 0.0, 1.0);
    let mut reached_top = true;
    for n in 1..=top {
        w *= a / f64::from(n);
        total += w;
        moment += f64::from(n) * w;
        if total > 1e250 {
            (total, moment, w) = (total * 1e-250, moment * 1e-250, w * 1e-250);
        }
        if f64::from(n) > a && w < total * 1e-18 {
            reached_top = n == top;
            break;
        }
    }
    // w is now w_c (or negligible); the states c+1 … k add w_c ρ^m, m = 1 … k − c.
    let last;
    if reached_top && k > c && rho > 1.0 && rho.powf(f64::from(k - c)) > 1e200 {
        // The states near K outweigh the rest by ρ^(K−c): p_{K−j} ∝ ρ^(−j).
        let blocking = 1.0 - 1.0 / rho;
        let mean_in_system = f64::from(k) - 1.0 / (rho - 1.0);
        let throughput = lambda * (1.0 - blocking);
        return Mmck {
            blocking,
            throughput,
            utilization: throughput / (f64::from(c) * mu),
            mean_in_system,
            mean_response: mean_in_system / throughput,
        };
    } else if reached_top && k > c {
        let m = f64::from(k - c);
        let (geometric, weighted) = if (rho - 1.0).abs() < 1e-12 {
            (m, m * (m + 1.0) / 2.0)
        } else {
            // Σ ρ^j and Σ j ρ^j for j = 1 … m.
            let rm = rho.powf(m);
            (
                rho * (1.0 - rm) / (1.0 - rho),
                rho * (1.0 - (m + 1.0) * rm + m * rm * rho) / (1.0 - rho).powi(2),
            )
        };
        total += w * geometric;
        moment += w * (f64::from(c) * geometric + weighted);
        last = w * rho.powf(m);
    } else {
        last = if reached_top { w } else { 0.0 };
    }
    let blocking = last / total;
    let throughput = lambda * (1.0 - blocking);
    let mean_in_system = moment / total;
    Mmck {
        blocking,
        throughput,
        utilization: throughput / (f64::from(c) * mu),
        mean_in_system,
        mean_response: mean_in_system / throughput,
    }
}

/// A station of a closed network: `servers` identical servers, each
/// serving a visit in `service_s` on average.
#[derive(Clone, Copy, Debug)]
pub struct Station {
    /// Parallel servers.
    pub servers: u32,
    /// Mean service demand per request, seconds.
    pub service_s: f64,
}

/// Throughput and response time of a closed network at one population.
#[derive(Clone, Copy, Debug)]
pub struct MvaPoint {
    /// Requests per second.
    pub throughput: f64,
    /// Response time (think excluded), seconds.
    pub response: f64,
}

/// Exact Mean Value Analysis with load-dependent (multi-server) stations, for
/// `users` users thinking `think_s` between requests.
pub fn mva(stations: &[Station], think_s: f64, users: u32) -> MvaPoint {
    let solution = mva_stations(stations, think_s, users);
    MvaPoint {
        throughput: solution.throughput,
        response: solution.response,
    }
}

/// A closed network's solution, station by station.
#[derive(Clone, Debug)]
pub struct MvaSolution {
    /// Requests per second.
    pub throughput: f64,
    /// Response time (think excluded), seconds: the sum of the residences.
    pub response: f64,
    /// Time a request spends at each station (all its visits), seconds.
    pub residence: Vec<f64>,
    /// Probability that an arrival at each station finds every server busy:
    /// by the arrival theorem, the chance that the other `users − 1` keep
    /// at least `servers` there (exact MVA); Erlang C at the station's
    /// throughput (approximate MVA).
    pub wait_probability: Vec<f64>,
    /// True for exact MVA, false for the approximation used past
    /// [`MVA_EXACT_WORK`].
    pub exact: bool,
    /// Steps of work done: population steps × marginal probabilities kept
    /// (exact), or bisection steps × stations (approximate).
    pub work: u64,
}

/// Exact MVA costs users × min(servers, users) per distinct station; past
/// this, the approximation (whose cost does not grow with users) is used.
pub const MVA_EXACT_WORK: u64 = 20_000_000;

/// As [`mva`], with each station's residence time and probability of waiting.
pub fn mva_stations(stations: &[Station], think_s: f64, users: u32) -> MvaSolution {
    let groups: Vec<(Station, u32)> = stations.iter().map(|s| (*s, 1)).collect();
    mva_groups(&groups, think_s, users)
}

/// MVA over groups of identical stations, `(station, count)`: each of the
/// `count` stations has the station's servers and demand. Figures are per
/// station (`residence[k]` for one station of group k). Exact when the work
/// is at most [`MVA_EXACT_WORK`], else approximate ([`amva_groups`]).
pub fn mva_groups(groups: &[(Station, u32)], think_s: f64, users: u32) -> MvaSolution {
    let work: u64 = groups
        .iter()
        .map(|(s, _)| u64::from(users) * u64::from(s.servers.min(users)))
        .sum();
    if work <= MVA_EXACT_WORK {
        exact_mva(groups, think_s, users)
    } else {
        amva_groups(groups, think_s, users)
    }
}

/// Exact load-dependent MVA (Reiser & Lavenberg, "Mean-value analysis of
/// closed multichain queuing networks", J. ACM 27(2), 1980; the
/// multi-server form in Lazowska et al., *Quantitative System
/// Performance*, 1984, ch. 20). A c-server station needs only the marginal
/// probabilities of 0 … c − 1 requests and its mean queue length: past c
/// every request is served at rate c, so
/// R(n) = D [Σ_{i<c} p(i) + (Q(n−1) + 1 − Σ_{i<c} (i+1) p(i)) / c],
/// at O(min(c, users)) per population step, not O(users).
fn exact_mva(groups: &[(Station, u32)], think_s: f64, users: u32) -> MvaSolution {
    // Per group: p(0 … c−1) and the mean queue length at the previous population.
    let mut marginals: Vec<Vec<f64>> = groups
        .iter()
        .map(|(s, _)| {
            let mut p = vec![0.0; s.servers.min(users).max(1) as usize];
            p[0] = 1.0;
            p
        })
        .collect();
    let mut queue = vec![0.0; groups.len()];
    let mut solution = MvaSolution {
        throughput: 0.0,
        response: 0.0,
        residence: vec![0.0; groups.len()],
        wait_probability: vec![0.0; groups.len()],
        exact: true,
        work: 0,
    };
    for n in 1..=users {
        for (k, ((station, _), p)) in groups.iter().zip(&marginals).enumerate() {
            let c = f64::from(station.servers);
            let below: f64 = p.iter().sum();
            solution.wait_probability[k] = if station.servers > p.len() as u32 {
                // Fewer users than servers: nobody waits.
                0.0
            } else {
                (1.0 - below).max(0.0)
            };
            let first: f64 = p
                .iter()
                .enumerate()
                .map(|(i, pi)| (i + 1) as f64 * pi)
                .sum();
            let beyond = if station.servers > p.len() as u32 {
                0.0
            } else {
                (queue[k] + 1.0 - first).max(0.0) / c
            };
            solution.residence[k] = station.service_s * (below.min(1.0) + beyond);
        }
        let response: f64 = groups
            .iter()
            .zip(&solution.residence)
            .map(|((_, count), r)| f64::from(*count) * r)
            .sum();
        let x = f64::from(n) / (think_s + response);
        for (k, ((station, _), p)) in groups.iter().zip(marginals.iter_mut()).enumerate() {
            let d = x * station.service_s;
            let c = f64::from(station.servers);
            let kept = p.len();
            // Σ_{j≥1} p_n(j) from the old marginals, before they change.
            let sum_old: f64 = p.iter().sum();
            let busy = d
                * (p.iter()
                    .enumerate()
                    .map(|(i, pi)| pi / (i + 1) as f64)
                    .sum::<f64>()
                    + if station.servers as usize > kept {
                        0.0
                    } else {
                        (1.0 - sum_old).max(0.0) / c
                    });
            for j in (1..kept).rev() {
                p[j] = d / j as f64 * p[j - 1];
            }
            p[0] = (1.0 - busy).max(0.0);
            queue[k] = x * solution.residence[k];
            solution.work += kept as u64;
        }
        solution.throughput = x;
        solution.response = response;
    }
    solution
}

/// Approximate MVA: Schweitzer's estimate Q(N−1) ≈ (N−1)/N · Q(N)
/// (Schweitzer, "Approximate analysis of multiclass closed networks of
/// queues", Int. Conf. on Stochastic Control and Optimization, 1979; Bard,
/// "Some extensions to multiclass queueing network analysis", 1979) with
/// Seidmann's multi-server station: c servers of demand D behave as one
/// server of demand D/c plus a pure delay D(c−1)/c (Seidmann, Schweitzer &
/// Shalev-Oren, "Computerized closed queueing network models of flexible
/// manufacturing systems", Large Scale Systems 12, 1987). With those, each
/// station's queue is Q = XD′ / (1 − f XD′), f = (N−1)/N, so the fixed
/// point is one equation in X, N = X (Z + Σ R(X)), solved by bisection:
/// the cost does not grow with N. The probability of waiting is Erlang C
/// at the station's throughput (1 when saturated).
pub fn amva_groups(groups: &[(Station, u32)], think_s: f64, users: u32) -> MvaSolution {
    let n = f64::from(users);
    let f = (n - 1.0) / n;
    let parts = seidmann_parts(groups, users);
    let residence = |x: f64| -> Vec<f64> {
        parts
            .iter()
            .map(|&(q, delay)| {
                let u = f * x * q;
                if u >= 1.0 {
                    f64::INFINITY
                } else {
                    q / (1.0 - u) + delay
                }
            })
            .collect()
    };
    let total = |residence: &[f64]| -> f64 {
        (groups.iter().zip(residence))
            .map(|((_, count), r)| f64::from(*count) * r)
            .sum()
    };
    let population = |x: f64| x * (think_s + total(&residence(x)));
    let hi = throughput_bound(groups, &parts, f, think_s, n);
    let (x, steps) = bisect_throughput(population, hi, n);
    let residence = residence(x);
    let wait_probability = groups
        .iter()
        .map(|(s, _)| {
            if s.servers >= users || s.service_s == 0.0 {
                0.0
            } else {
                erlang_c(x, 1.0 / s.service_s, s.servers).unwrap_or(1.0)
            }
        })
        .collect();
    MvaSolution {
        throughput: x,
        response: total(&residence),
        residence,
        wait_probability,
        exact: false,
        work: steps * groups.len() as u64,
    }
}

/// Per station: (queueing demand D/c, delay D(c−1)/c) in Seidmann's split;
/// a station with at least as many servers as users is a pure delay.
fn seidmann_parts(groups: &[(Station, u32)], users: u32) -> Vec<(f64, f64)> {
    groups
        .iter()
        .map(|(s, _)| {
            if s.servers >= users {
                (0.0, s.service_s)
            } else {
                let c = f64::from(s.servers);
                (s.service_s / c, s.service_s * (c - 1.0) / c)
            }
        })
        .collect()
}

/// X is below every station's capacity 1/(f D′), and below N / (Z + D).
fn throughput_bound(
    groups: &[(Station, u32)],
    parts: &[(f64, f64)],
    f: f64,
    think_s: f64,
    n: f64,
) -> f64 {
    let capacity = (parts.iter())
        .filter(|(q, _)| *q > 0.0)
        .map(|(q, _)| 1.0 / (f * q))
        .fold(f64::INFINITY, f64::min);
    let unloaded: f64 = (groups.iter())
        .map(|(s, count)| f64::from(*count) * s.service_s)
        .sum();
    let hi = capacity.min(n / (think_s + unloaded));
    if hi.is_finite() { hi } else { 1e30 }
}

/// The throughput X in (0, hi) at which `population(X)` = n, by bisection
/// to a relative 1e-13; with the steps it took.
fn bisect_throughput(population: impl Fn(f64) -> f64, mut hi: f64, n: f64) -> (f64, u64) {
    let mut lo = 0.0;
    let mut steps = 0u64;
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if population(mid) < n {
            lo = mid;
        } else {
            hi = mid;
        }
        steps += 1;
        if hi - lo <= 1e-13 * hi {
            break;
        }
    }
    ((lo + hi) / 2.0, steps)
}

/// Mean wait in queue of M/G/c by the Allen–Cunneen approximation with
/// Poisson arrivals (ca² = 1): the M/M/c wait scaled by (1 + cs²) / 2, cs²
/// the service time's squared coefficient of variation. Exact for M/M/c
/// (cs² = 1) and for M/G/1 (it is then Pollaczek–Khinchine); `None` when
/// unstable.
pub fn mgc_wait_mean_allen_cunneen(
    lambda: f64,
    mean_service: f64,
    scv: f64,
    c: u32,
) -> Option<f64> {
    Some(mmc_wait_mean(lambda, 1.0 / mean_service, c)? * (1.0 + scv) / 2.0)
}

/// Index of dispersion (variance / mean) of the number of arrivals in a
/// window of `t` seconds of a stationary two-state MMPP: rates `l1`, `l2`
/// per second, mean sojourns `m1`, `m2` seconds.
///
/// With switching rates σ1 = 1/m1, σ2 = 1/m2, s = σ1 + σ2 and mean rate
/// λ̄ = (l1 σ2 + l2 σ1) / s, the counts are Poisson given the integrated
/// rate, whose variance comes from the modulating chain's covariance
/// p1 p2 e^(−s|u|):
/// IDC(t) = 1 + 2 σ1 σ2 (l1 − l2)² / (s³ λ̄) · (1 − (1 − e^(−s t)) / (s t)).
/// (Fischer & Meier-Hellstern, "The Markov-modulated Poisson process (MMPP)
/// cookbook", Performance Evaluation 18, 1993, give the same expression.)
pub fn mmpp2_dispersion(l1: f64, l2: f64, m1: f64, m2: f64, t: f64) -> f64 {
    let (s1, s2) = (1.0 / m1, 1.0 / m2);
    let s = s1 + s2;
    let mean = (l1 * s2 + l2 * s1) / s;
    let correlated = 1.0 - (1.0 - (-s * t).exp()) / (s * t);
    1.0 + 2.0 * s1 * s2 * (l1 - l2).powi(2) / (s.powi(3) * mean) * correlated
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    // Worked numbers from shared/reference/QUEUEING.md.
    #[test]
    fn reference_numbers() {
        assert_abs_diff_eq!(
            mm1_response_mean(7.0, 10.0).unwrap(),
            0.3333,
            epsilon = 1e-4
        );
        assert_abs_diff_eq!(
            mm1_response_quantile(7.0, 10.0, 0.99).unwrap(),
            1.5351,
            epsilon = 1e-4
        );
        assert_abs_diff_eq!(erlang_c(30.0, 10.0, 4).unwrap(), 0.5094, epsilon = 1e-4);
        assert_abs_diff_eq!(
            mmc_wait_mean(30.0, 10.0, 4).unwrap(),
            0.05094,
            epsilon = 1e-5
        );
        assert_abs_diff_eq!(
            mmc_response_quantile(30.0, 10.0, 4, 0.5).unwrap(),
            0.1156,
            epsilon = 1e-4
        );
        assert_abs_diff_eq!(
            mmc_response_quantile(30.0, 10.0, 4, 0.99).unwrap(),
            0.6006,
            epsilon = 1e-4
        );
        assert_abs_diff_eq!(
            mmc_response_quantile(12.0, 2.0, 8, 0.95).unwrap(),
            1.6456,
            epsilon = 1e-4
        );
        assert_abs_diff_eq!(erlang_b(5, 3.0), 0.11005, epsilon = 1e-5);
        assert_abs_diff_eq!(
            mg1_wait_mean(0.7, 1.0, 0.0).unwrap(),
            1.1667,
            epsilon = 1e-4
        );
        assert_abs_diff_eq!(
            mg1_wait_mean(60.0, 0.010, 4.0).unwrap(),
            0.0375,
            epsilon = 1e-6
        );
        // Allen–Cunneen with one server is Pollaczek–Khinchine.
        assert_abs_diff_eq!(
            mgc_wait_mean_allen_cunneen(60.0, 0.010, 4.0, 1).unwrap(),
            0.0375,
            epsilon = 1e-9
        );
        let m = mmck(3.0, 1.0, 2, 5);
        assert_abs_diff_eq!(m.blocking, 0.37442, epsilon = 1e-5);
        assert_abs_diff_eq!(m.throughput, 1.8767, epsilon = 1e-4);
        assert_abs_diff_eq!(m.mean_in_system, 3.6656, epsilon = 1e-4);
        assert_abs_diff_eq!(m.mean_response, 1.9532, epsilon = 1e-4);
        let stations = [
            Station {
                servers: 1,
                service_s: 0.05,
            },
            Station {
                servers: 4,
                service_s: 0.2,
            },
        ];
        for (n, x, r) in [
            (1, 0.4444, 0.2500),
            (5, 2.2175, 0.2547),
            (20, 8.7326, 0.2903),
            (80, 19.4900, 2.1047),
        ] {
            let point = mva(&stations, 2.0, n);
            assert_abs_diff_eq!(point.throughput, x, epsilon = 1e-4);
            assert_abs_diff_eq!(point.response, r, epsilon = 1e-4);
        }
    }
}
