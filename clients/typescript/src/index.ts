/**
 * Playmesh TypeScript SDK. The generated messages and service descriptors live under `./gen`
 * (protoc-gen-es); this file adds the transport (gRPC-Web through the Envoy gateway, carrying the
 * game's API key and the signed-in caller's token) and typed clients for every service.
 *
 *   const transport = playmeshTransport({ baseUrl: "http://127.0.0.1:8080", apiKey, token: () => session.token });
 *   const { core } = playmeshClients(transport);
 *   const { player, tokens } = await core.authenticateDevice({ deviceId, create: true });
 */
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { CoreService } from "./gen/playmesh/core/v1/core_service_pb.js";
import { LobbyService } from "./gen/playmesh/lobby/v1/lobby_service_pb.js";
import { MatchmakingService } from "./gen/playmesh/matchmaking/v1/matchmaking_service_pb.js";
import { ScoreboardService } from "./gen/playmesh/scoreboard/v1/scoreboard_service_pb.js";
import { SessionService } from "./gen/playmesh/session/v1/session_service_pb.js";
import { TelemetryService } from "./gen/playmesh/telemetry/v1/telemetry_service_pb.js";

export * as corePb from "./gen/playmesh/core/v1/core_pb.js";
export { CoreService, LobbyService, MatchmakingService, ScoreboardService, SessionService, TelemetryService };

export interface Credentials {
  /** The game's API key, sent as `x-api-key`. */
  apiKey?: string;
  /** Returns the current bearer token (player or developer), or undefined before sign-in. */
  token?: () => string | undefined;
}

/** Adds the API key and bearer token to every call. */
export function credentialsInterceptor(credentials: Credentials): Interceptor {
  return (next) => async (req) => {
    if (credentials.apiKey) req.header.set("x-api-key", credentials.apiKey);
    const token = credentials.token?.();
    if (token) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

/** gRPC-Web transport to the gateway. Binary format: the gateway's gRPC-Web filter speaks proto. */
export function playmeshTransport(options: Credentials & { baseUrl: string }): Transport {
  return createGrpcWebTransport({
    baseUrl: options.baseUrl,
    useBinaryFormat: true,
    interceptors: [credentialsInterceptor(options)],
  });
}

export interface PlaymeshClients {
  core: Client<typeof CoreService>;
  matchmaking: Client<typeof MatchmakingService>;
  lobby: Client<typeof LobbyService>;
  session: Client<typeof SessionService>;
  scoreboard: Client<typeof ScoreboardService>;
  telemetry: Client<typeof TelemetryService>;
}

/** One typed client per service over the same transport. */
export function playmeshClients(transport: Transport): PlaymeshClients {
  return {
    core: createClient(CoreService, transport),
    matchmaking: createClient(MatchmakingService, transport),
    lobby: createClient(LobbyService, transport),
    session: createClient(SessionService, transport),
    scoreboard: createClient(ScoreboardService, transport),
    telemetry: createClient(TelemetryService, transport),
  };
}
