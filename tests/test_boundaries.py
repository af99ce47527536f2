"""Service boundaries: core's data reaches the other services only through core's API (internal RPCs
that admit nothing but a service principal) and core's events, and the import contracts that keep the
service packages apart fail on a service that imports another's tables."""

from __future__ import annotations

import asyncio
import os
import pathlib
import shutil
import subprocess
import sys
import time

import grpc
import pytest
from playmesh.core.v1 import core_pb2
from playmesh.core.v1 import core_service_pb2 as core_pb
from playmesh.launcher.child import PlatformProcess
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as pb
from playmesh.runtime.bus import stream_key
from playmesh.runtime.db import Database
from playmesh.runtime.tokens import AUD_SERVICE, KeyRing
from redis.asyncio import Redis

from tests.support.clients import GrpcClient, RpcFailure
from tests.support.world import CORE, Tenant, game_config

ROOT = pathlib.Path(__file__).resolve().parents[1]
MM = "playmesh.matchmaking.v1.MatchmakingService"
EU = [mm.RegionLatency(region="eu-west", latency_ms=30)]


async def _service_token(platform: PlatformProcess, *, audience: str = AUD_SERVICE, expired: bool = False) -> str:
    """A token as a Playmesh service mints one (``runtime.internal.ServiceToken``); ``expired``: one that
    ran out ten minutes ago."""
    db = Database(str(platform.endpoints["database_url"]), pool_size=1)
    try:
        keyring = KeyRing(db, (platform.data_dir / "secret.key").read_text().strip(), retire_seconds=3600)
        await keyring.start()
        now = int(time.time()) - (660 if expired else 0)
        return keyring.sign({"sub": "test-service", "aud": audience, "iat": now, "exp": now + 60})
    finally:
        await db.close()


async def test_a_config_change_reaches_matchmaking_within_a_second(grpc_client: GrpcClient) -> None:
    tenant = await Tenant.create(grpc_client, "bd-config")
    create = pb.CreateTicketRequest(mode="solo", latencies=EU)
    with pytest.raises(RpcFailure) as refused:  # also puts the game's configuration in matchmaking's cache
        await grpc_client.call(f"{MM}/CreateTicket", create, api_key=tenant.api_key, token=tenant.player_token)
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT and "mode" in refused.value.violations()

    config = game_config()
    config.modes.add(name="solo", team_size=1, team_count=2)
    await grpc_client.call(
        f"{CORE}/UpdateGame", core_pb.UpdateGameRequest(studio_id=tenant.studio_id, game_id=tenant.game_id, config=config), token=tenant.developer_token
    )
    updated = time.monotonic()
    # Bounded: about ten attempts in the second the change has to arrive in (the player's write budget is 30 a minute).
    while True:
        try:
            created = await grpc_client.call(f"{MM}/CreateTicket", create, api_key=tenant.api_key, token=tenant.player_token)
            break
        except RpcFailure as failure:
            assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, failure
            assert time.monotonic() - updated < 1.0, "the new mode did not reach matchmaking within 1 s"
            await asyncio.sleep(0.1)
    assert created.ticket.mode == "solo"


async def _second_game_player(client: GrpcClient, tenant: Tenant) -> str:
    """A player of another game of the same studio: the same schema, so only the game filter keeps it out."""
    game = await client.call(
        f"{CORE}/CreateGame", core_pb.CreateGameRequest(studio_id=tenant.studio_id, display_name="second", config=game_config()), token=tenant.developer_token
    )
    key = await client.call(
        f"{CORE}/CreateApiKey",
        core_pb.CreateApiKeyRequest(studio_id=tenant.studio_id, game_id=game.game.id, display_name="second"),
        token=tenant.developer_token,
    )
    player = await client.call(f"{CORE}/AuthenticateDevice", core_pb.AuthenticateDeviceRequest(device_id="second-game-device", create=True), api_key=key.secret)
    return player.player.id


