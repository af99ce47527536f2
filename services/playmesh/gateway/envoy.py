"""Renders the Envoy bootstrap from the service registry with envoy-data-plane's typed dataclasses.

One listener serves native gRPC (HTTP/2), gRPC-Web (with CORS) and REST/JSON (transcoded from the
``google.api.http`` annotations). Filters run in this order: cors → local rate limit → buffer (the
request-size limit) → grpc_web → grpc_json_transcoder → router. Each service is one HTTP/2 cluster with
active gRPC health checks. Health checks through the gateway pick their service with the
``x-playmesh-service`` header. Any other path gets 404.

The gateway is the platform's edge, so it is hardened here (docs/gateway.md has the why of each knob):

- CORS answers only the origins in ``cors_allowed_origins``; a foreign origin gets no allow headers.
- The admin interface listens on 127.0.0.1 only, whatever ``host`` the listener binds.
- Unary calls have a finite deadline; streaming methods (found in the descriptor set) get exact-path
  routes with no deadline but an idle timeout. Headers must arrive within a few seconds.
- HTTP/2 clients may run ``gateway_max_concurrent_streams`` calls per connection; the overload manager
  caps the heap and the number of client connections.
- The client address Envoy trusts (its peer, or an X-Forwarded-For entry ``gateway_xff_num_trusted_hops``
  proxies back) reaches the services in ``x-playmesh-client-ip``, overwriting whatever a client sent.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import ipaddress
import json
import pathlib
import re
from typing import Any

import betterproto2
from envoy_data_plane.envoy.config.accesslog.v3 import AccessLog
from envoy_data_plane.envoy.config.bootstrap.v3 import Admin, Bootstrap, BootstrapStaticResources
from envoy_data_plane.envoy.config.cluster.v3 import (
    CircuitBreakers,
    CircuitBreakersThresholds,
    Cluster,
    ClusterDiscoveryType,
)
from envoy_data_plane.envoy.config.core.v3 import (
    Address,
    HeaderValue,
    HeaderValueOption,
    HeaderValueOptionHeaderAppendAction,
    HealthCheck,
    HealthCheckGrpcHealthCheck,
    Http2ProtocolOptions,
    RuntimeFractionalPercent,
    SocketAddress,
    SubstitutionFormatString,
)
from envoy_data_plane.envoy.config.endpoint.v3 import ClusterLoadAssignment, Endpoint, LbEndpoint, LocalityLbEndpoints
from envoy_data_plane.envoy.config.listener.v3 import Filter, FilterChain, Listener
from envoy_data_plane.envoy.config.overload.v3 import (
    OverloadAction,
    OverloadManager,
    ResourceMonitor,
    ScaledTrigger,
    ScaleTimersOverloadActionConfig,
    ScaleTimersOverloadActionConfigScaleTimer,
    ScaleTimersOverloadActionConfigTimerType,
    ThresholdTrigger,
    Trigger,
)
from envoy_data_plane.envoy.config.route.v3 import (
    DirectResponseAction,
    HeaderMatcher,
    Route,
    RouteAction,
    RouteActionMaxStreamDuration,
    RouteConfiguration,
    RouteMatch,
    VirtualHost,
)
from envoy_data_plane.envoy.extensions.access_loggers.stream.v3 import StdoutAccessLog
from envoy_data_plane.envoy.extensions.filters.http.buffer.v3 import Buffer, BufferPerRoute
from envoy_data_plane.envoy.extensions.filters.http.cors.v3 import Cors, CorsPolicy
from envoy_data_plane.envoy.extensions.filters.http.grpc_json_transcoder.v3 import (
    GrpcJsonTranscoder,
    GrpcJsonTranscoderPrintOptions,
    GrpcJsonTranscoderRequestValidationOptions,
)
from envoy_data_plane.envoy.extensions.filters.http.grpc_web.v3 import GrpcWeb
from envoy_data_plane.envoy.extensions.filters.http.local_ratelimit.v3 import LocalRateLimit
from envoy_data_plane.envoy.extensions.filters.http.router.v3 import Router
from envoy_data_plane.envoy.extensions.filters.network.http_connection_manager.v3 import (
    HttpConnectionManager,
    HttpConnectionManagerCodecType,
    HttpFilter,
)
from envoy_data_plane.envoy.extensions.resource_monitors.downstream_connections.v3 import DownstreamConnectionsConfig
from envoy_data_plane.envoy.extensions.resource_monitors.fixed_heap.v3 import FixedHeapConfig
from envoy_data_plane.envoy.extensions.upstreams.http.v3 import HttpProtocolOptions, HttpProtocolOptionsExplicitHttpConfig
from envoy_data_plane.envoy.type.matcher.v3 import RegexMatcher, StringMatcher
from envoy_data_plane.envoy.type.v3 import FractionalPercent, FractionalPercentDenominatorType, Percent, TokenBucket
from envoy_data_plane.google.protobuf import Any as AnyMessage
from envoy_data_plane.google.protobuf import Struct, Value
from google.protobuf import descriptor_pb2, descriptor_pool

from playmesh.options.v1 import options_pb2
from playmesh.runtime.errors import ConfigError
from playmesh.runtime.registry import SERVICES, ServiceSpec
from playmesh.runtime.settings import Settings

__all__ = [
    "ADMIN_HOST",
    "CLIENT_IP_HEADER",
    "DESCRIPTOR_SET",
    "HEALTH_SERVICE_HEADER",
    "cors_origin_matchers",
    "render",
    "streaming_methods",
    "write",
]

DESCRIPTOR_SET = pathlib.Path(__file__).with_name("playmesh.binpb")
HEALTH_SERVICE_HEADER = "x-playmesh-service"
# Set by Envoy on every request to the services (a client's own value is overwritten); the pipeline
# keys per-IP rate limits on it.
CLIENT_IP_HEADER = "x-playmesh-client-ip"
# The admin interface can dump config, drain listeners and quit Envoy: it is never reachable from outside.
ADMIN_HOST = "127.0.0.1"
_HEALTH_WATCH = "/grpc.health.v1.Health/Watch"
_NO_TIMEOUT = dt.timedelta(0)
# A client that has not finished sending its headers by then is gone or stalling on purpose (slowloris).
_REQUEST_HEADERS_TIMEOUT = dt.timedelta(seconds=10)
# Envoy's edge-proxy guidance: small HTTP/2 flow-control windows bound what one stream can make it buffer.
_STREAM_WINDOW_BYTES = 64 * 1024
_CONNECTION_WINDOW_BYTES = 1024 * 1024
_GATEWAY_RATE_PER_SECOND = 20000  # a safety net against floods; per-caller limits live in the services
_ALLOW_HEADERS = "content-type,x-grpc-web,x-user-agent,grpc-timeout,authorization,x-api-key,x-request-id"
_EXPOSE_HEADERS = "grpc-status,grpc-message,grpc-status-details-bin,x-request-id"
# scheme://[*.]host[:port|:*], lower case, no path: what a browser sends in Origin.
_ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<wild>\*\.)?(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}|\*))?")


def _any(message: betterproto2.Message) -> AnyMessage:
    return AnyMessage.pack(message)


def _address(host: str, port: int) -> Address:
    return Address(socket_address=SocketAddress(address=host, port_value=port))


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


@functools.cache
def streaming_methods() -> dict[str, bool]:
    """gRPC path → whether the client streams, for every streaming method of every registered service,
    read from the descriptor set the transcoder uses (so REST routes of streams resolve to the same paths)."""
    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET.read_bytes())
    ours = {spec.full_name for spec in SERVICES}
    found: dict[str, bool] = {}
    for file in files.file:
        for service in file.service:
            full_name = f"{file.package}.{service.name}"
            if full_name not in ours:
                continue
            for method in service.method:
                if method.server_streaming or method.client_streaming:
                    found[f"/{full_name}/{method.name}"] = method.client_streaming
    return found


@functools.cache
def internal_methods() -> list[str]:
    """gRPC paths of the methods only Playmesh services may call (their policy lists the service
    principal alone). Services call each other directly, never through the gateway, so the gateway
    does not route these at all: to the public they do not exist (404, as an unknown path)."""
    found = []
    for spec in SERVICES:
        importlib.import_module(spec.grpc_module)  # registers the contract in the descriptor pool
        for method in descriptor_pool.Default().FindServiceByName(spec.full_name).methods:
            principals = set(method.GetOptions().Extensions[options_pb2.policy].principals)
            if principals == {options_pb2.PRINCIPAL_SERVICE}:
                found.append(f"/{spec.full_name}/{method.name}")
    return found


def _unary(spec: ServiceSpec, settings: Settings) -> RouteAction:
    # max_stream_duration runs from the first header byte, so it also bounds a request trickled in
    # slowly; a client's shorter grpc-timeout is honoured, a longer one capped.
    limit = _seconds(settings.gateway_unary_timeout_seconds)
    return RouteAction(
        cluster=spec.name,
        timeout=limit,
        max_stream_duration=RouteActionMaxStreamDuration(max_stream_duration=limit, grpc_timeout_header_max=limit),
    )


def _streaming(spec: ServiceSpec, settings: Settings) -> RouteAction:
    # A stream lives as long as the client wants (a route timeout would cut it); a silent one is closed.
    return RouteAction(
        cluster=spec.name,
        timeout=_NO_TIMEOUT,
        idle_timeout=_seconds(settings.gateway_stream_idle_timeout_seconds),
        max_stream_duration=RouteActionMaxStreamDuration(grpc_timeout_header_max=_NO_TIMEOUT),
    )


def _routes(settings: Settings) -> list[Route]:
    routes = [Route(match=RouteMatch(path=path), direct_response=DirectResponseAction(status=404)) for path in internal_methods()]
    for path, client_streaming in streaming_methods().items():
        spec = next(s for s in SERVICES if path.startswith(f"/{s.full_name}/"))
        # Client streams must not be buffered whole by the size limit; the service bounds each message.
        per_filter = {"envoy.filters.http.buffer": _any(BufferPerRoute(disabled=True))} if client_streaming else {}
        routes.append(Route(match=RouteMatch(path=path), route=_streaming(spec, settings), typed_per_filter_config=per_filter))
    for spec in SERVICES:
        routes.append(Route(match=RouteMatch(prefix=f"/{spec.full_name}/"), route=_unary(spec, settings)))
        picks_service = [HeaderMatcher(name=HEALTH_SERVICE_HEADER, string_match=StringMatcher(exact=spec.name))]
        routes.append(Route(match=RouteMatch(path=_HEALTH_WATCH, headers=picks_service), route=_streaming(spec, settings)))
        routes.append(Route(match=RouteMatch(prefix="/grpc.health.v1.Health/", headers=picks_service), route=_unary(spec, settings)))
    routes.append(Route(match=RouteMatch(prefix="/"), direct_response=DirectResponseAction(status=404)))
    return routes


def _own_origin(settings: Settings) -> str:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{host}:{settings.gateway_port}"


def cors_origin_matchers(settings: Settings) -> list[StringMatcher]:
    """``cors_allowed_origins`` as Envoy matchers: exact origins, or an anchored regex where ``*`` stands
    for a port or a leftmost subdomain label. A wildcard for the whole origin is refused: with the
    authorization header allowed, it would let any web page call the API with a player's token."""
    matchers: list[StringMatcher] = []
    for raw in settings.cors_allowed_origins.split(","):
        entry = raw.strip().lower().rstrip("/")
        if not entry:
            continue
        if entry == "self":
            entry = _own_origin(settings)
        origin = _ORIGIN.fullmatch(entry)
        if origin is None:
            raise ConfigError(
                f"PLAYMESH_CORS_ALLOWED_ORIGINS: {raw.strip()!r} is not an origin like https://play.example.com, "
                "http://localhost:* or https://*.example.com (a bare * is never allowed)"
            )
        if not origin["wild"] and origin["port"] != "*":
            matchers.append(StringMatcher(exact=entry))
            continue
        regex = re.escape(f"{origin['scheme']}://")
        regex += r"[a-z0-9-]+\." if origin["wild"] else ""
        regex += re.escape(origin["host"])
        if origin["port"] == "*":
            regex += r"(:[0-9]{1,5})?"
        elif origin["port"]:
            regex += re.escape(f":{origin['port']}")
        matchers.append(StringMatcher(safe_regex=RegexMatcher(regex=regex)))
    return matchers


