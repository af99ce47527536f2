import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PartyState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTY_STATE_UNSPECIFIED: _ClassVar[PartyState]
    PARTY_STATE_OPEN: _ClassVar[PartyState]
    PARTY_STATE_MATCHMAKING: _ClassVar[PartyState]
    PARTY_STATE_IN_MATCH: _ClassVar[PartyState]
    PARTY_STATE_CLOSED: _ClassVar[PartyState]

class PartyEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTY_EVENT_KIND_UNSPECIFIED: _ClassVar[PartyEventKind]
    PARTY_EVENT_KIND_SNAPSHOT: _ClassVar[PartyEventKind]
    PARTY_EVENT_KIND_MEMBER_JOINED: _ClassVar[PartyEventKind]
    PARTY_EVENT_KIND_MEMBER_LEFT: _ClassVar[PartyEventKind]
    PARTY_EVENT_KIND_MEMBER_KICKED: _ClassVar[PartyEventKind]
    PARTY_EVENT_KIND_LEADER_CHANGED: _ClassVar[PartyEventKind]
    PARTY_EVENT_KIND_READY_CHANGED: _ClassVar[PartyEventKind]
    PARTY_EVENT_KIND_READY_CHECK_STARTED: _ClassVar[PartyEventKind]
    PARTY_EVENT_KIND_MATCHMAKING_STARTED: _ClassVar[PartyEventKind]
    PARTY_EVENT_KIND_MATCHMAKING_CANCELLED: _ClassVar[PartyEventKind]
    PARTY_EVENT_KIND_MATCHED: _ClassVar[PartyEventKind]
    PARTY_EVENT_KIND_CLOSED: _ClassVar[PartyEventKind]
PARTY_STATE_UNSPECIFIED: PartyState
PARTY_STATE_OPEN: PartyState
PARTY_STATE_MATCHMAKING: PartyState
PARTY_STATE_IN_MATCH: PartyState
PARTY_STATE_CLOSED: PartyState
PARTY_EVENT_KIND_UNSPECIFIED: PartyEventKind
PARTY_EVENT_KIND_SNAPSHOT: PartyEventKind
PARTY_EVENT_KIND_MEMBER_JOINED: PartyEventKind
PARTY_EVENT_KIND_MEMBER_LEFT: PartyEventKind
PARTY_EVENT_KIND_MEMBER_KICKED: PartyEventKind
PARTY_EVENT_KIND_LEADER_CHANGED: PartyEventKind
PARTY_EVENT_KIND_READY_CHANGED: PartyEventKind
PARTY_EVENT_KIND_READY_CHECK_STARTED: PartyEventKind
PARTY_EVENT_KIND_MATCHMAKING_STARTED: PartyEventKind
PARTY_EVENT_KIND_MATCHMAKING_CANCELLED: PartyEventKind
PARTY_EVENT_KIND_MATCHED: PartyEventKind
PARTY_EVENT_KIND_CLOSED: PartyEventKind

class PartyMember(_message.Message):
    __slots__ = ("player_id", "display_name", "ready", "join_time")
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    player_id: str
    display_name: str
    ready: bool
    join_time: _timestamp_pb2.Timestamp
    def __init__(self, player_id: _Optional[str] = ..., display_name: _Optional[str] = ..., ready: _Optional[bool] = ..., join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Party(_message.Message):
    __slots__ = ("id", "game_id", "code", "leader_player_id", "members", "max_size", "state", "ticket_id", "open", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    LEADER_PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    game_id: str
    code: str
    leader_player_id: str
    members: _containers.RepeatedCompositeFieldContainer[PartyMember]
    max_size: int
    state: PartyState
    ticket_id: str
    open: bool
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., game_id: _Optional[str] = ..., code: _Optional[str] = ..., leader_player_id: _Optional[str] = ..., members: _Optional[_Iterable[_Union[PartyMember, _Mapping]]] = ..., max_size: _Optional[int] = ..., state: _Optional[_Union[PartyState, str]] = ..., ticket_id: _Optional[str] = ..., open: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
