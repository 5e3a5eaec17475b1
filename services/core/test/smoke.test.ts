import { ProjectService, TaskService, TaskState } from "@glidepath/contracts/core/v1";
import { aProject, aTimedTask } from "@glidepath/testkit";
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

  it("builds valid resources with the testkit builders", async () => {
    const ws = await core.workspace("bea");
    const projects = await core.client(ProjectService, "bea");
    const { project } = await projects.createProject({
      parent: `workspaces/${ws}`,
      project: aProject(),
    });
    const tasks = await core.client(TaskService, "bea");
    const { task } = await tasks.createTask({
      parent: `workspaces/${ws}`,
      task: aTimedTask("2030-03-31", "09:30", "Europe/Berlin", { project: project?.name }),
    });
    expect(task?.project).toBe(project?.name);
    // 09:30 in Berlin on 31 March 2030 (summer time, UTC+2) is 07:30 UTC.
    expect(task?.due?.instant?.seconds).toBe(BigInt(Date.UTC(2030, 2, 31, 7, 30) / 1000));
  });
});
