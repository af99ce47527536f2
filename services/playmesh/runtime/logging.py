"""structlog set-up: configured once per process, context variables merged first, JSON when not on a
terminal. The RPC pipeline binds request id, method and tenant and logs one canonical line per RPC."""

from __future__ import annotations

import logging
import sys

import structlog

__all__ = ["configure_logging", "get_logger"]

_SECRET_KEYS = frozenset({"password", "secret", "token", "access_token", "refresh_token", "api_key", "authorization"})


def _redact(_: object, __: str, event: dict[str, object]) -> dict[str, object]:
    # Secrets never reach a log line, whoever passed them.
    for key in _SECRET_KEYS & event.keys():
        event[key] = "[redacted]"
    return event


def configure_logging(level: str = "info", fmt: str = "auto", *, service: str = "") -> None:
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: structlog.typing.Processor = structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    if service:
        structlog.contextvars.bind_contextvars(service=service)


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
