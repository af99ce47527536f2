"""Playmesh's matchmaking core in Rust.

``Matchmaker`` keeps the ticket pool in Rust between ticks; ``tick(now)`` forms matches with the GIL
released. ``ModeRules`` and ``Widening`` are the configuration that crosses once, at construction;
``ModeRules.validate()`` lists what the matchmaker would refuse in them, field by field.

The service uses the batched path: ``enqueue_encoded`` takes stored ``Ticket`` messages as bytes,
``tick_encoded`` returns the encoded matches as its Redis commit payload, ``requeue`` puts back the
tickets of a match whose commit was refused, and ``queue_stats`` gives the waiting figures.
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
    EncodedTick,
    InvalidTicketError,
    Match,
    Matchmaker,
    MatchmakerError,
    TickResult,
    UnknownModeError,
    __version__,
    validate_rules,
    widening_at,
)

__all__ = [
    "DEFAULT_MAX_WAIT_SECONDS",
    "LATENCY_DEFAULT",
    "RATING_DEFAULT",
    "DuplicateTicketError",
    "EncodedTick",
    "InvalidTicketError",
    "Match",
    "Matchmaker",
    "MatchmakerError",
    "ModeRules",
    "TickResult",
    "UnknownModeError",
    "Widening",
    "__version__",
    "validate_rules",
    "widening_at",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Widening:
    """Linear widening from ``start`` to ``end`` over ``seconds`` of waiting."""

    start: float
    end: float
    seconds: float

    def or_default(self, default: Widening) -> Widening:
        """Zero values replaced by ``default``'s (a game's configuration says "zero: the default")."""
        return Widening(self.start or default.start, self.end or default.end, self.seconds or default.seconds)


RATING_DEFAULT = Widening(100.0, 500.0, 40.0)
LATENCY_DEFAULT = Widening(50.0, 150.0, 20.0)
DEFAULT_MAX_WAIT_SECONDS = 120.0


@dataclasses.dataclass(frozen=True, slots=True)
class ModeRules:
    """How one game mode is matched: team shape, the two widening schedules, the longest wait."""

    game: str
    mode: str
    team_size: int
    team_count: int
    rating: Widening = RATING_DEFAULT
    latency: Widening = LATENCY_DEFAULT
    max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS

    def validate(self) -> list[tuple[str, str]]:
        """Every problem the matchmaker would refuse these rules for, as (field, why); empty when
        usable. Fields: ``team_size``, ``team_count``, ``rating.start`` … ``latency.seconds``,
        ``max_wait_seconds``. The same check ``Matchmaker`` makes, in Rust."""
        return validate_rules(self)
