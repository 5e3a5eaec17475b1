// Promise 8 (rate limits): per principal and method class, token buckets shared by the replicas
// of a service through PostgreSQL, answering RESOURCE_EXHAUSTED with RetryInfo (HTTP 429 with
// Retry-After on the Connect protocol). The load test: tenant A floods at 10× its limit across
// two replicas while tenant B, at a normal rate on the same replicas, never fails.

import { durationMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { TaskService, WorkspaceService } from "@glidepath/contracts/core/v1";
import { ErrorInfoSchema, RetryInfoSchema } from "@glidepath/contracts/google";
import { Health } from "@glidepath/contracts/grpc";
import {
  createPostgresBucketStore,
  createSql,
  openDatabase,
  type RunningService,
} from "@glidepath/runtime";
import { clientFor, serviceEnv, testServiceKeys } from "@glidepath/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCoreConfig } from "../src/config.js";
import { startCore } from "../src/main.js";
import { type CoreHarness, startCoreHarness } from "./harness.js";

const READS_PER_SECOND = 20;
const limits = {
  RATE_LIMIT_READS: `${READS_PER_SECOND}/1`,
  RATE_LIMIT_WRITES: "10/1",
  RATE_LIMIT_EXPENSIVE: "2/1",
};

type Outcome = { ok: true } | { ok: false; error: ConnectError };

const outcome = (p: Promise<unknown>): Promise<Outcome> =>
  p.then(
    () => ({ ok: true }) as const,
    (e) => ({ ok: false, error: ConnectError.from(e) }) as const,
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A RESOURCE_EXHAUSTED as promised: ErrorInfo RATE_LIMITED and a RetryInfo in (0, 1 s]. */
function isRateLimited(error: ConnectError): boolean {
  const info = error.findDetails(ErrorInfoSchema);
  const retry = error.findDetails(RetryInfoSchema);
  const delay = retry[0]?.retryDelay ? durationMs(retry[0].retryDelay) : 0;
  return (
    error.code === Code.ResourceExhausted &&
    info.length === 1 &&
    info[0]?.reason === "RATE_LIMITED" &&
    info[0]?.domain === "core.glidepath" &&
    retry.length === 1 &&
    delay > 0 &&
    delay <= 1000
  );
}

describe("rate limits", () => {
  let core: CoreHarness;
  let replica: RunningService;
  let wsA: string;
  let wsB: string;

  beforeAll(async () => {
    core = await startCoreHarness(limits);
    // A second replica of core on the same database: the same buckets.
    replica = await startCore(
      readCoreConfig(
        serviceEnv(core.databaseUrl, core.issuer, {
          SERVICE_SIGNING_KEY: testServiceKeys().signingKeyPem("core"),
          ...limits,
        }),
      ),
    );
    wsA = await core.workspace("tenant-a");
    wsB = await core.workspace("tenant-b");
  });
  afterAll(async () => {
    await replica?.stop();
    await core?.stop();
  });

  it("holds tenant A to its limit across two replicas while tenant B's calls all succeed", async () => {
    const [tokenA, tokenB] = [
      await core.issuer.mint("tenant-a"),
      await core.issuer.mint("tenant-b"),
    ];
    const replicas = [core.service, replica];
    const aClients = replicas.map((r) => clientFor(WorkspaceService, r, tokenA));
    const bReads = replicas.map((r) => clientFor(WorkspaceService, r, tokenB));
    const bWrites = replicas.map((r) => clientFor(TaskService, r, tokenB));
    // Let any tokens spent while arranging the workspaces come back.
    await sleep(1100);

    const seconds = 3;
    const floodRate = READS_PER_SECOND * 10; // 10× the limit
    const aCalls: Promise<Outcome & { replica: number }>[] = [];
    const bCalls: Promise<Outcome>[] = [];
    const started = Date.now();
    // Paced by the clock: by time t, A has sent floodRate × t calls (alternating replicas,
    // without waiting for answers); B has sent a read every 200 ms (5/s, on alternate replicas)
    // and a write every 500 ms (2/s): well under its limits (20/s, 10/s).
    let bReadsSent = 0;
    let bWritesSent = 0;
    for (let t = 0; t < seconds; t = (Date.now() - started) / 1000) {
      while (aCalls.length < floodRate * t) {
        const r = aCalls.length % 2;
        aCalls.push(
          outcome(
            aClients[r]?.getWorkspace({ name: `workspaces/${wsA}` }) as Promise<unknown>,
          ).then((o) => ({ ...o, replica: r })),
        );
      }
      while (bReadsSent <= t * 5) {
        const r = bReadsSent++ % 2;
        bCalls.push(
          outcome(bReads[r]?.getWorkspace({ name: `workspaces/${wsB}` }) as Promise<unknown>),
        );
      }
      while (bWritesSent <= t * 2) {
        const r = bWritesSent++ % 2;
        bCalls.push(
          outcome(
            bWrites[r]?.createTask({
              parent: `workspaces/${wsB}`,
              task: { title: `steady ${bWritesSent}` },
            }) as Promise<unknown>,
          ),
        );
      }
      await sleep(5);
    }
    const elapsed = (Date.now() - started) / 1000;
    const a = await Promise.all(aCalls);
    const b = await Promise.all(bCalls);

    const aAllowed = a.filter((o) => o.ok);
    const aLimited = a.filter((o) => !o.ok && isRateLimited(o.error));
    const aOther = a.filter((o) => !o.ok && !isRateLimited(o.error));
    const bFailed = b.filter((o) => !o.ok);
    const perReplica = [0, 1].map((r) => ({
      allowed: aAllowed.filter((o) => o.replica === r).length,
      limited: aLimited.filter((o) => o.replica === r).length,
    }));
    console.log(
      `rate limit: tenant A sent ${a.length}, limited ${aLimited.length} (RESOURCE_EXHAUSTED with RetryInfo), tenant B sent ${b.length}, failed ${bFailed.length}`,
    );
    console.log(
      `rate limit: A's limit ${READS_PER_SECOND}/s (burst ${READS_PER_SECOND}), A sent ${(a.length / elapsed).toFixed(0)}/s for ${elapsed.toFixed(2)} s; ` +
        `admitted ${aAllowed.length} (replica 1: ${perReplica[0]?.allowed}, replica 2: ${perReplica[1]?.allowed}), ` +
        `refused ${perReplica[0]?.limited} + ${perReplica[1]?.limited}; bound (burst + rate × time) ${Math.floor(READS_PER_SECOND * (1 + elapsed + 0.5))}`,
    );

    expect(bFailed.map((o) => (o.ok ? "" : o.error.message))).toEqual([]);
    expect(b.length).toBeGreaterThanOrEqual(seconds * 7);
    expect(aOther.map((o) => (o.ok ? "" : o.error.message))).toEqual([]);
    expect(a.length).toBeGreaterThanOrEqual(floodRate * seconds * 0.95);
    // Shared: both replicas together admit no more than one bucket allows (with half a second
    // of slack for the calls still in flight when the clock stopped) — two unshared buckets
    // would admit about twice as much.
    expect(aAllowed.length).toBeLessThanOrEqual(READS_PER_SECOND * (1 + elapsed + 0.5));
    expect(aAllowed.length).toBeGreaterThanOrEqual(READS_PER_SECOND * elapsed * 0.5);
    expect(perReplica.every((p) => p.limited > 0 && p.allowed > 0)).toBe(true);
  });

  it("answers HTTP 429 with Retry-After on the Connect protocol", async () => {
    const token = await core.issuer.mint("tenant-c");
    const call = () =>
      fetch(`${core.service.httpUrl}/glidepath.core.v1.WorkspaceService/ListWorkspaces`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      });
    const started = Date.now();
    const responses = await Promise.all(Array.from({ length: 40 }, call));
    const refilled = Math.ceil((READS_PER_SECOND * (Date.now() - started)) / 1000);
    const statuses = responses.map((r) => r.status);
    const refused = responses.filter((r) => r.status === 429);
    const body = (await refused[0]?.json()) as { code: string; details: { type: string }[] };
    for (const r of responses) await r.body?.cancel().catch(() => undefined);
    console.log(
      `rate limit: Connect, 40 concurrent ListWorkspaces from one user: ${statuses.filter((s) => s === 200).length} × 200, ${refused.length} × 429 (Retry-After: ${refused[0]?.headers.get("retry-after")})`,
    );
    // The burst, plus what the bucket refilled (20/s) while the 40 calls were being answered.
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThanOrEqual(READS_PER_SECOND - 2);
    expect(ok).toBeLessThanOrEqual(READS_PER_SECOND + refilled);
    expect(refused).toHaveLength(40 - ok);
    expect(refused[0]?.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(body.code).toBe("resource_exhausted");
    expect(body.details.map((d) => d.type).sort()).toEqual([
      "google.rpc.ErrorInfo",
      "google.rpc.RetryInfo",
    ]);
  });

  it("limits reads and writes apart, and never health checks", async () => {
    const token = await core.issuer.mint("tenant-d");
    const workspaces = clientFor(WorkspaceService, core.service, token);
    // Writes (10/1): the 11th CreateWorkspace in a burst is refused ...
    const writes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        outcome(workspaces.createWorkspace({ workspace: { displayName: `w${i}` } })),
      ),
    );
    const written = writes.filter((o) => o.ok).length;
    expect(written).toBeGreaterThanOrEqual(10);
    expect(written).toBeLessThanOrEqual(11);
    // ... while reads by the same user still pass.
    await expect(workspaces.listWorkspaces({})).resolves.toBeDefined();
    const health = clientFor(Health, core.service);
    const checks = await Promise.all(Array.from({ length: 100 }, () => outcome(health.check({}))));
    expect(checks.every((o) => o.ok)).toBe(true);
  });

  it("keeps the buckets in core.rate_limits, one row per principal and class", async () => {
    const client = new pg.Client({ connectionString: core.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(
        `select key, capacity, relpersistence from core.rate_limits, pg_class
         where pg_class.oid = 'core.rate_limits'::regclass order by key`,
      );
      const keys = rows.map((r) => r.key as string);
      expect(keys).toEqual(
        expect.arrayContaining(["read:tenant-a", "read:tenant-b", "write:tenant-b"]),
      );
      expect(rows.find((r) => r.key === "read:tenant-a")?.capacity).toBe(READS_PER_SECOND);
      expect(rows[0]?.relpersistence).toBe("u"); // unlogged
    } finally {
      await client.end();
    }
  });

  it("grants exactly a bucket's tokens to concurrent statements from two pools", async () => {
    // The store's SQL alone: two connection pools (as two replicas have), 60 concurrent takes of
    // one token from a 25-token bucket refilling at 1 a minute: exactly 25 granted.
    const orms = await Promise.all(
      [0, 1].map(() =>
        openDatabase({
          schema: "core",
          url: core.databaseUrl,
          entities: [],
          migrations: [],
          poolMax: 8,
          statementTimeoutMs: 10_000,
        }),
      ),
    );
    try {
      const stores = orms.map((orm) => createPostgresBucketStore(createSql(orm), "core"));
      const grants = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          stores[i % 2]?.take([
            { key: "read:sql-test", want: 1, capacity: 25, refillPerMs: 1 / 60_000 },
          ]),
        ),
      );
      const granted = grants.reduce((n, g) => n + (g?.get("read:sql-test")?.granted ?? 0), 0);
      expect(granted).toBe(25);
      // Many keys in one statement, in any order.
      const batch = await stores[0]?.take(
        ["k:3", "k:1", "k:2"].map((key) => ({ key, want: 5, capacity: 3, refillPerMs: 0.001 })),
      );
      expect([...(batch?.values() ?? [])].map((g) => g.granted)).toEqual([3, 3, 3]);
      // Full buckets are swept (the ones just taken from are not).
      await stores[0]?.take([{ key: "k:full", want: 0, capacity: 3, refillPerMs: 0.001 }]);
      expect(await stores[0]?.sweep()).toBeGreaterThanOrEqual(1);
    } finally {
      await Promise.all(orms.map((orm) => orm.close(true)));
    }
  });
});
