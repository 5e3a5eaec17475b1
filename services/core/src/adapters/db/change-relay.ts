import type { Logger, Sql } from "@glidepath/runtime";
import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import type { FeedSignal } from "../../app/changes.js";
import { relayChanges } from "./change-log.js";
import { purgeRequestIds } from "./request-log.js";

/**
 * Runs the change relay in the background: right after local writes (nudge) and on a short
 * poll for writes made by other replicas. Watchers of a workspace wake when it has news.
 */
export function startChangeRelay(
  sql: Sql,
  logger: Logger,
  options = { pollMs: 250, batch: 5_000, minIntervalMs: 20 },
) {
  const waiters = new Map<string, Set<() => void>>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let lastPurge = 0;

  const wake = (workspaceId: string) => {
    const set = waiters.get(workspaceId);
    if (!set) return;
    waiters.delete(workspaceId);
    for (const resolve of set) resolve();
  };

  const cycle = async () => {
    try {
      const moved = await relayChanges(sql, options.batch);
      for (const workspaceId of moved) wake(workspaceId);
      if (Date.now() - lastPurge > 3_600_000) {
        lastPurge = Date.now();
        await purgeRequestIds(sql);
      }
    } catch (e) {
      if (!stopped) logger.warn({ err: e, event: "relay_failed" }, "change relay failed; retrying");
    }
  };

  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = cycle().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        schedule(options.minIntervalMs);
      } else schedule(options.pollMs);
    });
  };
  let dueAt = Number.POSITIVE_INFINITY;
  /** Runs the relay in `ms` unless a run is already due sooner. */
  const schedule = (ms: number) => {
    if (stopped || Date.now() + ms >= dueAt) return;
    clearTimeout(timer);
    dueAt = Date.now() + ms;
    // Relay work belongs to no request: don't let a nudge's trace context leak into it.
    timer = setTimeout(() => {
      dueAt = Number.POSITIVE_INFINITY;
      context.with(ROOT_CONTEXT, run);
    }, ms);
    timer.unref();
  };
  schedule(0);

  const signal: FeedSignal = {
    wait(workspaceId, timeoutMs, abort) {
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          abort.removeEventListener("abort", done);
          waiters.get(workspaceId)?.delete(done);
          resolve();
        };
        const t = setTimeout(done, timeoutMs);
        abort.addEventListener("abort", done, { once: true });
        const set = waiters.get(workspaceId) ?? new Set();
        waiters.set(workspaceId, set);
        set.add(done);
      });
    },
  };

  return {
    signal,
    /** Called after a local commit that wrote changes: relay soon. */
    // Under load, nudges come far faster than commits need publishing: one run per few ms
    // relays them all in a batch.
    nudge: () => {
      if (running) again = true;
      else schedule(options.minIntervalMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      for (const workspaceId of [...waiters.keys()]) wake(workspaceId);
    },
  };
}
