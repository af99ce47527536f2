"""Playmesh's matchmaking core in Rust. ``Widening`` mirrors the schedule the Rust side reads."""

from __future__ import annotations

import dataclasses

from matchmaker_rs._native import __version__, widening_at

__all__ = ["Widening", "widening_at", "__version__", "RATING_DEFAULT", "LATENCY_DEFAULT"]


@dataclasses.dataclass(frozen=True, slots=True)
class Widening:
    """Linear widening from ``start`` to ``end`` over ``seconds`` of waiting."""

    start: float
    end: float
    seconds: float


RATING_DEFAULT = Widening(100.0, 500.0, 40.0)
LATENCY_DEFAULT = Widening(50.0, 150.0, 20.0)
