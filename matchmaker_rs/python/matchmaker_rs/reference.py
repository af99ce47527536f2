"""A pure-Python implementation of the matchmaker's specification, for property tests (the Rust core
must agree with it) and for the benchmark's speed ratio. Not used by the service.

It mirrors ``src/pool.rs`` and ``src/teams.rs`` step for step: the same orders, the same tie-breaks and
the same floating-point operations in the same sequence, so on the same inputs it forms the same
matches. Read the Rust module docs for the specification.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from matchmaker_rs import DuplicateTicketError, InvalidTicketError, ModeRules, UnknownModeError, Widening

__all__ = ["RefMatch", "RefTickResult", "ReferenceMatchmaker", "balance", "can_pack"]


def _at(w: Widening, wait: float) -> float:
    wait = max(wait, 0.0)
    if w.seconds <= 0.0 or wait >= w.seconds:
        return w.end
    return w.start + (w.end - w.start) * (wait / w.seconds)


@dataclasses.dataclass(frozen=True)
class RefMatch:
    game: str
    mode: str
    region: str
    teams: list[list[str]]
    team_ratings: list[float]
    quality: float
    backfill_id: str | None


@dataclasses.dataclass(frozen=True)
class RefTickResult:
    matches: list[RefMatch]
    expired: list[str]


@dataclasses.dataclass
class _Ticket:
    id: str
    size: int
    rating: float
    rating_sum: float
    latencies: dict[str, int]
    enqueue_time: float


@dataclasses.dataclass
class _Backfill:
    id: str
    region: str
    open_slots: list[int]
    rating: float
    create_time: float


@dataclasses.dataclass
class _Live:
    ticket: _Ticket
    window: float
    ceiling: float
    wait: float

    def eligible(self, region: str) -> int | None:
        ms = self.ticket.latencies.get(region)
        return ms if ms is not None and ms <= self.ceiling else None


# Teams ---------------------------------------------------------------------------------------------


def pack(sizes: Sequence[int], team_size: int, team_count: int) -> list[int] | None:
    order = sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))
    loads = [0] * team_count
    placed = [0] * len(sizes)

    def place(k: int) -> bool:
        if k == len(order):
            return True
        item = order[k]
        tried: list[int] = []
        for team in range(team_count):
            if loads[team] + sizes[item] > team_size or loads[team] in tried:
                continue
            tried.append(loads[team])
            loads[team] += sizes[item]
            placed[item] = team
            if place(k + 1):
                return True
            loads[team] -= sizes[item]
        return False

    return placed if place(0) else None


def can_pack(sizes: Sequence[int], team_size: int, team_count: int) -> bool:
    return pack(sizes, team_size, team_count) is not None


def _gap(sums: list[float]) -> float:
    return max(sums) - min(sums)


def balance(items: Sequence[tuple[int, float]], team_size: int, team_count: int) -> list[int]:
    order = sorted(range(len(items)), key=lambda i: (-items[i][0], -items[i][1], i))
    loads = [0] * team_count
    sums = [0.0] * team_count
    assign = [-1] * len(items)
    greedy_ok = True
    for i in order:
        fits = [t for t in range(team_count) if loads[t] + items[i][0] <= team_size]
        if not fits:
            greedy_ok = False
            break
        t = min(fits, key=lambda t: (sums[t], t))
        assign[i] = t
        loads[t] += items[i][0]
        sums[t] += items[i][1]
    if not greedy_ok:
        packed = pack([x[0] for x in items], team_size, team_count)
        assert packed is not None, "callers check can_pack"
        assign = packed
        sums = [0.0] * team_count
        for i, t in enumerate(assign):
            sums[t] += items[i][1]
    for _ in range(4 * len(items) + 4):
        current = _gap(sums)
        best: tuple[float, int, int] | None = None
        for a in range(len(items)):
            for b in range(a + 1, len(items)):
                ta, tb = assign[a], assign[b]
                if ta == tb or items[a][0] != items[b][0]:
                    continue
                delta = items[b][1] - items[a][1]
                sums[ta] += delta
                sums[tb] -= delta
                after = _gap(sums)
                sums[ta] -= delta
                sums[tb] += delta
                if after < current - 1e-9 and (best is None or after < best[0] - 1e-12):
                    best = (after, a, b)
        if best is None:
            break
        _, a, b = best
        ta, tb = assign[a], assign[b]
        delta = items[b][1] - items[a][1]
        sums[ta] += delta
        sums[tb] -= delta
        assign[a], assign[b] = assign[b], assign[a]
    return assign


# Pool ----------------------------------------------------------------------------------------------


class ReferenceMatchmaker:
    """Same interface as ``matchmaker_rs.Matchmaker``."""

    def __init__(self, modes: Sequence[ModeRules]) -> None:
        self._rules = {(m.game, m.mode): m for m in modes}
        self._tickets: dict[tuple[str, str], dict[str, _Ticket]] = {}
        self._backfills: dict[tuple[str, str], dict[str, _Backfill]] = {}
        self._index: dict[str, tuple[str, str]] = {}

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, ticket_id: str) -> bool:
        return ticket_id in self._index

    def enqueue(
        self, ticket_id: str, game: str, mode: str, players: Sequence[tuple[str, float]], latencies: Sequence[tuple[str, int]], enqueue_time: float
    ) -> None:
        key = (game, mode)
        rules = self._rules.get(key)
        if rules is None:
            raise UnknownModeError(f"unknown mode {mode!r} of game {game!r}")
        if ticket_id in self._index:
            raise DuplicateTicketError(f"ticket {ticket_id!r} is already in the pool")
        if not players or len(players) > rules.team_size or not latencies:
            raise InvalidTicketError("a ticket needs 1..team_size players and at least one latency")
        if any(not math.isfinite(r) or r < 0 for _, r in players) or not math.isfinite(enqueue_time):
            raise InvalidTicketError("ratings must be finite and not negative")
        rating_sum = 0.0
        for _, r in players:
            rating_sum += r
        self._tickets.setdefault(key, {})[ticket_id] = _Ticket(ticket_id, len(players), rating_sum / len(players), rating_sum, dict(latencies), enqueue_time)
        self._index[ticket_id] = key

    def cancel(self, ticket_id: str) -> bool:
        key = self._index.pop(ticket_id, None)
        if key is None:
            return False
        self._tickets[key].pop(ticket_id, None)
        return True

    def add_backfill(self, backfill_id: str, game: str, mode: str, region: str, open_slots: Sequence[int], rating: float, create_time: float) -> None:
        key = (game, mode)
        rules = self._rules.get(key)
        if rules is None:
            raise UnknownModeError(f"unknown mode {mode!r} of game {game!r}")
        if len(open_slots) != rules.team_count or any(s > rules.team_size for s in open_slots) or not any(open_slots):
            raise InvalidTicketError("open_slots must fit the mode's teams")
        self._backfills.setdefault(key, {})[backfill_id] = _Backfill(backfill_id, region, list(open_slots), rating, create_time)

    def cancel_backfill(self, backfill_id: str) -> bool:
        return any(b.pop(backfill_id, None) is not None for b in self._backfills.values())

    def tick(self, now: float) -> RefTickResult:
        matches: list[RefMatch] = []
        expired_all: list[str] = []
        for key in sorted(set(self._tickets) | set(self._backfills)):
            rules = self._rules[key]
            tickets = self._tickets.setdefault(key, {})
            backfills = self._backfills.setdefault(key, {})
            found, expired, filled, done = self._tick_bucket(key, rules, tickets, backfills, now)
            for ticket_id in expired + done:
                tickets.pop(ticket_id, None)
                self._index.pop(ticket_id, None)
            for backfill_id, slots in filled:
                if not any(slots):
                    backfills.pop(backfill_id, None)
                else:
                    backfills[backfill_id].open_slots = slots
            matches += found
            expired_all += expired
        return RefTickResult(matches, expired_all)

    def _tick_bucket(
        self, key: tuple[str, str], rules: ModeRules, tickets: dict[str, _Ticket], backfills: dict[str, _Backfill], now: float
    ) -> tuple[list[RefMatch], list[str], list[tuple[str, list[int]]], list[str]]:
        expired: list[str] = []
        live: list[_Live] = []
        for ticket_id in sorted(tickets):
            t = tickets[ticket_id]
            wait = max(now - t.enqueue_time, 0.0)
            if wait >= rules.max_wait_seconds:
                expired.append(t.id)
                continue
            live.append(_Live(t, _at(rules.rating, wait), _at(rules.latency, wait), wait))
        by_rating = sorted(range(len(live)), key=lambda i: (live[i].ticket.rating, live[i].ticket.enqueue_time, live[i].ticket.id))
        position = [0] * len(live)
        for pos, i in enumerate(by_rating):
            position[i] = pos
        matched = [False] * len(live)
        matches: list[RefMatch] = []
        done: list[str] = []
        filled: list[tuple[str, list[int]]] = []
        for backfill in sorted(backfills.values(), key=lambda b: (b.create_time, b.id)):
            result = self._fill_backfill(key, rules, backfill, live, by_rating, matched)
            if result is not None:
                formed, members, slots = result
                done += members
                filled.append((backfill.id, slots))
                matches.append(formed)
        for anchor in sorted(range(len(live)), key=lambda i: (live[i].ticket.enqueue_time, live[i].ticket.id)):
            if matched[anchor]:
                continue
            a = live[anchor]
            regions = sorted((ms, region) for region, ms in a.ticket.latencies.items() if ms <= a.ceiling)
            for _, region in regions:
                group = self._gather(rules, anchor, region, live, by_rating, position, matched)
                if group is not None:
                    for i in group:
                        matched[i] = True
                        done.append(live[i].ticket.id)
                    matches.append(self._form(key, rules, region, group, live))
                    break
        return matches, expired, filled, done

    @staticmethod
    def _windows_hold(group: list[int], candidate: int, live: list[_Live]) -> bool:
        lo = hi = live[candidate].ticket.rating
        for i in group:
            lo = min(lo, live[i].ticket.rating)
            hi = max(hi, live[i].ticket.rating)
        for i in [*group, candidate]:
            r = live[i].ticket.rating
            if not (hi - r <= live[i].window and r - lo <= live[i].window):
                return False
        return True

    def _gather(
        self, rules: ModeRules, anchor: int, region: str, live: list[_Live], by_rating: list[int], position: list[int], matched: list[bool]
    ) -> list[int] | None:
        group = [anchor]
        sizes = [live[anchor].ticket.size]
        remaining = rules.team_size * rules.team_count - live[anchor].ticket.size
        anchor_rating = live[anchor].ticket.rating
        reach = live[anchor].window
        pos = position[anchor]
        left: int | None = pos - 1 if pos > 0 else None
        right = pos + 1
        while remaining > 0:
            left_diff = anchor_rating - live[by_rating[left]].ticket.rating if left is not None else None
            right_diff = live[by_rating[right]].ticket.rating - anchor_rating if right < len(by_rating) else None
            if left_diff is not None and right_diff is not None:
                take_left = left_diff <= right_diff
            elif left_diff is not None:
                take_left = True
            elif right_diff is not None:
                take_left = False
            else:
                return None
            if take_left:
                assert left is not None and left_diff is not None
                idx, diff = by_rating[left], left_diff
                left = left - 1 if left > 0 else None
            else:
                assert right_diff is not None
                idx, diff = by_rating[right], right_diff
                right += 1
            if diff > reach:
                if take_left:
                    left = None
                else:
                    right = len(by_rating)
                continue
            candidate = live[idx]
            if matched[idx] or candidate.ticket.size > remaining or candidate.eligible(region) is None or not self._windows_hold(group, idx, live):
                continue
            if candidate.ticket.size > 1 and not can_pack([*sizes, candidate.ticket.size], rules.team_size, rules.team_count):
                continue
            group.append(idx)
            sizes.append(candidate.ticket.size)
            remaining -= candidate.ticket.size
        return group

    @staticmethod
    def _quality(rules: ModeRules, region: str, group: list[int], live: list[_Live], team_ratings: list[float]) -> float:
        def clamp(x: float) -> float:
            return 0.0 if math.isnan(x) else min(max(x, 0.0), 1.0)

        lo, hi, worst_ms, wait_sum = math.inf, -math.inf, 0, 0.0
        for i in group:
            lo = min(lo, live[i].ticket.rating)
            hi = max(hi, live[i].ticket.rating)
            worst_ms = max(worst_ms, live[i].eligible(region) or 0)
            wait_sum += live[i].wait
        spread = 1.0 - (hi - lo) / (2.0 * max(rules.rating.end, 1.0))
        gap = max(team_ratings) - min(team_ratings)
        balance_term = 1.0 - gap / rules.team_size / max(rules.rating.start, 1.0)
        latency = 1.0 - worst_ms / max(rules.latency.end, 1.0)
        wait = 1.0 - wait_sum / len(group) / rules.max_wait_seconds
        return clamp(0.35 * clamp(spread) + 0.35 * clamp(balance_term) + 0.2 * clamp(latency) + 0.1 * clamp(wait))

    def _form(self, key: tuple[str, str], rules: ModeRules, region: str, group: list[int], live: list[_Live]) -> RefMatch:
        assignment = balance([(live[i].ticket.size, live[i].ticket.rating_sum) for i in group], rules.team_size, rules.team_count)
        teams: list[list[str]] = [[] for _ in range(rules.team_count)]
        team_ratings = [0.0] * rules.team_count
        for k, i in enumerate(group):
            teams[assignment[k]].append(live[i].ticket.id)
            team_ratings[assignment[k]] += live[i].ticket.rating_sum
        for team in teams:
            team.sort()
        return RefMatch(key[0], key[1], region, teams, team_ratings, self._quality(rules, region, group, live, team_ratings), None)

    def _fill_backfill(
        self, key: tuple[str, str], rules: ModeRules, backfill: _Backfill, live: list[_Live], by_rating: list[int], matched: list[bool]
    ) -> tuple[RefMatch, list[str], list[int]] | None:
        slots = list(backfill.open_slots)
        order = [
            i
            for i in by_rating
            if not matched[i] and live[i].eligible(backfill.region) is not None and abs(live[i].ticket.rating - backfill.rating) <= live[i].window
        ]
        order.sort(key=lambda i: (abs(live[i].ticket.rating - backfill.rating), live[i].ticket.enqueue_time, live[i].ticket.id))
        teams: list[list[str]] = [[] for _ in range(rules.team_count)]
        team_ratings = [0.0] * rules.team_count
        members: list[str] = []
        group: list[int] = []
        for i in order:
            fits = [t for t in range(len(slots)) if slots[t] >= live[i].ticket.size]
            if not fits:
                continue
            t = min(fits, key=lambda t: (-slots[t], t))
            slots[t] -= live[i].ticket.size
            teams[t].append(live[i].ticket.id)
            team_ratings[t] += live[i].ticket.rating_sum
            matched[i] = True
            members.append(live[i].ticket.id)
            group.append(i)
            if not any(slots):
                break
        if not members:
            return None
        for team in teams:
            team.sort()
        quality = self._quality(rules, backfill.region, group, live, [0.0])
        return RefMatch(key[0], key[1], backfill.region, teams, team_ratings, quality, backfill.id), members, slots