def _cors(settings: Settings) -> CorsPolicy:
    return CorsPolicy(
        allow_origin_string_match=cors_origin_matchers(settings),
        allow_methods="GET,POST,PUT,PATCH,DELETE,OPTIONS",
        allow_headers=_ALLOW_HEADERS,
        expose_headers=_EXPOSE_HEADERS,
        max_age="86400",
        allow_credentials=False,  # no cookies: callers carry tokens in the authorization header
        forward_not_matching_preflights=False,  # a foreign origin's preflight is answered here, without allow headers
    )


def _http_filters(settings: Settings) -> list[HttpFilter]:
    always = RuntimeFractionalPercent(default_value=FractionalPercent(numerator=100, denominator=FractionalPercentDenominatorType.HUNDRED))
    return [
        HttpFilter(name="envoy.filters.http.cors", typed_config=_any(Cors())),
        HttpFilter(
            name="envoy.filters.http.local_ratelimit",
            typed_config=_any(
                LocalRateLimit(
                    stat_prefix="gateway_rate_limit",
                    token_bucket=TokenBucket(
                        max_tokens=_GATEWAY_RATE_PER_SECOND, tokens_per_fill=_GATEWAY_RATE_PER_SECOND, fill_interval=dt.timedelta(seconds=1)
                    ),
                    filter_enabled=always,
                    filter_enforced=always,
                    rate_limited_as_resource_exhausted=True,
                )
            ),
        ),
        HttpFilter(name="envoy.filters.http.buffer", typed_config=_any(Buffer(max_request_bytes=settings.max_request_bytes))),
        HttpFilter(name="envoy.filters.http.grpc_web", typed_config=_any(GrpcWeb())),
        HttpFilter(
            name="envoy.filters.http.grpc_json_transcoder",
            typed_config=_any(
                GrpcJsonTranscoder(
                    proto_descriptor=str(DESCRIPTOR_SET),
                    services=[s.full_name for s in SERVICES],
                    print_options=GrpcJsonTranscoderPrintOptions(always_print_primitive_fields=True, always_print_enums_as_ints=False),
                    convert_grpc_status=True,
                    request_validation_options=GrpcJsonTranscoderRequestValidationOptions(reject_unknown_method=True, reject_unknown_query_parameters=True),
                )
            ),
        ),
        HttpFilter(name="envoy.filters.http.router", typed_config=_any(Router())),
    ]


