/**
 * Training a workspace's model: fit the heads on the older 80% of its history, score the newer
 * 20%, fit one isotonic calibrator per kind of action on those held-out scores (reporting ECE
 * from 2-fold cross-fitted calibrators, so the figures are not in-sample), then refit the heads
 * on all of it for serving.
 */
import { todayOf } from "./days.js";
import { duplicateScore, type HistoryPair, historyDuplicatePairs } from "./duplicates.js";
import {
  type CompiledHeads,
  compileHeads,
  durationClass,
  FATE_HORIZON_DAYS,
  type FateObservation,
  fitHeads,
  STALE_DAYS,
} from "./heads.js";
import { applyIsotonic, fitIsotonic, type IsotonicCalibrator } from "./isotonic.js";
import { MODEL_FORMAT, modelVersion, type SuggestModel } from "./model.js";
import { sigmoid } from "./naive-bayes.js";
import {
  type Naming,
  predictDue,
  predictDuration,
  predictLabels,
  predictPriority,
  predictProject,
  readFate,
  triageKind,
} from "./predict.js";
import { type PreparedTask, prepareTask } from "./prepared-task.js";
import { createRandom, shuffled } from "./random.js";
import { type ScoredPrediction, summarizeReliability } from "./reliability.js";
import {
  ACTION_KINDS,
  type ActionKind,
  type CalibrationReport,
  type HistoryTask,
  LOW_CONFIDENCE_CAP,
} from "./types.js";
import { checkNow, checkSeed, checkTasks, checkZone } from "./validate.js";

export interface TrainOptions {
  /** The training time; recorded in the model. */
  now: Date;
  /** Seeds the cross-fitting folds and the bootstrap of the reports. */
  seed: number;
  /** IANA zone whose days due-date habits are counted in; default "UTC". */
  timeZone?: string;
}

/** Fewer held-out examples than this and a kind is not calibrated (its confidences are capped). */
export const MIN_CALIBRATION_EXAMPLES = 30;
export const HELD_OUT_SHARE = 0.2;
/** Labels considered per task. */
export const LABEL_CANDIDATES = 3;

export interface KindExample {
  score: number;
  rawProbability: number;
  correct: boolean;
}

export type ExamplesByKind = Record<ActionKind, KindExample[]>;

const NO_NAMES: Naming = { project: (id) => id };

const SNAPSHOT_EVERY_DAYS = 7;

/**
 * Open tasks seen on past days (one snapshot a week, far enough back that the horizon has
 * passed) while stale or overdue, with whether each was done within the horizon. Snapshots, not
 * one look per task, because triage sees a snapshot: long-neglected tasks weigh in it as long
 * as they linger. `tasks` must be oldest first.
 */
export function fateObservations(tasks: readonly PreparedTask[], today: number): FateObservation[] {
  const out: FateObservation[] = [];
  const first = tasks[0]?.createDay;
  if (first === undefined) return out;
  for (let day = today - FATE_HORIZON_DAYS; day >= first + STALE_DAYS; day -= SNAPSHOT_EVERY_DAYS) {
    for (const p of tasks) {
      if (p.createDay > day) break;
      if (p.closeDay !== null && p.closeDay <= day) continue;
      const stale = day - p.createDay >= STALE_DAYS;
      const overdue = p.dueDay !== null && p.dueDay < day;
      if (!stale && !overdue) continue;
      const done =
        p.task.state === "DONE" && p.closeDay !== null && p.closeDay <= day + FATE_HORIZON_DAYS;
      out.push({ p, day, stale, overdue, done });
    }
  }
  return out;
}

function emptyExamples(): ExamplesByKind {
  return Object.fromEntries(ACTION_KINDS.map((k) => [k, []])) as unknown as ExamplesByKind;
}

/**
 * Scores tasks the heads did not see, the way suggestions would be made, and records whether
 * each proposal matches what the workspace actually did.
 */
