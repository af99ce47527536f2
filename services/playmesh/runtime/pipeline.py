"""The per-RPC pipeline, one interceptor shared by every service. For each call it:

1. reads the request itself: exactly one decodable message for unary-request methods, else
   INVALID_ARGUMENT (see "Reading requests" below);
2. takes or makes the request id (``x-request-id``) and binds it, the method and later the tenant to
   the log context;
3. draws from the client IP's rate-limit bucket, before authentication, so a flood of bad credentials
   costs no database read or signature check once its address is over its budget;
4. authenticates the caller against the method's ``playmesh.options.v1.policy``, then draws from the
   caller's own bucket;
5. runs the servicer with ``current_caller()`` bound;
6. turns domain errors into ``google.rpc.Status`` (ErrorInfo, BadRequest, RetryInfo), dependency
   failures into UNAVAILABLE and anything else into INTERNAL (logged with its traceback);
7. logs one canonical line and records Prometheus metrics.

Reading requests: grpc.aio treats a unary-request call whose client half-closes without a complete
message (an empty body, or a last frame cut short, which grpc core drops) as cancelled and never
answers; and a request that does not parse answers UNKNOWN with a Python exception text. So every
handler is registered with a streaming request (identical on the wire) and raw bytes: the pipeline sees
"no message", "more than one" or "does not parse" and answers INVALID_ARGUMENT with ErrorInfo
(``EMPTY_REQUEST`` / ``MALFORMED_REQUEST``), like any other bad input. Health and reflection get the
same reading without the rest of the pipeline.

The client IP is ``x-playmesh-client-ip``, which the gateway sets (overwriting whatever the client sent)
to the address it trusts; direct calls without the gateway use the connection's peer address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import grpc
import structlog
from asyncpg.exceptions import OperatorInterventionError, PostgresConnectionError
from google.protobuf import descriptor_pool, duration_pb2
from google.protobuf.message import DecodeError
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from prometheus_client import Counter, Histogram
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from playmesh.options.v1 import options_pb2
from playmesh.runtime.auth import Authenticator, bind_caller
from playmesh.runtime.errors import FieldViolation, InvalidArgument, PlaymeshError, ResourceExhausted
from playmesh.runtime.logging import get_logger
from playmesh.runtime.ratelimit import Budget, RateLimiter
from playmesh.runtime.settings import Settings

__all__ = ["CLIENT_IP_HEADER", "Pipeline", "client_ip", "ip_bucket", "method_policies", "status_for"]

CLIENT_IP_HEADER = "x-playmesh-client-ip"

log = get_logger("playmesh.rpc")
RPCS = Counter("playmesh_rpc_total", "RPCs handled", ["service", "method", "code"])
LATENCY = Histogram(
    "playmesh_rpc_seconds",
    "RPC latency",
    ["service", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)
# Hot paths use asyncpg directly (``Database.driver``), so its own connection errors count too.
_DEPENDENCY_ERRORS = (
    RedisConnectionError,
    RedisTimeoutError,
    OperationalError,
    InterfaceError,
    PostgresConnectionError,
    OperatorInterventionError,
    ConnectionError,
    OSError,
)


def method_policies(service_full_name: str) -> dict[str, options_pb2.MethodPolicy]:
    """``/pkg.Service/Method`` → policy, read from the contract's method options."""
    service = descriptor_pool.Default().FindServiceByName(service_full_name)
    policies = {}
    for method in service.methods:
        policy = method.GetOptions().Extensions[options_pb2.policy]
        if not policy.principals:
            raise RuntimeError(f"{method.full_name} has no playmesh.options.v1.policy")
        policies[f"/{service_full_name}/{method.name}"] = policy
    return policies


def status_for(error: PlaymeshError, domain: str) -> status_pb2.Status:
    details = [error_details_pb2.ErrorInfo(reason=error.reason, domain=domain, metadata=error.metadata)]
    if isinstance(error, InvalidArgument):
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description) for v in error.violations]
            )
        )
    if isinstance(error, ResourceExhausted):
        delay = duration_pb2.Duration()
        delay.FromMilliseconds(max(1, int(error.retry_after_seconds * 1000)))
        details.append(error_details_pb2.RetryInfo(retry_delay=delay))
    status = status_pb2.Status(code=getattr(code_pb2, error.code), message=error.message)
    for detail in details:
        status.details.add().Pack(detail)
    return status


def client_ip(metadata: Mapping[str, str], peer: str) -> str:
    """The caller's address: the gateway's ``x-playmesh-client-ip``, else the connection's peer.
    ``x-forwarded-for`` is not read: clients write into it, and which entry to trust depends on the
    proxies in front of the gateway, which only the gateway is told (its trusted hops)."""
    ip = metadata.get(CLIENT_IP_HEADER, "")
    if ip:
        return ip.strip().strip("[]")[:64]
    if peer.startswith(("ipv4:", "ipv6:")):
        return peer.split(":", 1)[1].rsplit(":", 1)[0].strip("[]")
    return peer


