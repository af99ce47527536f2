import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from playmesh.options.v1 import options_pb2 as _options_pb2
from playmesh.session.v1 import session_pb2 as _session_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RegisterServerRequest(_message.Message):
    __slots__ = ("region", "address", "capacity", "labels", "request_id")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    REGION_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    region: str
    address: str
    capacity: int
    labels: _containers.ScalarMap[str, str]
    request_id: str
    def __init__(self, region: _Optional[str] = ..., address: _Optional[str] = ..., capacity: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class RegisterServerResponse(_message.Message):
    __slots__ = ("server", "server_token", "heartbeat_interval_seconds")
    SERVER_FIELD_NUMBER: _ClassVar[int]
    SERVER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    server: _session_pb2.GameServer
    server_token: str
    heartbeat_interval_seconds: int
    def __init__(self, server: _Optional[_Union[_session_pb2.GameServer, _Mapping]] = ..., server_token: _Optional[str] = ..., heartbeat_interval_seconds: _Optional[int] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("session_ids",)
    SESSION_IDS_FIELD_NUMBER: _ClassVar[int]
    session_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, session_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ("new_sessions",)
    NEW_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    new_sessions: _containers.RepeatedCompositeFieldContainer[_session_pb2.Session]
    def __init__(self, new_sessions: _Optional[_Iterable[_Union[_session_pb2.Session, _Mapping]]] = ...) -> None: ...

class DrainServerRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DrainServerResponse(_message.Message):
    __slots__ = ("server",)
    SERVER_FIELD_NUMBER: _ClassVar[int]
    server: _session_pb2.GameServer
    def __init__(self, server: _Optional[_Union[_session_pb2.GameServer, _Mapping]] = ...) -> None: ...

class DeregisterServerRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeregisterServerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListServersRequest(_message.Message):
    __slots__ = ("studio_id", "game_id", "region", "page_size", "page_token")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    region: str
    page_size: int
    page_token: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., region: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListServersResponse(_message.Message):
    __slots__ = ("servers", "next_page_token")
    SERVERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    servers: _containers.RepeatedCompositeFieldContainer[_session_pb2.GameServer]
    next_page_token: str
    def __init__(self, servers: _Optional[_Iterable[_Union[_session_pb2.GameServer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _session_pb2.Session
    def __init__(self, session: _Optional[_Union[_session_pb2.Session, _Mapping]] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ("studio_id", "game_id", "state", "page_size", "page_token")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    state: _session_pb2.SessionState
    page_size: int
    page_token: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., state: _Optional[_Union[_session_pb2.SessionState, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions", "next_page_token")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[_session_pb2.Session]
    next_page_token: str
    def __init__(self, sessions: _Optional[_Iterable[_Union[_session_pb2.Session, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ValidateJoinTokenRequest(_message.Message):
    __slots__ = ("session_id", "join_token")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    JOIN_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    join_token: str
    def __init__(self, session_id: _Optional[str] = ..., join_token: _Optional[str] = ...) -> None: ...

class ValidateJoinTokenResponse(_message.Message):
    __slots__ = ("valid", "player_id", "team")
    VALID_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    player_id: str
    team: int
    def __init__(self, valid: _Optional[bool] = ..., player_id: _Optional[str] = ..., team: _Optional[int] = ...) -> None: ...

class ReportMatchResultRequest(_message.Message):
    __slots__ = ("session_id", "results", "start_time", "end_time")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    results: _containers.RepeatedCompositeFieldContainer[_session_pb2.PlayerResult]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, session_id: _Optional[str] = ..., results: _Optional[_Iterable[_Union[_session_pb2.PlayerResult, _Mapping]]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReportMatchResultResponse(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: _session_pb2.MatchRecord
    def __init__(self, record: _Optional[_Union[_session_pb2.MatchRecord, _Mapping]] = ...) -> None: ...

class ListMatchHistoryRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMatchHistoryResponse(_message.Message):
    __slots__ = ("matches", "next_page_token")
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    matches: _containers.RepeatedCompositeFieldContainer[_session_pb2.MatchRecord]
    next_page_token: str
    def __init__(self, matches: _Optional[_Iterable[_Union[_session_pb2.MatchRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