def _access_log() -> AccessLog:
    fields = {
        "time": "%START_TIME%",
        "method": "%REQ(:METHOD)%",
        "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
        "protocol": "%PROTOCOL%",
        "status": "%RESPONSE_CODE%",
        "grpc_status": "%GRPC_STATUS%",
        "duration_ms": "%DURATION%",
        "flags": "%RESPONSE_FLAGS%",
        "upstream": "%UPSTREAM_CLUSTER%",
        "request_id": "%REQ(X-REQUEST-ID)%",
        "client": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
    }
    log_format = SubstitutionFormatString(json_format=Struct(fields={k: Value(string_value=v) for k, v in fields.items()}))
    return AccessLog(name="envoy.access_loggers.stdout", typed_config=_any(StdoutAccessLog(log_format=log_format)))


def _listener(settings: Settings) -> Listener:
    client_ip = HeaderValueOption(
        header=HeaderValue(key=CLIENT_IP_HEADER, value="%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"),
        append_action=HeaderValueOptionHeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
    )
    manager = HttpConnectionManager(
        stat_prefix="gateway",
        codec_type=HttpConnectionManagerCodecType.AUTO,  # HTTP/1.1 for REST and gRPC-Web, h2c for native gRPC
        # The client address is the peer's, or the X-Forwarded-For entry written by the last trusted proxy.
        use_remote_address=True,
        xff_num_trusted_hops=settings.gateway_xff_num_trusted_hops,
        access_log=[_access_log()],
        route_config=RouteConfiguration(
            name="playmesh",
            virtual_hosts=[
                VirtualHost(
                    name="playmesh",
                    domains=["*"],
                    routes=_routes(settings),
                    request_headers_to_add=[client_ip],
                    typed_per_filter_config={"envoy.filters.http.cors": _any(_cors(settings))},
                )
            ],
        ),
        http_filters=_http_filters(settings),
        http2_protocol_options=Http2ProtocolOptions(
            max_concurrent_streams=settings.gateway_max_concurrent_streams,
            initial_stream_window_size=_STREAM_WINDOW_BYTES,
            initial_connection_window_size=_CONNECTION_WINDOW_BYTES,
        ),
        # Routes set their own idle timeouts; this is the fallback for everything else (404s, preflights).
        stream_idle_timeout=_seconds(settings.gateway_stream_idle_timeout_seconds),
        request_headers_timeout=_REQUEST_HEADERS_TIMEOUT,
        # No limit on receiving a whole request: a client stream (StreamEvents) may send for a game's
        # length. Unary requests are bounded by their route's max_stream_duration instead.
        request_timeout=_NO_TIMEOUT,
    )
    return Listener(
        name="gateway",
        address=_address(settings.host, settings.gateway_port),
        filter_chains=[FilterChain(filters=[Filter(name="envoy.filters.network.http_connection_manager", typed_config=_any(manager))])],
    )


