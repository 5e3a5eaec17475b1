import { NotFoundError } from "../../domain/errors.js";
import type { HistoryTask } from "../../domain/suggest/index.js";
import type { ProjectRef } from "../../domain/task-from-text.js";
import type {
  Caller,
  CoreGateway,
  ModelRecord,
  ModelRepository,
  NewModelRecord,
  NewTask,
} from "../ports.js";

// In-memory fakes of the ports, for use-case tests: no database, no core, no transport.

export const caller = (workspaceId = "ws-1", user = "alice"): Caller => ({
  user,
  workspaceId,
  credentials: { token: "opaque" },
});

export function historyTask(overrides: Partial<HistoryTask> = {}): HistoryTask {
  return {
    id: `t-${Math.random().toString(36).slice(2, 10)}`,
    title: "A task",
    labels: [],
    projectId: null,
    priority: 4,
    due: null,
    durationMinutes: null,
    state: "OPEN",
    createTime: "2026-11-01T09:00:00.000Z",
    updateTime: "2026-11-01T09:00:00.000Z",
    completeTime: null,
    ...overrides,
  };
}

/** A core with projects and tasks in memory; records what it was asked. */
export function createFakeCore(init: { projects?: ProjectRef[]; tasks?: HistoryTask[] } = {}) {
  const projects = init.projects ?? [];
  const tasks = init.tasks ?? [];
  const calls: string[] = [];
  const created: { task: NewTask; requestId: string | undefined }[] = [];
  const listed: { filter: string; orderBy: string; pageSize: number; pageToken: string }[] = [];
  const gateway: CoreGateway<{ title: string; id: string }> = {
    async listProjects(_caller: Caller) {
      calls.push("listProjects");
      return [...projects];
    },
    async createTask(_caller, task, requestId) {
      calls.push("createTask");
      created.push({ task, requestId });
      return { title: task.title, id: `created-${created.length}` };
    },
    async listTasks(_caller, query) {
      calls.push("listTasks");
      listed.push(query);
      return {
        tasks: tasks.map((t) => ({ title: t.title, id: t.id })),
        nextPageToken: "",
      };
    },
    async getTask(_caller, taskId) {
      calls.push("getTask");
      const task = tasks.find((t) => t.id === taskId);
      if (!task) throw new NotFoundError("task");
      return { task, etag: `"${task.updateTime}"` };
    },
    async readTasks(_caller, options) {
      calls.push(`readTasks:${options.filter ?? ""}`);
      const chosen =
        options.filter === "state = OPEN" ? tasks.filter((t) => t.state === "OPEN") : tasks;
      return { tasks: chosen, etags: new Map(chosen.map((t) => [t.id, `"${t.updateTime}"`])) };
    },
  };
  return { gateway, calls, created, listed, tasks, projects };
}

/** Models in memory, numbered and pruned like the SQL repository. */
export function createFakeModelRepository() {
  const rows: (ModelRecord & { payload: string; requestId: string | null })[] = [];
  let inserts = 0;
  const strip = ({ payload: _p, requestId: _r, ...record }: (typeof rows)[number]) => record;
  const repository: ModelRepository = {
    async latestVersion(workspaceId) {
      const versions = rows.filter((r) => r.workspaceId === workspaceId).map((r) => r.version);
      return versions.length ? Math.max(...versions) : undefined;
    },
    async get(workspaceId, version) {
      const row = rows.find((r) => r.workspaceId === workspaceId && r.version === version);
      return row && strip(row);
    },
    async payload(workspaceId, version) {
      return rows.find((r) => r.workspaceId === workspaceId && r.version === version)?.payload;
    },
    async list(workspaceId, limit, before) {
      return rows
        .filter(
          (r) => r.workspaceId === workspaceId && (before === undefined || r.version < before),
        )
        .sort((a, b) => b.version - a.version)
        .slice(0, limit)
        .map(strip);
    },
    async findByRequest(workspaceId, user, requestId) {
      const row = rows.find(
        (r) => r.workspaceId === workspaceId && r.trainedBy === user && r.requestId === requestId,
      );
      return row && strip(row);
    },
    async insert(record: NewModelRecord, keep: number) {
      inserts++;
      if (record.requestId) {
        const existing = await repository.findByRequest(
          record.workspaceId,
          record.trainedBy,
          record.requestId,
        );
        if (existing) return existing;
      }
      const version = ((await repository.latestVersion(record.workspaceId)) ?? 0) + 1;
      const row = { ...record, version, createTime: new Date() };
      rows.push(row);
      for (let i = rows.length - 1; i >= 0; i--) {
        const r = rows[i];
        if (r && r.workspaceId === record.workspaceId && r.version <= version - keep)
          rows.splice(i, 1);
      }
      return strip(row);
    },
  };
  return { repository, rows, inserts: () => inserts };
}
