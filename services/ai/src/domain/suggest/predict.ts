/**
 * What each head proposes for one task, with a raw score (for the calibrators) and the facts
 * behind it (built only when asked: training scores thousands of held-out tasks without them).
 */
import { describeDay, formatDay, weekdayName } from "./days.js";
import { type CompiledHeads, FATE_HORIZON_DAYS, featuresFor, resolveDueClass } from "./heads.js";
import {
  type CategoricalPrediction,
  type CompiledNaiveBayes,
  featureClassDocs,
  featureLabelDocs,
  logOddsOf,
  predictMultiLabel,
  predictNaiveBayes,
  sigmoid,
  strongestFeatures,
  strongestLabelFeatures,
} from "./naive-bayes.js";
import type { PreparedTask } from "./prepared-task.js";
import type { Priority, SuggestedAction } from "./types.js";

export interface Explained {
  /** What is proposed, in words ("File in #Clients"). */
  summary: string;
  /** The facts that drove it. */
  facts: string[];
}

export interface Proposal {
  taskId: string;
  action: SuggestedAction;
  /** The raw score the kind's calibrator maps to a confidence. */
  score: number;
  /** The model's own (uncalibrated) probability, used only when there is no calibrator. */
  rawProbability: number;
  explain(): Explained;
}

export interface Naming {
  project(projectId: string): string;
}

const FACTS_PER_SUGGESTION = 3;

function featurePhrase(feature: string, naming: Naming): string {
  if (!feature.startsWith("@")) return `with “${feature}”`;
  const [kind, value = ""] = feature.slice(1).split(/:(.*)/s);
  switch (kind) {
    case "project":
      return `in ${naming.project(value)}`;
    case "label":
      return `labelled @${value}`;
    case "priority":
      return `at P${value}`;
    case "age":
      return `${value} days old`;
    case "overdue":
      return `overdue ${value} days`;
    default:
      return "without a due date";
  }
}

/** How a fact reads: "37 of 41 tasks with “invoice” were filed in #Clients". */
type FactWording = (right: number, of: number, subject: string, outcome: string) => string;

const PER_TASK: FactWording = (right, of, subject, outcome) =>
  `${right} of ${of} tasks ${subject} ${outcome}`;

/** The fate head counts weekly looks at open tasks, not tasks. */
const PER_WEEKLY_LOOK: FactWording = (right, of, subject, outcome) =>
  `open tasks ${subject} ${outcome} in ${right} of ${of} weekly looks`;

/** Facts for the features of the task that most favour class c. */
function categoricalFacts(
  head: CompiledNaiveBayes,
  prediction: CategoricalPrediction,
  c: number,
  outcome: string,
  naming: Naming,
  wording: FactWording = PER_TASK,
): string[] {
  const state = head.state;
  const facts = strongestFeatures(head, prediction, c, FACTS_PER_SUGGESTION).map((f) =>
    wording(
      featureClassDocs(state, f, c),
      state.featureDocs[f] as number,
      featurePhrase(state.features[f] as string, naming),
      outcome,
    ),
  );
  if (facts.length > 0) return facts;
  const total = state.classDocs.reduce((a, b) => a + b, 0);
  return [wording(state.classDocs[c] as number, total, "", outcome).replace("  ", " ")];
}

export function predictProject(
  heads: CompiledHeads,
  p: PreparedTask,
  naming: Naming,
): Proposal | null {
  const prediction = predictNaiveBayes(heads.project, featuresFor.project(p));
  if (!prediction) return null;
  const c = prediction.ranking[0] as number;
  const projectId = heads.project.state.classes[c] as string;
  return {
    taskId: p.task.id,
    action: { kind: "move_to_project", projectId },
    score: prediction.logit,
    rawProbability: prediction.posterior[c] as number,
    explain: () => ({
      summary: `File in ${naming.project(projectId)}`,
      facts: categoricalFacts(
        heads.project,
        prediction,
        c,
        `were filed in ${naming.project(projectId)}`,
        naming,
      ),
    }),
  };
}

