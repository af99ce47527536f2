"""The per-RPC pipeline, one interceptor shared by every service. For each call it:

1. takes or makes the request id (``x-request-id``) and binds it, the method and later the tenant to
   the log context;
2. authenticates the caller against the method's ``playmesh.options.v1.policy``;
3. draws from the caller's and the client IP's rate-limit buckets;
4. runs the servicer with ``current_caller()`` bound;
5. turns domain errors into ``google.rpc.Status`` (ErrorInfo, BadRequest, RetryInfo), dependency
   failures into UNAVAILABLE and anything else into INTERNAL (logged with its traceback);
6. logs one canonical line and records Prometheus metrics.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import structlog
from asyncpg.exceptions import OperatorInterventionError, PostgresConnectionError
from google.protobuf import descriptor_pool, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from prometheus_client import Counter, Histogram
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from playmesh.options.v1 import options_pb2
from playmesh.runtime.auth import Authenticator, bind_caller
from playmesh.runtime.errors import InvalidArgument, PlaymeshError, ResourceExhausted
from playmesh.runtime.logging import get_logger
from playmesh.runtime.ratelimit import Budget, RateLimiter
from playmesh.runtime.settings import Settings

__all__ = ["Pipeline", "method_policies", "status_for"]

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


def _client_ip(metadata: dict[str, str], peer: str) -> str:
    # Envoy appends the client address it saw to x-forwarded-for; the last entry is the one to trust.
    forwarded = metadata.get("x-forwarded-for", "")
    if forwarded:
        return forwarded.rsplit(",", 1)[-1].strip()
    if peer.startswith(("ipv4:", "ipv6:")):
        return peer.split(":", 1)[1].rsplit(":", 1)[0].strip("[]")
    return peer


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


class Pipeline(grpc.aio.ServerInterceptor):
    def __init__(self, *, service: str, full_name: str, authenticator: Authenticator, limiter: RateLimiter, settings: Settings) -> None:
        self._service = service
        self._domain = f"{service}.playmesh.dev"
        self._policies = method_policies(full_name)
        self._wrapped: dict[str, grpc.RpcMethodHandler] = {}  # the servicer's handlers never change
        self._auth = authenticator
        self._limiter = limiter
        self._budgets = {
            options_pb2.ACCESS_READ: (Budget(settings.rate_limit_reads_per_minute), Budget(settings.rate_limit_ip_reads_per_minute)),
            options_pb2.ACCESS_WRITE: (Budget(settings.rate_limit_writes_per_minute), Budget(settings.rate_limit_ip_writes_per_minute)),
            options_pb2.ACCESS_GAMEPLAY: (Budget(settings.rate_limit_gameplay_per_minute), Budget(settings.rate_limit_ip_gameplay_per_minute)),
        }

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]], details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler:
        cached = self._wrapped.get(details.method)
        if cached is not None:
            return cached
        handler = await continuation(details)
        policy = self._policies.get(details.method)
        if handler is None or policy is None:  # health, reflection and unknown methods pass through
            return handler
        self._wrapped[details.method] = wrapped = self._wrap(handler, policy, details.method.rsplit("/", 1)[-1])
        return wrapped

    def _wrap(self, handler: grpc.RpcMethodHandler, policy: options_pb2.MethodPolicy, name: str) -> grpc.RpcMethodHandler:
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(handler.unary_unary, policy, name), handler.request_deserializer, handler.response_serializer
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._streaming(handler.unary_stream, policy, name), handler.request_deserializer, handler.response_serializer
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._unary(handler.stream_unary, policy, name), handler.request_deserializer, handler.response_serializer
            )
        return grpc.stream_stream_rpc_method_handler(
            self._streaming(handler.stream_stream, policy, name), handler.request_deserializer, handler.response_serializer
        )

    async def _admit(self, context: grpc.aio.ServicerContext, policy: options_pb2.MethodPolicy, name: str) -> None:
        """Authenticates and rate-limits the call, then binds the caller for the servicer."""
        metadata = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        request_id = metadata.get("x-request-id") or uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(service=self._service, request_id=request_id, method=name)
        caller = await self._auth.authenticate(metadata, policy, _client_ip(metadata, context.peer()))
        if caller.studio_id:
            structlog.contextvars.bind_contextvars(tenant=caller.studio_id)
        budgets = self._budgets.get(policy.access or options_pb2.ACCESS_WRITE)
        if budgets is not None:
            per_caller, per_ip = budgets
            access = {options_pb2.ACCESS_READ: "r", options_pb2.ACCESS_GAMEPLAY: "g"}.get(policy.access, "w")
            buckets = [(f"ip:{caller.ip}:{access}", per_ip)]
            if caller.subject:
                buckets.append((f"sub:{caller.subject}:{access}", per_caller))
            await self._limiter.acquire(buckets)
        bind_caller(caller)

    def _unary(self, inner: Callable[..., Any], policy: options_pb2.MethodPolicy, name: str) -> Callable[..., Awaitable[Any]]:
        async def behaviour(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            structlog.contextvars.clear_contextvars()
            code = "OK"
            try:
                await self._admit(context, policy, name)
                result = inner(request, context)
                return await result if asyncio.iscoroutine(result) else result
            except BaseException as exc:
                code = _code_name(exc, context)
                await self._fail(exc, code, context)
                raise
            finally:
                self._record(name, code, started)

        return behaviour

    def _streaming(self, inner: Callable[..., Any], policy: options_pb2.MethodPolicy, name: str) -> Callable[..., AsyncIterator[Any]]:
        async def behaviour(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            started = time.perf_counter()
            structlog.contextvars.clear_contextvars()
            code = "OK"
            try:
                await self._admit(context, policy, name)
                async for item in inner(request, context):
                    yield item
            except BaseException as exc:
                code = _code_name(exc, context)
                await self._fail(exc, code, context)
                raise
            finally:
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
        RPCS.labels(self._service, name, code).inc()
        LATENCY.labels(self._service, name).observe(elapsed)
        log.info("rpc", code=code, latency_ms=round(elapsed * 1000, 3))
