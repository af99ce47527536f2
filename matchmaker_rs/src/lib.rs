//! Playmesh's matchmaking core. The algorithm lives in plain Rust modules with their own tests
//! (`schedule`, `teams`, `pool`); the `_native` Python module is a thin pyo3 boundary over them:
//! configuration crosses once, tickets cross as plain values on enqueue and cancel, the pool stays in
//! Rust between ticks, and each tick runs with the GIL released.
//!
//! The service drives the pool through a second, batched path (`enqueue_encoded`, `tick_encoded`,
//! `requeue`, `queue_stats`): stored tickets go in as their protobuf bytes and a tick comes out as the
//! encoded `Match` messages and the commit payload, so no Python object is built per ticket or match
//! and all of it runs with the GIL released (`wire`, `commit`).

pub mod commit;
pub mod pool;
pub mod schedule;
pub mod teams;
pub mod wire;

use prost::Message as _;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rustc_hash::FxHashMap;
use std::sync::Arc;

use pool::{BackfillSpec, FormedMatch, ModeRules, Pool, PoolError, TicketSpec};
use schedule::Widening;

create_exception!(
    _native,
    MatchmakerError,
    PyException,
    "Base of the errors the matchmaker raises."
);
create_exception!(
    _native,
    UnknownModeError,
    MatchmakerError,
    "The ticket names a game mode the matchmaker was not configured with."
);
create_exception!(
    _native,
    DuplicateTicketError,
    MatchmakerError,
    "A ticket with this id is already in the pool."
);
create_exception!(
    _native,
    InvalidTicketError,
    MatchmakerError,
    "The ticket or backfill cannot be matched as given."
);

impl From<PoolError> for PyErr {
    fn from(err: PoolError) -> PyErr {
        let message = err.to_string();
        match err {
            PoolError::UnknownMode { .. } => UnknownModeError::new_err(message),
            PoolError::DuplicateTicket(_) => DuplicateTicketError::new_err(message),
            PoolError::InvalidTicket(_) => InvalidTicketError::new_err(message),
            PoolError::InvalidRules(_) => PyValueError::new_err(message),
        }
    }
}

/// A widening schedule as Python passes it (any object with `start`, `end` and `seconds`).
#[derive(FromPyObject)]
struct PyWidening {
    start: f64,
    end: f64,
    seconds: f64,
}

impl TryFrom<PyWidening> for Widening {
    type Error = PyErr;

    fn try_from(value: PyWidening) -> PyResult<Self> {
        let w = Widening {
            start: value.start,
            end: value.end,
            seconds: value.seconds,
        };
        w.validate().map_err(PyValueError::new_err)?;
        Ok(w)
    }
}

/// One mode's rules as Python passes them (`matchmaker_rs.ModeRules`). Team sizes cross as wide
/// integers so an out-of-range one is reported by `validate_rules`, not refused by the conversion.
#[derive(FromPyObject)]
struct PyModeRules {
    game: String,
    mode: String,
    team_size: i64,
    team_count: i64,
    rating: PyWidening,
    latency: PyWidening,
    max_wait_seconds: f64,
}

impl PyModeRules {
    fn into_rules(self) -> ModeRules {
        let widening = |w: &PyWidening| Widening {
            start: w.start,
            end: w.end,
            seconds: w.seconds,
        };
        ModeRules {
            // Out of u32's range counts as 0, which `problems` reports as out of range.
            team_size: u32::try_from(self.team_size).unwrap_or(0),
            team_count: u32::try_from(self.team_count).unwrap_or(0),
            rating: widening(&self.rating),
            latency: widening(&self.latency),
            max_wait_seconds: self.max_wait_seconds,
        }
    }
}

/// Every problem of one mode's rules as (field, why), empty when `Matchmaker` accepts them. Fields:
/// `team_size`, `team_count`, `rating.start`, `rating.end`, `rating.seconds`, `latency.start`,
/// `latency.end`, `latency.seconds`, `max_wait_seconds`.
#[pyfunction]
fn validate_rules(rules: PyModeRules) -> Vec<(String, String)> {
    rules.into_rules().problems()
}

/// The window width of `schedule` after waiting `wait_seconds`.
#[pyfunction]
fn widening_at(schedule: PyWidening, wait_seconds: f64) -> PyResult<f64> {
    Ok(Widening::try_from(schedule)?.at(wait_seconds))
}

/// A formed match: ticket ids per team, the teams' rating sums, and its quality in [0, 1].
///
/// Holds the Rust match and converts a field when Python reads it: a tick returns tens of
/// thousands of matches, and the service reads each once.
#[pyclass(module = "matchmaker_rs._native", frozen)]
struct Match(Arc<FormedMatch>);

