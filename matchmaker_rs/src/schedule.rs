//! Widening schedules: how a ticket's search window grows with its wait.
//!
//! Both the rating window (default 100 → 500 over 40 s) and the latency ceiling (default 50 → 150 ms
//! over 20 s) widen linearly from `start` to `end` over `seconds`, then stay at `end`.

/// A linear widening from `start` to `end` over `seconds` of waiting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Widening {
    pub start: f64,
    pub end: f64,
    pub seconds: f64,
}

impl Widening {
    pub const RATING_DEFAULT: Widening = Widening {
        start: 100.0,
        end: 500.0,
        seconds: 40.0,
    };
    pub const LATENCY_DEFAULT: Widening = Widening {
        start: 50.0,
        end: 150.0,
        seconds: 20.0,
    };

    /// The width after waiting `wait_seconds`. Negative waits (clock skew) count as zero; a zero-length
    /// schedule is already fully widened.
    #[must_use]
    pub fn at(&self, wait_seconds: f64) -> f64 {
        let wait = wait_seconds.max(0.0);
        if self.seconds <= 0.0 || wait >= self.seconds {
            return self.end;
        }
        self.start + (self.end - self.start) * (wait / self.seconds)
    }

    /// Every problem of the schedule, as (field, why) with field `start`, `end` or `seconds`: each value
    /// finite and not negative, and `start` not above `end` (a schedule never narrows).
    #[must_use]
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (field, value) in [
            ("start", self.start),
            ("end", self.end),
            ("seconds", self.seconds),
        ] {
            if !value.is_finite() {
                out.push((field, "must be a finite number".to_string()));
            } else if value < 0.0 {
                out.push((field, "must not be negative".to_string()));
            }
        }
        if out.is_empty() && self.start > self.end {
            out.push(("start", format!("must not be above the end ({})", self.end)));
        }
        out
    }

    /// Checks the schedule is usable (see `problems`).
    ///
    /// # Errors
    /// A message naming the first problem found.
    pub fn validate(&self) -> Result<(), String> {
        match self.problems().into_iter().next() {
            None => Ok(()),
            Some((field, why)) => Err(format!("widening {field} {why}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Widening;

    #[test]
    fn widens_linearly_then_holds() {
        let w = Widening::RATING_DEFAULT;
        assert!((w.at(0.0) - 100.0).abs() < 1e-9);
        assert!((w.at(20.0) - 300.0).abs() < 1e-9);
        assert!((w.at(40.0) - 500.0).abs() < 1e-9);
        assert!((w.at(400.0) - 500.0).abs() < 1e-9);
    }

    #[test]
    fn negative_wait_counts_as_zero() {
        assert!((Widening::LATENCY_DEFAULT.at(-5.0) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn zero_length_schedule_is_fully_wide() {
        let w = Widening {
            start: 10.0,
            end: 20.0,
            seconds: 0.0,
        };
        assert!((w.at(0.0) - 20.0).abs() < 1e-9);
    }

    #[test]
    fn validation_refuses_narrowing_and_nan() {
        assert!(Widening {
            start: 5.0,
            end: 1.0,
            seconds: 1.0
        }
        .validate()
        .is_err());
        assert!(Widening {
            start: f64::NAN,
            end: 1.0,
            seconds: 1.0
        }
        .validate()
        .is_err());
        assert!(Widening::RATING_DEFAULT.validate().is_ok());
    }
}
