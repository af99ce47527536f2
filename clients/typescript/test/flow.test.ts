// End-to-end: the core flow over gRPC-Web through a running gateway. tests/test_sdks.py starts the
// platform and runs this with PLAYMESH_GATEWAY set; run by hand with `PLAYMESH_GATEWAY=http://127.0.0.1:8080 npm test`.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { CoreService, credentialsInterceptor, type Credentials } from "../src/index.js";

const gateway = process.env.PLAYMESH_GATEWAY;

function core(credentials: Credentials) {
  assert.ok(gateway, "set PLAYMESH_GATEWAY to the gateway's URL");
  const transport = createGrpcWebTransport({
    baseUrl: gateway,
    httpVersion: "1.1",
    useBinaryFormat: true,
    interceptors: [credentialsInterceptor(credentials)],
  });
  return createClient(CoreService, transport);
}

test("developer → studio → game → key → player over gRPC-Web", async () => {
  let developerToken: string | undefined;
  const dev = core({ token: () => developerToken });
  const registered = await dev.registerDeveloper({
    email: `ts-${randomUUID()}@example.com`,
    password: "correct horse battery",
    displayName: "TS",
  });
  developerToken = registered.tokens?.accessToken;
  assert.ok(developerToken);

  const { studio } = await dev.createStudio({ displayName: "TS Studio" });
  const { game } = await dev.createGame({
    studioId: studio!.id,
    displayName: "TS Game",
    config: { modes: [{ name: "duo", teamSize: 2, teamCount: 2 }], regions: [{ name: "eu-west", displayName: "EU" }] },
  });
  const { secret } = await dev.createApiKey({ studioId: studio!.id, gameId: game!.id, displayName: "web" });

  let playerToken: string | undefined;
  const client = core({ apiKey: secret, token: () => playerToken });
  const auth = await client.authenticateDevice({ deviceId: `browser-${randomUUID()}`, create: true });
  playerToken = auth.tokens?.accessToken;
  assert.equal(auth.created, true);

  const account = await client.getAccount({});
  assert.equal(account.player?.id, auth.player?.id);

  const config = await client.getGameConfig({});
  assert.equal(config.config?.modes[0]?.name, "duo");
});

test("bad input comes back as INVALID_ARGUMENT over gRPC-Web", async () => {
  await assert.rejects(
    core({}).registerDeveloper({ email: "not-an-email", password: "short", displayName: "" }),
    (err: unknown) => err instanceof ConnectError && err.code === Code.InvalidArgument,
  );
});
