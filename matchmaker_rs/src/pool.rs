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

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};

use crate::schedule::Widening;
use crate::teams::{can_pack, Balancer};

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

    /// Every problem of these rules, as (field, why): `team_size` (1 to 100), `team_count` (1 to 16),
    /// `rating.start` … `latency.seconds` (see `Widening::problems`), `max_wait_seconds` (finite and
    /// positive). The service checks a game's configuration with this before storing it, so what it
    /// stores is what `Pool::new` accepts.
    #[must_use]
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !(1..=100).contains(&self.team_size) {
            out.push((
                "team_size".to_string(),
                "must be between 1 and 100".to_string(),
            ));
        }
        if !(1..=16).contains(&self.team_count) {
            out.push((
                "team_count".to_string(),
                "must be between 1 and 16".to_string(),
            ));
        }
        for (name, schedule) in [("rating", &self.rating), ("latency", &self.latency)] {
            for (field, why) in schedule.problems() {
                out.push((format!("{name}.{field}"), why));
            }
        }
        if !(self.max_wait_seconds.is_finite() && self.max_wait_seconds > 0.0) {
            out.push((
                "max_wait_seconds".to_string(),
                "must be a positive number".to_string(),
            ));
        }
        out
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

/// A formed match. Teams list ticket ids; every ticket's players play on its team. Names are shared
/// with the pool (a tick forms tens of thousands of matches; copying three strings each was a tenth
/// of a 10k tick).
#[derive(Clone, Debug, PartialEq)]
pub struct FormedMatch {
    pub game: Arc<str>,
    pub mode: Arc<str>,
    pub region: Arc<str>,
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
            PoolError::UnknownMode { game, mode } => {
                write!(f, "unknown mode {mode:?} of game {game:?}")
            }
            PoolError::DuplicateTicket(id) => write!(f, "ticket {id:?} is already in the pool"),
            PoolError::InvalidTicket(why) | PoolError::InvalidRules(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for PoolError {}

#[derive(Clone, Debug)]
struct Ticket {
    id: String,
    /// Hash of `id` in the pool's index, kept so removal never re-reads or compares the id.
    hash: u64,
    size: u32,
    rating: f64,
    rating_sum: f64,
    /// (interned region, ms), at most one entry per region.
    latencies: Box<[(u16, u32)]>,
    enqueue_time: f64,
    bucket: usize,
}

#[derive(Default)]
struct Bucket {
    /// Slab indices of the bucket's tickets (order does not reach any output).
    members: Vec<usize>,
    backfills: BTreeMap<String, BackfillSpec>,
}

/// The pool of waiting tickets, bucketed by (game, mode). Tickets sit in a slab; buckets list their
/// slab indices, so enqueue, cancel and removal after a match are O(1).
pub struct Pool {
    keys: Vec<(Arc<str>, Arc<str>)>,
    rules: Vec<ModeRules>,
    mode_index: HashMap<(String, String), usize>,
    buckets: Vec<Bucket>,
    regions: Vec<Arc<str>>,
    region_index: HashMap<String, u16>,
    slab: Vec<Option<Ticket>>,
    /// Each slot's position in its bucket's `members`. Kept beside the slab, not in it: removing a
    /// ticket moves another into its place, and updating 4 dense bytes is much cheaper than a
    /// cache miss on the moved ticket.
    member_of: Vec<u32>,
    free: Vec<usize>,
    /// Slab slots by ticket id. The table holds only slots, hashed by their ticket's id, and a lookup
    /// checks the slot's ticket, so removal leaves its entry behind: a tick removes tens of thousands
    /// of tickets, and finding each entry was a cache miss. Stale entries can only point at an empty
    /// slot or at another ticket (which the check rejects, or rightly accepts if it is the one asked
    /// for); the table is rebuilt from the slab once they outnumber the live ones.
    index: HashTable<usize>,
    stale: usize,
    live: usize,
    /// The tick's working buffers, kept between ticks: a tick over 100k tickets needs megabytes of
    /// them, and fresh pages (zeroed by the kernel on first touch) cost as much as the matching.
    work: Workspace,
}

/// Buffers a tick reuses; their contents never outlive the bucket being matched.
#[derive(Default)]
struct Workspace {
    by_rating: Vec<usize>,
    anchors: Vec<usize>,
    taken: Vec<bool>,
    lanes: Vec<Lane>,
    regions: Vec<(u32, u16)>,
    /// Rank of each region's name, so ties between regions compare two integers, not two strings.
    region_rank: Vec<u16>,
    sort_keys: Vec<(u64, u32)>,
    scratch: Scratch,
}

/// The per-tick view of one ticket: its window and ceiling at this tick.
struct Live<'a> {
    // Copied from the ticket so sorts and scans read one contiguous array.
    rating: f64,
    enqueue_time: f64,
    window: f64,
    ceiling: f64,
    wait: f64,
    slot: usize,
    ticket: &'a Ticket,
}

impl Live<'_> {
    fn eligible(&self, region: u16) -> Option<u32> {
        self.ticket
            .latencies
            .iter()
            .find(|(r, _)| *r == region)
            .map(|&(_, ms)| ms)
            .filter(|&ms| f64::from(ms) <= self.ceiling)
    }
}