async def test_internal_rpcs_admit_only_a_service_principal(platform: PlatformProcess, grpc_client: GrpcClient) -> None:
    tenant = await Tenant.create(grpc_client, "bd-internal", _config_with_alert())
    token = await _service_token(platform)
    internal = {
        "GetInternalGameConfig": core_pb.GetInternalGameConfigRequest(studio_id=tenant.studio_id, game_id=tenant.game_id),
        "CheckGameAccess": core_pb.CheckGameAccessRequest(developer_id=tenant.developer_id, studio_id=tenant.studio_id, game_id=tenant.game_id),
        "BatchGetPlayers": core_pb.BatchGetPlayersRequest(studio_id=tenant.studio_id, game_id=tenant.game_id, player_ids=[tenant.player_id]),
    }
    # The gateway does not route them at all, whatever the credentials: services call each other directly.
    for method, request in internal.items():
        for credentials in ({}, {"token": token}, {"api_key": tenant.api_key}):
            with pytest.raises(RpcFailure) as hidden:
                await grpc_client.call(f"{CORE}/{method}", request, **credentials)
            assert hidden.value.code == grpc.StatusCode.UNIMPLEMENTED, (method, hidden.value)

    direct = GrpcClient(str(platform.endpoints["services"]["core"]))  # type: ignore[index]
    try:
        refusals = {
            "nothing": ({}, grpc.StatusCode.UNAUTHENTICATED),
            "api key": ({"api_key": tenant.api_key}, grpc.StatusCode.UNAUTHENTICATED),
            "player": ({"api_key": tenant.api_key, "token": tenant.player_token}, grpc.StatusCode.PERMISSION_DENIED),
            "developer": ({"token": tenant.developer_token}, grpc.StatusCode.PERMISSION_DENIED),
            "server": ({"token": await platform.server_token(tenant.studio_id, tenant.game_id)}, grpc.StatusCode.PERMISSION_DENIED),
            "service token for players": ({"token": await _service_token(platform, audience="playmesh:player")}, grpc.StatusCode.PERMISSION_DENIED),
            "expired service token": ({"token": await _service_token(platform, expired=True)}, grpc.StatusCode.UNAUTHENTICATED),
        }
        for method, request in internal.items():
            for who, (credentials, code) in refusals.items():
                with pytest.raises(RpcFailure) as refused:
                    await direct.call(f"{CORE}/{method}", request, **credentials)
                assert refused.value.code == code, (method, who, refused.value)

        answer = await direct.call(f"{CORE}/GetInternalGameConfig", internal["GetInternalGameConfig"], token=token)
        assert [m.name for m in answer.config.modes] == ["duo"] and answer.etag
        assert [list(r.notify_emails) for r in answer.config.alert_rules] == [["ops@example.com"]]  # the whole configuration, for services only

        await direct.call(f"{CORE}/CheckGameAccess", internal["CheckGameAccess"], token=token)
        other = await Tenant.create(grpc_client, "bd-other")
        for stranger in (
            core_pb.CheckGameAccessRequest(developer_id=other.developer_id, studio_id=tenant.studio_id, game_id=tenant.game_id),
            core_pb.CheckGameAccessRequest(developer_id=tenant.developer_id, studio_id=tenant.studio_id, game_id=other.game_id),
            core_pb.CheckGameAccessRequest(developer_id="not-a-uuid", studio_id=tenant.studio_id, game_id=tenant.game_id),
        ):
            with pytest.raises(RpcFailure) as refused:
                await direct.call(f"{CORE}/CheckGameAccess", stranger, token=token)
            assert refused.value.code == grpc.StatusCode.NOT_FOUND

        same_studio_other_game = await _second_game_player(grpc_client, tenant)
        players = await direct.call(
            f"{CORE}/BatchGetPlayers",
            core_pb.BatchGetPlayersRequest(
                studio_id=tenant.studio_id, game_id=tenant.game_id, player_ids=[tenant.player_id, same_studio_other_game, other.player_id, "x"]
            ),
            token=token,
        )
        assert [p.id for p in players.players] == [tenant.player_id]  # other games' players are left out, of this studio too
        assert not players.players[0].email  # services get what they need, not the player's e-mail
    finally:
        await direct.close()


def _config_with_alert() -> core_pb2.GameConfig:
    config = game_config()
    rule = config.alert_rules.add(name="crowd", metric="concurrent_players", comparison=core_pb2.COMPARISON_GREATER_OR_EQUAL, threshold=100)
    rule.notify_emails.append("ops@example.com")
    return config


