import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { WorkspaceService } from "@glidepath/contracts/core/v1";
import type { RunningService } from "@glidepath/runtime";
import {
  clientFor,
  createTestDatabase,
  createTestIssuer,
  type Protocol,
  serviceEnv,
  type TestIssuer,
  testServiceKeys,
} from "@glidepath/testkit";
import { inject } from "vitest";
import { readCoreConfig } from "../src/config.js";
import { startCore } from "../src/main.js";

export interface CoreHarness {
  service: RunningService;
  issuer: TestIssuer;
  databaseUrl: string;
  /** A client for `service` as `user` over `protocol` (default gRPC). */
  client<T extends DescService>(service: T, user: string, protocol?: Protocol): Promise<Client<T>>;
  /** Creates a workspace owned by `owner`; returns its id. */
  workspace(owner: string, displayName?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A real core process-in-this-process: real PostgreSQL database, real sockets, port 0.
 * `options.issuer` replaces the test issuer (e.g. one whose private key a test holds).
 */
export async function startCoreHarness(
  extraEnv: NodeJS.ProcessEnv = {},
  options: { issuer?: TestIssuer } = {},
): Promise<CoreHarness> {
  const database = await createTestDatabase(inject("postgresAdminUrl"));
  const issuer = options.issuer ?? (await createTestIssuer());
  const service = await startCore(
    readCoreConfig(
      serviceEnv(database.url, issuer, {
        SERVICE_SIGNING_KEY: testServiceKeys().signingKeyPem("core"),
        ...extraEnv,
      }),
    ),
  );
  const harness: CoreHarness = {
    service,
    issuer,
    databaseUrl: database.url,
    async client(desc, user, protocol = "grpc") {
      return clientFor(desc, service, await issuer.mint(user), protocol);
    },
    async workspace(owner, displayName = "Test workspace") {
      const client = await harness.client(WorkspaceService, owner);
      const { workspace } = await client.createWorkspace({ workspace: { displayName } });
      return (workspace?.name ?? "").split("/")[1] as string;
    },
    async stop() {
      await service.stop();
      await database.drop();
    },
  };
  return harness;
}
