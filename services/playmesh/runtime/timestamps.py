"""Datetimes as protobuf Timestamps, for every service's responses."""

from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2

__all__ = ["timestamp"]


def timestamp(value: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    """The Timestamp of an aware datetime; None stays None (the field is left unset)."""
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp
