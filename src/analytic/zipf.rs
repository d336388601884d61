//! Sums over a Zipf key law without visiting every key: the most popular
//! keys one by one, the long tail by the Euler–Maclaurin formula (an
//! integral plus end corrections; Abramowitz & Stegun, *Handbook of
//! Mathematical Functions*, 23.1.30). The tail's terms are smooth and slowly
//! varying past the head, so the first correction term leaves an error far
//! below the figures' printed precision, and the cost is the same for 10^3
//! keys as for 10^9.

/// Keys summed one by one before the tail is summed in closed form.
pub(crate) const HEAD: u32 = 10_000;

/// Intervals of the composite Simpson rule over the tail (in log-key
/// space, where the tail's terms vary smoothly).
const SIMPSON_INTERVALS: usize = 2048;

/// Zipf(s) over keys 1 ..= n: key k has popularity k^(−s) / H(n, s).
#[derive(Clone, Debug)]
pub(crate) struct Zipf {
    s: f64,
    n: u32,
    /// Popularity of keys 1 ..= min(n, HEAD).
    head: Vec<f64>,
    /// The normalizing sum H(n, s) = Σ k^(−s).
    total: f64,
}

impl Zipf {
    pub fn new(s: f64, n: u32) -> Self {
        let head_len = n.min(HEAD);
        let weights: Vec<f64> = (1..=head_len).map(|k| f64::from(k).powf(-s)).collect();
        let tail = if n > head_len {
            euler_maclaurin(|x| x.powf(-s), f64::from(head_len + 1), f64::from(n))
        } else {
            0.0
        };
        let total = weights.iter().sum::<f64>() + tail;
        Zipf {
            s,
            n,
            head: weights.into_iter().map(|w| w / total).collect(),
            total,
        }
    }

    /// Popularity of keys 1 ..= min(n, HEAD), most popular first.
    pub fn head(&self) -> &[f64] {
        &self.head
    }

    /// Popularity of key `x` (a real number, for the tail's integral).
    pub fn popularity(&self, x: f64) -> f64 {
        x.powf(-self.s) / self.total
    }

    /// Σ_k f(p_k) over every key: the head exactly, the tail by
    /// Euler–Maclaurin.
    pub fn sum(&self, f: impl Fn(f64) -> f64) -> f64 {
        let head: f64 = self.head.iter().map(|&p| f(p)).sum();
        let start = self.head.len() as u32 + 1;
        if start > self.n {
            return head;
        }
        head + euler_maclaurin(
            |x| f(self.popularity(x)),
            f64::from(start),
            f64::from(self.n),
        )
    }

    /// The popularity of keys `first ..= last` (1-based, inclusive).
    pub fn mass(&self, first: u32, last: u32) -> f64 {
        let (first, last) = (first.max(1), last.min(self.n));
        if first > last {
            return 0.0;
        }
        let head_end = (self.head.len() as u32).min(last);
        let mut mass = 0.0;
        if first <= head_end {
            mass += self.head[first as usize - 1..head_end as usize]
                .iter()
                .sum::<f64>();
        }
        let tail_start = first.max(head_end + 1);
        if tail_start <= last {
            mass += euler_maclaurin(
                |x| self.popularity(x),
                f64::from(tail_start),
                f64::from(last),
            );
        }
        mass
    }
}

/// Σ_{k=a}^{b} g(k) for integers a ≤ b, g smooth: the integral of g over
/// [a, b], plus (g(a) + g(b))/2, plus (g′(b) − g′(a))/12; the integral by
/// Simpson's rule over x = e^u, the derivatives by central differences.
pub(crate) fn euler_maclaurin(g: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    if b <= a {
        return if b == a { g(a) } else { 0.0 };
    }
    let (lo, hi) = (a.ln(), b.ln());
    let step = (hi - lo) / SIMPSON_INTERVALS as f64;
    let integrand = |u: f64| {
        let x = u.exp();
        g(x) * x
    };
    let mut integral = integrand(lo) + integrand(hi);
    for i in 1..SIMPSON_INTERVALS {
        let weight = if i % 2 == 1 { 4.0 } else { 2.0 };
        integral += weight * integrand(lo + step * i as f64);
    }
    integral *= step / 3.0;
    let slope = |x: f64| {
        let h = x * 1e-4;
        (g(x + h) - g(x - h)) / (2.0 * h)
    };
    integral + (g(a) + g(b)) / 2.0 + (slope(b) - slope(a)) / 12.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the sums done key by key, to 10^-9 relative: the tail's
    /// closed form must not be what makes a figure differ.
    #[test]
    fn tail_in_closed_form_matches_the_sum_key_by_key() {
        for (s, n) in [(0.6, 200_000u32), (0.9, 50_000), (1.2, 1_000_000)] {
            let zipf = Zipf::new(s, n);
            let weights: Vec<f64> = (1..=n).map(|k| f64::from(k).powf(-s)).collect();
            let total: f64 = weights.iter().sum();
            assert!((zipf.total - total).abs() < 1e-9 * total, "H({n}, {s})");
            let t = 3.0e4;
            let by_key: f64 = weights.iter().map(|w| 1.0 - (-w / total * t).exp()).sum();
            let closed = zipf.sum(|p| 1.0 - (-p * t).exp());
            assert!((closed - by_key).abs() < 1e-9 * by_key, "{closed} {by_key}");
            let range: f64 = weights[19_999..40_000].iter().sum::<f64>() / total;
            assert!((zipf.mass(20_000, 40_000) - range).abs() < 1e-9 * range);
        }
    }
}
