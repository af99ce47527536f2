//! The ticket pool and the tick.
//!
//! Tickets live here between ticks; the service only enqueues and cancels. Each `tick(now)`:
//!
//! 1. expires tickets that waited `max_wait_seconds` or longer;
//! 2. per (game, mode) bucket, in key order, serves backfill requests (oldest first), then takes
//!    every unmatched ticket as an *anchor*, oldest first (ties by id), and tries its eligible regions
//!    in order of its latency (ties by region name);
//! 3. for an anchor and a region, picks candidates nearest in rating (ties: lower rating, then older,
//!    then id), skipping those already matched, not eligible in the region, too big for the slots
//!    left, outside any member's rating window, or making the parties impossible to split into the
//!    exact teams;
//! 4. balances the teams (greedy, then best improving swaps of equal-size tickets) and scores the
//!    match.
//!
//! A ticket's rating window and latency ceiling widen with its wait (`Widening`). A match is valid at
//! a tick when every member's window contains every other member's rating and the region is under
//! every member's ceiling. Same inputs and clock, same output: nothing here reads the time or
//! iterates a hash map in an order that reaches the output.

use std::collections::{BTreeMap, HashMap};

use crate::schedule::Widening;
use crate::teams::{balance, can_pack};

/// Matching rules of one game mode.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeRules {
    pub team_size: u32,
    pub team_count: u32,
    pub rating: Widening,
    pub latency: Widening,
    pub max_wait_seconds: f64,
}

impl ModeRules {
    fn players_per_match(&self) -> u32 {
        self.team_size * self.team_count
    }
}

/// A request to be matched: one player or a party that stays together.
#[derive(Clone, Debug, PartialEq)]
pub struct TicketSpec {
    pub id: String,
    pub game: String,
    pub mode: String,
    /// (player id, rating) for each player of the ticket.
    pub players: Vec<(String, f64)>,
    /// (region, round-trip latency in ms).
    pub latencies: Vec<(String, u32)>,
    pub enqueue_time: f64,
}

/// Open slots of a running session, to be filled before new matches are formed.
#[derive(Clone, Debug, PartialEq)]
pub struct BackfillSpec {
    pub id: String,
    pub game: String,
    pub mode: String,
    pub region: String,
    /// Open slots per team index.
    pub open_slots: Vec<u32>,
    /// Mean rating of the players already in the session.
    pub rating: f64,
    pub create_time: f64,
}

/// A formed match. Teams list ticket ids; every ticket's players play on its team.
#[derive(Clone, Debug, PartialEq)]
pub struct FormedMatch {
    pub game: String,
    pub mode: String,
    pub region: String,
    pub teams: Vec<Vec<String>>,
    pub team_ratings: Vec<f64>,
    pub quality: f64,
    pub backfill_id: Option<String>,
}

/// What one tick did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TickOutcome {
    pub matches: Vec<FormedMatch>,
    pub expired: Vec<String>,
}

/// Why the pool refused an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolError {
    UnknownMode { game: String, mode: String },
    DuplicateTicket(String),
    InvalidTicket(String),
    InvalidRules(String),
}

impl std::fmt::Display for PoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PoolError::UnknownMode { game, mode } => write!(f, "unknown mode {mode:?} of game {game:?}"),
            PoolError::DuplicateTicket(id) => write!(f, "ticket {id:?} is already in the pool"),
            PoolError::InvalidTicket(why) | PoolError::InvalidRules(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for PoolError {}

#[derive(Clone, Debug)]
struct Ticket {
    id: String,
    size: u32,
    rating: f64,
    rating_sum: f64,
    latencies: BTreeMap<String, u32>,
    enqueue_time: f64,
}

#[derive(Default)]
struct Bucket {
    tickets: BTreeMap<String, Ticket>,
    backfills: BTreeMap<String, BackfillSpec>,
}

/// The pool of waiting tickets, bucketed by (game, mode).
pub struct Pool {
    rules: BTreeMap<(String, String), ModeRules>,
    buckets: BTreeMap<(String, String), Bucket>,
    index: HashMap<String, (String, String)>,
}

/// The per-tick view of one ticket: its window and ceiling at this tick.
struct Live<'a> {
    ticket: &'a Ticket,
    window: f64,
    ceiling: f64,
    wait: f64,
}