impl Pool {
    /// A pool for these modes, keyed by (game, mode).
    ///
    /// # Errors
    /// `InvalidRules` when a mode's team shape or schedules are unusable.
    pub fn new(rules: Vec<((String, String), ModeRules)>) -> Result<Self, PoolError> {
        let mut map: BTreeMap<(String, String), ModeRules> = BTreeMap::new();
        for (key, r) in rules {
            if let Some((field, why)) = r.problems().into_iter().next() {
                return Err(PoolError::InvalidRules(format!(
                    "{}/{}: {field} {why}",
                    key.0, key.1
                )));
            }
            map.insert(key, r);
        }
        let mode_index = map
            .keys()
            .enumerate()
            .map(|(i, k)| (k.clone(), i))
            .collect();
        let keys: Vec<(Arc<str>, Arc<str>)> = map
            .keys()
            .map(|(g, m)| (Arc::from(g.as_str()), Arc::from(m.as_str())))
            .collect();
        let buckets = keys.iter().map(|_| Bucket::default()).collect();
        Ok(Pool {
            rules: map.into_values().collect(),
            keys,
            mode_index,
            buckets,
            regions: Vec::new(),
            region_index: HashMap::default(),
            slab: Vec::new(),
            member_of: Vec::new(),
            free: Vec::new(),
            index: HashTable::new(),
            stale: 0,
            live: 0,
            work: Workspace::default(),
        })
    }

    fn mode(&self, game: &str, mode: &str) -> Result<usize, PoolError> {
        self.mode_index
            .get(&(game.to_string(), mode.to_string()))
            .copied()
            .ok_or_else(|| PoolError::UnknownMode {
                game: game.into(),
                mode: mode.into(),
            })
    }

    fn region_id(&mut self, name: String) -> Result<u16, PoolError> {
        if let Some(&id) = self.region_index.get(&name) {
            return Ok(id);
        }
        let id = u16::try_from(self.regions.len())
            .map_err(|_| PoolError::InvalidTicket("too many distinct regions".into()))?;
        self.regions.push(Arc::from(name.as_str()));
        self.region_index.insert(name, id);
        Ok(id)
    }

    fn remove_slot(&mut self, slot: usize) -> Option<Ticket> {
        let ticket = self.slab.get_mut(slot)?.take()?;
        let bucket = &mut self.buckets[ticket.bucket];
        let member = self.member_of[slot] as usize;
        bucket.members.swap_remove(member);
        if let Some(&moved) = bucket.members.get(member) {
            self.member_of[moved] = self.member_of[slot];
        }
        self.stale += 1;
        self.live -= 1;
        self.free.push(slot);
        Some(ticket)
    }

    /// Drops the stale entries: the live tickets' slots, hashed again from the hashes they keep.
    fn rebuild_index(&mut self) {
        self.index.clear();
        let slab = &self.slab;
        for (slot, ticket) in slab.iter().enumerate() {
            if let Some(t) = ticket {
                self.index
                    .insert_unique(t.hash, slot, |&s| slab[s].as_ref().map_or(0, |t| t.hash));
            }
        }
        self.stale = 0;
    }

    fn find(&self, ticket_id: &str) -> Option<usize> {
        let hash = FxBuildHasher.hash_one(ticket_id);
        self.index
            .find(hash, |&s| {
                self.slab[s].as_ref().is_some_and(|t| t.id == ticket_id)
            })
            .copied()
    }

