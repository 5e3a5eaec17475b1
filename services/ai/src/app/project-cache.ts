import { LRUCache } from "lru-cache";
import type { ProjectRef } from "../domain/task-from-text.js";
import type { CoreGateway } from "./ports.js";

/**
 * A core gateway whose project lists are reused for `ttlMs` per workspace: reading a sentence
 * or a question that names a project then costs no call to core. Callers that must not act on
 * a stale list ask for a `fresh` one (CreateTaskFromText does when a name didn't match).
 */
export function withProjectCache<T>(
  core: CoreGateway<T>,
  options: { ttlMs: number; max: number },
): CoreGateway<T> {
  if (options.ttlMs <= 0) return core;
  const cache = new LRUCache<string, Promise<ProjectRef[]>>({
    max: options.max,
    ttl: options.ttlMs,
  });
  return {
    ...core,
    listProjects(caller, listOptions) {
      const hit = listOptions?.fresh ? undefined : cache.get(caller.workspaceId);
      if (hit) return hit;
      const loading = core.listProjects(caller, { fresh: true });
      // A failed read is not kept: the next call asks core again.
      loading.catch(() => cache.delete(caller.workspaceId));
      cache.set(caller.workspaceId, loading);
      return loading;
    },
  };
}
