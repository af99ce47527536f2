"""Game-server tokens for tests, signed with the platform's own keys, as the session service issues
them to registered servers."""

from __future__ import annotations

import time
import uuid

from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.db import Database
from playmesh.runtime.tokens import AUD_SERVER, KeyRing


async def server_token(platform: PlatformProcess, studio_id: str, game_id: str, *, ttl: int = 3600) -> str:
    db = Database(str(platform.endpoints["database_url"]), pool_size=1)
    try:
        keyring = KeyRing(db, (platform.data_dir / "secret.key").read_text().strip(), retire_seconds=3600)
        await keyring.start()
        now = int(time.time())
        return keyring.sign({"sub": f"server-{uuid.uuid4().hex[:8]}", "aud": AUD_SERVER, "tid": studio_id, "gid": game_id, "iat": now, "exp": now + ttl})
    finally:
        await db.close()
