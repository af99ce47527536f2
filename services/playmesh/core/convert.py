"""Database rows → protobuf messages of ``playmesh.core.v1``."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format

from playmesh.core.players import PlayerTokens
from playmesh.core.tenancy import IssuedToken
from playmesh.core.v1 import core_pb2
from playmesh.runtime.timestamps import timestamp as ts

__all__ = ["api_key", "developer", "developer_tokens", "game", "player", "player_tokens", "studio", "ts"]


def developer(row: Any) -> core_pb2.Developer:
    return core_pb2.Developer(id=row.id, email=row.email, display_name=row.display_name, create_time=ts(row.create_time))


def studio(row: Any) -> core_pb2.Studio:
    return core_pb2.Studio(id=row.id, display_name=row.display_name, owner_developer_id=row.owner_developer_id, create_time=ts(row.create_time))


def game(row: Any, studio_id: str) -> core_pb2.Game:
    return core_pb2.Game(
        id=row.id,
        studio_id=studio_id,
        display_name=row.display_name,
        config=json_format.ParseDict(row.config, core_pb2.GameConfig(), ignore_unknown_fields=True),
        create_time=ts(row.create_time),
        update_time=ts(row.update_time),
        etag=row.etag,
    )


def api_key(row: Any) -> core_pb2.ApiKey:
    return core_pb2.ApiKey(
        id=row.id,
        game_id=row.game_id,
        display_name=row.display_name,
        prefix=row.prefix,
        kind=row.kind,  # type: ignore[arg-type]
        create_time=ts(row.create_time),
        revoke_time=ts(row.revoke_time),
    )


def player(row: Any) -> core_pb2.Player:
    return core_pb2.Player(
        id=row.id,
        game_id=row.game_id,
        display_name=row.display_name,
        email=row.email or "",
        ratings=[json_format.ParseDict(r, core_pb2.Rating(), ignore_unknown_fields=True) for r in row.ratings],
        create_time=ts(row.create_time),
        update_time=ts(row.update_time),
    )


def player_for_services(row: Any) -> core_pb2.Player:
    """A player as other Playmesh services see it: without the e-mail address (they need names and
    ratings; contact details stay with core)."""
    shared = player(row)
    shared.ClearField("email")
    return shared


def player_tokens(tokens: PlayerTokens) -> core_pb2.TokenPair:
    return core_pb2.TokenPair(
        access_token=tokens.access_token,
        access_expire_time=ts(tokens.access_expire_time),
        refresh_token=tokens.refresh_token,
        refresh_expire_time=ts(tokens.refresh_expire_time),
    )


def developer_tokens(token: IssuedToken) -> core_pb2.TokenPair:
    return core_pb2.TokenPair(access_token=token.token, access_expire_time=ts(token.expire_time))
