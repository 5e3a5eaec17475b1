import { describe, expect, it } from "vitest";
import { readConfig, runtimeConfigSchema } from "./config.js";
import {
  type BucketStore,
  createRateLimiter,
  type Decision,
  type Grant,
  leaseSize,
  parseRateLimit,
  type RateLimit,
  rateLimitMigrationSql,
  rateLimitSetting,
} from "./rate-limiter.js";

/** The PostgreSQL statement's semantics, in memory, on a clock the test moves. */
function memoryStore(clock: { t: number }) {
  const rows = new Map<string, { tokens: number; updated: number }>();
  let calls = 0;
  let failing = false;
  const store: BucketStore & { calls(): number; fail(on: boolean): void } = {
    async take(requests) {
      calls++;
      await Promise.resolve();
      if (failing) throw new Error("connection refused");
      const out = new Map<string, Grant>();
      for (const r of requests) {
        const row = rows.get(r.key);
        const avail = row
          ? Math.min(r.capacity, row.tokens + Math.max(0, clock.t - row.updated) * r.refillPerMs)
          : r.capacity;
        const granted = Math.min(r.want, Math.floor(avail));
        rows.set(r.key, { tokens: avail - granted, updated: clock.t });
        out.set(r.key, { granted, tokens: avail - granted, refillPerMs: r.refillPerMs });
      }
      return out;
    },
    async sweep() {
      return 0;
    },
    calls: () => calls,
    fail: (on) => {
      failing = on;
    },
  };
  return store;
}

const limits = (read: RateLimit): Record<"read" | "write" | "expensive", RateLimit> => ({
  read,
  write: { points: 20, seconds: 1 },
  expensive: { points: 2, seconds: 1 },
});

const settle = (d: Decision | Promise<Decision>) => Promise.resolve(d);

describe("rate limit settings", () => {
  it("parses <points>/<seconds> and refuses the rest", () => {
    expect(parseRateLimit("50/1")).toEqual({ points: 50, seconds: 1 });
    expect(parseRateLimit(" 5 / 0.5 ")).toEqual({ points: 5, seconds: 0.5 });
    for (const bad of ["", "50", "0/1", "5/0", "-1/1", "1/-1", "a/b", "1e3/1", "5/1/1"]) {
      expect(parseRateLimit(bad), bad).toBeUndefined();
    }
    expect(rateLimitSetting("2/1").parse(undefined)).toEqual({ points: 2, seconds: 1 });
    expect(rateLimitSetting("2/1").safeParse("nope").success).toBe(false);
  });

  it("are read from the environment with defaults, and a bad one is named", () => {
    const env = {
      DATABASE_URL: "postgres://x@127.0.0.1/db",
      AUTH_ISSUER: "https://issuer.test",
      AUTH_AUDIENCE: "glidepath",
    };
    const config = readConfig(runtimeConfigSchema, env);
    expect(config.RATE_LIMIT_ENABLED).toBe(true);
    expect([
      config.RATE_LIMIT_READS,
      config.RATE_LIMIT_WRITES,
      config.RATE_LIMIT_EXPENSIVE,
    ]).toEqual([
      { points: 50, seconds: 1 },
      { points: 20, seconds: 1 },
      { points: 2, seconds: 1 },
    ]);
    const off = readConfig(runtimeConfigSchema, { ...env, RATE_LIMIT_ENABLED: "false" });
    expect(off.RATE_LIMIT_ENABLED).toBe(false);
    expect(() => readConfig(runtimeConfigSchema, { ...env, RATE_LIMIT_WRITES: "fast" })).toThrow(
      /RATE_LIMIT_WRITES: must be "<points>\/<seconds>"/,
    );
  });

  it("leases a tenth of a bucket, at least one token", () => {
    expect(leaseSize({ points: 50, seconds: 1 })).toBe(5);
    expect(leaseSize({ points: 2, seconds: 1 })).toBe(1);
    expect(rateLimitMigrationSql("core").up[0]).toMatch(/create unlogged table core\.rate_limits/);
    expect(() => rateLimitMigrationSql("bad-name; drop")).toThrow(/schema/);
  });
});

