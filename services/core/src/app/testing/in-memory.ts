// In-memory fakes of the ports in ../ports.ts, for use-case tests (STYLE rule 7). They keep the
// contracts the PostgreSQL adapters keep: `run` is all or nothing and one at a time, a task's
// insert writes its change (and request record) atomically, keyset pages follow the query's
// order, a filter follows SQL's three-valued logic, deleting a project unlinks its tasks.

import type { Change, NewChange } from "../../domain/change.js";
import type { Project } from "../../domain/project.js";
import type { Task } from "../../domain/task.js";
import type { FilterNode } from "../../domain/task-query.js";
import type { Member, Workspace } from "../../domain/workspace.js";
import type {
  ChangeLog,
  Clock,
  IdGenerator,
  MemberRepository,
  ProjectRepository,
  Repositories,
  RequestLog,
  RequestRecord,
  TaskCursor,
  TaskListQuery,
  TaskRepository,
  UnitOfWork,
  WorkspaceRepository,
} from "../ports.js";

export interface Completion {
  workspaceId: string;
  taskId: string;
  completion: number;
  occurrence: string | null;
  at: Date;
}

/** Everything the fakes store: what a test inspects after a use case ran. */
export interface InMemoryData {
  workspaces: Map<string, Workspace>;
  /** Keyed by `workspaceId/user`. */
  members: Map<string, Member>;
  /** Keyed by `workspaceId/id`. */
  projects: Map<string, Project>;
  /** Keyed by `workspaceId/id`. */
  tasks: Map<string, Task>;
  completions: Completion[];
  /** The committed change feed, in position order. */
  changes: Change[];
  /** Keyed by `workspaceId/principal/requestId`. */
  requests: Map<string, RequestRecord>;
}

export interface InMemoryHooks {
  /**
   * Called before a request id is recorded. A record returned here is committed first, as by a
   * concurrent request with the same id that won the race.
   */
  concurrentRequest?: (record: RequestRecord) => RequestRecord | undefined;
}

const key = (...parts: string[]) => parts.join("/");

const emptyData = (): InMemoryData => ({
  workspaces: new Map(),
  members: new Map(),
  projects: new Map(),
  tasks: new Map(),
  completions: [],
  changes: [],
  requests: new Map(),
});

/** A fixed clock that a test moves on. */
export function createTestClock(start = new Date("2024-03-01T10:00:00.000Z")) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    set(date: Date) {
      now = date.getTime();
    },
  } satisfies Clock & Record<string, unknown>;
}

/** Time-ordered UUIDs (version 7 layout) from a counter: predictable in assertions. */
export function createSequentialIds(prefix = "0190a000"): IdGenerator & { peek(): string } {
  let n = 0;
  const format = (i: number) => `${prefix}-0000-7000-8000-${i.toString(16).padStart(12, "0")}`;
  return {
    next: () => format(++n),
    peek: () => format(n + 1),
  };
}

// SQL's three-valued logic: a comparison with NULL is unknown, NOT unknown is unknown.
type Truth = boolean | null;
const not = (v: Truth): Truth => (v === null ? null : !v);
const compare = (op: string, a: string | number, b: string | number): boolean => {
  switch (op) {
    case "=":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a >= b;
  }
};

export function matchesFilter(node: FilterNode, task: Task): Truth {
  switch (node.kind) {
    case "and": {
      const values = node.items.map((n) => matchesFilter(n, task));
      if (values.includes(false)) return false;
      return values.includes(null) ? null : true;
    }
    case "or": {
      const values = node.items.map((n) => matchesFilter(n, task));
      if (values.includes(true)) return true;
      return values.includes(null) ? null : false;
    }
    case "not":
      return not(matchesFilter(node.item, task));
    case "state":
      return compare(node.op, task.state, node.value);
    case "priority":
      return compare(node.op, task.priority, node.value);
    case "label": {
      const has = task.labels.some((l) => l.toLowerCase() === node.value.toLowerCase());
      return node.op === "=" ? has : !has;
    }
    case "project":
    case "assignee": {
      const actual = node.kind === "project" ? task.projectId : task.assignee;
      if (node.value === null) return node.op === "=" ? actual === null : actual !== null;
      // `=` with NULL is unknown; `!=` is `is distinct from`.
      if (node.op === "=") return actual === null ? null : actual === node.value;
      return actual !== node.value;
    }
    case "due": {
      const actual = task.due?.date ?? null;
      if (node.value === null) return node.op === "=" ? actual === null : actual !== null;
      return actual === null ? null : compare(node.op, actual, node.value);
    }
    case "text":
      return task.title.toLowerCase().includes(node.value.toLowerCase());
  }
}

