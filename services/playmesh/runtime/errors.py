"""Errors of Playmesh domain code. Domain code raises these and knows nothing of gRPC; the RPC
pipeline (``playmesh.runtime.pipeline``) turns them into ``google.rpc.Status`` with ``ErrorInfo``,
``BadRequest`` and ``RetryInfo`` details.

    PlaymeshError                 code
    ├── InvalidArgument           INVALID_ARGUMENT   (field violations)
    ├── Unauthenticated           UNAUTHENTICATED
    ├── PermissionDenied          PERMISSION_DENIED
    ├── NotFound                  NOT_FOUND
    ├── AlreadyExists             ALREADY_EXISTS
    ├── FailedPrecondition        FAILED_PRECONDITION
    ├── Aborted                   ABORTED
    ├── ResourceExhausted         RESOURCE_EXHAUSTED (retry after)
    └── Unavailable               UNAVAILABLE
    ConfigError                   bad settings at start-up (not an RPC error)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

__all__ = [
    "Aborted",
    "AlreadyExists",
    "ConfigError",
    "FailedPrecondition",
    "FieldViolation",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "PlaymeshError",
    "ResourceExhausted",
    "Unauthenticated",
    "Unavailable",
]


class ConfigError(Exception):
    """A setting is missing or invalid; raised before anything starts."""


class PlaymeshError(Exception):
    """Base of errors an RPC answers with. ``reason`` is UPPER_SNAKE and stable; clients branch on it."""

    code = "UNKNOWN"
    default_reason = "UNKNOWN"

    def __init__(self, message: str, *, reason: str | None = None, metadata: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.metadata = dict(metadata or {})


@dataclasses.dataclass(frozen=True, slots=True)
class FieldViolation:
    field: str
    description: str


class InvalidArgument(PlaymeshError):
    code = "INVALID_ARGUMENT"
    default_reason = "INVALID_ARGUMENT"

    def __init__(self, violations: list[FieldViolation], *, reason: str | None = None) -> None:
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
        super().__init__(f"invalid request: {summary}", reason=reason)
        self.violations = violations

    @classmethod
    def single(cls, field: str, description: str) -> InvalidArgument:
        return cls([FieldViolation(field, description)])


class Unauthenticated(PlaymeshError):
    code = "UNAUTHENTICATED"
    default_reason = "UNAUTHENTICATED"


class PermissionDenied(PlaymeshError):
    code = "PERMISSION_DENIED"
    default_reason = "PERMISSION_DENIED"


class NotFound(PlaymeshError):
    code = "NOT_FOUND"
    default_reason = "NOT_FOUND"


class AlreadyExists(PlaymeshError):
    code = "ALREADY_EXISTS"
    default_reason = "ALREADY_EXISTS"


class FailedPrecondition(PlaymeshError):
    code = "FAILED_PRECONDITION"
    default_reason = "FAILED_PRECONDITION"


class Aborted(PlaymeshError):
    code = "ABORTED"
    default_reason = "ABORTED"


class ResourceExhausted(PlaymeshError):
    code = "RESOURCE_EXHAUSTED"
    default_reason = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after_seconds: float, reason: str | None = None, metadata: Mapping[str, str] | None = None) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(PlaymeshError):
    code = "UNAVAILABLE"
    default_reason = "DEPENDENCY_UNAVAILABLE"
