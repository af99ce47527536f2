"""`playmesh up` in a child process on free ports with its own data dir, for integration tests and
benchmarks. Uses PLAYMESH_DATABASE_URL / PLAYMESH_REDIS_URL from the environment when set."""

from __future__ import annotations

import json
import os
import pathlib
import random
import signal
import socket
import subprocess
import sys
import time
import uuid

__all__ = ["PlatformProcess", "free_port_block"]


def _ephemeral_low() -> int:
    try:
        return int(pathlib.Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port_block(size: int) -> int:
    """A base port with ``size`` consecutive free ports above it, below the kernel's ephemeral range:
    ports in that range can be taken at any moment as the source port of some outgoing connection,
    which would break a platform restarted on the same ports."""
    rng = random.Random()
    high = _ephemeral_low() - size - 1
    for _ in range(200):
        base = rng.randrange(10000, high)
        try:
            held = []
            for port in range(base, base + size + 1):
                sock = socket.socket()
                held.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
        return base
    raise RuntimeError("no free port block")


class PlatformProcess:
    """``playmesh up`` in a child process, with its own data dir and ports."""

    def __init__(self, data_dir: pathlib.Path, extra_env: dict[str, str] | None = None) -> None:
        """``extra_env`` overrides settings; by default the per-IP rate limits are lifted, since every
        test or load client shares 127.0.0.1 (the per-IP buckets have tests of their own)."""
        self.data_dir = data_dir
        base = free_port_block(80)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PLAYMESH_")},
            "PLAYMESH_DATA_DIR": str(data_dir),
            "PLAYMESH_GATEWAY_PORT": str(base),
            "PLAYMESH_GATEWAY_ADMIN_PORT": str(base + 1),
            "PLAYMESH_REDIS_PORT": str(base + 2),
            "PLAYMESH_PORT_BASE": str(base + 2),  # services on base+3 … base+8, worker k at +10k
            "PLAYMESH_METRICS_PORT_BASE": str(base + 40),  # metrics on base+41 … base+46, worker k at +10k
            "PLAYMESH_LOG_FORMAT": "json",
            # Tests share one client IP; the per-IP buckets are tested on their own.
            "PLAYMESH_RATE_LIMIT_IP_READS_PER_MINUTE": "1000000",
            "PLAYMESH_RATE_LIMIT_IP_WRITES_PER_MINUTE": "1000000",
            "PLAYMESH_RATE_LIMIT_IP_GAMEPLAY_PER_MINUTE": "1000000",
            "PLAYMESH_RATE_LIMIT_IP_UNMETERED_PER_MINUTE": "1000000",
            "PLAYMESH_SHUTDOWN_GRACE_SECONDS": "2",
            **{k: v for k, v in os.environ.items() if k in ("PLAYMESH_DATABASE_URL", "PLAYMESH_REDIS_URL")},
            **(extra_env or {}),
        }
        self.gateway = f"127.0.0.1:{base}"
        self.output = data_dir / "up.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        offset = self.output.stat().st_size if self.output.exists() else 0  # earlier runs append here too
        with open(self.output, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "playmesh.cli", "up"], env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=pathlib.Path.cwd()
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b"ready; press Ctrl-C" in self.output.read_bytes()[offset:]:
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"playmesh up exited {self.process.returncode}:\n{self.output.read_text()[-4000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"playmesh up not ready:\n{self.output.read_text()[-4000:]}")

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    @property
    def endpoints(self) -> dict[str, object]:
        return json.loads((self.data_dir / "endpoints.json").read_text())

    async def server_token(self, studio_id: str, game_id: str, *, ttl_seconds: int = 3600) -> str:
        """A game-server token for the game, signed with the platform's own keys as the session
        service signs those of registered servers (tests and benchmarks have no fleet)."""
        from playmesh.runtime.db import Database
        from playmesh.runtime.tokens import AUD_SERVER, KeyRing

        db = Database(str(self.endpoints["database_url"]), pool_size=1)
        try:
            keyring = KeyRing(db, (self.data_dir / "secret.key").read_text().strip(), retire_seconds=ttl_seconds)
            await keyring.start()
            now = int(time.time())
            claims = {"sub": f"server-{uuid.uuid4().hex[:8]}", "aud": AUD_SERVER, "tid": studio_id, "gid": game_id, "iat": now, "exp": now + ttl_seconds}
            return keyring.sign(claims)
        finally:
            await db.close()
