"""Validation of a game's configuration: every problem reported at once with its field path.

A mode's matchmaking rules are checked by the matchmaker's own validator (``ModeRules.validate()``,
in Rust), with the documented defaults filled in as the matchmaking service fills them: what core
stores, the matchmaker accepts. No number anywhere may be NaN or infinite."""

from __future__ import annotations

import math
from collections.abc import Iterator

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from matchmaker_rs import DEFAULT_MAX_WAIT_SECONDS, LATENCY_DEFAULT, RATING_DEFAULT, ModeRules, Widening
from playmesh.core.v1 import core_pb2
from playmesh.runtime.validation import EMAIL_PATTERN, NAME_PATTERN, Validator

__all__ = ["validate_config"]

_NAME_RULE = "must be 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit"
# The matchmaker's names for a mode's settings → the fields of core.v1.GameMode.
_RULE_FIELDS = {
    "team_size": "team_size",
    "team_count": "team_count",
    "rating.start": "matchmaking.rating_window_start",
    "rating.end": "matchmaking.rating_window_end",
    "rating.seconds": "matchmaking.rating_widen_seconds",
    "latency.start": "matchmaking.latency_ceiling_start_ms",
    "latency.end": "matchmaking.latency_ceiling_end_ms",
    "latency.seconds": "matchmaking.latency_widen_seconds",
    "max_wait_seconds": "matchmaking.max_wait_seconds",
}
_FLOATS = (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT)


def _non_finite(message: Message, path: str = "") -> Iterator[str]:
    """Paths of the NaN or infinite numbers anywhere in ``message``."""
    for field, value in message.ListFields():
        name = f"{path}{field.name}"
        repeated = field.is_repeated
        if field.type in _FLOATS:
            for i, x in enumerate(value if repeated else [value]):
                if not math.isfinite(x):
                    yield f"{name}[{i}]" if repeated else name
        elif field.type == FieldDescriptor.TYPE_MESSAGE and not field.message_type.GetOptions().map_entry:
            for i, item in enumerate(value if repeated else [value]):
                yield from _non_finite(item, f"{name}[{i}]." if repeated else f"{name}.")


def _mode_rules(mode: core_pb2.GameMode) -> ModeRules:
    """The rules the matchmaker will run this mode with (zero settings take the defaults)."""
    m = mode.matchmaking
    return ModeRules(
        game="",
        mode=mode.name,
        team_size=mode.team_size,
        team_count=mode.team_count,
        rating=Widening(m.rating_window_start, m.rating_window_end, m.rating_widen_seconds).or_default(RATING_DEFAULT),
        latency=Widening(m.latency_ceiling_start_ms, m.latency_ceiling_end_ms, m.latency_widen_seconds).or_default(LATENCY_DEFAULT),
        max_wait_seconds=float(m.max_wait_seconds or DEFAULT_MAX_WAIT_SECONDS),
    )


def _validate_mode(v: Validator, mode: core_pb2.GameMode, flagged: set[str]) -> None:
    """``flagged``: paths (under the mode) already reported, e.g. as NaN."""
    v.text("name", mode.name, max_len=64, pattern=NAME_PATTERN, what=_NAME_RULE)
    for field, problem in _mode_rules(mode).validate():
        path = _RULE_FIELDS[field]
        if path not in flagged:
            flagged.add(path)
            v.add(path, problem)
    m = mode.matchmaking
    for field in ("latency_ceiling_start_ms", "latency_ceiling_end_ms", "max_wait_seconds"):
        if getattr(m, field) > 86400 and f"matchmaking.{field}" not in flagged:
            v.add(f"matchmaking.{field}", "must be at most 86400")


def _unique(v: Validator, field: str, names: list[str]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            v.add(f"{field}[{i}].name", f"duplicates {name!r}")
        seen.add(name)


def validate_config(v: Validator, config: core_pb2.GameConfig) -> None:
    with v.nested("config"):
        non_finite = list(_non_finite(config))
        for path in non_finite:
            v.add(path, "must be a finite number")
        for i, mode in enumerate(config.modes):
            with v.nested(f"modes[{i}]"):
                prefix = f"modes[{i}]."
                _validate_mode(v, mode, {p.removeprefix(prefix) for p in non_finite if p.startswith(prefix)})
        _unique(v, "modes", [m.name for m in config.modes])
        for i, region in enumerate(config.regions):
            with v.nested(f"regions[{i}]"):
                v.text("name", region.name, max_len=64, pattern=NAME_PATTERN, what=_NAME_RULE)
                v.text("display_name", region.display_name, min_len=0, max_len=100)
        _unique(v, "regions", [r.name for r in config.regions])
        r = config.rating
        for field in ("initial_mu", "initial_sigma", "display_scale"):
            if getattr(r, field) < 0:
                v.add(f"rating.{field}", "must not be negative")
        for i, action in enumerate(config.actions):
            with v.nested(f"actions[{i}]"):
                v.text("action", action.action, max_len=64, pattern=NAME_PATTERN, what=_NAME_RULE)
                if abs(action.points) > 1_000_000_000:
                    v.add("points", "must be between -1e9 and 1e9")
        seen: set[str] = set()
        for i, action in enumerate(config.actions):
            if action.action in seen:
                v.add(f"actions[{i}].action", f"duplicates {action.action!r}")
            seen.add(action.action)
        for i, board in enumerate(config.leaderboards):
            with v.nested(f"leaderboards[{i}]"):
                v.text("name", board.name, max_len=64, pattern=NAME_PATTERN, what=_NAME_RULE)
                v.text("display_name", board.display_name, min_len=0, max_len=100)
                s = board.reset_schedule
                v.int_range("reset_schedule.time_of_day_minutes", s.time_of_day_minutes, 0, 1439)
                if s.period == core_pb2.ResetSchedule.PERIOD_WEEKLY:
                    v.int_range("reset_schedule.weekday", s.weekday, 1, 7)
                if s.period == core_pb2.ResetSchedule.PERIOD_MONTHLY:
                    v.int_range("reset_schedule.day_of_month", s.day_of_month, 1, 28)
                if board.max_points_per_minute < 0:
                    v.add("max_points_per_minute", "must not be negative")
        _unique(v, "leaderboards", [b.name for b in config.leaderboards])
        for i, rule in enumerate(config.alert_rules):
            with v.nested(f"alert_rules[{i}]"):
                v.text("name", rule.name, max_len=64, pattern=NAME_PATTERN, what=_NAME_RULE)
                if rule.metric != "concurrent_players" and not rule.metric.startswith("events:"):
                    v.add("metric", "must be concurrent_players or events:<EVENT_TYPE>")
                if rule.comparison == core_pb2.COMPARISON_UNSPECIFIED:
                    v.add("comparison", "is required")
                v.int_range("window_seconds", rule.window_seconds, 0, 86400)
                for j, email in enumerate(rule.notify_emails):
                    if not EMAIL_PATTERN.match(email):
                        v.add(f"notify_emails[{j}]", "must be an email address")
        _unique(v, "alert_rules", [a.name for a in config.alert_rules])
