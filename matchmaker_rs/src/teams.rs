//! Splitting a match's tickets into teams of exact size, and balancing their rating sums.
//!
//! Parties are never split, so the split itself can fail (two parties of 2 do not make teams of 3);
//! `can_pack` answers that exactly by backtracking over the (few) tickets of one match.

/// Whether tickets of these `sizes` fit into `team_count` teams of at most `team_size` players.
#[must_use]
pub fn can_pack(sizes: &[u32], team_size: u32, team_count: u32) -> bool {
    pack(sizes, team_size, team_count).is_some()
}

/// One way to place tickets of `sizes` into the teams (team index per ticket), if there is one.
#[must_use]
pub fn pack(sizes: &[u32], team_size: u32, team_count: u32) -> Option<Vec<usize>> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
    let mut loads = vec![0u32; team_count as usize];
    let mut placed = vec![0usize; sizes.len()];
    if place(&order, 0, sizes, team_size, &mut loads, &mut placed) {
        Some(placed)
    } else {
        None
    }
}

fn place(
    order: &[usize],
    k: usize,
    sizes: &[u32],
    cap: u32,
    loads: &mut [u32],
    placed: &mut [usize],
) -> bool {
    let Some(&item) = order.get(k) else {
        return true;
    };
    let mut tried: Vec<u32> = Vec::new();
    for team in 0..loads.len() {
        // Teams with the same load are interchangeable: trying one of them is enough.
        if loads[team] + sizes[item] > cap || tried.contains(&loads[team]) {
            continue;
        }
        tried.push(loads[team]);
        loads[team] += sizes[item];
        placed[item] = team;
        if place(order, k + 1, sizes, cap, loads, placed) {
            return true;
        }
        loads[team] -= sizes[item];
    }
    false
}

/// Assigns tickets `(size, rating sum)` to teams, minimising the gap between the highest and lowest
/// team rating sum. Greedy start (largest tickets first, each to the lowest-rated team it fits), or
/// an exact packing when greedy cannot place a party; then the best improving swap of two equal-size
/// tickets on different teams, repeated until none improves. Returns the team index of each ticket.
///
/// # Panics
/// If the tickets cannot be packed at all (callers check `can_pack` first).
#[must_use]
pub fn balance(items: &[(u32, f64)], team_size: u32, team_count: u32) -> Vec<usize> {
    Balancer::default()
        .balance(items, team_size, team_count)
        .to_vec()
}

/// `balance` with buffers kept between calls (a tick balances tens of thousands of matches).
#[derive(Default)]
pub struct Balancer {
    order: Vec<usize>,
    loads: Vec<u32>,
    sums: Vec<f64>,
    assign: Vec<usize>,
}

impl Balancer {
    /// As [`balance`]; the returned slice lives until the next call.
    ///
    /// # Panics
    /// If the tickets cannot be packed at all (callers check `can_pack` first).
    pub fn balance(&mut self, items: &[(u32, f64)], team_size: u32, team_count: u32) -> &[usize] {
        let Balancer {
            order,
            loads,
            sums,
            assign,
        } = self;
        fill(order, 0..items.len());
        fill(loads, std::iter::repeat_n(0, team_count as usize));
        fill(sums, std::iter::repeat_n(0.0, team_count as usize));
        fill(assign, std::iter::repeat_n(usize::MAX, items.len()));
        greedy_then_swaps(items, team_size, team_count, order, loads, sums, assign);
        assign
    }
}

fn fill<T>(buffer: &mut Vec<T>, values: impl Iterator<Item = T>) {
    buffer.clear();
    buffer.extend(values);
}

