"""The Rust extension builds, imports, and its boundary behaves: schedules cross as plain objects,
bad schedules raise ValueError, rules are validated field by field, and the service's batched path
takes stored Ticket messages as bytes. The algorithm itself is tested in Rust (`cargo test`)."""

from __future__ import annotations

import math
import pathlib
import re

import pytest
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm

import matchmaker_rs
from matchmaker_rs import LATENCY_DEFAULT, RATING_DEFAULT, Matchmaker, ModeRules, Widening, widening_at

CARGO = pathlib.Path(__file__).resolve().parents[1] / "matchmaker_rs" / "Cargo.toml"


def test_defaults_match_the_documented_schedules() -> None:
    assert [widening_at(RATING_DEFAULT, t) for t in (0, 20, 40, 400)] == [100, 300, 500, 500]
    assert widening_at(LATENCY_DEFAULT, 10) == 100


def test_the_loaded_module_is_the_crate_built_from_this_tree() -> None:
    crate = re.search(r'^version = "([^"]+)"', CARGO.read_text(), re.M)
    assert crate is not None and matchmaker_rs.__version__ == crate.group(1)


def test_rules_are_validated_field_by_field() -> None:
    assert ModeRules("g", "duo", 2, 2).validate() == []
    bad = ModeRules("g", "duo", 0, 17, Widening(600, 500, 40), Widening(math.nan, 150, -1), math.inf)
    assert [field for field, _ in bad.validate()] == ["team_size", "team_count", "rating.start", "latency.start", "latency.seconds", "max_wait_seconds"]
    with pytest.raises(ValueError, match="team_size"):
        Matchmaker([bad])


def _ticket(ticket_id: str, rating: float, created: float, **fields: object) -> bytes:
    ticket = mm.Ticket(**{"id": ticket_id, "mode": "duo", "player_ids": [f"p-{ticket_id}"], "player_ratings": [rating], **fields})  # type: ignore[arg-type]
    if not ticket.latencies:
        ticket.latencies.add(region="eu", latency_ms=20)
    ticket.create_time.FromMilliseconds(int(created * 1000))
    return ticket.SerializeToString()


def test_the_service_path_takes_ticket_messages_and_puts_back_refused_matches() -> None:
    pool = Matchmaker([ModeRules("g", "duo", 1, 2)])
    refused = pool.enqueue_encoded(
        "g",
        [
            _ticket("a", 1500, 100.0),
            _ticket("b", 1510, 100.0),
            _ticket("c", 1500, 100.0, latencies=[mm.RegionLatency(region="eu", latency_ms=-1)]),
            _ticket("d", 1500, 100.0, mode="squad"),
        ],
    )
    assert [ticket_id for ticket_id, _ in refused] == ["c", "d"]
    assert pool.enqueue_encoded("g", [_ticket("a", 1500, 100.0)]) == []  # already waiting: skipped
    assert pool.queue_stats(104.0) == [("duo", "eu", 2, 4.0, 4.0)]
    tick = pool.tick_encoded(101.0, "game-id")
    assert (tick.matches, tick.matched_tickets, tick.expired, tick.match_counts) == (1, 2, 0, [("duo", "eu", 1)])
    assert len(tick.chunks) == 1 and b"p-a" in tick.chunks[0] and b"game-id" in tick.chunks[0]
    assert len(pool) == 0
    assert pool.requeue(["a", "b", "zz"]) == 2 and "a" in pool and "b" in pool


@pytest.mark.parametrize("bad", [Widening(5, 1, 1), Widening(math.nan, 1, 1), Widening(-1, 1, 1)])
def test_bad_schedules_raise(bad: Widening) -> None:
    with pytest.raises(ValueError, match="widening"):
        widening_at(bad, 1)


def test_missing_fields_name_the_field() -> None:
    with pytest.raises(AttributeError, match="start"):
        widening_at(object(), 1)  # type: ignore[arg-type]
