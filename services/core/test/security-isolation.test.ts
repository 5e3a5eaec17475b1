import { randomUUID } from "node:crypto";
import type { DescMethod } from "@bufbuild/protobuf";
import {
  MemberService,
  ProjectService,
  TaskService,
  WorkspaceService,
} from "@glidepath/contracts/core/v1";
import type { Protocol } from "@glidepath/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { methodPermissions } from "../src/adapters/rpc/authorization.js";
import { encodePageToken } from "../src/app/page-token.js";
import { type CoreHarness, startCoreHarness } from "./harness.js";
import {
  attempt,
  Clients,
  coreMethods,
  createFixture,
  type Fixture,
  fingerprintOf,
  invoke,
  methodKey,
  type Outcome,
  relaySettled,
  requestBuilders,
  stringify,
  withDb,
  workspaceSnapshot,
} from "./security-support.js";

// Promise 1, tenant isolation: every method × every resource name in its request × another
// tenant's real ids, that tenant's parent, and random ids, over gRPC and Connect.

const protocols: Protocol[] = ["grpc", "connect"];
const alice = "alice"; // OWNER of WA, member of nothing else
const bob = "bob"; // OWNER of WB

type Json = Record<string, unknown>;
type PathKey = string | number;

/** A resource name inside a request: a string field (or part of one, e.g. in a filter). */
interface Site {
  path: PathKey[];
  /** Which occurrence of a resource name inside that string. */
  occurrence: number;
  workspace: string;
  collection?: "tasks" | "projects" | "members";
  id?: string;
}

const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const namePattern = () =>
  new RegExp(
    `workspaces/(${uuid})(?:/(tasks|projects|members)/(${uuid}|[A-Za-z0-9][A-Za-z0-9._:|@+-]{0,127}))?`,
    "g",
  );

function sitesOf(value: unknown, path: PathKey[] = []): Site[] {
  if (typeof value === "string") {
    return [...value.matchAll(namePattern())].map((m, occurrence) => ({
      path,
      occurrence,
      workspace: m[1] as string,
      collection: m[2] as Site["collection"],
      id: m[3],
    }));
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => sitesOf(v, [...path, i]));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => sitesOf(v, [...path, k]));
  }
  return [];
}

const clone = <T>(value: T): T => structuredClone(value);

/** Replaces resource names in `request`: `pick` returns the new name for a site, or undefined. */
function rewrite(request: Json, pick: (site: Site) => string | undefined): Json {
  const out = clone(request);
  const rewriteString = (s: string, path: PathKey[]) => {
    let occurrence = 0;
    return s.replace(namePattern(), (match, workspace, collection, id) => {
      const next = pick({ path, occurrence: occurrence++, workspace, collection, id });
      return next ?? match;
    });
  };
  const walk = (value: unknown, path: PathKey[]): unknown => {
    if (typeof value === "string") return rewriteString(value, path);
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (value && typeof value === "object") {
      const o = value as Json;
      for (const k of Object.keys(o)) o[k] = walk(o[k], [...path, k]);
      return o;
    }
    return value;
  };
  return walk(out, []) as Json;
}

const samePlace = (a: Site, b: Site) =>
  a.occurrence === b.occurrence && a.path.join(".") === b.path.join(".");

const tail = (name: string) => name.split("/").pop() as string;

interface Variant {
  label: string;
  /** The request with the other tenant's names. */
  theirs: Json;
  /** The same request with names nobody has: the answer must be the same. */
  missing: Json;
}