    /// Tickets waiting now.
    #[must_use]
    pub fn len(&self) -> usize {
        self.live
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    #[must_use]
    pub fn contains(&self, ticket_id: &str) -> bool {
        self.find(ticket_id).is_some()
    }

    /// Adds a ticket.
    ///
    /// # Errors
    /// `UnknownMode`, `DuplicateTicket`, or `InvalidTicket` (no players, a party larger than a team,
    /// no latencies, a rating that is not finite or is negative, a time that is not finite).
    pub fn enqueue(&mut self, spec: TicketSpec) -> Result<(), PoolError> {
        let bucket = self.mode(&spec.game, &spec.mode)?;
        let rules = &self.rules[bucket];
        if self.find(&spec.id).is_some() {
            return Err(PoolError::DuplicateTicket(spec.id));
        }
        if spec.players.is_empty() {
            return Err(PoolError::InvalidTicket(
                "a ticket needs at least one player".into(),
            ));
        }
        let size = u32::try_from(spec.players.len()).unwrap_or(u32::MAX);
        if size > rules.team_size {
            return Err(PoolError::InvalidTicket(format!(
                "a party of {size} does not fit a team of {}",
                rules.team_size
            )));
        }
        if spec.latencies.is_empty() {
            return Err(PoolError::InvalidTicket(
                "a ticket needs the latency to at least one region".into(),
            ));
        }
        if spec.players.iter().any(|(_, r)| !r.is_finite() || *r < 0.0) {
            return Err(PoolError::InvalidTicket(
                "ratings must be finite and not negative".into(),
            ));
        }
        if !spec.enqueue_time.is_finite() {
            return Err(PoolError::InvalidTicket(
                "enqueue_time must be finite".into(),
            ));
        }
        let mut rating_sum = 0.0;
        for (_, r) in &spec.players {
            rating_sum += r;
        }
        let mut latencies: Vec<(u16, u32)> = Vec::with_capacity(spec.latencies.len());
        for (region, ms) in spec.latencies {
            let id = self.region_id(region)?;
            match latencies.iter_mut().find(|(r, _)| *r == id) {
                Some(entry) => entry.1 = ms, // a region given twice: the last value counts
                None => latencies.push((id, ms)),
            }
        }
        let member = u32::try_from(self.buckets[bucket].members.len())
            .map_err(|_| PoolError::InvalidTicket("the pool is full".into()))?;
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slab.push(None);
            self.member_of.push(0);
            self.slab.len() - 1
        });
        self.member_of[slot] = member;
        self.buckets[bucket].members.push(slot);
        if self.stale > self.live.max(1024) {
            self.rebuild_index();
        }
        let hash = FxBuildHasher.hash_one(spec.id.as_str());
        let slab = &self.slab;
        self.index
            .insert_unique(hash, slot, |&s| slab[s].as_ref().map_or(0, |t| t.hash));
        self.live += 1;
        self.slab[slot] = Some(Ticket {
            id: spec.id,
            hash,
            size,
            rating: rating_sum / f64::from(size),
            rating_sum,
            latencies: latencies.into_boxed_slice(),
            enqueue_time: spec.enqueue_time,
            bucket,
        });
        Ok(())
    }

    /// Removes a ticket; false when it is not in the pool (already matched, expired or cancelled).
    pub fn cancel(&mut self, ticket_id: &str) -> bool {
        let Some(slot) = self.find(ticket_id) else {
            return false;
        };
        self.remove_slot(slot).is_some()
    }

    /// Adds (or replaces) a backfill request.
    ///
    /// # Errors
    /// `UnknownMode`, or `InvalidTicket` when the slots do not fit the mode's teams.
    pub fn add_backfill(&mut self, spec: BackfillSpec) -> Result<(), PoolError> {
        let bucket = self.mode(&spec.game, &spec.mode)?;
        let rules = &self.rules[bucket];
        if spec.open_slots.len() != rules.team_count as usize
            || spec.open_slots.iter().any(|&s| s > rules.team_size)
        {
            return Err(PoolError::InvalidTicket(format!(
                "open_slots needs {} entries of at most {}",
                rules.team_count, rules.team_size
            )));
        }
        if spec.open_slots.iter().all(|&s| s == 0) || !spec.rating.is_finite() {
            return Err(PoolError::InvalidTicket(
                "a backfill needs at least one open slot and a finite rating".into(),
            ));
        }
        self.region_id(spec.region.clone())?;
        self.buckets[bucket].backfills.insert(spec.id.clone(), spec);
        Ok(())
    }

    /// Withdraws a backfill request; false when unknown.
    pub fn cancel_backfill(&mut self, backfill_id: &str) -> bool {
        self.buckets
            .iter_mut()
            .any(|b| b.backfills.remove(backfill_id).is_some())
    }

    /// Runs one tick at time `now` (seconds, the same clock as `enqueue_time`).
    pub fn tick(&mut self, now: f64) -> TickOutcome {
        let mut work = std::mem::take(&mut self.work);
        work.region_rank.clear();
        work.region_rank.resize(self.regions.len(), 0);
        let mut names: Vec<(&str, usize)> = self
            .regions
            .iter()
            .enumerate()
            .map(|(i, r)| (&**r, i))
            .collect();
        names.sort_unstable();
        for (rank, (_, i)) in names.into_iter().enumerate() {
            // Region ids are u16, so there are at most 65,536 ranks.
            work.region_rank[i] = u16::try_from(rank).unwrap_or(u16::MAX);
        }
        // Every bucket is matched before any ticket leaves, so one `live` buffer serves them all.
        let mut results = Vec::with_capacity(self.buckets.len());
        {
            let mut live = Vec::new();
            for b in 0..self.buckets.len() {
                results.push(tick_bucket(self, b, now, &mut work, &mut live));
            }
        }
        self.work = work;
        let mut outcome = TickOutcome::default();
        for (b, (drafts, expired, filled_backfills)) in results.into_iter().enumerate() {
            let mut expired_ids: Vec<String> = expired
                .into_iter()
                .filter_map(|slot| self.remove_slot(slot))
                .map(|t| t.id)
                .collect();
            expired_ids.sort();
            outcome.expired.extend(expired_ids);
            for draft in drafts {
                let mut teams = vec![Vec::new(); draft.team_ratings.len()];
                for (team, slot) in draft.members {
                    if let Some(ticket) = self.remove_slot(slot) {
                        teams[team].push(ticket.id);
                    }
                }
                for ids in &mut teams {
                    ids.sort_unstable();
                }
                let (game, mode) = self.keys[b].clone();
                outcome.matches.push(FormedMatch {
                    game,
                    mode,
                    region: self.regions[usize::from(draft.region)].clone(),
                    teams,
                    team_ratings: draft.team_ratings,
                    quality: draft.quality,
                    backfill_id: draft.backfill_id,
                });
            }
            let bucket = &mut self.buckets[b];
            for (id, slots) in filled_backfills {
                if slots.iter().all(|&s| s == 0) {
                    bucket.backfills.remove(&id);
                } else if let Some(backfill) = bucket.backfills.get_mut(&id) {
                    backfill.open_slots = slots;
                }
            }
        }
        outcome
    }
}

