/**
 * Serving: SuggestTaskChanges (one task: project, priority, labels, duration, due date,
 * duplicate) and SuggestWorkspaceActions (triage: reschedule overdue tasks, cancel stale ones,
 * merge duplicates). Never proposes what a task already has.
 */
import { describeDay, formatDay, todayOf } from "./days.js";
import {
  type DuplicateEntry,
  type DuplicateModelState,
  duplicateEntry,
  duplicateScore,
  indexOpenTasks,
  type OpenTaskIndex,
  pairFeatures,
  type SimilarTask,
  sharedWords,
  similarOpenTasks,
} from "./duplicates.js";
import { SuggestInputError } from "./errors.js";
import { STALE_DAYS } from "./heads.js";
import { calibrate, compiledHeads, type SuggestModel } from "./model.js";
import { sigmoid } from "./naive-bayes.js";
import {
  type Naming,
  type Proposal,
  predictDue,
  predictDuration,
  predictLabels,
  predictPriority,
  predictProject,
  readFate,
  rescheduleDay,
  triageKind,
} from "./predict.js";
import { type PreparedTask, prepareTask } from "./prepared-task.js";
import { LABEL_CANDIDATES } from "./train.js";
import { ACTION_KINDS, type HistoryTask, type Suggestion } from "./types.js";
import { checkCount, checkNow, checkTask, checkTasks } from "./validate.js";

export interface SuggestOptions {
  now: Date;
  /** At most this many suggestions, best first (default 5 for a task, 100 for a workspace). */
  limit?: number;
  /** Suggestions below this confidence are left out (default 0.3). */
  minConfidence?: number;
  /** Display names of projects, for explanations ("#Clients" rather than an id). */
  projectNames?: Readonly<Record<string, string>>;
}

export const DEFAULT_MIN_CONFIDENCE = 0.3;
const DEFAULT_TASK_LIMIT = 5;
const DEFAULT_WORKSPACE_LIMIT = 100;
const MAX_LIMIT = 10_000;

function namingOf(options: SuggestOptions): Naming {
  return {
    project: (id) => {
      const name = options.projectNames?.[id];
      return name ? `#${name}` : `project ${id}`;
    },
  };
}

function checkOptions(options: SuggestOptions, defaultLimit: number) {
  const now = checkNow(options.now);
  const limit = checkCount(options.limit ?? defaultLimit, "limit", 1, MAX_LIMIT);
  const minConfidence = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  if (typeof minConfidence !== "number" || !(minConfidence >= 0 && minConfidence <= 1)) {
    throw new SuggestInputError(
      "INVALID_OPTION",
      "minConfidence",
      "minConfidence must be in [0, 1]",
    );
  }
  return { now, limit, minConfidence };
}

interface Scored {
  proposal: Proposal;
  confidence: number;
  caveat: string | null;
}

function score(model: SuggestModel, proposal: Proposal): Scored {
  const { kind } = proposal.action;
  return { proposal, ...calibrate(model, kind, proposal.score, proposal.rawProbability) };
}

