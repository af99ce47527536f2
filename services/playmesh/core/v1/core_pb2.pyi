import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SortOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SORT_ORDER_UNSPECIFIED: _ClassVar[SortOrder]
    SORT_ORDER_DESCENDING: _ClassVar[SortOrder]
    SORT_ORDER_ASCENDING: _ClassVar[SortOrder]

class ScoreOperator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCORE_OPERATOR_UNSPECIFIED: _ClassVar[ScoreOperator]
    SCORE_OPERATOR_INCREMENT: _ClassVar[ScoreOperator]
    SCORE_OPERATOR_BEST: _ClassVar[ScoreOperator]
    SCORE_OPERATOR_SET: _ClassVar[ScoreOperator]

class Comparison(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPARISON_UNSPECIFIED: _ClassVar[Comparison]
    COMPARISON_GREATER_OR_EQUAL: _ClassVar[Comparison]
    COMPARISON_LESS_OR_EQUAL: _ClassVar[Comparison]

class ApiKeyKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    API_KEY_KIND_UNSPECIFIED: _ClassVar[ApiKeyKind]
    API_KEY_KIND_CLIENT: _ClassVar[ApiKeyKind]
    API_KEY_KIND_SERVER: _ClassVar[ApiKeyKind]
SORT_ORDER_UNSPECIFIED: SortOrder
SORT_ORDER_DESCENDING: SortOrder
SORT_ORDER_ASCENDING: SortOrder
SCORE_OPERATOR_UNSPECIFIED: ScoreOperator
SCORE_OPERATOR_INCREMENT: ScoreOperator
SCORE_OPERATOR_BEST: ScoreOperator
SCORE_OPERATOR_SET: ScoreOperator
COMPARISON_UNSPECIFIED: Comparison
COMPARISON_GREATER_OR_EQUAL: Comparison
COMPARISON_LESS_OR_EQUAL: Comparison
API_KEY_KIND_UNSPECIFIED: ApiKeyKind
API_KEY_KIND_CLIENT: ApiKeyKind
API_KEY_KIND_SERVER: ApiKeyKind

class Developer(_message.Message):
    __slots__ = ("id", "email", "display_name", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    display_name: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., display_name: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Studio(_message.Message):
    __slots__ = ("id", "display_name", "owner_developer_id", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_DEVELOPER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    owner_developer_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., owner_developer_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Game(_message.Message):
    __slots__ = ("id", "studio_id", "display_name", "config", "create_time", "update_time", "etag")
    ID_FIELD_NUMBER: _ClassVar[int]
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    id: str
    studio_id: str
    display_name: str
    config: GameConfig
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, id: _Optional[str] = ..., studio_id: _Optional[str] = ..., display_name: _Optional[str] = ..., config: _Optional[_Union[GameConfig, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class GameConfig(_message.Message):
    __slots__ = ("modes", "regions", "rating", "actions", "leaderboards", "alert_rules")
    MODES_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    LEADERBOARDS_FIELD_NUMBER: _ClassVar[int]
    ALERT_RULES_FIELD_NUMBER: _ClassVar[int]
    modes: _containers.RepeatedCompositeFieldContainer[GameMode]
    regions: _containers.RepeatedCompositeFieldContainer[Region]
    rating: RatingSettings
    actions: _containers.RepeatedCompositeFieldContainer[ActionPoints]
    leaderboards: _containers.RepeatedCompositeFieldContainer[LeaderboardSettings]
    alert_rules: _containers.RepeatedCompositeFieldContainer[AlertRule]
    def __init__(self, modes: _Optional[_Iterable[_Union[GameMode, _Mapping]]] = ..., regions: _Optional[_Iterable[_Union[Region, _Mapping]]] = ..., rating: _Optional[_Union[RatingSettings, _Mapping]] = ..., actions: _Optional[_Iterable[_Union[ActionPoints, _Mapping]]] = ..., leaderboards: _Optional[_Iterable[_Union[LeaderboardSettings, _Mapping]]] = ..., alert_rules: _Optional[_Iterable[_Union[AlertRule, _Mapping]]] = ...) -> None: ...

class GameMode(_message.Message):
    __slots__ = ("name", "team_size", "team_count", "matchmaking")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TEAM_SIZE_FIELD_NUMBER: _ClassVar[int]
    TEAM_COUNT_FIELD_NUMBER: _ClassVar[int]
    MATCHMAKING_FIELD_NUMBER: _ClassVar[int]
    name: str
    team_size: int
    team_count: int
    matchmaking: MatchmakingRules
    def __init__(self, name: _Optional[str] = ..., team_size: _Optional[int] = ..., team_count: _Optional[int] = ..., matchmaking: _Optional[_Union[MatchmakingRules, _Mapping]] = ...) -> None: ...

class MatchmakingRules(_message.Message):
    __slots__ = ("rating_window_start", "rating_window_end", "rating_widen_seconds", "latency_ceiling_start_ms", "latency_ceiling_end_ms", "latency_widen_seconds", "max_wait_seconds")
    RATING_WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    RATING_WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    RATING_WIDEN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_CEILING_START_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_CEILING_END_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_WIDEN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_WAIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    rating_window_start: float
    rating_window_end: float
    rating_widen_seconds: float
    latency_ceiling_start_ms: int
    latency_ceiling_end_ms: int
    latency_widen_seconds: float
    max_wait_seconds: int
    def __init__(self, rating_window_start: _Optional[float] = ..., rating_window_end: _Optional[float] = ..., rating_widen_seconds: _Optional[float] = ..., latency_ceiling_start_ms: _Optional[int] = ..., latency_ceiling_end_ms: _Optional[int] = ..., latency_widen_seconds: _Optional[float] = ..., max_wait_seconds: _Optional[int] = ...) -> None: ...

class Region(_message.Message):
    __slots__ = ("name", "display_name")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class RatingSettings(_message.Message):
    __slots__ = ("initial_mu", "initial_sigma", "display_scale", "display_offset")
    INITIAL_MU_FIELD_NUMBER: _ClassVar[int]
    INITIAL_SIGMA_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_SCALE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_OFFSET_FIELD_NUMBER: _ClassVar[int]
    initial_mu: float
    initial_sigma: float
    display_scale: float
    display_offset: float
    def __init__(self, initial_mu: _Optional[float] = ..., initial_sigma: _Optional[float] = ..., display_scale: _Optional[float] = ..., display_offset: _Optional[float] = ...) -> None: ...

class ActionPoints(_message.Message):
    __slots__ = ("action", "points")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    action: str
    points: int
    def __init__(self, action: _Optional[str] = ..., points: _Optional[int] = ...) -> None: ...

class ResetSchedule(_message.Message):
    __slots__ = ("period", "time_of_day_minutes", "weekday", "day_of_month")
    class Period(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        PERIOD_UNSPECIFIED: _ClassVar[ResetSchedule.Period]
        PERIOD_NEVER: _ClassVar[ResetSchedule.Period]
        PERIOD_DAILY: _ClassVar[ResetSchedule.Period]
        PERIOD_WEEKLY: _ClassVar[ResetSchedule.Period]
        PERIOD_MONTHLY: _ClassVar[ResetSchedule.Period]
    PERIOD_UNSPECIFIED: ResetSchedule.Period
    PERIOD_NEVER: ResetSchedule.Period
    PERIOD_DAILY: ResetSchedule.Period
    PERIOD_WEEKLY: ResetSchedule.Period
    PERIOD_MONTHLY: ResetSchedule.Period
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    TIME_OF_DAY_MINUTES_FIELD_NUMBER: _ClassVar[int]
    WEEKDAY_FIELD_NUMBER: _ClassVar[int]
    DAY_OF_MONTH_FIELD_NUMBER: _ClassVar[int]
    period: ResetSchedule.Period
    time_of_day_minutes: int
    weekday: int
    day_of_month: int
    def __init__(self, period: _Optional[_Union[ResetSchedule.Period, str]] = ..., time_of_day_minutes: _Optional[int] = ..., weekday: _Optional[int] = ..., day_of_month: _Optional[int] = ...) -> None: ...

class LeaderboardSettings(_message.Message):
    __slots__ = ("name", "display_name", "sort_order", "operator", "reset_schedule", "max_points_per_minute")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SORT_ORDER_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    RESET_SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    MAX_POINTS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    sort_order: SortOrder
    operator: ScoreOperator
    reset_schedule: ResetSchedule
    max_points_per_minute: int
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., sort_order: _Optional[_Union[SortOrder, str]] = ..., operator: _Optional[_Union[ScoreOperator, str]] = ..., reset_schedule: _Optional[_Union[ResetSchedule, _Mapping]] = ..., max_points_per_minute: _Optional[int] = ...) -> None: ...

class AlertRule(_message.Message):
    __slots__ = ("name", "metric", "comparison", "threshold", "window_seconds", "notify_emails", "cooldown_seconds")
    NAME_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    COMPARISON_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_EMAILS_FIELD_NUMBER: _ClassVar[int]
    COOLDOWN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    metric: str
    comparison: Comparison
    threshold: float
    window_seconds: int
    notify_emails: _containers.RepeatedScalarFieldContainer[str]
    cooldown_seconds: int
    def __init__(self, name: _Optional[str] = ..., metric: _Optional[str] = ..., comparison: _Optional[_Union[Comparison, str]] = ..., threshold: _Optional[float] = ..., window_seconds: _Optional[int] = ..., notify_emails: _Optional[_Iterable[str]] = ..., cooldown_seconds: _Optional[int] = ...) -> None: ...

class ApiKey(_message.Message):
    __slots__ = ("id", "game_id", "display_name", "prefix", "kind", "create_time", "revoke_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    game_id: str
    display_name: str
    prefix: str
    kind: ApiKeyKind
    create_time: _timestamp_pb2.Timestamp
    revoke_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., game_id: _Optional[str] = ..., display_name: _Optional[str] = ..., prefix: _Optional[str] = ..., kind: _Optional[_Union[ApiKeyKind, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Rating(_message.Message):
    __slots__ = ("mode", "mu", "sigma", "display_rating", "matches_played")
    MODE_FIELD_NUMBER: _ClassVar[int]
    MU_FIELD_NUMBER: _ClassVar[int]
    SIGMA_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_RATING_FIELD_NUMBER: _ClassVar[int]
    MATCHES_PLAYED_FIELD_NUMBER: _ClassVar[int]
    mode: str
    mu: float
    sigma: float
    display_rating: float
    matches_played: int
    def __init__(self, mode: _Optional[str] = ..., mu: _Optional[float] = ..., sigma: _Optional[float] = ..., display_rating: _Optional[float] = ..., matches_played: _Optional[int] = ...) -> None: ...

class Player(_message.Message):
    __slots__ = ("id", "game_id", "display_name", "email", "ratings", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    game_id: str
    display_name: str
    email: str
    ratings: _containers.RepeatedCompositeFieldContainer[Rating]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., game_id: _Optional[str] = ..., display_name: _Optional[str] = ..., email: _Optional[str] = ..., ratings: _Optional[_Iterable[_Union[Rating, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TokenPair(_message.Message):
    __slots__ = ("access_token", "access_expire_time", "refresh_token", "refresh_expire_time")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCESS_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    access_expire_time: _timestamp_pb2.Timestamp
    refresh_token: str
    refresh_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, access_token: _Optional[str] = ..., access_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refresh_token: _Optional[str] = ..., refresh_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Jwk(_message.Message):
    __slots__ = ("kty", "crv", "kid", "x", "alg", "use")
    KTY_FIELD_NUMBER: _ClassVar[int]
    CRV_FIELD_NUMBER: _ClassVar[int]
    KID_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    ALG_FIELD_NUMBER: _ClassVar[int]
    USE_FIELD_NUMBER: _ClassVar[int]
    kty: str
    crv: str
    kid: str
    x: str
    alg: str
    use: str
    def __init__(self, kty: _Optional[str] = ..., crv: _Optional[str] = ..., kid: _Optional[str] = ..., x: _Optional[str] = ..., alg: _Optional[str] = ..., use: _Optional[str] = ...) -> None: ...

class GameUpdatedEvent(_message.Message):
    __slots__ = ("studio_id", "game_id", "etag")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    game_id: str
    etag: str
    def __init__(self, studio_id: _Optional[str] = ..., game_id: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class PlayerUpdatedEvent(_message.Message):
    __slots__ = ("studio_id", "player")
    STUDIO_ID_FIELD_NUMBER: _ClassVar[int]
    PLAYER_FIELD_NUMBER: _ClassVar[int]
    studio_id: str
    player: Player
    def __init__(self, studio_id: _Optional[str] = ..., player: _Optional[_Union[Player, _Mapping]] = ...) -> None: ...
