"""Requests that are not one well-formed message (an empty body, a last frame cut short, bytes that are
not protobuf, two messages on a unary method) answer at once with INVALID_ARGUMENT and an ErrorInfo,
over gRPC-Web and native gRPC through the gateway and straight to the service's own port. Before, an
empty or truncated unary call was never answered and garbage answered UNKNOWN with a Python error text.

Every call here has a client deadline: a hang fails the test instead of holding it; the answer itself
comes in milliseconds."""

from __future__ import annotations

import asyncio
import base64

import grpc
import h2.config
import h2.connection
import h2.events
import httpx
import pytest
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from playmesh import grpcweb
from playmesh.launcher.child import PlatformProcess

JWKS = "/playmesh.core.v1.CoreService/GetJwks"  # anonymous and unlimited: nothing but the body decides
WATCH = "/playmesh.matchmaking.v1.MatchmakingService/WatchTicket"  # a server stream
HEALTH = "/grpc.health.v1.Health/Check"  # outside the contracts' policies, same reading
DEADLINE_SECONDS = 5

EMPTY = b""
TRUNCATED = b"\x00\x00\x00\x00\x10abc"  # a frame header announcing 16 bytes, then 3
GARBAGE = grpcweb.frame(b"\xff\xff\xff\xff")  # a well-framed message whose first tag is a varint that never ends
BODIES = {"empty": (EMPTY, "EMPTY_REQUEST"), "truncated": (TRUNCATED, "EMPTY_REQUEST"), "garbage": (GARBAGE, "MALFORMED_REQUEST")}


def _assert_invalid(status: status_pb2.Status, reason: str, domain: str) -> None:
    assert status.code == code_pb2.INVALID_ARGUMENT, status
    infos = []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            infos.append(info)
    assert [(i.reason, i.domain) for i in infos] == [(reason, domain)], status


async def _h2_call(address: str, path: str, body: bytes) -> dict[str, str]:
    """One native gRPC call with a hand-made body over h2c; the response's headers and trailers merged."""
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    stream = conn.get_next_available_stream_id()
    headers = [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", address), ("content-type", "application/grpc"), ("te", "trailers")]
    conn.send_headers(stream, headers)
    conn.send_data(stream, body, end_stream=True)
    writer.write(conn.data_to_send())
    answer: dict[str, str] = {}
    try:
        async with asyncio.timeout(DEADLINE_SECONDS):
            while True:
                data = await reader.read(65536)
                assert data, f"connection closed before the call ended: {answer}"
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.ResponseReceived | h2.events.TrailersReceived):
                        answer.update(dict(event.headers))
                    elif isinstance(event, h2.events.StreamReset):
                        raise AssertionError(f"stream reset ({event.error_code}) instead of a status")
                    elif isinstance(event, h2.events.StreamEnded):
                        return answer
                writer.write(conn.data_to_send())
    finally:
        writer.close()


def _h2_status(answer: dict[str, str]) -> status_pb2.Status:
    raw = answer.get("grpc-status-details-bin", "")
    assert raw, f"no google.rpc.Status in {answer}"
    return status_pb2.Status.FromString(base64.b64decode(raw + "=" * (-len(raw) % 4)))


@pytest.mark.parametrize("body_name", BODIES)
async def test_grpc_web_through_the_gateway(body_name: str, platform: PlatformProcess) -> None:
    body, reason = BODIES[body_name]
    headers = {"content-type": "application/grpc-web+proto", "x-grpc-web": "1", "accept": "application/grpc-web+proto"}
    async with httpx.AsyncClient(base_url=f"http://{platform.gateway}", timeout=DEADLINE_SECONDS) as http:
        response = await http.post(JWKS, content=body, headers=headers)
    messages, trailers = grpcweb.parse(response.content)
    assert messages == []
    _assert_invalid(grpcweb.status_of(dict(response.headers), trailers), reason, "core.playmesh.dev")


@pytest.mark.parametrize("route", ["gateway", "service"])
@pytest.mark.parametrize("body_name", BODIES)
async def test_native_grpc_hand_made_bodies(body_name: str, route: str, platform: PlatformProcess) -> None:
    body, reason = BODIES[body_name]
    address = platform.gateway if route == "gateway" else str(platform.endpoints["services"]["core"])  # type: ignore[index]
    _assert_invalid(_h2_status(await _h2_call(address, JWKS, body)), reason, "core.playmesh.dev")


@pytest.mark.parametrize("route", ["gateway", "service"])
async def test_native_grpc_client_without_a_message_or_with_garbage(route: str, platform: PlatformProcess) -> None:
    address = platform.gateway if route == "gateway" else str(platform.endpoints["services"]["core"])  # type: ignore[index]
    async with grpc.aio.insecure_channel(address) as channel:
        # No serializer: the bytes go out as they are. A streaming call with no message half-closes at once.
        calls = {
            "EMPTY_REQUEST": channel.stream_unary(JWKS)(iter(()), timeout=DEADLINE_SECONDS),
            "MALFORMED_REQUEST": channel.unary_unary(JWKS)(b"\xff\xff\xff\xff", timeout=DEADLINE_SECONDS),
        }
        for reason, call in calls.items():
            with pytest.raises(grpc.aio.AioRpcError) as failed:
                await call
            assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT, failed.value
            _assert_invalid(rpc_status.from_call(failed.value), reason, "core.playmesh.dev")


async def test_two_messages_on_a_unary_method(platform: PlatformProcess) -> None:
    async with grpc.aio.insecure_channel(str(platform.endpoints["services"]["core"])) as channel:  # type: ignore[index]
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await channel.stream_unary(JWKS)(iter((b"", b"")), timeout=DEADLINE_SECONDS)
    _assert_invalid(rpc_status.from_call(failed.value), "MALFORMED_REQUEST", "core.playmesh.dev")


@pytest.mark.parametrize("body_name", BODIES)
async def test_server_stream_method(body_name: str, platform: PlatformProcess) -> None:
    body, reason = BODIES[body_name]
    address = str(platform.endpoints["services"]["matchmaking"])  # type: ignore[index]
    _assert_invalid(_h2_status(await _h2_call(address, WATCH, body)), reason, "matchmaking.playmesh.dev")


async def test_health_check_with_an_empty_body_answers(platform: PlatformProcess) -> None:
    answer = await _h2_call(str(platform.endpoints["services"]["core"]), HEALTH, EMPTY)  # type: ignore[index]
    assert answer.get("grpc-status") == str(code_pb2.INVALID_ARGUMENT), answer


async def test_a_well_formed_empty_message_is_still_answered(platform: PlatformProcess) -> None:
    # A zero-length message (five header bytes) is a valid empty request, not an empty body.
    answer = await _h2_call(str(platform.endpoints["services"]["core"]), JWKS, grpcweb.frame(b""))  # type: ignore[index]
    assert answer.get("grpc-status") == "0", answer
