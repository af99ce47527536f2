"""Three ways to call Playmesh through the gateway, with one interface:
``await client.call("playmesh.core.v1.CoreService/GetAccount", request, api_key=..., token=...)``.

- ``GrpcClient``: native gRPC (HTTP/2) with grpc.aio.
- ``RestClient``: REST/JSON; verb, path and body come from the method's ``google.api.http`` option in
  the contract, so the tests exercise exactly the documented REST API.
- ``GrpcWebClient``: gRPC-Web spoken by hand: 5-byte frames out, data and trailer (0x80) frames back.

Every failure becomes ``RpcFailure`` with the status code and the ``google.rpc.Status`` details.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import grpc
import httpx
from google.api import annotations_pb2
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status
from playmesh import grpcweb

# Import every contract so the descriptor pool knows all methods and messages.
from playmesh.core.v1 import core_service_pb2  # noqa: F401
from playmesh.lobby.v1 import lobby_service_pb2  # noqa: F401
from playmesh.matchmaking.v1 import matchmaking_service_pb2  # noqa: F401
from playmesh.scoreboard.v1 import scoreboard_service_pb2  # noqa: F401
from playmesh.session.v1 import session_service_pb2  # noqa: F401
from playmesh.telemetry.v1 import telemetry_service_pb2  # noqa: F401

__all__ = ["Client", "GrpcClient", "GrpcWebClient", "RestClient", "RpcFailure", "grpc_web_frames", "json_array_items"]


@dataclasses.dataclass
class RpcFailure(Exception):
    code: grpc.StatusCode
    message: str
    status: status_pb2.Status
    http_status: int = 0

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message} {self.violations() or ''} {self.reason()}"

    def _details(self, kind: type[Message]) -> list[Any]:
        found = []
        for any_detail in self.status.details:
            if any_detail.Is(kind.DESCRIPTOR):
                detail = kind()
                any_detail.Unpack(detail)
                found.append(detail)
        return found

    def reason(self) -> str:
        infos = self._details(error_details_pb2.ErrorInfo)
        return infos[0].reason if infos else ""

    def violations(self) -> dict[str, str]:
        return {v.field: v.description for b in self._details(error_details_pb2.BadRequest) for v in b.field_violations}

    def retry_delay_seconds(self) -> float | None:
        infos = self._details(error_details_pb2.RetryInfo)
        return infos[0].retry_delay.ToMilliseconds() / 1000 if infos else None


def _method(path: str) -> Any:
    service, name = path.split("/")
    return descriptor_pool.Default().FindServiceByName(service).methods_by_name[name]


def _types(path: str) -> tuple[type[Message], type[Message]]:
    method = _method(path)
    return message_factory.GetMessageClass(method.input_type), message_factory.GetMessageClass(method.output_type)


def _metadata(api_key: str | None, token: str | None, extra: dict[str, str] | None) -> list[tuple[str, str]]:
    md = []
    if api_key is not None:
        md.append(("x-api-key", api_key))
    if token is not None:
        md.append(("authorization", f"Bearer {token}"))
    md += list((extra or {}).items())
    return md


class GrpcClient:
    protocol = "grpc"

    def __init__(self, target: str) -> None:
        self.target = target
        self._channel: grpc.aio.Channel | None = None

    @property
    def channel(self) -> grpc.aio.Channel:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self.target)
        return self._channel

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()

    async def call(self, path: str, request: Message, *, api_key: str | None = None, token: str | None = None, headers: dict[str, str] | None = None) -> Any:
        _, out = _types(path)
        stub = self.channel.unary_unary(f"/{path}", request_serializer=lambda m: m.SerializeToString(), response_deserializer=out.FromString)
        try:
            return await stub(request, metadata=_metadata(api_key, token, headers), timeout=30)
        except grpc.aio.AioRpcError as err:
            raise _from_grpc(err) from None

    async def stream(self, path: str, request: Message, *, api_key: str | None = None, token: str | None = None) -> AsyncIterator[Any]:
        _, out = _types(path)
        stub = self.channel.unary_stream(f"/{path}", request_serializer=lambda m: m.SerializeToString(), response_deserializer=out.FromString)
        try:
            async for item in stub(request, metadata=_metadata(api_key, token, None), timeout=30):
                yield item
        except grpc.aio.AioRpcError as err:
            raise _from_grpc(err) from None


def _from_grpc(err: grpc.aio.AioRpcError) -> RpcFailure:
    status = rpc_status.from_call(err) or status_pb2.Status(code=err.code().value[0], message=err.details() or "")
    return RpcFailure(err.code(), err.details() or "", status)


_CODES = {c.value[0]: c for c in grpc.StatusCode}


class RestClient:
    protocol = "rest"

    def __init__(self, target: str) -> None:
        self.base = f"http://{target}"
        self.http = httpx.AsyncClient(base_url=self.base, timeout=30)

    async def close(self) -> None:
        await self.http.aclose()

    def route(self, path: str, request: Message) -> tuple[str, str, dict[str, Any] | None, dict[str, Any]]:
        """(verb, URL path, JSON body or None, query) for a request, from the contract's http rule."""
        rule = _method(path).GetOptions().Extensions[annotations_pb2.http]
        verb = rule.WhichOneof("pattern")
        template = getattr(rule, verb)
        fields = json_format.MessageToDict(request, preserving_proto_field_name=True)

        def fill(match: re.Match[str]) -> str:
            return str(fields.pop(match.group(1), ""))

        url = re.sub(r"\{([a-z_]+)\}", fill, template)
        rest = json_format.MessageToDict(request)  # JSON names, without the path fields
        for name in list(rest):
            snake = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)
            if snake not in fields:
                rest.pop(name)
        if rule.body == "*":
            return verb.upper(), url, rest, {}
        return verb.upper(), url, None, rest

    async def call(self, path: str, request: Message, *, api_key: str | None = None, token: str | None = None, headers: dict[str, str] | None = None) -> Any:
        _, out = _types(path)
        verb, url, body, query = self.route(path, request)
        response = await self.http.request(verb, url, json=body, params=query, headers=dict(_metadata(api_key, token, headers)))
        return self.parse(response, out)

    @staticmethod
    def parse(response: httpx.Response, out: type[Message]) -> Any:
        if response.status_code == 200:
            return json_format.Parse(response.text, out(), ignore_unknown_fields=True)
        try:
            status = json_format.Parse(response.text, status_pb2.Status(), ignore_unknown_fields=True)
            code = _CODES.get(status.code, grpc.StatusCode.UNKNOWN)
        except json_format.ParseError:
            status, code = (
                status_pb2.Status(message=response.text),
                {404: grpc.StatusCode.NOT_FOUND, 413: grpc.StatusCode.RESOURCE_EXHAUSTED}.get(response.status_code, grpc.StatusCode.UNKNOWN),
            )
        return _raise(RpcFailure(code, status.message, status, response.status_code))


