import { LRUCache } from "lru-cache";
import { z } from "zod";
import { createBatcher } from "./batcher.js";
import { prepare, type Sql } from "./sql.js";

// A token bucket per (principal, method class), shared by every replica of a service through one
// row in PostgreSQL (`<schema>.rate_limits`), and cheap on the hot path:
//
// - **Leases.** A replica takes tokens from the shared bucket a few at a time (a tenth of the
//   bucket) and spends them locally; most calls cost a map lookup, not a round trip. Tokens are
//   only ever taken from the shared bucket, so all replicas together admit no more than the
//   bucket allows (capacity + rate × time), but for the calls admitted ahead (next point). A
//   lease unused for about as long as the bucket takes to refill it is dropped: the cost of
//   sharing is that a principal may get up to (lease − 1) fewer calls per replica, never more.
// - **Admitted ahead.** A principal's first call on a replica, and a call whose bucket held at
//   least a lease more at this replica's last look, is admitted at once and its token taken
//   behind the call: one such call per replica per store request, none once a look shows the
//   bucket low. So a call may pass while the bucket is empty only if it emptied after that
//   replica's last look (at most one call per replica); near the limit, calls wait.
// - **Batches.** Replicas ask for many keys in one statement (natural batching: alone at once,
//   under load one round trip per batch); one statement reads the database's clock, refills the
//   bucket, and grants what it holds.
// - **In-memory block.** A refused key is refused locally until the bucket will hold a token
//   again, so a flood costs the database one statement per refill interval per replica.
// - **Insurance.** If the database fails or is slow, each replica limits on its own with the
//   same bucket for a while (so the mesh admits at most replicas × the limit) and logs it.

export type RateLimitClass = "read" | "write" | "expensive";

/** `points` tokens (the burst), refilled at `points` per `seconds`. */
export interface RateLimit {
  points: number;
  seconds: number;
}

/** Parses `"<points>/<seconds>"`, e.g. `50/1` (50 calls a second, bursts of 50). */
export function parseRateLimit(text: string): RateLimit | undefined {
  const match = /^\s*(\d{1,9})\s*\/\s*(\d{1,6}(?:\.\d{1,3})?)\s*$/.exec(text);
  if (!match) return undefined;
  const points = Number(match[1]);
  const seconds = Number(match[2]);
  if (points < 1 || !(seconds > 0)) return undefined;
  return { points, seconds };
}

/** A configuration value `"<points>/<seconds>"` (zod), with its default. */
export const rateLimitSetting = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const limit = parseRateLimit(text);
      if (!limit) {
        ctx.addIssue({
          code: "custom",
          message: 'must be "<points>/<seconds>" with points ≥ 1 and seconds > 0, e.g. "50/1"',
        });
        return z.NEVER;
      }
      return limit;
    });

export type Decision = { allowed: true } | { allowed: false; retryAfterMs: number };

const allowed: Decision = { allowed: true };

/** Grants from the shared bucket: `granted` tokens; `tokens` left in it; its refill rate. */
export interface Grant {
  granted: number;
  tokens: number;
  refillPerMs: number;
}

export interface TokenRequest {
  key: string;
  want: number;
  capacity: number;
  refillPerMs: number;
}

/** Where buckets are kept: takes up to `want` tokens per key, atomically. */
export interface BucketStore {
  take(requests: TokenRequest[]): Promise<Map<string, Grant>>;
  /** Deletes buckets that are full again (a full bucket is the same as none). */
  sweep(): Promise<number>;
}

/** The table (one row per bucket) a service's migration creates; see `rateLimitMigrationSql`. */
export const rateLimitTable = "rate_limits";

