import { describe, expect, it } from "vitest";
import { FailedPreconditionError } from "../domain/errors.js";
import type { RequestRecord } from "./ports.js";
import { replay, requestFingerprint } from "./request-ids.js";

const workspace = {
  id: "0190a000-0000-7000-8000-000000000001",
  displayName: "Home",
  createTime: new Date("2024-03-01T10:00:00Z"),
  updateTime: new Date("2024-03-01T10:00:00Z"),
  version: 1,
};

describe("requestFingerprint", () => {
  it("is stable for the same method and content", () => {
    expect(requestFingerprint("CreateTask", { title: "a" })).toBe(
      requestFingerprint("CreateTask", { title: "a" }),
    );
    expect(requestFingerprint("CreateTask", { title: "a" })).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("differs by method and by content", () => {
    const base = requestFingerprint("CreateTask", { title: "a" });
    expect(requestFingerprint("CreateProject", { title: "a" })).not.toBe(base);
    expect(requestFingerprint("CreateTask", { title: "b" })).not.toBe(base);
    expect(requestFingerprint("CreateTask", { title: "a", notes: "" })).not.toBe(base);
  });

  it("can't be confused by moving text between method and content", () => {
    expect(requestFingerprint("Create", "Task")).not.toBe(requestFingerprint("CreateTask", ""));
  });
});

describe("replay", () => {
  const record: RequestRecord = {
    workspaceId: workspace.id,
    principal: "alice",
    requestId: "0190a000-0000-7000-8000-0000000000aa",
    fingerprint: requestFingerprint("CreateWorkspace", "Home"),
    response: { type: "workspace", workspace },
  };

  it("answers a retry of the same request with the original response", () => {
    expect(replay(record, requestFingerprint("CreateWorkspace", "Home"))).toBe(record.response);
  });

  it("refuses the id for a different request", () => {
    try {
      replay(record, requestFingerprint("CreateWorkspace", "Work"));
      throw new Error("expected a refusal");
    } catch (e) {
      expect(e).toBeInstanceOf(FailedPreconditionError);
      expect(e).toMatchObject({
        reason: "REQUEST_ID_REUSED",
        message: "this request_id was already used for a different request",
      });
    }
  });
});
