"""When seasons roll over: the reset boundaries of a leaderboard's schedule, in UTC.

A season ends at the first boundary after it started. A board idle across several boundaries does
not get empty seasons for them: the next season starts at the latest boundary before the moment
it is opened.
"""

from __future__ import annotations

import datetime as dt

from playmesh.core.v1 import core_pb2

__all__ = ["latest_reset", "next_reset"]

Period = core_pb2.ResetSchedule.Period
_DAY = dt.timedelta(days=1)
_WEEK = dt.timedelta(days=7)


def next_reset(schedule: core_pb2.ResetSchedule, after: dt.datetime) -> dt.datetime | None:
    """The first reset strictly after ``after``; None for boards that never reset."""
    candidate = _anchor(schedule, after)
    if candidate is None:
        return None
    while candidate <= after:
        candidate = _step(schedule, candidate, +1)
    return candidate


def latest_reset(schedule: core_pb2.ResetSchedule, at: dt.datetime) -> dt.datetime | None:
    """The last reset at or before ``at``; None for boards that never reset."""
    candidate = _anchor(schedule, at)
    if candidate is None:
        return None
    while candidate > at:
        candidate = _step(schedule, candidate, -1)
    return candidate


def _anchor(schedule: core_pb2.ResetSchedule, moment: dt.datetime) -> dt.datetime | None:
    """A reset boundary within one period of ``moment`` (the caller steps to the right one)."""
    day = moment.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    time_of_day = dt.timedelta(minutes=schedule.time_of_day_minutes)
    if schedule.period == Period.PERIOD_DAILY:
        return day + time_of_day
    if schedule.period == Period.PERIOD_WEEKLY:
        return day - dt.timedelta(days=day.isoweekday() - (schedule.weekday or 1)) + time_of_day
    if schedule.period == Period.PERIOD_MONTHLY:
        return day.replace(day=schedule.day_of_month or 1) + time_of_day
    return None


def _step(schedule: core_pb2.ResetSchedule, boundary: dt.datetime, direction: int) -> dt.datetime:
    if schedule.period == Period.PERIOD_DAILY:
        return boundary + direction * _DAY
    if schedule.period == Period.PERIOD_WEEKLY:
        return boundary + direction * _WEEK
    months = boundary.year * 12 + boundary.month - 1 + direction
    return boundary.replace(year=months // 12, month=months % 12 + 1)  # day_of_month is at most 28