def _cluster(spec: ServiceSpec, settings: Settings) -> Cluster:
    host = spec.upstream_host(settings)
    try:
        ipaddress.ip_address(host)
        discovery = ClusterDiscoveryType.STATIC
    except ValueError:  # a name (Compose service, Kubernetes headless service): resolve every address
        discovery = ClusterDiscoveryType.STRICT_DNS
    return Cluster(
        name=spec.name,
        type=discovery,
        connect_timeout=dt.timedelta(seconds=1),
        load_assignment=ClusterLoadAssignment(
            cluster_name=spec.name,
            endpoints=[LocalityLbEndpoints(lb_endpoints=[LbEndpoint(endpoint=Endpoint(address=_address(host, port))) for port in spec.ports(settings)])],
        ),
        typed_extension_protocol_options={
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": _any(
                HttpProtocolOptions(explicit_http_config=HttpProtocolOptionsExplicitHttpConfig(http2_protocol_options=Http2ProtocolOptions()))
            )
        },
        health_checks=[
            HealthCheck(
                timeout=dt.timedelta(seconds=1),
                interval=dt.timedelta(seconds=2),
                # Envoy's default is 60 s for a host that has not been sent a call yet, and the first
                # check runs at start-up, before any call: a process that turned NOT_SERVING (its Redis
                # or PostgreSQL down) or came back stayed unseen for up to a minute after each start.
                no_traffic_interval=dt.timedelta(seconds=2),
                unhealthy_threshold=2,
                healthy_threshold=1,
                grpc_health_check=HealthCheckGrpcHealthCheck(service_name=spec.full_name),
            )
        ],
        circuit_breakers=CircuitBreakers(thresholds=[CircuitBreakersThresholds(max_connections=10000, max_pending_requests=10000, max_requests=10000)]),
    )


