// ai → core over mutual TLS (issue 3, "In transit"): core (its own process) serves TLS only and
// requires client certificates from the mesh CA; ai verifies core against TLS_CA and presents its
// own certificate. Without a certificate, or trusting another CA, ai can't reach core; with
// TLS_CA set it refuses a plaintext CORE_GRPC_URL.

import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { QuickAddService } from "@glidepath/contracts/ai/v1";
import { TaskService, WorkspaceService } from "@glidepath/contracts/core/v1";
import { ConfigError, type RunningService } from "@glidepath/runtime";
import {
  createTestCertificates,
  createTestDatabase,
  createTestIssuer,
  type SpawnedService,
  serviceEnv,
  spawnService,
  type TestCertificates,
  type TestIssuer,
  testServiceKeys,
} from "@glidepath/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readAiConfig } from "../src/config.js";
import { startAi } from "../src/main.js";

const reference = { timeZone: "Europe/Berlin", referenceTime: "2026-11-27T09:00:00" };

describe("ai calls core over mutual TLS", () => {
  let certs: TestCertificates;
  let database: { url: string; drop(): Promise<void> };
  let issuer: TestIssuer;
  let core: SpawnedService;
  let ai: RunningService;
  const others: RunningService[] = [];

  const aiEnv = (extra: NodeJS.ProcessEnv) =>
    readAiConfig(
      serviceEnv(database.url, issuer, {
        SERVICE_SIGNING_KEY: testServiceKeys().signingKeyPem("ai"),
        ROLE_CACHE_TTL_MS: "0",
        ...extra,
      }),
    );

  beforeAll(async () => {
    certs = createTestCertificates();
    database = await createTestDatabase(inject("postgresAdminUrl"));
    issuer = await createTestIssuer();
    core = await spawnService({
      name: "core",
      entry: "services/core/src/server.ts",
      env: serviceEnv(database.url, issuer, {
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
        SERVICE_SIGNING_KEY: testServiceKeys().signingKeyPem("core"),
        TLS_CERT: certs.server.cert,
        TLS_KEY: certs.server.key,
        TLS_CLIENT_CA: certs.ca,
      }),
      tls: { ca: certs.ca, cert: certs.client.cert, key: certs.client.key },
    });
    ai = await startAi(
      aiEnv({
        CORE_GRPC_URL: core.grpcUrl,
        TLS_CA: certs.ca,
        TLS_CERT: certs.client.cert,
        TLS_KEY: certs.client.key,
        TLS_CLIENT_CA: certs.ca,
      }),
    );
  });
  afterAll(async () => {
    for (const s of others) await s.stop();
    await ai?.stop();
    await core?.stop();
    await database?.drop();
    certs?.remove();
  });

  const mtls = () => ({ ca: certs.ca, cert: certs.client.cert, key: certs.client.key });
  const bearer = async (user: string) => ({
    headers: { authorization: `Bearer ${await issuer.mint(user)}` },
  });

  it("parses and creates tasks in core, every hop over mTLS", async () => {
    expect(core.grpcUrl).toMatch(/^https:/);
    expect(ai.grpcUrl).toMatch(/^https:/);
    const coreTransport = createGrpcTransport({ baseUrl: core.grpcUrl, nodeOptions: mtls() });
    const { workspace } = await createClient(WorkspaceService, coreTransport).createWorkspace(
      { workspace: { displayName: "mTLS" } },
      await bearer("owner"),
    );
    const parent = workspace?.name ?? "";
    const quickAdd = createClient(
      QuickAddService,
      createGrpcTransport({ baseUrl: ai.grpcUrl, nodeOptions: mtls() }),
    );
    const parsed = await quickAdd.parseTask(
      { parent, text: "Pay rent every 1st p1", ...reference },
      await bearer("owner"),
    );
    expect(parsed.draft?.title).toBe("Pay rent");
    const created = await quickAdd.createTaskFromText(
      { parent, text: "Call the dentist tomorrow p2", ...reference },
      await bearer("owner"),
    );
    const { tasks } = await createClient(TaskService, coreTransport).listTasks(
      { parent },
      await bearer("owner"),
    );
    expect(tasks.map((t) => t.name)).toEqual([created.task?.name]);
    console.log(
      "tls ai→core: ParseTask and CreateTaskFromText over mTLS (caller→ai→core) succeeded",
    );
  });

  it("can't reach core without a client certificate or trusting another CA, nor over plaintext", async () => {
    const { workspace } = await createClient(
      WorkspaceService,
      createGrpcTransport({ baseUrl: core.grpcUrl, nodeOptions: mtls() }),
    ).createWorkspace({ workspace: { displayName: "refusals" } }, await bearer("owner"));
    const parent = workspace?.name ?? "";
    const variants: Record<string, NodeJS.ProcessEnv> = {
      "no client certificate": { CORE_GRPC_URL: core.grpcUrl, TLS_CA: certs.ca },
      "a client certificate from another CA": {
        CORE_GRPC_URL: core.grpcUrl,
        TLS_CA: certs.ca,
        TLS_CERT: certs.rogueClient.cert,
        TLS_KEY: certs.rogueClient.key,
      },
      "trusting another CA": {
        CORE_GRPC_URL: core.grpcUrl,
        TLS_CA: certs.otherCa,
        TLS_CERT: certs.client.cert,
        TLS_KEY: certs.client.key,
      },
      "trusting the system CAs": {
        CORE_GRPC_URL: core.grpcUrl,
        TLS_CERT: certs.client.cert,
        TLS_KEY: certs.client.key,
      },
      "plaintext to the TLS port": {
        CORE_GRPC_URL: core.grpcUrl.replace("https:", "http:"),
      },
    };
    let reached = 0;
    const codes: string[] = [];
    for (const [name, env] of Object.entries(variants)) {
      const variant = await startAi(aiEnv(env));
      others.push(variant);
      const tls = variant.grpcUrl.startsWith("https:") ? mtls() : undefined;
      const quickAdd = createClient(
        QuickAddService,
        createGrpcTransport({ baseUrl: variant.grpcUrl, ...(tls ? { nodeOptions: tls } : {}) }),
      );
      const error = await quickAdd
        .parseTask({ parent, text: "Pay rent", ...reference }, await bearer("owner"))
        .then(
          () => undefined,
          (e: unknown) => ConnectError.from(e),
        );
      // ai can't ask core for the caller's role, so the call fails (how depends on where the
      // connection broke: a refused certificate, an untrusted server, a dropped h2c stream).
      codes.push(`${name}: ${error ? Code[error.code] : "OK"}`);
      if (!error) reached++;
    }
    console.log(
      `tls ai→core: ${Object.keys(variants).length} ai configurations without a trusted identity or trust in core, reached core ${reached}`,
    );
    console.log(`tls ai→core: ${codes.join("; ")}`);
    expect(reached).toBe(0);

    // With TLS_CA set, a plaintext CORE_GRPC_URL is a configuration error, found at start.
    const refused = await Promise.resolve()
      .then(() =>
        startAi(
          aiEnv({ CORE_GRPC_URL: core.grpcUrl.replace("https:", "http:"), TLS_CA: certs.ca }),
        ),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toMatch(/^CORE_GRPC_URL: must be https/);
  });
});
