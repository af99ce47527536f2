//! Times one tick of a synthetic pool: `cargo run --release --example tick -- 100000`.
//! Pools as in the benchmark: 4 modes, 5 regions, ratings around 1500 (spread 300), 20% parties.

use std::time::Instant;

use matchmaker_rs::pool::{ModeRules, Pool, TicketSpec};
use matchmaker_rs::schedule::Widening;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
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
    let regions = ["eu-west", "eu-east", "us-east", "us-west", "asia"];
    let mut seed = 42u64;
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
            id: format!("t{i:07}"),
            game: "g".into(),
            mode: mode.into(),
            players,
            latencies,
            enqueue_time: next() * 30.0,
        })
        .unwrap();
    }
    let started = Instant::now();
    let out = pool.tick(30.0);
    let elapsed = started.elapsed();
    println!(
        "{n} tickets: tick {:.1} ms, {} matches, {} left",
        elapsed.as_secs_f64() * 1000.0,
        out.matches.len(),
        pool.len()
    );
}
