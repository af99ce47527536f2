"""Calls between Playmesh services. A service reaches another's data only through that service's gRPC
API (or its events on the bus), never its tables; these calls carry a service principal.

The service principal is a JWT with audience ``playmesh:service`` and the calling service as subject,
signed by the platform keyring and valid for ``TOKEN_TTL_SECONDS``: only a process holding the platform
secret can make one, and the contract's method policy (``PRINCIPAL_SERVICE``) admits nothing else to
internal RPCs. Channels go straight to the service's processes (round-robin across its workers), not
through the gateway, so internal calls never draw from per-IP budgets meant for players.

Errors the other service answers with come back as this process's own ``PlaymeshError`` (NOT_FOUND
stays NOT_FOUND, with its reason); anything that means the dependency failed is UNAVAILABLE.
"""

from __future__ import annotations

import ipaddress
import time
import uuid
from typing import Any

import grpc
import structlog
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from playmesh.runtime.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound, PermissionDenied, PlaymeshError, Unavailable
from playmesh.runtime.logging import get_logger
from playmesh.runtime.registry import service
from playmesh.runtime.settings import Settings
from playmesh.runtime.tokens import AUD_SERVICE, KeyRing

__all__ = ["TOKEN_TTL_SECONDS", "InternalClient", "ServiceToken", "service_target"]

TOKEN_TTL_SECONDS = 300
log = get_logger(__name__)
_PASSED_ON = {"NOT_FOUND": NotFound, "PERMISSION_DENIED": PermissionDenied, "FAILED_PRECONDITION": FailedPrecondition}


class ServiceToken:
    """The calling service's token, minted again when a third of its life is left."""

    def __init__(self, keyring: KeyRing, caller: str, *, ttl_seconds: int = TOKEN_TTL_SECONDS) -> None:
        self._keyring = keyring
        self._caller = caller
        self._ttl = ttl_seconds
        self._token = ""
        self._renew_at = 0.0

    def get(self) -> str:
        now = time.time()
        if now >= self._renew_at:
            issued = int(now)
            self._token = self._keyring.sign({"sub": self._caller, "aud": AUD_SERVICE, "iat": issued, "exp": issued + self._ttl, "jti": uuid.uuid4().hex})
            self._renew_at = issued + self._ttl * 2 / 3
        return self._token


def service_target(settings: Settings, name: str) -> str:
    """The gRPC target of a service's processes: all worker ports when they share an address."""
    spec = service(name)
    host = spec.upstream_host(settings)
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    ports = spec.ports(settings)
    if len(ports) == 1:
        return f"{host}:{ports[0]}"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"dns:///{host}:{ports[0]}"
    if address.version == 6:
        return "ipv6:" + ",".join(f"[{host}]:{port}" for port in ports)
    return "ipv4:" + ",".join(f"{host}:{port}" for port in ports)


class InternalClient:
    """Channels to other services, opened on first use, and calls on them with the service token."""

    def __init__(self, settings: Settings, keyring: KeyRing, caller: str, *, timeout_seconds: float = 2.0) -> None:
        self._settings = settings
        self._token = ServiceToken(keyring, caller)
        self._timeout = timeout_seconds
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._stubs: dict[tuple[str, type], Any] = {}

    def stub(self, name: str, stub_type: type) -> Any:
        """A stub of service ``name`` (e.g. ``core_service_pb2_grpc.CoreServiceStub``)."""
        key = (name, stub_type)
        if key not in self._stubs:
            if name not in self._channels:
                self._channels[name] = grpc.aio.insecure_channel(
                    service_target(self._settings, name), options=[("grpc.lb_policy_name", "round_robin"), ("grpc.enable_retries", 1)]
                )
            self._stubs[key] = stub_type(self._channels[name])
        return self._stubs[key]

    async def call(self, method: Any, request: Any) -> Any:
        """Calls ``method`` (a stub's unary method) as this service, passing the request id on."""
        metadata = [("authorization", f"Bearer {self._token.get()}")]
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id:
            metadata.append(("x-request-id", str(request_id)))
        try:
            # Not wait_for_ready: while the other service is down its calls fail at once (UNAVAILABLE)
            # instead of holding every caller for the whole timeout.
            return await method(request, metadata=metadata, timeout=self._timeout, wait_for_ready=False)
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc) from None

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()
        self._stubs.clear()


def _translate(exc: grpc.aio.AioRpcError) -> PlaymeshError:
    code = exc.code().name
    reason, metadata, violations = "", {}, []
    status = rpc_status.from_call(exc)
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, metadata = info.reason, dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations = [FieldViolation(v.field, v.description) for v in bad.field_violations]
    if code in _PASSED_ON:
        return _PASSED_ON[code](exc.details() or code.lower(), reason=reason or None, metadata=metadata)
    if code == "INVALID_ARGUMENT" and violations:
        return InvalidArgument(violations, reason=reason or None)
    # Anything else (down, overloaded, our token refused) is the dependency failing, not the caller's fault.
    log.warning("internal_call_failed", code=code, reason=reason, details=exc.details())
    return Unavailable("a Playmesh service this call depends on is unavailable; retry shortly", reason="DEPENDENCY_UNAVAILABLE", metadata={"code": code})
