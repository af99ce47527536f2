"""The matchmaking gRPC servicer: validates tickets against the game's configuration, stores them, and
streams their progress. The tick loop (``engine.Engine``) runs as this service's background job.

Parties arrive with the lobby service (``StartMatchmaking``); until then ``party_id`` is refused with
FAILED_PRECONDITION. The backfill RPCs arrive with the session service, which issues game-server
tokens; until then they answer UNIMPLEMENTED (the Rust core already serves backfills).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import grpc

from playmesh.matchmaking import rules as rules_of
from playmesh.matchmaking.engine import Engine
from playmesh.matchmaking.ratings import RatingReadModel
from playmesh.matchmaking.store import TERMINAL, TicketStore, game_key
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as pb
from playmesh.matchmaking.v1 import matchmaking_service_pb2_grpc
from playmesh.runtime.access import DeveloperAccess
from playmesh.runtime.auth import current_caller
from playmesh.runtime.context import Runtime
from playmesh.runtime.errors import AlreadyExists, FailedPrecondition, NotFound
from playmesh.runtime.game_configs import GameConfigs
from playmesh.runtime.idempotency import Idempotency
from playmesh.runtime.internal import InternalClient
from playmesh.runtime.server import Service
from playmesh.runtime.validation import Validator

__all__ = ["MatchmakingServicer", "build"]

_WATCH_REFRESH_SECONDS = 1.0  # a searching ticket's window is re-sent this often


def build(runtime: Runtime) -> Service:
    # Core's data (game configuration, developer access, ratings) comes through core's API and events.
    internal = InternalClient(runtime.settings, runtime.keyring, "matchmaking")
    configs = GameConfigs(internal, runtime.bus)
    ratings = RatingReadModel(runtime.redis, internal, runtime.bus)
    store = TicketStore(runtime.redis)
    engine = Engine(store, configs, tick_seconds=runtime.settings.matchmaking_tick_ms / 1000)
    servicer = MatchmakingServicer(runtime, store, configs, runtime.idempotency, ratings=ratings, access=DeveloperAccess(internal))
    return Service(servicer, background=[engine.run, configs.run, ratings.run])


class MatchmakingServicer(matchmaking_service_pb2_grpc.MatchmakingServiceServicer):
    def __init__(
        self, runtime: Runtime, store: TicketStore, configs: GameConfigs, idempotency: Idempotency, *, ratings: RatingReadModel, access: DeveloperAccess
    ) -> None:
        self.runtime = runtime
        self.ratings = ratings
        self.access = access
        self.store = store
        self.configs = configs
        self.idempotency = idempotency

    async def CreateTicket(self, request: pb.CreateTicketRequest, context: grpc.aio.ServicerContext) -> pb.CreateTicketResponse:
        caller = current_caller()
        config = await self.configs.get(caller.studio_id, caller.game_id)
        modes = {m.name: m for m in config.modes}
        regions = {r.name for r in config.regions}
        v = Validator()
        if request.mode not in modes:
            v.add("mode", f"is not a mode of this game ({', '.join(sorted(modes)) or 'none configured'})")
        if not request.latencies:
            v.add("latencies", "needs the latency to at least one region")
        seen: set[str] = set()
        for i, latency in enumerate(request.latencies):
            if latency.region not in regions:
                v.add(f"latencies[{i}].region", f"is not a region of this game ({', '.join(sorted(regions))})")
            elif latency.region in seen:
                v.add(f"latencies[{i}].region", "is listed twice")
            seen.add(latency.region)
            if not 0 <= latency.latency_ms <= 10000:
                v.add(f"latencies[{i}].latency_ms", "must be between 0 and 10000")
        v.request_id(request.request_id)
        v.check()
        if request.party_id:
            raise FailedPrecondition("party tickets are created by the lobby service's StartMatchmaking", reason="PARTY_TICKETS_VIA_LOBBY")

        async def create() -> pb.CreateTicketResponse:
            rating = await self.ratings.display_rating(caller.studio_id, caller.game_id, caller.player_id, request.mode, rules_of.initial_rating(config))
            ticket = mm.Ticket(
                id=str(uuid.uuid4()),
                game_id=caller.game_id,
                mode=request.mode,
                player_ids=[caller.player_id],
                player_ratings=[rating],
                latencies=request.latencies,
                rating=rating,
                state=mm.TICKET_STATE_QUEUED,
            )
            ticket.create_time.FromMilliseconds(int(time.time() * 1000))
            ticket.update_time.CopyFrom(ticket.create_time)
            existing = await self.store.create(game_key(caller.studio_id, caller.game_id), ticket)
            if existing is not None:
                raise AlreadyExists("the player already has an active ticket", reason="TICKET_ACTIVE", metadata={"ticket_id": existing})
            return pb.CreateTicketResponse(ticket=await self._view(ticket))

        return await self.idempotency.run(
            scope=f"mm.CreateTicket:{caller.player_id}", request_id=request.request_id, request=request, response_type=pb.CreateTicketResponse, action=create
        )

    async def _own(self, ticket_id: str) -> mm.Ticket:
        caller = current_caller()
        stored = await self.store.get(game_key(caller.studio_id, caller.game_id), ticket_id) if ticket_id else None
        if stored is None or caller.player_id not in stored.ticket.player_ids:
            raise NotFound("ticket not found", reason="TICKET_NOT_FOUND", metadata={"ticket_id": ticket_id})
        return stored.ticket

    async def _view(self, ticket: mm.Ticket) -> mm.Ticket:
        """The ticket as a player sees it: with its current search window while active."""
        view = mm.Ticket()
        view.CopyFrom(ticket)
        if view.state in (mm.TICKET_STATE_QUEUED, mm.TICKET_STATE_SEARCHING):
            caller = current_caller()
            config = await self.configs.get(caller.studio_id, caller.game_id)
            mode = next((m for m in config.modes if m.name == view.mode), None)
            if mode is not None:
                wait = max(0.0, time.time() - view.create_time.ToMilliseconds() / 1000)
                rules = rules_of.mode_rules(game_key(caller.studio_id, caller.game_id), mode)
                low, high, ceiling, eligible = rules_of.window(rules, view.rating, {r.region: r.latency_ms for r in view.latencies}, wait)
                view.search_window.CopyFrom(mm.SearchWindow(rating_min=low, rating_max=high, latency_ceiling_ms=ceiling, eligible_regions=eligible))
        return view

    async def GetTicket(self, request: pb.GetTicketRequest, context: grpc.aio.ServicerContext) -> pb.GetTicketResponse:
        return pb.GetTicketResponse(ticket=await self._view(await self._own(request.ticket_id)))

    async def CancelTicket(self, request: pb.CancelTicketRequest, context: grpc.aio.ServicerContext) -> pb.CancelTicketResponse:
        caller = current_caller()
        ticket = await self._own(request.ticket_id)
        already = await self.store.finish(game_key(caller.studio_id, caller.game_id), ticket.id, mm.TICKET_STATE_CANCELLED)
        if already is not None:
            state = mm.TicketState.Name(already) if already else "UNKNOWN"
            raise FailedPrecondition(f"the ticket has already ended ({state})", reason="TICKET_FINISHED", metadata={"state": state})
        return pb.CancelTicketResponse(ticket=await self._view(await self._own(request.ticket_id)))

    async def WatchTicket(self, request: pb.WatchTicketRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.WatchTicketResponse]:
        await self._own(request.ticket_id)  # a stranger's ticket answers NOT_FOUND before anything is subscribed
        # The process's shared subscriber: a stream holds no connection of its own.
        async with self.runtime.streams.listen(f"pm:mm:ticket:{request.ticket_id}") as inbox:
            ticket = await self._own(request.ticket_id)  # read once subscribed: no later change is missed
            last = None
            while True:
                view = await self._view(ticket)
                key = (view.state, view.search_window.SerializeToString(), view.match.SerializeToString())
                if key != last:
                    last = key
                    yield pb.WatchTicketResponse(ticket=view)
                if view.state in TERMINAL:
                    return
                # Every state change is published, so the stored ticket is re-read only on an event (or
                # a resync after lost messages); in between, the search window widens with time alone.
                if await inbox.next(wait_seconds=_WATCH_REFRESH_SECONDS) is not None:
                    ticket = await self._own(request.ticket_id)

    async def GetQueueStats(self, request: pb.GetQueueStatsRequest, context: grpc.aio.ServicerContext) -> pb.GetQueueStatsResponse:
        await self.access.require_game(current_caller().developer_id, request.studio_id, request.game_id)
        stats = await self.store.read_stats(game_key(request.studio_id, request.game_id))
        return pb.GetQueueStatsResponse(
            stats=[s for s in stats if (not request.mode or s.mode == request.mode) and (not request.region or s.region == request.region)]
        )
