from google.api import annotations_pb2 as _annotations_pb2
from playmesh.lobby.v1 import lobby_pb2 as _lobby_pb2
from playmesh.matchmaking.v1 import matchmaking_pb2 as _matchmaking_pb2
from playmesh.options.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreatePartyRequest(_message.Message):
    __slots__ = ("max_size", "open", "request_id")
    MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    max_size: int
    open: bool
    request_id: str
    def __init__(self, max_size: _Optional[int] = ..., open: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreatePartyResponse(_message.Message):
    __slots__ = ("party",)
    PARTY_FIELD_NUMBER: _ClassVar[int]
    party: _lobby_pb2.Party
    def __init__(self, party: _Optional[_Union[_lobby_pb2.Party, _Mapping]] = ...) -> None: ...

class GetPartyRequest(_message.Message):
    __slots__ = ("party_id",)
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    party_id: str
    def __init__(self, party_id: _Optional[str] = ...) -> None: ...

class GetPartyResponse(_message.Message):
    __slots__ = ("party",)
    PARTY_FIELD_NUMBER: _ClassVar[int]
    party: _lobby_pb2.Party
    def __init__(self, party: _Optional[_Union[_lobby_pb2.Party, _Mapping]] = ...) -> None: ...

class JoinPartyRequest(_message.Message):
    __slots__ = ("party_id", "code")
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    party_id: str
    code: str
    def __init__(self, party_id: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class JoinPartyResponse(_message.Message):
    __slots__ = ("party",)
    PARTY_FIELD_NUMBER: _ClassVar[int]
    party: _lobby_pb2.Party
    def __init__(self, party: _Optional[_Union[_lobby_pb2.Party, _Mapping]] = ...) -> None: ...

class LeavePartyRequest(_message.Message):
    __slots__ = ("party_id",)
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    party_id: str
    def __init__(self, party_id: _Optional[str] = ...) -> None: ...

class LeavePartyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class KickMemberRequest(_message.Message):
    __slots__ = ("party_id", "player_id")
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    party_id: str
    player_id: str
    def __init__(self, party_id: _Optional[str] = ..., player_id: _Optional[str] = ...) -> None: ...

class KickMemberResponse(_message.Message):
    __slots__ = ("party",)
    PARTY_FIELD_NUMBER: _ClassVar[int]
    party: _lobby_pb2.Party
    def __init__(self, party: _Optional[_Union[_lobby_pb2.Party, _Mapping]] = ...) -> None: ...

class PromoteMemberRequest(_message.Message):
    __slots__ = ("party_id", "player_id")
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    party_id: str
    player_id: str
    def __init__(self, party_id: _Optional[str] = ..., player_id: _Optional[str] = ...) -> None: ...

class PromoteMemberResponse(_message.Message):
    __slots__ = ("party",)
    PARTY_FIELD_NUMBER: _ClassVar[int]
    party: _lobby_pb2.Party
    def __init__(self, party: _Optional[_Union[_lobby_pb2.Party, _Mapping]] = ...) -> None: ...

class StartReadyCheckRequest(_message.Message):
    __slots__ = ("party_id",)
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    party_id: str
    def __init__(self, party_id: _Optional[str] = ...) -> None: ...

class StartReadyCheckResponse(_message.Message):
    __slots__ = ("party",)
    PARTY_FIELD_NUMBER: _ClassVar[int]
    party: _lobby_pb2.Party
    def __init__(self, party: _Optional[_Union[_lobby_pb2.Party, _Mapping]] = ...) -> None: ...

class SetReadyRequest(_message.Message):
    __slots__ = ("party_id", "ready")
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    party_id: str
    ready: bool
    def __init__(self, party_id: _Optional[str] = ..., ready: _Optional[bool] = ...) -> None: ...

class SetReadyResponse(_message.Message):
    __slots__ = ("party",)
    PARTY_FIELD_NUMBER: _ClassVar[int]
    party: _lobby_pb2.Party
    def __init__(self, party: _Optional[_Union[_lobby_pb2.Party, _Mapping]] = ...) -> None: ...

class WatchPartyRequest(_message.Message):
    __slots__ = ("party_id",)
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    party_id: str
    def __init__(self, party_id: _Optional[str] = ...) -> None: ...

class WatchPartyResponse(_message.Message):
    __slots__ = ("kind", "player_id", "party")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    PARTY_FIELD_NUMBER: _ClassVar[int]
    kind: _lobby_pb2.PartyEventKind
    player_id: str
    party: _lobby_pb2.Party
    def __init__(self, kind: _Optional[_Union[_lobby_pb2.PartyEventKind, str]] = ..., player_id: _Optional[str] = ..., party: _Optional[_Union[_lobby_pb2.Party, _Mapping]] = ...) -> None: ...

class StartMatchmakingRequest(_message.Message):
    __slots__ = ("party_id", "mode", "latencies")
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    LATENCIES_FIELD_NUMBER: _ClassVar[int]
    party_id: str
    mode: str
    latencies: _containers.RepeatedCompositeFieldContainer[_matchmaking_pb2.RegionLatency]
    def __init__(self, party_id: _Optional[str] = ..., mode: _Optional[str] = ..., latencies: _Optional[_Iterable[_Union[_matchmaking_pb2.RegionLatency, _Mapping]]] = ...) -> None: ...

class StartMatchmakingResponse(_message.Message):
    __slots__ = ("party", "ticket")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    TICKET_FIELD_NUMBER: _ClassVar[int]
    party: _lobby_pb2.Party
    ticket: _matchmaking_pb2.Ticket
    def __init__(self, party: _Optional[_Union[_lobby_pb2.Party, _Mapping]] = ..., ticket: _Optional[_Union[_matchmaking_pb2.Ticket, _Mapping]] = ...) -> None: ...

class CancelMatchmakingRequest(_message.Message):
    __slots__ = ("party_id",)
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    party_id: str
    def __init__(self, party_id: _Optional[str] = ...) -> None: ...

class CancelMatchmakingResponse(_message.Message):
    __slots__ = ("party",)
    PARTY_FIELD_NUMBER: _ClassVar[int]
    party: _lobby_pb2.Party
    def __init__(self, party: _Optional[_Union[_lobby_pb2.Party, _Mapping]] = ...) -> None: ...
