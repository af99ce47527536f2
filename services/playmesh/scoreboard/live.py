"""Live leaderboards: every change announced on a board's pub/sub channel reaches its watchers on
every instance.

A board with watchers here has one ``Feed``: it listens to the board's channel through the process's
stream hub (``runtime.streams``: one Redis connection for every stream of the process), and on a change
it waits out the coalescing interval, reads the top once for all of its watchers, and hands each
watcher the newest snapshot. A watcher holds one snapshot, not a queue: a slow reader skips to the
latest state and memory stays bounded whatever the update rate.

A feed survives failures: a read that fails (PostgreSQL or Redis) is logged and retried with back-off,
and its watchers keep waiting, then get the board as it is. Lost pub/sub messages (the hub reconnected)
arrive as a resync, which is a change like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator

import structlog

from playmesh.runtime.errors import Unavailable
from playmesh.runtime.streams import Inbox, StreamHub, StreamsClosed
from playmesh.scoreboard.ranks import channel
from playmesh.scoreboard.reads import Entry
from playmesh.scoreboard.scoring import Scoreboard
from playmesh.scoreboard.seasons import Board
from playmesh.scoreboard.store import Season

__all__ = ["LiveBoards", "Snapshot", "Watcher"]

log = structlog.get_logger("playmesh.scoreboard.live")
_RETRY_MAX_SECONDS = 5.0  # back-off ceiling of a feed whose reads fail


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
        self._sent: Snapshot | None = None
        self._ready = asyncio.Event()
        self._error: Unavailable | None = None

    def fail(self, error: Unavailable) -> None:
        """Ends the watch: ``next()`` raises ``error`` (the stream ends with its status)."""
        self._error = error
        self._ready.set()

    def offer(self, snapshot: Snapshot) -> None:
        """Keeps the snapshot if it is newer than what this watcher has been sent."""
        if snapshot.season.number > self._sent_season or snapshot.version > self._sent_version:
            self._latest = snapshot
            self._ready.set()

    async def next(self, *, heartbeat_seconds: float | None = None) -> Snapshot:
        """The newest snapshot not yet taken (its entries may run past ``top_n``: cut them). With
        ``heartbeat_seconds``, the last one taken is handed out again after that long without a newer
        one: a quiet board's stream still sends, and the gateway does not close it as idle."""
        try:
            await asyncio.wait_for(self._ready.wait(), heartbeat_seconds)
        except TimeoutError:
            if self._sent is not None:
                return self._sent
            await self._ready.wait()
        if self._error is not None:
            raise self._error
        self._ready.clear()
        snapshot = self._latest
        assert snapshot is not None
        self._sent_version = max(self._sent_version, snapshot.version)
        self._sent_season = max(self._sent_season, snapshot.season.number)
        self._sent = snapshot
        return snapshot


class Feed:
    """One board's watchers on this instance, refreshed at most once per interval."""

    def __init__(self, scoreboard: Scoreboard, studio_id: str, game_id: str, board: Board, interval: float) -> None:
        self.scoreboard = scoreboard
        self.studio_id, self.game_id, self.board = studio_id, game_id, board
        self.interval = interval
        self.watchers: set[Watcher] = set()
        self.opened: asyncio.Task[None] | None = None
        self._listening = contextlib.AsyncExitStack()
        self._task: asyncio.Task[None] | None = None

    async def open(self, streams: StreamHub) -> None:
        """Subscribes to the board's changes (returns once they reach this feed) and starts its loop."""
        inbox = await self._listening.enter_async_context(streams.listen(channel(self.game_id, self.board.name)))
        self._task = asyncio.create_task(self._run(inbox), name=f"leaderboard-feed-{self.board.name}")

    async def close(self) -> None:
        for task in (self.opened, self._task):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.wait([task])
        await self._listening.aclose()

    async def snapshot(self, top_n: int) -> Snapshot:
        season = await self.scoreboard.seasons.current_season(self.studio_id, self.game_id, self.board)
        page = await self.scoreboard.reads.top(self.studio_id, self.game_id, self.board, season, offset=0, count=top_n)
        return Snapshot(page.version, page.season, page.entries)

    async def _run(self, inbox: Inbox) -> None:
        last = 0.0
        failures = 0
        while True:
            try:
                if not failures:  # after a failure, read again at once: the change it missed is still to show
                    season = await self.scoreboard.seasons.current_season(self.studio_id, self.game_id, self.board)
                    # A season ending is a change too: the board starts empty.
                    until_end = None if season.end_time is None else max(0.0, (season.end_time - self.scoreboard.seasons.clock()).total_seconds())
                    await inbox.next(wait_seconds=until_end)
                wait = last + self.interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                last = time.monotonic()
                inbox.drain()  # changes during the wait are in the read below
                snapshot = await self.snapshot(max((w.top_n for w in self.watchers), default=1))
                failures = 0
            except StreamsClosed as exc:  # the server is stopping
                for watcher in self.watchers:
                    watcher.fail(exc)
                return
            except Exception as exc:  # noqa: BLE001 - PostgreSQL or Redis failed: log, back off, read again
                failures += 1
                log.warning("leaderboard_feed_read_failed", error=f"{type(exc).__name__}: {exc}", leaderboard=self.board.name, failures=failures)
                await asyncio.sleep(min(_RETRY_MAX_SECONDS, self.interval * 2**failures))
                continue
            for watcher in self.watchers:
                watcher.offer(snapshot)


class LiveBoards:
    def __init__(self, streams: StreamHub, scoreboard: Scoreboard, *, interval_seconds: float) -> None:
        self._streams = streams
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
            feed.opened = asyncio.create_task(feed.open(self._streams))
        watcher = Watcher(top_n)
        feed.watchers.add(watcher)
        try:
            await asyncio.shield(feed.opened)  # subscribed before the first read: no change falls between
            watcher.offer(await feed.snapshot(top_n))
            yield watcher
        finally:
            feed.watchers.discard(watcher)
            if not feed.watchers and self._feeds.get(name) is feed:
                del self._feeds[name]
                await feed.close()