def _overload_manager(settings: Settings) -> OverloadManager:
    """Envoy's edge-proxy recipe: near the heap budget, give memory back and close idle streams sooner;
    at the budget, refuse new requests rather than be killed for memory. Plus the global connection cap."""
    heap = "envoy.resource_monitors.fixed_heap"
    idle_streams = ScaleTimersOverloadActionConfig(
        timer_scale_factors=[
            ScaleTimersOverloadActionConfigScaleTimer(timer=ScaleTimersOverloadActionConfigTimerType.HTTP_DOWNSTREAM_STREAM_IDLE, min_scale=Percent(value=10.0))
        ]
    )
    return OverloadManager(
        refresh_interval=dt.timedelta(milliseconds=250),
        resource_monitors=[
            ResourceMonitor(name=heap, typed_config=_any(FixedHeapConfig(max_heap_size_bytes=settings.gateway_max_heap_bytes))),
            ResourceMonitor(
                name="envoy.resource_monitors.global_downstream_max_connections",
                typed_config=_any(DownstreamConnectionsConfig(max_active_downstream_connections=settings.gateway_max_connections)),
            ),
        ],
        actions=[
            OverloadAction(name="envoy.overload_actions.shrink_heap", triggers=[Trigger(name=heap, threshold=ThresholdTrigger(value=0.95))]),
            OverloadAction(
                name="envoy.overload_actions.reduce_timeouts",
                triggers=[Trigger(name=heap, scaled=ScaledTrigger(scaling_threshold=0.85, saturation_threshold=0.95))],
                typed_config=_any(idle_streams),
            ),
            OverloadAction(name="envoy.overload_actions.stop_accepting_requests", triggers=[Trigger(name=heap, threshold=ThresholdTrigger(value=0.98))]),
        ],
    )


def render(settings: Settings) -> dict[str, Any]:
    """The bootstrap as a JSON-ready dict (Envoy reads JSON as YAML)."""
    bootstrap = Bootstrap(
        admin=Admin(address=_address(ADMIN_HOST, settings.gateway_admin_port)),
        static_resources=BootstrapStaticResources(
            listeners=[_listener(settings)],
            clusters=[_cluster(spec, settings) for spec in SERVICES],
        ),
        overload_manager=_overload_manager(settings),
    )
    return bootstrap.to_dict()


def write(settings: Settings, path: pathlib.Path) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(render(settings), indent=2))
    return path
