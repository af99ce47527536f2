"""The gateway at the edge, against real Envoy.

- CORS (the test platform's Envoy): a foreign origin's preflight and gRPC-Web call get no
  ``access-control-allow-origin``; the platform's own origin and localhost development origins do.
- Client IPs (a platform of its own with a tiny per-IP write budget): write calls with a spoofed
  ``x-forwarded-for`` and ``x-playmesh-client-ip`` that change on every call still share one bucket.
- Envoy rendered by ``playmesh.gateway.envoy`` in front of a recording upstream that stands in for the
  services (no data layer involved): the exact client address the services receive, with 0 and 1 trusted
  hops, over native gRPC, gRPC-Web and REST; a unary call that never answers is cut at its deadline; a
  stream is not, but is closed once it goes quiet; HTTP/2 clients are told the stream limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import pathlib
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import h2.config
import h2.connection
import h2.events
import h2.settings
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from playmesh import grpcweb
from playmesh.core.v1 import core_service_pb2 as core_pb
from playmesh.gateway import envoy
from playmesh.launcher.child import PlatformProcess, free_port_block
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as mm_pb
from playmesh.runtime.registry import SERVICES
from playmesh.runtime.settings import Settings

from tests.support.clients import GrpcClient, GrpcWebClient, RestClient, RpcFailure
from tests.support.world import CORE, PASSWORD

FOREIGN_ORIGIN = "https://evil.example"
GET_JWKS = f"/{CORE}/GetJwks"
WATCH_TICKET = "/playmesh.matchmaking.v1.MatchmakingService/WatchTicket"
SPOOFS = {"x-forwarded-for": "203.0.113.66", envoy.CLIENT_IP_HEADER: "198.51.100.77"}
_GRPC_WEB = {"content-type": "application/grpc-web+proto", "x-grpc-web": "1", "accept": "application/grpc-web+proto"}


def _preflight(origin: str) -> dict[str, str]:
    return {"origin": origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-grpc-web,authorization"}


# --- CORS on the test platform's Envoy ---------------------------------------------------------------


async def test_foreign_origin_gets_no_cors_allowance(platform: PlatformProcess) -> None:
    async with httpx.AsyncClient(base_url=f"http://{platform.gateway}", timeout=30) as http:
        preflight = await http.options(GET_JWKS, headers=_preflight(FOREIGN_ORIGIN))
        # Envoy answers it here (not forwarded), and without the one header a browser needs to go on.
        assert preflight.status_code == 200 and "access-control-allow-origin" not in preflight.headers, preflight.headers
        call = await http.post(GET_JWKS, content=grpcweb.frame(b""), headers={**_GRPC_WEB, "origin": FOREIGN_ORIGIN})
        # The call itself went through (curl is no browser); what a browser needs to read it is missing.
        assert call.status_code == 200 and grpcweb.status_of(dict(call.headers), grpcweb.parse(call.content)[1]).code == 0
        assert "access-control-allow-origin" not in call.headers, call.headers


@pytest.mark.parametrize("origin", ["own", "http://localhost:5173", "http://127.0.0.1:3000"])
async def test_own_and_local_origins_are_allowed(platform: PlatformProcess, origin: str) -> None:
    origin = f"http://{platform.gateway}" if origin == "own" else origin
    async with httpx.AsyncClient(base_url=f"http://{platform.gateway}", timeout=30) as http:
        preflight = await http.options(GET_JWKS, headers=_preflight(origin))
        assert preflight.headers.get("access-control-allow-origin") == origin
        assert "authorization" in preflight.headers["access-control-allow-headers"]
        assert "access-control-allow-credentials" not in preflight.headers  # tokens travel in a header, never cookies
        call = await http.post(GET_JWKS, content=grpcweb.frame(b""), headers={**_GRPC_WEB, "origin": origin})
        assert call.headers.get("access-control-allow-origin") == origin
        assert "grpc-status-details-bin" in call.headers["access-control-expose-headers"]


async def test_lookalike_origins_are_refused(platform: PlatformProcess) -> None:
    async with httpx.AsyncClient(base_url=f"http://{platform.gateway}", timeout=30) as http:
        for origin in ("http://localhost.evil.example", "http://evil.example/http://localhost:80", "https://localhost:8080", "null"):
            preflight = await http.options(GET_JWKS, headers=_preflight(origin))
            assert "access-control-allow-origin" not in preflight.headers, origin


# --- Per-IP rate limit with spoofed client addresses -------------------------------------------------


@pytest.fixture(scope="module")
def strict_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformProcess]:
    """A platform whose per-IP write budget is 2 a minute (one token back every 30 s)."""
    proc = PlatformProcess(tmp_path_factory.mktemp("strict"), extra_env={"PLAYMESH_RATE_LIMIT_IP_WRITES_PER_MINUTE": "2"})
    proc.start()
    yield proc
    assert proc.stop() == 0, proc.output.read_text()[-3000:]


async def test_spoofed_client_address_does_not_change_the_rate_limit_key(strict_platform: PlatformProcess) -> None:
    client = GrpcClient(strict_platform.gateway)
    outcomes = []
    try:
        for i in range(6):
            spoof = {"x-forwarded-for": f"203.0.113.{i + 1}", envoy.CLIENT_IP_HEADER: f"198.51.100.{i + 1}"}
            request = core_pb.RegisterDeveloperRequest(email=f"spoof-{i}@example.com", password=PASSWORD, display_name="spoof")
            try:
                await client.call(f"{CORE}/RegisterDeveloper", request, headers=spoof)
                outcomes.append(grpc.StatusCode.OK)
            except RpcFailure as failure:
                outcomes.append(failure.code)
    finally:
        await client.close()
    # Six "different" addresses, one real one: the budget of 2 (3 if a token came back meanwhile) holds.
    assert outcomes[:2] == [grpc.StatusCode.OK, grpc.StatusCode.OK]
    assert outcomes.count(grpc.StatusCode.RESOURCE_EXHAUSTED) >= 3, outcomes


# --- Envoy in front of a recording upstream ----------------------------------------------------------


class RecordingUpstream:
    """Plays every service's port behind Envoy: GetJwks records the metadata it received, GetAccount
    never answers, and WatchTicket streams for ticket "chatty" (a message every 0.25 s for 4 s) or goes
    quiet after one message for any other ticket."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.server = grpc.aio.server()
        self.health = health_aio.HealthServicer()

    async def start(self, settings: Settings) -> None:
        core = "playmesh.core.v1.CoreService"
        self.server.add_generic_rpc_handlers(
            [
                grpc.method_handlers_generic_handler(
                    core,
                    {
                        "GetJwks": grpc.unary_unary_rpc_method_handler(
                            self._get_jwks, core_pb.GetJwksRequest.FromString, core_pb.GetJwksResponse.SerializeToString
                        ),
                        "GetAccount": grpc.unary_unary_rpc_method_handler(
                            self._never_answer, core_pb.GetAccountRequest.FromString, core_pb.GetAccountResponse.SerializeToString
                        ),
                    },
                ),
                grpc.method_handlers_generic_handler(
                    "playmesh.matchmaking.v1.MatchmakingService",
                    {
                        "WatchTicket": grpc.unary_stream_rpc_method_handler(
                            self._watch_ticket, mm_pb.WatchTicketRequest.FromString, mm_pb.WatchTicketResponse.SerializeToString
                        )
                    },
                ),
            ]
        )
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        for spec in SERVICES:
            await self.health.set(spec.full_name, health_pb2.HealthCheckResponse.SERVING)
            self.server.add_insecure_port(f"127.0.0.1:{spec.port(settings)}")
        await self.server.start()

    async def _get_jwks(self, request: core_pb.GetJwksRequest, context: grpc.aio.ServicerContext) -> core_pb.GetJwksResponse:
        self.seen.append({k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)})
        return core_pb.GetJwksResponse()

    async def _never_answer(self, request: core_pb.GetAccountRequest, context: grpc.aio.ServicerContext) -> core_pb.GetAccountResponse:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def _watch_ticket(self, request: mm_pb.WatchTicketRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[mm_pb.WatchTicketResponse]:
        yield mm_pb.WatchTicketResponse()
        if request.ticket_id != "chatty":
            await asyncio.Event().wait()
        for _ in range(16):
            await asyncio.sleep(0.25)
            yield mm_pb.WatchTicketResponse()


@dataclasses.dataclass
class Edge:
    settings: Settings
    upstream: RecordingUpstream

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.settings.gateway_port}"


