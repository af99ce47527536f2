//! Times one tick of synthetic pools: `cargo run --release --example tick -- 100000 [reps]`.
//! Pools as in the benchmark: 4 modes, 5 regions, ratings around 1500 (spread 300), 20% parties.
//! One long-lived pool, as in the service: each repetition fills it with `n` new tickets (its own
//! seed) waiting up to 30 s, and times the tick that follows; prints the median.

use std::time::Instant;

use matchmaker_rs::pool::{ModeRules, Pool, TicketSpec};
use matchmaker_rs::schedule::Widening;

fn main() {
    let arg = |k: usize, default: u64| {
        std::env::args()
            .nth(k)
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let (n, reps) = (arg(1, 100_000), arg(2, 5));
    let modes = [
        ("duel", 1, 2),
        ("duo", 2, 2),
        ("squad", 4, 2),
        ("ffa", 1, 8),
    ];
    let rules = modes
        .iter()
        .map(|&(m, size, count)| {
            let r = ModeRules {
                team_size: size,
                team_count: count,
                rating: Widening::RATING_DEFAULT,
                latency: Widening::LATENCY_DEFAULT,
                max_wait_seconds: 120.0,
            };
            (("g".to_string(), m.to_string()), r)
        })
        .collect();
    let mut pool = Pool::new(rules).unwrap();
    let mut times = Vec::new();
    for rep in 0..reps {
        #[allow(clippy::cast_precision_loss)]
        let clock = 1000.0 * rep as f64;
        fill(&mut pool, &modes, n, rep, clock);
        let started = Instant::now();
        let out = pool.tick(clock + 30.0);
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        eprintln!(
            "  {elapsed:.1} ms: {} matches, {} expired, {} left",
            out.matches.len(),
            out.expired.len(),
            pool.len()
        );
        times.push(elapsed);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{n} tickets: tick median {:.1} ms, min {:.1} ms over {reps}",
        times[times.len() / 2],
        times[0]
    );
}

fn fill(pool: &mut Pool, modes: &[(&str, u32, u32)], n: u64, rep: u64, clock: f64) {
    let mut seed = 42 + rep;
    let regions = ["eu-west", "eu-east", "us-east", "us-west", "asia"];
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        #[allow(clippy::cast_precision_loss)]
        let unit = (seed % 1_000_000) as f64 / 1_000_000.0;
        unit
    };
    for i in 0..n {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (mode, size, _) = modes[(next() * 4.0) as usize];
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let party = if size > 1 && next() < 0.2 {
            2 + (next() * f64::from(size - 1)) as u32
        } else {
            1
        };
        let party = party.min(size);
        // Sum of three uniforms: roughly normal around 1500, spread about 300.
        let players = (0..party)
            .map(|k| {
                (
                    format!("p{i}-{k}"),
                    1500.0 + (next() + next() + next() - 1.5) * 600.0,
                )
            })
            .collect();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let home = (next() * 5.0) as usize;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let latencies = regions
            .iter()
            .enumerate()
            .map(|(k, r)| {
                (
                    (*r).to_string(),
                    20 + 60 * k.abs_diff(home) as u32 + (next() * 30.0) as u32,
                )
            })
            .collect();
        pool.enqueue(TicketSpec {
            id: format!("t{rep}-{i:07}"),
            game: "g".into(),
            mode: mode.into(),
            players,
            latencies,
            enqueue_time: clock + next() * 30.0,
        })
        .unwrap();
    }
}
