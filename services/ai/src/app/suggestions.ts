import { LRUCache } from "lru-cache";
import { checkTimeZone } from "../domain/quick-add/time-zone.js";
import {
  type HistoryTask,
  indexOpenTasks,
  type OpenTaskIndex,
  type Suggestion,
  suggestTaskChanges,
  suggestWorkspaceActions,
} from "../domain/suggest/index.js";
import type { CurrentModel, ModelUseCases } from "./models.js";
import type { Caller, Clock, CoreGateway } from "./ports.js";

export interface SuggestionResult {
  suggestions: Suggestion[];
  current: CurrentModel;
  /** The etag of each task a suggestion is about, as read: actions carry it. */
  etags: ReadonlyMap<string, string>;
}

export interface SuggestionUseCases {
  forTask(
    caller: Caller,
    taskId: string,
    options: { limit: number; timeZone?: string },
  ): Promise<SuggestionResult>;
  forWorkspace(
    caller: Caller,
    options: { limit: number; timeZone?: string },
  ): Promise<SuggestionResult>;
}

/** A workspace's open tasks, indexed for duplicate search, and its project names. */
interface Snapshot {
  open: HistoryTask[];
  index: OpenTaskIndex;
  etags: Map<string, string>;
  projectNames: Record<string, string>;
}

export interface SuggestionUseCaseDeps {
  core: CoreGateway<unknown>;
  models: ModelUseCases;
  clock: Clock;
  /**
   * How long a workspace's open tasks (read for duplicate search and triage) are reused. The
   * task a suggestion is for is always read fresh.
   */
  snapshotTtlMs: number;
  snapshotCacheSize: number;
}

export function createSuggestionUseCases(deps: SuggestionUseCaseDeps): SuggestionUseCases {
  const snapshots = new LRUCache<string, Promise<Snapshot>>({
    max: deps.snapshotCacheSize,
    ttl: Math.max(1, deps.snapshotTtlMs),
  });

  const snapshot = (caller: Caller): Promise<Snapshot> => {
    const hit = deps.snapshotTtlMs > 0 ? snapshots.get(caller.workspaceId) : undefined;
    if (hit) return hit;
    const loading = (async () => {
      const [{ tasks, etags }, projects] = await Promise.all([
        deps.core.readTasks(caller, { showDeleted: false, filter: "state = OPEN" }),
        deps.core.listProjects(caller),
      ]);
      return {
        open: tasks,
        index: indexOpenTasks(tasks),
        etags,
        projectNames: Object.fromEntries(projects.map((p) => [p.id, p.displayName])),
      };
    })();
    // A failed read is not kept: the next call tries again.
    loading.catch(() => snapshots.delete(caller.workspaceId));
    if (deps.snapshotTtlMs > 0) snapshots.set(caller.workspaceId, loading);
    return loading;
  };

  return {
    async forTask(caller, taskId, options) {
      // A zone is used only to train a first model, but a bad one is refused every time.
      if (options.timeZone) checkTimeZone(options.timeZone);
      // Read together; but a workspace's first model is trained only once the task is known to
      // exist (a missing task is NOT_FOUND, with nothing trained).
      const [{ task, etag }, existing, snap] = await Promise.all([
        deps.core.getTask(caller, taskId),
        deps.models.existing(caller),
        snapshot(caller),
      ]);
      const current = existing ?? (await deps.models.current(caller, options.timeZone));
      const suggestions = suggestTaskChanges(current.model, task, snap.index, {
        now: deps.clock.now(),
        limit: options.limit,
        projectNames: snap.projectNames,
      });
      const etags = new Map(snap.etags);
      etags.set(task.id, etag);
      return { suggestions, current, etags };
    },

    async forWorkspace(caller, options) {
      if (options.timeZone) checkTimeZone(options.timeZone);
      const [current, snap] = await Promise.all([
        deps.models.current(caller, options.timeZone),
        snapshot(caller),
      ]);
      const suggestions = suggestWorkspaceActions(current.model, snap.open, {
        now: deps.clock.now(),
        limit: options.limit,
        projectNames: snap.projectNames,
      });
      return { suggestions, current, etags: snap.etags };
    },
  };
}
