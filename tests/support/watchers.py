"""Many players queued and watching their tickets through the gateway, for the stream tests.

Tickets are created with a latency above every latency ceiling, so they wait (and their streams stay
open) without ever matching. Streams are spread over several gRPC channels, each with its own
subchannel pool and so its own HTTP/2 connection to Envoy.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import grpc
from playmesh.core.v1 import core_pb2, core_service_pb2_grpc
from playmesh.core.v1 import core_service_pb2 as core
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as pb
from playmesh.matchmaking.v1 import matchmaking_service_pb2_grpc
from redis.asyncio import Redis

__all__ = ["UNREACHABLE_MS", "Player", "Watchers", "create_ticket", "hub_connections", "open_channels", "queue_players", "sign_in", "waiting_config"]

UNREACHABLE_MS = 10000  # above every latency ceiling (at most 150 ms by default): never matched


def waiting_config() -> core_pb2.GameConfig:
    return core_pb2.GameConfig(
        modes=[core_pb2.GameMode(name="duo", team_size=2, team_count=2, matchmaking=core_pb2.MatchmakingRules(max_wait_seconds=3600))],
        regions=[core_pb2.Region(name="eu-west", display_name="Europe West")],
    )


def open_channels(gateway: str, count: int) -> list[grpc.aio.Channel]:
    """``count`` channels, each on its own connection (gRPC shares connections between channels with the
    same arguments unless each has its own subchannel pool)."""
    return [grpc.aio.insecure_channel(gateway, options=[("grpc.use_local_subchannel_pool", 1)]) for _ in range(count)]


@dataclasses.dataclass(frozen=True)
class Player:
    token: str
    ticket_id: str


async def sign_in(channel: grpc.aio.Channel, api_key: str) -> str:
    reply = await core_service_pb2_grpc.CoreServiceStub(channel).AuthenticateDevice(
        core.AuthenticateDeviceRequest(device_id=f"device-{uuid.uuid4().hex}", create=True), metadata=(("x-api-key", api_key),), timeout=20
    )
    return reply.tokens.access_token


async def create_ticket(channel: grpc.aio.Channel, api_key: str, token: str) -> str:
    request = pb.CreateTicketRequest(mode="duo", latencies=[mm.RegionLatency(region="eu-west", latency_ms=UNREACHABLE_MS)])
    md = (("x-api-key", api_key), ("authorization", f"Bearer {token}"))
    reply = await matchmaking_service_pb2_grpc.MatchmakingServiceStub(channel).CreateTicket(request, metadata=md, timeout=20)
    return reply.ticket.id


async def queue_players(channels: list[grpc.aio.Channel], api_key: str, count: int, *, concurrency: int = 64) -> list[Player]:
    """``count`` new players, each signed in with a ticket that waits."""
    players: list[Player] = []
    todo = iter(range(count))

    async def worker(channel: grpc.aio.Channel) -> None:
        for _ in todo:
            token = await sign_in(channel, api_key)
            players.append(Player(token, await create_ticket(channel, api_key, token)))

    await asyncio.gather(*(worker(channels[i % len(channels)]) for i in range(concurrency)))
    return players


class Watchers:
    """One WatchTicket stream per player, spread round-robin over the channels, read until closed.

    At most ``opening`` streams are being opened at once (a stream counts until its first message), as
    clients arrive over time: a single burst of thousands of calls waits in gRPC's queue of calls the
    server has not picked up yet, and gRPC cancels those that wait there over 30 s."""

    def __init__(self, channels: list[grpc.aio.Channel], api_key: str, players: list[Player], *, opening: int = 200) -> None:
        self.opened = 0  # streams that delivered their first message
        self.active = 0  # of those, the ones still open
        self.messages = 0
        self.failures: list[str] = []
        self.ended = 0  # streams that ended without being closed by us
        self._closing = False
        self._opening = asyncio.Semaphore(opening)
        self._all_open = asyncio.Event()
        self._expected = len(players)
        self._tasks = [asyncio.create_task(self._watch(channels[i % len(channels)], api_key, player), name=f"watch-{i}") for i, player in enumerate(players)]

    async def _watch(self, channel: grpc.aio.Channel, api_key: str, player: Player) -> None:
        md = (("x-api-key", api_key), ("authorization", f"Bearer {player.token}"))
        await self._opening.acquire()
        call = matchmaking_service_pb2_grpc.MatchmakingServiceStub(channel).WatchTicket(pb.WatchTicketRequest(ticket_id=player.ticket_id), metadata=md)
        first = True
        try:
            async for reply in call:
                assert reply.ticket.id == player.ticket_id
                self.messages += 1
                if first:
                    first = False
                    self._opening.release()
                    self.opened += 1
                    self.active += 1
                    if self.opened == self._expected:
                        self._all_open.set()
            self.ended += 1
        except grpc.aio.AioRpcError as err:
            if not self._closing:
                self.failures.append(f"{err.code().name}: {err.details()}")
                self._all_open.set()  # nothing more to wait for: the check fails
        finally:
            if first:
                self._opening.release()
            else:
                self.active -= 1
            call.cancel()

    async def wait_open(self) -> None:
        """Until every stream has its first message, or one failed (bound it with ``asyncio.timeout``)."""
        await self._all_open.wait()

    async def close(self) -> None:
        self._closing = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def hub_connections(redis: Redis) -> dict[str, dict[str, int]]:
    """Redis connections of Playmesh processes by pid, from CLIENT LIST names
    (``playmesh:<pid>:requests`` / ``playmesh:<pid>:streams``): ``{pid: {"requests": n, "streams": n,
    "subscriptions": channels subscribed by its streams connection}}``."""
    out: dict[str, dict[str, int]] = {}
    for client in await redis.client_list():
        parts = client.get("name", "").split(":")
        if len(parts) != 3 or parts[0] != "playmesh":
            continue
        entry = out.setdefault(parts[1], {"requests": 0, "streams": 0, "subscriptions": 0})
        entry[parts[2]] = entry.get(parts[2], 0) + 1
        if parts[2] == "streams":
            entry["subscriptions"] += int(client.get("sub", 0))
    return out
