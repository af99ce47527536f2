__all__ = ["__version__", "widening_at"]

from typing import Protocol

__version__: str

class _Schedule(Protocol):
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def seconds(self) -> float: ...

def widening_at(schedule: _Schedule, wait_seconds: float) -> float: ...
