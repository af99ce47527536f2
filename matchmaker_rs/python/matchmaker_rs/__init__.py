"""Playmesh's matchmaking core in Rust.

``Matchmaker`` keeps the ticket pool in Rust between ticks; ``tick(now)`` forms matches with the GIL
released. ``ModeRules`` and ``Widening`` are the configuration that crosses once, at construction.
``matchmaker_rs.reference`` is a pure-Python implementation of the same specification, kept only for
property tests and the benchmark ratio.

Exceptions::

    MatchmakerError
    ├── UnknownModeError       the ticket names a mode the matchmaker was not configured with
    ├── DuplicateTicketError   the ticket id is already in the pool
    └── InvalidTicketError     empty party, party larger than a team, no latencies, bad rating
    (ValueError for unusable rules or schedules)
"""

from __future__ import annotations

import dataclasses

from matchmaker_rs._native import (
    DuplicateTicketError,
    InvalidTicketError,
    Match,
    Matchmaker,
    MatchmakerError,
    TickResult,
    UnknownModeError,
    __version__,
    widening_at,
)

__all__ = [
    "LATENCY_DEFAULT",
    "RATING_DEFAULT",
    "DuplicateTicketError",
    "InvalidTicketError",
    "Match",
    "Matchmaker",
    "MatchmakerError",
    "ModeRules",
    "TickResult",
    "UnknownModeError",
    "Widening",
    "__version__",
    "widening_at",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Widening:
    """Linear widening from ``start`` to ``end`` over ``seconds`` of waiting."""

    start: float
    end: float
    seconds: float


RATING_DEFAULT = Widening(100.0, 500.0, 40.0)
LATENCY_DEFAULT = Widening(50.0, 150.0, 20.0)


@dataclasses.dataclass(frozen=True, slots=True)
class ModeRules:
    """How one game mode is matched: team shape, the two widening schedules, the longest wait."""

    game: str
    mode: str
    team_size: int
    team_count: int
    rating: Widening = RATING_DEFAULT
    latency: Widening = LATENCY_DEFAULT
    max_wait_seconds: float = 120.0