export function predictPriority(
  heads: CompiledHeads,
  p: PreparedTask,
  naming: Naming,
): Proposal | null {
  const prediction = predictNaiveBayes(heads.priority, featuresFor.priority(p));
  if (!prediction) return null;
  const c = prediction.ranking[0] as number;
  const priority = Number(heads.priority.state.classes[c]) as Priority;
  return {
    taskId: p.task.id,
    action: { kind: "set_priority", priority },
    score: prediction.logit,
    rawProbability: prediction.posterior[c] as number,
    explain: () => ({
      summary: `Make it P${priority}`,
      facts: categoricalFacts(heads.priority, prediction, c, `were P${priority}`, naming),
    }),
  };
}

/** The `limit` likeliest labels the task does not have yet, likeliest first. */
export function predictLabels(
  heads: CompiledHeads,
  p: PreparedTask,
  naming: Naming,
  limit: number,
  exclude: ReadonlySet<string> = new Set(p.task.labels),
): Proposal[] {
  const head = heads.labels;
  const prediction = predictMultiLabel(head, featuresFor.labels(p));
  const order = Array.from({ length: head.state.labels.length }, (_, l) => l)
    .filter((l) => !exclude.has(head.state.labels[l] as string))
    .sort((a, b) => (prediction.logOdds[b] as number) - (prediction.logOdds[a] as number) || a - b)
    .slice(0, limit);
  return order.map((l) => {
    const label = head.state.labels[l] as string;
    const score = prediction.logOdds[l] as number;
    return {
      taskId: p.task.id,
      action: { kind: "add_labels", labels: [label] },
      score,
      rawProbability: sigmoid(score),
      explain: () => {
        const facts = strongestLabelFeatures(head, prediction, l, FACTS_PER_SUGGESTION).map(
          (f) =>
            `${featureLabelDocs(head.state, f, l)} of ${head.state.featureDocs[f]} tasks ${featurePhrase(
              head.state.features[f] as string,
              naming,
            )} were labelled @${label}`,
        );
        if (facts.length === 0) {
          facts.push(
            `${head.state.labelDocs[l]} of ${head.state.totalDocs} tasks were labelled @${label}`,
          );
        }
        return { summary: `Label it @${label}`, facts };
      },
    };
  });
}

export function formatMinutes(minutes: number): string {
  if (minutes < 60 || minutes % 60 !== 0) return `${minutes} min`;
  return minutes === 60 ? "1 hour" : `${minutes / 60} hours`;
}

/** A duration, when the likeliest reading is one (not "none"). */
export function predictDuration(
  heads: CompiledHeads,
  p: PreparedTask,
  naming: Naming,
): Proposal | null {
  const prediction = predictNaiveBayes(heads.duration, featuresFor.duration(p));
  if (!prediction) return null;
  const c = prediction.ranking[0] as number;
  const value = heads.duration.state.classes[c] as string;
  if (value === "none") return null;
  const minutes = Number(value);
  return {
    taskId: p.task.id,
    action: { kind: "set_duration", minutes },
    score: prediction.logit,
    rawProbability: prediction.posterior[c] as number,
    explain: () => ({
      summary: `Plan ${formatMinutes(minutes)}`,
      facts: categoricalFacts(
        heads.duration,
        prediction,
        c,
        `took ${formatMinutes(minutes)}`,
        naming,
      ),
    }),
  };
}

function dueOutcome(dueClass: string): string {
  const [kind, value] = dueClass.split(":");
  const n = Number(value);
  if (kind === "weekday") return `were due on the ${weekdayName(n)} after they were added`;
  if (n === 0) return "were due the day they were added";
  return `were due ${n} day${n === 1 ? "" : "s"} after they were added`;
}

interface DueReading {
  prediction: CategoricalPrediction;
  c: number;
  day: number;
}