def _raise(failure: RpcFailure) -> Any:
    raise failure


class GrpcWebClient:
    protocol = "grpc-web"

    def __init__(self, target: str) -> None:
        self.http = httpx.AsyncClient(base_url=f"http://{target}", timeout=30)

    async def close(self) -> None:
        await self.http.aclose()

    async def call(self, path: str, request: Message, *, api_key: str | None = None, token: str | None = None, headers: dict[str, str] | None = None) -> Any:
        _, out = _types(path)
        all_headers = {
            "content-type": "application/grpc-web+proto",
            "x-grpc-web": "1",
            "accept": "application/grpc-web+proto",
            **dict(_metadata(api_key, token, headers)),
        }
        response = await self.http.post(f"/{path}", content=grpcweb.frame(request.SerializeToString()), headers=all_headers)
        messages, trailers = grpcweb.parse(response.content)
        status = grpcweb.status_of(dict(response.headers), trailers, default_code=2 if response.status_code != 200 else 0)
        if status.code != 0:
            raise RpcFailure(_CODES[status.code], status.message, status, response.status_code)
        return out.FromString(messages[0])


Client = GrpcClient | RestClient | GrpcWebClient


async def json_array_items(response: httpx.Response) -> AsyncIterator[Any]:
    """The items of a server stream over REST, as they arrive (the transcoder sends one chunked JSON array)."""
    text, decoder = "", json.JSONDecoder()
    async for chunk in response.aiter_text():
        text += chunk
        while True:
            text = text.lstrip("[,\n\r ]")
            try:
                item, end = decoder.raw_decode(text)
            except json.JSONDecodeError:
                break
            text = text[end:]
            yield item


async def grpc_web_frames(response: httpx.Response) -> AsyncIterator[tuple[bool, bytes]]:
    """(is trailers, payload) of each gRPC-Web frame of a streamed response, as it arrives."""
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        while len(buffer) >= 5 and len(buffer) >= 5 + int.from_bytes(buffer[1:5], "big"):
            size = int.from_bytes(buffer[1:5], "big")
            flag, payload, buffer = buffer[0], buffer[5 : 5 + size], buffer[5 + size :]
            yield bool(flag & 0x80), payload
