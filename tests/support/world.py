"""Builders for test data: developers, studios, games, keys and players, through the real API."""

from __future__ import annotations

import dataclasses
import uuid

from playmesh.core.v1 import core_pb2
from playmesh.core.v1 import core_service_pb2 as pb

from tests.support.clients import Client

CORE = "playmesh.core.v1.CoreService"
PASSWORD = "correct horse battery staple"


def game_config() -> core_pb2.GameConfig:
    return core_pb2.GameConfig(
        modes=[core_pb2.GameMode(name="duo", team_size=2, team_count=2)],
        regions=[core_pb2.Region(name="eu-west", display_name="Europe West"), core_pb2.Region(name="us-east", display_name="US East")],
        actions=[core_pb2.ActionPoints(action="kill", points=10)],
        leaderboards=[core_pb2.LeaderboardSettings(name="kills", display_name="Kills")],
    )


@dataclasses.dataclass
class Tenant:
    developer_token: str
    developer_id: str
    studio_id: str
    game_id: str
    api_key: str
    api_key_id: str
    player_id: str
    player_token: str
    refresh_token: str

    @staticmethod
    async def create(client: Client, label: str = "t", config: core_pb2.GameConfig | None = None) -> Tenant:
        reg = await client.call(
            f"{CORE}/RegisterDeveloper",
            pb.RegisterDeveloperRequest(email=f"{label}-{uuid.uuid4().hex[:12]}@example.com", password=PASSWORD, display_name=label),
        )
        token = reg.tokens.access_token
        studio = (await client.call(f"{CORE}/CreateStudio", pb.CreateStudioRequest(display_name=f"{label} studio"), token=token)).studio
        request = pb.CreateGameRequest(studio_id=studio.id, display_name=f"{label} game", config=config or game_config())
        game = (await client.call(f"{CORE}/CreateGame", request, token=token)).game
        key = await client.call(f"{CORE}/CreateApiKey", pb.CreateApiKeyRequest(studio_id=studio.id, game_id=game.id, display_name="client"), token=token)
        auth = await client.call(
            f"{CORE}/AuthenticateDevice", pb.AuthenticateDeviceRequest(device_id=f"device-{uuid.uuid4().hex}", create=True), api_key=key.secret
        )
        return Tenant(
            token, reg.developer.id, studio.id, game.id, key.secret, key.api_key.id, auth.player.id, auth.tokens.access_token, auth.tokens.refresh_token
        )

    async def new_player(self, client: Client) -> pb.AuthenticateDeviceResponse:
        return await client.call(
            f"{CORE}/AuthenticateDevice", pb.AuthenticateDeviceRequest(device_id=f"device-{uuid.uuid4().hex}", create=True), api_key=self.api_key
        )


@dataclasses.dataclass
class World:
    a: Tenant
    b: Tenant

    @staticmethod
    async def build(client: Client) -> World:
        return World(await Tenant.create(client, "alpha"), await Tenant.create(client, "beta"))
