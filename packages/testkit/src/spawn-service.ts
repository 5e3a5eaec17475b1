import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "@glidepath/contracts/grpc";
import { freePort } from "./ports.js";

/** The repository root: entry files are given relative to it. */
const root = fileURLToPath(new URL("../../..", import.meta.url));

export interface SpawnedService {
  name: string;
  pid: number;
  /** `http(s)://127.0.0.1:port` of the gRPC (grpc-js) listener (https with `tls`). */
  grpcUrl: string;
  /** `http(s)://127.0.0.1:port` of the Connect / gRPC-web listener. */
  httpUrl: string;
  metricsUrl: string;
  /** The last lines the process wrote (for a failing test's message). */
  output(): string;
  /** SIGTERM, then SIGKILL if it hasn't exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** For messages: `core`. */
  name: string;
  /** The entry file, relative to the repository root: `services/core/src/server.ts`. */
  entry: string;
  /** The service's environment (ports are chosen here and added). */
  env: NodeJS.ProcessEnv;
  /** How long to wait for SERVING (default 60 s). */
  startTimeoutMs?: number;
  /**
   * The service serves TLS (its env has TLS_CERT/TLS_KEY): URLs are https://, and the health
   * check trusts `ca` and presents `cert`/`key` (when the service requires client certificates).
   */
  tls?: { ca: string; cert?: string; key?: string };
}

/**
 * Runs a service as its own process (`node --import tsx <entry>`) on free loopback ports and
 * waits until it reports SERVING on grpc.health.v1: a real process for tests of another service
 * that calls it, without importing its code.
 */
export async function spawnService(options: SpawnOptions): Promise<SpawnedService> {
  const [grpcPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const lines: string[] = [];
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", options.entry], {
    cwd: root,
    env: {
      ...process.env,
      ...options.env,
      HOST: "127.0.0.1",
      GRPC_PORT: String(grpcPort),
      HTTP_PORT: String(httpPort),
      METRICS_PORT: String(metricsPort),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));

  const scheme = options.tls ? "https" : "http";
  const grpcUrl = `${scheme}://127.0.0.1:${grpcPort}`;
  const service: SpawnedService = {
    name: options.name,
    pid: child.pid ?? 0,
    grpcUrl,
    httpUrl: `${scheme}://127.0.0.1:${httpPort}`,
    metricsUrl: `${scheme}://127.0.0.1:${metricsPort}/metrics`,
    output: () => lines.slice(-40).join("\n"),
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const health = createClient(
    Health,
    createGrpcTransport({
      baseUrl: grpcUrl,
      ...(options.tls ? { nodeOptions: options.tls } : {}),
    }),
  );
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${options.name} exited with code ${child.exitCode}:\n${service.output()}`);
    }
    const status = await health
      .check({ service: "" }, { timeoutMs: 1_000 })
      .then((r) => r.status)
      .catch(() => undefined);
    if (status === HealthCheckResponse_ServingStatus.SERVING) return service;
    if (Date.now() > deadline) {
      await service.stop(1_000);
      throw new Error(`${options.name} did not become healthy:\n${service.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
