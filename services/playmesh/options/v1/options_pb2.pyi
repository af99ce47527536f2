from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Principal(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRINCIPAL_UNSPECIFIED: _ClassVar[Principal]
    PRINCIPAL_ANONYMOUS: _ClassVar[Principal]
    PRINCIPAL_GAME_CLIENT: _ClassVar[Principal]
    PRINCIPAL_PLAYER: _ClassVar[Principal]
    PRINCIPAL_DEVELOPER: _ClassVar[Principal]
    PRINCIPAL_GAME_SERVER: _ClassVar[Principal]
    PRINCIPAL_SERVICE: _ClassVar[Principal]

class Access(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCESS_UNSPECIFIED: _ClassVar[Access]
    ACCESS_READ: _ClassVar[Access]
    ACCESS_WRITE: _ClassVar[Access]
    ACCESS_UNLIMITED: _ClassVar[Access]
    ACCESS_GAMEPLAY: _ClassVar[Access]

class ApiKeyUse(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    API_KEY_USE_UNSPECIFIED: _ClassVar[ApiKeyUse]
    API_KEY_USE_CLIENT: _ClassVar[ApiKeyUse]
    API_KEY_USE_SERVER: _ClassVar[ApiKeyUse]
PRINCIPAL_UNSPECIFIED: Principal
PRINCIPAL_ANONYMOUS: Principal
PRINCIPAL_GAME_CLIENT: Principal
PRINCIPAL_PLAYER: Principal
PRINCIPAL_DEVELOPER: Principal
PRINCIPAL_GAME_SERVER: Principal
PRINCIPAL_SERVICE: Principal
ACCESS_UNSPECIFIED: Access
ACCESS_READ: Access
ACCESS_WRITE: Access
ACCESS_UNLIMITED: Access
ACCESS_GAMEPLAY: Access
API_KEY_USE_UNSPECIFIED: ApiKeyUse
API_KEY_USE_CLIENT: ApiKeyUse
API_KEY_USE_SERVER: ApiKeyUse
POLICY_FIELD_NUMBER: _ClassVar[int]
policy: _descriptor.FieldDescriptor

class MethodPolicy(_message.Message):
    __slots__ = ("principals", "access", "api_key_use")
    PRINCIPALS_FIELD_NUMBER: _ClassVar[int]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    API_KEY_USE_FIELD_NUMBER: _ClassVar[int]
    principals: _containers.RepeatedScalarFieldContainer[Principal]
    access: Access
    api_key_use: ApiKeyUse
    def __init__(self, principals: _Optional[_Iterable[_Union[Principal, str]]] = ..., access: _Optional[_Union[Access, str]] = ..., api_key_use: _Optional[_Union[ApiKeyUse, str]] = ...) -> None: ...
