import { describe, expect, it } from "vitest";
import { InvalidInputError } from "./errors.js";
import {
  memberName,
  parseChildName,
  parseMemberName,
  parseWorkspaceName,
  projectName,
  taskName,
  userIdPattern,
  workspaceName,
  workspaceOf,
} from "./names.js";

const ws = "0190a000-0000-7000-8000-000000000001";
const id = "0190a000-0000-7000-8000-0000000000ff";

function violation(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).violations;
  }
  throw new Error("expected an InvalidInputError");
}

describe("formatting names", () => {
  it("builds AIP-122 names", () => {
    expect(workspaceName(ws)).toBe(`workspaces/${ws}`);
    expect(projectName(ws, id)).toBe(`workspaces/${ws}/projects/${id}`);
    expect(taskName(ws, id)).toBe(`workspaces/${ws}/tasks/${id}`);
    expect(memberName(ws, "alice")).toBe(`workspaces/${ws}/members/alice`);
  });

  it("round-trips through the parsers", () => {
    expect(parseWorkspaceName(workspaceName(ws), "name")).toBe(ws);
    expect(parseChildName(projectName(ws, id), "projects", "name")).toEqual({
      workspaceId: ws,
      id,
    });
    expect(parseChildName(taskName(ws, id), "tasks", "name")).toEqual({ workspaceId: ws, id });
    expect(parseMemberName(memberName(ws, "auth0|abc.def@x"), "name")).toEqual({
      workspaceId: ws,
      user: "auth0|abc.def@x",
    });
  });
});

describe("workspaceOf", () => {
  it.each([
    [`workspaces/${ws}`, ws],
    [`workspaces/${ws}/tasks/${id}`, ws],
    [`workspaces/${ws}/members/bob`, ws],
    [`workspaces/${ws}x`, undefined],
    [`projects/${id}`, undefined],
    ["workspaces/", undefined],
    ["", undefined],
  ])("%j → %s", (name, expected) => {
    expect(workspaceOf(name)).toBe(expected);
  });
});

describe("parseWorkspaceName", () => {
  it.each([
    "",
    ws,
    `workspaces/${ws}/`,
    `workspaces/${ws.toUpperCase()}`,
    "workspaces/not-a-uuid",
    `workspaces/${ws}/tasks/${id}`,
    ` workspaces/${ws}`,
    `workspaces/${ws}\n`,
  ])("rejects %j, naming the field", (name) => {
    expect(violation(() => parseWorkspaceName(name, "parent"))).toEqual([
      { field: "parent", description: "must be workspaces/{workspace}" },
    ]);
  });
});

describe("parseChildName", () => {
  it.each([
    [`workspaces/${ws}/projects/${id}`, "tasks"],
    [`workspaces/${ws}/tasks/${id}`, "projects"],
    [`workspaces/${ws}/tasks/`, "tasks"],
    [`workspaces/${ws}/tasks/${id}/x`, "tasks"],
    [`workspaces/${ws}/notes/${id}`, "tasks"],
    [`workspaces/${ws}/tasks/123`, "tasks"],
    ["", "tasks"],
  ] as const)("rejects %j as %s", (name, kind) => {
    expect(violation(() => parseChildName(name, kind, "task.name"))).toEqual([
      { field: "task.name", description: `must be workspaces/{workspace}/${kind}/{id}` },
    ]);
  });
});

describe("parseMemberName and user ids", () => {
  it.each([
    "alice",
    "a",
    "auth0|5f7c8ec7",
    "google-oauth2:123",
    "bob@example.com",
    "x".repeat(128),
  ])("accepts the user id %j", (user) => {
    expect(userIdPattern.test(user)).toBe(true);
    expect(parseMemberName(memberName(ws, user), "name").user).toBe(user);
  });

  it.each(["", "-alice", ".alice", "al ice", "alice/bob", "x".repeat(129), "ålice"])(
    "rejects the user id %j",
    (user) => {
      expect(userIdPattern.test(user)).toBe(false);
      expect(violation(() => parseMemberName(memberName(ws, user), "name"))).toEqual([
        { field: "name", description: "must be workspaces/{workspace}/members/{user}" },
      ]);
    },
  );
});