#[pymethods]
impl Match {
    #[getter]
    fn game(&self) -> &str {
        &self.0.game
    }

    #[getter]
    fn mode(&self) -> &str {
        &self.0.mode
    }

    #[getter]
    fn region(&self) -> &str {
        &self.0.region
    }

    #[getter]
    fn teams(&self) -> Vec<Vec<String>> {
        self.0.teams.clone()
    }

    #[getter]
    fn team_ratings(&self) -> Vec<f64> {
        self.0.team_ratings.clone()
    }

    #[getter]
    fn quality(&self) -> f64 {
        self.0.quality
    }

    #[getter]
    fn backfill_id(&self) -> Option<&str> {
        self.0.backfill_id.as_deref()
    }

    fn __repr__(&self) -> String {
        format!(
            "Match(region={:?}, teams={:?}, quality={:.3})",
            self.0.region, self.0.teams, self.0.quality
        )
    }
}

/// What one tick did: the matches formed and the tickets that expired.
#[pyclass(module = "matchmaker_rs._native", frozen)]
struct TickResult {
    matches: Vec<Arc<FormedMatch>>,
    expired: Vec<String>,
}

#[pymethods]
impl TickResult {
    /// A new list on each read (the matches themselves are shared, not copied).
    #[getter]
    fn matches(&self) -> Vec<Match> {
        self.matches.iter().cloned().map(Match).collect()
    }

    #[getter]
    fn expired(&self) -> Vec<String> {
        self.expired.clone()
    }
}

/// What the service commits after a tick (`Matchmaker.tick_encoded`).
#[pyclass(module = "matchmaker_rs._native", frozen)]
struct EncodedTick {
    chunks: Vec<Vec<u8>>,
    #[pyo3(get)]
    matches: usize,
    #[pyo3(get)]
    matched_tickets: usize,
    #[pyo3(get)]
    expired: usize,
    #[pyo3(get)]
    match_counts: Vec<(String, String, usize)>,
}

#[pymethods]
impl EncodedTick {
    /// The commit payload in parts of about `chunk_tickets` tickets each (`commit.rs`).
    #[getter]
    fn chunks<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.chunks.iter().map(|c| PyBytes::new(py, c)).collect()
    }
}

/// The matchmaking pool.
///
/// Thread safety: pyo3 checks borrows at run time, so a call made while `tick` or `tick_encoded`
/// runs on another thread (with the GIL released) raises `RuntimeError` instead of racing. The
/// service serializes the calls on each pool, and runs the tick on a worker thread.
#[pyclass(module = "matchmaker_rs._native")]
struct Matchmaker {
    pool: Pool,
    /// Each waiting ticket as enqueued: the players of a match and the ticket to put back if its
    /// commit is refused come from here.
    specs: FxHashMap<String, TicketSpec>,
    /// The tickets of the last `tick_encoded`'s matches, until the next: `requeue` takes them back.
    stash: FxHashMap<String, TicketSpec>,
    /// Tickets that came through `enqueue_encoded` since the last `tick_encoded`.
    fresh: Vec<String>,
}

impl Matchmaker {
    fn add(&mut self, spec: TicketSpec) -> Result<(), PoolError> {
        self.pool.enqueue(spec.clone())?;
        self.specs.insert(spec.id.clone(), spec);
        Ok(())
    }
}

#[pymethods]
impl Matchmaker {
    #[new]
    fn new(modes: Vec<PyModeRules>) -> PyResult<Self> {
        let rules = modes
            .into_iter()
            .map(|m| ((m.game.clone(), m.mode.clone()), m.into_rules()))
            .collect();
        Ok(Matchmaker {
            pool: Pool::new(rules)?,
            specs: FxHashMap::default(),
            stash: FxHashMap::default(),
            fresh: Vec::new(),
        })
    }

    /// Adds a ticket: `players` are (player id, rating), `latencies` are (region, ms).
    #[pyo3(signature = (ticket_id, game, mode, players, latencies, enqueue_time))]
    fn enqueue(
        &mut self,
        ticket_id: String,
        game: String,
        mode: String,
        players: Vec<(String, f64)>,
        latencies: Vec<(String, u32)>,
        enqueue_time: f64,
    ) -> PyResult<()> {
        Ok(self.add(TicketSpec {
            id: ticket_id,
            game,
            mode,
            players,
            latencies,
            enqueue_time,
        })?)
    }

