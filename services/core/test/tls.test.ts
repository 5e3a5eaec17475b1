// TLS in transit (issue 3, RELIABILITY.md promise 10): with a certificate configured, every
// listener of core (gRPC, HTTP, metrics) serves TLS only — plaintext connections of every kind
// are refused — clients verify the server, and with TLS_CLIENT_CA the gRPC and HTTP ports require
// a client certificate from that CA (mutual TLS). The certificates are throwaway ones made with
// openssl for this run.

import { execFile } from "node:child_process";
import { request as httpRequest } from "node:http";
import { createSecureServer, connect as http2Connect } from "node:http2";
import { request as httpsRequest } from "node:https";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { fileURLToPath } from "node:url";
import {
  create,
  type DescMessage,
  fromBinary,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { type Client, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import {
  ListWorkspacesRequestSchema,
  ListWorkspacesResponseSchema,
  WorkspaceService,
} from "@glidepath/contracts/core/v1";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from "@glidepath/contracts/grpc";
import {
  type ClientTls,
  ConfigError,
  clientTlsFrom,
  createServiceClient,
} from "@glidepath/runtime";
import {
  createTestCertificates,
  createTestIssuer,
  serviceEnv,
  type TestCertificates,
} from "@glidepath/testkit";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCoreConfig } from "../src/config.js";
import { startCore } from "../src/main.js";
import { type CoreHarness, startCoreHarness } from "./harness.js";

type Outcome = "accepted" | "refused";
const ATTEMPT_MS = 4_000;

const hostPort = (url: string) => new URL(url).host;
const portOf = (url: string) => Number(new URL(url).port);

/** Anything thrown or a timeout is "refused"; a server's answer of any kind is "accepted". */
async function outcome(attempt: () => Promise<Outcome>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      attempt(),
      new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => resolve("refused"), ATTEMPT_MS);
      }),
    ]);
  } catch {
    return "refused";
  } finally {
    clearTimeout(timer);
  }
}

// ---- plaintext probes: each reports "accepted" as soon as any server answer arrives ----------

/** HTTP/1.1 POST (what curl and Connect JSON send). */
const plainHttp1 = (port: number, path = "/grpc.health.v1.Health/Check") =>
  outcome(
    () =>
      new Promise((resolve) => {
        const req = httpRequest(
          {
            host: "127.0.0.1",
            port,
            path,
            method: "POST",
            headers: { "content-type": "application/json" },
          },
          (res) => {
            res.resume();
            resolve("accepted");
          },
        );
        req.on("error", () => resolve("refused"));
        req.end("{}");
      }),
  );

/** HTTP/2 with prior knowledge (h2c): what a plaintext gRPC client sends. */
const plainH2c = (port: number) =>
  outcome(
    () =>
      new Promise((resolve) => {
        const session = http2Connect(`http://127.0.0.1:${port}`);
        session.on("error", () => resolve("refused"));
        session.on("close", () => resolve("refused"));
        const stream = session.request({
          ":method": "POST",
          ":path": "/grpc.health.v1.Health/Check",
          "content-type": "application/grpc",
          te: "trailers",
        });
        stream.on("response", () => {
          resolve("accepted");
          session.destroy();
        });
        stream.on("error", () => resolve("refused"));
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      }),
  );

/**
 * A raw TCP connection writing an HTTP request: did the server speak plaintext back (HTTP, or an
 * HTTP/2 frame)? A TLS listener answers with nothing or a TLS alert record (0x15 0x03 …).
 */
const plainRawTcp = (port: number) =>
  outcome(
    () =>
      new Promise((resolve) => {
        const socket = netConnect(port, "127.0.0.1");
        let received = Buffer.alloc(0);
        socket.on("data", (chunk) => {
          received = Buffer.concat([received, chunk]);
        });
        socket.on("error", () => {});
        socket.on("close", () => {
          const tlsRecord = received.length >= 2 && received[0] === 0x15 && received[1] === 0x03;
          resolve(received.length > 0 && !tlsRecord ? "accepted" : "refused");
        });
        socket.write("GET /metrics HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n");
        socket.setTimeout(1_500, () => socket.destroy());
      }),
  );

