/**
 * Scores a model on a synthetic workspace the way its users would: trained on the workspace as it
 * stood at a cut-off, then judged on what happened after it.
 * - Task changes (project, priority, labels, duration, due date) on the tasks added after the
 *   cut-off, against what was recorded on them.
 * - Triage (reschedule, cancel, duplicates) of the workspace at the cut-off, against the ground
 *   truth: was the task abandoned, was it a near-duplicate of that one.
 */

import { FATE_HORIZON_DAYS } from "./heads.js";
import { calibrate, compiledHeads, type SuggestModel } from "./model.js";
import { predictLabels, predictProject } from "./predict.js";
import { type PreparedTask, prepareTask } from "./prepared-task.js";
import {
  type ReliabilitySummary,
  type ScoredPrediction,
  summarizeReliability,
} from "./reliability.js";
import { suggestWorkspaceActions } from "./suggest.js";
import { type SyntheticWorkspace, snapshotAt } from "./synthetic.js";
import { collectExamples, HELD_OUT_SHARE, LABEL_CANDIDATES } from "./train.js";
import { ACTION_KINDS, type ActionKind, type HistoryTask, type Suggestion } from "./types.js";

export interface WorkspaceSplit {
  /** The cut-off: the creation time of the oldest unseen task. */
  at: Date;
  /** The workspace as it stood at `at`. */
  history: HistoryTask[];
  /** Tasks added from `at` on, as they ended up. */
  unseen: HistoryTask[];
}

export function splitWorkspace(
  workspace: SyntheticWorkspace,
  share = HELD_OUT_SHARE,
): WorkspaceSplit {
  const first = workspace.tasks[Math.floor(workspace.tasks.length * (1 - share))];
  const at = new Date(first ? first.createTime : workspace.now);
  return {
    at,
    history: snapshotAt(workspace, new Date(at.getTime() - 1)),
    unseen: workspace.tasks.filter((t) => Date.parse(t.createTime) >= at.getTime()),
  };
}

export interface KindEvaluation extends ReliabilitySummary {
  kind: ActionKind;
}

export interface Evaluation {
  /** Kinds with at least one scored suggestion. */
  kinds: KindEvaluation[];
  /** All kinds pooled. */
  overall: ReliabilitySummary;
  project: {
    /** Unseen tasks filed in a project. */
    tasks: number;
    accuracy: number;
    /** Share of the most common project among them: what always guessing it would score. */
    majorityBaseline: number;
    /** Accuracy against the project the habits say (not what was recorded, misfilings and all). */
    habitAccuracy: number;
  };
  labels: {
    tasks: number;
    /** The predicted label set (labels with confidence ≥ 0.5) equals the recorded one. */
    exactSetAccuracy: number;
    /** Micro-averaged F1 of those predicted labels against the recorded ones. */
    microF1: number;
  };
  /** Triage suggestions scored (any confidence). */
  triage: number;
}

export function evaluateSuggestions(
  model: SuggestModel,
  workspace: SyntheticWorkspace,
  split: WorkspaceSplit,
  seed: number,
): Evaluation {
  const unseen = split.unseen.map((t) => prepareTask(t, model.timeZone));
  const examples = collectExamples(compiledHeads(model), unseen, [], []);
  const scored = new Map<ActionKind, ScoredPrediction[]>(ACTION_KINDS.map((k) => [k, []]));
  for (const kind of ACTION_KINDS) {
    for (const e of examples[kind]) {
      scored.get(kind)?.push({
        confidence: calibrate(model, kind, e.score, e.rawProbability).confidence,
        correct: e.correct,
      });
    }
  }
  const triage = suggestWorkspaceActions(model, split.history, {
    now: split.at,
    limit: 10_000,
    minConfidence: 0,
  });
  const byId = new Map(workspace.tasks.map((t) => [t.id, t]));
  for (const s of triage) {
    scored
      .get(s.action.kind)
      ?.push({ confidence: s.confidence, correct: triageIsRight(workspace, byId, split.at, s) });
  }

  const kinds: KindEvaluation[] = [];
  ACTION_KINDS.forEach((kind, i) => {
    const predictions = scored.get(kind) ?? [];
    if (predictions.length > 0)
      kinds.push({ kind, ...summarizeReliability(predictions, seed + i) });
  });
  return {
    kinds,
    overall: summarizeReliability([...scored.values()].flat(), seed),
    project: projectFigures(model, workspace, unseen, kinds),
    labels: labelFigures(model, unseen),
    triage: triage.length,
  };
}

