import type { DescMethod } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  Actor,
  MemberService,
  Role,
  TaskService,
  TaskState,
  WorkspaceService,
} from "@glidepath/contracts/core/v1";
import type { Protocol } from "@glidepath/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { methodPermissions } from "../src/adapters/rpc/authorization.js";
import { permissions } from "../src/domain/roles.js";
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
  type RoleName,
  randomWorkspace,
  requestBuilders,
  roleNames,
} from "./security-support.js";

// Promise 2, function-level authorisation: a role × method matrix generated from the contract
// descriptors and checked against the permission table the service itself declares.

type Cell = RoleName | "NON_MEMBER";
const cells: Cell[] = [...roleNames, "NON_MEMBER"];
const protocols: Protocol[] = ["grpc", "connect"];
const outsider = "outsider";

/** What the tables say: allowed, or PERMISSION_DENIED. */
function expected(method: DescMethod, cell: Cell): "allowed" | "denied" {
  const required = methodPermissions[methodKey(method)];
  if (required === undefined) return "denied"; // not in the table: denied to everyone
  if (required === "signed-in") return "allowed";
  if (cell === "NON_MEMBER") return "denied";
  return (permissions[required] as readonly string[]).includes(cell) ? "allowed" : "denied";
}

function classify(outcome: Outcome): string {
  if (outcome.ok) return "allowed";
  if (outcome.code === "PermissionDenied") return "denied";
  return `${outcome.code} (${outcome.reasons.join(",")}: ${outcome.message})`;
}

/** The same request, every workspace id in it swapped for `to`. */
function retarget(request: unknown, from: string, to: string): unknown {
  return JSON.parse(JSON.stringify(request).split(from).join(to));
}

async function pool<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: size }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
    }),
  );
}