describe("rate limiter", () => {
  it("admits a principal's first call at once, then spends leased tokens locally", async () => {
    const clock = { t: 1_000_000 };
    const store = memoryStore(clock);
    const limiter = createRateLimiter({
      store,
      limits: limits({ points: 50, seconds: 1 }),
      sweepEveryMs: 0,
      now: () => clock.t,
    });
    // First call: admitted without waiting; its token is fetched behind it, with a lease (5).
    expect(limiter.take("read", "alice")).toEqual({ allowed: true });
    await new Promise((r) => setImmediate(r));
    expect(store.calls()).toBe(1);
    // The lease holds four more: no store round trips.
    for (let i = 0; i < 4; i++) expect(limiter.take("read", "alice")).toEqual({ allowed: true });
    expect(store.calls()).toBe(1);
    // The sixth goes ahead too (the shared bucket held 45 more at the last look); the next
    // lease is fetched behind it.
    expect(limiter.take("read", "alice")).toEqual({ allowed: true });
    // Calls made while that request is out wait for it.
    const waiting = limiter.take("read", "alice");
    expect(waiting).toBeInstanceOf(Promise);
    expect(await waiting).toEqual({ allowed: true });
    expect(store.calls()).toBe(2);
  });

  it("makes calls wait for their tokens near the limit", async () => {
    const clock = { t: 1_000_000 };
    const store = memoryStore(clock);
    const limiter = createRateLimiter({
      store,
      limits: limits({ points: 10, seconds: 1 }),
      sweepEveryMs: 0,
      now: () => clock.t,
    });
    const decisions: (Decision | Promise<Decision>)[] = [];
    for (let i = 0; i < 12; i++) {
      decisions.push(limiter.take("read", "bob"));
      await settle(decisions[i] as Decision);
    }
    // The first goes ahead (never asked); once the bucket is low, every call waits for the store.
    expect(decisions[0]).toEqual({ allowed: true });
    expect(decisions.slice(-3).every((d) => d instanceof Promise || !d.allowed)).toBe(true);
    const settled = await Promise.all(decisions.map(settle));
    expect(settled.filter((d) => d.allowed)).toHaveLength(10);
  });

  it("refuses past the bucket, with a retry hint, and blocks locally until a token is due", async () => {
    const clock = { t: 1_000_000 };
    const store = memoryStore(clock);
    const limiter = createRateLimiter({
      store,
      limits: limits({ points: 10, seconds: 1 }),
      sweepEveryMs: 0,
      now: () => clock.t,
    });
    const decisions = await Promise.all(
      Array.from({ length: 30 }, () => settle(limiter.take("read", "alice"))),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    const refused = decisions.find((d) => !d.allowed) as { retryAfterMs: number };
    expect(refused.retryAfterMs).toBe(100); // one token every 100 ms
    const calls = store.calls();
    // Blocked in memory: no store round trips while the bucket is empty.
    for (let i = 0; i < 100; i++)
      expect(limiter.take("read", "alice")).toMatchObject({ allowed: false });
    expect(store.calls()).toBe(calls);
    // Another principal and another class are untouched.
    expect(await settle(limiter.take("read", "bob"))).toEqual({ allowed: true });
    expect(await settle(limiter.take("write", "alice"))).toEqual({ allowed: true });
    // A token later, alice may call again.
    clock.t += 100;
    expect(await settle(limiter.take("read", "alice"))).toEqual({ allowed: true });
  });

  it("shares one bucket between replicas: capacity + refill (+1 per replica)", async () => {
    const clock = { t: 1_000_000 };
    const store = memoryStore(clock);
    const replicas = [1, 2, 3].map(() =>
      createRateLimiter({
        store,
        limits: limits({ points: 20, seconds: 1 }),
        sweepEveryMs: 0,
        now: () => clock.t,
      }),
    );
    let admitted = 0;
    // 2 s at 10 ms steps, each replica trying 3 calls per step: 1,800 tries, 20 + 40 allowed.
    for (let step = 0; step < 200; step++) {
      const round = replicas.flatMap((r) => [0, 1, 2].map(() => settle(r.take("read", "a"))));
      admitted += (await Promise.all(round)).filter((d) => d.allowed).length;
      clock.t += 10;
    }
    // A call may go ahead of its token while the bucket looked full: one per replica at most.
    expect(admitted).toBeLessThanOrEqual(20 + 40 + replicas.length);
    // Leases dropped unused cost at most (lease - 1) per replica and lease period.
    expect(admitted).toBeGreaterThanOrEqual(40);
  });

  it("holds a low limit across replicas: 2/1 flooded for 10 s admits at most 2 + 20 (+1 per replica)", async () => {
    const clock = { t: 1_000_000 };
    const store = memoryStore(clock);
    const replicas = [1, 2, 3].map(() =>
      createRateLimiter({
        store,
        limits: limits({ points: 20, seconds: 1 }),
        sweepEveryMs: 0,
        now: () => clock.t,
      }),
    );
    let admitted = 0;
    for (let step = 0; step < 1000; step++) {
      const round = replicas.map((r) => settle(r.take("expensive", "a")));
      admitted += (await Promise.all(round)).filter((d) => d.allowed).length;
      clock.t += 10;
    }
    // The first call on each replica goes ahead of its token.
    expect(admitted).toBeLessThanOrEqual(2 + 20 + replicas.length);
    expect(admitted).toBeGreaterThanOrEqual(20);
  });

  it("gives a caller spreading calls thinly over many replicas no more than the limit", async () => {
    // 10 replicas, 2/1, 9 calls a second round-robin: each replica sees a call every 1.1 s.
    const clock = { t: 1_000_000 };
    const store = memoryStore(clock);
    const replicas = Array.from({ length: 10 }, () =>
      createRateLimiter({
        store,
        limits: limits({ points: 20, seconds: 1 }),
        sweepEveryMs: 0,
        now: () => clock.t,
      }),
    );
    let admitted = 0;
    const seconds = 30;
    for (let i = 0; i < seconds * 9; i++) {
      const d = await settle(replicas[i % 10]?.take("expensive", "spreader") as Decision);
      await new Promise((r) => setImmediate(r));
      if (d.allowed) admitted++;
      clock.t += 1000 / 9;
    }
    expect(admitted).toBeLessThanOrEqual(2 + 2 * seconds + replicas.length);
  });

  it("coalesces concurrent calls into one store request", async () => {
    const clock = { t: 1_000_000 };
    const store = memoryStore(clock);
    const limiter = createRateLimiter({
      store,
      limits: limits({ points: 1000, seconds: 1 }),
      sweepEveryMs: 0,
      now: () => clock.t,
    });
    const decisions = await Promise.all(
      Array.from({ length: 250 }, () => settle(limiter.take("read", "alice"))),
    );
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(store.calls()).toBeLessThanOrEqual(2);
  });

  it("limits each replica on its own while the store is unreachable (insurance)", async () => {
    const clock = { t: 1_000_000 };
    const store = memoryStore(clock);
    const errors: unknown[] = [];
    const limiter = createRateLimiter({
      store,
      limits: limits({ points: 5, seconds: 1 }),
      sweepEveryMs: 0,
      now: () => clock.t,
      onStoreError: (e) => errors.push(e),
    });
    store.fail(true);
    const decisions: Decision[] = [];
    for (let i = 0; i < 8; i++) decisions.push(await settle(limiter.take("read", "alice")));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    expect(decisions[7]).toEqual({ allowed: false, retryAfterMs: 200 });
    expect(errors).toHaveLength(1); // reported at most every 10 s
    expect(store.calls()).toBe(1); // the store is left alone for insuranceMs (5 s)
    store.fail(false);
    clock.t += 5000;
    expect(await settle(limiter.take("read", "alice"))).toEqual({ allowed: true });
    await new Promise((r) => setImmediate(r));
    expect(store.calls()).toBe(2);
  });

  it("decides locally when the store does not answer in time", async () => {
    const hung: BucketStore = { take: () => new Promise(() => undefined), sweep: async () => 0 };
    const errors: unknown[] = [];
    const limiter = createRateLimiter({
      store: hung,
      limits: limits({ points: 5, seconds: 1 }),
      sweepEveryMs: 0,
      storeTimeoutMs: 20,
      onStoreError: (e) => errors.push(e),
    });
    expect(await settle(limiter.take("read", "alice"))).toEqual({ allowed: true });
    // The next call waits for the store, which doesn't answer: decided locally after 20 ms.
    expect(await settle(limiter.take("read", "alice"))).toEqual({ allowed: true });
    expect(String(errors[0])).toMatch(/no answer in 20 ms/);
  });
});