function sortKey(task: Task, field: TaskListQuery["order"]["field"]): string | number {
  switch (field) {
    case "create_time":
      return task.createTime.toISOString();
    case "update_time":
      return task.updateTime.toISOString();
    case "due":
      // `infinity` sorts after every date, as in PostgreSQL.
      return task.due?.date ?? "9999-99-99";
    case "priority":
      return task.priority;
  }
}

const cursorKey = (cursor: TaskCursor, field: TaskListQuery["order"]["field"]) =>
  field === "due" && cursor.key === "infinity" ? "9999-99-99" : cursor.key;

const byTuple = (a: [string | number, string], b: [string | number, string]) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

function repositories(data: InMemoryData, committed: InMemoryData, hooks: InMemoryHooks) {
  const requestTaken = (record: RequestRecord) => {
    const k = key(record.workspaceId, record.principal, record.requestId);
    const winner = hooks.concurrentRequest?.(structuredClone(record));
    if (winner) {
      // Committed by "another transaction": visible to this one's next statements too.
      committed.requests.set(k, winner);
      data.requests.set(k, winner);
    }
    // A unique index sees rows other transactions committed as well as this one's.
    return data.requests.has(k) || committed.requests.has(k);
  };
  const putRequest = (record: RequestRecord) =>
    data.requests.set(key(record.workspaceId, record.principal, record.requestId), record);
  const appendChange = (change: NewChange) => {
    // Transactions take turns, so this copy holds every committed change.
    const last = data.changes[data.changes.length - 1]?.position ?? 0n;
    data.changes.push({ ...structuredClone(change), position: last + 1n, changeTime: new Date() });
  };

  const workspaces: WorkspaceRepository = {
    get: async (id) => structuredClone(data.workspaces.get(id)),
    getForUpdate: async (id) => structuredClone(data.workspaces.get(id)),
    async listForUser(user, page) {
      return [...data.members.values()]
        .filter((m) => m.user === user && (page.after === undefined || m.workspaceId > page.after))
        .sort((a, b) => (a.workspaceId < b.workspaceId ? -1 : 1))
        .slice(0, page.limit)
        .flatMap((m) => {
          const workspace = data.workspaces.get(m.workspaceId);
          return workspace ? [{ workspace: structuredClone(workspace), role: m.role }] : [];
        });
    },
    async insert(workspace) {
      if (data.workspaces.has(workspace.id)) throw new Error("duplicate workspace id");
      data.workspaces.set(workspace.id, structuredClone(workspace));
    },
    async update(workspace) {
      if (data.workspaces.has(workspace.id)) {
        data.workspaces.set(workspace.id, structuredClone(workspace));
      }
    },
  };

  const members: MemberRepository = {
    role: async (workspaceId, user) => data.members.get(key(workspaceId, user))?.role,
    get: async (workspaceId, user) => structuredClone(data.members.get(key(workspaceId, user))),
    getForUpdate: async (workspaceId, user) =>
      structuredClone(data.members.get(key(workspaceId, user))),
    async list(workspaceId, page) {
      return [...data.members.values()]
        .filter(
          (m) => m.workspaceId === workspaceId && (page.after === undefined || m.user > page.after),
        )
        .sort((a, b) => (a.user < b.user ? -1 : 1))
        .slice(0, page.limit)
        .map((m) => structuredClone(m));
    },
    async countOwnersForUpdate(workspaceId) {
      return [...data.members.values()].filter(
        (m) => m.workspaceId === workspaceId && m.role === "OWNER",
      ).length;
    },
    async insert(member) {
      const k = key(member.workspaceId, member.user);
      if (data.members.has(k)) return false;
      if (!data.workspaces.has(member.workspaceId)) throw new Error("no such workspace");
      data.members.set(k, structuredClone(member));
      return true;
    },
    async update(member) {
      const k = key(member.workspaceId, member.user);
      if (data.members.has(k)) data.members.set(k, structuredClone(member));
    },
    async delete(workspaceId, user) {
      data.members.delete(key(workspaceId, user));
    },
  };

  const projects: ProjectRepository = {
    get: async (workspaceId, id) => structuredClone(data.projects.get(key(workspaceId, id))),
    getForUpdate: async (workspaceId, id) =>
      structuredClone(data.projects.get(key(workspaceId, id))),
    async list(workspaceId, showArchived, page) {
      const after = page.after;
      return [...data.projects.values()]
        .filter((p) => p.workspaceId === workspaceId && (showArchived || p.state === "ACTIVE"))
        .map((p) => ({ p, k: [p.createTime.toISOString(), p.id] as [string, string] }))
        .filter(({ k }) => !after || byTuple(k, [after.createTime, after.id]) > 0)
        .sort((a, b) => byTuple(a.k, b.k))
        .slice(0, page.limit)
        .map(({ p }) => structuredClone(p));
    },
    async insert(project) {
      const k = key(project.workspaceId, project.id);
      if (data.projects.has(k)) throw new Error("duplicate project id");
      if (!data.workspaces.has(project.workspaceId)) throw new Error("no such workspace");
      data.projects.set(k, structuredClone(project));
    },
    async update(project) {
      const k = key(project.workspaceId, project.id);
      if (data.projects.has(k)) data.projects.set(k, structuredClone(project));
    },
    async delete(workspaceId, id) {
      data.projects.delete(key(workspaceId, id));
      // The foreign key's `on delete set null (project_id)`.
      for (const task of data.tasks.values()) {
        if (task.workspaceId === workspaceId && task.projectId === id) task.projectId = null;
      }
    },
    async countOpenTasks(workspaceId, id) {
      return [...data.tasks.values()].filter(
        (t) =>
          t.workspaceId === workspaceId &&
          t.projectId === id &&
          t.state === "OPEN" &&
          t.deleteTime === null,
      ).length;
    },
  };

  const tasks: TaskRepository = {
    get: async (workspaceId, id) => structuredClone(data.tasks.get(key(workspaceId, id))),
    getForUpdate: async (workspaceId, id) => structuredClone(data.tasks.get(key(workspaceId, id))),
    async getMany(workspaceId, ids) {
      return ids.flatMap((id) => {
        const task = data.tasks.get(key(workspaceId, id));
        return task ? [structuredClone(task)] : [];
      });
    },
    async list(workspaceId, query, page) {
      const { field, descending } = query.order;
      const direction = descending ? -1 : 1;
      const after = page.after;
      return [...data.tasks.values()]
        .filter(
          (t) =>
            t.workspaceId === workspaceId &&
            (query.showDeleted || t.deleteTime === null) &&
            (!query.filter || matchesFilter(query.filter, t) === true),
        )
        .map((t) => ({ t, k: [sortKey(t, field), t.id] as [string | number, string] }))
        .filter(
          ({ k }) => !after || direction * byTuple(k, [cursorKey(after, field), after.id]) > 0,
        )
        .sort((a, b) => direction * byTuple(a.k, b.k))
        .slice(0, page.limit)
        .map(({ t }) => structuredClone(t));
    },
    async listProjectTasksForUpdate(workspaceId, projectId) {
      return [...data.tasks.values()]
        .filter((t) => t.workspaceId === workspaceId && t.projectId === projectId)
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((t) => structuredClone(t));
    },
    async insert(task, change, request) {
      if (request && requestTaken(request)) return false;
      const k = key(task.workspaceId, task.id);
      if (data.tasks.has(k)) throw new Error("duplicate task id");
      if (!data.workspaces.has(task.workspaceId)) throw new Error("no such workspace");
      data.tasks.set(k, structuredClone(task));
      appendChange(change);
      if (request) putRequest(structuredClone(request));
      return true;
    },
    async update(task) {
      const k = key(task.workspaceId, task.id);
      if (data.tasks.has(k)) data.tasks.set(k, structuredClone(task));
    },
    async recordCompletion(task, occurrence, at) {
      if (
        data.completions.some(
          (c) =>
            c.workspaceId === task.workspaceId &&
            c.taskId === task.id &&
            c.completion === task.completionCount,
        )
      ) {
        throw new Error("duplicate completion");
      }
      data.completions.push({
        workspaceId: task.workspaceId,
        taskId: task.id,
        completion: task.completionCount,
        occurrence,
        at,
      });
    },
  };

  const changes: ChangeLog = {
    append: async (change) => appendChange(change),
    async list(workspaceId, afterPosition, limit) {
      return data.changes
        .filter((c) => c.workspaceId === workspaceId && c.position > afterPosition)
        .slice(0, limit)
        .map((c) => structuredClone(c));
    },
    async listAll(afterPosition, limit) {
      return data.changes
        .filter((c) => c.position > afterPosition)
        .slice(0, limit)
        .map((c) => structuredClone(c));
    },
  };

  const requests: RequestLog = {
    find: async (workspaceId, principal, requestId) =>
      structuredClone(data.requests.get(key(workspaceId, principal, requestId))),
    async insert(record) {
      if (requestTaken(record)) return false;
      putRequest(structuredClone(record));
      return true;
    },
  };

  return { workspaces, members, projects, tasks, changes, requests } satisfies Repositories;
}

