"""The rendered Envoy config is valid for Envoy itself (`envoy --mode validate`) and routes what it
should: one HTTP/2 cluster per service with gRPC health checks, stream-safe timeouts, a size limit."""

from __future__ import annotations

import pathlib
import subprocess
import sys

from playmesh.gateway import envoy
from playmesh.runtime.registry import SERVICES
from playmesh.runtime.settings import Settings


def test_envoy_validates_rendered_config(tmp_path: pathlib.Path) -> None:
    config = envoy.write(Settings(gateway_port=18080, gateway_admin_port=19901), tmp_path / "envoy.json")
    binary = pathlib.Path(sys.executable).with_name("envoy")
    result = subprocess.run([str(binary), "--mode", "validate", "-c", str(config), "--disable-hot-restart"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout + result.stderr


def test_rendered_config_shape() -> None:
    boot = envoy.render(Settings())
    clusters = {c["name"]: c for c in boot["staticResources"]["clusters"]}
    assert set(clusters) == {s.name for s in SERVICES}
    for spec in SERVICES:
        cluster = clusters[spec.name]
        assert cluster["healthChecks"][0]["grpcHealthCheck"]["serviceName"] == spec.full_name
        assert "http2ProtocolOptions" in str(cluster["typedExtensionProtocolOptions"])
    manager = boot["staticResources"]["listeners"][0]["filterChains"][0]["filters"][0]["typedConfig"]
    filters = [f["name"] for f in manager["httpFilters"]]
    assert filters == [
        "envoy.filters.http.cors",
        "envoy.filters.http.local_ratelimit",
        "envoy.filters.http.buffer",
        "envoy.filters.http.grpc_web",
        "envoy.filters.http.grpc_json_transcoder",
        "envoy.filters.http.router",
    ]
    routes = manager["routeConfig"]["virtualHosts"][0]["routes"]
    assert all(r["route"]["timeout"] == "0s" for r in routes if "route" in r)
    assert routes[-1]["directResponse"]["status"] == 404
    assert envoy.DESCRIPTOR_SET.exists()
