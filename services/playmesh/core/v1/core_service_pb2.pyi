import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from playmesh.core.v1 import core_pb2 as _core_pb2
from playmesh.options.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RegisterDeveloperRequest(_message.Message):
    __slots__ = ("email", "password", "display_name", "request_id")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    email: str
    password: str
    display_name: str
    request_id: str
    def __init__(self, email: _Optional[str] = ..., password: _Optional[str] = ..., display_name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RegisterDeveloperResponse(_message.Message):
    __slots__ = ("developer", "tokens")
    DEVELOPER_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    developer: _core_pb2.Developer
    tokens: _core_pb2.TokenPair
    def __init__(self, developer: _Optional[_Union[_core_pb2.Developer, _Mapping]] = ..., tokens: _Optional[_Union[_core_pb2.TokenPair, _Mapping]] = ...) -> None: ...

class LoginDeveloperRequest(_message.Message):
    __slots__ = ("email", "password")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    email: str
    password: str
    def __init__(self, email: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class LoginDeveloperResponse(_message.Message):
    __slots__ = ("developer", "tokens")
    DEVELOPER_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    developer: _core_pb2.Developer
    tokens: _core_pb2.TokenPair
    def __init__(self, developer: _Optional[_Union[_core_pb2.Developer, _Mapping]] = ..., tokens: _Optional[_Union[_core_pb2.TokenPair, _Mapping]] = ...) -> None: ...

class GetDeveloperRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetDeveloperResponse(_message.Message):
    __slots__ = ("developer",)
    DEVELOPER_FIELD_NUMBER: _ClassVar[int]
    developer: _core_pb2.Developer
    def __init__(self, developer: _Optional[_Union[_core_pb2.Developer, _Mapping]] = ...) -> None: ...

class CreateStudioRequest(_message.Message):
    __slots__ = ("display_name", "request_id")
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    display_name: str
    request_id: str
    def __init__(self, display_name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateStudioResponse(_message.Message):
    __slots__ = ("studio",)
    STUDIO_FIELD_NUMBER: _ClassVar[int]
    studio: _core_pb2.Studio
    def __init__(self, studio: _Optional[_Union[_core_pb2.Studio, _Mapping]] = ...) -> None: ...

class GetStudioRequest(_message.Message):
    __slots__ = ("studio_id",)
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    def __init__(self, studio_id: _Optional[str] = ...) -> None: ...

class GetStudioResponse(_message.Message):
    __slots__ = ("studio",)
    STUDIO_FIELD_NUMBER: _ClassVar[int]
    studio: _core_pb2.Studio
    def __init__(self, studio: _Optional[_Union[_core_pb2.Studio, _Mapping]] = ...) -> None: ...

class ListStudiosRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListStudiosResponse(_message.Message):
    __slots__ = ("studios", "next_page_token")
    STUDIOS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    studios: _containers.RepeatedCompositeFieldContainer[_core_pb2.Studio]
    next_page_token: str
    def __init__(self, studios: _Optional[_Iterable[_Union[_core_pb2.Studio, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateGameRequest(_message.Message):
    __slots__ = ("studio_id", "display_name", "config", "request_id")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    display_name: str
    config: _core_pb2.GameConfig
    request_id: str
    def __init__(self, studio_id: _Optional[str] = ..., display_name: _Optional[str] = ..., config: _Optional[_Union[_core_pb2.GameConfig, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateGameResponse(_message.Message):
    __slots__ = ("game",)
    GAME_FIELD_NUMBER: _ClassVar[int]
    game: _core_pb2.Game
    def __init__(self, game: _Optional[_Union[_core_pb2.Game, _Mapping]] = ...) -> None: ...

class GetGameRequest(_message.Message):
    __slots__ = ("studio_id", "game_id")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ...) -> None: ...

class GetGameResponse(_message.Message):
    __slots__ = ("game",)
    GAME_FIELD_NUMBER: _ClassVar[int]
    game: _core_pb2.Game
    def __init__(self, game: _Optional[_Union[_core_pb2.Game, _Mapping]] = ...) -> None: ...

class ListGamesRequest(_message.Message):
    __slots__ = ("studio_id", "page_size", "page_token")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    page_size: int
    page_token: str
    def __init__(self, studio_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListGamesResponse(_message.Message):
    __slots__ = ("games", "next_page_token")
    GAMES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    games: _containers.RepeatedCompositeFieldContainer[_core_pb2.Game]
    next_page_token: str
    def __init__(self, games: _Optional[_Iterable[_Union[_core_pb2.Game, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateGameRequest(_message.Message):
    __slots__ = ("studio_id", "game_id", "display_name", "config", "etag")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    display_name: str
    config: _core_pb2.GameConfig
    etag: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., display_name: _Optional[str] = ..., config: _Optional[_Union[_core_pb2.GameConfig, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class UpdateGameResponse(_message.Message):
    __slots__ = ("game",)
    GAME_FIELD_NUMBER: _ClassVar[int]
    game: _core_pb2.Game
    def __init__(self, game: _Optional[_Union[_core_pb2.Game, _Mapping]] = ...) -> None: ...

class GetGameConfigRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetGameConfigResponse(_message.Message):
    __slots__ = ("game_id", "config")
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    game_id: str
    config: _core_pb2.GameConfig
    def __init__(self, game_id: _Optional[str] = ..., config: _Optional[_Union[_core_pb2.GameConfig, _Mapping]] = ...) -> None: ...

class CreateApiKeyRequest(_message.Message):
    __slots__ = ("studio_id", "game_id", "display_name", "kind", "request_id")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    display_name: str
    kind: _core_pb2.ApiKeyKind
    request_id: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., display_name: _Optional[str] = ..., kind: _Optional[_Union[_core_pb2.ApiKeyKind, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateApiKeyResponse(_message.Message):
    __slots__ = ("api_key", "secret")
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    api_key: _core_pb2.ApiKey
    secret: str
    def __init__(self, api_key: _Optional[_Union[_core_pb2.ApiKey, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ListApiKeysRequest(_message.Message):
    __slots__ = ("studio_id", "game_id", "page_size", "page_token")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    page_size: int
    page_token: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListApiKeysResponse(_message.Message):
    __slots__ = ("api_keys", "next_page_token")
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    api_keys: _containers.RepeatedCompositeFieldContainer[_core_pb2.ApiKey]
    next_page_token: str
    def __init__(self, api_keys: _Optional[_Iterable[_Union[_core_pb2.ApiKey, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RevokeApiKeyRequest(_message.Message):
    __slots__ = ("studio_id", "game_id", "api_key_id")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    API_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    api_key_id: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., api_key_id: _Optional[str] = ...) -> None: ...

class RevokeApiKeyResponse(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: _core_pb2.ApiKey
    def __init__(self, api_key: _Optional[_Union[_core_pb2.ApiKey, _Mapping]] = ...) -> None: ...

class AuthenticateDeviceRequest(_message.Message):
    __slots__ = ("device_id", "create", "display_name")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    create: bool
    display_name: str
    def __init__(self, device_id: _Optional[str] = ..., create: _Optional[bool] = ..., display_name: _Optional[str] = ...) -> None: ...

class AuthenticateDeviceResponse(_message.Message):
    __slots__ = ("player", "tokens", "created")
    PLAYER_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    player: _core_pb2.Player
    tokens: _core_pb2.TokenPair
    created: bool
    def __init__(self, player: _Optional[_Union[_core_pb2.Player, _Mapping]] = ..., tokens: _Optional[_Union[_core_pb2.TokenPair, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class AuthenticateEmailRequest(_message.Message):
    __slots__ = ("email", "password", "create", "display_name")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    CREATE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    email: str
    password: str
    create: bool
    display_name: str
    def __init__(self, email: _Optional[str] = ..., password: _Optional[str] = ..., create: _Optional[bool] = ..., display_name: _Optional[str] = ...) -> None: ...

class AuthenticateEmailResponse(_message.Message):
    __slots__ = ("player", "tokens", "created")
    PLAYER_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    player: _core_pb2.Player
    tokens: _core_pb2.TokenPair
    created: bool
    def __init__(self, player: _Optional[_Union[_core_pb2.Player, _Mapping]] = ..., tokens: _Optional[_Union[_core_pb2.TokenPair, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class AuthenticateCustomRequest(_message.Message):
    __slots__ = ("custom_id", "create", "display_name")
    CUSTOM_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    custom_id: str
    create: bool
    display_name: str
    def __init__(self, custom_id: _Optional[str] = ..., create: _Optional[bool] = ..., display_name: _Optional[str] = ...) -> None: ...

class AuthenticateCustomResponse(_message.Message):
    __slots__ = ("player", "tokens", "created")
    PLAYER_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    player: _core_pb2.Player
    tokens: _core_pb2.TokenPair
    created: bool
    def __init__(self, player: _Optional[_Union[_core_pb2.Player, _Mapping]] = ..., tokens: _Optional[_Union[_core_pb2.TokenPair, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class RefreshTokenRequest(_message.Message):
    __slots__ = ("refresh_token",)
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    def __init__(self, refresh_token: _Optional[str] = ...) -> None: ...

class RefreshTokenResponse(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: _core_pb2.TokenPair
    def __init__(self, tokens: _Optional[_Union[_core_pb2.TokenPair, _Mapping]] = ...) -> None: ...

class LogoutRequest(_message.Message):
    __slots__ = ("refresh_token",)
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    def __init__(self, refresh_token: _Optional[str] = ...) -> None: ...

class LogoutResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetJwksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetJwksResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[_core_pb2.Jwk]
    def __init__(self, keys: _Optional[_Iterable[_Union[_core_pb2.Jwk, _Mapping]]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetAccountResponse(_message.Message):
    __slots__ = ("player",)
    PLAYER_FIELD_NUMBER: _ClassVar[int]
    player: _core_pb2.Player
    def __init__(self, player: _Optional[_Union[_core_pb2.Player, _Mapping]] = ...) -> None: ...

class UpdateAccountRequest(_message.Message):
    __slots__ = ("display_name",)
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    display_name: str
    def __init__(self, display_name: _Optional[str] = ...) -> None: ...

class UpdateAccountResponse(_message.Message):
    __slots__ = ("player",)
    PLAYER_FIELD_NUMBER: _ClassVar[int]
    player: _core_pb2.Player
    def __init__(self, player: _Optional[_Union[_core_pb2.Player, _Mapping]] = ...) -> None: ...

class GetPlayerRequest(_message.Message):
    __slots__ = ("studio_id", "game_id", "player_id")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    player_id: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., player_id: _Optional[str] = ...) -> None: ...

class GetPlayerResponse(_message.Message):
    __slots__ = ("player", "last_login_time")
    PLAYER_FIELD_NUMBER: _ClassVar[int]
    LAST_LOGIN_TIME_FIELD_NUMBER: _ClassVar[int]
    player: _core_pb2.Player
    last_login_time: _timestamp_pb2.Timestamp
    def __init__(self, player: _Optional[_Union[_core_pb2.Player, _Mapping]] = ..., last_login_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListPlayersRequest(_message.Message):
    __slots__ = ("studio_id", "game_id", "page_size", "page_token")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    page_size: int
    page_token: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPlayersResponse(_message.Message):
    __slots__ = ("players", "next_page_token")
    PLAYERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    players: _containers.RepeatedCompositeFieldContainer[_core_pb2.Player]
    next_page_token: str
    def __init__(self, players: _Optional[_Iterable[_Union[_core_pb2.Player, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetInternalGameConfigRequest(_message.Message):
    __slots__ = ("studio_id", "game_id")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ...) -> None: ...

class GetInternalGameConfigResponse(_message.Message):
    __slots__ = ("config", "etag")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    config: _core_pb2.GameConfig
    etag: str
    def __init__(self, config: _Optional[_Union[_core_pb2.GameConfig, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class CheckGameAccessRequest(_message.Message):
    __slots__ = ("developer_id", "studio_id", "game_id")
    DEVELOPER_ID_FIELD_NUMBER: _ClassVar[int]
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    developer_id: str
    studio_id: str
    game_id: str
    def __init__(self, developer_id: _Optional[str] = ..., studio_id: _Optional[str] = ..., game_id: _Optional[str] = ...) -> None: ...

class CheckGameAccessResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BatchGetPlayersRequest(_message.Message):
    __slots__ = ("studio_id", "game_id", "player_ids")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    PLAYER_IDS_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    player_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., player_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetPlayersResponse(_message.Message):
    __slots__ = ("players",)
    PLAYERS_FIELD_NUMBER: _ClassVar[int]
    players: _containers.RepeatedCompositeFieldContainer[_core_pb2.Player]
    def __init__(self, players: _Optional[_Iterable[_Union[_core_pb2.Player, _Mapping]]] = ...) -> None: ...