    /// Adds stored tickets of `game` (serialized `playmesh.matchmaking.v1.Ticket` messages), with
    /// the GIL released. Tickets already in the pool are skipped; the others that cannot be added
    /// come back as (ticket id, why).
    fn enqueue_encoded(
        &mut self,
        py: Python<'_>,
        game: &str,
        tickets: Vec<Bound<'_, PyBytes>>,
    ) -> Vec<(String, String)> {
        let raw: Vec<Vec<u8>> = tickets.into_iter().map(|b| b.as_bytes().to_vec()).collect();
        py.detach(|| {
            let mut refused = Vec::new();
            for bytes in raw {
                let spec = match wire::Ticket::decode(bytes.as_slice()) {
                    Ok(ticket) => {
                        let id = ticket.id.clone();
                        match ticket.into_spec(game) {
                            Ok(spec) => spec,
                            Err(why) => {
                                refused.push((id, why));
                                continue;
                            }
                        }
                    }
                    Err(err) => {
                        refused.push((String::new(), format!("not a Ticket: {err}")));
                        continue;
                    }
                };
                let id = spec.id.clone();
                match self.add(spec) {
                    Ok(()) => self.fresh.push(id),
                    Err(PoolError::DuplicateTicket(_)) => {}
                    Err(err) => refused.push((id, err.to_string())),
                }
            }
            refused
        })
    }

    /// Removes a ticket; False when it is not in the pool.
    fn cancel(&mut self, ticket_id: &str) -> bool {
        self.specs.remove(ticket_id);
        self.pool.cancel(ticket_id)
    }

    /// Adds a backfill request: open slots per team of a running session in `region`.
    #[pyo3(signature = (backfill_id, game, mode, region, open_slots, rating, create_time))]
    #[allow(clippy::too_many_arguments)]
    fn add_backfill(
        &mut self,
        backfill_id: String,
        game: String,
        mode: String,
        region: String,
        open_slots: Vec<u32>,
        rating: f64,
        create_time: f64,
    ) -> PyResult<()> {
        Ok(self.pool.add_backfill(BackfillSpec {
            id: backfill_id,
            game,
            mode,
            region,
            open_slots,
            rating,
            create_time,
        })?)
    }

    /// Withdraws a backfill request; False when unknown.
    fn cancel_backfill(&mut self, backfill_id: &str) -> bool {
        self.pool.cancel_backfill(backfill_id)
    }

    /// Runs one tick at `now` (same clock as the enqueue times), with the GIL released.
    fn tick(&mut self, py: Python<'_>, now: f64) -> TickResult {
        let outcome = py.detach(|| {
            let outcome = self.pool.tick(now);
            for id in outcome
                .matches
                .iter()
                .flat_map(|m| m.teams.iter().flatten())
                .chain(&outcome.expired)
            {
                self.specs.remove(id);
            }
            outcome
        });
        TickResult {
            matches: outcome.matches.into_iter().map(Arc::new).collect(),
            expired: outcome.expired,
        }
    }

    /// Runs one tick at `now` for the service, with the GIL released throughout: the matches are
    /// encoded as `Match` messages of `game_id` (a new UUID each, created at `now`) and, with the
    /// expired tickets and the fresh tickets still waiting, written as the commit payload in parts of
    /// about `chunk_tickets` tickets. The matched tickets stay at hand for `requeue` until the next call.
    #[pyo3(signature = (now, game_id, chunk_tickets = 2000))]
    fn tick_encoded(
        &mut self,
        py: Python<'_>,
        now: f64,
        game_id: &str,
        chunk_tickets: usize,
    ) -> EncodedTick {
        py.detach(|| {
            self.stash.clear();
            let outcome = self.pool.tick(now);
            let mut payload = commit::Payload::new(chunk_tickets);
            let mut counts = std::collections::BTreeMap::<(String, String), usize>::new();
            let created = wire::Timestamp::from_seconds(now);
            let mut matched_tickets = 0;
            for found in &outcome.matches {
                *counts
                    .entry((found.mode.to_string(), found.region.to_string()))
                    .or_default() += 1;
                let mut teams = Vec::with_capacity(found.teams.len());
                let mut ticket_ids = Vec::new();
                let mut player_ids = Vec::new();
                for (index, team) in found.teams.iter().enumerate() {
                    let mut players = Vec::new();
                    for ticket_id in team {
                        let Some(spec) = self.specs.remove(ticket_id) else {
                            continue;
                        };
                        for (player, rating) in &spec.players {
                            players.push(wire::MatchPlayer {
                                player_id: player.clone(),
                                ticket_id: ticket_id.clone(),
                                rating: *rating,
                            });
                            player_ids.push(player.clone());
                        }
                        ticket_ids.push(ticket_id.clone());
                        self.stash.insert(ticket_id.clone(), spec);
                    }
                    let rating_sum = players.iter().map(|p| p.rating).sum();
                    teams.push(wire::Team {
                        index: i32::try_from(index).unwrap_or(i32::MAX),
                        players,
                        rating_sum,
                    });
                }
                matched_tickets += ticket_ids.len();
                let message = wire::Match {
                    id: uuid::Uuid::new_v4().to_string(),
                    game_id: game_id.to_string(),
                    mode: found.mode.to_string(),
                    region: found.region.to_string(),
                    teams,
                    quality: found.quality,
                    create_time: Some(created),
                    backfill_id: found.backfill_id.clone().unwrap_or_default(),
                };
                payload.add_match(&message.encode_to_vec(), &ticket_ids, &player_ids);
            }
            for ticket_id in &outcome.expired {
                let players: Vec<String> = self
                    .specs
                    .remove(ticket_id)
                    .map(|s| s.players.into_iter().map(|(p, _)| p).collect())
                    .unwrap_or_default();
                payload.add_expired(ticket_id, &players);
            }
            for ticket_id in std::mem::take(&mut self.fresh) {
                if self.pool.contains(&ticket_id) {
                    payload.add_searching(&ticket_id);
                }
            }
            EncodedTick {
                chunks: payload.finish(),
                matches: outcome.matches.len(),
                matched_tickets,
                expired: outcome.expired.len(),
                match_counts: counts
                    .into_iter()
                    .map(|((mode, region), n)| (mode, region, n))
                    .collect(),
            }
        })
    }

