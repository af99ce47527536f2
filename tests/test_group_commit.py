"""The scoreboard's group commit on its own: concurrent items of a group are committed together, in
order, each caller gets its own result; a failed commit fails every caller of that batch only; a full
queue refuses with RESOURCE_EXHAUSTED instead of growing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from playmesh.runtime.errors import ResourceExhausted
from playmesh.scoreboard.batching import GroupCommit


async def test_concurrent_items_share_a_commit_and_keep_their_results() -> None:
    batches: list[tuple[tuple[str, str], list[int]]] = []

    async def commit(group: tuple[str, str], items: Sequence[int]) -> list[int]:
        batches.append((group, list(items)))
        await asyncio.sleep(0.01)
        return [i * 10 for i in items]

    writer: GroupCommit[int, int] = GroupCommit(commit)
    # A lone item commits at once (nothing waits on purpose).
    assert await writer.submit(("s", "h"), 100) == 1000
    assert batches == [(("s", "h"), [100])]
    # Items that arrive together are committed together, one commit per group, in order.
    results = await asyncio.gather(*(writer.submit(("s", "g" if i % 2 else "h"), i) for i in range(40)))
    assert results == [i * 10 for i in range(40)]
    assert batches[1:] == [(("s", "h"), list(range(0, 40, 2))), (("s", "g"), list(range(1, 40, 2)))]


async def test_a_failed_commit_fails_its_batch_only() -> None:
    async def commit(group: tuple[str, str], items: Sequence[int]) -> list[int]:
        await asyncio.sleep(0.01)
        if 13 in items:
            raise RuntimeError("database went away")
        return list(items)

    writer: GroupCommit[int, int] = GroupCommit(commit)
    first = await writer.submit(("s", "a"), 1)
    outcomes = await asyncio.gather(writer.submit(("s", "a"), 13), writer.submit(("s", "b"), 2), return_exceptions=True)
    assert first == 1 and isinstance(outcomes[0], RuntimeError) and outcomes[1] == 2
    assert await writer.submit(("s", "a"), 3) == 3  # the writer carries on


async def test_a_full_queue_refuses_with_retry_info() -> None:
    release = asyncio.Event()

    async def commit(group: tuple[str, str], items: Sequence[int]) -> list[int]:
        await release.wait()
        return list(items)

    writer: GroupCommit[int, int] = GroupCommit(commit, max_queue=3)
    waiting = [asyncio.create_task(writer.submit(("s", "g"), 0))]
    await asyncio.sleep(0.01)  # the writer holds item 0 in a commit that does not finish
    waiting += [asyncio.create_task(writer.submit(("s", "g"), i)) for i in range(1, 4)]
    await asyncio.sleep(0.01)  # three wait in the queue: it is full
    with pytest.raises(ResourceExhausted) as full:
        await writer.submit(("s", "g"), 99)
    assert full.value.reason == "SCORE_QUEUE_FULL" and full.value.retry_after_seconds > 0
    release.set()
    assert await asyncio.gather(*waiting) == [0, 1, 2, 3]
