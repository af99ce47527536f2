"""Group commit for players' actions: concurrent SubmitAction calls are written together.

A burst of actions queues here and one writer per process commits what has queued since its last
commit: one PostgreSQL transaction and one Redis script per board for the whole batch, instead of
one each per call. Nothing waits on purpose: an idle process commits a lone action at once, and under
load batches form while the previous one commits. The queue is bounded; when it is full a call is
refused with RESOURCE_EXHAUSTED and a short retry delay, so a burst beyond what the database can take
is pushed back to clients instead of piling up in memory.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from playmesh.runtime.errors import ResourceExhausted

__all__ = ["GroupCommit"]

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclasses.dataclass(slots=True)
class _Pending(Generic[Item, Result]):
    group: tuple[str, str]
    item: Item
    future: asyncio.Future[Result]


class GroupCommit(Generic[Item, Result]):
    """Queues items per group (studio, game) and commits each group's queued items in one call of
    ``commit``, which returns one result per item, in order."""

    def __init__(
        self,
        commit: Callable[[tuple[str, str], Sequence[Item]], Awaitable[Sequence[Result]]],
        *,
        max_batch: int = 500,
        max_queue: int = 20_000,
    ) -> None:
        self._commit = commit
        self._max_batch = max_batch
        self._max_queue = max_queue
        self._queue: collections.deque[_Pending[Item, Result]] = collections.deque()
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, group: tuple[str, str], item: Item) -> Result:
        if len(self._queue) >= self._max_queue:
            raise ResourceExhausted("too many score changes are waiting to be written; retry shortly", retry_after_seconds=0.2, reason="SCORE_QUEUE_FULL")
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(group, item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await asyncio.shield(future)  # a caller that goes away does not cancel the batch

    async def _drain(self) -> None:
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(self._max_batch, len(self._queue)))]
            groups: dict[tuple[str, str], list[_Pending[Item, Result]]] = {}
            for pending in batch:
                groups.setdefault(pending.group, []).append(pending)
            await asyncio.gather(*(self._commit_group(group, items) for group, items in groups.items()))

    async def _commit_group(self, group: tuple[str, str], items: list[_Pending[Item, Result]]) -> None:
        try:
            results = await self._commit(group, [p.item for p in items])
        except BaseException as exc:  # every caller of the batch gets the failure
            for p in items:
                if not p.future.done():
                    p.future.set_exception(exc)
            if not isinstance(exc, Exception):  # cancelled: the process is stopping
                raise
            return
        for p, result in zip(items, results, strict=True):
            if not p.future.done():
                p.future.set_result(result)
