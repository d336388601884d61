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
/// stable recursion B(k) = a B(k−1) / (k + a B(k−1)).
pub fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
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

/// M/M/c/K: p_n ∝ aⁿ/n! for n ≤ c, and a^c/c! ρ^{n−c} above.
pub fn mmck(lambda: f64, mu: f64, c: u32, k: u32) -> Mmck {
    let a = lambda / mu;
    let rho = a / f64::from(c);
    let mut weights = Vec::with_capacity(k as usize + 1);
    let mut w = 1.0;
    for n in 0..=k {
        if n > 0 {
            w *= if n <= c { a / f64::from(n) } else { rho };
        }
        weights.push(w);
    }
    let total: f64 = weights.iter().sum();
    let p: Vec<f64> = weights.iter().map(|w| w / total).collect();
    let blocking = p[k as usize];
    let throughput = lambda * (1.0 - blocking);
    let mean_in_system: f64 = p.iter().enumerate().map(|(n, pn)| n as f64 * pn).sum();
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
    /// at least `servers` there.
    pub wait_probability: Vec<f64>,
}

/// As [`mva`], with each station's residence time and probability of waiting.
pub fn mva_stations(stations: &[Station], think_s: f64, users: u32) -> MvaSolution {
    let n_max = users as usize;
    // marginals[k][j] = P(j requests at station k) at the previous population.
    let mut marginals: Vec<Vec<f64>> = stations.iter().map(|_| vec![1.0]).collect();
    let mut solution = MvaSolution {
        throughput: 0.0,
        response: 0.0,
        residence: vec![0.0; stations.len()],
        wait_probability: vec![0.0; stations.len()],
    };
    for n in 1..=n_max {
        // What an arrival sees: the marginals of population n − 1.
        solution.wait_probability = stations
            .iter()
            .zip(&marginals)
            .map(|(station, p)| {
                let idle: f64 = p.iter().take(station.servers as usize).sum();
                (1.0 - idle).max(0.0)
            })
            .collect();
        let residence: Vec<f64> = stations
            .iter()
            .zip(&marginals)
            .map(|(station, p)| {
                (1..=n)
                    .map(|j| {
                        let rate = j.min(station.servers as usize) as f64;
                        j as f64 / rate * station.service_s * p.get(j - 1).copied().unwrap_or(0.0)
                    })
                    .sum::<f64>()
            })
            .collect();
        let response: f64 = residence.iter().sum();
        let throughput = n as f64 / (think_s + response);
        for (station, p) in stations.iter().zip(marginals.iter_mut()) {
            let mut next = vec![0.0; n + 1];
            for (j, slot) in next.iter_mut().enumerate().skip(1) {
                let rate = j.min(station.servers as usize) as f64;
                *slot =
                    throughput * station.service_s / rate * p.get(j - 1).copied().unwrap_or(0.0);
            }
            next[0] = (1.0 - next[1..].iter().sum::<f64>()).max(0.0);
            *p = next;
        }
        solution.throughput = throughput;
        solution.response = response;
        solution.residence = residence;
    }
    solution
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
