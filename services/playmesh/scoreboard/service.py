"""The scoreboard service, not built yet: it serves health and reflection, authenticates callers per its
contract, and answers every RPC with UNIMPLEMENTED (the generated base servicer raises
NotImplementedError, which the pipeline maps). No fake data."""

from playmesh.runtime.context import Runtime
from playmesh.scoreboard.v1 import scoreboard_service_pb2_grpc


def build(runtime: Runtime) -> scoreboard_service_pb2_grpc.ScoreboardServiceServicer:
    del runtime  # nothing to wire until the service is built
    return scoreboard_service_pb2_grpc.ScoreboardServiceServicer()
