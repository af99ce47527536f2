"""Redis Cluster readiness: every Lua script call and every MULTI/EXEC transaction the services make
touches keys of one hash slot (else a cluster answers CROSSSLOT). Generic on purpose: the test drives
the real services through the gateway while ``MONITOR`` records what reaches Redis, then checks the
keys of every EVAL/EVALSHA and every transaction, whichever module sent them."""

from __future__ import annotations

import asyncio
import re
import time
import urllib.parse
from collections import defaultdict

import pytest
from playmesh.core.v1 import core_service_pb2 as core_pb
from playmesh.launcher.child import PlatformProcess
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as mm_pb
from playmesh.scoreboard.v1 import scoreboard_service_pb2 as sb_pb
from redis.asyncio import Redis
from redis.crc import key_slot

from tests.support.clients import GrpcClient
from tests.support.world import CORE, Tenant, game_config

MM = "playmesh.matchmaking.v1.MatchmakingService"
SB = "playmesh.scoreboard.v1.ScoreboardService"
EU = [mm.RegionLatency(region="eu-west", latency_ms=30)]
_ARG = re.compile(rb'"((?:[^"\\]|\\.)*)"')
_LINE = re.compile(rb"^\+?[\d.]+ \[\d+ ([^\]]+)\] (.*)$")


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i : i + 1] == b"\\" and i + 1 < len(raw):
            nxt = raw[i + 1 : i + 2]
            if nxt == b"x":
                out.append(int(raw[i + 2 : i + 4], 16))
                i += 4
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"a": b"\a", b"b": b"\b"}.get(nxt, nxt)
            i += 2
            continue
        out += raw[i : i + 1]
        i += 1
    return bytes(out)


class Monitor:
    """MONITOR on its own connection: (client, command arguments) of everything Redis executes."""

    def __init__(self, url: str) -> None:
        parsed = urllib.parse.urlparse(url)
        self._host, self._port = parsed.hostname or "127.0.0.1", parsed.port or 6379
        self.commands: list[tuple[str, list[bytes]]] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Monitor:
        reader, self._writer = await asyncio.open_connection(self._host, self._port)
        self._writer.write(b"MONITOR\r\n")
        assert (await reader.readline()).startswith(b"+OK")
        self._task = asyncio.create_task(self._read(reader))
        return self

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            match = _LINE.match(line.rstrip(b"\r\n"))
            if match:
                self.commands.append((match.group(1).decode(), [_unescape(a) for a in _ARG.findall(match.group(2))]))

    async def drain(self, url: str, within: float = 10.0) -> None:
        """Waits until everything executed so far has been read: a marker sent last comes back."""
        marker = f"slots-marker-{time.monotonic_ns()}".encode()
        redis = Redis.from_url(url)
        try:
            await redis.echo(marker)
        finally:
            await redis.aclose()
        deadline = time.monotonic() + within
        while not any(args[1:2] == [marker] for _, args in self.commands[-50:]):
            assert time.monotonic() < deadline, "MONITOR did not show the marker"
            await asyncio.sleep(0.02)

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self._writer.close()


def _multi_slot_calls(commands: list[tuple[str, list[bytes]]]) -> list[str]:
    """Script calls and transactions whose keys fall in more than one slot."""
    found = []
    open_tx: dict[str, list[list[bytes]]] = defaultdict(list)
    in_tx: set[str] = set()
    for client, args in commands:
        if not args:
            continue
        name = args[0].upper()
        if name in (b"EVAL", b"EVALSHA") and len(args) >= 3:
            keys = args[3 : 3 + int(args[2])]
            if len({key_slot(k) for k in keys}) > 1:
                found.append(f"script {args[1][:12].decode(errors='replace')}: {[k.decode(errors='replace') for k in keys]}")
        elif name == b"MULTI":
            in_tx.add(client)
            open_tx[client] = []
        elif name == b"EXEC" and client in in_tx:
            in_tx.discard(client)
            keys = [c[1] for c in open_tx.pop(client) if len(c) > 1]
            if len({key_slot(k) for k in keys}) > 1:
                found.append(f"transaction: {[k.decode(errors='replace') for k in keys]}")
        elif client in in_tx:
            open_tx[client].append(args)
    return found


