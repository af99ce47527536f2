"""The scoreboard's PostgreSQL side: seasons, current scores, the score log and the outbox.

A batch of score changes is committed in one transaction: the log rows (a retried request id is
skipped by the log's unique index, so it counts once even if Redis forgot everything), the current
score rows (combined by the board's operator inside PostgreSQL, so concurrent changes never lose
an update) and one outbox row per changed score. Hot paths use asyncpg directly: one round trip per
statement, no per-call SQL compilation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import AsyncIterator, Sequence
from typing import Any

import sqlalchemy as sa

from playmesh.core.v1 import core_pb2
from playmesh.runtime.db import Database
from playmesh.scoreboard.ranks import Change
from playmesh.scoreboard.tables import leaderboard_scores, leaderboard_seasons, score_log
from playmesh.scoreboard.v1 import scoreboard_pb2 as sb

__all__ = ["Attempt", "Operator", "ScoreStore", "Season", "Stored"]


class Operator(enum.IntEnum):
    INCREMENT = core_pb2.SCORE_OPERATOR_INCREMENT
    BEST = core_pb2.SCORE_OPERATOR_BEST
    SET = core_pb2.SCORE_OPERATOR_SET


@dataclasses.dataclass(frozen=True, slots=True)
class Season:
    number: int
    start_time: dt.datetime
    end_time: dt.datetime | None
    state: int
    player_count: int


@dataclasses.dataclass(frozen=True, slots=True)
class Attempt:
    """One requested change of one player's score on one board's season."""

    board: str
    season: int
    player_id: str
    points: int
    request_id: str
    source: int  # scoreboard_pb2.ScoreSource
    action: str
    ip: str


@dataclasses.dataclass(frozen=True, slots=True)
class Stored:
    """A committed change: the player's row after it, and the outbox entry guarding its Redis update."""

    board: str
    season: int
    change: Change
    outbox_seq: int


def _q(schema: str) -> str:
    return '"' + schema.replace('"', "") + '"'  # schema names come from tenant_schema(): hex digits


_UPSERT_SCORE = {
    # How a new value combines with the stored one, per operator (and sort order for BEST).
    (Operator.INCREMENT, True): "t.score + EXCLUDED.score",
    (Operator.INCREMENT, False): "t.score + EXCLUDED.score",
    (Operator.BEST, True): "GREATEST(t.score, EXCLUDED.score)",
    (Operator.BEST, False): "LEAST(t.score, EXCLUDED.score)",
    (Operator.SET, True): "EXCLUDED.score",
    (Operator.SET, False): "EXCLUDED.score",
}


class ScoreStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- seasons -------------------------------------------------------------------------------

    async def latest_season(self, schema: str, game_id: str, board: str) -> Season | None:
        async with self._db.begin(schema) as conn:
            row = (
                await conn.execute(
                    sa.select(leaderboard_seasons)
                    .where(leaderboard_seasons.c.game_id == game_id, leaderboard_seasons.c.leaderboard == board)
                    .order_by(leaderboard_seasons.c.number.desc())
                    .limit(1)
                )
            ).first()
        return _season(row) if row is not None else None

    async def open_season(self, schema: str, game_id: str, board: str, *, now: dt.datetime, start: dt.datetime, end: dt.datetime | None) -> Season:
        """The current season: the first one, or the next one if the latest has ended by ``now``.
        Safe to race: the latest season row is locked while it is archived and its successor made."""
        async with self._db.begin(schema) as conn:
            await conn.execute(
                sa.dialects.postgresql.insert(leaderboard_seasons)
                .values(game_id=game_id, leaderboard=board, number=1, start_time=start, end_time=end, state=sb.SEASON_STATE_ACTIVE)
                .on_conflict_do_nothing()
            )
            latest = (
                await conn.execute(
                    sa.select(leaderboard_seasons)
                    .where(leaderboard_seasons.c.game_id == game_id, leaderboard_seasons.c.leaderboard == board)
                    .order_by(leaderboard_seasons.c.number.desc())
                    .limit(1)
                    .with_for_update()
                )
            ).one()
            if latest.end_time is None or now < latest.end_time:
                return _season(latest)
            count = (
                await conn.execute(sa.select(sa.func.count()).select_from(leaderboard_scores).where(*_in_season(game_id, board, latest.number)))
            ).scalar_one()
            await conn.execute(
                sa.update(leaderboard_seasons)
                .where(
                    leaderboard_seasons.c.game_id == game_id,
                    leaderboard_seasons.c.leaderboard == board,
                    leaderboard_seasons.c.number == latest.number,
                )
                .values(state=sb.SEASON_STATE_ARCHIVED, player_count=count)
            )
            row = (
                await conn.execute(
                    sa.insert(leaderboard_seasons)
                    .values(
                        game_id=game_id,
                        leaderboard=board,
                        number=latest.number + 1,
                        start_time=max(start, latest.end_time),
                        end_time=end,
                        state=sb.SEASON_STATE_ACTIVE,
                    )
                    .returning(*leaderboard_seasons.c)
                )
            ).one()
        return _season(row)

    async def season(self, schema: str, game_id: str, board: str, number: int) -> Season | None:
        async with self._db.begin(schema) as conn:
            row = (
                await conn.execute(
                    sa.select(leaderboard_seasons).where(
                        leaderboard_seasons.c.game_id == game_id,
                        leaderboard_seasons.c.leaderboard == board,
                        leaderboard_seasons.c.number == number,
                    )
                )
            ).first()
        return _season(row) if row is not None else None

    async def seasons(self, schema: str, game_id: str, board: str, *, before: int | None, limit: int) -> list[Season]:
        """Seasons newest first, numbered below ``before`` when given."""
        query = sa.select(leaderboard_seasons).where(leaderboard_seasons.c.game_id == game_id, leaderboard_seasons.c.leaderboard == board)
        if before is not None:
            query = query.where(leaderboard_seasons.c.number < before)
        async with self._db.begin(schema) as conn:
            rows = (await conn.execute(query.order_by(leaderboard_seasons.c.number.desc()).limit(limit))).all()
        return [_season(r) for r in rows]

    # --- changes -------------------------------------------------------------------------------

    async def record(
        self,
        *,
        studio_id: str,
        schema: str,
        game_id: str,
        operators: dict[str, tuple[Operator, bool]],
        attempts: Sequence[Attempt],
        now: dt.datetime,
    ) -> tuple[list[bool], list[Stored]]:
        """Commits the attempts. Returns, per attempt, whether it was new (False: a retry of an
        accepted request id), and the rows changed with their outbox entries."""
        if not attempts:
            return [], []
        s = _q(schema)
        async with self._db.driver() as conn, conn.transaction():
            inserted = await conn.fetch(
                f"""
                INSERT INTO {s}.score_log (id, game_id, leaderboard, season, player_id, source, action, points, accepted,
                                           flag_reason, ip, request_id, create_time)
                SELECT gen_random_uuid(), $1, b, se, p, src, a, pts, true, '', ip, r, $2
                FROM unnest($3::text[], $4::int[], $5::uuid[], $6::smallint[], $7::text[], $8::bigint[], $9::text[], $10::text[])
                     AS i(b, se, p, src, a, pts, ip, r)
                ON CONFLICT (game_id, player_id, request_id) WHERE accepted AND request_id <> '' DO NOTHING
                RETURNING player_id::text, request_id
                """,
                game_id,
                now,
                [a.board for a in attempts],
                [a.season for a in attempts],
                [a.player_id for a in attempts],
                [a.source for a in attempts],
                [a.action for a in attempts],
                [a.points for a in attempts],
                [a.ip for a in attempts],
                [a.request_id for a in attempts],
            )
            fresh_ids = {(r["player_id"], r["request_id"]) for r in inserted if r["request_id"]}
            new: list[bool] = []
            for a in attempts:
                if not a.request_id:
                    new.append(True)
                elif (a.player_id, a.request_id) in fresh_ids:
                    fresh_ids.discard((a.player_id, a.request_id))  # a duplicate within the batch counts once
                    new.append(True)
                else:
                    new.append(False)
            combined = _combine([a for a, fresh in zip(attempts, new, strict=True) if fresh], operators)
            stored: list[Stored] = []
            for (operator, descending), values in combined.items():
                stored += await self._upsert(conn, s, studio_id, game_id, operator, descending, values, now)
        return new, stored

    async def _upsert(
        self,
        conn: Any,
        s: str,
        studio_id: str,
        game_id: str,
        operator: Operator,
        descending: bool,
        values: Folded,
        now: dt.datetime,
    ) -> list[Stored]:
        """Upserts folded values. Within a batch, attempts are a microsecond apart in the order they
        came, so a tie between two players of one batch goes to the one who scored first."""
        combined = _UPSERT_SCORE[(operator, descending)]
        keys = sorted(values)  # one lock order for every writer: concurrent batches cannot deadlock
        rows = await conn.fetch(
            f"""
            WITH up AS (
                INSERT INTO {s}.leaderboard_scores AS t (game_id, leaderboard, season, player_id, score, version, reach_time, update_time)
                SELECT $1, b, se, p, v, 1, t, t FROM unnest($3::text[], $4::int[], $5::uuid[], $6::bigint[], $2::timestamptz[]) AS i(b, se, p, v, t)
                ON CONFLICT (game_id, leaderboard, season, player_id) DO UPDATE SET
                    score = {combined},
                    version = t.version + 1,
                    reach_time = CASE WHEN {combined} <> t.score THEN EXCLUDED.reach_time ELSE t.reach_time END,
                    update_time = EXCLUDED.update_time
                RETURNING leaderboard, season, player_id, score, version, reach_time
            ), outbox AS (
                INSERT INTO platform.score_outbox (studio_id, game_id, leaderboard, season, player_id)
                SELECT $7, $1, leaderboard, season, player_id FROM up
                RETURNING seq, leaderboard, season, player_id
            )
            SELECT up.leaderboard, up.season, up.player_id::text, up.score, up.version, up.reach_time, outbox.seq
            FROM up JOIN outbox USING (leaderboard, season, player_id)
            """,
            game_id,
            [now + dt.timedelta(microseconds=values[k][1]) for k in keys],
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [values[k][0] for k in keys],
            studio_id,
        )
        return [Stored(r["leaderboard"], r["season"], Change(r["player_id"], r["score"], r["version"], r["reach_time"]), r["seq"]) for r in rows]

    async def refuse(self, *, schema: str, game_id: str, attempt: Attempt, reason: str, now: dt.datetime) -> None:
        """Logs an attempt that was not applied, with the reason it was flagged."""
        async with self._db.driver() as conn:
            await conn.execute(
                f"""
                INSERT INTO {_q(schema)}.score_log (id, game_id, leaderboard, season, player_id, source, action, points, accepted,
                                                   flag_reason, ip, request_id, create_time)
                VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, false, $8, $9, $10, $11)
                """,
                game_id,
                attempt.board,
                attempt.season,
                attempt.player_id,
                attempt.source,
                attempt.action,
                attempt.points,
                reason,
                attempt.ip,
                attempt.request_id,
                now,
            )

    async def logged(self, schema: str, game_id: str, player_id: str, request_id: str) -> Any:
        """The accepted log row of a request id (for answering a retry)."""
        async with self._db.begin(schema) as conn:
            return (
                await conn.execute(
                    sa.select(score_log).where(
                        score_log.c.game_id == game_id,
                        score_log.c.player_id == player_id,
                        score_log.c.request_id == request_id,
                        score_log.c.accepted,
                    )
                )
            ).first()

    async def score(self, schema: str, game_id: str, board: str, season: int, player_id: str) -> Change | None:
        async with self._db.begin(schema) as conn:
            row = (
                await conn.execute(sa.select(leaderboard_scores).where(*_in_season(game_id, board, season), leaderboard_scores.c.player_id == player_id))
            ).first()
        return Change(row.player_id, row.score, row.version, row.reach_time) if row is not None else None

    async def all_scores(self, schema: str, game_id: str, board: str, season: int, *, chunk: int = 1000) -> AsyncIterator[list[Change]]:
        """Every score of a season, in chunks (for rebuilding Redis)."""
        after = ""
        while True:
            async with self._db.begin(schema) as conn:
                rows = (
                    await conn.execute(
                        sa.select(leaderboard_scores)
                        .where(*_in_season(game_id, board, season), sa.cast(leaderboard_scores.c.player_id, sa.Text) > after)
                        .order_by(sa.cast(leaderboard_scores.c.player_id, sa.Text))
                        .limit(chunk)
                    )
                ).all()
            if not rows:
                return
            yield [Change(r.player_id, r.score, r.version, r.reach_time) for r in rows]
            after = rows[-1].player_id

    async def standings(self, schema: str, game_id: str, board: str, season: int, *, descending: bool, offset: int, limit: int) -> list[Change]:
        """A season's ranking from PostgreSQL (archived seasons), best first, ties to the earlier."""
        order = leaderboard_scores.c.score.desc() if descending else leaderboard_scores.c.score.asc()
        async with self._db.begin(schema) as conn:
            rows = (
                await conn.execute(
                    sa.select(leaderboard_scores)
                    .where(*_in_season(game_id, board, season))
                    .order_by(order, leaderboard_scores.c.reach_time, leaderboard_scores.c.player_id)
                    .offset(offset)
                    .limit(limit)
                )
            ).all()
        return [Change(r.player_id, r.score, r.version, r.reach_time) for r in rows]

    async def log_page(
        self, schema: str, game_id: str, board: str, *, player_id: str, flagged_only: bool, before: tuple[str, str] | None, limit: int
    ) -> list[Any]:
        """Log entries newest first; ``before`` is the (create_time ISO, id) of the previous page's last entry."""
        query = sa.select(score_log).where(score_log.c.game_id == game_id, score_log.c.leaderboard == board)
        if player_id:
            query = query.where(score_log.c.player_id == player_id)
        if flagged_only:
            query = query.where(sa.or_(sa.not_(score_log.c.accepted), score_log.c.flag_reason != ""))
        if before is not None:
            when = dt.datetime.fromisoformat(before[0])
            cursor = sa.tuple_(sa.literal(when, score_log.c.create_time.type), sa.literal(before[1], score_log.c.id.type))
            query = query.where(sa.tuple_(score_log.c.create_time, score_log.c.id) < cursor)
        async with self._db.begin(schema) as conn:
            return list((await conn.execute(query.order_by(score_log.c.create_time.desc(), score_log.c.id.desc()).limit(limit))).all())

    # --- outbox --------------------------------------------------------------------------------

    async def delete_outbox(self, seqs: Sequence[int]) -> None:
        if seqs:
            async with self._db.driver() as conn:
                await conn.execute("DELETE FROM platform.score_outbox WHERE seq = ANY($1::bigint[])", list(seqs))

    async def due_outbox(self, older_than: dt.timedelta, limit: int = 500) -> list[Any]:
        """Outbox entries whose writer has not confirmed the Redis update in time, oldest first."""
        async with self._db.driver() as conn:
            return list(
                await conn.fetch(
                    """SELECT seq, studio_id::text, game_id::text, leaderboard, season, player_id::text FROM platform.score_outbox
                       WHERE create_time < now() - $1::interval ORDER BY seq LIMIT $2""",
                    older_than,
                    limit,
                )
            )