@contextlib.asynccontextmanager
async def _gateway(tmp_path: pathlib.Path, **overrides: Any) -> AsyncIterator[Edge]:
    """Envoy with the rendered config on free ports, in front of a recording upstream, once it routes."""
    base = free_port_block(20)
    settings = Settings(host="127.0.0.1", gateway_port=base, gateway_admin_port=base + 1, port_base=base + 2, **overrides)
    upstream = RecordingUpstream()
    await upstream.start(settings)
    config = envoy.write(settings, tmp_path / f"envoy-{base}.json")
    log = tmp_path / f"envoy-{base}.log"
    binary = pathlib.Path(sys.executable).with_name("envoy")
    args = ["-c", str(config), "--disable-hot-restart", "--log-level", "warn", "--log-path", str(log)]
    process = await asyncio.create_subprocess_exec(binary, *args, stdout=asyncio.subprocess.DEVNULL)  # stdout: the access log
    client = GrpcClient(f"127.0.0.1:{base}")
    try:
        for _ in range(150):  # until the listener is up and the first health checks passed
            assert process.returncode is None, log.read_text()
            with contextlib.suppress(RpcFailure):
                await client.call(f"{CORE}/GetJwks", core_pb.GetJwksRequest())
                break
            await asyncio.sleep(0.2)
        else:
            raise RuntimeError("Envoy never routed to the recording upstream")
        yield Edge(settings, upstream)
    finally:
        await client.close()
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)
        await upstream.server.stop(0)