async def test_every_script_and_transaction_touches_one_slot(platform: PlatformProcess, grpc_client: GrpcClient) -> None:
    config = game_config()
    config.leaderboards[0].max_points_per_minute = 1000  # the per-minute ceiling has its own script
    tenant = await Tenant.create(grpc_client, "slots", config)
    players = [await tenant.new_player(grpc_client) for _ in range(4)]
    server = await platform.server_token(tenant.studio_id, tenant.game_id)
    as_player = {"api_key": tenant.api_key, "token": tenant.player_token}
    async with Monitor(str(platform.endpoints["redis_url"])) as monitor:
        # core: a refresh (rotation script); a change announced on the bus
        await grpc_client.call(f"{CORE}/RefreshToken", core_pb.RefreshTokenRequest(refresh_token=tenant.refresh_token), api_key=tenant.api_key)
        await grpc_client.call(
            f"{CORE}/UpdateGame",
            core_pb.UpdateGameRequest(studio_id=tenant.studio_id, game_id=tenant.game_id, display_name="renamed"),
            token=tenant.developer_token,
        )
        # matchmaking: tickets with idempotency, a cancel, a match committed by the tick
        tickets = []
        for i, p in enumerate(players):
            request = mm_pb.CreateTicketRequest(mode="duo", latencies=EU, request_id=f"slots-{i}")
            tickets.append((p, (await grpc_client.call(f"{MM}/CreateTicket", request, api_key=tenant.api_key, token=p.tokens.access_token)).ticket.id))
        lone = (
            await grpc_client.call(f"{MM}/CreateTicket", mm_pb.CreateTicketRequest(mode="duo", latencies=EU), api_key=tenant.api_key, token=tenant.player_token)
        ).ticket
        await grpc_client.call(f"{MM}/CancelTicket", mm_pb.CancelTicketRequest(ticket_id=lone.id), **as_player)
        await grpc_client.call(
            f"{MM}/GetQueueStats", mm_pb.GetQueueStatsRequest(studio_id=tenant.studio_id, game_id=tenant.game_id), token=tenant.developer_token
        )
        deadline = time.monotonic() + 20
        for p, ticket_id in tickets:
            while True:
                got = await grpc_client.call(
                    f"{MM}/GetTicket", mm_pb.GetTicketRequest(ticket_id=ticket_id), api_key=tenant.api_key, token=p.tokens.access_token
                )
                if got.ticket.state == mm.TICKET_STATE_MATCHED:
                    break
                assert time.monotonic() < deadline, "the four tickets were not matched"
                await asyncio.sleep(0.1)
        # scoreboard: an action (ceiling and rank scripts), a server batch, reads
        await grpc_client.call(
            f"{SB}/SubmitAction",
            sb_pb.SubmitActionRequest(leaderboard="kills", action="kill", request_id="a1"),
            api_key=tenant.api_key,
            token=tenant.player_token,
        )
        batch = sb_pb.SubmitScoresRequest(updates=[sb_pb.ScoreUpdate(leaderboard="kills", player_id=p.player.id, score=5) for p in players])
        await grpc_client.call(f"{SB}/SubmitScores", batch, token=server)
        await grpc_client.call(f"{SB}/GetTop", sb_pb.GetTopRequest(leaderboard="kills"), **as_player)
        await monitor.drain(str(platform.endpoints["redis_url"]))
    scripts = sum(1 for _, args in monitor.commands if args and args[0].upper() in (b"EVAL", b"EVALSHA"))
    assert scripts >= 6, f"too few script calls recorded ({scripts}); is MONITOR seeing the services?"
    offenders = _multi_slot_calls(monitor.commands)
    assert not offenders, "calls that would fail with CROSSSLOT on Redis Cluster:\n" + "\n".join(sorted(set(offenders)))


@pytest.mark.parametrize(
    ("commands", "offending"),
    [
        ([("c", [b"EVALSHA", b"x", b"2", b"pm:a:{g}", b"pm:b:{g}"])], False),
        ([("c", [b"EVALSHA", b"x", b"2", b"pm:a:{g}", b"pm:b:{h}"])], True),
        ([("c", [b"MULTI"]), ("c", [b"XADD", b"pm:bus:t:dead"]), ("d", [b"GET", b"other"]), ("c", [b"XACK", b"pm:bus:t"]), ("c", [b"EXEC"])], True),
        ([("c", [b"MULTI"]), ("c", [b"XADD", b"pm:bus:{t}:dead"]), ("c", [b"XACK", b"pm:bus:{t}"]), ("c", [b"EXEC"])], False),
    ],
)
def test_the_slot_check_tells_one_slot_from_several(commands: list[tuple[str, list[bytes]]], offending: bool) -> None:
    assert bool(_multi_slot_calls(commands)) == offending