Folded = dict[tuple[str, int, str], tuple[int, int]]  # (board, season, player) -> (value, position in the batch)


def _combine(attempts: Sequence[Attempt], operators: dict[str, tuple[Operator, bool]]) -> dict[tuple[Operator, bool], Folded]:
    """Folds a batch into one value per (board, season, player), by each board's operator, so one
    statement changes each row once (PostgreSQL refuses to upsert a row twice in one statement).
    Each value keeps the position of the attempt that set it: its time within the batch."""
    out: dict[tuple[Operator, bool], Folded] = {}
    for position, a in enumerate(attempts):
        operator, descending = operators[a.board]
        values = out.setdefault((operator, descending), {})
        key = (a.board, a.season, a.player_id)
        if key not in values or operator == Operator.SET:
            values[key] = (a.points, position)
        elif operator == Operator.INCREMENT:
            values[key] = (values[key][0] + a.points, position)
        elif (a.points > values[key][0]) if descending else (a.points < values[key][0]):
            values[key] = (a.points, position)
    return out


def _in_season(game_id: str, board: str, season: int) -> tuple[sa.ColumnElement[bool], ...]:
    """The filter of one board's season in ``leaderboard_scores``."""
    c = leaderboard_scores.c
    return (c.game_id == game_id, c.leaderboard == board, c.season == season)


def _season(row: Any) -> Season:
    return Season(row.number, row.start_time, row.end_time, row.state, row.player_count)
