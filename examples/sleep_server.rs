//! A small real HTTP/1.1 server to check capsim against: `W` worker threads
//! take requests from one shared FIFO queue, and each request's handler
//! *sleeps* for a service time drawn from a stated distribution, so the
//! server is an M/G/W queue that needs almost no CPU (the check runs on a
//! 2-core machine shared with compilers and the load generator).
//!
//! ```text
//!  client ──keep-alive──► reader thread (one per connection) ──► shared queue ──► W workers
//!         ◄────────────────────────────── response written by the worker ◄────────┘
//! ```
//!
//! Workers take *requests*, not connections: a keep-alive connection held by
//! an idle load-test user must not pin a worker, or 50 users could never
//! share 4 workers. A reader thread per connection parses each request and
//! queues it; the client sends its next request only after the answer, so
//! a connection has at most one request queued or in service.
//!
//! ```sh
//! cargo build --release --example sleep_server
//! target/release/examples/sleep_server --port 8089 --workers 4 --mean-ms 40 \
//!     --dist exponential --seed 1 --max-seconds 300
//! ```
//!
//! Paths: `/zero` is answered without sleeping (to measure the HTTP and
//! load-generator overhead at near-zero load); `/stats` answers at once
//! with what the server measured since the last `/stats` (requests, mean
//! service drawn, mean time a worker spent on a request, mean time from
//! parsed request to written answer), so a client's figures can be split
//! into queueing, the handler's own overhead and the rest; any other path
//! sleeps.
//! The server exits by itself after `--max-seconds`.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Service-time distributions the server can draw from.
#[derive(Clone, Copy, Debug)]
enum Dist {
    /// Exponential with the given mean (an M/M/W server).
    Exponential,
    /// Always the mean (an M/D/W server).
    Constant,
}

struct Config {
    port: u16,
    workers: usize,
    mean_ms: f64,
    dist: Dist,
    seed: u64,
    max_seconds: u64,
}

fn parse_args() -> Result<Config, String> {
    let mut config = Config {
        port: 8089,
        workers: 4,
        mean_ms: 40.0,
        dist: Dist::Exponential,
        seed: 1,
        max_seconds: 600,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("`{flag} {value}`: {e}");
        match flag.as_str() {
            "--port" => config.port = value.parse().map_err(|e| bad(&e))?,
            "--workers" => config.workers = value.parse().map_err(|e| bad(&e))?,
            "--mean-ms" => config.mean_ms = value.parse().map_err(|e| bad(&e))?,
            "--seed" => config.seed = value.parse().map_err(|e| bad(&e))?,
            "--max-seconds" => config.max_seconds = value.parse().map_err(|e| bad(&e))?,
            "--dist" => {
                config.dist = match value.as_str() {
                    "exponential" => Dist::Exponential,
                    "constant" => Dist::Constant,
                    _ => return Err(bad(&"expected `exponential` or `constant`")),
                }
            }
            _ => return Err(format!("unknown option `{flag}`")),
        }
    }
    // `is_finite` also turns NaN away.
    if config.workers == 0 || !config.mean_ms.is_finite() || config.mean_ms < 0.0 {
        return Err("expected at least one worker and a non-negative mean".into());
    }
    Ok(config)
}

/// SplitMix64: a tiny, well-mixed seeded generator; one per worker, seeded
/// from the server's seed and the worker's index, so runs are repeatable
/// in what they draw (not in which request gets which draw).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on (0, 1]: never 0, so `ln` below stays finite.
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }
}

/// What the server measured since the last `/stats`: requests that slept,
/// and the sums of their drawn service, the worker's time on them (the
/// sleep's overshoot and the write included) and their time in the server, µs.
static SERVED: AtomicU64 = AtomicU64::new(0);
static SERVICE_US: AtomicU64 = AtomicU64::new(0);
static BUSY_US: AtomicU64 = AtomicU64::new(0);
/// Time in the server of the requests that slept, in 0.1 ms buckets (the
/// last one holds everything longer), for its percentiles: they tell
/// whether a tail is the server's or the client's.
const BUCKETS: usize = 20_000;
static SOJOURN_TENTHS: [AtomicU64; BUCKETS] = [const { AtomicU64::new(0) }; BUCKETS];
static SOJOURN_US: AtomicU64 = AtomicU64::new(0);

/// What a request asks for.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Sleep,
    Zero,
    Stats,
}

/// One parsed request waiting for a worker: where to answer, and what to do.
struct Job {
    stream: TcpStream,
    kind: Kind,
    /// When it was parsed (joined the queue).
    arrived: Instant,
    /// Answer with `Connection: close` (the client asked for it).
    close: bool,
}

/// The shared FIFO queue: every worker takes the oldest request.
#[derive(Default)]
struct Queue {
    jobs: Mutex<VecDeque<Job>>,
    ready: Condvar,
}

impl Queue {
    fn push(&self, job: Job) {
        self.jobs.lock().expect("queue lock").push_back(job);
        self.ready.notify_one();
    }

    fn pop(&self) -> Job {
        let mut jobs = self.jobs.lock().expect("queue lock");
        loop {
            if let Some(job) = jobs.pop_front() {
                return job;
            }
            jobs = self.ready.wait(jobs).expect("queue lock");
        }
    }
}

