import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { TaskSchema, TaskState } from "@glidepath/contracts/core/v1";
import { rpcError } from "@glidepath/runtime";
import { describe, expect, it } from "vitest";
import {
  AbortedError,
  DependencyUnavailableError,
  FailedPreconditionError,
  InvalidInputError,
  NotFoundError,
  PermissionDeniedError,
} from "../../domain/errors.js";
import { historyTaskOf, translateCoreError } from "./core-gateway.js";

const fromCore = (code: Code, reason = "SOME_REASON") =>
  rpcError("core.glidepath", { code, reason, message: `core said ${reason}` });

describe("core's errors, in the ai service's terms", () => {
  it.each([
    [Code.PermissionDenied, PermissionDeniedError],
    [Code.Unauthenticated, PermissionDeniedError],
    [Code.FailedPrecondition, FailedPreconditionError],
    [Code.AlreadyExists, FailedPreconditionError],
    [Code.Aborted, AbortedError],
    [Code.Unavailable, DependencyUnavailableError],
    [Code.ResourceExhausted, DependencyUnavailableError],
    [Code.DeadlineExceeded, DependencyUnavailableError],
  ])("%s", (code, type) => {
    expect(translateCoreError(fromCore(code))).toBeInstanceOf(type);
  });

  it("keeps core's reason for state errors (REQUEST_ID_REUSED)", () => {
    const e = translateCoreError(fromCore(Code.FailedPrecondition, "REQUEST_ID_REUSED"));
    expect((e as FailedPreconditionError).reason).toBe("REQUEST_ID_REUSED");
  });

  it("names the caller's field for INVALID_ARGUMENT, or calls a bad request of ours a bug", () => {
    const named = translateCoreError(fromCore(Code.InvalidArgument), { invalidField: "text" });
    expect((named as InvalidInputError).violations[0]?.field).toBe("text");
    const ours = translateCoreError(fromCore(Code.InvalidArgument));
    expect(ours).not.toBeInstanceOf(InvalidInputError);
    expect(ours).toBeInstanceOf(Error);
  });

  it("turns NOT_FOUND into the resource asked for, INTERNAL into an opaque error", () => {
    expect(translateCoreError(fromCore(Code.NotFound), { notFound: "task" })).toBeInstanceOf(
      NotFoundError,
    );
    const internal = translateCoreError(fromCore(Code.Internal));
    expect(internal).not.toBeInstanceOf(ConnectError);
    const canceled = new ConnectError("gone", Code.Canceled);
    expect(translateCoreError(canceled)).toBe(canceled);
    const plain = new Error("x");
    expect(translateCoreError(plain)).toBe(plain);
  });
});

describe("historyTaskOf", () => {
  it("reads core's task as the models' history", () => {
    const task = create(TaskSchema, {
      name: "workspaces/w/tasks/0190a4c2-0000-7000-8000-000000000001",
      title: "Pay rent",
      labels: ["bills"],
      project: "workspaces/w/projects/p1",
      priority: 0,
      due: {
        date: { year: 2026, month: 3, day: 5 },
        time: { hours: 9, minutes: 5 },
        timeZone: "UTC",
      },
      duration: { seconds: 1800n },
      state: TaskState.OPEN,
      createTime: timestampFromDate(new Date("2026-01-01T00:00:00Z")),
      updateTime: timestampFromDate(new Date("2026-01-02T00:00:00Z")),
      deleteTime: timestampFromDate(new Date("2026-01-03T00:00:00Z")),
    });
    expect(historyTaskOf(task)).toEqual({
      id: "0190a4c2-0000-7000-8000-000000000001",
      title: "Pay rent",
      notes: "",
      labels: ["bills"],
      projectId: "p1",
      priority: 4,
      due: { date: "2026-03-05", time: "09:05" },
      durationMinutes: 30,
      // Deleted while open: given up on.
      state: "CANCELLED",
      createTime: "2026-01-01T00:00:00.000Z",
      updateTime: "2026-01-02T00:00:00.000Z",
      completeTime: null,
    });
    expect(
      historyTaskOf(create(TaskSchema, { name: "workspaces/w/tasks/t", state: TaskState.DONE })),
    ).toMatchObject({ state: "DONE", due: null, projectId: null, durationMinutes: null });
  });
});
