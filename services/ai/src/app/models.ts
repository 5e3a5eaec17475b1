import { performance } from "node:perf_hooks";
import { LRUCache } from "lru-cache";
import { InvalidInputError, NotFoundError } from "../domain/errors.js";
import { checkTimeZone } from "../domain/quick-add/time-zone.js";
import {
  deserializeModel,
  type SuggestModel,
  serializeModel,
  trainWorkspaceModel,
} from "../domain/suggest/index.js";
import type { Caller, Clock, CoreGateway, ModelRecord, ModelRepository } from "./ports.js";

export interface CurrentModel {
  record: ModelRecord;
  model: SuggestModel;
}

export interface ModelUseCases {
  /** TrainModels: a new version from the workspace's whole history, now. */
  train(caller: Caller, options: { requestId?: string; timeZone?: string }): Promise<ModelRecord>;
  get(caller: Caller, version: number): Promise<ModelRecord>;
  list(
    caller: Caller,
    page: { pageSize: number; pageToken: string },
  ): Promise<{ models: ModelRecord[]; nextPageToken: string }>;
  /**
   * The newest model, deserialised (from the cache when it holds that version). A workspace
   * without one gets its first, trained now (once, however many calls ask at the same time).
   */
  current(caller: Caller, timeZone?: string): Promise<CurrentModel>;
  /** The newest model like `current`, or undefined (rather than training) when there is none. */
  existing(caller: Caller): Promise<CurrentModel | undefined>;
}

export interface ModelUseCaseDeps {
  core: CoreGateway<unknown>;
  repository: ModelRepository;
  clock: Clock;
  /** Workspaces whose newest model stays deserialised in memory. */
  cacheSize: number;
  /** Versions kept per workspace. */
  versionsKept: number;
}

/** The seed of a workspace's training (FNV-1a of its id): the same history trains the same model. */
function seedOf(workspaceId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < workspaceId.length; i++) {
    hash ^= workspaceId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

// Page tokens of ListModels: the last version of the page, bound to its workspace.
function encodePageToken(workspaceId: string, before: number): string {
  return Buffer.from(JSON.stringify({ w: workspaceId, v: before })).toString("base64url");
}

function decodePageToken(token: string, workspaceId: string): number | undefined {
  if (!token) return undefined;
  try {
    const body = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      w?: unknown;
      v?: unknown;
    };
    if (body.w === workspaceId && Number.isInteger(body.v) && (body.v as number) > 0) {
      return body.v as number;
    }
  } catch {
    // Falls through to the refusal.
  }
  throw InvalidInputError.field("page_token", "is not a page token from this list");
}

export function createModelUseCases(deps: ModelUseCaseDeps): ModelUseCases {
  // The newest model of each workspace, by version: training a new version replaces the entry
  // (so this process never serves an older one), and `current` checks the newest version number
  // in the database on every call (so a version trained by another replica is picked up too).
  const cache = new LRUCache<string, CurrentModel>({ max: deps.cacheSize });
  const firstTrainings = new Map<string, Promise<CurrentModel>>();

  const trainNow = async (
    caller: Caller,
    options: { requestId?: string; timeZone?: string },
  ): Promise<CurrentModel> => {
    // A bad zone is refused before the history is read.
    const timeZone = checkTimeZone(options.timeZone || "UTC");
    const started = performance.now();
    const { tasks } = await deps.core.readTasks(caller, { showDeleted: true });
    const model = trainWorkspaceModel(tasks, {
      now: deps.clock.now(),
      seed: seedOf(caller.workspaceId),
      timeZone,
    });
    const record = await deps.repository.insert(
      {
        workspaceId: caller.workspaceId,
        exampleCount: model.history.tasks,
        modelVersion: model.version,
        timeZone: model.timeZone,
        trainedBy: caller.user,
        trainingMillis: performance.now() - started,
        historyNote: model.history.notice,
        reports: model.reports,
        payload: serializeModel(model),
        requestId: options.requestId ?? null,
      },
      deps.versionsKept,
    );
    const current = cache.get(caller.workspaceId);
    if (!current || current.record.version < record.version) {
      cache.set(caller.workspaceId, { record, model });
    }
    return { record, model };
  };

  const load = async (workspaceId: string, version: number): Promise<CurrentModel | undefined> => {
    const [record, payload] = await Promise.all([
      deps.repository.get(workspaceId, version),
      deps.repository.payload(workspaceId, version),
    ]);
    if (!record || payload === undefined) return undefined; // pruned meanwhile
    return { record, model: deserializeModel(payload) };
  };

  /** The newest stored version, from the cache when it holds that version. */
  const newest = async (workspaceId: string): Promise<CurrentModel | undefined> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const latest = await deps.repository.latestVersion(workspaceId);
      if (latest === undefined) return undefined;
      const cached = cache.get(workspaceId);
      if (cached && cached.record.version >= latest) return cached;
      const loaded = await load(workspaceId, latest);
      if (loaded) {
        cache.set(workspaceId, loaded);
        return loaded;
      }
    }
    throw new Error("the newest model kept disappearing while it was read");
  };

  return {
    async train(caller, options) {
      if (options.requestId) {
        const done = await deps.repository.findByRequest(
          caller.workspaceId,
          caller.user,
          options.requestId,
        );
        if (done) return done;
      }
      return (await trainNow(caller, options)).record;
    },

    async get(caller, version) {
      const record = await deps.repository.get(caller.workspaceId, version);
      if (!record) throw new NotFoundError("model");
      return record;
    },

    async list(caller, page) {
      const before = decodePageToken(page.pageToken, caller.workspaceId);
      const size = page.pageSize <= 0 ? 20 : Math.min(page.pageSize, 100);
      const models = await deps.repository.list(caller.workspaceId, size + 1, before);
      const shown = models.slice(0, size);
      const last = shown[shown.length - 1];
      return {
        models: shown,
        nextPageToken:
          models.length > size && last ? encodePageToken(caller.workspaceId, last.version) : "",
      };
    },

    existing: (caller) => newest(caller.workspaceId),

    async current(caller, timeZone) {
      const found = await newest(caller.workspaceId);
      if (found) return found;
      const workspaceId = caller.workspaceId;
      let training = firstTrainings.get(workspaceId);
      if (!training) {
        training = trainNow(caller, { timeZone }).finally(() => firstTrainings.delete(workspaceId));
        firstTrainings.set(workspaceId, training);
      }
      return training;
    },
  };
}
