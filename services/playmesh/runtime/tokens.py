"""JWT signing and verification with Ed25519 keys kept (encrypted) in ``platform.signing_keys``.

The newest unretired key signs; older keys keep verifying for ``signing_key_retire_seconds`` after
rotation and stay in the JWKS meanwhile. Every process loads the keys at start and reloads when it
meets an unknown ``kid`` (at most once a second), so a rotation reaches all instances by itself.
Audiences: ``playmesh:player``, ``playmesh:developer``, ``playmesh:server``, ``playmesh:service``. Only EdDSA is accepted:
``alg: none`` and HMAC confusion are refused by construction.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from playmesh.runtime.db import Database
from playmesh.runtime.errors import Unauthenticated
from playmesh.runtime.logging import get_logger
from playmesh.runtime.single_flight import SingleFlight
from playmesh.runtime.tables import signing_keys

__all__ = ["AUD_DEVELOPER", "AUD_PLAYER", "AUD_SERVER", "AUD_SERVICE", "ISSUER", "KeyRing"]

ISSUER = "playmesh"
AUD_PLAYER = "playmesh:player"
AUD_DEVELOPER = "playmesh:developer"
AUD_SERVER = "playmesh:server"
AUD_SERVICE = "playmesh:service"  # calls between Playmesh services (runtime.internal)
_RELOAD_INTERVAL = 1.0
log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class _Key:
    kid: str
    public: Ed25519PublicKey
    public_x: str
    private: Ed25519PrivateKey | None
    create_time: dt.datetime
    retire_time: dt.datetime | None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class KeyRing:
    def __init__(self, db: Database, secret: str, *, retire_seconds: int) -> None:
        self._db = db
        self._aead = AESGCM(hashlib.sha256(secret.encode()).digest())
        self._retire = dt.timedelta(seconds=retire_seconds)
        self._keys: dict[str, _Key] = {}
        self._signer: _Key | None = None
        self._last_load = 0.0
        self._reloading: SingleFlight[None, None] = SingleFlight()  # the one reload unknown kids wait for

    async def start(self) -> None:
        await self.load()
        if self._signer is None:
            await self._create_first_key()

    async def _create_first_key(self) -> None:
        """Every service starts at once on a fresh platform: only the first to take the lock creates the
        key; the others find it when they re-check under the lock."""
        async with self._db.begin() as conn:
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(7242003)"))
            active = (await conn.execute(sa.select(sa.func.count()).select_from(signing_keys).where(signing_keys.c.retire_time.is_(None)))).scalar_one()
            if not active:
                await conn.execute(sa.insert(signing_keys).values(**self._new_key()))
        await self.load()

    def _new_key(self) -> dict[str, Any]:
        private = Ed25519PrivateKey.generate()
        raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        kid = uuid.uuid4().hex[:16]
        nonce = os.urandom(12)
        return {
            "kid": kid,
            "private_key": nonce + self._aead.encrypt(nonce, raw, kid.encode()),
            "public_x": _b64(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)),
        }

    async def load(self) -> None:
        cutoff = dt.datetime.now(dt.UTC) - self._retire
        async with self._db.begin() as conn:
            rows = (await conn.execute(sa.select(signing_keys).where(sa.or_(signing_keys.c.retire_time.is_(None), signing_keys.c.retire_time > cutoff)))).all()
        keys: dict[str, _Key] = {}
        for row in rows:
            raw = self._aead.decrypt(row.private_key[:12], row.private_key[12:], row.kid.encode())
            private = Ed25519PrivateKey.from_private_bytes(raw)
            keys[row.kid] = _Key(row.kid, private.public_key(), row.public_x, private, row.create_time, row.retire_time)
        self._keys = keys
        active = [k for k in keys.values() if k.retire_time is None]
        self._signer = max(active, key=lambda k: k.create_time) if active else None
        self._last_load = time.monotonic()

    async def rotate(self) -> str:
        """Creates a new signing key and retires the others (they keep verifying for the retire window)."""
        key = self._new_key()
        async with self._db.begin() as conn:
            await conn.execute(sa.update(signing_keys).where(signing_keys.c.retire_time.is_(None)).values(retire_time=sa.func.now()))
            await conn.execute(sa.insert(signing_keys).values(**key))
        await self.load()
        return str(key["kid"])

    async def reload_every(self, seconds: float, stop: asyncio.Event) -> None:
        """Background job: picks up keys rotated by another process (``playmesh keys rotate``), so every
        instance starts signing with the newest key within ``seconds``."""
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)
            if not stop.is_set():
                try:
                    await self.load()
                except Exception as exc:  # noqa: BLE001 - keep the keys we have; try again next round
                    log.warning("signing_keys_reload_failed", error=str(exc))

    def sign(self, claims: dict[str, Any]) -> str:
        if self._signer is None or self._signer.private is None:
            raise RuntimeError("no signing key loaded")
        return jwt.encode({"iss": ISSUER, **claims}, self._signer.private, algorithm="EdDSA", headers={"kid": self._signer.kid})

    async def _reload_for_unknown_kid(self) -> None:
        """At most one reload in flight and one start per interval, however many tokens with unknown
        kids arrive at once: a flood of made-up kids must not become a flood of database reads."""
        if not self._reloading.running(None):
            if time.monotonic() - self._last_load <= _RELOAD_INTERVAL:
                return
            self._last_load = time.monotonic()  # taken now, so callers arriving meanwhile do not start another
        await self._reloading.run(None, self._reload)

    async def _reload(self) -> None:
        try:
            await self.load()
        except Exception as exc:
            log.warning("signing_keys_reload_failed", error=str(exc))
            raise

    async def verify(self, token: str, audience: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("the bearer token is not a JWT", reason="TOKEN_MALFORMED") from None
        if header.get("alg") != "EdDSA":
            raise Unauthenticated("the bearer token's algorithm is not accepted", reason="TOKEN_INVALID")
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None and isinstance(kid, str):
            await self._reload_for_unknown_kid()
            key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("the bearer token was signed by an unknown key", reason="TOKEN_INVALID")
        try:
            return jwt.decode(
                token,
                key.public,
                algorithms=["EdDSA"],
                audience=audience,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the bearer token has expired", reason="TOKEN_EXPIRED") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("the bearer token is not valid for this kind of call", reason="TOKEN_WRONG_AUDIENCE") from None
        except jwt.PyJWTError:
            raise Unauthenticated("the bearer token is invalid", reason="TOKEN_INVALID") from None

    def jwks(self) -> list[dict[str, str]]:
        return [
            {"kty": "OKP", "crv": "Ed25519", "kid": k.kid, "x": k.public_x, "alg": "EdDSA", "use": "sig"}
            for k in sorted(self._keys.values(), key=lambda k: k.create_time, reverse=True)
        ]
