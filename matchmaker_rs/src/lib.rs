//! Playmesh's matchmaking core. The algorithm lives in plain Rust modules with their own tests
//! (`schedule`, `teams`, `pool`); the `_native` Python module is a thin pyo3 boundary over them:
//! configuration crosses once, tickets cross as plain values on enqueue and cancel, the pool stays in
//! Rust between ticks, and each tick runs with the GIL released.

pub mod pool;
pub mod schedule;
pub mod teams;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
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

/// One mode's rules as Python passes them (`matchmaker_rs.ModeRules`).
#[derive(FromPyObject)]
struct PyModeRules {
    game: String,
    mode: String,
    team_size: u32,
    team_count: u32,
    rating: PyWidening,
    latency: PyWidening,
    max_wait_seconds: f64,
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

/// The matchmaking pool. Not thread-safe on its own: one owner calls it (the service's tick loop).
#[pyclass(module = "matchmaker_rs._native")]
struct Matchmaker {
    pool: Pool,
}

#[pymethods]
impl Matchmaker {
    #[new]
    fn new(modes: Vec<PyModeRules>) -> PyResult<Self> {
        let mut rules = Vec::with_capacity(modes.len());
        for m in modes {
            let r = ModeRules {
                team_size: m.team_size,
                team_count: m.team_count,
                rating: Widening::try_from(m.rating)?,
                latency: Widening::try_from(m.latency)?,
                max_wait_seconds: m.max_wait_seconds,
            };
            rules.push(((m.game, m.mode), r));
        }
        Ok(Matchmaker {
            pool: Pool::new(rules)?,
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
        Ok(self.pool.enqueue(TicketSpec {
            id: ticket_id,
            game,
            mode,
            players,
            latencies,
            enqueue_time,
        })?)
    }

    /// Removes a ticket; False when it is not in the pool.
    fn cancel(&mut self, ticket_id: &str) -> bool {
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
        let pool = &mut self.pool;
        let outcome = py.detach(move || pool.tick(now));
        TickResult {
            matches: outcome.matches.into_iter().map(Arc::new).collect(),
            expired: outcome.expired,
        }
    }

    fn __len__(&self) -> usize {
        self.pool.len()
    }

    fn __contains__(&self, ticket_id: &str) -> bool {
        self.pool.contains(ticket_id)
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(widening_at, m)?)?;
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