def ip_bucket(ip: str) -> str:
    """The per-IP bucket an address draws from: an IPv6 client is its /64 (one subscriber's prefix,
    within which addresses are free to rotate), an IPv4-mapped IPv6 address its IPv4 address."""
    if ":" not in ip:
        return ip
    try:
        address = ipaddress.IPv6Address(ip)
    except ValueError:
        return ip
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, 64), strict=False).network_address) + "/64"


_MESSAGES = {
    "UNIMPLEMENTED": "this RPC is not implemented yet",
    "UNAVAILABLE": "a dependency (database or cache) is unavailable; retry shortly",
    "INTERNAL": "internal error; the request id is in the server log",
}


def _code_name(exc: BaseException, context: grpc.aio.ServicerContext) -> str:
    """The status code a failure ends the call with."""
    if isinstance(exc, PlaymeshError):
        return exc.code
    if isinstance(exc, asyncio.CancelledError):
        return "CANCELLED"
    if isinstance(exc, grpc.aio.AbortError):
        return context.code().name if context.code() else "ABORTED"
    if isinstance(exc, NotImplementedError):
        return "UNIMPLEMENTED"
    if isinstance(exc, _DEPENDENCY_ERRORS) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return "UNAVAILABLE"
    return "INTERNAL"


def _no_message() -> InvalidArgument:
    return InvalidArgument(
        [FieldViolation("request", "no complete request message arrived: the body was empty or its last frame was cut short")], reason="EMPTY_REQUEST"
    )


def _extra_message() -> InvalidArgument:
    return InvalidArgument([FieldViolation("request", "this method takes exactly one request message; more arrived")], reason="MALFORMED_REQUEST")


def _parse(parse: Callable[[bytes], Any], raw: bytes) -> Any:
    try:
        return parse(raw)
    except DecodeError:
        raise InvalidArgument(
            [FieldViolation("request", "the request message is not a valid protobuf message of this method's request type")], reason="MALFORMED_REQUEST"
        ) from None


def _one_request(parse: Callable[[bytes], Any]) -> Callable[[grpc.aio.ServicerContext], Awaitable[Any]]:
    async def read(context: grpc.aio.ServicerContext) -> Any:
        raw = await context.read()
        if raw is grpc.aio.EOF:
            raise _no_message()
        # A unary client sends its message and half-closes at once, so the end of the stream is already here.
        if await context.read() is not grpc.aio.EOF:
            raise _extra_message()
        return _parse(parse, raw)

    return read