/** Isolation-only additions: output-only names a client may send and the server must ignore. */
const extraNames: Record<string, (fx: Fixture, request: Json) => Json> = {
  "glidepath.core.v1.WorkspaceService/CreateWorkspace": (fx, r) => ({
    ...r,
    workspace: { ...(r.workspace as Json), name: fx.parent },
  }),
  "glidepath.core.v1.MemberService/CreateMember": (fx, r) => ({
    ...r,
    member: { ...(r.member as Json), name: `${fx.parent}/members/${fx.target}` },
  }),
  "glidepath.core.v1.ProjectService/CreateProject": (fx, r) => ({
    ...r,
    project: { ...(r.project as Json), name: fx.project },
  }),
  "glidepath.core.v1.TaskService/CreateTask": (fx, r) => ({
    ...r,
    task: { ...(r.task as Json), name: fx.openTask },
  }),
  "glidepath.core.v1.TaskService/ListTasks": (fx, r) => ({
    ...r,
    filter: `project = "${fx.project}" OR state = OPEN`,
  }),
};

describe("tenant isolation", () => {
  let core: CoreHarness;
  let clients: Clients;
  let a: Fixture;
  let b: Fixture;
  /** Every id of tenant B: finding one (or B's secret) in an answer to A is a leak. */
  let bIds: string[];

  beforeAll(async () => {
    core = await startCoreHarness();
    clients = new Clients(core);
    [a, b] = await Promise.all([
      createFixture(clients, { founder: alice, prefix: "a-" }),
      createFixture(clients, { founder: bob, prefix: "b-" }),
    ]);
    bIds = [
      b.ws,
      ...[b.project, b.archivedProject, b.openTask, b.doneTask, b.deletedTask].map(tail),
    ];
    await withDb(core.databaseUrl, (db) => relaySettled(db, b.ws));
  });
  afterAll(() => core?.stop());

  /** B's real resources of a kind, by id (user ids for members). */
  const theirIds = (collection: NonNullable<Site["collection"]>): string[] =>
    ({
      tasks: [b.openTask, b.deletedTask].map(tail),
      projects: [b.project, b.archivedProject].map(tail),
      members: [bob, b.target],
    })[collection];

  function variantsOf(request: Json): Variant[] {
    const sites = sitesOf(request).filter((s) => s.workspace === a.ws);
    const variants: Variant[] = [];
    const randomWs = randomUUID();
    const randomId = (collection: Site["collection"]) =>
      collection === "members" ? `nobody-${randomUUID().slice(0, 8)}` : randomUUID();
    for (const site of sites) {
      const at = `${site.path.join(".")}#${site.occurrence}`;
      const only = (name: string) => (s: Site) => (samePlace(s, site) ? name : undefined);
      if (!site.collection) {
        variants.push({
          label: `${at}: B's workspace`,
          theirs: rewrite(request, only(`workspaces/${b.ws}`)),
          missing: rewrite(request, only(`workspaces/${randomWs}`)),
        });
        continue;
      }
      const c = site.collection;
      for (const id of theirIds(c)) {
        const missingId = randomId(c);
        variants.push({
          label: `${at}: A's parent + B's ${c} ${id}`,
          theirs: rewrite(request, only(`workspaces/${a.ws}/${c}/${id}`)),
          missing: rewrite(request, only(`workspaces/${a.ws}/${c}/${missingId}`)),
        });
        variants.push({
          label: `${at}: B's ${c} ${id} under B's parent`,
          theirs: rewrite(request, only(`workspaces/${b.ws}/${c}/${id}`)),
          missing: rewrite(request, only(`workspaces/${randomWs}/${c}/${missingId}`)),
        });
      }
      const missingId = randomId(c);
      variants.push({
        label: `${at}: B's parent + a random ${c} id`,
        theirs: rewrite(request, only(`workspaces/${b.ws}/${c}/${missingId}`)),
        missing: rewrite(request, only(`workspaces/${randomWs}/${c}/${missingId}`)),
      });
    }
    if (sites.length > 1) {
      const ids = new Map<string, string>();
      const randomFor = (s: Site) => {
        const key = `${s.collection}/${s.id}`;
        if (!ids.has(key)) ids.set(key, randomId(s.collection));
        return ids.get(key) as string;
      };
      variants.push({
        label: "every name moved to B",
        theirs: rewrite(request, (s) =>
          s.workspace !== a.ws
            ? undefined
            : s.collection
              ? `workspaces/${b.ws}/${s.collection}/${theirIds(s.collection)[0]}`
              : `workspaces/${b.ws}`,
        ),
        missing: rewrite(request, (s) =>
          s.workspace !== a.ws
            ? undefined
            : s.collection
              ? `workspaces/${randomWs}/${s.collection}/${randomFor(s)}`
              : `workspaces/${randomWs}`,
        ),
      });
    }
    return variants;
  }

  const leaks = (outcome: Outcome, request: Json): string[] => {
    const text = stringify(outcome.ok ? outcome.response : [outcome.message, outcome.metadata]);
    const sent = stringify(request);
    const found: string[] = [];
    if (text.includes(b.secret)) found.push("B's secret");
    for (const id of bIds) if (text.includes(id) && !sent.includes(id)) found.push(`B's id ${id}`);
    return found;
  };

  it("never reads, changes or reveals another workspace's data", async () => {
    const methods = coreMethods();
    let tried = 0;
    let through = 0;
    const unexpected: string[] = [];
    const leaked: string[] = [];
    const covered = new Set<string>();
    const bad = new Set(["Internal", "Unknown", "Unauthenticated", "Unimplemented"]);

    for (const method of methods) {
      const key = methodKey(method);
      const builder = requestBuilders[key];
      if (!builder) {
        unexpected.push(`${key}: no request builder`);
        continue;
      }
      const build = () => {
        const base = builder.build(a, alice);
        return extraNames[key]?.(a, base) ?? base;
      };
      const before = await withDb(core.databaseUrl, (db) => workspaceSnapshot(db, b.ws));
      for (const protocol of protocols) {
        const client = await clients.get(method.parent, alice, protocol);
        const variants = variantsOf(build());
        if (variants.length === 0) {
          // Not addressed to a workspace: A's own view must still hold nothing of B's.
          const request = build();
          const outcome = await invoke(client, method, request);
          tried++;
          const found = leaks(outcome, request);
          if (found.length) {
            through++;
            leaked.push(`${protocol} ${key}: ${found.join(", ")}`);
          }
          if (!outcome.ok) unexpected.push(`${protocol} ${key}: ${outcome.code}`);
          covered.add(key);
          continue;
        }
        for (const variant of variants) {
          const where = `${protocol} ${key} [${variant.label}]`;
          // Rebuilt for each call, so calls are independent (e.g. a new user per CreateMember).
          const rebuilt = () => variantsOf(build()).find((v) => v.label === variant.label);
          const theirsRequest = rebuilt()?.theirs ?? variant.theirs;
          const missingRequest = rebuilt()?.missing ?? variant.missing;
          const theirs = await invoke(client, method, theirsRequest, { streamWaitMs: 500 });
          const missing = await invoke(client, method, missingRequest, { streamWaitMs: 500 });
          tried++;
          covered.add(key);
          const found = leaks(theirs, theirsRequest);
          if (found.length) {
            through++;
            leaked.push(`${where}: answer holds ${found.join(", ")}`);
          }
          if (bad.has(theirs.code)) unexpected.push(`${where}: ${theirs.code} ${theirs.message}`);
          if (theirs.ok !== missing.ok) {
            unexpected.push(`${where}: B's ids ${theirs.code}, missing ids ${missing.code}`);
          } else if (!theirs.ok && fingerprintOf(theirs) !== fingerprintOf(missing)) {
            unexpected.push(
              `${where}: distinguishable: ${fingerprintOf(theirs)} vs ${fingerprintOf(missing)}`,
            );
          }
        }
      }
      const after = await withDb(core.databaseUrl, (db) => workspaceSnapshot(db, b.ws));
      if (after !== before) {
        through++;
        leaked.push(`${key}: B's rows changed`);
      }
    }
    // Every method of the contract was tried; the only ones without resource names are those
    // not addressed to a workspace.
    const notCovered = methods.map(methodKey).filter((k) => !covered.has(k));
    const unaddressed = methods
      .filter((m: DescMethod) => {
        const request = requestBuilders[methodKey(m)]?.build(a, alice) ?? {};
        return variantsOf(extraNames[methodKey(m)]?.(a, request) ?? request).length === 0;
      })
      .map(methodKey);
    console.log(`isolation: tried ${tried}, through ${through}, unexpected ${unexpected.length}`);
    expect(leaked).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(through).toBe(0);
    expect(notCovered).toEqual([]);
    for (const k of unaddressed) expect(methodPermissions[k], k).toBe("signed-in");
  });

  describe("page tokens and request ids grant nothing", () => {
    let carol: { x: Fixture; y: Fixture };
    beforeAll(async () => {
      // carol is OWNER of two workspaces: the one tenant for whom tokens could cross over.
      const [x, y] = await Promise.all([
        createFixture(clients, { founder: "carol", prefix: "x-" }),
        createFixture(clients, { founder: "carol", prefix: "y-" }),
      ]);
      carol = { x, y };
    });

    it("a page token from one workspace is refused in another", async () => {
      const { x, y } = carol;
      const tasks = await clients.get(TaskService, "carol");
      const projects = await clients.get(ProjectService, "carol");
      const members = await clients.get(MemberService, "carol");
      const cases: [string, () => Promise<string>, (token: string) => Promise<unknown>][] = [
        [
          "ListTasks",
          async () =>
            (await tasks.listTasks({ parent: x.parent, pageSize: 1, showDeleted: true }))
              .nextPageToken,
          (t) =>
            tasks.listTasks({ parent: y.parent, pageSize: 1, showDeleted: true, pageToken: t }),
        ],
        [
          "ListProjects",
          async () =>
            (await projects.listProjects({ parent: x.parent, pageSize: 1, showArchived: true }))
              .nextPageToken,
          (t) =>
            projects.listProjects({
              parent: y.parent,
              pageSize: 1,
              showArchived: true,
              pageToken: t,
            }),
        ],
        [
          "ListMembers",
          async () => (await members.listMembers({ parent: x.parent, pageSize: 1 })).nextPageToken,
          (t) => members.listMembers({ parent: y.parent, pageSize: 1, pageToken: t }),
        ],
      ];
      for (const [name, take, use] of cases) {
        const token = await take();
        expect(token, name).not.toBe("");
        const outcome = await attempt(() => use(token));
        expect(outcome.code, name).toBe("InvalidArgument");
        expect(outcome.reasons, name).toEqual(["INVALID_ARGUMENT"]);
      }
      // ListWorkspaces tokens belong to their user.
      const mine = await clients.get(WorkspaceService, "carol");
      const token = (await mine.listWorkspaces({ pageSize: 1 })).nextPageToken;
      expect(token).not.toBe("");
      const theirs = await clients.get(WorkspaceService, "x-owner");
      const outcome = await attempt(() => theirs.listWorkspaces({ pageSize: 1, pageToken: token }));
      expect(outcome.code).toBe("InvalidArgument");
    });

    it("a forged page token is refused, never a server error", async () => {
      const tasks = await clients.get(TaskService, alice);
      const projects = await clients.get(ProjectService, alice);
      const members = await clients.get(MemberService, alice);
      const workspaces = await clients.get(WorkspaceService, alice);
      const taskQuery = ["", "", false];
      const forged: [string, () => Promise<unknown>][] = [];
      const taskKeys: unknown[] = [
        { key: "not a time", id: randomUUID() },
        { key: new Date().toISOString(), id: "not-a-uuid" },
        { key: 1e300, id: randomUUID() },
        { key: "2024-01-01T00:00:00Z\u0000", id: randomUUID() },
      ];
      for (const k of taskKeys) {
        forged.push([
          `ListTasks ${JSON.stringify(k)}`,
          () =>
            tasks.listTasks({ parent: a.parent, pageToken: encodePageToken(a.ws, taskQuery, k) }),
        ]);
        forged.push([
          `ListTasks in B ${JSON.stringify(k)}`,
          () =>
            tasks.listTasks({ parent: b.parent, pageToken: encodePageToken(b.ws, taskQuery, k) }),
        ]);
      }
      for (const k of [
        { createTime: "yesterday", id: randomUUID() },
        { createTime: new Date().toISOString(), id: "x" },
      ]) {
        forged.push([
          `ListProjects ${JSON.stringify(k)}`,
          () =>
            projects.listProjects({
              parent: a.parent,
              pageToken: encodePageToken(a.ws, [false], k),
            }),
        ]);
      }
      forged.push([
        "ListMembers with a NUL",
        () =>
          members.listMembers({
            parent: a.parent,
            pageToken: encodePageToken(a.ws, ["members"], "a\u0000b"),
          }),
      ]);
      forged.push([
        "ListWorkspaces with a non-uuid key",
        () => workspaces.listWorkspaces({ pageToken: encodePageToken(`user:${alice}`, [], "zz") }),
      ]);
      forged.push([
        "ListWorkspaces with another user's scope",
        () => workspaces.listWorkspaces({ pageToken: encodePageToken(`user:${bob}`, [], b.ws) }),
      ]);
      const problems: string[] = [];
      for (const [name, call] of forged) {
        const outcome = await attempt(call);
        const expectedCode = name.includes(" in B ") ? "PermissionDenied" : "InvalidArgument";
        if (outcome.code !== expectedCode) problems.push(`${name}: ${outcome.code}`);
        if (leaks(outcome, {}).length) problems.push(`${name}: leaks`);
      }
      expect(problems).toEqual([]);
    });

    it("a request id used in one workspace creates a new task in another", async () => {
      const { x, y } = carol;
      const tasks = await clients.get(TaskService, "carol");
      const requestId = randomUUID();
      const first = await tasks.createTask({
        parent: x.parent,
        requestId,
        task: { title: "Same request" },
      });
      const replay = await tasks.createTask({
        parent: x.parent,
        requestId,
        task: { title: "Same request" },
      });
      expect(replay.task?.name).toBe(first.task?.name);
      const other = await tasks.createTask({
        parent: y.parent,
        requestId,
        task: { title: "Same request" },
      });
      expect(other.task?.name).not.toBe(first.task?.name);
      expect(other.task?.name.startsWith(`${y.parent}/tasks/`)).toBe(true);
      // Different content under an id used only in the other workspace is no conflict.
      const second = randomUUID();
      await tasks.createTask({ parent: x.parent, requestId: second, task: { title: "In X" } });
      const different = await attempt(() =>
        tasks.createTask({ parent: y.parent, requestId: second, task: { title: "In Y" } }),
      );
      expect(different.code).toBe("OK");
      // ... nor across principals in the same workspace.
      const owner = await clients.get(TaskService, x.users.OWNER);
      const theirs = await owner.createTask({
        parent: x.parent,
        requestId,
        task: { title: "Same request" },
      });
      expect(theirs.task?.name).not.toBe(first.task?.name);
      // B's request ids mean nothing to A: the same id in WA makes A's own task.
      const third = randomUUID();
      const bobTasks = await clients.get(TaskService, bob);
      const bobs = await bobTasks.createTask({
        parent: b.parent,
        requestId: third,
        task: { title: `${b.secret} idempotent` },
      });
      const aliceTasks = await clients.get(TaskService, alice);
      const mine = await aliceTasks.createTask({
        parent: a.parent,
        requestId: third,
        task: { title: `${b.secret} idempotent` },
      });
      expect(mine.task?.name.startsWith(`${a.parent}/tasks/`)).toBe(true);
      expect(stringify(mine)).not.toContain(tail(bobs.task?.name ?? "none"));
    });
  });
});
