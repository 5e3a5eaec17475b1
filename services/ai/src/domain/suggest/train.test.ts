import { describe, expect, it } from "vitest";
import { SuggestInputError } from "./errors.js";
import { dueClasses, resolveDueClass } from "./heads.js";
import { deserializeModel, serializeModel } from "./model.js";
import { prepareTask } from "./prepared-task.js";
import { createRandom, shuffled } from "./random.js";
import { suggestTaskChanges, suggestWorkspaceActions } from "./suggest.js";
import { generateWorkspace, snapshotAt } from "./synthetic.js";
import { aTask } from "./test-helpers.js";
import { MIN_CALIBRATION_EXAMPLES, trainWorkspaceModel } from "./train.js";
import { LOW_CONFIDENCE_CAP } from "./types.js";

const NOW = new Date("2025-06-02T09:00:00Z");

describe("with no history", () => {
  const model = trainWorkspaceModel([], { now: NOW, seed: 1 });

  it("says so, and reports every kind as insufficient (remove_labels as never learned)", () => {
    expect(model.history).toMatchObject({
      tasks: 0,
      notice: expect.stringMatching(/No task history/),
    });
    for (const report of model.reports) {
      expect(report.status).toBe(
        report.kind === "remove_labels" ? "not_learned" : "insufficient_history",
      );
      expect(report.examples).toBe(0);
      expect(report.reason).toBeTruthy();
    }
    expect(model.calibrators).toEqual({});
  });

  it("still spots duplicates and triage, with low confidences and the reason", () => {
    const original = aTask({ title: "Renew car insurance", createTime: "2025-01-01T09:00:00Z" });
    const copy = aTask({ title: "Renew car insurance", createTime: "2025-06-01T09:00:00Z" });
    const overdue = aTask({
      title: "Pay the plumber",
      due: { date: "2025-05-20" },
      createTime: "2025-05-10T09:00:00Z",
      updateTime: "2025-05-10T09:00:00Z",
    });
    const open = [original, copy, overdue];
    const forTask = suggestTaskChanges(model, copy, open, { now: NOW, minConfidence: 0 });
    expect(forTask.map((s) => s.action)).toEqual([
      { kind: "mark_duplicate", duplicateOf: original.id },
    ]);
    const triage = suggestWorkspaceActions(model, open, { now: NOW, minConfidence: 0 });
    expect(triage.map((s) => [s.taskId, s.action.kind]).sort()).toEqual(
      [
        [original.id, "cancel"],
        [copy.id, "mark_duplicate"],
        [overdue.id, "reschedule"],
      ].sort(),
    );
    for (const s of [...forTask, ...triage]) {
      expect(s.confidence).toBeLessThanOrEqual(LOW_CONFIDENCE_CAP);
      expect(s.caveat).toMatch(/insufficient history/);
      expect(s.explanation).toContain(s.caveat);
    }
  });
});

describe("with little history", () => {
  it("names the kinds it cannot calibrate and caps them", () => {
    const workspace = generateWorkspace({ tasks: 80, seed: 3 });
    const model = trainWorkspaceModel(workspace.tasks, { now: new Date(workspace.now), seed: 3 });
    const thin = model.reports.filter((r) => r.status === "insufficient_history");
    expect(thin.length).toBeGreaterThan(0);
    for (const report of thin) {
      expect(report.examples).toBeLessThan(MIN_CALIBRATION_EXAMPLES);
      expect(model.calibrators[report.kind]).toBeUndefined();
      expect(model.history.notice).toContain(report.kind);
    }
    const task = workspace.tasks.at(-1);
    if (!task) throw new Error("no tasks");
    for (const s of suggestTaskChanges(model, task, workspace.tasks, {
      now: new Date(workspace.now),
      minConfidence: 0,
    })) {
      if (!model.calibrators[s.action.kind])
        expect(s.confidence).toBeLessThanOrEqual(LOW_CONFIDENCE_CAP);
    }
  });
});

