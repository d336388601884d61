//! A pool's indexed picks against the scans they replace, through every
//! change of load, workers, phase and health a run makes: `least_connections`
//! and the shared queue's consumer over more instances than a scan is used
//! for.

use rand::RngExt;

use crate::engine::JobId;
use crate::engine::SimTime;
use crate::engine::rng::{Rng, stream};
use crate::model::{BalancePolicy, NodeKind};

use super::balancer::pick_instance;
use super::pool::{Admission, Instance, Phase, PoolState};

fn pool(instances: u32, shared: bool) -> PoolState {
    let json = format!(
        r#"{{ "name": "p", "simulation": {{ "duration_s": 1 }},
              "traffic": {{ "entry": "p", "arrivals": {{ "poisson": {{ "rate_rps": 1 }} }} }},
              "nodes": {{ "p": {{ "pool": {{ "instance_type": "t3.small", "instances": {instances},
                "workers_per_instance": 2, "queue_limit": 3, "shared_queue": {shared},
                "balance": "least_connections",
                "service": {{ "constant": {{ "ms": 1 }} }} }} }} }} }}"#
    );
    let model = crate::model::parse(&json).expect("a valid pool");
    let NodeKind::Pool(pool) = &model.nodes[0].kind else {
        unreachable!("the model's one node is a pool")
    };
    PoolState::new(pool)
}

fn takes_work(instance: &Instance) -> bool {
    instance.healthy && matches!(instance.phase, Phase::Serving | Phase::Failed)
}

/// The rotation as the pool keeps it: instances that take work, in slot order.
fn rotation(pool: &PoolState) -> Vec<u32> {
    (0..pool.instances().len() as u32)
        .filter(|&i| takes_work(pool.instance(i)))
        .collect()
}

/// A random change of instance `i`: crash (noticed or not), health lost or
/// back, draining, or a new instance launched and ready.
fn churn(pool: &mut PoolState, rng: &mut Rng, now: SimTime) {
    let i = rng.random_range(0..pool.instances().len() as u32);
    match rng.random_range(0..5) {
        0 if pool.instance(i).phase == Phase::Serving => {
            pool.crash(i, rng.random_bool(0.5), now);
        }
        1 => pool.set_healthy(i, !pool.instance(i).healthy),
        2 if pool.instance(i).phase == Phase::Serving => pool.set_phase(i, Phase::Draining),
        3 if pool.instance(i).phase == Phase::Failed => pool.set_phase(i, Phase::Gone),
        _ => {
            let new = pool.launch(0);
            pool.set_ready(new, now);
            pool.set_healthy(new, true);
        }
    }
}

#[test]
fn least_connections_over_many_instances_picks_as_the_scan() {
    let mut pool = pool(48, false);
    let mut rng = stream(9, 0, "picks");
    let (mut scan_cursor, mut cursor) = (0, 0);
    let mut held: Vec<u32> = Vec::new();
    for step in 0..30_000u32 {
        let now = SimTime::from_secs_f64(f64::from(step) * 1e-3);
        if rng.random_range(0..100) == 0 {
            churn(&mut pool, &mut rng, now);
        }
        let rotation = rotation(&pool);
        if rotation.is_empty() {
            continue;
        }
        let k = pick_instance(
            BalancePolicy::LeastConnections,
            rotation.len() as u32,
            |k| pool.instance(rotation[k as usize]).load_now(),
            &mut scan_cursor,
            &mut rng,
        );
        let picked = pool.pick(BalancePolicy::LeastConnections, &mut cursor, &mut rng);
        assert_eq!(picked, rotation[k as usize], "step {step}");
        // Load it (a worker, or a place in its queue), or free a worker.
        if rng.random_bool(0.55) {
            if let Admission::Started(i) = pool.admit(JobId(step), 0, Some(picked), &mut rng) {
                held.push(i);
            }
        } else if !held.is_empty() {
            let i = held.swap_remove(rng.random_range(0..held.len()));
            // A queued job takes the freed worker over (on that instance).
            if !pool.is_failed(i) && pool.release_worker(i).is_some() {
                held.push(i);
            }
        }
    }
}

#[test]
fn a_shared_queue_over_many_instances_finds_the_scans_consumer() {
    let mut pool = pool(40, true);
    let mut rng = stream(10, 0, "consumers");
    let mut held: Vec<u32> = Vec::new();
    let mut free = vec![2u32; pool.instances().len()];
    let mut scan_cursor = 0usize;
    for step in 0..30_000u32 {
        let now = SimTime::from_secs_f64(f64::from(step) * 1e-3);
        if rng.random_range(0..100) == 0 {
            churn(&mut pool, &mut rng, now);
            free.resize(pool.instances().len(), 2);
            for (i, slot) in free.iter_mut().enumerate() {
                if pool.is_failed(i as u32) {
                    *slot = 2;
                }
            }
            held.retain(|&i| !pool.is_failed(i));
        }
        if rng.random_bool(0.5) && pool.waiting() == 0 {
            // The scan's consumer: round robin over the rotation from the
            // cursor, the first with a free worker that has not crashed.
            let rotation = rotation(&pool);
            let expected = (!rotation.is_empty())
                .then(|| {
                    let n = rotation.len();
                    let start = scan_cursor % n;
                    scan_cursor = (start + 1) % n;
                    (0..n)
                        .map(|k| rotation[(start + k) % n])
                        .find(|&i| free[i as usize] > 0 && pool.instance(i).phase != Phase::Failed)
                })
                .flatten();
            match pool.admit(JobId(step), 0, None, &mut rng) {
                Admission::Started(i) => {
                    assert_eq!(Some(i), expected, "step {step}");
                    free[i as usize] -= 1;
                    held.push(i);
                }
                other => assert!(expected.is_none(), "step {step}: {other:?}"),
            }
        } else if !held.is_empty() {
            let i = held.swap_remove(rng.random_range(0..held.len()));
            // A queued job takes the freed worker over (on that instance).
            match pool.release_worker(i) {
                Some(_) => held.push(i),
                None => free[i as usize] += 1,
            }
        }
    }
}
