from google.api import annotations_pb2 as _annotations_pb2
from playmesh.matchmaking.v1 import matchmaking_pb2 as _matchmaking_pb2
from playmesh.options.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateTicketRequest(_message.Message):
    __slots__ = ("mode", "latencies", "party_id", "request_id")
    MODE_FIELD_NUMBER: _ClassVar[int]
    LATENCIES_FIELD_NUMBER: _ClassVar[int]
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    mode: str
    latencies: _containers.RepeatedCompositeFieldContainer[_matchmaking_pb2.RegionLatency]
    party_id: str
    request_id: str
    def __init__(self, mode: _Optional[str] = ..., latencies: _Optional[_Iterable[_Union[_matchmaking_pb2.RegionLatency, _Mapping]]] = ..., party_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateTicketResponse(_message.Message):
    __slots__ = ("ticket",)
    TICKET_FIELD_NUMBER: _ClassVar[int]
    ticket: _matchmaking_pb2.Ticket
    def __init__(self, ticket: _Optional[_Union[_matchmaking_pb2.Ticket, _Mapping]] = ...) -> None: ...

class GetTicketRequest(_message.Message):
    __slots__ = ("ticket_id",)
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    def __init__(self, ticket_id: _Optional[str] = ...) -> None: ...

class GetTicketResponse(_message.Message):
    __slots__ = ("ticket",)
    TICKET_FIELD_NUMBER: _ClassVar[int]
    ticket: _matchmaking_pb2.Ticket
    def __init__(self, ticket: _Optional[_Union[_matchmaking_pb2.Ticket, _Mapping]] = ...) -> None: ...

class CancelTicketRequest(_message.Message):
    __slots__ = ("ticket_id",)
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    def __init__(self, ticket_id: _Optional[str] = ...) -> None: ...

class CancelTicketResponse(_message.Message):
    __slots__ = ("ticket",)
    TICKET_FIELD_NUMBER: _ClassVar[int]
    ticket: _matchmaking_pb2.Ticket
    def __init__(self, ticket: _Optional[_Union[_matchmaking_pb2.Ticket, _Mapping]] = ...) -> None: ...

class WatchTicketRequest(_message.Message):
    __slots__ = ("ticket_id",)
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    def __init__(self, ticket_id: _Optional[str] = ...) -> None: ...

class WatchTicketResponse(_message.Message):
    __slots__ = ("ticket",)
    TICKET_FIELD_NUMBER: _ClassVar[int]
    ticket: _matchmaking_pb2.Ticket
    def __init__(self, ticket: _Optional[_Union[_matchmaking_pb2.Ticket, _Mapping]] = ...) -> None: ...

class CreateBackfillRequest(_message.Message):
    __slots__ = ("session_id", "open_slots", "request_id")
    class OpenSlotsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: int
        value: int
        def __init__(self, key: _Optional[int] = ..., value: _Optional[int] = ...) -> None: ...
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_SLOTS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    open_slots: _containers.ScalarMap[int, int]
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., open_slots: _Optional[_Mapping[int, int]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateBackfillResponse(_message.Message):
    __slots__ = ("backfill",)
    BACKFILL_FIELD_NUMBER: _ClassVar[int]
    backfill: _matchmaking_pb2.Backfill
    def __init__(self, backfill: _Optional[_Union[_matchmaking_pb2.Backfill, _Mapping]] = ...) -> None: ...

class CancelBackfillRequest(_message.Message):
    __slots__ = ("backfill_id",)
    BACKFILL_ID_FIELD_NUMBER: _ClassVar[int]
    backfill_id: str
    def __init__(self, backfill_id: _Optional[str] = ...) -> None: ...

class CancelBackfillResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetQueueStatsRequest(_message.Message):
    __slots__ = ("studio_id", "game_id", "mode", "region")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    mode: str
    region: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., mode: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class GetQueueStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: _containers.RepeatedCompositeFieldContainer[_matchmaking_pb2.QueueStats]
    def __init__(self, stats: _Optional[_Iterable[_Union[_matchmaking_pb2.QueueStats, _Mapping]]] = ...) -> None: ...
