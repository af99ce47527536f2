"""Live leaderboards: every change announced on Redis pub/sub reaches the watchers on every instance.

Each instance subscribes once (a pattern over all boards). A board with watchers here has one
``Feed``: on a change it waits out the coalescing interval, reads the top once for all of its
watchers, and hands each watcher the newest snapshot. A watcher holds one snapshot, not a queue: a
slow reader skips to the latest state and memory stays bounded whatever the update rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from playmesh.scoreboard.ranks import channel
from playmesh.scoreboard.scoring import Board, Entry, Scoreboard
from playmesh.scoreboard.store import Season

__all__ = ["LiveBoards", "Snapshot", "Watcher"]

log = structlog.get_logger("playmesh.scoreboard.live")
_PATTERN = "pm:lbc:*"


@dataclasses.dataclass(frozen=True, slots=True)
class Snapshot:
    """The top of a board at one version, shared by every watcher it is handed to."""

    version: int
    season: Season
    entries: list[Entry]
    # Renderings of this snapshot by top N (the servicer's messages): built once per flush, not
    # once per watcher, which is most of the cost of a thousand watchers.
    renderings: dict[int, object] = dataclasses.field(default_factory=dict, compare=False)


class Watcher:
    def __init__(self, top_n: int) -> None:
        self.top_n = top_n
        self._latest: Snapshot | None = None
        self._sent_version = -1
        self._sent_season = -1
        self._ready = asyncio.Event()

    def offer(self, snapshot: Snapshot) -> None:
        """Keeps the snapshot if it is newer than what this watcher has been sent."""
        if snapshot.season.number > self._sent_season or snapshot.version > self._sent_version:
            self._latest = snapshot
            self._ready.set()

    async def next(self) -> Snapshot:
        """The newest snapshot not yet taken (its entries may run past ``top_n``: cut them)."""
        await self._ready.wait()
        self._ready.clear()
        snapshot = self._latest
        assert snapshot is not None
        self._sent_version = max(self._sent_version, snapshot.version)
        self._sent_season = max(self._sent_season, snapshot.season.number)
        return snapshot


class Feed:
    """One board's watchers on this instance, refreshed at most once per interval."""

    def __init__(self, scoreboard: Scoreboard, studio_id: str, game_id: str, board: Board, interval: float) -> None:
        self.scoreboard = scoreboard
        self.studio_id, self.game_id, self.board = studio_id, game_id, board
        self.interval = interval
        self.watchers: set[Watcher] = set()
        self._dirty = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        self._dirty.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def snapshot(self, top_n: int) -> Snapshot:
        season = await self.scoreboard.current_season(self.studio_id, self.game_id, self.board)
        page = await self.scoreboard.top(self.studio_id, self.game_id, self.board, season, offset=0, count=top_n)
        return Snapshot(page.version, page.season, page.entries)

    async def _run(self) -> None:
        last = 0.0
        while True:
            season = await self.scoreboard.current_season(self.studio_id, self.game_id, self.board)
            # A season ending is a change too: the board starts empty.
            timeout = None if season.end_time is None else max(0.0, (season.end_time - self.scoreboard.clock()).total_seconds())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dirty.wait(), timeout)
            wait = last + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            last = time.monotonic()
            self._dirty.clear()  # changes during the wait are in the read below
            try:
                snapshot = await self.snapshot(max((w.top_n for w in self.watchers), default=1))
            except Exception as exc:  # noqa: BLE001 - Redis or PostgreSQL hiccup: try again on the next change
                log.warning("leaderboard_feed_read_failed", error=str(exc), leaderboard=self.board.name)
                await asyncio.sleep(self.interval)
                self._dirty.set()
                continue
            for watcher in self.watchers:
                watcher.offer(snapshot)


class LiveBoards:
    def __init__(self, redis: Redis, scoreboard: Scoreboard, *, interval_seconds: float) -> None:
        self._redis = redis
        self._scoreboard = scoreboard
        self._interval = interval_seconds
        self._feeds: dict[str, Feed] = {}

    @contextlib.asynccontextmanager
    async def watch(self, studio_id: str, game_id: str, board: Board, top_n: int) -> AsyncIterator[Watcher]:
        """Registers a watcher; its first ``next()`` is the board as it is now."""
        name = channel(game_id, board.name)
        feed = self._feeds.get(name)
        if feed is None:
            feed = self._feeds[name] = Feed(self._scoreboard, studio_id, game_id, board, self._interval)
            feed.start()
        watcher = Watcher(top_n)
        feed.watchers.add(watcher)
        try:
            watcher.offer(await feed.snapshot(top_n))
            yield watcher
        finally:
            feed.watchers.discard(watcher)
            if not feed.watchers and self._feeds.get(name) is feed:
                del self._feeds[name]
                await feed.stop()

    async def run(self, stop: asyncio.Event) -> None:
        """Background job: listens for board changes and pokes the feeds that have watchers here."""
        while not stop.is_set():
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(_PATTERN)
                for feed in self._feeds.values():  # changes may have been missed while disconnected
                    feed.poke()
                while not stop.is_set():
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is None:
                        continue
                    raw = message["channel"]
                    target = self._feeds.get(raw.decode() if isinstance(raw, bytes) else raw)
                    if target is not None:
                        target.poke()
            except (RedisError, OSError) as exc:
                log.warning("leaderboard_subscription_lost", error=str(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()
        for feed in list(self._feeds.values()):
            await feed.stop()