const identifier = (schema: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name: ${schema}`);
  return `${schema}.${rateLimitTable}`;
};

/**
 * The DDL of the shared buckets, for a service's own migration. UNLOGGED: a bucket lost in a
 * crash only starts full again, and skipping the WAL keeps each grant cheap. A low fillfactor
 * keeps updates HOT (only the key is indexed).
 */
export function rateLimitMigrationSql(schema: string): { up: string[]; down: string[] } {
  const table = identifier(schema);
  return {
    up: [
      `create unlogged table ${table} (
        key text primary key,
        tokens double precision not null,
        capacity double precision not null check (capacity >= 1),
        refill_per_ms double precision not null check (refill_per_ms > 0),
        updated_ms double precision not null,
        granted integer not null check (granted >= 0)
      ) with (fillfactor = 70)`,
    ],
    down: [`drop table if exists ${table}`],
  };
}

/** Buckets in PostgreSQL: one statement per batch, on the database's clock. */
export function createPostgresBucketStore(sql: Sql, schema: string): BucketStore {
  const table = identifier(schema);
  const refilled = `least(excluded.capacity, b.tokens + greatest(0, excluded.updated_ms - b.updated_ms) * excluded.refill_per_ms)`;
  // On insert `granted` carries least(want, capacity); on conflict it is read back as the
  // request, which is the same bound because a bucket never holds more than its capacity.
  const take = prepare(
    `glidepath_rate_limit_take_${schema}`,
    `with clock as (select (extract(epoch from clock_timestamp()) * 1000)::float8 as now_ms)
     insert into ${table} as b (key, tokens, capacity, refill_per_ms, updated_ms, granted)
     select t.key, t.capacity - least(t.want, floor(t.capacity)), t.capacity, t.refill_per_ms,
            clock.now_ms, least(t.want, floor(t.capacity))
     from unnest($1::text[], $2::int4[], $3::float8[], $4::float8[])
            as t(key, want, capacity, refill_per_ms), clock
     order by t.key
     on conflict (key) do update set
       tokens = ${refilled} - least(excluded.granted, floor(${refilled})),
       granted = least(excluded.granted, floor(${refilled})),
       capacity = excluded.capacity,
       refill_per_ms = excluded.refill_per_ms,
       updated_ms = greatest(b.updated_ms, excluded.updated_ms)
     returning key, granted, tokens, refill_per_ms`,
  );
  const sweep = `delete from ${table}
     where tokens + ((extract(epoch from clock_timestamp()) * 1000)::float8 - updated_ms) * refill_per_ms
           >= capacity`;
  return {
    async take(requests) {
      // Keys in one order in every statement: concurrent batches can't deadlock on row locks.
      const sorted = [...requests].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const rows = await sql.query<{
        key: string;
        granted: number;
        tokens: number;
        refill_per_ms: number;
      }>(take, [
        sorted.map((r) => r.key),
        sorted.map((r) => r.want),
        sorted.map((r) => r.capacity),
        sorted.map((r) => r.refillPerMs),
      ]);
      return new Map(
        rows.map((r) => [
          r.key,
          { granted: r.granted, tokens: r.tokens, refillPerMs: r.refill_per_ms },
        ]),
      );
    },
    sweep: () => sql.execute(sweep),
  };
}

interface Waiter {
  resolve: (decision: Decision | Promise<Decision>) => void;
}

/** What one replica knows of one bucket. */
interface LocalBucket {
  key: string;
  cls: RateLimitClass;
  limit: RateLimit;
  /** Leased tokens not yet spent, and until when they may be. */
  leased: number;
  leaseExpires: number;
  /** Refused locally, without asking the store, until then. */
  blockedUntil: number;
  /** Calls waiting for a grant; non-null while one is being fetched. */
  waiters: Waiter[] | null;
  /** Calls admitted before their token was fetched, paid from the next grant. */
  owed: number;
  /** Tokens the shared bucket held after this replica's last grant (Infinity: never asked). */
  lastTokens: number;
  /** Insurance: a local bucket used while the store is unreachable. */
  fallbackTokens: number;
  fallbackUpdated: number;
}

export interface RateLimiterOptions {
  store: BucketStore;
  limits: Record<RateLimitClass, RateLimit>;
  /**
   * Called (at most every 10 s) when the store fails or is slow; each replica then limits on
   * its own for `insuranceMs` (default 5 s) before asking the store again.
   */
  onStoreError?: (error: unknown) => void;
  insuranceMs?: number;
  /** A store request slower than this counts as failed (default 1 s). */
  storeTimeoutMs?: number;
  /** How often full buckets are deleted from the store (default 60 s); 0 turns it off. */
  sweepEveryMs?: number;
  /** Ends the sweeper. */
  stopping?: AbortSignal;
  /** Buckets kept in memory per replica (LRU; default 100,000). */
  maxKeys?: number;
  now?: () => number;
}

export interface RateLimiter {
  /** Spends one token of `key` in `cls`: synchronously when a lease holds one. */
  take(cls: RateLimitClass, principal: string): Decision | Promise<Decision>;
}

/** Lease size: a tenth of the bucket (at least one token). */
export const leaseSize = (limit: RateLimit) => Math.max(1, Math.floor(limit.points / 10));

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const buckets = new LRUCache<string, LocalBucket>({ max: options.maxKeys ?? 100_000 });
  const lease: Record<RateLimitClass, ReturnType<typeof leaseOf>> = {
    read: leaseOf(options.limits.read),
    write: leaseOf(options.limits.write),
    expensive: leaseOf(options.limits.expensive),
  };
  let lastStoreError = Number.NEGATIVE_INFINITY;
  let storeDownUntil = 0;
  const storeTimeoutMs = options.storeTimeoutMs ?? 1_000;

  const fetch = createBatcher<LocalBucket, void>(
    async (batch) => {
      const requests = batch.map((b) => ({
        key: b.key,
        want: Math.max(lease[b.cls].size, b.owed + (b.waiters?.length ?? 0)),
        capacity: b.limit.points,
        refillPerMs: lease[b.cls].refillPerMs,
      }));
      let grants: Map<string, Grant> | undefined;
      let timer: NodeJS.Timeout | undefined;
      try {
        grants = await Promise.race([
          options.store.take(requests),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`rate limit store: no answer in ${storeTimeoutMs} ms`)),
              storeTimeoutMs,
            );
          }),
        ]);
      } catch (error) {
        const t = now();
        storeDownUntil = t + (options.insuranceMs ?? 5_000);
        if (t - lastStoreError >= 10_000) {
          lastStoreError = t;
          options.onStoreError?.(error);
        }
      } finally {
        clearTimeout(timer);
      }
      batch.forEach((b, i) => {
        const grant = grants?.get(b.key);
        if (grant) settle(b, requests[i]?.want ?? 1, grant);
        else settleLocally(b);
      });
      return batch.map(() => undefined);
    },
    { maxBatch: 256, maxConcurrent: 2 },
  );

  /** Hands a grant to the waiting calls; keeps the rest as a lease. */
  const settle = (b: LocalBucket, wanted: number, grant: Grant) => {
    const waiters = b.waiters ?? [];
    b.waiters = null;
    const t = now();
    // Calls admitted ahead of the grant are paid first.
    const granted = grant.granted - Math.min(grant.granted, b.owed);
    b.owed = 0;
    const served = Math.min(granted, waiters.length);
    for (let i = 0; i < served; i++) waiters[i]?.resolve(allowed);
    b.leased = granted - served;
    b.lastTokens = grant.tokens;
    b.leaseExpires = t + lease[b.cls].ttlMs;
    if (grant.granted < wanted) {
      // Limited: the shared bucket holds less than a token now. Refuse locally until it will
      // hold one again (the in-memory block); tokens already granted are still spent first.
      b.blockedUntil =
        t + Math.max(1, Math.ceil((1 - grant.tokens) / Math.max(grant.refillPerMs, 1e-12)));
    }
    // Callers that arrived while the grant was on its way: the lease, a refusal, or together
    // one more request to the store.
    let i = served;
    for (; i < waiters.length && b.leased > 0; i++) {
      b.leased--;
      waiters[i]?.resolve(allowed);
    }
    if (i === waiters.length) return;
    if (b.blockedUntil > t) {
      const refusal: Decision = { allowed: false, retryAfterMs: b.blockedUntil - t };
      for (; i < waiters.length; i++) waiters[i]?.resolve(refusal);
      return;
    }
    b.waiters = waiters.slice(i);
    request(b);
  };

  const request = (b: LocalBucket) => {
    fetch(b).catch(() => settleLocally(b));
  };

  /** Insurance: the store failed; this replica decides alone with a local bucket. */
  const settleLocally = (b: LocalBucket) => {
    const waiters = b.waiters ?? [];
    b.waiters = null;
    b.fallbackTokens -= b.owed;
    b.owed = 0;
    for (const w of waiters) w.resolve(local(b));
  };

  const local = (b: LocalBucket): Decision => {
    const t = now();
    const refillPerMs = lease[b.cls].refillPerMs;
    b.fallbackTokens = Math.min(
      b.limit.points,
      b.fallbackTokens + Math.max(0, t - b.fallbackUpdated) * refillPerMs,
    );
    b.fallbackUpdated = t;
    if (b.fallbackTokens >= 1) {
      b.fallbackTokens -= 1;
      return allowed;
    }
    return {
      allowed: false,
      retryAfterMs: Math.max(1, Math.ceil((1 - b.fallbackTokens) / refillPerMs)),
    };
  };

  /**
   * The fast path: a leased token, a local refusal, a call admitted ahead of its token, or a
   * wait for the store.
   */
  const spend = (b: LocalBucket): Decision | Promise<Decision> => {
    const t = now();
    if (b.leased > 0 && b.leaseExpires > t) {
      b.leased--;
      return allowed;
    }
    b.leased = 0;
    if (b.blockedUntil > t) return { allowed: false, retryAfterMs: b.blockedUntil - t };
    if (storeDownUntil > t) return local(b);
    if (!b.waiters && b.lastTokens >= lease[b.cls].size) {
      // The shared bucket held at least a lease more at this replica's last look (or it never
      // looked: the principal's first call here). The call goes ahead and its token is taken
      // behind it: one such call per replica per request to the store, and none once a look
      // shows the bucket low, so near or past the limit every call waits for its token.
      b.owed++;
      b.waiters = [];
      request(b);
      return allowed;
    }
    return new Promise<Decision>((resolve) => {
      if (b.waiters) {
        b.waiters.push({ resolve });
        return;
      }
      b.waiters = [{ resolve }];
      request(b);
    });
  };

  if ((options.sweepEveryMs ?? 60_000) > 0) {
    const every = options.sweepEveryMs ?? 60_000;
    // Jittered, so replicas started together don't sweep together.
    const timer = setInterval(
      () => {
        options.store.sweep().catch(() => undefined);
      },
      every + Math.floor(Math.random() * (every / 10)),
    );
    timer.unref();
    options.stopping?.addEventListener("abort", () => clearInterval(timer), { once: true });
  }

  return {
    take(cls, principal) {
      const key = `${cls}:${principal}`;
      let b = buckets.get(key);
      if (!b) {
        b = {
          key,
          cls,
          limit: options.limits[cls],
          leased: 0,
          leaseExpires: 0,
          blockedUntil: 0,
          waiters: null,
          owed: 0,
          lastTokens: Number.POSITIVE_INFINITY,
          fallbackTokens: options.limits[cls].points,
          fallbackUpdated: now(),
        };
        buckets.set(key, b);
      }
      return spend(b);
    },
  };
}

function leaseOf(limit: RateLimit) {
  const size = leaseSize(limit);
  const refillPerMs = limit.points / (limit.seconds * 1000);
  // A lease lasts about as long as the bucket takes to refill it (10 ms … 1 s).
  return { size, refillPerMs, ttlMs: Math.min(1_000, Math.max(10, size / refillPerMs)) };
}
