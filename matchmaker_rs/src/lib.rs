//! Playmesh's matchmaking core. The pure algorithm lives in Rust modules with their own tests; the
//! `_native` Python module is a thin pyo3 boundary over them.
//!
//! So far: the widening schedules of the search window. The ticket pool and the tick arrive with the
//! matchmaking issue.

pub mod schedule;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use schedule::Widening;

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
        let w = Widening { start: value.start, end: value.end, seconds: value.seconds };
        w.validate().map_err(PyValueError::new_err)?;
        Ok(w)
    }
}

/// The window width of `schedule` after waiting `wait_seconds`.
#[pyfunction]
fn widening_at(schedule: PyWidening, wait_seconds: f64) -> PyResult<f64> {
    Ok(Widening::try_from(schedule)?.at(wait_seconds))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(widening_at, m)?)?;
    Ok(())
}
