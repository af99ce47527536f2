"""The rendered Envoy config is valid for Envoy itself (`envoy --mode validate`) and says what the edge
needs: one HTTP/2 cluster per service with gRPC health checks, a finite deadline for unary routes and an
idle timeout for streaming ones, CORS for listed origins only, admin on 127.0.0.1 in every way the
gateway is deployed, the client IP header, stream and connection limits and an overload manager.
(tests/test_gateway_hardening.py checks the behaviour against running Envoys.)"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
from typing import Any

import pytest
from playmesh.gateway import envoy
from playmesh.runtime.errors import ConfigError
from playmesh.runtime.registry import SERVICES
from playmesh.runtime.settings import Settings, load_settings

ROOT = pathlib.Path(__file__).resolve().parents[1]
STREAMS = {
    "/playmesh.matchmaking.v1.MatchmakingService/WatchTicket",
    "/playmesh.scoreboard.v1.ScoreboardService/WatchLeaderboard",
    "/playmesh.lobby.v1.LobbyService/WatchParty",
    "/playmesh.telemetry.v1.TelemetryService/StreamEvents",
}


def _manager(boot: dict[str, Any]) -> dict[str, Any]:
    return boot["staticResources"]["listeners"][0]["filterChains"][0]["filters"][0]["typedConfig"]


def _vhost(boot: dict[str, Any]) -> dict[str, Any]:
    return _manager(boot)["routeConfig"]["virtualHosts"][0]


def _validate(settings: Settings, tmp_path: pathlib.Path) -> None:
    config = envoy.write(settings, tmp_path / "envoy.json")
    binary = pathlib.Path(sys.executable).with_name("envoy")
    result = subprocess.run([str(binary), "--mode", "validate", "-c", str(config), "--disable-hot-restart"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout + result.stderr


def test_envoy_validates_rendered_config(tmp_path: pathlib.Path) -> None:
    _validate(Settings(gateway_port=18080, gateway_admin_port=19901), tmp_path)


def test_envoy_validates_a_deployed_config(tmp_path: pathlib.Path) -> None:
    """As Compose and Kubernetes render it: all interfaces, names for upstreams, a proxy in front, own origins."""
    settings = load_settings(
        {
            "PLAYMESH_HOST": "0.0.0.0",
            "PLAYMESH_UPSTREAM_HOST": "{service}.playmesh.svc.cluster.local",
            "PLAYMESH_GATEWAY_XFF_NUM_TRUSTED_HOPS": "1",
            "PLAYMESH_CORS_ALLOWED_ORIGINS": "https://portal.example.com, https://*.games.example.com, http://localhost:*",
            "PLAYMESH_GATEWAY_MAX_HEAP_BYTES": "805306368",
        }
    )
    _validate(settings, tmp_path)


def test_rendered_config_shape() -> None:
    boot = envoy.render(Settings())
    clusters = {c["name"]: c for c in boot["staticResources"]["clusters"]}
    assert set(clusters) == {s.name for s in SERVICES}
    for spec in SERVICES:
        cluster = clusters[spec.name]
        assert cluster["healthChecks"][0]["grpcHealthCheck"]["serviceName"] == spec.full_name
        assert "http2ProtocolOptions" in str(cluster["typedExtensionProtocolOptions"])
    filters = [f["name"] for f in _manager(boot)["httpFilters"]]
    assert filters == [
        "envoy.filters.http.cors",
        "envoy.filters.http.local_ratelimit",
        "envoy.filters.http.buffer",
        "envoy.filters.http.grpc_web",
        "envoy.filters.http.grpc_json_transcoder",
        "envoy.filters.http.router",
    ]
    # The transcoder routes REST calls by their gRPC path, so a stream's REST route is its stream route.
    transcoder = _manager(boot)["httpFilters"][4]["typedConfig"]
    assert not transcoder.get("matchIncomingRequestRoute")
    assert _vhost(boot)["routes"][-1]["directResponse"]["status"] == 404
    assert envoy.DESCRIPTOR_SET.exists()


def test_unary_routes_have_a_deadline_and_streams_an_idle_timeout() -> None:
    assert envoy.streaming_methods() == {path: path.endswith("/StreamEvents") for path in STREAMS}
    routes = _vhost(envoy.render(Settings(gateway_unary_timeout_seconds=15, gateway_stream_idle_timeout_seconds=300)))["routes"]
    exact = {r["match"]["path"]: r for r in routes if "path" in r["match"] and "headers" not in r["match"] and "route" in r}
    assert set(exact) == STREAMS
    for path, route in exact.items():
        assert route["route"]["timeout"] == "0s", path
        assert route["route"]["idleTimeout"] == "300s", path
        # The exact route comes before its service's prefix route, which would otherwise take it.
        service_prefix = path.rsplit("/", 1)[0] + "/"
        assert routes.index(route) < next(i for i, r in enumerate(routes) if r["match"].get("prefix") == service_prefix)
    assert exact["/playmesh.telemetry.v1.TelemetryService/StreamEvents"]["typedPerFilterConfig"]["envoy.filters.http.buffer"]["disabled"]
    unary = [r for r in routes if "route" in r and r["match"].get("prefix", "").startswith("/playmesh.")]
    assert len(unary) == len(SERVICES)
    for route in unary:
        assert route["route"]["timeout"] == "15s"
        assert route["route"]["maxStreamDuration"] == {"maxStreamDuration": "15s", "grpcTimeoutHeaderMax": "15s"}
    health = [r for r in routes if "headers" in r["match"]]
    assert {r["route"]["timeout"] for r in health if r["match"].get("path") == "/grpc.health.v1.Health/Watch"} == {"0s"}
    assert {r["route"]["timeout"] for r in health if r["match"].get("prefix") == "/grpc.health.v1.Health/"} == {"15s"}
    manager = _manager(envoy.render(Settings()))
    assert manager["streamIdleTimeout"] == "300s"
    assert manager["requestHeadersTimeout"] == "10s"


def test_admin_listens_on_loopback_whatever_the_host() -> None:
    for host in ("127.0.0.1", "0.0.0.0", "::"):
        boot = envoy.render(Settings(host=host))
        assert boot["admin"]["address"]["socketAddress"]["address"] == "127.0.0.1"
        assert boot["staticResources"]["listeners"][0]["address"]["socketAddress"]["address"] == host


def test_compose_and_kubernetes_run_the_rendered_config_and_publish_no_admin_port() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    kube = (ROOT / "deploy" / "kubernetes" / "playmesh.yaml").read_text()
    for text in (compose, kube):
        # The gateway's Envoy runs what the renderer wrote (admin on 127.0.0.1), nothing hand-written.
        assert "playmesh gateway render --output /tmp/envoy.json && exec envoy -c /tmp/envoy.json" in text
        assert "9901" not in text and "GATEWAY_ADMIN" not in text
    gateway_service = kube.split("kind: Service\nmetadata: { name: gateway")[1].split("\n---")[0]
    assert re.search(r"^\s+type: LoadBalancer$", gateway_service, re.M)
    assert re.search(r"^\s+externalTrafficPolicy: Local$", gateway_service, re.M)  # keeps the client's address


def test_client_address_header_is_set_by_envoy() -> None:
    manager = _manager(envoy.render(Settings(gateway_xff_num_trusted_hops=2)))
    assert manager["useRemoteAddress"] is True
    assert manager["xffNumTrustedHops"] == 2
    assert "xffNumTrustedHops" not in _manager(envoy.render(Settings()))  # 0, the default: Envoy is the edge
    [header] = _vhost(envoy.render(Settings()))["requestHeadersToAdd"]
    assert header == {
        "header": {"key": "x-playmesh-client-ip", "value": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"},
        "appendAction": "OVERWRITE_IF_EXISTS_OR_ADD",
    }


def test_stream_and_connection_limits_and_overload_manager() -> None:
    boot = envoy.render(Settings(gateway_max_concurrent_streams=100, gateway_max_connections=20000, gateway_max_heap_bytes=1 << 30))
    assert _manager(boot)["http2ProtocolOptions"]["maxConcurrentStreams"] == 100
    overload = boot["overloadManager"]
    monitors = {m["name"]: m["typedConfig"] for m in overload["resourceMonitors"]}
    assert monitors["envoy.resource_monitors.fixed_heap"]["maxHeapSizeBytes"] == str(1 << 30)
    assert monitors["envoy.resource_monitors.global_downstream_max_connections"]["maxActiveDownstreamConnections"] == "20000"
    actions = {a["name"]: a["triggers"][0] for a in overload["actions"]}
    assert actions["envoy.overload_actions.shrink_heap"]["threshold"]["value"] == 0.95
    assert actions["envoy.overload_actions.stop_accepting_requests"]["threshold"]["value"] == 0.98
    assert "envoy.overload_actions.reduce_timeouts" in actions


def _origins(value: str, **settings: Any) -> list[dict[str, Any]]:
    return [m.to_dict() for m in envoy.cors_origin_matchers(Settings(cors_allowed_origins=value, **settings))]


def test_cors_origins_come_from_the_setting() -> None:
    defaults = _origins(Settings().cors_allowed_origins, host="127.0.0.1", gateway_port=8080)
    assert defaults == [
        {"exact": "http://127.0.0.1:8080"},
        {"safeRegex": {"regex": r"http://localhost(:[0-9]{1,5})?"}},
        {"safeRegex": {"regex": r"http://127\.0\.0\.1(:[0-9]{1,5})?"}},
    ]
    assert _origins("self", host="::1", gateway_port=80) == [{"exact": "http://[::1]:80"}]
    assert _origins("https://Portal.Example.com/, https://*.example.com") == [
        {"exact": "https://portal.example.com"},
        {"safeRegex": {"regex": r"https://[a-z0-9-]+\.example\.com"}},
    ]
    assert _origins("") == []
    policy = _vhost(envoy.render(Settings()))["typedPerFilterConfig"]["envoy.filters.http.cors"]
    assert not policy.get("allowCredentials") and policy["forwardNotMatchingPreflights"] is False
    assert "authorization" in policy["allowHeaders"]


@pytest.mark.parametrize("value", ["*", "https://*", "*.example.com", "https://example.com/app", "https://ex*ample.com", "file://x"])
def test_a_wildcard_origin_or_a_non_origin_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="PLAYMESH_CORS_ALLOWED_ORIGINS"):
        envoy.render(Settings(cors_allowed_origins=f"http://localhost:*,{value}"))


def test_internal_methods_are_not_routed() -> None:
    """Methods only services may call are answered 404 by the gateway itself, ahead of their
    service's prefix route: services call each other directly."""
    internal = {
        "/playmesh.core.v1.CoreService/GetInternalGameConfig",
        "/playmesh.core.v1.CoreService/CheckGameAccess",
        "/playmesh.core.v1.CoreService/BatchGetPlayers",
    }
    assert set(envoy.internal_methods()) == internal
    routes = _vhost(envoy.render(Settings()))["routes"]
    hidden = {r["match"]["path"]: i for i, r in enumerate(routes) if r["match"].get("path") in internal}
    assert set(hidden) == internal
    core_prefix = next(i for i, r in enumerate(routes) if r["match"].get("prefix") == "/playmesh.core.v1.CoreService/")
    for path, index in hidden.items():
        assert routes[index]["directResponse"]["status"] == 404, path
        assert index < core_prefix, path
