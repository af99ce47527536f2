"""gRPC-Web framing (the wire format browsers speak through the gateway), for ``playmesh call --web`` and
the tests: 5-byte frames (flag, big-endian length), data frames then one trailer frame (flag 0x80)."""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping

from google.rpc import status_pb2

__all__ = ["frame", "parse", "status_of"]


def frame(payload: bytes) -> bytes:
    return struct.pack(">BI", 0, len(payload)) + payload


def parse(body: bytes) -> tuple[list[bytes], dict[str, str]]:
    """Splits a response body into message payloads and the trailers (keys lower-case)."""
    messages: list[bytes] = []
    trailers: dict[str, str] = {}
    offset = 0
    while offset + 5 <= len(body):
        flag, length = struct.unpack(">BI", body[offset : offset + 5])
        chunk = body[offset + 5 : offset + 5 + length]
        offset += 5 + length
        if flag & 0x80:
            for line in chunk.decode().split("\r\n"):
                if ":" in line:
                    key, value = line.split(":", 1)
                    trailers[key.strip().lower()] = value.strip()
        else:
            messages.append(chunk)
    return messages, trailers


def status_of(headers: Mapping[str, str], trailers: Mapping[str, str], *, default_code: int = 0) -> status_pb2.Status:
    """The call's status from trailers (or headers, for trailers-only answers), with its details."""
    merged = {**{k.lower(): v for k, v in headers.items() if k.lower().startswith("grpc-")}, **trailers}
    raw = merged.get("grpc-status-details-bin", "")
    if raw:
        return status_pb2.Status.FromString(base64.b64decode(raw + "=" * (-len(raw) % 4)))
    return status_pb2.Status(code=int(merged.get("grpc-status", default_code)), message=merged.get("grpc-message", ""))