async def test_ratings_reach_matchmaking_as_core_announces_them(platform: PlatformProcess, grpc_client: GrpcClient) -> None:
    tenant = await Tenant.create(grpc_client, "bd-rating")
    # A player matchmaking has not seen: the rating comes from core's account (none yet: the game's initial one).
    first = await grpc_client.call(f"{MM}/CreateTicket", pb.CreateTicketRequest(mode="duo", latencies=EU), api_key=tenant.api_key, token=tenant.player_token)
    initial = first.ticket.rating
    await grpc_client.call(f"{MM}/CancelTicket", pb.CancelTicketRequest(ticket_id=first.ticket.id), api_key=tenant.api_key, token=tenant.player_token)

    # Core announces new ratings (as it will after match.completed); matchmaking's read model follows.
    redis = Redis.from_url(str(platform.endpoints["redis_url"]))
    try:
        newer = await _announce_rating(redis, tenant, 1834.0, version_ms=int(time.time() * 1000) + 60_000)
        await _until_applied(redis, newer)
        older = await _announce_rating(redis, tenant, 900.0, version_ms=int(time.time() * 1000))  # late and out of order
        await _until_applied(redis, older)
    finally:
        await redis.aclose()
    second = await grpc_client.call(f"{MM}/CreateTicket", pb.CreateTicketRequest(mode="duo", latencies=EU), api_key=tenant.api_key, token=tenant.player_token)
    assert initial != 1834.0
    assert second.ticket.rating == 1834.0, "the newer rating is used, and the late older one did not replace it"


async def _announce_rating(redis: Redis, tenant: Tenant, rating: float, *, version_ms: int) -> str:
    player = core_pb2.Player(id=tenant.player_id, game_id=tenant.game_id, display_name="p", ratings=[core_pb2.Rating(mode="duo", display_rating=rating)])
    player.update_time.FromMilliseconds(version_ms)
    payload = core_pb2.PlayerUpdatedEvent(studio_id=tenant.studio_id, player=player).SerializeToString()
    message_id = await redis.xadd(stream_key("player.rating_updated"), {"payload": payload})
    return message_id.decode()


async def _until_applied(redis: Redis, message_id: str, within: float = 10.0) -> None:
    """Waits until matchmaking's consumer group has handled (delivered and acknowledged) the message."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        groups = {g["name"].decode(): g for g in await redis.xinfo_groups(stream_key("player.rating_updated"))}
        group = groups.get("matchmaking.ratings")
        if group is not None and _id(group["last-delivered-id"]) >= _id(message_id) and group["pending"] == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"matchmaking did not apply rating event {message_id}")


def _id(raw: bytes | str) -> tuple[int, int]:
    ms, _, seq = (raw.decode() if isinstance(raw, bytes) else raw).partition("-")
    return int(ms), int(seq or 0)


# --- import contracts ------------------------------------------------------------------------------


def _lint_imports(tree: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the repository's contracts over a copy of the ``playmesh`` package."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    lint = pathlib.Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(lint), "--config", str(tree / "pyproject.toml"), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def package_copy(tmp_path: pathlib.Path) -> pathlib.Path:
    shutil.copytree(ROOT / "services" / "playmesh", tmp_path / "playmesh", ignore=shutil.ignore_patterns("__pycache__", "*.binpb"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "offending_import"),
    [
        ("matchmaking/service.py", "from playmesh.core.tables import players"),
        ("scoreboard/scoring.py", "from playmesh.core import players"),
        ("core/service.py", "from playmesh.scoreboard.tables import score_log"),
        ("runtime/game_configs.py", "from playmesh.core import tenancy"),
    ],
)
def test_the_boundary_check_fails_when_a_service_reaches_into_another(package_copy: pathlib.Path, module: str, offending_import: str) -> None:
    clean = _lint_imports(package_copy)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    path = package_copy / "playmesh" / module
    text = path.read_text()
    anchor = "from __future__ import annotations\n"
    path.write_text(text.replace(anchor, f"{anchor}\n{offending_import}  # noqa: F401\n", 1))
    broken = _lint_imports(package_copy)
    assert broken.returncode != 0
    assert "BROKEN" in broken.stdout, broken.stdout + broken.stderr
    importer = "playmesh." + module.removesuffix(".py").replace("/", ".")
    assert importer in broken.stdout, broken.stdout
