"""The core gRPC servicer. Thin by design: it validates the request, reads the caller, calls the domain
(``tenancy``, ``players``) and converts rows to protobuf. Authentication, rate limits, logging and error
mapping happen in the shared pipeline before and after."""

from __future__ import annotations

import grpc

from playmesh.core import convert
from playmesh.core.events import CoreEvents
from playmesh.core.game_config import validate_config
from playmesh.core.membership import require_developer_game
from playmesh.core.players import GameRef, Players
from playmesh.core.refresh_tokens import RefreshTokens
from playmesh.core.tenancy import Tenancy
from playmesh.core.v1 import core_pb2, core_service_pb2_grpc
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.runtime.auth import current_caller
from playmesh.runtime.context import Runtime
from playmesh.runtime.errors import NotFound
from playmesh.runtime.idempotency import Idempotency
from playmesh.runtime.tokens import KeyRing
from playmesh.runtime.validation import PageRequest, Validator, is_uuid

__all__ = ["CoreServicer", "build"]

_API_KEY_IDEMPOTENCY_SECONDS = 600  # the secret is kept this long for retries, no longer


def build(runtime: Runtime) -> CoreServicer:
    s = runtime.settings
    return CoreServicer(
        Tenancy(runtime.db, runtime.keyring, developer_token_ttl_seconds=s.developer_token_ttl_seconds),
        Players(
            runtime.db,
            runtime.keyring,
            RefreshTokens(runtime.redis, s.refresh_token_ttl_seconds),
            access_ttl_seconds=s.access_token_ttl_seconds,
            refresh_ttl_seconds=s.refresh_token_ttl_seconds,
        ),
        runtime.idempotency,
        runtime.keyring,
        CoreEvents(runtime.bus),
    )


def _caller_game() -> GameRef:
    caller = current_caller()
    return GameRef(caller.studio_id, caller.game_id)


