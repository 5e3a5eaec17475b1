import { describe, expect, it } from "vitest";
import { actorFor } from "./actor.js";
import { projectChange, taskChange } from "./change.js";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  NotFoundError,
  PermissionDeniedError,
} from "./errors.js";
import { newProject } from "./project.js";
import { newTask } from "./task.js";

const now = new Date("2024-03-01T10:00:00Z");
const workspaceId = "0190a000-0000-7000-8000-000000000001";
const id = "0190a000-0000-7000-8000-000000000002";

describe("actorFor", () => {
  it("is the user when no service acts", () => {
    expect(actorFor({ user: "alice" })).toEqual({ kind: "USER", user: "alice" });
    expect(actorFor({ user: "alice", service: "" })).toEqual({ kind: "USER", user: "alice" });
  });

  it("labels the autonomy service AUTONOMY and any other service AI", () => {
    expect(actorFor({ user: "alice", service: "autonomy" })).toEqual({
      kind: "AUTONOMY",
      user: "alice",
      service: "autonomy",
    });
    expect(actorFor({ user: "alice", service: "ai" })).toEqual({
      kind: "AI",
      user: "alice",
      service: "ai",
    });
  });
});

describe("changes", () => {
  const actor = actorFor({ user: "alice" });

  it("carry a task snapshot in the task's workspace", () => {
    const task = newTask(
      { workspaceId, id, now, actor, source: null },
      {
        title: "t",
        notes: "",
        priority: 4,
        due: null,
        recurrence: null,
        labels: [],
        projectId: null,
        durationMinutes: null,
        assignee: null,
      },
    );
    expect(taskChange("COMPLETED", task, actor)).toEqual({
      workspaceId,
      kind: "COMPLETED",
      snapshot: { type: "task", task },
      actor,
    });
  });

  it("carry a project snapshot in the project's workspace", () => {
    const project = newProject({ workspaceId, id, now }, { displayName: "p", description: "" });
    expect(projectChange("ARCHIVED", project, actor)).toEqual({
      workspaceId,
      kind: "ARCHIVED",
      snapshot: { type: "project", project },
      actor,
    });
  });
});

describe("domain errors", () => {
  it("have stable reasons", () => {
    expect(new NotFoundError("task").reason).toBe("TASK_NOT_FOUND");
    expect(new NotFoundError("workspace").message).toBe("workspace not found");
    expect(new NotFoundError("member").reason).toBe("MEMBER_NOT_FOUND");
    expect(new PermissionDeniedError("nope").message).toBe("nope");
    expect(new FailedPreconditionError("X_Y", "m")).toMatchObject({ reason: "X_Y", message: "m" });
    expect(new AlreadyExistsError("MEMBER_EXISTS", "m")).toMatchObject({ reason: "MEMBER_EXISTS" });
  });
});
