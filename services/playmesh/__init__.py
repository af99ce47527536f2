"""Playmesh: an open-source backend for multiplayer games.

Sub-packages: ``runtime`` (what every service shares), one package per service (``core``,
``matchmaking``, ``lobby``, ``session``, ``scoreboard``, ``telemetry``) beside its generated
contract (``<service>/v1``), ``gateway`` (the Envoy config) and ``launcher`` (``playmesh up``).
"""

__version__ = "0.1.0"