/** A stock grpc-js client. UNAVAILABLE (no connection) is a refusal; any other answer isn't. */
function grpcJsHealth(target: string, credentials: grpc.ChannelCredentials): Promise<Outcome> {
  return outcome(
    () =>
      new Promise((resolve) => {
        const client = new grpc.Client(target, credentials);
        client.makeUnaryRequest(
          "/grpc.health.v1.Health/Check",
          (m: MessageShape<typeof HealthCheckRequestSchema>) =>
            Buffer.from(toBinary(HealthCheckRequestSchema, m)),
          (b: Buffer) => fromBinary(HealthCheckResponseSchema, b),
          create(HealthCheckRequestSchema, {}),
          new grpc.Metadata(),
          { deadline: Date.now() + ATTEMPT_MS - 500 },
          (error, response) => {
            client.close();
            if (!error && response?.status === HealthCheckResponse_ServingStatus.SERVING) {
              resolve("accepted");
            } else resolve(error?.code === grpc.status.UNAVAILABLE ? "refused" : "accepted");
          },
        );
      }),
  );
}

/** A Connect client: a SERVING answer is "accepted", a transport failure "refused". */
const connectHealth = (transport: Transport) =>
  outcome(async () => {
    const { status } = await createClient(Health, transport).check(
      {},
      { timeoutMs: ATTEMPT_MS - 500 },
    );
    return status === HealthCheckResponse_ServingStatus.SERVING ? "accepted" : "refused";
  });

/**
 * Every kind of plaintext connection against the three listeners (each one that a plaintext
 * core answers: the control below shows it), and which got an answer.
 */
async function plaintextAttempts(urls: { grpcUrl: string; httpUrl: string; metricsPort: number }) {
  const grpcPort = portOf(urls.grpcUrl);
  const httpPort = portOf(urls.httpUrl);
  const plainGrpc = `http://127.0.0.1:${grpcPort}`;
  const plainHttp = `http://127.0.0.1:${httpPort}`;
  const attempts: Record<string, Promise<Outcome>> = {
    "grpc port: h2c": plainH2c(grpcPort),
    "grpc port: raw TCP": plainRawTcp(grpcPort),
    "grpc port: grpc-js insecure": grpcJsHealth(
      `127.0.0.1:${grpcPort}`,
      grpc.credentials.createInsecure(),
    ),
    "grpc port: connect-node gRPC": connectHealth(createGrpcTransport({ baseUrl: plainGrpc })),
    "http port: h2c": plainH2c(httpPort),
    "http port: HTTP/1.1": plainHttp1(httpPort),
    "http port: raw TCP": plainRawTcp(httpPort),
    "http port: Connect HTTP/1.1": connectHealth(
      createConnectTransport({ baseUrl: plainHttp, httpVersion: "1.1" }),
    ),
    "http port: Connect h2c": connectHealth(
      createConnectTransport({ baseUrl: plainHttp, httpVersion: "2" }),
    ),
    "http port: gRPC-web": connectHealth(
      createGrpcWebTransport({ baseUrl: plainHttp, httpVersion: "1.1" }),
    ),
    "http port: gRPC h2c": connectHealth(createGrpcTransport({ baseUrl: plainHttp })),
    "metrics port: HTTP/1.1": plainHttp1(urls.metricsPort, "/metrics"),
    "metrics port: raw TCP": plainRawTcp(urls.metricsPort),
  };
  const results = Object.fromEntries(
    await Promise.all(Object.entries(attempts).map(async ([k, v]) => [k, await v] as const)),
  );
  const accepted = Object.entries(results)
    .filter(([, v]) => v === "accepted")
    .map(([k]) => k);
  const refused = Object.keys(results).filter((k) => !accepted.includes(k));
  return { tried: Object.keys(results).length, accepted, refused };
}