    /// Puts tickets of the last `tick_encoded`'s matches back in the pool (their match was not
    /// committed); returns how many went back.
    fn requeue(&mut self, ticket_ids: Vec<String>) -> PyResult<usize> {
        let mut back = 0;
        for id in ticket_ids {
            if let Some(spec) = self.stash.remove(&id) {
                self.add(spec)?;
                back += 1;
            }
        }
        Ok(back)
    }

    /// Figures of the waiting tickets per (mode, region) at `now`: (mode, region, players, wait p50,
    /// wait p95) in seconds, sorted. A ticket counts in its lowest-latency region (ties by name),
    /// where it will most likely play.
    fn queue_stats(&self, py: Python<'_>, now: f64) -> Vec<(String, String, usize, f64, f64)> {
        py.detach(|| {
            let mut groups = std::collections::BTreeMap::<(&str, &str), (usize, Vec<f64>)>::new();
            for spec in self.specs.values() {
                let Some((region, _)) = spec
                    .latencies
                    .iter()
                    .min_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
                else {
                    continue;
                };
                let entry = groups
                    .entry((spec.mode.as_str(), region.as_str()))
                    .or_default();
                entry.0 += spec.players.len();
                entry.1.push((now - spec.enqueue_time).max(0.0));
            }
            groups
                .into_iter()
                .map(|((mode, region), (players, mut waits))| {
                    waits.sort_by(f64::total_cmp);
                    (
                        mode.to_string(),
                        region.to_string(),
                        players,
                        percentile(&waits, 0.5),
                        percentile(&waits, 0.95),
                    )
                })
                .collect()
        })
    }

    fn __len__(&self) -> usize {
        self.pool.len()
    }

    fn __contains__(&self, ticket_id: &str) -> bool {
        self.pool.contains(ticket_id)
    }
}

/// `sorted[min(n - 1, floor(q * n))]`, 0 for no values.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((q * sorted.len() as f64) as usize).min(sorted.len() - 1)]
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(widening_at, m)?)?;
    m.add_function(wrap_pyfunction!(validate_rules, m)?)?;
    m.add_class::<EncodedTick>()?;
    m.add_class::<Matchmaker>()?;
    m.add_class::<Match>()?;
    m.add_class::<TickResult>()?;
    m.add("MatchmakerError", m.py().get_type::<MatchmakerError>())?;
    m.add("UnknownModeError", m.py().get_type::<UnknownModeError>())?;
    m.add(
        "DuplicateTicketError",
        m.py().get_type::<DuplicateTicketError>(),
    )?;
    m.add(
        "InvalidTicketError",
        m.py().get_type::<InvalidTicketError>(),
    )?;
    Ok(())
}

/// Rust's own allocations (Python's are untouched) go to mimalloc: a tick allocates and frees tens
/// of thousands of small buffers, and with glibc's malloc its 100k-ticket tick took 1.4 to 1.6 times
/// as long (`cargo run --release --example tick`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