fn greedy_then_swaps(
    items: &[(u32, f64)],
    team_size: u32,
    team_count: u32,
    order: &mut [usize],
    loads: &mut [u32],
    sums: &mut Vec<f64>,
    assign: &mut Vec<usize>,
) {
    let teams = team_count as usize;
    order.sort_by(|&a, &b| {
        items[b]
            .0
            .cmp(&items[a].0)
            .then(items[b].1.total_cmp(&items[a].1))
            .then(a.cmp(&b))
    });
    let mut greedy_ok = true;
    for &i in order.iter() {
        let best = (0..teams)
            .filter(|&t| loads[t] + items[i].0 <= team_size)
            .min_by(|&a, &b| sums[a].total_cmp(&sums[b]).then(a.cmp(&b)));
        if let Some(t) = best {
            assign[i] = t;
            loads[t] += items[i].0;
            sums[t] += items[i].1;
        } else {
            greedy_ok = false;
            break;
        }
    }
    if !greedy_ok {
        let sizes: Vec<u32> = items.iter().map(|x| x.0).collect();
        *assign = pack(&sizes, team_size, team_count).expect("callers check can_pack");
        *sums = vec![0.0; teams];
        for (i, &t) in assign.iter().enumerate() {
            sums[t] += items[i].1;
        }
    }
    // With one player per team, a swap only trades two teams' sums: the gap cannot change.
    if team_size > 1 {
        improve(items, assign, sums);
    }
}

fn gap(sums: &[f64]) -> f64 {
    sums.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - sums.iter().copied().fold(f64::INFINITY, f64::min)
}

fn improve(items: &[(u32, f64)], assign: &mut [usize], sums: &mut [f64]) {
    for _ in 0..(4 * items.len() + 4) {
        let current = gap(sums);
        let mut best: Option<(f64, usize, usize)> = None;
        for a in 0..items.len() {
            for b in (a + 1)..items.len() {
                let (ta, tb) = (assign[a], assign[b]);
                if ta == tb || items[a].0 != items[b].0 {
                    continue;
                }
                let delta = items[b].1 - items[a].1;
                sums[ta] += delta;
                sums[tb] -= delta;
                let after = gap(sums);
                sums[ta] -= delta;
                sums[tb] += delta;
                if after < current - 1e-9 && best.is_none_or(|(g, _, _)| after < g - 1e-12) {
                    best = Some((after, a, b));
                }
            }
        }
        let Some((_, a, b)) = best else { return };
        let (ta, tb) = (assign[a], assign[b]);
        let delta = items[b].1 - items[a].1;
        sums[ta] += delta;
        sums[tb] -= delta;
        assign.swap(a, b);
    }
}

#[cfg(test)]
mod tests {
    use super::{balance, can_pack, gap};

    #[test]
    fn parties_that_cannot_make_exact_teams_are_refused() {
        assert!(!can_pack(&[2, 2, 2], 3, 2));
        assert!(can_pack(&[2, 1, 2, 1], 3, 2));
        assert!(can_pack(&[3, 3], 3, 2));
        assert!(!can_pack(&[4], 3, 2));
    }

    #[test]
    fn balance_fills_teams_exactly_and_evens_the_sums() {
        let items = [(1, 1900.0), (1, 1500.0), (1, 1400.0), (1, 1000.0)];
        let assign = balance(&items, 2, 2);
        let mut sums = [0.0; 2];
        let mut sizes = [0; 2];
        for (i, &t) in assign.iter().enumerate() {
            sums[t] += items[i].1;
            sizes[t] += items[i].0;
        }
        assert_eq!(sizes, [2, 2]);
        assert!((gap(&sums) - 0.0).abs() < 1e-9, "{sums:?}"); // 1900+1000 vs 1500+1400
    }

    #[test]
    fn balance_keeps_parties_whole_when_greedy_cannot_place_them() {
        // Greedy would put the 2-party and a solo on team 0, leaving no room for the other 2-party.
        let items = [(2, 3000.0), (1, 1600.0), (2, 2900.0), (1, 1400.0)];
        let assign = balance(&items, 3, 2);
        let mut sizes = [0; 2];
        for (i, &t) in assign.iter().enumerate() {
            sizes[t] += items[i].0;
        }
        assert_eq!(sizes, [3, 3]);
        assert_ne!(assign[0], assign[2]);
    }
}
