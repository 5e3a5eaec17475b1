import { describe, expect, it } from "vitest";
import { EtagMismatchError, InvalidInputError } from "./errors.js";
import {
  checkVersionEtag,
  memberEtag,
  newMember,
  newWorkspace,
  renameWorkspace,
  workspaceEtag,
} from "./workspace.js";

const t0 = new Date("2024-03-01T10:00:00Z");
const t1 = new Date("2024-03-02T10:00:00Z");
const id = "0190a000-0000-7000-8000-000000000001";

describe("workspaces", () => {
  it("starts at version 1 with a trimmed name", () => {
    expect(newWorkspace(id, "  Family ", t0)).toEqual({
      id,
      displayName: "Family",
      createTime: t0,
      updateTime: t0,
      version: 1,
    });
  });

  it("renames to a new version", () => {
    expect(renameWorkspace(newWorkspace(id, "Family", t0), " Home ", t1)).toEqual({
      id,
      displayName: "Home",
      createTime: t0,
      updateTime: t1,
      version: 2,
    });
  });

  it.each(["", "   ", "x".repeat(201), "a\nb"])("refuses the name %j", (name) => {
    expect(() => newWorkspace(id, name, t0)).toThrow(InvalidInputError);
    expect(() => renameWorkspace(newWorkspace(id, "ok", t0), name, t1)).toThrow(InvalidInputError);
  });

  it("names the field in errors", () => {
    try {
      newWorkspace(id, "", t0);
    } catch (e) {
      expect((e as InvalidInputError).violations).toEqual([
        { field: "workspace.display_name", description: "must not be empty" },
      ]);
    }
  });
});

describe("members", () => {
  it("start at version 1", () => {
    expect(newMember(id, "bob", "VIEWER", t0)).toEqual({
      workspaceId: id,
      user: "bob",
      role: "VIEWER",
      createTime: t0,
      updateTime: t0,
      version: 1,
    });
  });
});

describe("etags", () => {
  it("are the quoted version", () => {
    expect(workspaceEtag({ version: 3 })).toBe('"3"');
    expect(memberEtag({ version: 4 })).toBe('"4"');
  });

  it("check against the current version", () => {
    expect(() => checkVersionEtag({ version: 3 }, undefined)).not.toThrow();
    expect(() => checkVersionEtag({ version: 3 }, "")).not.toThrow();
    expect(() => checkVersionEtag({ version: 3 }, '"3"')).not.toThrow();
    expect(() => checkVersionEtag({ version: 3 }, '"2"')).toThrow(EtagMismatchError);
    expect(() => checkVersionEtag({ version: 3 }, "3")).toThrow(EtagMismatchError);
  });
});
