"""Keeps an embedded PostgreSQL or Redis running under ``playmesh up``: when it dies (a crash, an OOM
kill, kill -9) it is restarted in place, on the same data dir and port, so the services' URLs stay valid
and their dependency watch brings them back to SERVING. A server that keeps dying is restarted with
back-off instead of in a tight loop; the supervisor never gives up on it (the services answer
UNAVAILABLE meanwhile, and the log says why)."""

from __future__ import annotations

import subprocess
import time
from typing import Protocol

import psutil

from playmesh.runtime.logging import get_logger

__all__ = ["Keeper", "Restartable"]

log = get_logger("playmesh.launcher")
_WINDOW_SECONDS = 60.0  # deaths closer together than this count as "keeps dying"
_MAX_DELAY_SECONDS = 30.0
_FIRST_RETRY_SECONDS = 0.25  # a failed start is mostly a dead postmaster's backends still exiting


class Restartable(Protocol):
    @property
    def pid(self) -> int | None: ...

    def alive(self) -> bool: ...

    def restart(self) -> str: ...


class Keeper:
    """``check()`` (called by the supervisor's loop) notices a death, logs ``dependency_died``, restarts the
    server when its back-off allows, and logs ``dependency_restarted`` with how long it was down and how
    long the restart took (or ``dependency_restart_failed`` and when it tries again)."""

    def __init__(self, name: str, server: Restartable) -> None:
        self.name = name
        self.server = server
        self._deaths: list[float] = []
        self._down_since: float | None = None
        self._failures = 0
        self._next_try = 0.0

    def check(self) -> None:
        now = time.monotonic()
        if self._down_since is None:
            if self.server.alive():
                return
            self._down_since = now
            self._deaths = [t for t in self._deaths if t > now - _WINDOW_SECONDS] + [now]
            # Once at once; a second death within the window waits 1 s, then 2, 4 … up to 30 s.
            delay = 0.0 if len(self._deaths) == 1 else min(_MAX_DELAY_SECONDS, 2.0 ** (len(self._deaths) - 2))
            self._next_try = now + delay
            log.warning("dependency_died", dependency=self.name, pid=self.server.pid, deaths_last_minute=len(self._deaths), restart_in_seconds=delay)
        if now < self._next_try:
            return
        started = time.monotonic()
        try:
            self.server.restart()
        except (RuntimeError, OSError, subprocess.SubprocessError, psutil.Error) as exc:
            self._failures += 1
            delay = min(_MAX_DELAY_SECONDS, _FIRST_RETRY_SECONDS * 2 ** (self._failures - 1))
            self._next_try = time.monotonic() + delay
            log.error("dependency_restart_failed", dependency=self.name, attempt=self._failures, error=str(exc), retry_in_seconds=delay)
            return
        done = time.monotonic()
        log.info(
            "dependency_restarted",
            dependency=self.name,
            pid=self.server.pid,
            attempts=self._failures + 1,
            restart_seconds=round(done - started, 3),
            down_seconds=round(done - self._down_since, 3),
        )
        self._down_since = None
        self._failures = 0