def _request_stream(parse: Callable[[bytes], Any]) -> Callable[[grpc.aio.ServicerContext], Awaitable[AsyncIterator[Any]]]:
    async def messages(context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        while (raw := await context.read()) is not grpc.aio.EOF:
            yield _parse(parse, raw)

    async def read(context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        return messages(context)

    return read


class Pipeline(grpc.aio.ServerInterceptor):
    def __init__(self, *, service: str, full_name: str, authenticator: Authenticator, limiter: RateLimiter, settings: Settings) -> None:
        self._service = service
        self._domain = f"{service}.playmesh.dev"
        self._policies = method_policies(full_name)
        self._wrapped: dict[str, grpc.RpcMethodHandler] = {}  # the servicers' handlers never change
        self._counters: dict[tuple[str, str], Any] = {}
        self._latencies: dict[str, Any] = {}
        self._auth = authenticator
        self._limiter = limiter
        self._budgets = {
            options_pb2.ACCESS_READ: ("r", Budget(settings.rate_limit_reads_per_minute), Budget(settings.rate_limit_ip_reads_per_minute)),
            options_pb2.ACCESS_WRITE: ("w", Budget(settings.rate_limit_writes_per_minute), Budget(settings.rate_limit_ip_writes_per_minute)),
            options_pb2.ACCESS_GAMEPLAY: ("g", Budget(settings.rate_limit_gameplay_per_minute), Budget(settings.rate_limit_ip_gameplay_per_minute)),
            # No per-caller budget, but still one per address: these are the methods an anonymous flood
            # would pick otherwise.
            options_pb2.ACCESS_UNLIMITED: ("u", None, Budget(settings.rate_limit_ip_unmetered_per_minute)),
        }

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]], details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler:
        cached = self._wrapped.get(details.method)
        if cached is not None:
            return cached
        handler = await continuation(details)
        if handler is None:  # unknown method: grpc answers UNIMPLEMENTED
            return handler
        # Health and reflection have no policy: they get the request reading, not the rest.
        self._wrapped[details.method] = wrapped = self._wrap(handler, self._policies.get(details.method), details.method.rsplit("/", 1)[-1])
        return wrapped

    def _wrap(self, handler: grpc.RpcMethodHandler, policy: options_pb2.MethodPolicy | None, name: str) -> grpc.RpcMethodHandler:
        """The same method with a streaming request of raw bytes, which the behaviour reads and parses
        itself (``None`` as deserializer hands grpc's bytes through)."""
        parse = handler.request_deserializer or (lambda raw: raw)
        serialize = handler.response_serializer
        if handler.unary_unary:
            return grpc.stream_unary_rpc_method_handler(self._unary(handler.unary_unary, _one_request(parse), policy, name), None, serialize)
        if handler.unary_stream:
            return grpc.stream_stream_rpc_method_handler(self._streaming(handler.unary_stream, _one_request(parse), policy, name), None, serialize)
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(self._unary(handler.stream_unary, _request_stream(parse), policy, name), None, serialize)
        return grpc.stream_stream_rpc_method_handler(self._streaming(handler.stream_stream, _request_stream(parse), policy, name), None, serialize)

    async def _admit(self, context: grpc.aio.ServicerContext, policy: options_pb2.MethodPolicy, name: str) -> None:
        """Rate-limits the client IP, authenticates, rate-limits the caller, then binds the caller for the servicer."""
        metadata = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        request_id = metadata.get("x-request-id") or uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(service=self._service, request_id=request_id, method=name)
        ip = client_ip(metadata, context.peer())
        budgets = self._budgets[policy.access or options_pb2.ACCESS_WRITE]
        await self._limiter.acquire([(f"ip:{ip_bucket(ip)}:{budgets[0]}", budgets[2])])
        caller = await self._auth.authenticate(metadata, policy, ip)
        if caller.studio_id:
            structlog.contextvars.bind_contextvars(tenant=caller.studio_id)
        if budgets[1] is not None and caller.subject:
            await self._limiter.acquire([(f"sub:{caller.subject}:{budgets[0]}", budgets[1])])
        bind_caller(caller)

    def _unary(
        self, inner: Callable[..., Any], read: Callable[[grpc.aio.ServicerContext], Awaitable[Any]], policy: options_pb2.MethodPolicy | None, name: str
    ) -> Callable[..., Awaitable[Any]]:
        async def behaviour(_: object, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            structlog.contextvars.clear_contextvars()
            code = "OK"
            try:
                request = await read(context)
                if policy is not None:
                    await self._admit(context, policy, name)
                result = inner(request, context)
                return await result if asyncio.iscoroutine(result) else result
            except BaseException as exc:
                code = _code_name(exc, context)
                await self._fail(exc, code, context)
                raise
            finally:
                if policy is not None:
                    self._record(name, code, started)

        return behaviour

    def _streaming(
        self, inner: Callable[..., Any], read: Callable[[grpc.aio.ServicerContext], Awaitable[Any]], policy: options_pb2.MethodPolicy | None, name: str
    ) -> Callable[..., AsyncIterator[Any]]:
        async def behaviour(_: object, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            started = time.perf_counter()
            structlog.contextvars.clear_contextvars()
            code = "OK"
            try:
                request = await read(context)
                if policy is not None:
                    await self._admit(context, policy, name)
                async for item in inner(request, context):
                    yield item
            except BaseException as exc:
                code = _code_name(exc, context)
                await self._fail(exc, code, context)
                raise
            finally:
                if policy is not None:
                    self._record(name, code, started)

        return behaviour

    async def _fail(self, exc: BaseException, code: str, context: grpc.aio.ServicerContext) -> None:
        """Aborts the call with the status for ``exc`` (abort raises); cancellations and earlier aborts
        already carry their status and return so the caller re-raises them."""
        if isinstance(exc, asyncio.CancelledError | grpc.aio.AbortError):
            return
        if isinstance(exc, PlaymeshError):
            await context.abort_with_status(rpc_status.to_status(status_for(exc, self._domain)))
        if code == "INTERNAL":
            log.exception("rpc_internal_error")
        elif code == "UNAVAILABLE":
            log.warning("dependency_unavailable", error=f"{type(exc).__name__}: {exc}")
        await context.abort(grpc.StatusCode[code], f"{self._service}: {_MESSAGES[code]}")

    def _record(self, name: str, code: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        # Labelled children are looked up once per method and code: ``labels()`` validates and locks on every call.
        counter = self._counters.get((name, code))
        if counter is None:
            counter = self._counters[(name, code)] = RPCS.labels(self._service, name, code)
        counter.inc()
        latency = self._latencies.get(name)
        if latency is None:
            latency = self._latencies[name] = LATENCY.labels(self._service, name)
        latency.observe(elapsed)
        log.info("rpc", code=code, latency_ms=round(elapsed * 1000, 3))
