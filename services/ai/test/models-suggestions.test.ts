import { randomUUID } from "node:crypto";
import { createValidator } from "@bufbuild/protovalidate";
import { Code } from "@connectrpc/connect";
import { ActionKind, ActionSchema } from "@glidepath/contracts/actions/v1";
import { CalibrationStatus, ModelService, SuggestionService } from "@glidepath/contracts/ai/v1";
import { MemberService, ProjectService, Role, TaskService } from "@glidepath/contracts/core/v1";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AiHarness, startAiHarness } from "./harness.js";
import { expectInvalidArgument, expectRpcError } from "./rpc-expect.js";

const validator = createValidator();

describe("ModelService and SuggestionService", () => {
  let h: AiHarness;
  let db: pg.Client;

  beforeAll(async () => {
    h = await startAiHarness();
    db = new pg.Client({ connectionString: h.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await h?.stop();
  });

  /** A workspace with habits: invoices are P1 in Finance, gym sessions P3 in Health. */
  async function workspaceWithHistory(owner: string, rounds = 40) {
    const parent = `workspaces/${await h.workspace(owner)}`;
    const projects = await h.coreClient(ProjectService, owner);
    const tasks = await h.coreClient(TaskService, owner);
    const finance = (await projects.createProject({ parent, project: { displayName: "Finance" } }))
      .project?.name as string;
    const health = (await projects.createProject({ parent, project: { displayName: "Health" } }))
      .project?.name as string;
    const clients = ["Acme", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell"];
    const created = await Promise.all(
      Array.from({ length: rounds }, (_, i) => [
        tasks.createTask({
          parent,
          task: {
            title: `Send invoice to ${clients[i % clients.length]}`,
            project: finance,
            labels: ["bills"],
            priority: 1,
            duration: { seconds: 900n },
          },
        }),
        tasks.createTask({
          parent,
          task: {
            title: `Gym session ${["legs", "arms", "cardio"][i % 3]}`,
            project: health,
            labels: ["fitness"],
            priority: 3,
            duration: { seconds: 3600n },
          },
        }),
      ]).flat(),
    );
    await Promise.all(
      created.slice(0, rounds).map((c) => tasks.completeTask({ name: c.task?.name ?? "" })),
    );
    const fresh = await tasks.createTask({ parent, task: { title: "Send invoice to Globex" } });
    return { parent, finance, health, fresh: fresh.task?.name as string, tasks };
  }

  it("trains a model with no history, says so, and keeps every confidence low", async () => {
    const parent = `workspaces/${await h.workspace("nora")}`;
    const task = await (await h.coreClient(TaskService, "nora")).createTask({
      parent,
      task: { title: "Lonely task" },
    });
    // The only task: one example, far too few for anything to be calibrated.
    const { model } = await (await h.client(ModelService, "nora")).trainModels({ parent });
    expect(model).toMatchObject({
      name: `${parent}/models/1`,
      exampleCount: 1,
      insufficientHistory: true,
      trainedBy: "nora",
      timeZone: "UTC",
    });
    expect(model?.historyNote).toMatch(/too little history/i);
    expect(model?.modelVersion).toMatch(/^suggest\/1-[0-9a-f]{12}$/);
    expect(model?.createTime).toBeDefined();
    for (const report of model?.calibrationReports ?? []) {
      expect(report.status).not.toBe(CalibrationStatus.CALIBRATED);
      expect(report.kind).not.toBe(ActionKind.UNSPECIFIED);
    }
    const suggestions = await (await h.client(SuggestionService, "nora")).suggestTaskChanges({
      name: task.task?.name ?? "",
    });
    expect(suggestions.insufficientHistory).toBe(true);
    expect(suggestions.historyNote).not.toBe("");
    for (const s of suggestions.suggestions) expect(s.confidence).toBeLessThanOrEqual(0.5);
  });

  it("learns a workspace's habits and suggests changes with explanations and valid actions", async () => {
    const w = await workspaceWithHistory("olga");
    const { model } = await (await h.client(ModelService, "olga")).trainModels({
      parent: w.parent,
      timeZone: "Europe/Berlin",
    });
    expect(model?.exampleCount).toBe(81);
    expect(model?.timeZone).toBe("Europe/Berlin");
    const reports = model?.calibrationReports ?? [];
    expect(reports.map((r) => ActionKind[r.kind]).sort()).toEqual(
      Object.values(ActionKind)
        .filter((k): k is string => typeof k === "string" && k !== "UNSPECIFIED")
        .sort(),
    );
    for (const r of reports) {
      expect(r.exampleCount).toBeGreaterThanOrEqual(0);
      expect(r.eceIntervalLow).toBeLessThanOrEqual(r.expectedCalibrationError + 1e-9);
      expect(r.eceIntervalHigh).toBeGreaterThanOrEqual(r.expectedCalibrationError - 1e-9);
      // The reliability diagram: 10 equal-width buckets adding up to the held-out examples.
      expect(r.buckets).toHaveLength(10);
      expect(r.buckets.reduce((n, b) => n + b.exampleCount, 0)).toBe(r.exampleCount);
      for (const b of r.buckets) {
        expect(b.maxConfidence).toBeGreaterThan(b.minConfidence);
        if (b.exampleCount > 0) {
          expect(b.meanConfidence).toBeGreaterThanOrEqual(b.minConfidence - 1e-9);
          expect(b.meanConfidence).toBeLessThanOrEqual(b.maxConfidence + 1e-9);
        }
      }
      if (r.status === CalibrationStatus.INSUFFICIENT_HISTORY) expect(r.reason).toMatch(/history/);
    }

    const response = await (await h.client(SuggestionService, "olga")).suggestTaskChanges({
      name: w.fresh,
      maxSuggestions: 10,
    });
    expect(response.model).toBe(model?.name);
    const byKind = new Map(response.suggestions.map((s) => [s.kind, s]));
    expect(byKind.get(ActionKind.SET_PRIORITY)?.action?.change).toMatchObject({
      case: "setPriority",
      value: { priority: 1 },
    });
    expect(byKind.get(ActionKind.MOVE_TO_PROJECT)?.action?.change).toMatchObject({
      case: "moveToProject",
      value: { project: w.finance },
    });
    expect(byKind.get(ActionKind.MOVE_TO_PROJECT)?.explanation).toContain("#Finance");
    for (const s of response.suggestions) {
      expect(s.action?.task).toBe(w.fresh);
      expect(s.action?.taskEtag).toBe('"1"');
      expect(s.model).toBe(model?.name);
      expect(s.modelVersion).toBe(model?.modelVersion);
      expect(s.confidence).toBeGreaterThan(0);
      expect(s.confidence).toBeLessThanOrEqual(1);
      expect(s.explanation).not.toBe("");
      expect(s.evidence.length).toBeGreaterThan(0);
      // What autonomy will be handed passes the contract's own rules.
      expect(validator.validate(ActionSchema, s.action as never).kind).toBe("valid");
    }
    const ranked = response.suggestions.map((s) => s.confidence);
    expect(ranked).toEqual([...ranked].sort((a, b) => b - a));

    const triage = await (await h.client(SuggestionService, "olga")).suggestWorkspaceActions({
      parent: w.parent,
      maxSuggestions: 5,
    });
    expect(triage.model).toBe(model?.name);
    expect(triage.suggestions.length).toBeLessThanOrEqual(5);
    for (const s of triage.suggestions) {
      expect(validator.validate(ActionSchema, s.action as never).kind).toBe("valid");
    }
  });

  it("versions models: training again makes a new version, and suggestions use it at once", async () => {
    const w = await workspaceWithHistory("pia", 12);
    const models = await h.client(ModelService, "pia");
    const suggestions = await h.client(SuggestionService, "pia");
    const v1 = (await models.trainModels({ parent: w.parent })).model;
    expect((await suggestions.suggestTaskChanges({ name: w.fresh })).model).toBe(v1?.name);
    await w.tasks.createTask({ parent: w.parent, task: { title: "Send invoice to Oscorp" } });
    const v2 = (await models.trainModels({ parent: w.parent })).model;
    expect(v2?.name).toBe(`${w.parent}/models/2`);
    expect(v2?.exampleCount).toBe((v1?.exampleCount ?? 0) + 1);
    const after = await suggestions.suggestTaskChanges({ name: w.fresh });
    expect(after.model).toBe(v2?.name);
    for (const s of after.suggestions) expect(s.model).toBe(v2?.name);

    const list = await models.listModels({ parent: w.parent });
    expect(list.models.map((m) => m.name)).toEqual([v2?.name, v1?.name]);
    const page = await models.listModels({ parent: w.parent, pageSize: 1 });
    expect(page.models.map((m) => m.name)).toEqual([v2?.name]);
    const rest = await models.listModels({
      parent: w.parent,
      pageSize: 1,
      pageToken: page.nextPageToken,
    });
    expect(rest.models.map((m) => m.name)).toEqual([v1?.name]);
    expect(rest.nextPageToken).toBe("");
    expect((await models.getModel({ name: v1?.name ?? "" })).model).toEqual(v1);
    await expectRpcError(
      models.getModel({ name: `${w.parent}/models/99` }),
      Code.NotFound,
      "MODEL_NOT_FOUND",
    );

    // Kept in the ai schema, keyed by workspace, one calibration row per kind.
    const workspaceId = w.parent.split("/")[1];
    const rows = await db.query(
      "select version, octet_length(payload) as bytes from ai.models where workspace_id = $1 order by version",
      [workspaceId],
    );
    expect(rows.rows.map((r) => r.version)).toEqual([1, 2]);
    const kinds = await db.query(
      "select count(*)::int as n from ai.model_calibrations where workspace_id = $1 and version = 2",
      [workspaceId],
    );
    expect(kinds.rows[0]?.n).toBe(v2?.calibrationReports.length);
  });

  it("trains a workspace's first model on first use, once, however many ask at once", async () => {
    const w = await workspaceWithHistory("quinn", 6);
    const suggestions = await h.client(SuggestionService, "quinn");
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => suggestions.suggestTaskChanges({ name: w.fresh })),
    );
    for (const a of answers) expect(a.model).toBe(`${w.parent}/models/1`);
    const count = await db.query(
      "select count(*)::int as n from ai.models where workspace_id = $1",
      [w.parent.split("/")[1]],
    );
    expect(count.rows[0]?.n).toBe(1);
  });

  it("returns the same model for a retried request id", async () => {
    const parent = `workspaces/${await h.workspace("ravi")}`;
    const models = await h.client(ModelService, "ravi");
    const requestId = randomUUID();
    const a = await models.trainModels({ parent, requestId });
    const b = await models.trainModels({ parent, requestId });
    expect(b.model).toEqual(a.model);
    const c = await models.trainModels({ parent, requestId: randomUUID() });
    expect(c.model?.name).toBe(`${parent}/models/2`);
  });

  it("refuses bad input with INVALID_ARGUMENT naming the field", async () => {
    const parent = `workspaces/${await h.workspace("sam")}`;
    const models = await h.client(ModelService, "sam");
    const suggestions = await h.client(SuggestionService, "sam");
    await expectInvalidArgument(models.trainModels({ parent, timeZone: "Mars/Base" }), "time_zone");
    await expectInvalidArgument(models.trainModels({ parent, requestId: "nope" }), "request_id");
    await expectInvalidArgument(models.getModel({ name: `${parent}/models/0` }), "name");
    await expectInvalidArgument(models.listModels({ parent, pageSize: 101 }), "page_size");
    await expectInvalidArgument(models.listModels({ parent, pageToken: "garbage" }), "page_token");
    await expectInvalidArgument(
      suggestions.suggestWorkspaceActions({ parent, maxSuggestions: 101 }),
      "max_suggestions",
    );
    await expectInvalidArgument(
      suggestions.suggestWorkspaceActions({ parent, timeZone: "Nowhere/Land" }),
      "time_zone",
    );
    await expectInvalidArgument(
      suggestions.suggestTaskChanges({ name: `${parent}/tasks/x`, maxSuggestions: 1 }),
      "name",
    );
    await expectRpcError(
      suggestions.suggestTaskChanges({ name: `${parent}/tasks/${randomUUID()}` }),
      Code.NotFound,
      "TASK_NOT_FOUND",
    );
  });

  it("lets any member read suggestions and models, writers train, outsiders nothing", async () => {
    const w = await workspaceWithHistory("tom", 4);
    await (await h.coreClient(MemberService, "tom")).createMember({
      parent: w.parent,
      member: { user: "uma", role: Role.VIEWER },
    });
    const viewerModels = await h.client(ModelService, "uma");
    await expectRpcError(viewerModels.trainModels({ parent: w.parent }), Code.PermissionDenied);
    const suggested = await (await h.client(SuggestionService, "uma")).suggestTaskChanges({
      name: w.fresh,
    });
    expect(suggested.model).toBe(`${w.parent}/models/1`);
    expect((await viewerModels.listModels({ parent: w.parent })).models).toHaveLength(1);
    const outsider = await h.client(ModelService, "mallory");
    await expectRpcError(outsider.listModels({ parent: w.parent }), Code.PermissionDenied);
    await expectRpcError(
      outsider.getModel({ name: `${w.parent}/models/1` }),
      Code.PermissionDenied,
    );
    await expectRpcError(
      (await h.client(SuggestionService, "mallory")).suggestTaskChanges({ name: w.fresh }),
      Code.PermissionDenied,
    );
  });
});
