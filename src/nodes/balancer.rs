//! Load balancing: picking a target node by weight, and an instance of a
//! pool by policy. Used by `load_balancer` nodes and by pools reached
//! directly.

use rand::RngExt;

use crate::engine::rng::Rng;
use crate::model::{BalancePolicy, NodeId, Targets};

use super::slot_index::SlotIndex;

/// Picks a target by weight (no draw when there is one).
pub fn pick_target(targets: &Targets, rng: &mut Rng) -> NodeId {
    let choices = &targets.0;
    if choices.len() == 1 {
        return choices[0].0;
    }
    let mut u: f64 = rng.random();
    for &(node, share) in choices {
        if u < share {
            return node;
        }
        u -= share;
    }
    choices[choices.len() - 1].0
}

/// Picks one of `n` instances by `policy`; `load(i)` is instance i's
/// requests (queued or in service). `cursor` is the policy's rotating state.
pub fn pick_instance(
    policy: BalancePolicy,
    n: u32,
    load: impl Fn(u32) -> u32,
    cursor: &mut u32,
    rng: &mut Rng,
) -> u32 {
    if n == 1 {
        return 0;
    }
    match policy {
        BalancePolicy::Random => rng.random_range(0..n),
        BalancePolicy::RoundRobin => {
            let pick = *cursor % n;
            *cursor = (pick + 1) % n;
            pick
        }
        BalancePolicy::LeastConnections => {
            // Scan from a rotating start so that ties are shared in turn
            // rather than all going to instance 0.
            let start = *cursor % n;
            *cursor = (start + 1) % n;
            (0..n)
                .map(|k| (start + k) % n)
                .min_by_key(|&i| load(i))
                .expect("n ≥ 1")
        }
        BalancePolicy::PowerOfTwo => {
            let a = rng.random_range(0..n);
            let b = (a + rng.random_range(1..n)) % n;
            if load(b) < load(a) { b } else { a }
        }
    }
}

/// `least_connections` as [`pick_instance`] picks, by an index of the
/// instances' loads by slot: the rotation is in slot order, so going round
/// it from position `cursor % n` is going round the slots from that
/// position's instance, and the first least-loaded slot found is the scan's
/// choice, ties included, in O(log n). Returns the instance (slot).
pub fn least_connections_indexed(by_load: &SlotIndex, rotation: &[u32], cursor: &mut u32) -> u32 {
    let n = rotation.len() as u32;
    if n == 1 {
        return rotation[0];
    }
    let start = *cursor % n;
    *cursor = (start + 1) % n;
    by_load
        .first_at_most_from(rotation[start as usize], by_load.least())
        .expect("an instance in rotation has a load")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    #[test]
    fn least_connections_picks_the_least_loaded_and_shares_ties() {
        let mut rng = stream(1, 0, "lb");
        let mut cursor = 0;
        let loads = [3, 1, 1, 5];
        let picks: Vec<u32> = (0..4)
            .map(|_| {
                pick_instance(
                    BalancePolicy::LeastConnections,
                    4,
                    |i| loads[i as usize],
                    &mut cursor,
                    &mut rng,
                )
            })
            .collect();
        assert_eq!(picks, vec![1, 1, 2, 1]);
    }

    #[test]
    fn the_indexed_least_connections_picks_as_the_scan() {
        use super::super::slot_index::ABSENT;
        let mut rng = stream(4, 0, "lb-index");
        let slots = 40u32;
        let mut loads = vec![0u32; slots as usize];
        let mut in_rotation = vec![true; slots as usize];
        let mut index = SlotIndex::new(slots as usize);
        for i in 0..slots {
            index.set(i, 0);
        }
        let (mut scan_cursor, mut index_cursor) = (0, 0);
        for step in 0..20_000 {
            let i = rng.random_range(0..slots);
            match rng.random_range(0..20) {
                0 => in_rotation[i as usize] = !in_rotation[i as usize],
                1..=10 => loads[i as usize] += 1,
                _ => loads[i as usize] = loads[i as usize].saturating_sub(1),
            }
            let key = if in_rotation[i as usize] {
                loads[i as usize]
            } else {
                ABSENT
            };
            index.set(i, key);
            let rotation: Vec<u32> = (0..slots).filter(|&i| in_rotation[i as usize]).collect();
            if rotation.is_empty() {
                continue;
            }
            let k = pick_instance(
                BalancePolicy::LeastConnections,
                rotation.len() as u32,
                |k| loads[rotation[k as usize] as usize],
                &mut scan_cursor,
                &mut rng,
            );
            let picked = least_connections_indexed(&index, &rotation, &mut index_cursor);
            assert_eq!(picked, rotation[k as usize], "step {step}");
            assert_eq!(scan_cursor, index_cursor);
        }
    }

    #[test]
    fn round_robin_cycles_and_two_choices_avoids_the_busiest() {
        let mut rng = stream(1, 0, "lb");
        let mut cursor = 0;
        let picks: Vec<u32> = (0..5)
            .map(|_| pick_instance(BalancePolicy::RoundRobin, 3, |_| 0, &mut cursor, &mut rng))
            .collect();
        assert_eq!(picks, vec![0, 1, 2, 0, 1]);
        // Two distinct choices: the busiest of three is never picked.
        let loads = [0, 9, 0];
        for _ in 0..1000 {
            assert_ne!(
                pick_instance(
                    BalancePolicy::PowerOfTwo,
                    3,
                    |i| loads[i as usize],
                    &mut cursor,
                    &mut rng
                ),
                1
            );
        }
    }

    #[test]
    fn weighted_targets_follow_their_shares() {
        let mut rng = stream(2, 0, "split");
        let targets = Targets(vec![(NodeId(0), 0.2), (NodeId(1), 0.8)]);
        let n = 100_000;
        let first = (0..n)
            .filter(|_| pick_target(&targets, &mut rng) == NodeId(0))
            .count();
        // Standard error √(0.2·0.8/10^5) ≈ 0.0013; ±0.01 is over 7 se.
        assert!((first as f64 / n as f64 - 0.2).abs() < 0.01);
    }
}