/** The likeliest due-date habit that names a day (skipping "none" and "other" if `anyDate`). */
function readDue(
  heads: CompiledHeads,
  p: PreparedTask,
  referenceDay: number,
  anyDate: boolean,
): DueReading | null {
  const prediction = predictNaiveBayes(heads.due, featuresFor.due(p));
  if (!prediction) return null;
  for (const c of anyDate ? prediction.ranking : prediction.ranking.slice(0, 1)) {
    const day = resolveDueClass(heads.due.state.classes[c] as string, referenceDay);
    if (day !== null) return { prediction, c, day };
  }
  return null;
}

/** A due date counted from `referenceDay`, when the likeliest habit is to have one. */
export function predictDue(
  heads: CompiledHeads,
  p: PreparedTask,
  referenceDay: number,
  naming: Naming,
): Proposal | null {
  const reading = readDue(heads, p, referenceDay, false);
  if (!reading) return null;
  const { prediction, c, day } = reading;
  const dueClass = heads.due.state.classes[c] as string;
  return {
    taskId: p.task.id,
    action: { kind: "set_due", due: { date: formatDay(day) } },
    score: prediction.logit,
    rawProbability: prediction.posterior[c] as number,
    explain: () => ({
      summary: `Due ${describeDay(day)}`,
      facts: categoricalFacts(heads.due, prediction, c, dueOutcome(dueClass), naming),
    }),
  };
}

export interface FateReading {
  /** Log-odds that the task is not done within the horizon (dropped) rather than done. */
  dropLogOdds: number;
  facts(outcome: "dropped" | "done"): string[];
}

/** How likely a task open on `day` is to be dropped; null without enough history. */
export function readFate(
  heads: CompiledHeads,
  p: PreparedTask,
  day: number,
  naming: Naming,
): FateReading | null {
  const head = heads.fate;
  const dropped = head.state.classes.indexOf("dropped");
  const done = head.state.classes.indexOf("done");
  if (dropped < 0 || done < 0) return null;
  const prediction = predictNaiveBayes(head, featuresFor.fate(p, day));
  if (!prediction) return null;
  return {
    dropLogOdds: logOddsOf(prediction.scores, dropped),
    facts: (outcome) => {
      const c = outcome === "dropped" ? dropped : done;
      // Rank as if this outcome had won, so the facts are the ones that argue for it.
      const ranked = { ...prediction, ranking: [c, outcome === "dropped" ? done : dropped] };
      const verb = outcome === "done" ? "were" : "were not";
      const outcomeWords = `${verb} done within ${FATE_HORIZON_DAYS} days`;
      return categoricalFacts(head, ranked, c, outcomeWords, naming, PER_WEEKLY_LOOK);
    },
  };
}

/**
 * Which triage a task gets: cancel when it is stale and (if also overdue) more likely dropped
 * than done, else reschedule when it is overdue. Training picks held-out examples by the same
 * rule, so each kind is calibrated on the tasks it is actually proposed for.
 */
export function triageKind(
  stale: boolean,
  overdue: boolean,
  dropProbability: number,
): "cancel" | "reschedule" | null {
  if (stale && (!overdue || dropProbability >= 0.5)) return "cancel";
  return overdue ? "reschedule" : null;
}

/** The day an overdue task would be moved to: its due habit counted from today, else tomorrow. */
export function rescheduleDay(
  heads: CompiledHeads,
  p: PreparedTask,
  today: number,
  naming: Naming,
): { day: number; fact: string | null } {
  const reading = readDue(heads, p, today, true);
  if (!reading || reading.day <= today) return { day: today + 1, fact: null };
  const dueClass = heads.due.state.classes[reading.c] as string;
  const facts = categoricalFacts(
    heads.due,
    reading.prediction,
    reading.c,
    dueOutcome(dueClass),
    naming,
  );
  return { day: reading.day, fact: facts[0] ?? null };
}
