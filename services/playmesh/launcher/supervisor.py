"""Starts and stops the whole platform as child processes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from redis.asyncio import Redis

from playmesh.gateway import envoy
from playmesh.launcher.embedded import EmbeddedPostgres, EmbeddedRedis
from playmesh.launcher.keeper import Keeper
from playmesh.runtime.context import resolve_secret
from playmesh.runtime.db import Database
from playmesh.runtime.logging import configure_logging
from playmesh.runtime.redis_migrations import Step, migrate_redis
from playmesh.runtime.registry import SERVICES
from playmesh.runtime.settings import Settings

__all__ = ["Platform"]


class Platform:
    """``start()`` brings everything up and waits until every service answers SERVING through Envoy;
    ``stop()`` takes it down in reverse order; in between, ``check_children()`` restarts what died.
    ``say`` prints progress; restarts of the embedded servers are structured log lines."""

    def __init__(self, settings: Settings, say: Callable[[str], None] = print) -> None:
        self.settings = settings
        self.say = say
        self.postgres: EmbeddedPostgres | None = None
        self.redis: EmbeddedRedis | None = None
        self.keepers: list[Keeper] = []
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._commands: dict[str, tuple[list[str], dict[str, str], pathlib.Path]] = {}
        self._restarts: dict[str, list[float]] = {}
        self.database_url = settings.database_url
        self.redis_url = settings.redis_url
        configure_logging(settings.log_level, settings.log_format, service="launcher")

    def start(self, *, ready_timeout: float = 60.0) -> None:
        data = self.settings.data_path
        data.mkdir(parents=True, exist_ok=True)
        if not self.database_url:
            self.say(f"starting embedded PostgreSQL in {data / 'postgres'}")
            self.postgres = EmbeddedPostgres(data)
            self.database_url = self.postgres.start()
            self.keepers.append(Keeper("postgresql", self.postgres))
        if not self.redis_url:
            self.say(f"starting embedded Redis (AOF on) in {data / 'redis'} on port {self.settings.redis_port}")
            self.redis = EmbeddedRedis(data, self.settings.host, self.settings.redis_port)
            self.redis_url = self.redis.start()
            self.keepers.append(Keeper("redis", self.redis))
        resolve_secret(self.settings)  # created once here, before any service races to create it
        self.say("migrating the platform schema, every studio schema and Redis keys")
        schemas, redis_steps = asyncio.run(_migrate(self.database_url, self.redis_url))
        self.say(f"  {len(schemas)} studio schema(s) up to date")
        for step, moved in redis_steps:
            self.say(f"  Redis: {step.description} ({moved} key(s) moved)")
        env = {**os.environ, "PLAYMESH_DATABASE_URL": self.database_url, "PLAYMESH_REDIS_URL": self.redis_url, "PLAYMESH_DATA_DIR": str(data)}
        logs = data / "logs"
        logs.mkdir(exist_ok=True)
        for spec in SERVICES:
            for worker in range(self.settings.service_processes):
                cmd = [sys.executable, "-m", "playmesh.cli", "serve", spec.name, "--worker", str(worker)]
                self._spawn(f"{spec.name}[{worker}]", cmd, env, logs / f"{spec.name}-{worker}.log")
        config = envoy.write(self.settings, data / "envoy.json")
        envoy_bin = shutil.which("envoy", path=str(pathlib.Path(sys.executable).parent)) or "envoy"
        self._spawn(
            "envoy",
            [envoy_bin, "-c", str(config), "--disable-hot-restart", "--log-level", "warn", "--base-id-path", str(data / "envoy.base-id")],
            env,
            logs / "envoy.log",
        )
        self._wait_ready(ready_timeout)
        self._write_endpoints(data / "endpoints.json")

    def _write_endpoints(self, path: pathlib.Path) -> None:
        """Where everything runs, for tools and tests (mode 0600: the URLs may hold passwords)."""
        endpoints = {
            "gateway": f"{self.settings.host}:{self.settings.gateway_port}",
            "database_url": self.database_url,
            "redis_url": self.redis_url,
            "services": {spec.name: f"{self.settings.host}:{spec.port(self.settings)}" for spec in SERVICES},
            # What tools started later (`playmesh scoreboard rebuild`) need to reach the services themselves.
            "port_base": self.settings.port_base,
            "service_processes": self.settings.service_processes,
        }
        path.touch(mode=0o600)
        path.write_text(json.dumps(endpoints, indent=2))

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str], log_path: pathlib.Path) -> subprocess.Popen[bytes]:
        with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self._commands[name] = (cmd, env, log_path)
        self.children.append((name, process))
        return process

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = {spec.name for spec in SERVICES}
        target = f"{self.settings.host}:{self.settings.gateway_port}"
        with grpc.insecure_channel(target) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while pending:
                self.check_children()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"not ready after {timeout:.0f} s: {', '.join(sorted(pending))} (logs in {self.settings.data_path / 'logs'})")
                for name in sorted(pending):
                    spec = next(s for s in SERVICES if s.name == name)
                    with contextlib.suppress(grpc.RpcError):
                        reply = stub.Check(
                            health_pb2.HealthCheckRequest(service=spec.full_name),
                            metadata=[(envoy.HEALTH_SERVICE_HEADER, name)],
                            timeout=1,
                        )
                        if reply.status == health_pb2.HealthCheckResponse.SERVING:
                            pending.discard(name)
                            self.say(f"  {name:<12} SERVING")
                if pending:
                    time.sleep(0.2)

    def check_children(self) -> None:
        """Restarts what died (a crash, an OOM kill, kill -9). An embedded PostgreSQL or Redis is restarted
        in place, with back-off when it keeps dying (``Keeper``). A service process is restarted at most
        5 times a minute; beyond that the platform is unhealthy and start-up or `up` fails loudly."""
        for keeper in self.keepers:
            keeper.check()
        for k, (name, process) in enumerate(self.children):
            if process.poll() is None:
                continue
            now = time.monotonic()
            recent = [t for t in self._restarts.get(name, []) if t > now - 60] + [now]
            self._restarts[name] = recent
            if len(recent) > 5:
                raise RuntimeError(f"{name} keeps exiting (last code {process.returncode}); see {self.settings.data_path / 'logs'}")
            self.say(f"  {name} exited with code {process.returncode}; restarting it")
            cmd, env, log_path = self._commands[name]
            self.children.pop(k)
            self._spawn(name, cmd, env, log_path)
            return

    def stop(self) -> None:
        self.say("stopping services")
        for _, process in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.settings.shutdown_grace_seconds + 5
        for name, process in self.children:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"  {name} did not stop in time; killing it")
                process.kill()
                process.wait()
        self.children.clear()
        if self.redis is not None:
            self.say("stopping embedded Redis")
            self.redis.stop()
        if self.postgres is not None:
            self.say("stopping embedded PostgreSQL")
            self.postgres.stop()


async def _migrate(database_url: str, redis_url: str) -> tuple[list[str], list[tuple[Step, int]]]:
    """PostgreSQL's schemas, then Redis's keys (before any service reads them under their new names)."""
    db = Database(database_url, pool_size=1)
    redis = Redis.from_url(redis_url)
    try:
        return await db.migrate_all(), await migrate_redis(redis)
    finally:
        await redis.aclose()
        await db.close()