/** The best `limit` at or above `minConfidence`, explained (only those: words cost time). */
function rank(
  model: SuggestModel,
  scored: readonly Scored[],
  minConfidence: number,
  limit: number,
): Suggestion[] {
  const order = (s: Scored) => ACTION_KINDS.indexOf(s.proposal.action.kind);
  const id = (s: Scored) => s.proposal.taskId;
  return scored
    .filter((s) => s.confidence >= minConfidence)
    .sort(
      (a, b) =>
        b.confidence - a.confidence ||
        order(a) - order(b) ||
        (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0),
    )
    .slice(0, limit)
    .map(({ proposal, confidence, caveat }) => {
      const { summary, facts } = proposal.explain();
      return {
        taskId: proposal.taskId,
        action: proposal.action,
        confidence,
        explanation: `${summary}: ${facts.join("; ")}.${caveat ? ` (${caveat}.)` : ""}`,
        evidence: facts,
        modelVersion: model.version,
        caveat,
      };
    });
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** Alike open tasks weighed per task: the duplicate model also reads days apart and project. */
const DUPLICATE_CANDIDATES = 5;

/** The likeliest twin among the most alike `matches` (most alike first), or null. */
function duplicateProposal(
  model: DuplicateModelState,
  entry: DuplicateEntry,
  matches: readonly SimilarTask[],
): Proposal | null {
  let best: { match: SimilarTask; score: number; rawProbability: number } | null = null;
  for (const match of matches.slice(0, DUPLICATE_CANDIDATES)) {
    const scored = duplicateScore(model, pairFeatures(entry, match.entry, match.similarity));
    if (!best || scored.score > best.score) best = { match, ...scored };
  }
  if (!best) return null;
  const { match, score, rawProbability } = best;
  return {
    taskId: entry.id,
    action: { kind: "mark_duplicate", duplicateOf: match.entry.id },
    score,
    rawProbability,
    explain: () => {
      const shared = sharedWords(entry, match.entry).map((w) => `“${w}”`);
      const gapDays = Math.round(Math.abs(entry.createMs - match.entry.createMs) / 86_400_000);
      return {
        summary: `Looks like a duplicate of “${match.entry.title}”`,
        facts: [
          `title similarity ${match.similarity.toFixed(2)} (shared words: ${shared.join(", ") || "none"})`,
          `both open, added ${plural(gapDays, "day")} apart`,
        ],
      };
    },
  };
}

/**
 * Changes proposed for one task: its project, priority, labels, duration and due date as the
 * workspace's habits suggest, and an open task it seems to duplicate. `openTasks` are the
 * workspace's open tasks (or an index of them from {@link indexOpenTasks}, to reuse across calls).
 */
export function suggestTaskChanges(
  model: SuggestModel,
  task: HistoryTask,
  openTasks: readonly HistoryTask[] | OpenTaskIndex,
  options: SuggestOptions,
): Suggestion[] {
  const { now, limit, minConfidence } = checkOptions(options, DEFAULT_TASK_LIMIT);
  checkTask(task, "task");
  const index = Array.isArray(openTasks) ? indexOpenTasks(openTasks) : (openTasks as OpenTaskIndex);
  const heads = compiledHeads(model);
  const naming = namingOf(options);
  const p = prepareTask(task, model.timeZone);
  const proposals: Proposal[] = [];

  const project = predictProject(heads, p, naming);
  if (project?.action.kind === "move_to_project" && project.action.projectId !== task.projectId) {
    proposals.push(project);
  }
  const priority = predictPriority(heads, p, naming);
  if (priority?.action.kind === "set_priority" && priority.action.priority !== task.priority) {
    proposals.push(priority);
  }
  proposals.push(...predictLabels(heads, p, naming, LABEL_CANDIDATES));
  if (task.durationMinutes === null) {
    const duration = predictDuration(heads, p, naming);
    if (duration) proposals.push(duration);
  }
  if (task.due === null) {
    const due = predictDue(heads, p, todayOf(now, model.timeZone), naming);
    if (due) proposals.push(due);
  }
  if (task.state === "OPEN") {
    const entry = duplicateEntry(task);
    const duplicate = duplicateProposal(heads.duplicates, entry, similarOpenTasks(index, entry));
    if (duplicate) proposals.push(duplicate);
  }
  return rank(
    model,
    proposals.map((proposal) => score(model, proposal)),
    minConfidence,
    limit,
  );
}

/** Without history, a guess at how likely a task untouched this long is to be dropped. */
function fallbackDropProbability(untouchedDays: number): number {
  return Math.min(0.9, untouchedDays / 365);
}

function triage(
  model: SuggestModel,
  p: PreparedTask,
  today: number,
  naming: Naming,
): Scored | null {
  const age = today - p.createDay;
  const untouched = today - p.updateDay;
  const overdueDays = p.dueDay === null ? 0 : today - p.dueDay;
  // Stale: open a month and untouched a month (an old task someone keeps editing is alive).
  const stale = age >= STALE_DAYS && untouched >= STALE_DAYS;
  const heads = compiledHeads(model);
  const fate = readFate(heads, p, today, naming);
  const dropProbability = fate ? sigmoid(fate.dropLogOdds) : fallbackDropProbability(untouched);
  const kind = triageKind(stale, overdueDays > 0, dropProbability);
  if (kind === "cancel") {
    return score(model, {
      taskId: p.task.id,
      action: { kind: "cancel" },
      score: fate ? fate.dropLogOdds : Number.NaN,
      rawProbability: dropProbability,
      explain: () => ({
        summary: "Cancel it",
        facts: [
          `open ${plural(age, "day")}, last changed ${plural(untouched, "day")} ago`,
          ...(fate ? fate.facts("dropped") : []),
        ],
      }),
    });
  }
  if (kind === "reschedule") {
    const { day, fact } = rescheduleDay(heads, p, today, naming);
    return score(model, {
      taskId: p.task.id,
      action: { kind: "reschedule", due: { date: formatDay(day) } },
      score: fate ? -fate.dropLogOdds : Number.NaN,
      rawProbability: 1 - dropProbability,
      explain: () => ({
        summary: `Move it to ${describeDay(day)}`,
        facts: [
          `overdue by ${plural(overdueDays, "day")}`,
          ...(fact ? [fact] : []),
          ...(fate ? fate.facts("done") : []),
        ],
      }),
    });
  }
  return null;
}

/**
 * Triage for a workspace: reschedule overdue open tasks (to a day their habits suggest), cancel
 * long-stale ones, and mark the newer of two alike open tasks as the duplicate of the older.
 */
export function suggestWorkspaceActions(
  model: SuggestModel,
  tasks: readonly HistoryTask[],
  options: SuggestOptions,
): Suggestion[] {
  const { now, limit, minConfidence } = checkOptions(options, DEFAULT_WORKSPACE_LIMIT);
  checkTasks(tasks, "tasks");
  const naming = namingOf(options);
  const heads = compiledHeads(model);
  const today = todayOf(now, model.timeZone);
  const open = tasks.filter((t) => t.state === "OPEN");
  const index = indexOpenTasks(open);
  const scored: Scored[] = [];
  for (const task of open) {
    const p = prepareTask(task, model.timeZone);
    const triaged = triage(model, p, today, naming);
    if (triaged) scored.push(triaged);
    // The newer twin is the duplicate: only older open tasks can be its original.
    const entry = duplicateEntry(task);
    const older = similarOpenTasks(index, entry).filter(
      (m) =>
        m.entry.createMs < entry.createMs ||
        (m.entry.createMs === entry.createMs && m.entry.id < entry.id),
    );
    const duplicate = duplicateProposal(heads.duplicates, entry, older);
    if (duplicate) scored.push(score(model, duplicate));
  }
  return rank(model, scored, minConfidence, limit);
}
