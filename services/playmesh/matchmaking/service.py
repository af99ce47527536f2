"""The matchmaking gRPC servicer: identifies the caller, converts requests and replies, and leaves the
tickets to ``tickets.Tickets``. The tick loop (``engine.Engine``) runs as this service's background job.

The backfill RPCs arrive with the session service, which issues game-server tokens; until then they
answer UNIMPLEMENTED (the Rust core already serves backfills).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from playmesh.matchmaking.engine import Engine
from playmesh.matchmaking.ratings import RatingReadModel
from playmesh.matchmaking.store import TicketStore
from playmesh.matchmaking.tickets import PlayerRef, Tickets
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as pb
from playmesh.matchmaking.v1 import matchmaking_service_pb2_grpc
from playmesh.runtime.access import DeveloperAccess
from playmesh.runtime.auth import current_caller
from playmesh.runtime.context import Runtime
from playmesh.runtime.game_configs import GameConfigs
from playmesh.runtime.idempotency import Idempotency
from playmesh.runtime.internal import InternalClient
from playmesh.runtime.server import Service
from playmesh.runtime.validation import Validator

__all__ = ["MatchmakingServicer", "build"]


def build(runtime: Runtime) -> Service:
    # Core's data (game configuration, developer access, ratings) comes through core's API and events.
    internal = InternalClient(runtime.settings, runtime.keyring, "matchmaking")
    configs = GameConfigs(internal, runtime.bus)
    ratings = RatingReadModel(runtime.redis, internal, runtime.bus, ttl_seconds=runtime.settings.matchmaking_rating_ttl_seconds)
    store = TicketStore(runtime.redis)
    engine = Engine(store, configs, tick_seconds=runtime.settings.matchmaking_tick_ms / 1000)
    tickets = Tickets(store, configs, ratings, runtime.streams, heartbeat_seconds=runtime.settings.stream_heartbeat_seconds)
    servicer = MatchmakingServicer(tickets, runtime.idempotency, DeveloperAccess(internal))
    return Service(servicer, background=[engine.run, configs.run, ratings.run])


class MatchmakingServicer(matchmaking_service_pb2_grpc.MatchmakingServiceServicer):
    def __init__(self, tickets: Tickets, idempotency: Idempotency, access: DeveloperAccess) -> None:
        self.tickets = tickets
        self.idempotency = idempotency
        self.access = access

    @staticmethod
    def _player() -> PlayerRef:
        caller = current_caller()
        return PlayerRef(caller.studio_id, caller.game_id, caller.player_id)

    async def CreateTicket(self, request: pb.CreateTicketRequest, context: grpc.aio.ServicerContext) -> pb.CreateTicketResponse:
        player = self._player()
        v = Validator()
        v.request_id(request.request_id)
        await self.tickets.check_new(player, request.mode, request.latencies, request.party_id, v)

        async def create() -> pb.CreateTicketResponse:
            return pb.CreateTicketResponse(ticket=await self.tickets.create(player, request.mode, request.latencies))

        return await self.idempotency.run(
            scope=f"mm.CreateTicket:{player.player_id}", request_id=request.request_id, request=request, response_type=pb.CreateTicketResponse, action=create
        )

    async def GetTicket(self, request: pb.GetTicketRequest, context: grpc.aio.ServicerContext) -> pb.GetTicketResponse:
        return pb.GetTicketResponse(ticket=await self.tickets.get(self._player(), request.ticket_id))

    async def CancelTicket(self, request: pb.CancelTicketRequest, context: grpc.aio.ServicerContext) -> pb.CancelTicketResponse:
        return pb.CancelTicketResponse(ticket=await self.tickets.cancel(self._player(), request.ticket_id))

    async def WatchTicket(self, request: pb.WatchTicketRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.WatchTicketResponse]:
        async for view in self.tickets.follow(self._player(), request.ticket_id):
            yield pb.WatchTicketResponse(ticket=view)

    async def GetQueueStats(self, request: pb.GetQueueStatsRequest, context: grpc.aio.ServicerContext) -> pb.GetQueueStatsResponse:
        await self.access.require_game(current_caller().developer_id, request.studio_id, request.game_id)
        return pb.GetQueueStatsResponse(stats=await self.tickets.queue_stats(request.studio_id, request.game_id, mode=request.mode, region=request.region))