// ---- TLS clients ---------------------------------------------------------------------------

type NodeTls = { ca?: string; cert?: string; key?: string };

const transports = (urls: { grpcUrl: string; httpUrl: string }, tls: NodeTls) => ({
  "gRPC (grpc-js port)": createGrpcTransport({ baseUrl: urls.grpcUrl, nodeOptions: tls }),
  "gRPC (http port, h2)": createGrpcTransport({ baseUrl: urls.httpUrl, nodeOptions: tls }),
  "Connect HTTP/1.1": createConnectTransport({
    baseUrl: urls.httpUrl,
    httpVersion: "1.1",
    nodeOptions: tls,
  }),
  "Connect h2": createConnectTransport({
    baseUrl: urls.httpUrl,
    httpVersion: "2",
    nodeOptions: tls,
  }),
  "gRPC-web HTTP/1.1": createGrpcWebTransport({
    baseUrl: urls.httpUrl,
    httpVersion: "1.1",
    nodeOptions: tls,
  }),
});

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** ListWorkspaces through a stock grpc-js client over TLS. */
function grpcJsListWorkspaces(target: string, credentials: grpc.ChannelCredentials, token: string) {
  return new Promise<MessageShape<typeof ListWorkspacesResponseSchema>>((resolve, reject) => {
    const client = new grpc.Client(target, credentials);
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    const codec = <T extends DescMessage>(schema: T) => ({
      serialize: (m: MessageShape<T>) => Buffer.from(toBinary(schema, m)),
      deserialize: (b: Buffer) => fromBinary(schema, b),
    });
    const req = codec(ListWorkspacesRequestSchema);
    const res = codec(ListWorkspacesResponseSchema);
    client.makeUnaryRequest(
      "/glidepath.core.v1.WorkspaceService/ListWorkspaces",
      req.serialize,
      res.deserialize,
      create(ListWorkspacesRequestSchema, { pageSize: 10 }),
      metadata,
      { deadline: Date.now() + 5_000 },
      (error, response) => {
        client.close();
        if (error || !response) reject(error);
        else resolve(response);
      },
    );
  });
}

function httpsGet(url: string, tls: NodeTls) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpsRequest(url, { ...tls, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function alpn(port: number, ca: string, protocols: string[]) {
  return new Promise<string | false>((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, ca, ALPNProtocols: protocols }, () => {
      resolve(socket.alpnProtocol ?? false);
      socket.end();
    });
    socket.on("error", reject);
  });
}

let certs: TestCertificates;
beforeAll(() => {
  certs = createTestCertificates();
});
afterAll(() => certs?.remove());

describe("the plaintext probes, against a plaintext core (control)", () => {
  it("get through, so their refusals below mean something", async () => {
    const core = await startCoreHarness();
    try {
      const { tried, accepted, refused } = await plaintextAttempts({
        ...core.service,
        metricsPort: core.service.metricsPort,
      });
      console.log(
        `tls control: ${accepted.length} of ${tried} plaintext probes answered by a plaintext core`,
      );
      expect(refused).toEqual([]);
    } finally {
      await core.stop();
    }
  });
});