export function collectExamples(
  heads: CompiledHeads,
  tasks: readonly PreparedTask[],
  observations: readonly FateObservation[],
  pairs: readonly HistoryPair[],
): ExamplesByKind {
  const examples = emptyExamples();
  const push = (kind: ActionKind, score: number, rawProbability: number, correct: boolean) =>
    examples[kind].push({ score, rawProbability, correct });
  for (const p of tasks) {
    const task = p.task;
    if (task.projectId !== null) {
      const proposal = predictProject(heads, p, NO_NAMES);
      if (proposal?.action.kind === "move_to_project") {
        push(
          "move_to_project",
          proposal.score,
          proposal.rawProbability,
          proposal.action.projectId === task.projectId,
        );
      }
    }
    const priority = predictPriority(heads, p, NO_NAMES);
    if (priority?.action.kind === "set_priority") {
      push(
        "set_priority",
        priority.score,
        priority.rawProbability,
        priority.action.priority === task.priority,
      );
    }
    for (const label of predictLabels(heads, p, NO_NAMES, LABEL_CANDIDATES, new Set())) {
      if (label.action.kind !== "add_labels") continue;
      const name = label.action.labels[0] as string;
      push("add_labels", label.score, label.rawProbability, task.labels.includes(name));
    }
    const duration = predictDuration(heads, p, NO_NAMES);
    if (duration?.action.kind === "set_duration") {
      push(
        "set_duration",
        duration.score,
        duration.rawProbability,
        String(duration.action.minutes) === durationClass(p),
      );
    }
    const due = predictDue(heads, p, p.createDay, NO_NAMES);
    if (due?.action.kind === "set_due") {
      push("set_due", due.score, due.rawProbability, due.action.due.date === task.due?.date);
    }
  }
  for (const o of observations) {
    const fate = readFate(heads, o.p, o.day, NO_NAMES);
    if (!fate) continue;
    const kind = triageKind(o.stale, o.overdue, sigmoid(fate.dropLogOdds));
    if (kind === "cancel") push("cancel", fate.dropLogOdds, sigmoid(fate.dropLogOdds), !o.done);
    if (kind === "reschedule")
      push("reschedule", -fate.dropLogOdds, sigmoid(-fate.dropLogOdds), o.done);
  }
  for (const pair of pairs) {
    const { score, rawProbability } = duplicateScore(heads.duplicates, pair.features);
    push("mark_duplicate", score, rawProbability, pair.duplicate);
  }
  return examples;
}

const NOT_LEARNED: Partial<Record<ActionKind, string>> = {
  remove_labels:
    "not proposed: a task's current labels carry no sign of a wrong one (that needs feedback)",
};

/** The report of one kind, and its calibrator when there are enough examples. */
export function calibrateKind(
  kind: ActionKind,
  examples: readonly KindExample[],
  seed: number,
): { report: CalibrationReport; calibrator: IsotonicCalibrator | null } {
  const notLearned = NOT_LEARNED[kind];
  if (notLearned) {
    return {
      report: {
        kind,
        status: "not_learned",
        reason: notLearned,
        method: "none",
        ...summarizeReliability([], seed),
      },
      calibrator: null,
    };
  }
  if (examples.length < MIN_CALIBRATION_EXAMPLES) {
    const capped: ScoredPrediction[] = examples.map((e) => ({
      confidence: Math.min(LOW_CONFIDENCE_CAP, e.rawProbability),
      correct: e.correct,
    }));
    return {
      report: {
        kind,
        status: "insufficient_history",
        reason:
          examples.length === 0
            ? `insufficient history: no held-out examples for ${kind}`
            : `insufficient history: ${examples.length} held-out examples for ${kind} (need ${MIN_CALIBRATION_EXAMPLES})`,
        method: "none",
        ...summarizeReliability(capped, seed),
      },
      calibrator: null,
    };
  }
  // Two folds: each half is scored by a calibrator fitted on the other half.
  const shuffledExamples = shuffled(examples, createRandom(seed));
  const halves = [
    shuffledExamples.filter((_, i) => i % 2 === 0),
    shuffledExamples.filter((_, i) => i % 2 === 1),
  ];
  const crossFitted: ScoredPrediction[] = halves.flatMap((scored, h) => {
    const calibrator = fitIsotonic(halves[1 - h] ?? []);
    return scored.map((e) => ({
      confidence: applyIsotonic(calibrator, e.score),
      correct: e.correct,
    }));
  });
  return {
    report: {
      kind,
      status: "calibrated",
      reason: null,
      method: "isotonic",
      ...summarizeReliability(crossFitted, seed),
    },
    calibrator: fitIsotonic(examples),
  };
}