impl Live<'_> {
    fn eligible(&self, region: &str) -> Option<u32> {
        self.ticket.latencies.get(region).copied().filter(|&ms| f64::from(ms) <= self.ceiling)
    }
}

impl Pool {
    /// A pool for these modes, keyed by (game, mode).
    ///
    /// # Errors
    /// `InvalidRules` when a mode's team shape or schedules are unusable.
    pub fn new(rules: Vec<((String, String), ModeRules)>) -> Result<Self, PoolError> {
        let mut map = BTreeMap::new();
        for (key, r) in rules {
            if r.team_size == 0 || r.team_count == 0 || r.team_size > 100 || r.team_count > 16 {
                return Err(PoolError::InvalidRules(format!("{}/{}: team_size must be 1..=100 and team_count 1..=16", key.0, key.1)));
            }
            r.rating.validate().map_err(|e| PoolError::InvalidRules(format!("{}/{}: rating {e}", key.0, key.1)))?;
            r.latency.validate().map_err(|e| PoolError::InvalidRules(format!("{}/{}: latency {e}", key.0, key.1)))?;
            if !(r.max_wait_seconds.is_finite() && r.max_wait_seconds > 0.0) {
                return Err(PoolError::InvalidRules(format!("{}/{}: max_wait_seconds must be positive", key.0, key.1)));
            }
            map.insert(key, r);
        }
        Ok(Pool { rules: map, buckets: BTreeMap::new(), index: HashMap::new() })
    }

