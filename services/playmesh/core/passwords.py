"""Password hashing with argon2id (argon2-cffi defaults). Hashing is CPU-bound (~50 ms), so it runs in
a worker thread and never blocks the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["DUMMY_HASH", "hash_password", "verify_password"]

_hasher = PasswordHasher()
# Verified against when the account does not exist, so "no such user" and "wrong password" take the
# same time and an attacker cannot enumerate accounts by timing.
DUMMY_HASH = _hasher.hash("playmesh-timing-equaliser")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored_hash: str, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
