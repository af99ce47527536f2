import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TicketState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TICKET_STATE_UNSPECIFIED: _ClassVar[TicketState]
    TICKET_STATE_QUEUED: _ClassVar[TicketState]
    TICKET_STATE_SEARCHING: _ClassVar[TicketState]
    TICKET_STATE_MATCHED: _ClassVar[TicketState]
    TICKET_STATE_CANCELLED: _ClassVar[TicketState]
    TICKET_STATE_EXPIRED: _ClassVar[TicketState]
TICKET_STATE_UNSPECIFIED: TicketState
TICKET_STATE_QUEUED: TicketState
TICKET_STATE_SEARCHING: TicketState
TICKET_STATE_MATCHED: TicketState
TICKET_STATE_CANCELLED: TicketState
TICKET_STATE_EXPIRED: TicketState

class RegionLatency(_message.Message):
    __slots__ = ("region", "latency_ms")
    REGION_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    region: str
    latency_ms: int
    def __init__(self, region: _Optional[str] = ..., latency_ms: _Optional[int] = ...) -> None: ...

class SearchWindow(_message.Message):
    __slots__ = ("rating_min", "rating_max", "eligible_regions", "latency_ceiling_ms")
    RATING_MIN_FIELD_NUMBER: _ClassVar[int]
    RATING_MAX_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_REGIONS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_CEILING_MS_FIELD_NUMBER: _ClassVar[int]
    rating_min: float
    rating_max: float
    eligible_regions: _containers.RepeatedScalarFieldContainer[str]
    latency_ceiling_ms: int
    def __init__(self, rating_min: _Optional[float] = ..., rating_max: _Optional[float] = ..., eligible_regions: _Optional[_Iterable[str]] = ..., latency_ceiling_ms: _Optional[int] = ...) -> None: ...

class Ticket(_message.Message):
    __slots__ = ("id", "game_id", "mode", "player_ids", "party_id", "latencies", "rating", "state", "search_window", "match", "create_time", "update_time", "player_ratings")
    ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    PLAYER_IDS_FIELD_NUMBER: _ClassVar[int]
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    LATENCIES_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SEARCH_WINDOW_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PLAYER_RATINGS_FIELD_NUMBER: _ClassVar[int]
    id: str
    game_id: str
    mode: str
    player_ids: _containers.RepeatedScalarFieldContainer[str]
    party_id: str
    latencies: _containers.RepeatedCompositeFieldContainer[RegionLatency]
    rating: float
    state: TicketState
    search_window: SearchWindow
    match: Match
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    player_ratings: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, id: _Optional[str] = ..., game_id: _Optional[str] = ..., mode: _Optional[str] = ..., player_ids: _Optional[_Iterable[str]] = ..., party_id: _Optional[str] = ..., latencies: _Optional[_Iterable[_Union[RegionLatency, _Mapping]]] = ..., rating: _Optional[float] = ..., state: _Optional[_Union[TicketState, str]] = ..., search_window: _Optional[_Union[SearchWindow, _Mapping]] = ..., match: _Optional[_Union[Match, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., player_ratings: _Optional[_Iterable[float]] = ...) -> None: ...

class MatchPlayer(_message.Message):
    __slots__ = ("player_id", "ticket_id", "rating")
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    player_id: str
    ticket_id: str
    rating: float
    def __init__(self, player_id: _Optional[str] = ..., ticket_id: _Optional[str] = ..., rating: _Optional[float] = ...) -> None: ...

class Team(_message.Message):
    __slots__ = ("index", "players", "rating_sum")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    PLAYERS_FIELD_NUMBER: _ClassVar[int]
    RATING_SUM_FIELD_NUMBER: _ClassVar[int]
    index: int
    players: _containers.RepeatedCompositeFieldContainer[MatchPlayer]
    rating_sum: float
    def __init__(self, index: _Optional[int] = ..., players: _Optional[_Iterable[_Union[MatchPlayer, _Mapping]]] = ..., rating_sum: _Optional[float] = ...) -> None: ...

class JoinToken(_message.Message):
    __slots__ = ("player_id", "token")
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    player_id: str
    token: str
    def __init__(self, player_id: _Optional[str] = ..., token: _Optional[str] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("session_id", "server_address", "join_tokens", "assign_time")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SERVER_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    JOIN_TOKENS_FIELD_NUMBER: _ClassVar[int]
    ASSIGN_TIME_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    server_address: str
    join_tokens: _containers.RepeatedCompositeFieldContainer[JoinToken]
    assign_time: _timestamp_pb2.Timestamp
    def __init__(self, session_id: _Optional[str] = ..., server_address: _Optional[str] = ..., join_tokens: _Optional[_Iterable[_Union[JoinToken, _Mapping]]] = ..., assign_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Match(_message.Message):
    __slots__ = ("id", "game_id", "mode", "region", "teams", "quality", "create_time", "assignment", "backfill_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    BACKFILL_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    game_id: str
    mode: str
    region: str
    teams: _containers.RepeatedCompositeFieldContainer[Team]
    quality: float
    create_time: _timestamp_pb2.Timestamp
    assignment: Assignment
    backfill_id: str
    def __init__(self, id: _Optional[str] = ..., game_id: _Optional[str] = ..., mode: _Optional[str] = ..., region: _Optional[str] = ..., teams: _Optional[_Iterable[_Union[Team, _Mapping]]] = ..., quality: _Optional[float] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., assignment: _Optional[_Union[Assignment, _Mapping]] = ..., backfill_id: _Optional[str] = ...) -> None: ...

class Backfill(_message.Message):
    __slots__ = ("id", "game_id", "mode", "region", "session_id", "open_slots", "rating", "create_time")
    class OpenSlotsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: int
        value: int
        def __init__(self, key: _Optional[int] = ..., value: _Optional[int] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_SLOTS_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    game_id: str
    mode: str
    region: str
    session_id: str
    open_slots: _containers.ScalarMap[int, int]
    rating: float
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., game_id: _Optional[str] = ..., mode: _Optional[str] = ..., region: _Optional[str] = ..., session_id: _Optional[str] = ..., open_slots: _Optional[_Mapping[int, int]] = ..., rating: _Optional[float] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class QueueStats(_message.Message):
    __slots__ = ("mode", "region", "queued_players", "wait_seconds_p50", "wait_seconds_p95", "matches_per_minute")
    MODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    QUEUED_PLAYERS_FIELD_NUMBER: _ClassVar[int]
    WAIT_SECONDS_P50_FIELD_NUMBER: _ClassVar[int]
    WAIT_SECONDS_P95_FIELD_NUMBER: _ClassVar[int]
    MATCHES_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    mode: str
    region: str
    queued_players: int
    wait_seconds_p50: float
    wait_seconds_p95: float
    matches_per_minute: int
    def __init__(self, mode: _Optional[str] = ..., region: _Optional[str] = ..., queued_players: _Optional[int] = ..., wait_seconds_p50: _Optional[float] = ..., wait_seconds_p95: _Optional[float] = ..., matches_per_minute: _Optional[int] = ...) -> None: ...
