import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SeasonState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEASON_STATE_UNSPECIFIED: _ClassVar[SeasonState]
    SEASON_STATE_ACTIVE: _ClassVar[SeasonState]
    SEASON_STATE_ARCHIVED: _ClassVar[SeasonState]

class ScoreSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCORE_SOURCE_UNSPECIFIED: _ClassVar[ScoreSource]
    SCORE_SOURCE_ACTION: _ClassVar[ScoreSource]
    SCORE_SOURCE_SERVER: _ClassVar[ScoreSource]
SEASON_STATE_UNSPECIFIED: SeasonState
SEASON_STATE_ACTIVE: SeasonState
SEASON_STATE_ARCHIVED: SeasonState
SCORE_SOURCE_UNSPECIFIED: ScoreSource
SCORE_SOURCE_ACTION: ScoreSource
SCORE_SOURCE_SERVER: ScoreSource

class Season(_message.Message):
    __slots__ = ("number", "start_time", "end_time", "state", "player_count")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PLAYER_COUNT_FIELD_NUMBER: _ClassVar[int]
    number: int
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    state: SeasonState
    player_count: int
    def __init__(self, number: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[SeasonState, str]] = ..., player_count: _Optional[int] = ...) -> None: ...

class Leaderboard(_message.Message):
    __slots__ = ("name", "display_name", "current_season")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENT_SEASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    current_season: Season
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., current_season: _Optional[_Union[Season, _Mapping]] = ...) -> None: ...

class LeaderboardEntry(_message.Message):
    __slots__ = ("rank", "player_id", "display_name", "score", "update_time")
    RANK_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    rank: int
    player_id: str
    display_name: str
    score: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, rank: _Optional[int] = ..., player_id: _Optional[str] = ..., display_name: _Optional[str] = ..., score: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ScoreLogEntry(_message.Message):
    __slots__ = ("id", "leaderboard", "season", "player_id", "source", "action", "points", "accepted", "flag_reason", "ip", "request_id", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    LEADERBOARD_FIELD_NUMBER: _ClassVar[int]
    SEASON_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    FLAG_REASON_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    leaderboard: str
    season: int
    player_id: str
    source: ScoreSource
    action: str
    points: int
    accepted: bool
    flag_reason: str
    ip: str
    request_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., leaderboard: _Optional[str] = ..., season: _Optional[int] = ..., player_id: _Optional[str] = ..., source: _Optional[_Union[ScoreSource, str]] = ..., action: _Optional[str] = ..., points: _Optional[int] = ..., accepted: _Optional[bool] = ..., flag_reason: _Optional[str] = ..., ip: _Optional[str] = ..., request_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ScoreChange(_message.Message):
    __slots__ = ("player_id", "score", "version", "reach_time")
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REACH_TIME_FIELD_NUMBER: _ClassVar[int]
    player_id: str
    score: int
    version: int
    reach_time: _timestamp_pb2.Timestamp
    def __init__(self, player_id: _Optional[str] = ..., score: _Optional[int] = ..., version: _Optional[int] = ..., reach_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ScoresUpdatedEvent(_message.Message):
    __slots__ = ("studio_id", "game_id", "leaderboard", "season", "changes")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    LEADERBOARD_FIELD_NUMBER: _ClassVar[int]
    SEASON_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    leaderboard: str
    season: int
    changes: _containers.RepeatedCompositeFieldContainer[ScoreChange]
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., leaderboard: _Optional[str] = ..., season: _Optional[int] = ..., changes: _Optional[_Iterable[_Union[ScoreChange, _Mapping]]] = ...) -> None: ...
