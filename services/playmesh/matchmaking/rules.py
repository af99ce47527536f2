"""A game's configuration as matchmaker rules: the documented defaults filled in, and the search
window a ticket has after waiting a while (what GetTicket and WatchTicket show)."""

from __future__ import annotations

from matchmaker_rs import DEFAULT_MAX_WAIT_SECONDS, LATENCY_DEFAULT, RATING_DEFAULT, ModeRules, Widening, widening_at
from playmesh.core.v1 import core_pb2

__all__ = ["DEFAULT_MAX_WAIT_SECONDS", "initial_rating", "mode_rules", "window"]


def _or(value: float, default: float) -> float:
    return value if value else default


def mode_rules(game_key: str, mode: core_pb2.GameMode) -> ModeRules:
    """The rules as configured; core checked them with ``ModeRules.validate()`` when they were stored
    (the tick checks again, since storage can be written by other means)."""
    m = mode.matchmaking
    return ModeRules(
        game=game_key,
        mode=mode.name,
        team_size=mode.team_size,
        team_count=mode.team_count,
        rating=Widening(m.rating_window_start, m.rating_window_end, m.rating_widen_seconds).or_default(RATING_DEFAULT),
        latency=Widening(m.latency_ceiling_start_ms, m.latency_ceiling_end_ms, m.latency_widen_seconds).or_default(LATENCY_DEFAULT),
        max_wait_seconds=float(m.max_wait_seconds or DEFAULT_MAX_WAIT_SECONDS),
    )


def initial_rating(config: core_pb2.GameConfig) -> float:
    """The displayed rating of a player with no rated match: (mu - 3 sigma) * scale + offset."""
    r = config.rating
    mu, sigma = _or(r.initial_mu, 25.0), _or(r.initial_sigma, 25.0 / 3)
    return (mu - 3 * sigma) * _or(r.display_scale, 60.0) + _or(r.display_offset, 1000.0)


def window(rules: ModeRules, rating: float, latencies: dict[str, int], wait_seconds: float) -> tuple[float, float, int, list[str]]:
    """(rating min, rating max, latency ceiling ms, eligible regions) after ``wait_seconds``."""
    half = widening_at(rules.rating, wait_seconds)
    ceiling = widening_at(rules.latency, wait_seconds)
    eligible = sorted(r for r, ms in latencies.items() if ms <= ceiling)
    return rating - half, rating + half, int(ceiling), eligible