/// A match as the tick forms it: slab slots per team; ids are filled in when the tickets leave.
struct Draft {
    region: u16,
    /// (team index, slab slot) of every ticket.
    members: Vec<(usize, usize)>,
    team_ratings: Vec<f64>,
    quality: f64,
    backfill_id: Option<String>,
}

type BucketResult = (Vec<Draft>, Vec<usize>, Vec<(String, Vec<u32>)>);

fn tick_bucket<'a>(
    pool: &'a Pool,
    b: usize,
    now: f64,
    work: &mut Workspace,
    live: &mut Vec<Live<'a>>,
) -> BucketResult {
    let rules = &pool.rules[b];
    let bucket = &pool.buckets[b];
    let mut expired = Vec::new();
    live.clear();
    for &slot in &bucket.members {
        let ticket = pool.slab[slot].as_ref().expect("members are live");
        let wait = (now - ticket.enqueue_time).max(0.0);
        if wait >= rules.max_wait_seconds {
            expired.push(slot);
            continue;
        }
        live.push(Live {
            rating: ticket.rating,
            enqueue_time: ticket.enqueue_time,
            window: rules.rating.at(wait),
            ceiling: rules.latency.at(wait),
            wait,
            slot,
            ticket,
        });
    }
    let live = &live[..];
    let Workspace {
        by_rating,
        anchors,
        taken,
        lanes,
        regions,
        region_rank,
        sort_keys,
        scratch,
    } = work;
    // Rating order for candidate scans (ties: older first, then id).
    order_by(by_rating, sort_keys, live, |l| l.rating, |l| l.enqueue_time);
    taken.clear();
    taken.resize(live.len(), false);
    let mut matches = Vec::new();

    // Backfills first, oldest first.
    let mut backfills: Vec<&BackfillSpec> = bucket.backfills.values().collect();
    backfills.sort_by(|x, y| {
        x.create_time
            .total_cmp(&y.create_time)
            .then_with(|| x.id.cmp(&y.id))
    });
    let mut filled = Vec::new();
    for backfill in backfills {
        let region = pool.region_index[&backfill.region];
        if let Some((draft, slots)) = fill_backfill(rules, backfill, region, live, by_rating, taken)
        {
            filled.push((backfill.id.clone(), slots));
            matches.push(draft);
        }
    }

    build_lanes(lanes, live, by_rating, pool.regions.len());

    // Then new matches, oldest anchor first; regions in order of the anchor's latency, then name.
    order_by(anchors, sort_keys, live, |l| l.enqueue_time, |_| 0.0);
    for &anchor in anchors.iter() {
        if taken[anchor] {
            continue;
        }
        regions.clear();
        regions.extend(
            live[anchor]
                .ticket
                .latencies
                .iter()
                .filter(|&&(_, ms)| f64::from(ms) <= live[anchor].ceiling)
                .map(|&(r, ms)| (ms, r)),
        );
        regions.sort_unstable_by_key(|&(ms, r)| (ms, region_rank[usize::from(r)]));
        for &(_, region) in regions.iter() {
            let lane = &mut lanes[usize::from(region)];
            if gather(rules, anchor, lane, live, taken, scratch) {
                for &i in &scratch.group {
                    taken[i] = true;
                }
                matches.push(form(rules, region, live, scratch));
                break;
            }
        }
    }
    (matches, expired, filled)
}