/**
 * Right by what happened next: a rescheduled task should get done within the horizon, a
 * cancelled one should not; a duplicate must be a near-duplicate by the ground truth.
 */
function triageIsRight(
  workspace: SyntheticWorkspace,
  byId: ReadonlyMap<string, HistoryTask>,
  at: Date,
  s: Suggestion,
): boolean {
  const final = byId.get(s.taskId);
  const truth = workspace.truth[s.taskId];
  if (!final || !truth) return false;
  const done =
    final.state === "DONE" &&
    final.completeTime !== null &&
    Date.parse(final.completeTime) <= at.getTime() + FATE_HORIZON_DAYS * 86_400_000;
  switch (s.action.kind) {
    case "cancel":
      return !done;
    case "reschedule":
      return done;
    case "mark_duplicate": {
      const other = workspace.truth[s.action.duplicateOf];
      const original = (id: string, t: typeof truth) => t.duplicateOf ?? id;
      return (
        other !== undefined &&
        (truth.duplicateOf !== null || other.duplicateOf !== null) &&
        original(s.taskId, truth) === original(s.action.duplicateOf, other)
      );
    }
    default:
      return false;
  }
}

const ID_NAMES = { project: (id: string) => id };

function projectFigures(
  model: SuggestModel,
  workspace: SyntheticWorkspace,
  unseen: readonly PreparedTask[],
  kinds: readonly KindEvaluation[],
) {
  const heads = compiledHeads(model);
  const counts = new Map<string, number>();
  let habitRight = 0;
  for (const p of unseen) {
    if (p.task.projectId === null) continue;
    counts.set(p.task.projectId, (counts.get(p.task.projectId) ?? 0) + 1);
    const proposal = predictProject(heads, p, ID_NAMES);
    const habit = workspace.truth[p.task.id]?.projectId;
    if (proposal?.action.kind === "move_to_project" && proposal.action.projectId === habit) {
      habitRight++;
    }
  }
  const tasks = [...counts.values()].reduce((a, b) => a + b, 0);
  return {
    tasks,
    accuracy: kinds.find((k) => k.kind === "move_to_project")?.accuracy ?? 0,
    majorityBaseline: tasks ? Math.max(0, ...counts.values()) / tasks : 0,
    habitAccuracy: tasks ? habitRight / tasks : 0,
  };
}

function labelFigures(model: SuggestModel, unseen: readonly PreparedTask[]) {
  const heads = compiledHeads(model);
  let exact = 0;
  let truePositives = 0;
  let predictedCount = 0;
  let actualCount = 0;
  for (const p of unseen) {
    const predicted = predictLabels(heads, p, ID_NAMES, LABEL_CANDIDATES, new Set())
      .filter((s) => calibrate(model, "add_labels", s.score, s.rawProbability).confidence >= 0.5)
      .map((s) => (s.action.kind === "add_labels" ? (s.action.labels[0] as string) : ""));
    const actual = new Set(p.task.labels);
    const hits = predicted.filter((l) => actual.has(l)).length;
    truePositives += hits;
    predictedCount += predicted.length;
    actualCount += actual.size;
    if (hits === predicted.length && hits === actual.size) exact++;
  }
  const precision = predictedCount ? truePositives / predictedCount : 0;
  const recall = actualCount ? truePositives / actualCount : 0;
  return {
    tasks: unseen.length,
    exactSetAccuracy: unseen.length ? exact / unseen.length : 0,
    microF1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
  };
}
