import { describe, expect, it } from "vitest";
import { EtagMismatchError, FailedPreconditionError, InvalidInputError } from "./errors.js";
import {
  archiveProject,
  checkProjectDeletion,
  checkProjectEtag,
  newProject,
  type Project,
  projectEtag,
  requireActiveProject,
  unarchiveProject,
  updateProject,
} from "./project.js";

const t0 = new Date("2024-03-01T10:00:00Z");
const t1 = new Date("2024-03-02T10:00:00Z");
const workspaceId = "0190a000-0000-7000-8000-000000000001";
const id = "0190a000-0000-7000-8000-000000000003";

const project = (state: Partial<Project> = {}): Project => ({
  ...newProject({ workspaceId, id, now: t0 }, { displayName: "Home", description: "" }),
  ...state,
});

function failure(fn: () => unknown): { reason: string; message: string } {
  try {
    fn();
  } catch (e) {
    return { reason: (e as { reason: string }).reason, message: (e as Error).message };
  }
  throw new Error("expected an error");
}

describe("newProject", () => {
  it("starts active at version 1, its name trimmed", () => {
    expect(
      newProject(
        { workspaceId, id, now: t0 },
        { displayName: "  Home  ", description: "  the house\n" },
      ),
    ).toEqual({
      workspaceId,
      id,
      displayName: "Home",
      description: "  the house\n",
      state: "ACTIVE",
      createTime: t0,
      updateTime: t0,
      archiveTime: null,
      version: 1,
    });
  });

  it.each([
    [{ displayName: "", description: "" }, "project.display_name", "must not be empty"],
    [
      { displayName: "x".repeat(201), description: "" },
      "project.display_name",
      "must be at most 200 characters",
    ],
    [
      { displayName: "a\tb", description: "" },
      "project.display_name",
      "must not contain control characters",
    ],
    [
      { displayName: "ok", description: "x".repeat(10_001) },
      "project.description",
      "must be at most 10000 characters",
    ],
    [
      { displayName: "ok", description: "\u0007" },
      "project.description",
      "must not contain control characters",
    ],
  ])("rejects %#", (fields, field, description) => {
    expect(() => newProject({ workspaceId, id, now: t0 }, fields)).toThrow(InvalidInputError);
    try {
      newProject({ workspaceId, id, now: t0 }, fields);
    } catch (e) {
      expect((e as InvalidInputError).violations).toEqual([{ field, description }]);
    }
  });
});

describe("projectEtag / checkProjectEtag", () => {
  it("is the quoted version", () => {
    expect(projectEtag({ version: 7 })).toBe('"7"');
  });

  it("passes with no etag or the current one, refuses another", () => {
    expect(() => checkProjectEtag(project(), undefined)).not.toThrow();
    expect(() => checkProjectEtag(project(), "")).not.toThrow();
    expect(() => checkProjectEtag(project(), '"1"')).not.toThrow();
    expect(() => checkProjectEtag(project(), '"2"')).toThrow(EtagMismatchError);
  });
});

describe("updateProject", () => {
  it("applies a checked patch and bumps the version", () => {
    expect(updateProject(project(), { displayName: " Garden " }, t1)).toMatchObject({
      displayName: "Garden",
      description: "",
      version: 2,
      createTime: t0,
      updateTime: t1,
    });
    expect(updateProject(project(), { description: "plants" }, t1).description).toBe("plants");
  });

  it("refuses an archived project", () => {
    const archived = archiveProject(project(), t1);
    expect(failure(() => updateProject(archived, { displayName: "x" }, t1))).toEqual({
      reason: "PROJECT_ARCHIVED",
      message: "the project is archived; unarchive it first",
    });
  });

  it("checks the patch", () => {
    expect(() => updateProject(project(), { displayName: " " }, t1)).toThrow("must not be empty");
  });
});

describe("archiveProject / unarchiveProject", () => {
  it("archives and unarchives, each a new version", () => {
    const archived = archiveProject(project(), t1);
    expect(archived).toMatchObject({
      state: "ARCHIVED",
      archiveTime: t1,
      version: 2,
      updateTime: t1,
    });
    const active = unarchiveProject(archived, t1);
    expect(active).toMatchObject({ state: "ACTIVE", archiveTime: null, version: 3 });
  });

  it("changes nothing when already there (the same object)", () => {
    const active = project();
    expect(unarchiveProject(active, t1)).toBe(active);
    const archived = archiveProject(active, t1);
    expect(archiveProject(archived, t1)).toBe(archived);
  });
});

describe("checkProjectDeletion", () => {
  it("allows deleting a project without open tasks", () => {
    expect(() => checkProjectDeletion(0, false)).not.toThrow();
    expect(() => checkProjectDeletion(0, true)).not.toThrow();
  });

  it("needs force with open tasks", () => {
    expect(() => checkProjectDeletion(3, true)).not.toThrow();
    expect(failure(() => checkProjectDeletion(3, false))).toEqual({
      reason: "PROJECT_HAS_OPEN_TASKS",
      message: "the project has 3 open task(s); complete or move them, or delete with force",
    });
  });
});

describe("requireActiveProject", () => {
  it("passes for no project and an active one", () => {
    expect(() => requireActiveProject(undefined, "task.project")).not.toThrow();
    expect(() => requireActiveProject(project(), "task.project")).not.toThrow();
  });

  it("refuses an archived one, naming the field", () => {
    const error = (() => {
      try {
        requireActiveProject(archiveProject(project(), t1), "task.project");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(error).toMatchObject({
      reason: "PROJECT_ARCHIVED",
      message: "task.project: the project is archived",
    });
  });
});
