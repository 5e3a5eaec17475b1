import { describe, expect, it, vi } from "vitest";
import {
  AlreadyExistsError,
  EtagMismatchError,
  NotFoundError,
  PermissionDeniedError,
} from "../domain/errors.js";
import type { Workspace } from "../domain/workspace.js";
import { type Caller, callerRole } from "./caller.js";
import {
  createInMemoryUnitOfWork,
  createSequentialIds,
  createTestClock,
  type InMemoryHooks,
} from "./testing/in-memory.js";
import { createWorkspaceUseCases } from "./workspaces.js";

const as = (user: string, role?: Caller["role"]): Caller => ({
  actor: { kind: "USER", user },
  role,
});
const requestId = "0190b000-0000-7000-8000-000000000001";

async function setup(hooks: InMemoryHooks = {}) {
  const uow = createInMemoryUnitOfWork({ hooks });
  const clock = createTestClock();
  const changed = vi.fn();
  const workspaces = createWorkspaceUseCases({
    uow,
    clock,
    ids: createSequentialIds(),
    onMembershipChanged: changed,
  });
  return { uow, clock, workspaces, changed };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return (e as { reason: string }).reason;
  }
  throw new Error("expected a failure");
}

describe("callerRole", () => {
  it("is the authorized role, and a programming error without one", () => {
    expect(callerRole(as("a", "VIEWER"))).toBe("VIEWER");
    expect(() => callerRole(as("a"))).toThrow("use case called without an authorized role");
  });
});

describe("create", () => {
  it("creates the workspace with the caller as its only OWNER", async () => {
    const { workspaces, uow, clock } = await setup();
    const { workspace, role } = await workspaces.create(as("alice"), "  Family ");
    expect(role).toBe("OWNER");
    expect(workspace).toMatchObject({ displayName: "Family", version: 1, createTime: clock.now() });
    expect(await workspaces.get(workspace.id)).toEqual(workspace);
    expect(await workspaces.roleOf(workspace.id, "alice")).toBe("OWNER");
    expect([...uow.data.members.values()]).toHaveLength(1);
  });

  it("writes nothing for an invalid name", async () => {
    const { workspaces, uow } = await setup();
    await expect(workspaces.create(as("alice"), " ")).rejects.toMatchObject({
      violations: [{ field: "workspace.display_name" }],
    });
    expect(uow.data.workspaces.size).toBe(0);
    expect(uow.data.members.size).toBe(0);
  });

  it("answers a retry with the original workspace; refuses the id for another name", async () => {
    const { workspaces, uow } = await setup();
    const first = await workspaces.create(as("alice"), "Family", requestId);
    expect(await workspaces.create(as("alice"), "Family", requestId)).toEqual(first);
    expect(await reasonOf(workspaces.create(as("alice"), "Work", requestId))).toBe(
      "REQUEST_ID_REUSED",
    );
    // Another user's request id is their own.
    const bobs = await workspaces.create(as("bob"), "Family", requestId);
    expect(bobs.workspace.id).not.toBe(first.workspace.id);
    expect(uow.data.workspaces.size).toBe(2);
  });

  it("answers as the winner of a concurrent request with the same id", async () => {
    let winner: Workspace | undefined;
    const { workspaces, uow } = await setup({
      concurrentRequest: (record) => {
        if (record.response.type !== "workspace") return undefined;
        winner = { ...record.response.workspace, id: "0190c000-0000-7000-8000-000000000001" };
        return { ...record, response: { type: "workspace", workspace: winner } };
      },
    });
    expect(await workspaces.create(as("alice"), "Family", requestId)).toEqual({
      workspace: winner,
      role: "OWNER",
    });
    expect(uow.data.workspaces.size).toBe(0);
  });

  it("get is not found for an unknown id", async () => {
    const { workspaces } = await setup();
    await expect(workspaces.get("0190a000-0000-7000-8000-0000000000ff")).rejects.toMatchObject({
      reason: "WORKSPACE_NOT_FOUND",
    });
  });
});

