"""Tickets as a player sees them: creation checked against the game's configuration, reads and
cancels of the player's own tickets, a live view that follows a ticket to its end, and queue figures.
Nothing here knows gRPC: the servicer identifies the caller and converts requests and replies.

Parties arrive with the lobby service (``StartMatchmaking``); until then a ``party_id`` is refused
with FAILED_PRECONDITION.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import AsyncIterator, Sequence

from playmesh.matchmaking import rules as rules_of
from playmesh.matchmaking.ratings import RatingReadModel
from playmesh.matchmaking.store import TERMINAL, TicketStore, game_key
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.runtime.errors import AlreadyExists, FailedPrecondition, NotFound
from playmesh.runtime.game_configs import GameConfigs
from playmesh.runtime.streams import StreamHub
from playmesh.runtime.validation import Validator

__all__ = ["PlayerRef", "Tickets"]

_WATCH_REFRESH_SECONDS = 1.0  # a searching ticket's window is re-sent this often
_MAX_LATENCY_MS = 10000


@dataclasses.dataclass(frozen=True, slots=True)
class PlayerRef:
    studio_id: str
    game_id: str
    player_id: str

    @property
    def game(self) -> str:
        return game_key(self.studio_id, self.game_id)


def channel(ticket_id: str) -> str:
    """The pub/sub channel the store's scripts poke on every change of the ticket."""
    return f"pm:mm:ticket:{ticket_id}"


