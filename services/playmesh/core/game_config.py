"""Validation of a game's configuration: every problem reported at once with its field path."""

from __future__ import annotations

from playmesh.core.v1 import core_pb2
from playmesh.runtime.validation import EMAIL_PATTERN, NAME_PATTERN, Validator

__all__ = ["validate_config"]

_NAME_RULE = "must be 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit"


def _unique(v: Validator, field: str, names: list[str]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            v.add(f"{field}[{i}].name", f"duplicates {name!r}")
        seen.add(name)


def validate_config(v: Validator, config: core_pb2.GameConfig) -> None:
    with v.nested("config"):
        for i, mode in enumerate(config.modes):
            with v.nested(f"modes[{i}]"):
                v.text("name", mode.name, max_len=64, pattern=NAME_PATTERN, what=_NAME_RULE)
                v.int_range("team_size", mode.team_size, 1, 100)
                v.int_range("team_count", mode.team_count, 1, 16)
                m = mode.matchmaking
                for field in ("rating_window_start", "rating_window_end", "rating_widen_seconds", "latency_widen_seconds"):
                    if getattr(m, field) < 0:
                        v.add(f"matchmaking.{field}", "must not be negative")
                if m.rating_window_end and m.rating_window_end < m.rating_window_start:
                    v.add("matchmaking.rating_window_end", "must not be below rating_window_start")
                for field in ("latency_ceiling_start_ms", "latency_ceiling_end_ms", "max_wait_seconds"):
                    if not 0 <= getattr(m, field) <= 86400:
                        v.add(f"matchmaking.{field}", "must be between 0 and 86400")
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