/** Where the newest {@link HELD_OUT_SHARE} of `length` oldest-first items starts. */
function splitIndex(length: number): number {
  return Math.floor(length * (1 - HELD_OUT_SHARE));
}

export function trainWorkspaceModel(
  tasks: readonly HistoryTask[],
  options: TrainOptions,
): SuggestModel {
  const now = checkNow(options.now);
  const seed = checkSeed(options.seed);
  const timeZone = checkZone(options.timeZone ?? "UTC");
  checkTasks(tasks, "tasks");

  const prepared = tasks
    .map((t) => prepareTask(t, timeZone))
    .sort((a, b) => a.createMs - b.createMs || (a.task.id < b.task.id ? -1 : 1));
  const observations = fateObservations(prepared, todayOf(now, timeZone));
  const pairs = historyDuplicatePairs(prepared);

  // Held-out: the newest 20% of tasks (by creation) for the content heads and duplicate pairs
  // (by the later twin), the newest 20% of snapshot days for the fate head.
  const cut = splitIndex(prepared.length);
  const cutMs = prepared[cut]?.createMs ?? Number.POSITIVE_INFINITY;
  const days = [...new Set(observations.map((o) => o.day))].sort((a, b) => a - b);
  const dayCutoff = days[splitIndex(days.length)] ?? Number.POSITIVE_INFINITY;
  const olderObservations = observations.filter((o) => o.day < dayCutoff);
  const newerObservations = observations.filter((o) => o.day >= dayCutoff);
  const heldOutHeads = compileHeads(
    fitHeads(
      prepared.slice(0, cut),
      olderObservations,
      pairs.filter((pair) => pair.laterCreateMs < cutMs),
    ),
  );
  const examples = collectExamples(
    heldOutHeads,
    prepared.slice(cut),
    newerObservations,
    pairs.filter((pair) => pair.laterCreateMs >= cutMs),
  );

  const calibrators: Partial<Record<ActionKind, IsotonicCalibrator>> = {};
  const reports: CalibrationReport[] = ACTION_KINDS.map((kind, i) => {
    const { report, calibrator } = calibrateKind(kind, examples[kind], seed + i);
    if (calibrator) calibrators[kind] = calibrator;
    return report;
  });

  const thin = reports.filter((r) => r.status === "insufficient_history").map((r) => r.kind);
  const notice =
    prepared.length === 0
      ? `No task history yet: nothing is learned, and confidences are capped at ${LOW_CONFIDENCE_CAP}.`
      : thin.length > 0
        ? `Too little history to calibrate ${thin.join(", ")}: their confidences are capped at ${LOW_CONFIDENCE_CAP}.`
        : null;

  const content: Omit<SuggestModel, "version"> = {
    format: MODEL_FORMAT,
    trainedAt: now.toISOString(),
    timeZone,
    seed,
    history: {
      tasks: prepared.length,
      open: prepared.filter((p) => p.closeMs === null).length,
      closed: prepared.filter((p) => p.closeMs !== null).length,
      filed: prepared.filter((p) => p.task.projectId !== null).length,
      notice,
    },
    heads: fitHeads(prepared, observations, pairs),
    calibrators,
    reports,
  };
  const { format, ...rest } = content;
  return { format, version: modelVersion(content), ...rest };
}