/// Fills `out` with `0..live.len()` ordered by `primary`, then `secondary`, then ticket id.
///
/// The primary number is sorted as an integer key with the index in one contiguous array: sorting
/// indices with a comparator that reads `live` through each of them was the tick's largest single
/// cost. Runs of equal primaries are then ordered by the rest, which keeps the order total and the
/// tick deterministic (runs are short, except many new players at the same initial rating).
fn order_by(
    out: &mut Vec<usize>,
    keys: &mut Vec<(u64, u32)>,
    live: &[Live<'_>],
    primary: impl Fn(&Live<'_>) -> f64,
    secondary: impl Fn(&Live<'_>) -> f64,
) {
    keys.clear();
    keys.extend(live.iter().enumerate().map(|(i, l)| {
        (
            ordered_bits(primary(l)),
            u32::try_from(i).expect("fewer than 4 billion tickets"),
        )
    }));
    keys.sort_unstable();
    let mut start = 0;
    while start < keys.len() {
        let mut end = start + 1;
        while end < keys.len() && keys[end].0 == keys[start].0 {
            end += 1;
        }
        if end - start > 1 {
            keys[start..end].sort_unstable_by(|x, y| {
                let (lx, ly) = (&live[x.1 as usize], &live[y.1 as usize]);
                secondary(lx)
                    .total_cmp(&secondary(ly))
                    .then_with(|| lx.ticket.id.cmp(&ly.ticket.id))
            });
        }
        start = end;
    }
    out.clear();
    out.extend(keys.iter().map(|k| k.1 as usize));
}

/// The bits of `x` as an integer that sorts like `f64::total_cmp`.
fn ordered_bits(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// Each region's eligible tickets in rating order: the buckets candidates are drawn from.
fn build_lanes(lanes: &mut Vec<Lane>, live: &[Live<'_>], by_rating: &[usize], regions: usize) {
    lanes.resize_with(regions, Lane::default);
    for lane in lanes.iter_mut() {
        lane.reset(live.len());
    }
    for &i in by_rating {
        for &(region, ms) in &live[i].ticket.latencies {
            if f64::from(ms) <= live[i].ceiling {
                lanes[usize::from(region)].push(i);
            }
        }
    }
    for lane in lanes.iter_mut() {
        lane.link();
    }
}

/// Whether `candidate` can join `group` on rating: every member's window must hold every rating.
fn windows_hold(group: &[usize], candidate: usize, live: &[Live<'_>]) -> bool {
    let (mut lo, mut hi) = (live[candidate].rating, live[candidate].rating);
    for &i in group {
        lo = lo.min(live[i].rating);
        hi = hi.max(live[i].rating);
    }
    group.iter().chain(std::iter::once(&candidate)).all(|&i| {
        let r = live[i].rating;
        hi - r <= live[i].window && r - lo <= live[i].window
    })
}

/// The tickets eligible in one region this tick, in rating order, with skip links over tickets
/// already matched (path-compressed), so scans stay near-linear as the pool empties.
#[derive(Default)]
struct Lane {
    order: Vec<usize>,
    position: Vec<u32>,
    next: Vec<usize>,
    prev: Vec<usize>,
}

const NONE: usize = usize::MAX;

impl Lane {
    /// Empties the lane for a bucket of `tickets` live tickets. Positions of tickets that are not
    /// pushed keep stale values; they are never read (only eligible anchors look themselves up).
    fn reset(&mut self, tickets: usize) {
        self.order.clear();
        self.position.resize(tickets, u32::MAX);
    }

    fn push(&mut self, ticket: usize) {
        self.position[ticket] =
            u32::try_from(self.order.len()).expect("fewer than 4 billion tickets");
        self.order.push(ticket);
    }

    fn link(&mut self) {
        let n = self.order.len();
        self.next.clear();
        self.next.extend(1..=n);
        self.prev.clear();
        self.prev
            .extend((0..n).map(|p| if p == 0 { NONE } else { p - 1 }));
    }

    /// The first unmatched position at or right of `p` (`order.len()` if none).
    fn right(&mut self, mut p: usize, matched: &[bool]) -> usize {
        let start = p;
        while p < self.order.len() && matched[self.order[p]] {
            p = self.next[p];
        }
        let mut q = start;
        while q < p && q < self.order.len() {
            let step = self.next[q];
            self.next[q] = p;
            q = step;
        }
        p
    }

    /// The first unmatched position at or left of `p` (`NONE` if none).
    fn left(&mut self, mut p: usize, matched: &[bool]) -> usize {
        let start = p;
        while p != NONE && matched[self.order[p]] {
            p = self.prev[p];
        }
        let mut q = start;
        while q != NONE && q != p {
            let step = self.prev[q];
            self.prev[q] = p;
            q = step;
        }
        p
    }
}

/// Buffers reused across anchors (a tick forms tens of thousands of groups).
#[derive(Default)]
struct Scratch {
    group: Vec<usize>,
    sizes: Vec<u32>,
    items: Vec<(u32, f64)>,
    balancer: Balancer,
}

/// Collects a full match around `anchor` from `lane` into `scratch.group`, nearest ratings first;
/// false if there is none. Candidates already in a match are skipped by the lane's links; the others
/// are considered in order of rating distance (ties: the lower rating) and taken when they fit.
fn gather(
    rules: &ModeRules,
    anchor: usize,
    lane: &mut Lane,
    live: &[Live<'_>],
    matched: &[bool],
    scratch: &mut Scratch,
) -> bool {
    let Scratch { group, sizes, .. } = scratch;
    group.clear();
    sizes.clear();
    group.push(anchor);
    sizes.push(live[anchor].ticket.size);
    let mut remaining = rules.players_per_match() - live[anchor].ticket.size;
    let anchor_rating = live[anchor].rating;
    let reach = live[anchor].window;
    let pos = lane.position[anchor] as usize;
    let mut left = if pos == 0 { NONE } else { pos - 1 };
    let mut right = pos + 1;
    while remaining > 0 {
        left = if left == NONE {
            NONE
        } else {
            lane.left(left, matched)
        };
        right = lane.right(right, matched);
        let left_diff = (left != NONE).then(|| anchor_rating - live[lane.order[left]].rating);
        let right_diff =
            (right < lane.order.len()).then(|| live[lane.order[right]].rating - anchor_rating);
        let take_left = match (left_diff, right_diff) {
            (Some(l), Some(r)) => l <= r,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return false,
        };
        let (idx, diff) = if take_left {
            let at = left;
            left = if at == 0 { NONE } else { at - 1 };
            (lane.order[at], left_diff.expect("checked"))
        } else {
            let at = right;
            right += 1;
            (lane.order[at], right_diff.expect("checked"))
        };
        if diff > reach {
            // Sorted by rating: everything further on this side is out of the anchor's window too.
            if take_left {
                left = NONE;
            } else {
                right = lane.order.len();
            }
            continue;
        }
        let candidate = &live[idx];
        if candidate.ticket.size > remaining || !windows_hold(group, idx, live) {
            continue;
        }
        if candidate.ticket.size > 1 {
            sizes.push(candidate.ticket.size);
            let fits = can_pack(sizes, rules.team_size, rules.team_count);
            sizes.pop();
            if !fits {
                continue;
            }
        }
        group.push(idx);
        sizes.push(candidate.ticket.size);
        remaining -= candidate.ticket.size;
    }
    true
}

fn form(rules: &ModeRules, region: u16, live: &[Live<'_>], scratch: &mut Scratch) -> Draft {
    let Scratch {
        group,
        items,
        balancer,
        ..
    } = scratch;
    let group = &group[..];
    items.clear();
    items.extend(
        group
            .iter()
            .map(|&i| (live[i].ticket.size, live[i].ticket.rating_sum)),
    );
    let assignment = balancer.balance(items, rules.team_size, rules.team_count);
    let mut members = Vec::with_capacity(group.len());
    let mut team_ratings = vec![0.0; rules.team_count as usize];
    for (k, &i) in group.iter().enumerate() {
        members.push((assignment[k], live[i].slot));
        team_ratings[assignment[k]] += live[i].ticket.rating_sum;
    }
    let quality = quality(rules, region, group, live, &team_ratings);
    Draft {
        region,
        members,
        team_ratings,
        quality,
        backfill_id: None,
    }
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
fn quality(
    rules: &ModeRules,
    region: u16,
    group: &[usize],
    live: &[Live<'_>],
    team_ratings: &[f64],
) -> f64 {
    let clamp = |x: f64| if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
    let (mut lo, mut hi, mut worst_ms, mut wait_sum) =
        (f64::INFINITY, f64::NEG_INFINITY, 0u32, 0.0);
    for &i in group {
        lo = lo.min(live[i].ticket.rating);
        hi = hi.max(live[i].ticket.rating);
        worst_ms = worst_ms.max(live[i].eligible(region).unwrap_or(0));
        wait_sum += live[i].wait;
    }
    let spread = 1.0 - (hi - lo) / (2.0 * rules.rating.end.max(1.0));
    let gap = team_ratings
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
        - team_ratings.iter().copied().fold(f64::INFINITY, f64::min);
    let balance = 1.0 - gap / f64::from(rules.team_size) / rules.rating.start.max(1.0);
    let latency = 1.0 - f64::from(worst_ms) / rules.latency.end.max(1.0);
    #[allow(clippy::cast_precision_loss)]
    let wait = 1.0 - wait_sum / group.len() as f64 / rules.max_wait_seconds;
    clamp(0.35 * clamp(spread) + 0.35 * clamp(balance) + 0.2 * clamp(latency) + 0.1 * clamp(wait))
}

/// Fills as many open slots of `backfill` as eligible tickets allow, nearest rating first. Returns
/// the match and the slots still open.
fn fill_backfill(
    rules: &ModeRules,
    backfill: &BackfillSpec,
    region: u16,
    live: &[Live<'_>],
    by_rating: &[usize],
    matched: &mut [bool],
) -> Option<(Draft, Vec<u32>)> {
    let mut slots = backfill.open_slots.clone();
    let mut order: Vec<usize> = by_rating
        .iter()
        .copied()
        .filter(|&i| {
            !matched[i]
                && live[i].eligible(region).is_some()
                && (live[i].ticket.rating - backfill.rating).abs() <= live[i].window
        })
        .collect();
    order.sort_by(|&x, &y| {
        let (dx, dy) = (
            (live[x].ticket.rating - backfill.rating).abs(),
            (live[y].ticket.rating - backfill.rating).abs(),
        );
        dx.total_cmp(&dy)
            .then(
                live[x]
                    .ticket
                    .enqueue_time
                    .total_cmp(&live[y].ticket.enqueue_time),
            )
            .then_with(|| live[x].ticket.id.cmp(&live[y].ticket.id))
    });
    let mut members = Vec::new();
    let mut team_ratings = vec![0.0; rules.team_count as usize];
    let mut group = Vec::new();
    for i in order {
        // The team with the most open slots that fits the ticket (ties: lowest index).
        let fit = (0..slots.len())
            .filter(|&t| slots[t] >= live[i].ticket.size)
            .max_by(|&x, &y| slots[x].cmp(&slots[y]).then(y.cmp(&x)));
        if let Some(t) = fit {
            slots[t] -= live[i].ticket.size;
            members.push((t, live[i].slot));
            team_ratings[t] += live[i].ticket.rating_sum;
            matched[i] = true;
            group.push(i);
            if slots.iter().all(|&s| s == 0) {
                break;
            }
        }
    }
    if group.is_empty() {
        return None;
    }
    let draft = Draft {
        region,
        members,
        quality: quality(rules, region, &group, live, &[0.0]),
        team_ratings,
        backfill_id: Some(backfill.id.clone()),
    };
    Some((draft, slots))
}

#[cfg(test)]
mod tests {
    use super::{BackfillSpec, ModeRules, Pool, PoolError, TicketSpec};
    use crate::schedule::Widening;

    fn rules(team_size: u32, team_count: u32) -> ModeRules {
        ModeRules {
            team_size,
            team_count,
            rating: Widening::RATING_DEFAULT,
            latency: Widening::LATENCY_DEFAULT,
            max_wait_seconds: 120.0,
        }
    }

    fn pool(team_size: u32, team_count: u32) -> Pool {
        Pool::new(vec![(
            ("g".into(), "m".into()),
            rules(team_size, team_count),
        )])
        .unwrap()
    }

    fn ticket(id: &str, ratings: &[f64], latencies: &[(&str, u32)], t: f64) -> TicketSpec {
        TicketSpec {
            id: id.into(),
            game: "g".into(),
            mode: "m".into(),
            players: ratings
                .iter()
                .enumerate()
                .map(|(i, &r)| (format!("{id}-p{i}"), r))
                .collect(),
            latencies: latencies
                .iter()
                .map(|&(r, ms)| (r.to_string(), ms))
                .collect(),
            enqueue_time: t,
        }
    }

    #[test]
    fn four_close_players_make_one_balanced_2v2() {
        let mut p = pool(2, 2);
        for (i, r) in [1500.0, 1520.0, 1480.0, 1510.0].iter().enumerate() {
            p.enqueue(ticket(&format!("t{i}"), &[*r], &[("eu", 30)], 0.0))
                .unwrap();
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
        p.enqueue(ticket("low", &[1000.0], &[("eu", 20)], 0.0))
            .unwrap();
        p.enqueue(ticket("high", &[1300.0], &[("eu", 20)], 0.0))
            .unwrap();
        assert!(
            p.tick(1.0).matches.is_empty(),
            "300 apart is outside the initial 100 window"
        );
        // At 30 s both windows are 100 + 400 * 30/40 = 400 wide.
        assert_eq!(p.tick(30.0).matches.len(), 1);
    }

    #[test]
    fn latency_ceiling_widens_and_picks_a_shared_region() {
        let mut p = pool(1, 2);
        p.enqueue(ticket("a", &[1500.0], &[("eu", 40), ("us", 120)], 0.0))
            .unwrap();
        p.enqueue(ticket("b", &[1500.0], &[("us", 45), ("eu", 110)], 0.0))
            .unwrap();
        assert!(
            p.tick(1.0).matches.is_empty(),
            "no region under both ceilings yet"
        );
        let out = p.tick(20.0);
        assert_eq!(out.matches.len(), 1);
        // At 20 s both ceilings are 150 ms: the anchor (a) tries its own best region first, and b is
        // eligible there at 110 ms.
        assert_eq!(&*out.matches[0].region, "eu");
    }

    #[test]
    fn parties_stay_whole_and_teams_are_exact() {
        let mut p = pool(3, 2);
        p.enqueue(ticket("duo1", &[1500.0, 1500.0], &[("eu", 20)], 0.0))
            .unwrap();
        p.enqueue(ticket("duo2", &[1500.0, 1510.0], &[("eu", 20)], 0.5))
            .unwrap();
        p.enqueue(ticket("duo3", &[1490.0, 1500.0], &[("eu", 20)], 0.6))
            .unwrap();
        assert!(
            p.tick(1.0).matches.is_empty(),
            "three duos cannot make two teams of three"
        );
        p.enqueue(ticket("solo1", &[1505.0], &[("eu", 20)], 0.7))
            .unwrap();
        p.enqueue(ticket("solo2", &[1495.0], &[("eu", 20)], 0.8))
            .unwrap();
        let out = p.tick(1.0);
        assert_eq!(out.matches.len(), 1);
        let m = &out.matches[0];
        assert!(m
            .teams
            .iter()
            .all(|t| t.iter().any(|id| id.starts_with("duo"))
                && t.iter().any(|id| id.starts_with("solo"))));
        assert_eq!(p.len(), 1, "one duo waits for the next match");
    }

    #[test]
    fn oldest_ticket_anchors_first_and_expired_tickets_leave() {
        let mut p = pool(1, 2);
        p.enqueue(ticket("old", &[1500.0], &[("eu", 20)], 0.0))
            .unwrap();
        p.enqueue(ticket("stale", &[100.0], &[("eu", 20)], -200.0))
            .unwrap();
        p.enqueue(ticket("near-new", &[1501.0], &[("eu", 20)], 5.0))
            .unwrap();
        p.enqueue(ticket("near-old", &[1499.0], &[("eu", 20)], 1.0))
            .unwrap();
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
            p.enqueue(ticket(&format!("t{i}"), &[*r], &[("eu", 20)], 0.0))
                .unwrap();
        }
        p.add_backfill(BackfillSpec {
            id: "bf".into(),
            game: "g".into(),
            mode: "m".into(),
            region: "eu".into(),
            open_slots: vec![1, 0],
            rating: 1500.0,
            create_time: 0.0,
        })
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
        assert!(matches!(
            p.enqueue(ticket("x", &[1.0, 2.0, 3.0], &[("eu", 1)], 0.0)),
            Err(PoolError::InvalidTicket(_))
        ));
        assert!(matches!(
            p.enqueue(ticket("x", &[1.0], &[], 0.0)),
            Err(PoolError::InvalidTicket(_))
        ));
        assert!(matches!(
            p.enqueue(ticket("x", &[-1.0], &[("eu", 1)], 0.0)),
            Err(PoolError::InvalidTicket(_))
        ));
        let mut other = ticket("x", &[1.0], &[("eu", 1)], 0.0);
        other.mode = "nope".into();
        assert!(matches!(
            p.enqueue(other),
            Err(PoolError::UnknownMode { .. })
        ));
        p.enqueue(ticket("x", &[1.0], &[("eu", 1)], 0.0)).unwrap();
        assert!(matches!(
            p.enqueue(ticket("x", &[1.0], &[("eu", 1)], 0.0)),
            Err(PoolError::DuplicateTicket(_))
        ));
        assert!(p.cancel("x") && !p.cancel("x"));
    }

    #[test]
    fn ordered_bits_sort_like_total_cmp() {
        let mut xs = [3.5, -0.0, 0.0, -2.0, f64::INFINITY, 1e-300, -1e300, 1500.25];
        let mut ys = xs;
        xs.sort_by(f64::total_cmp);
        ys.sort_by_key(|&x| super::ordered_bits(x));
        assert_eq!(xs.map(f64::to_bits), ys.map(f64::to_bits));
    }

    #[test]
    fn the_id_index_stays_right_through_churn() {
        // Removals leave stale index entries behind until a rebuild; lookups must never be fooled.
        let mut p = pool(1, 2);
        for round in 0..5u32 {
            for i in 0..1500u32 {
                let id = format!("t{}", i % 1700); // ids come back after they leave
                if !p.contains(&id) {
                    p.enqueue(ticket(
                        &id,
                        &[1000.0 + f64::from(i % 7) * 300.0],
                        &[("eu", 20)],
                        f64::from(round),
                    ))
                    .unwrap();
                }
                if i % 3 == 0 {
                    assert!(p.cancel(&id) && !p.contains(&id));
                }
            }
            let before = p.len();
            let out = p.tick(f64::from(round) + 1.0);
            let gone: usize = out
                .matches
                .iter()
                .flat_map(|m| m.teams.iter())
                .map(Vec::len)
                .sum();
            assert_eq!(p.len(), before - gone - out.expired.len());
            for m in &out.matches {
                for id in m.teams.iter().flatten() {
                    assert!(!p.contains(id), "{id} was matched and must be gone");
                    assert!(!p.cancel(id));
                }
            }
        }
        let live: Vec<String> = (0..1700)
            .map(|i| format!("t{i}"))
            .filter(|id| p.contains(id))
            .collect();
        assert_eq!(live.len(), p.len());
        for id in &live {
            assert!(matches!(
                p.enqueue(ticket(id, &[1.0], &[("eu", 1)], 0.0)),
                Err(PoolError::DuplicateTicket(_))
            ));
        }
    }

    #[test]
    fn same_inputs_same_output() {
        let build = || {
            let mut p = pool(2, 2);
            for i in 0..40u32 {
                let r = 1200.0 + f64::from((i * 37) % 600);
                p.enqueue(ticket(
                    &format!("t{i:02}"),
                    &[r],
                    &[("eu", 20 + i % 40), ("us", 60 - i % 30)],
                    f64::from(i) * 0.1,
                ))
                .unwrap();
            }
            p
        };
        assert_eq!(build().tick(10.0), build().tick(10.0));
    }
}
