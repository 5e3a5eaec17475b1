import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { WorkspaceService } from "@glidepath/contracts/core/v1";
import type { RunningService } from "@glidepath/runtime";
import {
  clientFor,
  createTestDatabase,
  createTestIssuer,
  type Protocol,
  type SpawnedService,
  serviceEnv,
  spawnService,
  type TestIssuer,
  testServiceKeys,
} from "@glidepath/testkit";
import { inject } from "vitest";
import { readAiConfig } from "../src/config.js";
import { startAi } from "../src/main.js";

export interface AiHarness {
  /** The ai service, in this process (real sockets, port 0). */
  ai: RunningService;
  /** core, as its own process (its code is never imported here), on the same database. */
  core: SpawnedService;
  issuer: TestIssuer;
  databaseUrl: string;
  /** A client of an ai service as `user` over `protocol` (default gRPC). */
  client<T extends DescService>(service: T, user: string, protocol?: Protocol): Promise<Client<T>>;
  /** A client of a core service as `user`, to arrange and check data. */
  coreClient<T extends DescService>(service: T, user: string): Promise<Client<T>>;
  /** Creates a workspace owned by `owner`; returns its id. */
  workspace(owner: string, displayName?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A real ai service in this process and a real core process, both on a fresh PostgreSQL
 * database of this suite (schemas `ai` and `core`), trusting one test issuer.
 */
export async function startAiHarness(extraEnv: NodeJS.ProcessEnv = {}): Promise<AiHarness> {
  const database = await createTestDatabase(inject("postgresAdminUrl"));
  const issuer = await createTestIssuer();
  let core: SpawnedService | undefined;
  try {
    core = await spawnService({
      name: "core",
      entry: "services/core/src/server.ts",
      env: serviceEnv(database.url, issuer, {
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
        SERVICE_SIGNING_KEY: testServiceKeys().signingKeyPem("core"),
      }),
    });
    const ai = await startAi(
      readAiConfig(
        serviceEnv(database.url, issuer, {
          CORE_GRPC_URL: core.grpcUrl,
          // ai's own identity: core records what ai writes as AI, on the caller's behalf.
          SERVICE_SIGNING_KEY: testServiceKeys().signingKeyPem("ai"),
          ...extraEnv,
        }),
      ),
    );
    const coreUrls = { grpcUrl: core.grpcUrl, httpUrl: core.httpUrl };
    const spawned = core;
    const harness: AiHarness = {
      ai,
      core: spawned,
      issuer,
      databaseUrl: database.url,
      async client(desc, user, protocol = "grpc") {
        return clientFor(desc, ai, await issuer.mint(user), protocol);
      },
      async coreClient(desc, user) {
        return clientFor(desc, coreUrls, await issuer.mint(user));
      },
      async workspace(owner, displayName = "Test workspace") {
        const client = await harness.coreClient(WorkspaceService, owner);
        const { workspace } = await client.createWorkspace({ workspace: { displayName } });
        return (workspace?.name ?? "").split("/")[1] as string;
      },
      async stop() {
        await ai.stop();
        await spawned.stop();
        await database.drop();
      },
    };
    return harness;
  } catch (e) {
    await core?.stop();
    await database.drop();
    throw e;
  }
}
