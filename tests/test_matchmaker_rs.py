"""The Rust extension builds, imports, and its boundary behaves: schedules cross as plain objects,
bad schedules raise ValueError. The algorithm itself is tested in Rust (`cargo test`)."""

from __future__ import annotations

import math

import pytest

import matchmaker_rs
from matchmaker_rs import LATENCY_DEFAULT, RATING_DEFAULT, Widening, widening_at


def test_defaults_match_the_documented_schedules() -> None:
    assert [widening_at(RATING_DEFAULT, t) for t in (0, 20, 40, 400)] == [100, 300, 500, 500]
    assert widening_at(LATENCY_DEFAULT, 10) == 100
    assert matchmaker_rs.__version__ == "0.1.0"


@pytest.mark.parametrize("bad", [Widening(5, 1, 1), Widening(math.nan, 1, 1), Widening(-1, 1, 1)])
def test_bad_schedules_raise(bad: Widening) -> None:
    with pytest.raises(ValueError, match="widening"):
        widening_at(bad, 1)


def test_missing_fields_name_the_field() -> None:
    with pytest.raises(AttributeError, match="start"):
        widening_at(object(), 1)  # type: ignore[arg-type]
