from google.api import annotations_pb2 as _annotations_pb2
from playmesh.options.v1 import options_pb2 as _options_pb2
from playmesh.scoreboard.v1 import scoreboard_pb2 as _scoreboard_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListLeaderboardsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListLeaderboardsResponse(_message.Message):
    __slots__ = ("leaderboards",)
    LEADERBOARDS_FIELD_NUMBER: _ClassVar[int]
    leaderboards: _containers.RepeatedCompositeFieldContainer[_scoreboard_pb2.Leaderboard]
    def __init__(self, leaderboards: _Optional[_Iterable[_Union[_scoreboard_pb2.Leaderboard, _Mapping]]] = ...) -> None: ...

class SubmitActionRequest(_message.Message):
    __slots__ = ("leaderboard", "action", "request_id")
    LEADERBOARD_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    leaderboard: str
    action: str
    request_id: str
    def __init__(self, leaderboard: _Optional[str] = ..., action: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class SubmitActionResponse(_message.Message):
    __slots__ = ("points_awarded", "entry")
    POINTS_AWARDED_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    points_awarded: int
    entry: _scoreboard_pb2.LeaderboardEntry
    def __init__(self, points_awarded: _Optional[int] = ..., entry: _Optional[_Union[_scoreboard_pb2.LeaderboardEntry, _Mapping]] = ...) -> None: ...

class ScoreUpdate(_message.Message):
    __slots__ = ("leaderboard", "player_id", "score", "request_id")
    LEADERBOARD_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    leaderboard: str
    player_id: str
    score: int
    request_id: str
    def __init__(self, leaderboard: _Optional[str] = ..., player_id: _Optional[str] = ..., score: _Optional[int] = ..., request_id: _Optional[str] = ...) -> None: ...

class SubmitScoresRequest(_message.Message):
    __slots__ = ("updates",)
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    updates: _containers.RepeatedCompositeFieldContainer[ScoreUpdate]
    def __init__(self, updates: _Optional[_Iterable[_Union[ScoreUpdate, _Mapping]]] = ...) -> None: ...

class ScoreUpdateResult(_message.Message):
    __slots__ = ("request_id", "accepted", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    accepted: bool
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., accepted: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class SubmitScoresResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ScoreUpdateResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ScoreUpdateResult, _Mapping]]] = ...) -> None: ...

class GetTopRequest(_message.Message):
    __slots__ = ("leaderboard", "season", "page_size", "page_token")
    LEADERBOARD_FIELD_NUMBER: _ClassVar[int]
    SEASON_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    leaderboard: str
    season: int
    page_size: int
    page_token: str
    def __init__(self, leaderboard: _Optional[str] = ..., season: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GetTopResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "season")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SEASON_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_scoreboard_pb2.LeaderboardEntry]
    next_page_token: str
    season: _scoreboard_pb2.Season
    def __init__(self, entries: _Optional[_Iterable[_Union[_scoreboard_pb2.LeaderboardEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., season: _Optional[_Union[_scoreboard_pb2.Season, _Mapping]] = ...) -> None: ...

class GetAroundPlayerRequest(_message.Message):
    __slots__ = ("leaderboard", "player_id", "radius")
    LEADERBOARD_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    RADIUS_FIELD_NUMBER: _ClassVar[int]
    leaderboard: str
    player_id: str
    radius: int
    def __init__(self, leaderboard: _Optional[str] = ..., player_id: _Optional[str] = ..., radius: _Optional[int] = ...) -> None: ...

class GetAroundPlayerResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_scoreboard_pb2.LeaderboardEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[_scoreboard_pb2.LeaderboardEntry, _Mapping]]] = ...) -> None: ...

class GetPlayerRankRequest(_message.Message):
    __slots__ = ("leaderboard", "player_id")
    LEADERBOARD_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    leaderboard: str
    player_id: str
    def __init__(self, leaderboard: _Optional[str] = ..., player_id: _Optional[str] = ...) -> None: ...

class GetPlayerRankResponse(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: _scoreboard_pb2.LeaderboardEntry
    def __init__(self, entry: _Optional[_Union[_scoreboard_pb2.LeaderboardEntry, _Mapping]] = ...) -> None: ...

class ListSeasonsRequest(_message.Message):
    __slots__ = ("leaderboard", "page_size", "page_token")
    LEADERBOARD_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    leaderboard: str
    page_size: int
    page_token: str
    def __init__(self, leaderboard: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSeasonsResponse(_message.Message):
    __slots__ = ("seasons", "next_page_token")
    SEASONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    seasons: _containers.RepeatedCompositeFieldContainer[_scoreboard_pb2.Season]
    next_page_token: str
    def __init__(self, seasons: _Optional[_Iterable[_Union[_scoreboard_pb2.Season, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchLeaderboardRequest(_message.Message):
    __slots__ = ("leaderboard", "top_n")
    LEADERBOARD_FIELD_NUMBER: _ClassVar[int]
    TOP_N_FIELD_NUMBER: _ClassVar[int]
    leaderboard: str
    top_n: int
    def __init__(self, leaderboard: _Optional[str] = ..., top_n: _Optional[int] = ...) -> None: ...

class WatchLeaderboardResponse(_message.Message):
    __slots__ = ("entries", "season", "version")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    SEASON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_scoreboard_pb2.LeaderboardEntry]
    season: _scoreboard_pb2.Season
    version: int
    def __init__(self, entries: _Optional[_Iterable[_Union[_scoreboard_pb2.LeaderboardEntry, _Mapping]]] = ..., season: _Optional[_Union[_scoreboard_pb2.Season, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class ListScoreLogRequest(_message.Message):
    __slots__ = ("studio_id", "game_id", "leaderboard", "player_id", "flagged_only", "page_size", "page_token")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    LEADERBOARD_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    leaderboard: str
    player_id: str
    flagged_only: bool
    page_size: int
    page_token: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., leaderboard: _Optional[str] = ..., player_id: _Optional[str] = ..., flagged_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListScoreLogResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_scoreboard_pb2.ScoreLogEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[_scoreboard_pb2.ScoreLogEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RebuildLeaderboardRequest(_message.Message):
    __slots__ = ("studio_id", "game_id", "leaderboard")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    LEADERBOARD_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    leaderboard: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., leaderboard: _Optional[str] = ...) -> None: ...

class RebuildLeaderboardResponse(_message.Message):
    __slots__ = ("players_restored",)
    PLAYERS_RESTORED_FIELD_NUMBER: _ClassVar[int]
    players_restored: int
    def __init__(self, players_restored: _Optional[int] = ...) -> None: ...