fn main() {
    let config = match parse_args() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    };
    let listener = TcpListener::bind(("127.0.0.1", config.port)).unwrap_or_else(|e| {
        eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", config.port);
        std::process::exit(2);
    });
    let queue = Arc::new(Queue::default());
    for index in 0..config.workers {
        let queue = Arc::clone(&queue);
        let mut rng = SplitMix64(config.seed ^ (index as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        let (mean_ms, dist) = (config.mean_ms, config.dist);
        std::thread::spawn(move || {
            loop {
                let job = queue.pop();
                let started = Instant::now();
                let body = match job.kind {
                    Kind::Sleep => {
                        let ms = match dist {
                            Dist::Exponential => -mean_ms * rng.unit().ln(),
                            Dist::Constant => mean_ms,
                        };
                        sleep_for(Duration::from_secs_f64(ms / 1e3));
                        SERVICE_US.fetch_add((ms * 1e3) as u64, Ordering::Relaxed);
                        "ok\n".to_string()
                    }
                    Kind::Zero => "ok\n".to_string(),
                    Kind::Stats => stats(),
                };
                let arrived = job.arrived;
                let kind = job.kind;
                answer(job, &body);
                if kind == Kind::Sleep {
                    BUSY_US.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
                    let sojourn_us = arrived.elapsed().as_micros() as u64;
                    SOJOURN_US.fetch_add(sojourn_us, Ordering::Relaxed);
                    let bucket = ((sojourn_us / 100) as usize).min(BUCKETS - 1);
                    SOJOURN_TENTHS[bucket].fetch_add(1, Ordering::Relaxed);
                    SERVED.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    // The server stops by itself: a load test against it is bounded in time.
    let deadline = config.max_seconds;
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(deadline));
        eprintln!("sleep_server: --max-seconds {deadline} reached, exiting");
        std::process::exit(0);
    });
    println!(
        "listening on 127.0.0.1:{} ({} workers, {:?} service, mean {} ms)",
        config.port, config.workers, config.dist, config.mean_ms
    );
    for stream in listener.incoming().flatten() {
        let queue = Arc::clone(&queue);
        std::thread::spawn(move || read_requests(stream, &queue));
    }
}

/// Sleeps until a deadline: `thread::sleep` may wake early on a signal and
/// overshoots by the kernel's timer slack (~50 µs), negligible against ms.
fn sleep_for(duration: Duration) {
    let until = Instant::now() + duration;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left);
    }
}

/// Reads requests from one keep-alive connection and queues each. Bodies
/// are skipped by `Content-Length`; the load generator sends GETs.
fn read_requests(stream: TcpStream, queue: &Queue) {
    // Small answers must leave at once, not wait for Nagle's algorithm.
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let request_line = line.trim_end().to_string();
        if request_line.is_empty() {
            continue; // stray CRLF between requests
        }
        let (mut length, mut close) = (0usize, false);
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse().unwrap_or(0);
                } else if name.eq_ignore_ascii_case("connection") {
                    close = value.eq_ignore_ascii_case("close");
                }
            }
        }
        if length > 0 {
            let mut body = vec![0; length];
            if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
                return;
            }
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/");
        let Ok(writer) = stream.try_clone() else {
            return;
        };
        let kind = match path {
            "/zero" => Kind::Zero,
            "/stats" => Kind::Stats,
            _ => Kind::Sleep,
        };
        queue.push(Job {
            stream: writer,
            kind,
            arrived: Instant::now(),
            close,
        });
        if close {
            return;
        }
    }
}

/// The counters since the last call, as one JSON line; resets them.
fn stats() -> String {
    let served = SERVED.swap(0, Ordering::Relaxed);
    let service = SERVICE_US.swap(0, Ordering::Relaxed);
    let busy = BUSY_US.swap(0, Ordering::Relaxed);
    let sojourn = SOJOURN_US.swap(0, Ordering::Relaxed);
    let mean = |sum: u64| sum as f64 / 1e3 / served.max(1) as f64;
    let counts: Vec<u64> = SOJOURN_TENTHS
        .iter()
        .map(|c| c.swap(0, Ordering::Relaxed))
        .collect();
    let total: u64 = counts.iter().sum();
    // The bucket holding the p-quantile, at its middle, in ms.
    let quantile = |p: f64| {
        let rank = (p * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, count) in counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return (i as f64 + 0.5) / 10.0;
            }
        }
        0.0
    };
    format!(
        "{{\"requests\": {served}, \"service_mean_ms\": {:.4}, \"busy_mean_ms\": {:.4}, \"server_mean_ms\": {:.4}, \"server_p50_ms\": {:.2}, \"server_p99_ms\": {:.2}}}\n",
        mean(service),
        mean(busy),
        mean(sojourn),
        quantile(0.5),
        quantile(0.99)
    )
}

fn answer(mut job: Job, body: &str) {
    let connection = if job.close { "close" } else { "keep-alive" };
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n{body}",
        body.len()
    );
    // A client that went away is its own problem; the worker moves on.
    let _ = job.stream.write_all(response.as_bytes());
    if job.close {
        let _ = job.stream.shutdown(std::net::Shutdown::Both);
    }
}