@pytest.fixture(scope="module")
async def edge(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Edge]:
    """Envoy as the edge (no trusted proxy), with short timeouts so they show within a test."""
    async with _gateway(
        tmp_path_factory.mktemp("edge"),
        gateway_unary_timeout_seconds=1.0,
        gateway_stream_idle_timeout_seconds=3.0,
        stream_heartbeat_seconds=1.0,  # must stay below the idle timeout (the settings check it)
        gateway_max_concurrent_streams=7,
    ) as running:
        yield running


@pytest.mark.parametrize("protocol", ["grpc", "grpc-web", "rest"])
async def test_services_get_the_peer_address_whatever_the_client_claims(edge: Edge, protocol: str) -> None:
    client = {"grpc": GrpcClient, "grpc-web": GrpcWebClient, "rest": RestClient}[protocol](edge.target)
    try:
        await client.call(f"{CORE}/GetJwks", core_pb.GetJwksRequest(), headers=SPOOFS)
    finally:
        await client.close()
    seen = edge.upstream.seen[-1]
    assert seen[envoy.CLIENT_IP_HEADER] == "127.0.0.1"


async def test_one_trusted_hop_takes_the_address_the_proxy_appended(tmp_path: pathlib.Path) -> None:
    async with _gateway(tmp_path, gateway_xff_num_trusted_hops=1) as behind_proxy:
        client = GrpcClient(behind_proxy.target)
        try:
            # A load balancer appends the address it saw (203.0.113.9) to what the client sent.
            headers = {"x-forwarded-for": "198.51.100.1, 203.0.113.9", envoy.CLIENT_IP_HEADER: "198.51.100.2"}
            await client.call(f"{CORE}/GetJwks", core_pb.GetJwksRequest(), headers=headers)
            assert behind_proxy.upstream.seen[-1][envoy.CLIENT_IP_HEADER] == "203.0.113.9"
            await client.call(f"{CORE}/GetJwks", core_pb.GetJwksRequest())
            assert behind_proxy.upstream.seen[-1][envoy.CLIENT_IP_HEADER] == "127.0.0.1"  # no proxy in between: the peer
        finally:
            await client.close()


async def test_a_unary_call_that_never_answers_is_cut_at_its_deadline(edge: Edge) -> None:
    client = GrpcClient(edge.target)
    try:
        with pytest.raises(RpcFailure) as cut:
            await client.call(f"{CORE}/GetAccount", core_pb.GetAccountRequest())  # the client itself waits 30 s
    finally:
        await client.close()
    assert cut.value.code == grpc.StatusCode.DEADLINE_EXCEEDED, cut.value


async def test_streams_outlive_the_unary_deadline_and_quiet_ones_are_closed(edge: Edge) -> None:
    channel = grpc.aio.insecure_channel(edge.target)
    watch = channel.unary_stream(WATCH_TICKET, mm_pb.WatchTicketRequest.SerializeToString, mm_pb.WatchTicketResponse.FromString)
    try:
        # 4 s of messages, 4 times the unary deadline: the stream route has none.
        chatty = [message async for message in watch(mm_pb.WatchTicketRequest(ticket_id="chatty"), timeout=30)]
        assert len(chatty) == 17
        quiet = watch(mm_pb.WatchTicketRequest(ticket_id="quiet"), timeout=30)
        received = 0
        with pytest.raises(grpc.aio.AioRpcError) as closed:
            async for _ in quiet:
                received += 1
        assert received == 1
        # Closed by Envoy long before the client's 30 s deadline: a stream whose response has begun is
        # reset (RST_STREAM), which grpc-core reports as INTERNAL.
        assert closed.value.code() == grpc.StatusCode.INTERNAL, closed.value
    finally:
        await channel.close()


async def test_a_stream_over_rest_takes_the_stream_route(edge: Edge) -> None:
    """The transcoder turns GET /v1/matchmaking/tickets/chatty:watch into the gRPC path, so the exact
    stream route applies (the service's prefix route would cut it after 1 s)."""
    async with httpx.AsyncClient(base_url=f"http://{edge.target}", timeout=30) as http:
        reply = await http.get("/v1/matchmaking/tickets/chatty:watch")
    assert reply.status_code == 200
    assert reply.text.count("{") == 17, reply.text  # a JSON array with every message of the 4 s stream


async def test_http2_clients_are_told_the_stream_limit(edge: Edge) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.settings.gateway_port)
    connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    connection.initiate_connection()
    writer.write(connection.data_to_send())
    await writer.drain()
    try:
        for _ in range(50):  # Envoy's SETTINGS frame comes first
            events = connection.receive_data(await asyncio.wait_for(reader.read(65535), 10))
            changed = [e for e in events if isinstance(e, h2.events.RemoteSettingsChanged)]
            if changed:
                settings = changed[0].changed_settings
                assert settings[h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS].new_value == 7
                assert settings[h2.settings.SettingCodes.INITIAL_WINDOW_SIZE].new_value == 65536
                return
        raise AssertionError("no SETTINGS frame from Envoy")
    finally:
        writer.close()