describe("TLS on every listener (server-authenticated)", () => {
  let core: CoreHarness;
  let token: string;
  let metricsPort: number;

  beforeAll(async () => {
    core = await startCoreHarness({
      TLS_CERT: certs.server.cert,
      TLS_KEY: certs.server.key,
    });
    token = await core.issuer.mint("tls-user");
    metricsPort = core.service.metricsPort;
  });
  afterAll(async () => {
    await core?.stop();
  });

  it("serves gRPC, Connect (HTTP/1.1 and h2), gRPC-web and metrics to clients that trust the CA", async () => {
    expect(core.service.grpcUrl).toMatch(/^https:/);
    const tls = { ca: certs.ca };
    let calls = 0;
    for (const [name, transport] of Object.entries(transports(core.service, tls))) {
      const health = await createClient(Health, transport).check({});
      expect(health.status, name).toBe(HealthCheckResponse_ServingStatus.SERVING);
      const workspaces = createClient(WorkspaceService, transport);
      const { workspace } = await workspaces.createWorkspace(
        { workspace: { displayName: `over ${name}` } },
        bearer(token),
      );
      expect(workspace?.name, name).toMatch(/^workspaces\//);
      calls += 2;
    }
    // A stock grpc-js client with TLS credentials.
    expect(
      await grpcJsHealth(
        hostPort(core.service.grpcUrl),
        grpc.credentials.createSsl(Buffer.from(certs.ca)),
      ),
    ).toBe("accepted");
    const listed = await grpcJsListWorkspaces(
      hostPort(core.service.grpcUrl),
      grpc.credentials.createSsl(Buffer.from(certs.ca)),
      token,
    );
    expect(listed.workspaces).toHaveLength(5);
    calls += 2;
    // The runtime's own service client (what ai uses to call core).
    const viaRuntime = createServiceClient(Health, {
      baseUrl: core.service.grpcUrl,
      tls: clientTlsFrom({ TLS_CA: certs.ca }),
    });
    expect((await viaRuntime.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    calls += 1;
    // Metrics over https.
    const metrics = await httpsGet(`https://127.0.0.1:${metricsPort}/metrics`, tls);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain("glidepath_rpc_server_requests_total");
    calls += 1;
    // One port, both HTTP versions, picked by ALPN.
    const httpPort = portOf(core.service.httpUrl);
    expect(await alpn(httpPort, certs.ca, ["h2", "http/1.1"])).toBe("h2");
    expect(await alpn(httpPort, certs.ca, ["http/1.1"])).toBe("http/1.1");
    console.log(
      `tls: ${calls} calls over TLS (gRPC ×2 ports, Connect h1/h2, gRPC-web, grpc-js, runtime client, metrics) succeeded`,
    );
  });

  it("refuses plaintext connections on every listener", async () => {
    const { tried, accepted } = await plaintextAttempts({ ...core.service, metricsPort });
    console.log(`tls: tried ${tried} plaintext connections, accepted ${accepted.length}`);
    expect(accepted).toEqual([]);
    expect(tried).toBe(13);
    // The service is still healthy after all that.
    const health = await createClient(
      Health,
      createGrpcTransport({ baseUrl: core.service.grpcUrl, nodeOptions: { ca: certs.ca } }),
    ).check({});
    expect(health.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });

  it("is refused by clients that don't trust its CA, and clients check the host name", async () => {
    const attempts: Record<string, Promise<Outcome>> = {};
    for (const [label, tls] of [
      ["system CAs", {}],
      ["another CA", { ca: certs.otherCa }],
    ] as const) {
      for (const [name, transport] of Object.entries(transports(core.service, tls))) {
        attempts[`${name} trusting ${label}`] = connectHealth(transport);
      }
      attempts[`runtime client trusting ${label}`] = connectHealth(
        createGrpcTransport({ baseUrl: core.service.grpcUrl, nodeOptions: tls }),
      );
      attempts[`metrics trusting ${label}`] = outcome(async () =>
        (await httpsGet(`https://127.0.0.1:${metricsPort}/metrics`, tls)).status
          ? "accepted"
          : "refused",
      );
    }
    attempts["grpc-js trusting another CA"] = grpcJsHealth(
      hostPort(core.service.grpcUrl),
      grpc.credentials.createSsl(Buffer.from(certs.otherCa)),
    );
    attempts["grpc-js trusting system CAs"] = grpcJsHealth(
      hostPort(core.service.grpcUrl),
      grpc.credentials.createSsl(),
    );

    // A server whose certificate (from the trusted CA) names another host: the runtime client
    // refuses it (host name verification is on).
    const impostor = createSecureServer(
      { cert: certs.wrongName.cert, key: certs.wrongName.key },
      (_req, res) => {
        res.end();
      },
    );
    await new Promise<void>((resolve) => impostor.listen(0, "127.0.0.1", resolve));
    const impostorPort = (impostor.address() as { port: number }).port;
    const impostorClient = createServiceClient(Health, {
      baseUrl: `https://127.0.0.1:${impostorPort}`,
      tls: { ca: certs.ca },
    });
    const impostorError = await impostorClient.check({}).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    impostor.close();
    expect(impostorError?.message).toMatch(/altnames|does not match/i);

    const results = await Promise.all(Object.values(attempts));
    const connected = Object.keys(attempts).filter((_, i) => results[i] === "accepted");
    const tried = results.length + 1;
    console.log(
      `tls: ${tried} clients that don't trust the server (wrong CA, system CAs, wrong host name), connected ${connected.length}`,
    );
    expect(connected).toEqual([]);
  });
});

describe("mutual TLS (TLS_CLIENT_CA)", () => {
  let core: CoreHarness;
  let token: string;

  beforeAll(async () => {
    core = await startCoreHarness({
      TLS_CERT: certs.server.cert,
      TLS_KEY: certs.server.key,
      TLS_CLIENT_CA: certs.ca,
    });
    token = await core.issuer.mint("mtls-user");
  });
  afterAll(async () => {
    await core?.stop();
  });

  it("serves clients with a certificate from the client CA, on every protocol", async () => {
    // ai's configuration: trust the CA, present its own certificate.
    const ai: ClientTls | undefined = clientTlsFrom({
      TLS_CA: certs.ca,
      TLS_CERT: certs.client.cert,
      TLS_KEY: certs.client.key,
    });
    expect(ai?.cert).toBeDefined();
    let calls = 0;
    for (const [name, transport] of Object.entries(transports(core.service, ai as NodeTls))) {
      const { status } = await createClient(Health, transport).check({});
      expect(status, name).toBe(HealthCheckResponse_ServingStatus.SERVING);
      const { workspace } = await createClient(WorkspaceService, transport).createWorkspace(
        { workspace: { displayName: `mTLS ${name}` } },
        bearer(token),
      );
      expect(workspace?.name, name).toMatch(/^workspaces\//);
      calls += 2;
    }
    const credentials = grpc.credentials.createSsl(
      Buffer.from(certs.ca),
      Buffer.from(certs.client.key),
      Buffer.from(certs.client.cert),
    );
    expect(
      (await grpcJsListWorkspaces(hostPort(core.service.grpcUrl), credentials, token)).workspaces,
    ).toHaveLength(5);
    const runtimeClient: Client<typeof Health> = createServiceClient(Health, {
      baseUrl: core.service.grpcUrl,
      tls: ai,
    });
    expect((await runtimeClient.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    calls += 2;
    console.log(`mtls: ${calls} calls with a client certificate succeeded`);
  });

  it("refuses clients without a certificate, or with one from another CA, and plaintext", async () => {
    const attempts: Record<string, Promise<Outcome>> = {};
    for (const [label, tls] of [
      ["no client certificate", { ca: certs.ca }],
      [
        "a certificate from another CA",
        { ca: certs.ca, cert: certs.rogueClient.cert, key: certs.rogueClient.key },
      ],
    ] as const) {
      for (const [name, transport] of Object.entries(transports(core.service, tls))) {
        attempts[`${name}, ${label}`] = connectHealth(transport);
      }
      attempts[`HTTPS GET on the http port, ${label}`] = outcome(async () =>
        (await httpsGet(`${core.service.httpUrl}/grpc.health.v1.Health/Check`, tls)).status
          ? "accepted"
          : "refused",
      );
    }
    attempts["grpc-js, no client certificate"] = grpcJsHealth(
      hostPort(core.service.grpcUrl),
      grpc.credentials.createSsl(Buffer.from(certs.ca)),
    );
    attempts["grpc-js, a certificate from another CA"] = grpcJsHealth(
      hostPort(core.service.grpcUrl),
      grpc.credentials.createSsl(
        Buffer.from(certs.ca),
        Buffer.from(certs.rogueClient.key),
        Buffer.from(certs.rogueClient.cert),
      ),
    );
    const results = await Promise.all(Object.values(attempts));
    const through = Object.keys(attempts).filter((_, i) => results[i] === "accepted");
    console.log(
      `mtls: tried ${results.length} connections without a trusted client certificate, accepted ${through.length}`,
    );
    expect(through).toEqual([]);

    const plain = await plaintextAttempts({
      ...core.service,
      metricsPort: core.service.metricsPort,
    });
    console.log(
      `mtls: tried ${plain.tried} plaintext connections, accepted ${plain.accepted.length}`,
    );
    expect(plain.accepted).toEqual([]);

    // The image's health check (deploy/healthcheck.mjs) speaks TLS with the service's settings.
    const healthcheck = (env: NodeJS.ProcessEnv) =>
      new Promise<number>((resolve) => {
        execFile(
          process.execPath,
          [fileURLToPath(new URL("../../../deploy/healthcheck.mjs", import.meta.url))],
          {
            env: {
              PATH: process.env.PATH,
              HTTP_PORT: String(portOf(core.service.httpUrl)),
              ...env,
            },
          },
          (error) => resolve(error ? Number(error.code ?? 1) : 0),
        );
      });
    const withFiles = {
      TLS_CERT_FILE: certs.server.certFile,
      TLS_KEY_FILE: certs.server.keyFile,
      TLS_CLIENT_CA_FILE: certs.caFile,
    };
    expect(await healthcheck(withFiles)).toBe(0);
    expect(await healthcheck({})).toBe(1); // plaintext: refused
    expect(await healthcheck({ ...withFiles, TLS_CLIENT_CA_FILE: certs.otherCaFile })).toBe(1);

    // The metrics port asks no client certificate (scrapers are not services), only TLS.
    const metrics = await httpsGet(`https://127.0.0.1:${core.service.metricsPort}/metrics`, {
      ca: certs.ca,
    });
    expect(metrics.status).toBe(200);
  });
});

describe("TLS configuration", () => {
  it("refuses half or broken TLS settings at start, naming the variable and never the value", async () => {
    // A complete configuration but for TLS (the database is never reached: TLS is checked first).
    const base = serviceEnv("postgres://nobody@127.0.0.1:1/none", await createTestIssuer());
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{ TLS_CERT: certs.server.cert }, /^TLS_KEY: required/],
      [{ TLS_KEY: certs.server.key }, /^TLS_CERT: required/],
      [{ TLS_CLIENT_CA: certs.ca }, /^TLS_CLIENT_CA: /],
      [{ TLS_CERT: "not a certificate", TLS_KEY: certs.server.key }, /^TLS_CERT: must be PEM/],
      [
        { TLS_CERT: certs.server.cert, TLS_KEY: certs.client.key },
        /^TLS_KEY: is not the private key/,
      ],
      [
        { TLS_CERT: certs.server.cert, TLS_KEY: certs.server.key, TLS_CLIENT_CA: "junk" },
        /^TLS_CLIENT_CA: must be PEM/,
      ],
    ];
    for (const [env, message] of cases) {
      const error = await Promise.resolve()
        .then(() => startCore(readCoreConfig({ ...base, ...env })))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain("BEGIN");
    }
    expect(() => clientTlsFrom({ TLS_CA: "junk" })).toThrow(/^TLS_CA: must be PEM/);
    console.log(
      `tls: ${cases.length + 1} broken TLS configurations refused at start, naming the variable`,
    );
  });
});
