"""Property tests of the matchmaker core, on the Rust implementation and the pure-Python reference:
no ticket in two matches, parties whole, exact team sizes, every match inside the windows in force at
its tick, quality in [0, 1]; and on the same small pools both form the same matches."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker_rs import Matchmaker, ModeRules, Widening, widening_at
from matchmaker_rs.reference import ReferenceMatchmaker

REGIONS = ["eu", "us", "asia"]
MODES = [ModeRules("g", "duel", 1, 2), ModeRules("g", "duo", 2, 2), ModeRules("g", "trios", 3, 2, max_wait_seconds=60.0), ModeRules("g", "ffa", 1, 4)]
RULES = {m.mode: m for m in MODES}


@st.composite
def tickets(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 40))
    out = []
    for n in range(count):
        mode = draw(st.sampled_from(MODES))
        size = draw(st.integers(1, mode.team_size))
        regions = draw(st.lists(st.sampled_from(REGIONS), min_size=1, max_size=3, unique=True))
        out.append(
            {
                "ticket_id": f"t{n:03d}",
                "game": "g",
                "mode": mode.mode,
                "players": [(f"t{n:03d}-p{k}", draw(st.floats(800, 2200, allow_nan=False))) for k in range(size)],
                "latencies": [(r, draw(st.integers(5, 200))) for r in regions],
                "enqueue_time": draw(st.floats(0, 100, allow_nan=False)),
            }
        )
    return out


def run(impl: type, pool: list[dict[str, Any]], now_steps: list[float]) -> list[Any]:
    mm = impl(MODES)
    for t in pool:
        mm.enqueue(**t)
    return [(now, mm.tick(now)) for now in now_steps]


def check_invariants(pool: list[dict[str, Any]], results: list[Any]) -> None:
    by_id = {t["ticket_id"]: t for t in pool}
    seen: set[str] = set()
    for now, result in results:
        for m in result.matches:
            rules = RULES[m.mode]
            ids = [i for team in m.teams for i in team]
            assert not seen & set(ids), "a ticket in two matches"
            assert len(ids) == len(set(ids))
            seen |= set(ids)
            assert 0.0 <= m.quality <= 1.0
            assert len(m.teams) == rules.team_count
            # Parties whole: every ticket's players are on one team; teams exact for new matches.
            sizes = [sum(len(by_id[i]["players"]) for i in team) for team in m.teams]
            if m.backfill_id is None:
                assert sizes == [rules.team_size] * rules.team_count, sizes
            ratings = {i: sum(r for _, r in by_id[i]["players"]) / len(by_id[i]["players"]) for i in ids}
            lo, hi = min(ratings.values()), max(ratings.values())
            for i in ids:
                wait = max(now - by_id[i]["enqueue_time"], 0.0)
                window = widening_at(rules.rating, wait)
                ceiling = widening_at(rules.latency, wait)
                assert hi - ratings[i] <= window + 1e-9 and ratings[i] - lo <= window + 1e-9, "outside a member's rating window"
                latency = dict(by_id[i]["latencies"]).get(m.region)
                assert latency is not None and latency <= ceiling + 1e-9, "region over a member's latency ceiling"
        seen |= set(result.expired)


def shape(results: list[Any]) -> list[Any]:
    return [
        ([(m.mode, m.region, m.teams, m.backfill_id, [round(r, 6) for r in m.team_ratings], round(m.quality, 9)) for m in r.matches], r.expired)
        for _, r in results
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool=tickets(), steps=st.lists(st.floats(0, 200, allow_nan=False), min_size=1, max_size=4).map(sorted))
def test_rust_and_reference_keep_the_invariants_and_agree(pool: list[dict[str, Any]], steps: list[float]) -> None:
    rust = run(Matchmaker, pool, steps)
    reference = run(ReferenceMatchmaker, pool, steps)
    check_invariants(pool, rust)
    check_invariants(pool, reference)
    assert shape(rust) == shape(reference)


@settings(max_examples=50, deadline=None)
@given(pool=tickets(), slots=st.lists(st.integers(0, 2), min_size=2, max_size=2).filter(any), rating=st.floats(900, 2100))
def test_backfills_agree_and_never_overfill(pool: list[dict[str, Any]], slots: list[int], rating: float) -> None:
    outs = []
    for impl in (Matchmaker, ReferenceMatchmaker):
        mm = impl(MODES)
        for t in pool:
            mm.enqueue(**t)
        mm.add_backfill("bf", "g", "duo", "eu", slots, rating, 0.0)
        outs.append(mm.tick(50.0))
    assert shape([(50.0, outs[0])]) == shape([(50.0, outs[1])])
    by_id = {t["ticket_id"]: t for t in pool}
    for m in outs[0].matches:
        if m.backfill_id == "bf":
            filled = [sum(len(by_id[i]["players"]) for i in team) for team in m.teams]
            assert all(f <= s for f, s in zip(filled, slots, strict=True))


def test_widening_reference_matches_rust() -> None:
    from matchmaker_rs.reference import _at

    for w in (Widening(100, 500, 40), Widening(50, 150, 20), Widening(10, 10, 0)):
        for t in (-1, 0, 0.5, 19.99, 20, 40, 1000):
            assert math.isclose(_at(w, t), widening_at(w, t), rel_tol=0, abs_tol=0)
