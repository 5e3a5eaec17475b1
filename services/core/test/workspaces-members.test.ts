import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import {
  MemberService,
  Role,
  TaskService,
  WorkspaceSchema,
  WorkspaceService,
} from "@glidepath/contracts/core/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";
import { type Db, errorStats, expectRpcError, openDb, wire } from "./rpc-expect.js";

describe("core WorkspaceService and MemberService", () => {
  let core: CoreHarness;
  let db: Db;
  beforeAll(async () => {
    core = await startCoreHarness();
    db = await openDb(core.databaseUrl);
  });
  afterAll(async () => {
    console.log(
      `workspaces-members: ${errorStats.checked} errors checked for leaks, ${errorStats.leaked} leaked`,
    );
    await db?.close();
    await core?.stop();
  });

  const workspaces = (user: string) => core.client(WorkspaceService, user);
  const members = (user: string) => core.client(MemberService, user);
  const memberName = (ws: string, user: string) => `workspaces/${ws}/members/${user}`;

  /** A workspace owned by `owner` with the given other members. */
  async function workspaceWith(owner: string, others: Record<string, Role> = {}) {
    const ws = await core.workspace(owner);
    const client = await members(owner);
    for (const [user, role] of Object.entries(others)) {
      await client.createMember({ parent: `workspaces/${ws}`, member: { user, role } });
    }
    return ws;
  }

  describe("WorkspaceService", () => {
    it("creates a workspace whose caller becomes its only OWNER", async () => {
      const client = await workspaces("ws-alice");
      const { workspace } = await client.createWorkspace({
        workspace: { displayName: "  Home  ", callerRole: Role.VIEWER, etag: '"99"' },
      });
      expect(workspace?.name).toMatch(/^workspaces\/[0-9a-f-]{36}$/);
      expect(workspace?.displayName).toBe("Home");
      expect(workspace?.callerRole).toBe(Role.OWNER);
      expect(workspace?.etag).toBe('"1"');
      expect(workspace?.createTime).toBeDefined();
      expect(workspace?.updateTime).toEqual(workspace?.createTime);

      const list = await (await members("ws-alice")).listMembers({ parent: workspace?.name ?? "" });
      expect(list.members.map((m) => [m.user, m.role])).toEqual([["ws-alice", Role.OWNER]]);
      const ws = (workspace?.name ?? "").split("/")[1];
      expect(
        await db.count(
          `select count(*) from core.members where workspace_id = $1 and role = 'OWNER'`,
          [ws],
        ),
      ).toBe(1);
    });

    it("replays CreateWorkspace with the same request_id and refuses a different request", async () => {
      const client = await workspaces("ws-retry");
      const requestId = randomUUID();
      const first = await client.createWorkspace({ workspace: { displayName: "Once" }, requestId });
      const again = await client.createWorkspace({ workspace: { displayName: "Once" }, requestId });
      expect(wire(WorkspaceSchema, again.workspace)).toEqual(
        wire(WorkspaceSchema, first.workspace),
      );
      await expectRpcError(
        client.createWorkspace({ workspace: { displayName: "Twice" }, requestId }),
        Code.FailedPrecondition,
        "REQUEST_ID_REUSED",
      );
      const mine = await client.listWorkspaces({});
      expect(mine.workspaces.map((w) => w.displayName)).toEqual(["Once"]);
    });

    it("creates one workspace for 20 concurrent copies of a request", async () => {
      const client = await workspaces("ws-race");
      const requestId = randomUUID();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          client.createWorkspace({ workspace: { displayName: "Raced" }, requestId }),
        ),
      );
      expect(new Set(results.map((r) => wire(WorkspaceSchema, r.workspace))).size).toBe(1);
      expect((await client.listWorkspaces({})).workspaces).toHaveLength(1);
      expect(await db.count(`select count(*) from core.members where user_id = 'ws-race'`)).toBe(1);
    });

    it("gets a workspace with the caller's own role", async () => {
      const ws = await workspaceWith("ws-get-owner", { "ws-get-viewer": Role.VIEWER });
      const owner = await (await workspaces("ws-get-owner")).getWorkspace({
        name: `workspaces/${ws}`,
      });
      expect(owner.workspace?.displayName).toBe("Test workspace");
      expect(owner.workspace?.callerRole).toBe(Role.OWNER);
      const viewer = await (await workspaces("ws-get-viewer")).getWorkspace({
        name: `workspaces/${ws}`,
      });
      expect(viewer.workspace?.callerRole).toBe(Role.VIEWER);
      expect(viewer.workspace?.etag).toBe(owner.workspace?.etag);
      await expectRpcError(
        (await workspaces("ws-get-stranger")).getWorkspace({ name: `workspaces/${ws}` }),
        Code.PermissionDenied,
      );
    });

    it("lists only the caller's workspaces, page by page, each once", async () => {
      const mine: string[] = [];
      for (let i = 0; i < 5; i++) mine.push(await core.workspace("ws-lister", `Mine ${i}`));
      // One more where the lister is only a MEMBER, and one the lister is not in.
      const shared = await workspaceWith("ws-list-other", { "ws-lister": Role.MEMBER });
      await core.workspace("ws-list-other", "Not the lister's");
      const client = await workspaces("ws-lister");
      const seen: { id: string; role: Role }[] = [];
      let pageToken = "";
      let pages = 0;
      do {
        const page = await client.listWorkspaces({ pageSize: 2, pageToken });
        expect(page.workspaces.length).toBeLessThanOrEqual(2);
        for (const w of page.workspaces) {
          seen.push({ id: w.name.split("/")[1] as string, role: w.callerRole });
        }
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken && pages < 10);
      expect(pages).toBe(3);
      expect(seen.map((s) => s.id).sort()).toEqual([...mine, shared].sort());
      expect(new Set(seen.map((s) => s.id)).size).toBe(6);
      expect(seen.find((s) => s.id === shared)?.role).toBe(Role.MEMBER);
      expect(seen.filter((s) => s.role === Role.OWNER)).toHaveLength(5);
      const all = await client.listWorkspaces({});
      expect(all.workspaces).toHaveLength(6);
      expect(all.nextPageToken).toBe("");

      // A page token is bound to its caller.
      const first = await client.listWorkspaces({ pageSize: 1 });
      const err = await expectRpcError(
        (await workspaces("ws-list-other")).listWorkspaces({ pageToken: first.nextPageToken }),
        Code.InvalidArgument,
      );
      expect(err.rawMessage).toContain("page_token");
    });

    it("renames with update_mask and etag; a stale etag is ABORTED", async () => {
      const ws = await workspaceWith("ws-upd-owner", {
        "ws-upd-admin": Role.ADMIN,
        "ws-upd-member": Role.MEMBER,
      });
      const name = `workspaces/${ws}`;
      const owner = await workspaces("ws-upd-owner");
      const renamed = await owner.updateWorkspace({
        workspace: { name, displayName: "Renamed", etag: '"1"' },
        updateMask: { paths: ["display_name"] },
      });
      expect(renamed.workspace?.displayName).toBe("Renamed");
      expect(renamed.workspace?.etag).toBe('"2"');
      expect(renamed.workspace?.callerRole).toBe(Role.OWNER);

      await expectRpcError(
        owner.updateWorkspace({
          workspace: { name, displayName: "Lost update", etag: '"1"' },
          updateMask: { paths: ["display_name"] },
        }),
        Code.Aborted,
        "ETAG_MISMATCH",
      );
      // An ADMIN may rename too, with an empty mask (every updatable field).
      const byAdmin = await (await workspaces("ws-upd-admin")).updateWorkspace({
        workspace: { name, displayName: "By admin" },
      });
      expect(byAdmin.workspace?.displayName).toBe("By admin");
      expect(byAdmin.workspace?.etag).toBe('"3"');
      expect(byAdmin.workspace?.callerRole).toBe(Role.ADMIN);
      await expectRpcError(
        (await workspaces("ws-upd-member")).updateWorkspace({
          workspace: { name, displayName: "Not allowed" },
        }),
        Code.PermissionDenied,
      );
      const got = await owner.getWorkspace({ name });
      expect(got.workspace?.displayName).toBe("By admin");
      expect(got.workspace?.etag).toBe('"3"');
    });
  });

  describe("MemberService", () => {
    it("adds, gets, lists, changes the role of and removes a member", async () => {
      const ws = await core.workspace("mb-owner");
      const parent = `workspaces/${ws}`;
      const owner = await members("mb-owner");

      const added = await owner.createMember({
        parent,
        member: { user: "mb-bob", role: Role.MEMBER, name: memberName(ws, "ignored") },
      });
      expect(added.member?.name).toBe(memberName(ws, "mb-bob"));
      expect(added.member?.user).toBe("mb-bob");
      expect(added.member?.role).toBe(Role.MEMBER);
      expect(added.member?.etag).toBe('"1"');

      const got = await owner.getMember({ name: memberName(ws, "mb-bob") });
      expect(got.member).toEqual(added.member);
      // A MEMBER can read members too.
      const byBob = await (await members("mb-bob")).getMember({ name: memberName(ws, "mb-owner") });
      expect(byBob.member?.role).toBe(Role.OWNER);

      const updated = await owner.updateMember({
        member: { name: memberName(ws, "mb-bob"), role: Role.ADMIN, etag: '"1"' },
        updateMask: { paths: ["role"] },
      });
      expect(updated.member?.role).toBe(Role.ADMIN);
      expect(updated.member?.etag).toBe('"2"');
      await expectRpcError(
        owner.updateMember({
          member: { name: memberName(ws, "mb-bob"), role: Role.VIEWER, etag: '"1"' },
          updateMask: { paths: ["role"] },
        }),
        Code.Aborted,
        "ETAG_MISMATCH",
      );
      // Empty mask: every updatable field (the role).
      const viewer = await owner.updateMember({
        member: { name: memberName(ws, "mb-bob"), role: Role.VIEWER },
      });
      expect(viewer.member?.role).toBe(Role.VIEWER);
      expect(viewer.member?.etag).toBe('"3"');

      await expectRpcError(
        owner.deleteMember({ name: memberName(ws, "mb-bob"), etag: '"2"' }),
        Code.Aborted,
        "ETAG_MISMATCH",
      );
      await owner.deleteMember({ name: memberName(ws, "mb-bob"), etag: '"3"' });
      await expectRpcError(
        owner.getMember({ name: memberName(ws, "mb-bob") }),
        Code.NotFound,
        "MEMBER_NOT_FOUND",
      );
      await expectRpcError(
        owner.deleteMember({ name: memberName(ws, "mb-bob") }),
        Code.NotFound,
        "MEMBER_NOT_FOUND",
      );
      expect(
        await db.count(`select count(*) from core.members where workspace_id = $1`, [ws]),
      ).toBe(1);
    });

    it("lists members ordered by user id, page by page", async () => {
      const users = ["mbl-e", "mbl-a", "mbl-d", "mbl-c", "mbl-b"];
      const ws = await workspaceWith(
        "mbl-owner",
        Object.fromEntries(users.map((u) => [u, Role.VIEWER])),
      );
      const client = await members("mbl-a");
      const seen: string[] = [];
      let pageToken = "";
      let pages = 0;
      do {
        const page = await client.listMembers({
          parent: `workspaces/${ws}`,
          pageSize: 2,
          pageToken,
        });
        seen.push(...page.members.map((m) => m.user));
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(["mbl-a", "mbl-b", "mbl-c", "mbl-d", "mbl-e", "mbl-owner"]);
      // A page token of one workspace is refused in another.
      const other = await workspaceWith("mbl-owner");
      const first = await client.listMembers({ parent: `workspaces/${ws}`, pageSize: 1 });
      const err = await expectRpcError(
        (await members("mbl-owner")).listMembers({
          parent: `workspaces/${other}`,
          pageToken: first.nextPageToken,
        }),
        Code.InvalidArgument,
      );
      expect(err.rawMessage).toContain("page_token");
    });

    it("refuses a duplicate member with ALREADY_EXISTS", async () => {
      const ws = await workspaceWith("mbd-owner", { "mbd-bob": Role.MEMBER });
      const owner = await members("mbd-owner");
      await expectRpcError(
        owner.createMember({
          parent: `workspaces/${ws}`,
          member: { user: "mbd-bob", role: Role.VIEWER },
        }),
        Code.AlreadyExists,
        "MEMBER_EXISTS",
      );
      await expectRpcError(
        owner.createMember({
          parent: `workspaces/${ws}`,
          member: { user: "mbd-owner", role: Role.ADMIN },
        }),
        Code.AlreadyExists,
      );
      const bob = await owner.getMember({ name: memberName(ws, "mbd-bob") });
      expect(bob.member?.role).toBe(Role.MEMBER);
      expect(bob.member?.etag).toBe('"1"');
    });

    it("lets an ADMIN manage non-owners but never grant or touch OWNER", async () => {
      const ws = await workspaceWith("mba-owner", {
        "mba-admin": Role.ADMIN,
        "mba-m": Role.MEMBER,
      });
      const parent = `workspaces/${ws}`;
      const admin = await members("mba-admin");

      const added = await admin.createMember({
        parent,
        member: { user: "mba-new", role: Role.ADMIN },
      });
      expect(added.member?.role).toBe(Role.ADMIN);
      const demoted = await admin.updateMember({
        member: { name: memberName(ws, "mba-m"), role: Role.VIEWER },
        updateMask: { paths: ["role"] },
      });
      expect(demoted.member?.role).toBe(Role.VIEWER);
      await admin.deleteMember({ name: memberName(ws, "mba-m") });

      // Grant OWNER: to a new member, to another member, to itself.
      await expectRpcError(
        admin.createMember({ parent, member: { user: "mba-x", role: Role.OWNER } }),
        Code.PermissionDenied,
      );
      await expectRpcError(
        admin.updateMember({ member: { name: memberName(ws, "mba-new"), role: Role.OWNER } }),
        Code.PermissionDenied,
      );
      await expectRpcError(
        admin.updateMember({ member: { name: memberName(ws, "mba-admin"), role: Role.OWNER } }),
        Code.PermissionDenied,
      );
      // Touch an OWNER: demote, remove.
      await expectRpcError(
        admin.updateMember({ member: { name: memberName(ws, "mba-owner"), role: Role.ADMIN } }),
        Code.PermissionDenied,
      );
      await expectRpcError(
        admin.deleteMember({ name: memberName(ws, "mba-owner") }),
        Code.PermissionDenied,
      );
      expect(
        await db.count(
          `select count(*) from core.members where workspace_id = $1 and role = 'OWNER'`,
          [ws],
        ),
      ).toBe(1);
      expect(
        await db.count(
          `select count(*) from core.members where workspace_id = $1 and user_id = 'mba-x'`,
          [ws],
        ),
      ).toBe(0);

      // An OWNER may grant OWNER.
      const owner = await members("mba-owner");
      const promoted = await owner.updateMember({
        member: { name: memberName(ws, "mba-new"), role: Role.OWNER },
        updateMask: { paths: ["role"] },
      });
      expect(promoted.member?.role).toBe(Role.OWNER);
      const second = await owner.createMember({
        parent,
        member: { user: "mba-o3", role: Role.OWNER },
      });
      expect(second.member?.role).toBe(Role.OWNER);
    });

    it("refuses MEMBER and VIEWER managing members", async () => {
      const ws = await workspaceWith("mbp-owner", { "mbp-m": Role.MEMBER, "mbp-v": Role.VIEWER });
      const parent = `workspaces/${ws}`;
      for (const user of ["mbp-m", "mbp-v"]) {
        const client = await members(user);
        await expectRpcError(
          client.createMember({ parent, member: { user: "mbp-x", role: Role.VIEWER } }),
          Code.PermissionDenied,
        );
        await expectRpcError(
          client.updateMember({ member: { name: memberName(ws, user), role: Role.ADMIN } }),
          Code.PermissionDenied,
        );
        const other = user === "mbp-m" ? "mbp-v" : "mbp-m";
        await expectRpcError(
          client.deleteMember({ name: memberName(ws, other) }),
          Code.PermissionDenied,
        );
      }
      expect(
        await db.count(`select count(*) from core.members where workspace_id = $1`, [ws]),
      ).toBe(3);
    });

    it("keeps the last OWNER: not removed, not demoted (LAST_OWNER)", async () => {
      const ws = await workspaceWith("mbo-a", { "mbo-admin": Role.ADMIN });
      const parent = `workspaces/${ws}`;
      const a = await members("mbo-a");
      await expectRpcError(
        a.deleteMember({ name: memberName(ws, "mbo-a") }),
        Code.FailedPrecondition,
        "LAST_OWNER",
      );
      await expectRpcError(
        a.updateMember({ member: { name: memberName(ws, "mbo-a"), role: Role.ADMIN } }),
        Code.FailedPrecondition,
        "LAST_OWNER",
      );
      // With a second OWNER, the first may step down, and then the second is the last.
      await a.createMember({ parent, member: { user: "mbo-b", role: Role.OWNER } });
      const stepped = await a.updateMember({
        member: { name: memberName(ws, "mbo-a"), role: Role.ADMIN },
        updateMask: { paths: ["role"] },
      });
      expect(stepped.member?.role).toBe(Role.ADMIN);
      const b = await members("mbo-b");
      await expectRpcError(
        b.deleteMember({ name: memberName(ws, "mbo-b") }),
        Code.FailedPrecondition,
        "LAST_OWNER",
      );
      await expectRpcError(
        b.updateMember({ member: { name: memberName(ws, "mbo-b"), role: Role.MEMBER } }),
        Code.FailedPrecondition,
        "LAST_OWNER",
      );
      // Promote a back, then b may leave.
      await b.updateMember({ member: { name: memberName(ws, "mbo-a"), role: Role.OWNER } });
      await b.deleteMember({ name: memberName(ws, "mbo-b") });
      const owners = await (await members("mbo-a")).listMembers({ parent });
      expect(owners.members.filter((m) => m.role === Role.OWNER).map((m) => m.user)).toEqual([
        "mbo-a",
      ]);
    });

    it("keeps an OWNER when the last two leave or step down at the same time", async () => {
      const outcomes: string[] = [];
      for (let round = 0; round < 5; round++) {
        const [a, b] = [`mbr-a${round}`, `mbr-b${round}`];
        const ws = await workspaceWith(a, { [b]: Role.OWNER });
        const leave = async (user: string) =>
          (await members(user)).deleteMember({ name: memberName(ws, user) });
        const demote = async (user: string) =>
          (await members(user)).updateMember({
            member: { name: memberName(ws, user), role: Role.ADMIN },
          });
        const calls: Promise<unknown>[] =
          round % 2 === 0 ? [leave(a), leave(b)] : [demote(a), leave(b)];
        const results = await Promise.allSettled(calls);
        const rejected = results.filter((r) => r.status === "rejected");
        expect(rejected).toHaveLength(1);
        for (const r of rejected) {
          await expectRpcError(Promise.reject(r.reason), Code.FailedPrecondition, "LAST_OWNER");
        }
        outcomes.push(results.map((r) => r.status).join("/"));
        expect(
          await db.count(
            `select count(*) from core.members where workspace_id = $1 and role = 'OWNER'`,
            [ws],
          ),
        ).toBe(1);
      }
      expect(outcomes).toHaveLength(5);
    });

    it("lets anyone leave", async () => {
      const ws = await workspaceWith("mbx-owner", {
        "mbx-admin": Role.ADMIN,
        "mbx-member": Role.MEMBER,
        "mbx-viewer": Role.VIEWER,
        "mbx-owner2": Role.OWNER,
      });
      for (const user of ["mbx-viewer", "mbx-member", "mbx-admin", "mbx-owner2"]) {
        await (await members(user)).deleteMember({ name: memberName(ws, user) });
        await expectRpcError(
          (await workspaces(user)).getWorkspace({ name: `workspaces/${ws}` }),
          Code.PermissionDenied,
        );
      }
      const left = await (await members("mbx-owner")).listMembers({ parent: `workspaces/${ws}` });
      expect(left.members.map((m) => m.user)).toEqual(["mbx-owner"]);
    });

    it("gives a new member access at once and takes it away at once", async () => {
      const ws = await core.workspace("mbc-owner");
      const parent = `workspaces/${ws}`;
      const owner = await members("mbc-owner");
      const carolWs = await workspaces("mbc-carol");
      const carolTasks = await core.client(TaskService, "mbc-carol");

      // Denied twice, so a negative answer is certainly cached.
      for (let i = 0; i < 2; i++) {
        await expectRpcError(carolWs.getWorkspace({ name: parent }), Code.PermissionDenied);
      }
      await owner.createMember({ parent, member: { user: "mbc-carol", role: Role.VIEWER } });
      const got = await carolWs.getWorkspace({ name: parent });
      expect(got.workspace?.callerRole).toBe(Role.VIEWER);
      expect((await carolTasks.listTasks({ parent })).tasks).toEqual([]);
      await expectRpcError(
        carolTasks.createTask({ parent, task: { title: "as viewer" } }),
        Code.PermissionDenied,
      );

      // Promotion and demotion take effect at once.
      await owner.updateMember({
        member: { name: memberName(ws, "mbc-carol"), role: Role.MEMBER },
      });
      const { task } = await carolTasks.createTask({ parent, task: { title: "as member" } });
      expect(task?.title).toBe("as member");
      await owner.updateMember({
        member: { name: memberName(ws, "mbc-carol"), role: Role.VIEWER },
      });
      await expectRpcError(
        carolTasks.createTask({ parent, task: { title: "demoted" } }),
        Code.PermissionDenied,
      );
      expect((await carolWs.getWorkspace({ name: parent })).workspace?.callerRole).toBe(
        Role.VIEWER,
      );

      // Removal takes effect at once.
      await owner.deleteMember({ name: memberName(ws, "mbc-carol") });
      await expectRpcError(carolWs.getWorkspace({ name: parent }), Code.PermissionDenied);
      await expectRpcError(carolTasks.listTasks({ parent }), Code.PermissionDenied);
      expect((await carolWs.listWorkspaces({})).workspaces).toEqual([]);

      // And so does leaving.
      await owner.createMember({ parent, member: { user: "mbc-carol", role: Role.MEMBER } });
      expect((await carolTasks.listTasks({ parent })).tasks).toHaveLength(1);
      await (await members("mbc-carol")).deleteMember({ name: memberName(ws, "mbc-carol") });
      await expectRpcError(carolTasks.listTasks({ parent }), Code.PermissionDenied);
      expect(await db.count(`select count(*) from core.tasks where workspace_id = $1`, [ws])).toBe(
        1,
      );
    });
  });
});
