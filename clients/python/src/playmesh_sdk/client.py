"""``PlaymeshClient``: one connection to the gateway, the game's API key on every call, and the
player's tokens after sign-in, refreshed shortly before the access token expires."""

from __future__ import annotations

import datetime as dt
from types import TracebackType

from grpclib.client import Channel

from playmesh_sdk._generated.playmesh.core import v1 as core
from playmesh_sdk._generated.playmesh.lobby import v1 as lobby
from playmesh_sdk._generated.playmesh.matchmaking import v1 as matchmaking
from playmesh_sdk._generated.playmesh.scoreboard import v1 as scoreboard
from playmesh_sdk._generated.playmesh.session import v1 as session
from playmesh_sdk._generated.playmesh.telemetry import v1 as telemetry

__all__ = ["PlaymeshClient"]

_REFRESH_MARGIN = dt.timedelta(seconds=60)


class PlaymeshClient:
    """Example::

    async with PlaymeshClient("127.0.0.1", 8080, api_key=KEY) as client:
        player = await client.authenticate_device("my-device-id-123")
        core_stub = await client.core()
        account = await core_stub.get_account(core.GetAccountRequest())
    """

    def __init__(self, host: str, port: int, *, api_key: str) -> None:
        self._channel = Channel(host, port)
        self._api_key = api_key
        self.tokens: core.TokenPair | None = None
        self.player: core.Player | None = None

    async def __aenter__(self) -> PlaymeshClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def metadata(self) -> dict[str, str]:
        md = {"x-api-key": self._api_key}
        if self.tokens is not None:
            md["authorization"] = f"Bearer {self.tokens.access_token}"
        return md

    async def authenticate_device(self, device_id: str, *, create: bool = True, display_name: str = "") -> core.Player:
        stub = core.CoreServiceStub(self._channel, metadata={"x-api-key": self._api_key})
        reply = await stub.authenticate_device(core.AuthenticateDeviceRequest(device_id=device_id, create=create, display_name=display_name))
        self.tokens, self.player = reply.tokens, reply.player
        return reply.player

    async def authenticate_email(self, email: str, password: str, *, create: bool = False, display_name: str = "") -> core.Player:
        stub = core.CoreServiceStub(self._channel, metadata={"x-api-key": self._api_key})
        reply = await stub.authenticate_email(core.AuthenticateEmailRequest(email=email, password=password, create=create, display_name=display_name))
        self.tokens, self.player = reply.tokens, reply.player
        return reply.player

    async def refresh(self) -> core.TokenPair:
        """Trades the refresh token for a new pair (the old refresh token is spent)."""
        if self.tokens is None:
            raise RuntimeError("sign in first")
        stub = core.CoreServiceStub(self._channel, metadata={"x-api-key": self._api_key})
        self.tokens = (await stub.refresh_token(core.RefreshTokenRequest(refresh_token=self.tokens.refresh_token))).tokens
        return self.tokens

    async def logout(self) -> None:
        if self.tokens is None:
            return
        stub = core.CoreServiceStub(self._channel, metadata={"x-api-key": self._api_key})
        await stub.logout(core.LogoutRequest(refresh_token=self.tokens.refresh_token))
        self.tokens = None

    async def _fresh_metadata(self) -> dict[str, str]:
        expires = self.tokens.access_expire_time if self.tokens is not None else None
        if expires is not None and expires - dt.datetime.now(dt.UTC) < _REFRESH_MARGIN:
            await self.refresh()
        return self.metadata()

    async def core(self) -> core.CoreServiceStub:
        return core.CoreServiceStub(self._channel, metadata=await self._fresh_metadata())

    async def matchmaking(self) -> matchmaking.MatchmakingServiceStub:
        return matchmaking.MatchmakingServiceStub(self._channel, metadata=await self._fresh_metadata())

    async def lobby(self) -> lobby.LobbyServiceStub:
        return lobby.LobbyServiceStub(self._channel, metadata=await self._fresh_metadata())

    async def session(self) -> session.SessionServiceStub:
        return session.SessionServiceStub(self._channel, metadata=await self._fresh_metadata())

    async def scoreboard(self) -> scoreboard.ScoreboardServiceStub:
        return scoreboard.ScoreboardServiceStub(self._channel, metadata=await self._fresh_metadata())

    async def telemetry(self) -> telemetry.TelemetryServiceStub:
        return telemetry.TelemetryServiceStub(self._channel, metadata=await self._fresh_metadata())
