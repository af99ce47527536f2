"""``playmesh call``: a small grpcurl for Playmesh. Sends one JSON request to an RPC through the gateway
over native gRPC or gRPC-Web and prints the JSON answer, or the status with its details."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory
from google.rpc import error_details_pb2, status_pb2  # noqa: F401 - registers the detail types for printing
from grpc_status import rpc_status

from playmesh import grpcweb
from playmesh.runtime.registry import SERVICES

__all__ = ["CallFailed", "call"]


class CallFailed(Exception):
    def __init__(self, status: status_pb2.Status) -> None:
        super().__init__(status.message)
        self.status = status

    def to_json(self) -> str:
        return json_format.MessageToJson(self.status, indent=2)


def _load_contracts() -> None:
    for spec in SERVICES:
        __import__(spec.grpc_module.replace("_pb2_grpc", "_pb2"))


def _method(name: str) -> Any:
    """Accepts ``playmesh.core.v1.CoreService/GetAccount`` or the short ``core.GetAccount``."""
    _load_contracts()
    if "/" in name:
        service, method = name.split("/", 1)
    else:
        short, _, method = name.partition(".")
        spec = next((s for s in SERVICES if s.name == short), None)
        if spec is None:
            raise ValueError(f"unknown service {short!r}")
        service = spec.full_name
    try:
        return descriptor_pool.Default().FindServiceByName(service).methods_by_name[method]
    except KeyError:
        raise ValueError(f"unknown method {name!r}") from None


def call(gateway: str, name: str, body: str, headers: dict[str, str], *, web: bool = False) -> str:
    method = _method(name)
    request = json_format.Parse(body or "{}", message_factory.GetMessageClass(method.input_type)())
    out = message_factory.GetMessageClass(method.output_type)
    path = f"/{method.containing_service.full_name}/{method.name}"
    reply = _call_web(gateway, path, request, out, headers) if web else _call_grpc(gateway, path, request, out, headers)
    return json_format.MessageToJson(reply, indent=2)


def _call_grpc(gateway: str, path: str, request: Any, out: Any, headers: dict[str, str]) -> Any:
    with grpc.insecure_channel(gateway) as channel:
        stub = channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(), response_deserializer=out.FromString)
        try:
            return stub(request, metadata=list(headers.items()), timeout=30)
        except grpc.RpcError as err:
            raise CallFailed(rpc_status.from_call(err) or status_pb2.Status(code=err.code().value[0], message=err.details())) from None  # type: ignore[attr-defined]


def _call_web(gateway: str, path: str, request: Any, out: Any, headers: dict[str, str]) -> Any:
    http = urllib.request.Request(
        f"http://{gateway}{path}",
        data=grpcweb.frame(request.SerializeToString()),
        headers={"content-type": "application/grpc-web+proto", "x-grpc-web": "1", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(http, timeout=30) as response:
            body, response_headers = response.read(), dict(response.headers)
    except urllib.error.HTTPError as err:
        body, response_headers = err.read(), dict(err.headers)
    messages, trailers = grpcweb.parse(body)
    status = grpcweb.status_of(response_headers, trailers)
    if status.code != 0:
        raise CallFailed(status)
    return out.FromString(messages[0])
