//! The built-in prices of managed services: load balancers, a CDN and data
//! transfer. Sources are in `prices.json` itself; `as_of` is the date each
//! figure was last checked against its source.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::compiled::Prices;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    sources: BTreeMap<String, String>,
    prices: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    source: String,
    as_of: String,
    usd: f64,
}

/// One built-in price, with where it comes from.
#[derive(Clone, Debug)]
pub struct PriceEntry {
    /// Its name, e.g. `alb_usd_per_hour`.
    pub name: String,
    /// US dollars per the unit its name says.
    pub usd: f64,
    /// Where the figure comes from.
    pub source: String,
    /// When it was last checked, `YYYY-MM-DD`.
    pub as_of: String,
}

/// Every built-in price, sorted by name.
pub fn entries() -> Vec<PriceEntry> {
    // Part of the binary and checked by a unit test: a parse failure is a
    // build defect, not bad user input.
    let file: PriceFile =
        serde_json::from_str(include_str!("prices.json")).expect("built-in prices are valid");
    (file.prices.into_iter())
        .map(|(name, entry)| PriceEntry {
            name,
            usd: entry.usd,
            source: file
                .sources
                .get(&entry.source)
                .cloned()
                .unwrap_or(entry.source),
            as_of: entry.as_of,
        })
        .collect()
}

/// The built-in prices.
pub fn builtin() -> Prices {
    let entries = entries();
    let usd = |name: &str| {
        (entries.iter())
            .find(|entry| entry.name == name)
            .map(|entry| entry.usd)
            .expect("built-in price listed")
    };
    Prices {
        alb_usd_per_hour: usd("alb_usd_per_hour"),
        alb_usd_per_lcu_hour: usd("alb_usd_per_lcu_hour"),
        nlb_usd_per_hour: usd("nlb_usd_per_hour"),
        nlb_usd_per_lcu_hour: usd("nlb_usd_per_lcu_hour"),
        cloudfront_usd_per_gb: usd("cloudfront_usd_per_gb"),
        cloudfront_usd_per_10k_requests: usd("cloudfront_usd_per_10k_requests"),
        internet_usd_per_gb: usd("internet_usd_per_gb"),
        cross_zone_usd_per_gb: usd("cross_zone_usd_per_gb"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_price_parses_cites_a_known_source_and_a_date() {
        let file: PriceFile = serde_json::from_str(include_str!("prices.json")).unwrap();
        for (name, entry) in &file.prices {
            assert!(
                file.sources.contains_key(&entry.source),
                "{name}: unknown source"
            );
            let parts: Vec<&str> = entry.as_of.split('-').collect();
            assert!(
                parts.len() == 3 && parts.iter().all(|p| p.parse::<u32>().is_ok()),
                "{name}: as_of {} is not YYYY-MM-DD",
                entry.as_of
            );
            assert!(entry.usd > 0.0, "{name}: a price is positive");
        }
        // Every field of `Prices` is read (builtin() panics on a missing one).
        let prices = builtin();
        assert_eq!(prices.cross_zone_usd_per_gb, 0.01);
    }
}
