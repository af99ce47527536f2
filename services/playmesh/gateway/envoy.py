"""Renders the Envoy bootstrap from the service registry with envoy-data-plane's typed dataclasses.

One listener serves native gRPC (HTTP/2), gRPC-Web (with CORS) and REST/JSON (transcoded from the
``google.api.http`` annotations). Filters run in this order: cors → local rate limit → buffer (the
request-size limit) → grpc_web → grpc_json_transcoder → router. Each service is one HTTP/2 cluster with
active gRPC health checks. Health checks through the gateway pick their service with the
``x-playmesh-service`` header. Any other path gets 404.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import pathlib
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
    HealthCheck,
    HealthCheckGrpcHealthCheck,
    Http2ProtocolOptions,
    RuntimeFractionalPercent,
    SocketAddress,
    SubstitutionFormatString,
)
from envoy_data_plane.envoy.config.endpoint.v3 import ClusterLoadAssignment, Endpoint, LbEndpoint, LocalityLbEndpoints
from envoy_data_plane.envoy.config.listener.v3 import Filter, FilterChain, Listener
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
from envoy_data_plane.envoy.extensions.upstreams.http.v3 import HttpProtocolOptions, HttpProtocolOptionsExplicitHttpConfig
from envoy_data_plane.envoy.type.matcher.v3 import RegexMatcher, StringMatcher
from envoy_data_plane.envoy.type.v3 import FractionalPercent, FractionalPercentDenominatorType, TokenBucket
from envoy_data_plane.google.protobuf import Any as AnyMessage
from envoy_data_plane.google.protobuf import Struct, Value

from playmesh.runtime.registry import SERVICES, ServiceSpec
from playmesh.runtime.settings import Settings

__all__ = ["CLIENT_STREAMING_METHODS", "DESCRIPTOR_SET", "HEALTH_SERVICE_HEADER", "render", "write"]

DESCRIPTOR_SET = pathlib.Path(__file__).with_name("playmesh.binpb")
HEALTH_SERVICE_HEADER = "x-playmesh-service"
# Client-streaming RPCs must not be buffered whole by the size limit; the service bounds each message.
CLIENT_STREAMING_METHODS = ("/playmesh.telemetry.v1.TelemetryService/StreamEvents",)
_NO_TIMEOUT = dt.timedelta(0)
_GATEWAY_RATE_PER_SECOND = 20000  # a safety net against floods; per-caller limits live in the services
_ALLOW_HEADERS = "content-type,x-grpc-web,x-user-agent,grpc-timeout,authorization,x-api-key,x-request-id"
_EXPOSE_HEADERS = "grpc-status,grpc-message,grpc-status-details-bin,x-request-id"


def _any(message: betterproto2.Message) -> AnyMessage:
    return AnyMessage.pack(message)


def _address(host: str, port: int) -> Address:
    return Address(socket_address=SocketAddress(address=host, port_value=port))


def _to_service(spec: ServiceSpec) -> RouteAction:
    return RouteAction(
        cluster=spec.name,
        timeout=_NO_TIMEOUT,  # the 15 s default would cut server streams
        max_stream_duration=RouteActionMaxStreamDuration(grpc_timeout_header_max=_NO_TIMEOUT),
    )


def _routes() -> list[Route]:
    routes: list[Route] = []
    for method in CLIENT_STREAMING_METHODS:
        spec = next(s for s in SERVICES if method.startswith(f"/{s.full_name}/"))
        routes.append(
            Route(
                match=RouteMatch(path=method),
                route=_to_service(spec),
                typed_per_filter_config={"envoy.filters.http.buffer": _any(BufferPerRoute(disabled=True))},
            )
        )
    for spec in SERVICES:
        routes.append(Route(match=RouteMatch(prefix=f"/{spec.full_name}/"), route=_to_service(spec)))
        routes.append(
            Route(
                match=RouteMatch(
                    prefix="/grpc.health.v1.Health/",
                    headers=[HeaderMatcher(name=HEALTH_SERVICE_HEADER, string_match=StringMatcher(exact=spec.name))],
                ),
                route=_to_service(spec),
            )
        )
    routes.append(Route(match=RouteMatch(prefix="/"), direct_response=DirectResponseAction(status=404)))
    return routes


def _cors() -> CorsPolicy:
    return CorsPolicy(
        allow_origin_string_match=[StringMatcher(safe_regex=RegexMatcher(regex=".*"))],
        allow_methods="GET,POST,PUT,PATCH,DELETE,OPTIONS",
        allow_headers=_ALLOW_HEADERS,
        expose_headers=_EXPOSE_HEADERS,
        max_age="86400",
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


def _listener(settings: Settings) -> Listener:
    access_log = AccessLog(
        name="envoy.access_loggers.stdout",
        typed_config=_any(
            StdoutAccessLog(
                log_format=SubstitutionFormatString(
                    json_format=Struct(
                        fields={
                            k: Value(string_value=v)
                            for k, v in {
                                "time": "%START_TIME%",
                                "method": "%REQ(:METHOD)%",
                                "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
                                "protocol": "%PROTOCOL%",
                                "status": "%RESPONSE_CODE%",
                                "grpc_status": "%GRPC_STATUS%",
                                "duration_ms": "%DURATION%",
                                "upstream": "%UPSTREAM_CLUSTER%",
                                "request_id": "%REQ(X-REQUEST-ID)%",
                                "client": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
                            }.items()
                        }
                    )
                )
            )
        ),
    )
    manager = HttpConnectionManager(
        stat_prefix="gateway",
        codec_type=HttpConnectionManagerCodecType.AUTO,  # HTTP/1.1 for REST and gRPC-Web, h2c for native gRPC
        use_remote_address=True,
        access_log=[access_log],
        route_config=RouteConfiguration(
            name="playmesh",
            virtual_hosts=[
                VirtualHost(
                    name="playmesh",
                    domains=["*"],
                    routes=_routes(),
                    typed_per_filter_config={"envoy.filters.http.cors": _any(_cors())},
                )
            ],
        ),
        http_filters=_http_filters(settings),
        stream_idle_timeout=_NO_TIMEOUT,  # watch streams may be quiet for long
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
                unhealthy_threshold=2,
                healthy_threshold=1,
                grpc_health_check=HealthCheckGrpcHealthCheck(service_name=spec.full_name),
            )
        ],
        circuit_breakers=CircuitBreakers(thresholds=[CircuitBreakersThresholds(max_connections=10000, max_pending_requests=10000, max_requests=10000)]),
    )


def render(settings: Settings) -> dict[str, Any]:
    """The bootstrap as a JSON-ready dict (Envoy reads JSON as YAML)."""
    bootstrap = Bootstrap(
        admin=Admin(address=_address(settings.host, settings.gateway_admin_port)),
        static_resources=BootstrapStaticResources(
            listeners=[_listener(settings)],
            clusters=[_cluster(spec, settings) for spec in SERVICES],
        ),
    )
    return bootstrap.to_dict()


def write(settings: Settings, path: pathlib.Path) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(render(settings), indent=2))
    return path