describe("trainWorkspaceModel", () => {
  const workspace = generateWorkspace({ tasks: 1200, seed: 5 });
  const now = new Date(workspace.now);
  const model = trainWorkspaceModel(workspace.tasks, { now, seed: 5 });

  it("is deterministic: same history (in any order), seed and time give the same version", () => {
    const again = trainWorkspaceModel(shuffled(workspace.tasks, createRandom(9)), { now, seed: 5 });
    expect(again.version).toBe(model.version);
    expect(serializeModel(again)).toBe(serializeModel(model));
    expect(trainWorkspaceModel(workspace.tasks, { now, seed: 6 }).version).not.toBe(model.version);
  });

  it("reports per kind: method, examples, accuracy, ECE with an ordered interval, top bucket", () => {
    const project = model.reports.find((r) => r.kind === "move_to_project");
    expect(project).toMatchObject({ status: "calibrated", method: "isotonic", reason: null });
    for (const r of model.reports.filter((x) => x.status === "calibrated")) {
      expect(r.examples).toBeGreaterThanOrEqual(MIN_CALIBRATION_EXAMPLES);
      expect(r.eceInterval[0]).toBeLessThanOrEqual(r.eceInterval[1]);
      expect(r.ece).toBeGreaterThanOrEqual(0);
      expect(r.topBucket.examples).toBeLessThanOrEqual(r.examples);
    }
  });

  it("round-trips through JSON, and refuses a model that was altered or is not one", () => {
    const json = serializeModel(model);
    const back = deserializeModel(json);
    expect(back).toEqual(model);
    const task = workspace.tasks.at(-3);
    if (!task) throw new Error("no tasks");
    const options = { now, minConfidence: 0 };
    expect(suggestTaskChanges(back, task, workspace.tasks, options)).toEqual(
      suggestTaskChanges(model, task, workspace.tasks, options),
    );
    const tampered = JSON.parse(json);
    tampered.calibrators.move_to_project.probabilities[0] = 0.99;
    expect(() => deserializeModel(JSON.stringify(tampered))).toThrow(
      expect.objectContaining({ reason: "MODEL_VERSION_MISMATCH" }),
    );
    expect(() => deserializeModel("{")).toThrow(
      expect.objectContaining({ reason: "MODEL_NOT_JSON" }),
    );
    expect(() => deserializeModel('{"format":"other"}')).toThrow(
      expect.objectContaining({ reason: "MODEL_FORMAT_UNKNOWN" }),
    );
    expect(() => deserializeModel('{"format":"glidepath.suggest/1"}')).toThrow(
      expect.objectContaining({ reason: "MODEL_MALFORMED" }),
    );
  });

  it("learns from the workspace as it stood (a snapshot has fewer closed tasks)", () => {
    const at = new Date(Date.parse(workspace.now) - 60 * 86_400_000);
    const past = trainWorkspaceModel(snapshotAt(workspace, at), { now: at, seed: 5 });
    expect(past.history.tasks).toBeLessThan(model.history.tasks);
    expect(past.version).not.toBe(model.version);
  });
});

describe("input validation", () => {
  const train = (tasks: unknown[], options: Record<string, unknown> = {}) =>
    trainWorkspaceModel(tasks as never, { now: NOW, seed: 1, ...options } as never);
  const caught = (f: () => unknown): SuggestInputError => {
    try {
      f();
    } catch (error) {
      if (error instanceof SuggestInputError) return error;
      throw error;
    }
    throw new Error("no error");
  };

  it("names the offending field", () => {
    expect(caught(() => train([aTask({ priority: 5 as never })]))).toMatchObject({
      reason: "INVALID_TASK",
      field: "tasks[0].priority",
    });
    expect(caught(() => train([aTask(), aTask({ labels: ["has space"] })])).field).toBe(
      "tasks[1].labels",
    );
    expect(caught(() => train([aTask({ due: { date: "2025-02-30" } })])).field).toBe(
      "tasks[0].due.date",
    );
    expect(caught(() => train([aTask({ createTime: "yesterday" })])).field).toBe(
      "tasks[0].createTime",
    );
    expect(caught(() => train([aTask({ durationMinutes: 0 })])).field).toBe(
      "tasks[0].durationMinutes",
    );
    const task = aTask();
    expect(caught(() => train([task, { ...task }])).field).toBe("tasks[1].id");
  });

  it("checks the options", () => {
    expect(caught(() => train([], { now: new Date("nope") }))).toMatchObject({
      reason: "INVALID_OPTION",
      field: "now",
    });
    expect(caught(() => train([], { seed: 1.5 })).field).toBe("seed");
    expect(caught(() => train([], { timeZone: "Mars/Olympus" })).field).toBe("timeZone");
  });
});

describe("due-date habits", () => {
  it("are counted in the workspace's local days", () => {
    // 23:30 UTC on May 1 is already May 2 in Berlin: due May 3 is one day after, not two.
    const task = aTask({ createTime: "2025-05-01T23:30:00Z", due: { date: "2025-05-03" } });
    expect(dueClasses(prepareTask(task, "UTC"))).toEqual(["lead:2", "weekday:6"]);
    expect(dueClasses(prepareTask(task, "Europe/Berlin"))).toEqual(["lead:1", "weekday:6"]);
    expect(dueClasses(prepareTask(aTask(), "UTC"))).toEqual(["none"]);
    expect(dueClasses(prepareTask(aTask({ due: { date: "2024-01-01" } }), "UTC"))).toEqual([
      "other",
    ]);
  });

  it("resolve to the next such weekday (never today) or a lead time", () => {
    const friday = prepareTask(aTask({ createTime: "2025-05-02T09:00:00Z" }), "UTC").createDay;
    expect(resolveDueClass("weekday:5", friday)).toBe(friday + 7);
    expect(resolveDueClass("weekday:1", friday)).toBe(friday + 3);
    expect(resolveDueClass("lead:2", friday)).toBe(friday + 2);
    expect(resolveDueClass("none", friday)).toBeNull();
  });
});