    /// Tickets waiting now.
    #[must_use]
    pub fn len(&self) -> usize {
        self.index.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    #[must_use]
    pub fn contains(&self, ticket_id: &str) -> bool {
        self.index.contains_key(ticket_id)
    }

    /// Adds a ticket.
    ///
    /// # Errors
    /// `UnknownMode`, `DuplicateTicket`, or `InvalidTicket` (no players, a party larger than a team,
    /// no latencies, a rating that is not finite or is negative, a time that is not finite).
    pub fn enqueue(&mut self, spec: TicketSpec) -> Result<(), PoolError> {
        let key = (spec.game.clone(), spec.mode.clone());
        let rules = self.rules.get(&key).ok_or_else(|| PoolError::UnknownMode { game: spec.game.clone(), mode: spec.mode.clone() })?;
        if self.index.contains_key(&spec.id) {
            return Err(PoolError::DuplicateTicket(spec.id));
        }
        if spec.players.is_empty() {
            return Err(PoolError::InvalidTicket("a ticket needs at least one player".into()));
        }
        let size = u32::try_from(spec.players.len()).unwrap_or(u32::MAX);
        if size > rules.team_size {
            return Err(PoolError::InvalidTicket(format!("a party of {size} does not fit a team of {}", rules.team_size)));
        }
        if spec.latencies.is_empty() {
            return Err(PoolError::InvalidTicket("a ticket needs the latency to at least one region".into()));
        }
        if spec.players.iter().any(|(_, r)| !r.is_finite() || *r < 0.0) {
            return Err(PoolError::InvalidTicket("ratings must be finite and not negative".into()));
        }
        if !spec.enqueue_time.is_finite() {
            return Err(PoolError::InvalidTicket("enqueue_time must be finite".into()));
        }
        let rating_sum: f64 = spec.players.iter().map(|(_, r)| r).sum();
        let ticket = Ticket {
            id: spec.id.clone(),
            size,
            rating: rating_sum / f64::from(size),
            rating_sum,
            latencies: spec.latencies.into_iter().collect(),
            enqueue_time: spec.enqueue_time,
        };
        self.buckets.entry(key.clone()).or_default().tickets.insert(spec.id.clone(), ticket);
        self.index.insert(spec.id, key);
        Ok(())
    }

    /// Removes a ticket; false when it is not in the pool (already matched, expired or cancelled).
    pub fn cancel(&mut self, ticket_id: &str) -> bool {
        let Some(key) = self.index.remove(ticket_id) else { return false };
        if let Some(bucket) = self.buckets.get_mut(&key) {
            bucket.tickets.remove(ticket_id);
        }
        true
    }

    /// Adds (or replaces) a backfill request.
    ///
    /// # Errors
    /// `UnknownMode`, or `InvalidTicket` when the slots do not fit the mode's teams.
    pub fn add_backfill(&mut self, spec: BackfillSpec) -> Result<(), PoolError> {
        let key = (spec.game.clone(), spec.mode.clone());
        let rules = self.rules.get(&key).ok_or_else(|| PoolError::UnknownMode { game: spec.game.clone(), mode: spec.mode.clone() })?;
        if spec.open_slots.len() != rules.team_count as usize || spec.open_slots.iter().any(|&s| s > rules.team_size) {
            return Err(PoolError::InvalidTicket(format!("open_slots needs {} entries of at most {}", rules.team_count, rules.team_size)));
        }
        if spec.open_slots.iter().all(|&s| s == 0) || !spec.rating.is_finite() {
            return Err(PoolError::InvalidTicket("a backfill needs at least one open slot and a finite rating".into()));
        }
        self.buckets.entry(key).or_default().backfills.insert(spec.id.clone(), spec);
        Ok(())
    }

    /// Withdraws a backfill request; false when unknown.
    pub fn cancel_backfill(&mut self, backfill_id: &str) -> bool {
        self.buckets.values_mut().any(|b| b.backfills.remove(backfill_id).is_some())
    }

    /// Runs one tick at time `now` (seconds, the same clock as `enqueue_time`).
    pub fn tick(&mut self, now: f64) -> TickOutcome {
        let mut outcome = TickOutcome::default();
        let keys: Vec<(String, String)> = self.buckets.keys().cloned().collect();
        for key in keys {
            let rules = self.rules[&key].clone();
            let bucket = self.buckets.get_mut(&key).expect("bucket listed above");
            let (matches, expired, filled_backfills, done) = tick_bucket(&key, &rules, bucket, now);
            for id in expired.iter().chain(done.iter()) {
                bucket.tickets.remove(id);
                self.index.remove(id);
            }
            for (id, slots) in filled_backfills {
                if slots.iter().all(|&s| s == 0) {
                    bucket.backfills.remove(&id);
                } else if let Some(b) = bucket.backfills.get_mut(&id) {
                    b.open_slots = slots;
                }
            }
            outcome.matches.extend(matches);
            outcome.expired.extend(expired);
        }
        outcome
    }
}

type BucketResult = (Vec<FormedMatch>, Vec<String>, Vec<(String, Vec<u32>)>, Vec<String>);

fn tick_bucket(key: &(String, String), rules: &ModeRules, bucket: &Bucket, now: f64) -> BucketResult {
    let mut expired = Vec::new();
    let mut live: Vec<Live<'_>> = Vec::with_capacity(bucket.tickets.len());
    for ticket in bucket.tickets.values() {
        let wait = (now - ticket.enqueue_time).max(0.0);
        if wait >= rules.max_wait_seconds {
            expired.push(ticket.id.clone());
            continue;
        }
        live.push(Live { ticket, window: rules.rating.at(wait), ceiling: rules.latency.at(wait), wait });
    }
    // Rating order for candidate scans (ties: older first, then id), and each ticket's place in it.
    let mut by_rating: Vec<usize> = (0..live.len()).collect();
    by_rating.sort_by(|&a, &b| {
        let (ta, tb) = (live[a].ticket, live[b].ticket);
        ta.rating.total_cmp(&tb.rating).then(ta.enqueue_time.total_cmp(&tb.enqueue_time)).then_with(|| ta.id.cmp(&tb.id))
    });
    let mut position = vec![0usize; live.len()];
    for (pos, &i) in by_rating.iter().enumerate() {
        position[i] = pos;
    }
    let mut matched = vec![false; live.len()];
    let mut matches = Vec::new();
    let mut done = Vec::new();

    // Backfills first, oldest first.
    let mut backfills: Vec<&BackfillSpec> = bucket.backfills.values().collect();
    backfills.sort_by(|a, b| a.create_time.total_cmp(&b.create_time).then_with(|| a.id.cmp(&b.id)));
    let mut filled = Vec::new();
    for backfill in backfills {
        if let Some((m, members, slots)) = fill_backfill(key, rules, backfill, &live, &by_rating, &mut matched) {
            done.extend(members);
            filled.push((backfill.id.clone(), slots));
            matches.push(m);
        }
    }

    // Then new matches, oldest anchor first.
    let mut anchors: Vec<usize> = (0..live.len()).collect();
    anchors.sort_by(|&a, &b| {
        let (ta, tb) = (live[a].ticket, live[b].ticket);
        ta.enqueue_time.total_cmp(&tb.enqueue_time).then_with(|| ta.id.cmp(&tb.id))
    });
    for anchor in anchors {
        if matched[anchor] {
            continue;
        }
        let mut regions: Vec<(u32, &String)> =
            live[anchor].ticket.latencies.iter().filter(|(_, &ms)| f64::from(ms) <= live[anchor].ceiling).map(|(r, &ms)| (ms, r)).collect();
        regions.sort();
        for (_, region) in regions {
            if let Some(group) = gather(rules, anchor, region, &live, &by_rating, &position, &matched) {
                for &i in &group {
                    matched[i] = true;
                    done.push(live[i].ticket.id.clone());
                }
                matches.push(form(key, rules, region, &group, &live));
                break;
            }
        }
    }
    (matches, expired, filled, done)
}

/// Whether `candidate` can join `group` on rating: every member's window must hold every rating.
fn windows_hold(group: &[usize], candidate: usize, live: &[Live<'_>]) -> bool {
    let (mut lo, mut hi) = (live[candidate].ticket.rating, live[candidate].ticket.rating);
    for &i in group {
        lo = lo.min(live[i].ticket.rating);
        hi = hi.max(live[i].ticket.rating);
    }
    group.iter().chain(std::iter::once(&candidate)).all(|&i| {
        let r = live[i].ticket.rating;
        hi - r <= live[i].window && r - lo <= live[i].window
    })
}

/// Collects a full match around `anchor` in `region`, nearest ratings first; None if there is none.
fn gather(
    rules: &ModeRules,
    anchor: usize,
    region: &str,
    live: &[Live<'_>],
    by_rating: &[usize],
    position: &[usize],
    matched: &[bool],
) -> Option<Vec<usize>> {
    let need = rules.players_per_match();
    let mut group = vec![anchor];
    let mut sizes = vec![live[anchor].ticket.size];
    let mut remaining = need - live[anchor].ticket.size;
    let anchor_rating = live[anchor].ticket.rating;
    let reach = live[anchor].window;
    let pos = position[anchor];
    let (mut left, mut right) = (pos.checked_sub(1), pos + 1);
    while remaining > 0 {
        let left_diff = left.map(|l| anchor_rating - live[by_rating[l]].ticket.rating);
        let right_diff = (right < by_rating.len()).then(|| live[by_rating[right]].ticket.rating - anchor_rating);
        let take_left = match (left_diff, right_diff) {
            (Some(l), Some(r)) => l <= r,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let (idx, diff) = if take_left {
            let l = left.expect("checked");
            left = l.checked_sub(1);
            (by_rating[l], left_diff.expect("checked"))
        } else {
            let r = right;
            right += 1;
            (by_rating[r], right_diff.expect("checked"))
        };
        if diff > reach {
            // Sorted by rating: everything further on this side is out of the anchor's window too.
            if take_left {
                left = None;
            } else {
                right = by_rating.len();
            }
            continue;
        }
        let candidate = &live[idx];
        if matched[idx] || candidate.ticket.size > remaining || candidate.eligible(region).is_none() || !windows_hold(&group, idx, live) {
            continue;
        }
        if candidate.ticket.size > 1 {
            let mut trial = sizes.clone();
            trial.push(candidate.ticket.size);
            if !can_pack(&trial, rules.team_size, rules.team_count) {
                continue;
            }
        }
        group.push(idx);
        sizes.push(candidate.ticket.size);
        remaining -= candidate.ticket.size;
    }
    Some(group)
}

fn form(key: &(String, String), rules: &ModeRules, region: &str, group: &[usize], live: &[Live<'_>]) -> FormedMatch {
    let items: Vec<(u32, f64)> = group.iter().map(|&i| (live[i].ticket.size, live[i].ticket.rating_sum)).collect();
    let assignment = balance(&items, rules.team_size, rules.team_count);
    let mut teams = vec![Vec::new(); rules.team_count as usize];
    let mut team_ratings = vec![0.0; rules.team_count as usize];
    for (k, &i) in group.iter().enumerate() {
        teams[assignment[k]].push(live[i].ticket.id.clone());
        team_ratings[assignment[k]] += live[i].ticket.rating_sum;
    }
    for team in &mut teams {
        team.sort();
    }
    let quality = quality(rules, region, group, live, &team_ratings);
    FormedMatch { game: key.0.clone(), mode: key.1.clone(), region: region.to_string(), teams, team_ratings, quality, backfill_id: None }
}

/// Match quality in [0, 1]: 0.35 × rating closeness + 0.35 × team balance + 0.2 × latency + 0.1 × wait.
///
/// - rating closeness: 1 − spread / (2 × fully widened window), spread = highest − lowest ticket rating;
/// - team balance: 1 − (highest − lowest team rating sum) / team size / initial window;
/// - latency: 1 − worst member latency in the region / fully widened ceiling;
/// - wait: 1 − mean wait / max wait.
///
/// For a backfill the balance term is 1: the teams are the running session's, not ours to even.
/// Each term is clamped to [0, 1], so the score is too.
fn quality(rules: &ModeRules, region: &str, group: &[usize], live: &[Live<'_>], team_ratings: &[f64]) -> f64 {
    let clamp = |x: f64| if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
    let (mut lo, mut hi, mut worst_ms, mut wait_sum) = (f64::INFINITY, f64::NEG_INFINITY, 0u32, 0.0);
    for &i in group {
        lo = lo.min(live[i].ticket.rating);
        hi = hi.max(live[i].ticket.rating);
        worst_ms = worst_ms.max(live[i].eligible(region).unwrap_or(0));
        wait_sum += live[i].wait;
    }
    let spread = 1.0 - (hi - lo) / (2.0 * rules.rating.end.max(1.0));
    let gap = team_ratings.iter().copied().fold(f64::NEG_INFINITY, f64::max) - team_ratings.iter().copied().fold(f64::INFINITY, f64::min);
    let balance = 1.0 - gap / f64::from(rules.team_size) / rules.rating.start.max(1.0);
    let latency = 1.0 - f64::from(worst_ms) / rules.latency.end.max(1.0);
    #[allow(clippy::cast_precision_loss)]
    let wait = 1.0 - wait_sum / group.len() as f64 / rules.max_wait_seconds;
    clamp(0.35 * clamp(spread) + 0.35 * clamp(balance) + 0.2 * clamp(latency) + 0.1 * clamp(wait))
}

/// Fills as many open slots of `backfill` as eligible tickets allow, nearest rating first.
fn fill_backfill(
    key: &(String, String),
    rules: &ModeRules,
    backfill: &BackfillSpec,
    live: &[Live<'_>],
    by_rating: &[usize],
    matched: &mut [bool],
) -> Option<(FormedMatch, Vec<String>, Vec<u32>)> {
    let mut slots = backfill.open_slots.clone();
    let mut order: Vec<usize> = by_rating
        .iter()
        .copied()
        .filter(|&i| !matched[i] && live[i].eligible(&backfill.region).is_some() && (live[i].ticket.rating - backfill.rating).abs() <= live[i].window)
        .collect();
    order.sort_by(|&a, &b| {
        let (da, db) = ((live[a].ticket.rating - backfill.rating).abs(), (live[b].ticket.rating - backfill.rating).abs());
        da.total_cmp(&db).then(live[a].ticket.enqueue_time.total_cmp(&live[b].ticket.enqueue_time)).then_with(|| live[a].ticket.id.cmp(&live[b].ticket.id))
    });
    let mut teams = vec![Vec::new(); rules.team_count as usize];
    let mut team_ratings = vec![0.0; rules.team_count as usize];
    let mut members = Vec::new();
    let mut group = Vec::new();
    for i in order {
        // The team with the most open slots that fits the ticket (ties: lowest index).
        let fit = (0..slots.len()).filter(|&t| slots[t] >= live[i].ticket.size).max_by(|&a, &b| slots[a].cmp(&slots[b]).then(b.cmp(&a)));
        if let Some(t) = fit {
            slots[t] -= live[i].ticket.size;
            teams[t].push(live[i].ticket.id.clone());
            team_ratings[t] += live[i].ticket.rating_sum;
            matched[i] = true;
            members.push(live[i].ticket.id.clone());
            group.push(i);
            if slots.iter().all(|&s| s == 0) {
                break;
            }
        }
    }
    if members.is_empty() {
        return None;
    }
    for team in &mut teams {
        team.sort();
    }
    let formed = FormedMatch {
        game: key.0.clone(),
        mode: key.1.clone(),
        region: backfill.region.clone(),
        teams,
        quality: quality(rules, &backfill.region, &group, live, &[0.0]),
        team_ratings,
        backfill_id: Some(backfill.id.clone()),
    };
    Some((formed, members, slots))
}

#[cfg(test)]
mod tests {
    use super::{BackfillSpec, ModeRules, Pool, PoolError, TicketSpec};
    use crate::schedule::Widening;

    fn rules(team_size: u32, team_count: u32) -> ModeRules {
        ModeRules { team_size, team_count, rating: Widening::RATING_DEFAULT, latency: Widening::LATENCY_DEFAULT, max_wait_seconds: 120.0 }
    }

    fn pool(team_size: u32, team_count: u32) -> Pool {
        Pool::new(vec![(("g".into(), "m".into()), rules(team_size, team_count))]).unwrap()
    }

    fn ticket(id: &str, ratings: &[f64], latencies: &[(&str, u32)], t: f64) -> TicketSpec {
        TicketSpec {
            id: id.into(),
            game: "g".into(),
            mode: "m".into(),
            players: ratings.iter().enumerate().map(|(i, &r)| (format!("{id}-p{i}"), r)).collect(),
            latencies: latencies.iter().map(|&(r, ms)| (r.to_string(), ms)).collect(),
            enqueue_time: t,
        }
    }

    #[test]
    fn four_close_players_make_one_balanced_2v2() {
        let mut p = pool(2, 2);
        for (i, r) in [1500.0, 1520.0, 1480.0, 1510.0].iter().enumerate() {
            p.enqueue(ticket(&format!("t{i}"), &[*r], &[("eu", 30)], 0.0)).unwrap();
        }
        let out = p.tick(1.0);
        assert_eq!(out.matches.len(), 1);
        let m = &out.matches[0];
        assert_eq!(m.teams.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 2]);
        assert!((m.team_ratings[0] - m.team_ratings[1]).abs() <= 20.0 + 1e-9);
        assert!(m.quality > 0.0 && m.quality <= 1.0);
        assert!(p.is_empty());
    }

    #[test]
    fn rating_window_widens_with_wait() {
        let mut p = pool(1, 2);
        p.enqueue(ticket("low", &[1000.0], &[("eu", 20)], 0.0)).unwrap();
        p.enqueue(ticket("high", &[1300.0], &[("eu", 20)], 0.0)).unwrap();
        assert!(p.tick(1.0).matches.is_empty(), "300 apart is outside the initial 100 window");
        // At 30 s both windows are 100 + 400 * 30/40 = 400 wide.
        assert_eq!(p.tick(30.0).matches.len(), 1);
    }

    #[test]
    fn latency_ceiling_widens_and_picks_a_shared_region() {
        let mut p = pool(1, 2);
        p.enqueue(ticket("a", &[1500.0], &[("eu", 40), ("us", 120)], 0.0)).unwrap();
        p.enqueue(ticket("b", &[1500.0], &[("us", 45), ("eu", 110)], 0.0)).unwrap();
        assert!(p.tick(1.0).matches.is_empty(), "no region under both ceilings yet");
        let out = p.tick(20.0);
        assert_eq!(out.matches.len(), 1);
        // At 20 s both ceilings are 150 ms: the anchor (a) tries its own best region first, and b is
        // eligible there at 110 ms.
        assert_eq!(out.matches[0].region, "eu");
    }

    #[test]
    fn parties_stay_whole_and_teams_are_exact() {
        let mut p = pool(3, 2);
        p.enqueue(ticket("duo1", &[1500.0, 1500.0], &[("eu", 20)], 0.0)).unwrap();
        p.enqueue(ticket("duo2", &[1500.0, 1510.0], &[("eu", 20)], 0.5)).unwrap();
        p.enqueue(ticket("duo3", &[1490.0, 1500.0], &[("eu", 20)], 0.6)).unwrap();
        assert!(p.tick(1.0).matches.is_empty(), "three duos cannot make two teams of three");
        p.enqueue(ticket("solo1", &[1505.0], &[("eu", 20)], 0.7)).unwrap();
        p.enqueue(ticket("solo2", &[1495.0], &[("eu", 20)], 0.8)).unwrap();
        let out = p.tick(1.0);
        assert_eq!(out.matches.len(), 1);
        let m = &out.matches[0];
        assert!(m.teams.iter().all(|t| t.iter().any(|id| id.starts_with("duo")) && t.iter().any(|id| id.starts_with("solo"))));
        assert_eq!(p.len(), 1, "one duo waits for the next match");
    }

    #[test]
    fn oldest_ticket_anchors_first_and_expired_tickets_leave() {
        let mut p = pool(1, 2);
        p.enqueue(ticket("old", &[1500.0], &[("eu", 20)], 0.0)).unwrap();
        p.enqueue(ticket("stale", &[100.0], &[("eu", 20)], -200.0)).unwrap();
        p.enqueue(ticket("near-new", &[1501.0], &[("eu", 20)], 5.0)).unwrap();
        p.enqueue(ticket("near-old", &[1499.0], &[("eu", 20)], 1.0)).unwrap();
        let out = p.tick(6.0);
        assert_eq!(out.expired, vec!["stale".to_string()]);
        assert_eq!(out.matches.len(), 1);
        let ids: Vec<&String> = out.matches[0].teams.iter().flatten().collect();
        assert!(ids.contains(&&"old".to_string()));
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn backfill_is_served_before_new_matches() {
        let mut p = pool(2, 2);
        for (i, r) in [1500.0, 1505.0, 1495.0, 1502.0].iter().enumerate() {
            p.enqueue(ticket(&format!("t{i}"), &[*r], &[("eu", 20)], 0.0)).unwrap();
        }
        p.add_backfill(BackfillSpec { id: "bf".into(), game: "g".into(), mode: "m".into(), region: "eu".into(), open_slots: vec![1, 0], rating: 1500.0, create_time: 0.0 })
            .unwrap();
        let out = p.tick(1.0);
        assert_eq!(out.matches[0].backfill_id.as_deref(), Some("bf"));
        assert_eq!(out.matches[0].teams, vec![vec!["t0".to_string()], vec![]]);
        assert_eq!(out.matches.len(), 1, "three left: not enough for a new 2v2");
        assert!(!p.cancel_backfill("bf"), "a filled backfill is consumed");
    }

    #[test]
    fn bad_input_is_refused() {
        let mut p = pool(2, 2);
        assert!(matches!(p.enqueue(ticket("x", &[1.0, 2.0, 3.0], &[("eu", 1)], 0.0)), Err(PoolError::InvalidTicket(_))));
        assert!(matches!(p.enqueue(ticket("x", &[1.0], &[], 0.0)), Err(PoolError::InvalidTicket(_))));
        assert!(matches!(p.enqueue(ticket("x", &[-1.0], &[("eu", 1)], 0.0)), Err(PoolError::InvalidTicket(_))));
        let mut other = ticket("x", &[1.0], &[("eu", 1)], 0.0);
        other.mode = "nope".into();
        assert!(matches!(p.enqueue(other), Err(PoolError::UnknownMode { .. })));
        p.enqueue(ticket("x", &[1.0], &[("eu", 1)], 0.0)).unwrap();
        assert!(matches!(p.enqueue(ticket("x", &[1.0], &[("eu", 1)], 0.0)), Err(PoolError::DuplicateTicket(_))));
        assert!(p.cancel("x") && !p.cancel("x"));
    }

    #[test]
    fn same_inputs_same_output() {
        let build = || {
            let mut p = pool(2, 2);
            for i in 0..40u32 {
                let r = 1200.0 + f64::from((i * 37) % 600);
                p.enqueue(ticket(&format!("t{i:02}"), &[r], &[("eu", 20 + i % 40), ("us", 60 - i % 30)], f64::from(i) * 0.1)).unwrap();
            }
            p
        };
        assert_eq!(build().tick(10.0), build().tick(10.0));
    }
}
