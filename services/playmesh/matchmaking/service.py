"""The matchmaking service, not built yet: it serves health and reflection, authenticates callers per its
contract, and answers every RPC with UNIMPLEMENTED (the generated base servicer raises
NotImplementedError, which the pipeline maps). No fake data."""

from playmesh.matchmaking.v1 import matchmaking_service_pb2_grpc
from playmesh.runtime.context import Runtime


def build(runtime: Runtime) -> matchmaking_service_pb2_grpc.MatchmakingServiceServicer:
    del runtime  # nothing to wire until the service is built
    return matchmaking_service_pb2_grpc.MatchmakingServiceServicer()
