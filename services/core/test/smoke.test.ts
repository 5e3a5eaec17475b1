import { TaskService, TaskState } from "@glidepath/contracts/core/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";

describe("core smoke", () => {
  let core: CoreHarness;
  beforeAll(async () => {
    core = await startCoreHarness();
  });
  afterAll(() => core.stop());

  it.each(["grpc", "connect", "grpc-web"] as const)(
    "creates and reads a task over %s",
    async (protocol) => {
      const ws = await core.workspace("alice");
      const tasks = await core.client(TaskService, "alice", protocol);
      const { task } = await tasks.createTask({
        parent: `workspaces/${ws}`,
        task: { title: "Buy milk", labels: ["errands"] },
      });
      expect(task?.title).toBe("Buy milk");
      expect(task?.state).toBe(TaskState.OPEN);
      const got = await tasks.getTask({ name: task?.name ?? "" });
      expect(got.task?.labels).toEqual(["errands"]);
      expect(got.task?.etag).toBe('"1"');
    },
  );
});