export interface InMemoryUnitOfWork extends UnitOfWork {
  /** The committed data. */
  readonly data: InMemoryData;
  /** How many transactions committed and rolled back. */
  readonly stats: { commits: number; rollbacks: number };
}

/**
 * A unit of work over in-memory data. `run` works on a copy and swaps it in when `work`
 * returns (commit), or drops it when `work` throws (rollback); runs take turns. Outside `run`,
 * every write commits on its own.
 */
export function createInMemoryUnitOfWork(
  options: { data?: InMemoryData; hooks?: InMemoryHooks; afterCommit?: () => void } = {},
): InMemoryUnitOfWork {
  const committed = options.data ?? emptyData();
  const hooks = options.hooks ?? {};
  const stats = { commits: 0, rollbacks: 0 };
  let turn: Promise<unknown> = Promise.resolve();

  /** Runs `work` on a copy of the committed data, one at a time, and keeps the copy if it succeeds. */
  const transaction = <T>(work: (data: InMemoryData) => Promise<T>): Promise<T> => {
    const result = turn.then(async () => {
      const copy = structuredClone(committed);
      try {
        const value = await work(copy);
        // In place: repositories built over the committed data keep seeing the latest commit.
        Object.assign(committed, copy);
        stats.commits++;
        options.afterCommit?.();
        return value;
      } catch (e) {
        stats.rollbacks++;
        throw e;
      }
    });
    turn = result.catch(() => undefined);
    return result;
  };

  // Outside `run`: reads see committed data; each write is its own transaction.
  const reads = repositories(committed, committed, hooks);
  const write =
    <A extends unknown[], R>(pick: (r: Repositories) => (...args: A) => Promise<R>) =>
    (...args: A) =>
      transaction((copy) => pick(repositories(copy, committed, hooks))(...args));

  return {
    repos: {
      workspaces: {
        ...reads.workspaces,
        insert: write((r) => r.workspaces.insert),
        update: write((r) => r.workspaces.update),
      },
      members: {
        ...reads.members,
        insert: write((r) => r.members.insert),
        update: write((r) => r.members.update),
        delete: write((r) => r.members.delete),
      },
      projects: {
        ...reads.projects,
        insert: write((r) => r.projects.insert),
        update: write((r) => r.projects.update),
        delete: write((r) => r.projects.delete),
      },
      tasks: {
        ...reads.tasks,
        insert: write((r) => r.tasks.insert),
        update: write((r) => r.tasks.update),
        recordCompletion: write((r) => r.tasks.recordCompletion),
      },
      changes: { ...reads.changes, append: write((r) => r.changes.append) },
      requests: { ...reads.requests, insert: write((r) => r.requests.insert) },
    },
    run: (work) => transaction((copy) => work(repositories(copy, committed, hooks))),
    data: committed,
    stats,
  };
}
