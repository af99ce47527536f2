"""Request validation that collects every problem before answering, and AIP-158 pagination."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playmesh.runtime.errors import FieldViolation, InvalidArgument

__all__ = ["EMAIL_PATTERN", "NAME_PATTERN", "PageRequest", "Validator", "encode_page_token", "is_uuid", "use_page_token_key"]

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is checked by mail, not regex.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
REQUEST_ID_MAX = 64
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class Validator:
    """Gathers field violations; ``check()`` raises one InvalidArgument listing them all."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []
        self._prefix: list[str] = []

    def add(self, field: str, description: str) -> None:
        self.violations.append(FieldViolation(".".join([*self._prefix, field]), description))

    @contextmanager
    def nested(self, prefix: str) -> Iterator[None]:
        self._prefix.append(prefix)
        try:
            yield
        finally:
            self._prefix.pop()

    def text(self, field: str, value: str, *, min_len: int = 1, max_len: int = 100, pattern: re.Pattern[str] | None = None, what: str = "") -> None:
        if not value and min_len > 0:
            self.add(field, "is required")
        elif len(value) < min_len:
            self.add(field, f"must be at least {min_len} characters")
        elif len(value) > max_len:
            self.add(field, f"must be at most {max_len} characters")
        elif not value.isprintable():
            self.add(field, "must not contain control characters")
        elif pattern is not None and not pattern.match(value):
            self.add(field, what or f"must match {pattern.pattern}")

    def email(self, field: str, value: str) -> None:
        self.text(field, value, max_len=254, pattern=EMAIL_PATTERN, what="must be an email address")

    def password(self, field: str, value: str) -> None:
        if not value:
            self.add(field, "is required")
        elif not 10 <= len(value) <= 128:
            self.add(field, "must be 10 to 128 characters")

    def request_id(self, value: str) -> None:
        if len(value) > REQUEST_ID_MAX or (value and not value.isprintable()):
            self.add("request_id", f"must be at most {REQUEST_ID_MAX} printable characters")

    def uuid(self, field: str, value: str, *, what: str, optional: bool = False) -> None:
        """An id field; ``optional`` ones may be empty (``what`` says what an empty one means)."""
        if optional and not value:
            return
        if not is_uuid(value):
            self.add(field, f"must be {what} (a UUID)" + (", or empty" if optional else ""))

    def int_range(self, field: str, value: int, low: int, high: int) -> None:
        if not low <= value <= high:
            self.add(field, f"must be between {low} and {high}")

    def check(self) -> None:
        if self.violations:
            raise InvalidArgument(self.violations)


class PageRequest:
    """A validated page request: ``size`` and the decoded ``cursor`` (None on the first page).

    Tokens are opaque to clients: base64url JSON bound to the listing (``scope``) and signed with a key
    derived from the platform secret (``use_page_token_key``), so a token from another listing, a
    tampered one or one made up by a client is INVALID_ARGUMENT, never a wrong page or a server error.
    """

    def __init__(self, page_size: int, page_token: str, *, scope: str, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE) -> None:
        v = Validator()
        if page_size < 0:
            v.add("page_size", "must not be negative")
        self.size = min(page_size or default, maximum)
        self.cursor: Any = None
        self.scope = scope
        if page_token:
            try:
                self.cursor = _decode(page_token, scope)
            except ValueError:
                v.add("page_token", "is not a token of this listing")
        v.check()

    def next_token(self, cursor: Any) -> str:
        return encode_page_token(cursor, self.scope)


# Every process of a platform must share the key (tokens cross instances behind the gateway); the
# runtime sets it at start-up. The random default only serves code that never starts a Runtime.
_page_token_key = secrets.token_bytes(32)


def use_page_token_key(secret: str) -> None:
    """Signs and checks page tokens with a key derived from the platform secret."""
    global _page_token_key
    _page_token_key = hmac.new(secret.encode(), b"playmesh page tokens v1", hashlib.sha256).digest()


def _checksum(body: bytes, scope: str) -> str:
    return hmac.new(_page_token_key, scope.encode() + b"\0" + body, hashlib.sha256).hexdigest()[:32]


def encode_page_token(cursor: Any, scope: str) -> str:
    body = json.dumps(cursor, separators=(",", ":")).encode()
    raw = json.dumps({"c": cursor, "s": _checksum(body, scope)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, scope: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        cursor = data["c"]
        body = json.dumps(cursor, separators=(",", ":")).encode()
        if not isinstance(data["s"], str) or not hmac.compare_digest(data["s"], _checksum(body, scope)):
            raise ValueError("checksum")
        return cursor
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError("bad page token") from exc