describe("listMine", () => {
  it("pages through the caller's workspaces only, with their roles", async () => {
    const { workspaces } = await setup();
    const mine: string[] = [];
    for (let i = 0; i < 5; i++)
      mine.push((await workspaces.create(as("alice"), `w${i}`)).workspace.id);
    const bobs = await workspaces.create(as("bob"), "Bob's");
    await workspaces.addMember(as("bob", "OWNER"), bobs.workspace.id, "alice", "VIEWER");
    const seen: string[] = [];
    const roles: string[] = [];
    let pageToken = "";
    do {
      const page = await workspaces.listMine(as("alice"), { pageSize: 2, pageToken });
      seen.push(...page.workspaces.map((w) => w.workspace.id));
      roles.push(...page.workspaces.map((w) => w.role));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual([...mine, bobs.workspace.id]);
    expect(roles).toEqual(["OWNER", "OWNER", "OWNER", "OWNER", "OWNER", "VIEWER"]);
  });

  it("refuses another user's page token", async () => {
    const { workspaces } = await setup();
    await workspaces.create(as("alice"), "a");
    await workspaces.create(as("alice"), "b");
    const { nextPageToken } = await workspaces.listMine(as("alice"), {
      pageSize: 1,
      pageToken: "",
    });
    await expect(
      workspaces.listMine(as("bob"), { pageSize: 1, pageToken: nextPageToken }),
    ).rejects.toMatchObject({
      violations: [{ field: "page_token" }],
    });
  });
});

describe("rename", () => {
  it("renames with the current etag only", async () => {
    const { workspaces, clock } = await setup();
    const { workspace } = await workspaces.create(as("alice"), "Family");
    clock.advance(1000);
    const renamed = await workspaces.rename(workspace.id, "Home", '"1"');
    expect(renamed).toMatchObject({ displayName: "Home", version: 2, updateTime: clock.now() });
    await expect(workspaces.rename(workspace.id, "Again", '"1"')).rejects.toBeInstanceOf(
      EtagMismatchError,
    );
    await expect(
      workspaces.rename("0190a000-0000-7000-8000-0000000000ff", "x"),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect((await workspaces.get(workspace.id)).displayName).toBe("Home");
  });
});

describe("members", () => {
  async function withTeam() {
    const env = await setup();
    const { workspace } = await env.workspaces.create(as("olivia"), "Team");
    const ws = workspace.id;
    const owner = as("olivia", "OWNER");
    await env.workspaces.addMember(owner, ws, "adam", "ADMIN");
    await env.workspaces.addMember(owner, ws, "mia", "MEMBER");
    await env.workspaces.addMember(owner, ws, "vic", "VIEWER");
    env.changed.mockClear();
    return { ...env, ws, owner, admin: as("adam", "ADMIN"), member: as("mia", "MEMBER") };
  }

  it("lists members in pages, by user id", async () => {
    const { workspaces, ws } = await withTeam();
    const users: string[] = [];
    let pageToken = "";
    do {
      const page = await workspaces.listMembers(ws, { pageSize: 3, pageToken });
      users.push(...page.members.map((m) => m.user));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(users).toEqual(["adam", "mia", "olivia", "vic"]);
    expect(await workspaces.getMember(ws, "mia")).toMatchObject({ role: "MEMBER", version: 1 });
    await expect(workspaces.getMember(ws, "nobody")).rejects.toMatchObject({
      reason: "MEMBER_NOT_FOUND",
    });
  });

  it("an admin adds members but not owners; a member adds no one", async () => {
    const { workspaces, ws, admin, member, changed } = await withTeam();
    expect(await workspaces.addMember(admin, ws, "nina", "MEMBER")).toMatchObject({
      user: "nina",
      role: "MEMBER",
    });
    expect(changed).toHaveBeenCalledWith(ws, "nina");
    await expect(workspaces.addMember(admin, ws, "oscar", "OWNER")).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    await expect(workspaces.addMember(member, ws, "pete", "VIEWER")).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    expect(await workspaces.roleOf(ws, "oscar")).toBeUndefined();
    expect(await workspaces.roleOf(ws, "pete")).toBeUndefined();
    expect(changed).toHaveBeenCalledTimes(1);
  });

  it("refuses to add an existing member", async () => {
    const { workspaces, ws, owner } = await withTeam();
    const error = await workspaces.addMember(owner, ws, "mia", "ADMIN").catch((e) => e);
    expect(error).toBeInstanceOf(AlreadyExistsError);
    expect(error.reason).toBe("MEMBER_EXISTS");
    expect(await workspaces.roleOf(ws, "mia")).toBe("MEMBER");
  });

  it("changes roles with etags, and keeps the last owner", async () => {
    const { workspaces, ws, owner, admin, changed } = await withTeam();
    const promoted = await workspaces.changeRole(admin, ws, "mia", "ADMIN", '"1"');
    expect(promoted).toMatchObject({ role: "ADMIN", version: 2 });
    expect(changed).toHaveBeenCalledWith(ws, "mia");
    await expect(workspaces.changeRole(admin, ws, "mia", "VIEWER", '"1"')).rejects.toBeInstanceOf(
      EtagMismatchError,
    );
    await expect(workspaces.changeRole(admin, ws, "mia", "OWNER")).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    expect(await reasonOf(workspaces.changeRole(owner, ws, "olivia", "ADMIN"))).toBe("LAST_OWNER");
    await workspaces.changeRole(owner, ws, "adam", "OWNER");
    expect(await workspaces.changeRole(owner, ws, "olivia", "ADMIN")).toMatchObject({
      role: "ADMIN",
    });
    await expect(workspaces.changeRole(owner, ws, "nobody", "ADMIN")).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("leaves an unchanged role at its version", async () => {
    const { workspaces, ws, owner } = await withTeam();
    expect(await workspaces.changeRole(owner, ws, "mia", "MEMBER")).toMatchObject({ version: 1 });
  });

  it("removes members: admins remove non-owners, anyone leaves, the last owner stays", async () => {
    const { workspaces, ws, owner, admin, member, changed } = await withTeam();
    await workspaces.removeMember(admin, ws, "vic", '"1"');
    expect(await workspaces.roleOf(ws, "vic")).toBeUndefined();
    expect(changed).toHaveBeenCalledWith(ws, "vic");
    await expect(workspaces.removeMember(member, ws, "adam")).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    await workspaces.removeMember(member, ws, "mia");
    expect(await workspaces.roleOf(ws, "mia")).toBeUndefined();
    await expect(workspaces.removeMember(admin, ws, "olivia")).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    expect(await reasonOf(workspaces.removeMember(owner, ws, "olivia"))).toBe("LAST_OWNER");
    await expect(workspaces.removeMember(owner, ws, "adam", '"7"')).rejects.toBeInstanceOf(
      EtagMismatchError,
    );
    await expect(workspaces.removeMember(owner, ws, "nobody")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(await workspaces.roleOf(ws, "olivia")).toBe("OWNER");
  });
});
