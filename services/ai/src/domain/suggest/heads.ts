/**
 * The model's heads: which features each one reads and which classes it predicts. A head never
 * reads the field it predicts, so scoring a task "as if the field were unknown" needs no masking.
 */
import { weekdayOfDay } from "./days.js";
import { type DuplicateModelState, fitDuplicateModel, type HistoryPair } from "./duplicates.js";
import {
  type CompiledMultiLabel,
  type CompiledNaiveBayes,
  compileMultiLabel,
  compileNaiveBayes,
  fitMultiLabel,
  fitNaiveBayes,
  type MultiLabelState,
  type NaiveBayesState,
} from "./naive-bayes.js";
import type { PreparedTask } from "./prepared-task.js";

// Context features are prefixed with "@", which words never contain.
const projectFeature = (p: PreparedTask): string[] =>
  p.task.projectId === null ? [] : [`@project:${p.task.projectId}`];
const labelFeatures = (p: PreparedTask): string[] => p.task.labels.map((l) => `@label:${l}`);
const priorityFeature = (p: PreparedTask): string => `@priority:${p.task.priority}`;

export const featuresFor = {
  project: (p: PreparedTask): string[] => [...p.text, ...labelFeatures(p)],
  priority: (p: PreparedTask): string[] => [...p.text, ...projectFeature(p), ...labelFeatures(p)],
  labels: (p: PreparedTask): string[] => [...p.text, ...projectFeature(p)],
  duration: (p: PreparedTask): string[] => [...p.text, ...projectFeature(p), ...labelFeatures(p)],
  due: (p: PreparedTask): string[] => [
    ...p.text,
    ...projectFeature(p),
    ...labelFeatures(p),
    priorityFeature(p),
  ],
  /** The task as it looked on `day`: how long it had been open, how late it was. */
  fate: (p: PreparedTask, day: number): string[] => {
    // One bucket each (not "30+", "60+", ...): naive Bayes would count nested buckets twice.
    const out = [...projectFeature(p), priorityFeature(p)];
    out.push(`@age:${bucket(day - p.createDay, AGE_STEPS)}`);
    if (p.dueDay === null) out.push("@no-due");
    else if (day > p.dueDay) out.push(`@overdue:${bucket(day - p.dueDay, OVERDUE_STEPS)}`);
    return out;
  },
};

const AGE_STEPS = [0, 7, 30, 60, 120, 240];
const OVERDUE_STEPS = [1, 7, 30, 90];

/** "30-59" for 45 with steps [.., 30, 60, ..]; "240+" past the last step. */
function bucket(value: number, steps: readonly number[]): string {
  for (let i = steps.length - 1; i >= 0; i--) {
    const from = steps[i] as number;
    if (value >= from) {
      const to = steps[i + 1];
      return to === undefined ? `${from}+` : `${from}-${to - 1}`;
    }
  }
  return `<${steps[0]}`;
}

/** Lead times beyond this are no habit ("other"). */
export const MAX_LEAD_DAYS = 60;

/**
 * Due-date habits, as classes: "none", "lead:N" (due N days after it was added), "weekday:W" (due
 * the next W after it was added, for leads of 1-7 days: a task counts for both readings, and the
 * habit that explains more tasks wins), or "other" (a date no habit explains).
 */
export function dueClasses(p: PreparedTask): string[] {
  if (p.dueDay === null) return ["none"];
  const lead = p.dueDay - p.createDay;
  if (lead < 0 || lead > MAX_LEAD_DAYS) return ["other"];
  const classes = [`lead:${lead}`];
  if (lead >= 1 && lead <= 7) classes.push(`weekday:${weekdayOfDay(p.dueDay)}`);
  return classes;
}

/** The day a due-date class points at from `referenceDay`, or null for "none" / "other". */
export function resolveDueClass(dueClass: string, referenceDay: number): number | null {
  const [kind, value] = dueClass.split(":");
  const n = Number(value);
  if (kind === "lead") return referenceDay + n;
  if (kind === "weekday") {
    const ahead = (n - weekdayOfDay(referenceDay) + 7) % 7;
    return referenceDay + (ahead === 0 ? 7 : ahead);
  }
  return null;
}

export const durationClass = (p: PreparedTask): string =>
  p.task.durationMinutes === null ? "none" : String(p.task.durationMinutes);

export interface HeadsState {
  project: NaiveBayesState;
  priority: NaiveBayesState;
  labels: MultiLabelState;
  duration: NaiveBayesState;
  due: NaiveBayesState;
  /** "done" or "dropped" (not done within the horizon), from open tasks seen on past days. */
  fate: NaiveBayesState;
  duplicates: DuplicateModelState;
}

export interface CompiledHeads {
  project: CompiledNaiveBayes;
  priority: CompiledNaiveBayes;
  labels: CompiledMultiLabel;
  duration: CompiledNaiveBayes;
  due: CompiledNaiveBayes;
  fate: CompiledNaiveBayes;
  duplicates: DuplicateModelState;
}

/** A task seen on a past day while it was open and stale or overdue, and whether it got done. */
export interface FateObservation {
  p: PreparedTask;
  day: number;
  /** Open for {@link STALE_DAYS} or more on `day`. */
  stale: boolean;
  /** Past its due date on `day`. */
  overdue: boolean;
  /** Done within {@link FATE_HORIZON_DAYS} of `day`. */
  done: boolean;
}

/** A task open this long is "stale" (a candidate for cancelling). */
export const STALE_DAYS = 30;
/** What "gets done" means for triage: done within this many days. */
export const FATE_HORIZON_DAYS = 60;

export function fitHeads(
  tasks: readonly PreparedTask[],
  observations: readonly FateObservation[],
  pairs: readonly HistoryPair[],
): HeadsState {
  return {
    // The inbox is where tasks wait to be filed, not a place they belong: it is no class.
    project: fitNaiveBayes(
      tasks
        .filter((p) => p.task.projectId !== null)
        .map((p) => ({ features: featuresFor.project(p), classes: [p.task.projectId as string] })),
    ),
    priority: fitNaiveBayes(
      tasks.map((p) => ({ features: featuresFor.priority(p), classes: [String(p.task.priority)] })),
    ),
    labels: fitMultiLabel(
      tasks.map((p) => ({ features: featuresFor.labels(p), labels: p.task.labels })),
    ),
    duration: fitNaiveBayes(
      tasks.map((p) => ({ features: featuresFor.duration(p), classes: [durationClass(p)] })),
    ),
    due: fitNaiveBayes(
      tasks.map((p) => ({ features: featuresFor.due(p), classes: dueClasses(p) })),
    ),
    fate: fitNaiveBayes(
      observations.map((o) => ({
        features: featuresFor.fate(o.p, o.day),
        classes: [o.done ? "done" : "dropped"],
      })),
    ),
    duplicates: fitDuplicateModel(pairs),
  };
}

export function compileHeads(state: HeadsState): CompiledHeads {
  return {
    project: compileNaiveBayes(state.project),
    priority: compileNaiveBayes(state.priority),
    labels: compileMultiLabel(state.labels),
    duration: compileNaiveBayes(state.duration),
    due: compileNaiveBayes(state.due),
    fate: compileNaiveBayes(state.fate),
    duplicates: state.duplicates,
  };
}