describe("authorization matrix", () => {
  let core: CoreHarness;
  let clients: Clients;
  let shared: Fixture;
  let n = 0;
  const fresh = () => createFixture(clients, { founder: "founder", prefix: `f${n++}-` });

  beforeAll(async () => {
    core = await startCoreHarness();
    clients = new Clients(core);
    shared = await fresh();
  });
  afterAll(() => core?.stop());

  it("has a request builder and a permission entry for every method of the contract", () => {
    const methods = coreMethods();
    expect(methods.length).toBeGreaterThanOrEqual(28);
    const missingBuilder = methods.map(methodKey).filter((k) => !requestBuilders[k]);
    const missingPermission = methods.map(methodKey).filter((k) => !methodPermissions[k]);
    expect(missingBuilder, "methods without a request builder").toEqual([]);
    expect(missingPermission, "methods missing from methodPermissions").toEqual([]);
    // And nothing in the table that the contract doesn't serve.
    const served = new Set(methods.map(methodKey));
    expect(Object.keys(methodPermissions).filter((k) => !served.has(k))).toEqual([]);
  });

  it("allows and denies exactly what the permission table says", async () => {
    const methods = coreMethods();
    const mismatches: string[] = [];
    const work: { protocol: Protocol; method: DescMethod; cell: Cell }[] = [];
    for (const protocol of protocols) {
      for (const method of methods) {
        for (const cell of cells) work.push({ protocol, method, cell });
      }
    }
    let denials = 0;
    await pool(work, 8, async ({ protocol, method, cell }) => {
      const builder = requestBuilders[methodKey(method)];
      if (!builder) {
        mismatches.push(`${methodKey(method)}: no request builder`);
        return;
      }
      const fx = builder.fresh ? await fresh() : shared;
      const caller = cell === "NON_MEMBER" ? outsider : fx.users[cell];
      const service = method.parent;
      const client = await clients.get(service, caller, protocol);
      const request = builder.build(fx, caller);
      const outcome = await invoke(client, method, request);
      const want = expected(method, cell);
      const got = classify(outcome);
      const where = `${protocol} ${methodKey(method)} as ${cell}`;
      if (got !== want) mismatches.push(`${where}: expected ${want}, got ${got}`);
      if (got === "denied") {
        denials++;
        if (outcome.reasons.length !== 1 || outcome.reasons[0] !== "PERMISSION_DENIED") {
          mismatches.push(`${where}: ErrorInfo reasons ${JSON.stringify(outcome.reasons)}`);
        }
      }
      // Permission before existence: outside a workspace, its existence is not revealed.
      if (cell === "NON_MEMBER" && want === "denied") {
        const elsewhere = await invoke(client, method, retarget(request, fx.ws, randomWorkspace()));
        if (fingerprintOf(elsewhere) !== fingerprintOf(outcome)) {
          mismatches.push(
            `${where}: real workspace answers ${fingerprintOf(outcome)}, a missing one ${fingerprintOf(elsewhere)}`,
          );
        }
      }
    });
    const total = work.length;
    console.log(
      `authz: ${total} method×role cells, ${mismatches.length} mismatches (${methods.length} methods × ${cells.length} roles × ${protocols.length} protocols; ${denials} denied)`,
    );
    expect(mismatches).toEqual([]);
    expect(total).toBe(methods.length * cells.length * protocols.length);
  });

  describe("member management rules beyond the table", () => {
    let fx: Fixture;
    beforeAll(async () => {
      fx = await fresh();
    });
    const as = (user: string) => clients.get(MemberService, user);
    const name = (user: string) => `${fx.parent}/members/${user}`;

    it("only an OWNER grants OWNER", async () => {
      const admin = await as(fx.users.ADMIN);
      const denied = await attempt(() =>
        admin.createMember({
          parent: fx.parent,
          member: { user: "x-admin-made", role: Role.OWNER },
        }),
      );
      expect(denied.code).toBe("PermissionDenied");
      const promote = await attempt(() =>
        admin.updateMember({ member: { name: name(fx.target), role: Role.OWNER } }),
      );
      expect(promote.code).toBe("PermissionDenied");
      const owner = await as(fx.founder);
      const ok = await attempt(() =>
        owner.createMember({
          parent: fx.parent,
          member: { user: "x-owner-made", role: Role.OWNER },
        }),
      );
      expect(ok.code).toBe("OK");
    });

    it("an ADMIN can't demote or remove an OWNER", async () => {
      const admin = await as(fx.users.ADMIN);
      const demote = await attempt(() =>
        admin.updateMember({ member: { name: name(fx.users.OWNER), role: Role.VIEWER } }),
      );
      expect(demote.code).toBe("PermissionDenied");
      const remove = await attempt(() => admin.deleteMember({ name: name(fx.users.OWNER) }));
      expect(remove.code).toBe("PermissionDenied");
    });

    it("a MEMBER or VIEWER can leave but not remove others or change roles", async () => {
      for (const role of ["MEMBER", "VIEWER"] as const) {
        const client = await as(fx.users[role]);
        const remove = await attempt(() => client.deleteMember({ name: name(fx.target) }));
        expect(remove.code, role).toBe("PermissionDenied");
        const change = await attempt(() =>
          client.updateMember({ member: { name: name(fx.target), role: Role.ADMIN } }),
        );
        expect(change.code, role).toBe("PermissionDenied");
        const self = await attempt(() =>
          client.updateMember({ member: { name: name(fx.users[role]), role: Role.ADMIN } }),
        );
        expect(self.code, `${role} promoting itself`).toBe("PermissionDenied");
      }
      const viewer = await as(fx.users.VIEWER);
      expect((await attempt(() => viewer.deleteMember({ name: name(fx.users.VIEWER) }))).code).toBe(
        "OK",
      );
    });

    it("a removed member loses access at once", async () => {
      const member = await clients.get(TaskService, fx.users.MEMBER);
      expect((await attempt(() => member.getTask({ name: fx.openTask }))).code).toBe("OK");
      const owner = await as(fx.founder);
      await owner.deleteMember({ name: name(fx.users.MEMBER) });
      expect((await attempt(() => member.getTask({ name: fx.openTask }))).code).toBe(
        "PermissionDenied",
      );
    });

    it("the last OWNER can't leave", async () => {
      const solo = await createFixture(clients, { founder: "solo-founder", prefix: "solo-" });
      const owner = await clients.get(MemberService, solo.founder);
      await owner.deleteMember({ name: `${solo.parent}/members/${solo.users.OWNER}` });
      const leave = await attempt(() =>
        owner.deleteMember({ name: `${solo.parent}/members/${solo.founder}` }),
      );
      expect(leave.code).toBe("FailedPrecondition");
      expect(leave.reasons).toEqual(["LAST_OWNER"]);
    });
  });

  describe("output-only fields can't be set (mass assignment)", () => {
    it("CreateTask ignores name, state, times, etag, provenance and counts", async () => {
      const fx = await fresh();
      const tasks = await clients.get(TaskService, fx.users.MEMBER);
      const past = timestampFromDate(new Date("2001-01-01T00:00:00Z"));
      const { task } = await tasks.createTask({
        parent: fx.parent,
        task: {
          name: fx.openTask,
          title: "Mass assignment",
          state: TaskState.DONE,
          createTime: past,
          updateTime: past,
          completeTime: past,
          deleteTime: past,
          etag: '"99"',
          completionCount: 42,
          provenance: { actor: Actor.AUTONOMY, user: fx.founder, service: "autonomy" },
        },
      });
      expect(task?.name).not.toBe(fx.openTask);
      expect(task?.state).toBe(TaskState.OPEN);
      expect(task?.etag).toBe('"1"');
      expect(task?.completionCount).toBe(0);
      expect(task?.deleteTime).toBeUndefined();
      expect(task?.completeTime).toBeUndefined();
      expect(Number(task?.createTime?.seconds)).toBeGreaterThan(Number(past.seconds));
      expect(task?.provenance?.actor).toBe(Actor.USER);
      expect(task?.provenance?.user).toBe(fx.users.MEMBER);
      // And what was stored, read with plain SQL.
      const db = new pg.Client({ connectionString: core.databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query(
          `select state, version, completion_count, complete_time, delete_time, actor, actor_user, actor_service,
                  create_time > '2001-01-02' as fresh
           from core.tasks where id = $1`,
          [task?.name.split("/")[3]],
        );
        expect(rows).toEqual([
          {
            state: "OPEN",
            version: 1,
            completion_count: 0,
            complete_time: null,
            delete_time: null,
            actor: "USER",
            actor_user: fx.users.MEMBER,
            actor_service: null,
            fresh: true,
          },
        ]);
      } finally {
        await db.end();
      }
      const original = await tasks.getTask({ name: fx.openTask });
      expect(original.task?.title).toContain(fx.secret);
    });

    it("UpdateTask can't change state, deletion or counts", async () => {
      const fx = await fresh();
      const tasks = await clients.get(TaskService, fx.users.MEMBER);
      const past = timestampFromDate(new Date("2001-01-01T00:00:00Z"));
      const { task } = await tasks.updateTask({
        task: {
          name: fx.openTask,
          title: "Still open",
          state: TaskState.DONE,
          deleteTime: past,
          completionCount: 7,
        },
      });
      expect(task?.state).toBe(TaskState.OPEN);
      expect(task?.deleteTime).toBeUndefined();
      expect(task?.completionCount).toBe(0);
      const masked = await attempt(() =>
        tasks.updateTask({
          task: { name: fx.openTask, state: TaskState.DONE },
          updateMask: { paths: ["state"] },
        }),
      );
      expect(masked.code).toBe("InvalidArgument");
    });

    it("CreateWorkspace ignores a name and makes the caller OWNER of a new one", async () => {
      const fx = await fresh();
      const workspaces = await clients.get(WorkspaceService, outsider);
      const { workspace } = await workspaces.createWorkspace({
        workspace: { name: fx.parent, displayName: "Mine", callerRole: Role.VIEWER },
      });
      expect(workspace?.name).not.toBe(fx.parent);
      expect(workspace?.callerRole).toBe(Role.OWNER);
      const tasks = await clients.get(TaskService, outsider);
      expect((await attempt(() => tasks.getTask({ name: fx.openTask }))).code).toBe(
        "PermissionDenied",
      );
    });

    it("CreateMember ignores a member name in another workspace", async () => {
      const fx = await fresh();
      const other = await fresh();
      const members = await clients.get(MemberService, fx.founder);
      const { member } = await members.createMember({
        parent: fx.parent,
        member: { name: `${other.parent}/members/planted`, user: "planted", role: Role.VIEWER },
      });
      expect(member?.name).toBe(`${fx.parent}/members/planted`);
      const otherMembers = await clients.get(MemberService, other.founder);
      const planted = await attempt(() =>
        otherMembers.getMember({ name: `${other.parent}/members/planted` }),
      );
      expect(planted.code).toBe("NotFound");
    });
  });
});