class Tickets:
    def __init__(self, store: TicketStore, configs: GameConfigs, ratings: RatingReadModel, streams: StreamHub, *, heartbeat_seconds: float = 60.0) -> None:
        self.store = store
        self.configs = configs
        self.ratings = ratings
        self.streams = streams
        self.heartbeat_seconds = heartbeat_seconds

    async def check_new(self, player: PlayerRef, mode: str, latencies: Sequence[mm.RegionLatency], party_id: str, v: Validator) -> None:
        """Adds every problem of a new ticket to ``v`` (the caller adds its own and checks)."""
        config = await self.configs.get(player.studio_id, player.game_id)
        modes = {m.name: m for m in config.modes}
        regions = {r.name for r in config.regions}
        if mode not in modes:
            v.add("mode", f"is not a mode of this game ({', '.join(sorted(modes)) or 'none configured'})")
        if not latencies:
            v.add("latencies", "needs the latency to at least one region")
        seen: set[str] = set()
        for i, latency in enumerate(latencies):
            if latency.region not in regions:
                v.add(f"latencies[{i}].region", f"is not a region of this game ({', '.join(sorted(regions))})")
            elif latency.region in seen:
                v.add(f"latencies[{i}].region", "is listed twice")
            seen.add(latency.region)
            if not 0 <= latency.latency_ms <= _MAX_LATENCY_MS:
                v.add(f"latencies[{i}].latency_ms", f"must be between 0 and {_MAX_LATENCY_MS}")
        v.check()
        if rules_of.mode_rules(player.game, modes[mode]).validate():
            # Core checks a mode's settings when they are written; storage changed by other means
            # (or an older version's checks) can still hold rules the matchmaker refuses.
            raise FailedPrecondition(
                f"the matchmaking settings of mode {mode!r} are invalid; the studio must correct them", reason="MODE_MISCONFIGURED", metadata={"mode": mode}
            )
        if party_id:
            raise FailedPrecondition("party tickets are created by the lobby service's StartMatchmaking", reason="PARTY_TICKETS_VIA_LOBBY")

    async def create(self, player: PlayerRef, mode: str, latencies: Sequence[mm.RegionLatency]) -> mm.Ticket:
        """Queues a solo ticket (checked by ``check_new`` first); ALREADY_EXISTS while the player has one."""
        config = await self.configs.get(player.studio_id, player.game_id)
        rating = await self.ratings.display_rating(player.studio_id, player.game_id, player.player_id, mode, rules_of.initial_rating(config))
        ticket = mm.Ticket(
            id=str(uuid.uuid4()),
            game_id=player.game_id,
            mode=mode,
            player_ids=[player.player_id],
            player_ratings=[rating],
            latencies=latencies,
            rating=rating,
            state=mm.TICKET_STATE_QUEUED,
        )
        ticket.create_time.FromMilliseconds(int(time.time() * 1000))
        ticket.update_time.CopyFrom(ticket.create_time)
        existing = await self.store.create(player.game, ticket)
        if existing is not None:
            raise AlreadyExists("the player already has an active ticket", reason="TICKET_ACTIVE", metadata={"ticket_id": existing})
        return await self.view(player, ticket)

    async def own(self, player: PlayerRef, ticket_id: str) -> mm.Ticket:
        """The stored ticket, if the player is on it; NOT_FOUND otherwise (others' ids cannot be probed)."""
        stored = await self.store.get(player.game, ticket_id) if ticket_id else None
        if stored is None or player.player_id not in stored.ticket.player_ids:
            raise NotFound("ticket not found", reason="TICKET_NOT_FOUND", metadata={"ticket_id": ticket_id})
        return stored.ticket

    async def get(self, player: PlayerRef, ticket_id: str) -> mm.Ticket:
        return await self.view(player, await self.own(player, ticket_id))

    async def cancel(self, player: PlayerRef, ticket_id: str) -> mm.Ticket:
        ticket = await self.own(player, ticket_id)
        already = await self.store.finish(player.game, ticket.id, mm.TICKET_STATE_CANCELLED)
        if already is not None:
            state = mm.TicketState.Name(already) if already else "UNKNOWN"
            raise FailedPrecondition(f"the ticket has already ended ({state})", reason="TICKET_FINISHED", metadata={"state": state})
        return await self.get(player, ticket_id)

    async def view(self, player: PlayerRef, ticket: mm.Ticket) -> mm.Ticket:
        """The ticket as a player sees it: with its current search window while active."""
        view = mm.Ticket()
        view.CopyFrom(ticket)
        if view.state in (mm.TICKET_STATE_QUEUED, mm.TICKET_STATE_SEARCHING):
            config = await self.configs.get(player.studio_id, player.game_id)
            mode = next((m for m in config.modes if m.name == view.mode), None)
            rules = rules_of.mode_rules(player.game, mode) if mode is not None else None
            if rules is not None and not rules.validate():  # misconfigured rules have no window to show
                wait = max(0.0, time.time() - view.create_time.ToMilliseconds() / 1000)
                low, high, ceiling, eligible = rules_of.window(rules, view.rating, {r.region: r.latency_ms for r in view.latencies}, wait)
                view.search_window.CopyFrom(mm.SearchWindow(rating_min=low, rating_max=high, latency_ceiling_ms=ceiling, eligible_regions=eligible))
        return view

    async def follow(self, player: PlayerRef, ticket_id: str) -> AsyncIterator[mm.Ticket]:
        """Views of the ticket as it changes (and as its window widens), ending with its final state; an
        unchanged view again after ``heartbeat_seconds`` of quiet, so the gateway keeps the stream."""
        await self.own(player, ticket_id)  # a stranger's ticket answers NOT_FOUND before anything is subscribed
        # The process's shared subscriber: a stream holds no connection of its own.
        async with self.streams.listen(channel(ticket_id)) as inbox:
            ticket = await self.own(player, ticket_id)  # read once subscribed: no later change is missed
            last, sent = None, 0.0
            while True:
                view = await self.view(player, ticket)
                key = (view.state, view.search_window.SerializeToString(), view.match.SerializeToString())
                if key != last or time.monotonic() - sent >= self.heartbeat_seconds:
                    last, sent = key, time.monotonic()
                    yield view
                if view.state in TERMINAL:
                    return
                # Every state change is published, so the stored ticket is re-read only on an event (or
                # a resync after lost messages); in between, the search window widens with time alone.
                if await inbox.next(wait_seconds=_WATCH_REFRESH_SECONDS) is not None:
                    ticket = await self.own(player, ticket_id)

    async def queue_stats(self, studio_id: str, game_id: str, *, mode: str = "", region: str = "") -> list[mm.QueueStats]:
        stats = await self.store.read_stats(game_key(studio_id, game_id))
        return [s for s in stats if (not mode or s.mode == mode) and (not region or s.region == region)]