class CoreServicer(core_service_pb2_grpc.CoreServiceServicer):
    def __init__(self, tenancy: Tenancy, players: Players, idempotency: Idempotency, keyring: KeyRing, events: CoreEvents) -> None:
        self.events = events
        self.tenancy = tenancy
        self.players = players
        self.idempotency = idempotency
        self.keyring = keyring

    # Developers and studios ----------------------------------------------------------------------

    async def RegisterDeveloper(self, request: pb.RegisterDeveloperRequest, context: grpc.aio.ServicerContext) -> pb.RegisterDeveloperResponse:
        v = Validator()
        v.email("email", request.email)
        v.password("password", request.password)
        v.text("display_name", request.display_name, max_len=100)
        v.request_id(request.request_id)
        v.check()

        async def register() -> pb.RegisterDeveloperResponse:
            row = await self.tenancy.register_developer(request.email, request.password, request.display_name)
            return pb.RegisterDeveloperResponse(developer=convert.developer(row))

        # The stored answer for retries holds no token: a retry (same request, password included) gets
        # a fresh one, and no live credential sits in Redis for the idempotency window.
        reply = await self.idempotency.run(
            scope="core.RegisterDeveloper",
            request_id=request.request_id,
            request=request,
            response_type=pb.RegisterDeveloperResponse,
            action=register,
        )
        reply.tokens.CopyFrom(convert.developer_tokens(self.tenancy.developer_token(reply.developer.id)))
        return reply

    async def LoginDeveloper(self, request: pb.LoginDeveloperRequest, context: grpc.aio.ServicerContext) -> pb.LoginDeveloperResponse:
        v = Validator()
        v.email("email", request.email)
        v.text("password", request.password, max_len=128)
        v.check()
        row, token = await self.tenancy.login_developer(request.email, request.password)
        return pb.LoginDeveloperResponse(developer=convert.developer(row), tokens=convert.developer_tokens(token))

    async def GetDeveloper(self, request: pb.GetDeveloperRequest, context: grpc.aio.ServicerContext) -> pb.GetDeveloperResponse:
        return pb.GetDeveloperResponse(developer=convert.developer(await self.tenancy.get_developer(current_caller().developer_id)))

    async def CreateStudio(self, request: pb.CreateStudioRequest, context: grpc.aio.ServicerContext) -> pb.CreateStudioResponse:
        v = Validator()
        v.text("display_name", request.display_name, max_len=100)
        v.request_id(request.request_id)
        v.check()
        developer_id = current_caller().developer_id

        async def create() -> pb.CreateStudioResponse:
            return pb.CreateStudioResponse(studio=convert.studio(await self.tenancy.create_studio(developer_id, request.display_name)))

        return await self.idempotency.run(
            scope=f"core.CreateStudio:{developer_id}",
            request_id=request.request_id,
            request=request,
            response_type=pb.CreateStudioResponse,
            action=create,
        )

    async def GetStudio(self, request: pb.GetStudioRequest, context: grpc.aio.ServicerContext) -> pb.GetStudioResponse:
        return pb.GetStudioResponse(studio=convert.studio(await self.tenancy.get_studio(current_caller().developer_id, request.studio_id)))

    async def ListStudios(self, request: pb.ListStudiosRequest, context: grpc.aio.ServicerContext) -> pb.ListStudiosResponse:
        developer_id = current_caller().developer_id
        page = PageRequest(request.page_size, request.page_token, scope=f"studios:{developer_id}")
        rows, token = await self.tenancy.list_studios(developer_id, page)
        return pb.ListStudiosResponse(studios=[convert.studio(r) for r in rows], next_page_token=token)

    # Games ---------------------------------------------------------------------------------------

    async def CreateGame(self, request: pb.CreateGameRequest, context: grpc.aio.ServicerContext) -> pb.CreateGameResponse:
        v = Validator()
        v.text("display_name", request.display_name, max_len=100)
        validate_config(v, request.config)
        v.request_id(request.request_id)
        v.check()
        developer_id = current_caller().developer_id

        async def create() -> pb.CreateGameResponse:
            row = await self.tenancy.create_game(developer_id, request.studio_id, request.display_name, request.config)
            return pb.CreateGameResponse(game=convert.game(row, request.studio_id))

        return await self.idempotency.run(
            scope=f"core.CreateGame:{developer_id}",
            request_id=request.request_id,
            request=request,
            response_type=pb.CreateGameResponse,
            action=create,
        )

    async def GetGame(self, request: pb.GetGameRequest, context: grpc.aio.ServicerContext) -> pb.GetGameResponse:
        row = await self.tenancy.get_game(current_caller().developer_id, request.studio_id, request.game_id)
        return pb.GetGameResponse(game=convert.game(row, request.studio_id))

    async def ListGames(self, request: pb.ListGamesRequest, context: grpc.aio.ServicerContext) -> pb.ListGamesResponse:
        page = PageRequest(request.page_size, request.page_token, scope=f"games:{request.studio_id}")
        rows, token = await self.tenancy.list_games(current_caller().developer_id, request.studio_id, page)
        return pb.ListGamesResponse(games=[convert.game(r, request.studio_id) for r in rows], next_page_token=token)

    async def UpdateGame(self, request: pb.UpdateGameRequest, context: grpc.aio.ServicerContext) -> pb.UpdateGameResponse:
        v = Validator()
        if request.HasField("display_name"):
            v.text("display_name", request.display_name, max_len=100)
        if request.HasField("config"):
            validate_config(v, request.config)
        v.check()
        row = await self.tenancy.update_game(
            current_caller().developer_id,
            request.studio_id,
            request.game_id,
            display_name=request.display_name if request.HasField("display_name") else None,
            config=request.config if request.HasField("config") else None,
            etag=request.etag,
        )
        game = convert.game(row, request.studio_id)
        await self.events.game_updated(request.studio_id, game)
        return pb.UpdateGameResponse(game=game)

    async def GetGameConfig(self, request: pb.GetGameConfigRequest, context: grpc.aio.ServicerContext) -> pb.GetGameConfigResponse:
        caller = current_caller()
        row = await self.tenancy.game_for_key(caller.studio_id, caller.game_id)
        config = convert.game(row, caller.studio_id).config
        # Alert rules are the studio's operations (who gets e-mailed when): not for game clients.
        del config.alert_rules[:]
        return pb.GetGameConfigResponse(game_id=row.id, config=config)

    # API keys ------------------------------------------------------------------------------------

    async def CreateApiKey(self, request: pb.CreateApiKeyRequest, context: grpc.aio.ServicerContext) -> pb.CreateApiKeyResponse:
        v = Validator()
        v.text("display_name", request.display_name, max_len=100)
        if request.kind not in core_pb2.ApiKeyKind.values():
            v.add("kind", "is not a known kind")
        v.request_id(request.request_id)
        v.check()
        developer_id = current_caller().developer_id

        async def create() -> pb.CreateApiKeyResponse:
            row, secret = await self.tenancy.create_api_key(developer_id, request.studio_id, request.game_id, request.display_name, request.kind)
            return pb.CreateApiKeyResponse(api_key=convert.api_key(row), secret=secret)

        return await self.idempotency.run(
            scope=f"core.CreateApiKey:{developer_id}",
            request_id=request.request_id,
            request=request,
            response_type=pb.CreateApiKeyResponse,
            action=create,
            ttl_seconds=_API_KEY_IDEMPOTENCY_SECONDS,
        )

    async def ListApiKeys(self, request: pb.ListApiKeysRequest, context: grpc.aio.ServicerContext) -> pb.ListApiKeysResponse:
        page = PageRequest(request.page_size, request.page_token, scope=f"keys:{request.game_id}")
        rows, token = await self.tenancy.list_api_keys(current_caller().developer_id, request.studio_id, request.game_id, page)
        return pb.ListApiKeysResponse(api_keys=[convert.api_key(r) for r in rows], next_page_token=token)

    async def RevokeApiKey(self, request: pb.RevokeApiKeyRequest, context: grpc.aio.ServicerContext) -> pb.RevokeApiKeyResponse:
        row = await self.tenancy.revoke_api_key(current_caller().developer_id, request.studio_id, request.game_id, request.api_key_id)
        return pb.RevokeApiKeyResponse(api_key=convert.api_key(row))

    # Player sign-in ------------------------------------------------------------------------------

    async def AuthenticateDevice(self, request: pb.AuthenticateDeviceRequest, context: grpc.aio.ServicerContext) -> pb.AuthenticateDeviceResponse:
        v = Validator()
        v.text("device_id", request.device_id, min_len=10, max_len=128)
        v.text("display_name", request.display_name, min_len=0, max_len=64)
        v.check()
        game = _caller_game()
        row, created = await self.players.sign_in(game, "device", request.device_id, create=request.create, display_name=request.display_name)
        tokens = await self.players.issue(game, row.id)
        player = convert.player(row)
        if created:
            await self.events.player_updated(game.studio_id, player)
        return pb.AuthenticateDeviceResponse(player=player, tokens=convert.player_tokens(tokens), created=created)

    async def AuthenticateEmail(self, request: pb.AuthenticateEmailRequest, context: grpc.aio.ServicerContext) -> pb.AuthenticateEmailResponse:
        v = Validator()
        v.email("email", request.email)
        v.password("password", request.password)
        v.text("display_name", request.display_name, min_len=0, max_len=64)
        v.check()
        game = _caller_game()
        row, created = await self.players.sign_in_email(game, request.email, request.password, create=request.create, display_name=request.display_name)
        tokens = await self.players.issue(game, row.id)
        player = convert.player(row)
        if created:
            await self.events.player_updated(game.studio_id, player)
        return pb.AuthenticateEmailResponse(player=player, tokens=convert.player_tokens(tokens), created=created)

    async def AuthenticateCustom(self, request: pb.AuthenticateCustomRequest, context: grpc.aio.ServicerContext) -> pb.AuthenticateCustomResponse:
        v = Validator()
        v.text("custom_id", request.custom_id, min_len=6, max_len=128)
        v.text("display_name", request.display_name, min_len=0, max_len=64)
        v.check()
        game = _caller_game()
        row, created = await self.players.sign_in(game, "custom", request.custom_id, create=request.create, display_name=request.display_name)
        tokens = await self.players.issue(game, row.id)
        player = convert.player(row)
        if created:
            await self.events.player_updated(game.studio_id, player)
        return pb.AuthenticateCustomResponse(player=player, tokens=convert.player_tokens(tokens), created=created)

    async def RefreshToken(self, request: pb.RefreshTokenRequest, context: grpc.aio.ServicerContext) -> pb.RefreshTokenResponse:
        v = Validator()
        v.text("refresh_token", request.refresh_token, max_len=256)
        v.check()
        tokens = await self.players.refresh(_caller_game(), request.refresh_token)
        return pb.RefreshTokenResponse(tokens=convert.player_tokens(tokens))

    async def Logout(self, request: pb.LogoutRequest, context: grpc.aio.ServicerContext) -> pb.LogoutResponse:
        v = Validator()
        v.text("refresh_token", request.refresh_token, max_len=256)
        v.check()
        await self.players.logout(_caller_game(), request.refresh_token)
        return pb.LogoutResponse()

    async def GetJwks(self, request: pb.GetJwksRequest, context: grpc.aio.ServicerContext) -> pb.GetJwksResponse:
        return pb.GetJwksResponse(keys=[core_pb2.Jwk(**key) for key in self.keyring.jwks()])

    # Player accounts -----------------------------------------------------------------------------

    async def GetAccount(self, request: pb.GetAccountRequest, context: grpc.aio.ServicerContext) -> pb.GetAccountResponse:
        return pb.GetAccountResponse(player=convert.player(await self.players.get(_caller_game(), current_caller().player_id)))

    async def UpdateAccount(self, request: pb.UpdateAccountRequest, context: grpc.aio.ServicerContext) -> pb.UpdateAccountResponse:
        v = Validator()
        if request.HasField("display_name"):
            v.text("display_name", request.display_name, max_len=64)
        v.check()
        name = request.display_name if request.HasField("display_name") else None
        row = await self.players.update(_caller_game(), current_caller().player_id, display_name=name)
        player = convert.player(row)
        if name is not None:
            await self.events.player_updated(current_caller().studio_id, player)
        return pb.UpdateAccountResponse(player=player)

    async def GetPlayer(self, request: pb.GetPlayerRequest, context: grpc.aio.ServicerContext) -> pb.GetPlayerResponse:
        game = await self._developer_game(request.studio_id, request.game_id)
        row = await self.players.get(game, request.player_id)
        return pb.GetPlayerResponse(player=convert.player(row), last_login_time=convert.ts(row.last_login_time))

    async def ListPlayers(self, request: pb.ListPlayersRequest, context: grpc.aio.ServicerContext) -> pb.ListPlayersResponse:
        page = PageRequest(request.page_size, request.page_token, scope=f"players:{request.game_id}")
        game = await self._developer_game(request.studio_id, request.game_id)
        rows, token = await self.players.list(game, page)
        return pb.ListPlayersResponse(players=[convert.player(r) for r in rows], next_page_token=token)

    # Internal: other Playmesh services (service principal) --------------------------------------

    async def GetInternalGameConfig(self, request: pb.GetInternalGameConfigRequest, context: grpc.aio.ServicerContext) -> pb.GetInternalGameConfigResponse:
        if not is_uuid(request.studio_id):
            raise NotFound("game not found", reason="GAME_NOT_FOUND")
        row = await self.tenancy.game_for_key(request.studio_id, request.game_id)
        return pb.GetInternalGameConfigResponse(config=convert.game(row, request.studio_id).config, etag=row.etag)

    async def CheckGameAccess(self, request: pb.CheckGameAccessRequest, context: grpc.aio.ServicerContext) -> pb.CheckGameAccessResponse:
        await require_developer_game(self.tenancy.db, request.developer_id, request.studio_id, request.game_id)
        return pb.CheckGameAccessResponse()

    async def BatchGetPlayers(self, request: pb.BatchGetPlayersRequest, context: grpc.aio.ServicerContext) -> pb.BatchGetPlayersResponse:
        v = Validator()
        if len(request.player_ids) > 1000:
            v.add("player_ids", "must hold at most 1000 ids")
        v.check()
        if not is_uuid(request.studio_id) or not is_uuid(request.game_id):
            raise NotFound("game not found", reason="GAME_NOT_FOUND")
        rows = await self.players.batch_get(GameRef(request.studio_id, request.game_id), request.player_ids)
        return pb.BatchGetPlayersResponse(players=[convert.player_for_services(r) for r in rows])

    async def _developer_game(self, studio_id: str, game_id: str) -> GameRef:
        """Proves the developer's studio owns the game (NOT_FOUND otherwise)."""
        await require_developer_game(self.tenancy.db, current_caller().developer_id, studio_id, game_id)
        return GameRef(studio_id, game_id)
