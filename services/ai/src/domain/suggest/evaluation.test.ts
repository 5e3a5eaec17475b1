import { describe, expect, it } from "vitest";
import { evaluateSuggestions, splitWorkspace } from "./evaluation.js";
import { generateWorkspace } from "./synthetic.js";
import { trainWorkspaceModel } from "./train.js";

// A 3,000-task workspace, trained as it stood before its newest 600 tasks, judged on them.
describe("on a generated 3,000-task workspace", () => {
  const workspace = generateWorkspace({ tasks: 3000, seed: 1 });
  const split = splitWorkspace(workspace);
  const model = trainWorkspaceModel(split.history, { now: split.at, seed: 1 });
  const evaluation = evaluateSuggestions(model, workspace, split, 1);

  it("holds out the newest 20%", () => {
    expect(split.unseen).toHaveLength(600);
    expect(split.history).toHaveLength(2400);
  });

  it("files held-out tasks far better than always guessing the biggest project", () => {
    const { accuracy, majorityBaseline, tasks } = evaluation.project;
    expect(tasks).toBeGreaterThan(500);
    expect(accuracy).toBeGreaterThan(majorityBaseline + 0.4);
    expect(accuracy).toBeGreaterThan(0.75);
  });

  it("predicts label sets well above chance", () => {
    expect(evaluation.labels.microF1).toBeGreaterThan(0.7);
  });

  it("is right at least 90% of the time in the 0.9-1.0 bucket (kinds with 50+ there, and overall)", () => {
    const buckets = [...evaluation.kinds, { kind: "overall", ...evaluation.overall }].filter(
      (k) => k.topBucket.examples >= 50,
    );
    expect(buckets.map((k) => k.kind)).toContain("overall");
    for (const k of buckets) expect(k.topBucket.accuracy, k.kind).toBeGreaterThanOrEqual(0.9);
  });

  it("keeps confidences calibrated overall", () => {
    expect(evaluation.overall.ece).toBeLessThan(0.05);
  });
});
