/** Public shapes of the suggestion models (see index.ts for the entry points). */

export type Priority = 1 | 2 | 3 | 4;

export type TaskState = "OPEN" | "DONE" | "CANCELLED";

/** A due date: a whole day, or a wall-clock time on that day (in the workspace's time zone). */
export interface DueDate {
  /** "YYYY-MM-DD". */
  date: string;
  /** "HH:MM", absent for an all-day task. */
  time?: string;
}

/**
 * A task as the ai service reads it from core (ListTasks / the change feed): its current state.
 * Times are RFC 3339 instants ("2025-06-02T09:00:00Z").
 */
export interface HistoryTask {
  id: string;
  title: string;
  notes?: string;
  labels: string[];
  /** null: the inbox. */
  projectId: string | null;
  /** 1 is the most urgent; 4 is also "unspecified". */
  priority: Priority;
  due: DueDate | null;
  durationMinutes: number | null;
  state: TaskState;
  createTime: string;
  updateTime: string;
  completeTime: string | null;
}

/** The shared action vocabulary (glidepath.actions.v1.Action), as plain data. */
export type SuggestedAction =
  | { kind: "set_priority"; priority: Priority }
  | { kind: "move_to_project"; projectId: string }
  | { kind: "add_labels"; labels: string[] }
  | { kind: "remove_labels"; labels: string[] }
  | { kind: "set_due"; due: DueDate }
  | { kind: "set_duration"; minutes: number }
  | { kind: "mark_duplicate"; duplicateOf: string }
  | { kind: "reschedule"; due: DueDate }
  | { kind: "cancel" };

export type ActionKind = SuggestedAction["kind"];

export const ACTION_KINDS: readonly ActionKind[] = [
  "set_priority",
  "move_to_project",
  "add_labels",
  "remove_labels",
  "set_due",
  "set_duration",
  "mark_duplicate",
  "reschedule",
  "cancel",
];

export interface Suggestion {
  /** The task the action changes. */
  taskId: string;
  action: SuggestedAction;
  /** Calibrated probability that the suggestion is right, in [0, 1]. */
  confidence: number;
  /** One or two sentences a person can read: the words or facts that drove the suggestion. */
  explanation: string;
  /** The same facts, one per entry (tokens with their counts, ages, similarities). */
  evidence: string[];
  modelVersion: string;
  /**
   * Why the confidence is capped, when it is: too little history for this kind of action.
   * null when the confidence is calibrated.
   */
  caveat: string | null;
}

/** Reliability of confidences for one kind of action on held-out history. */
export interface CalibrationReport {
  kind: ActionKind;
  /**
   * calibrated: an isotonic calibrator fitted on enough held-out examples;
   * insufficient_history: too few examples, confidences are capped at {@link LOW_CONFIDENCE_CAP};
   * not_learned: the kind is never proposed from history (see `reason`).
   */
  status: "calibrated" | "insufficient_history" | "not_learned";
  reason: string | null;
  method: "isotonic" | "none";
  /** Held-out examples behind the figures below (and behind the calibrator). */
  examples: number;
  /** Share of held-out suggestions that were right. */
  accuracy: number;
  /** Expected calibration error (10 equal-width bins), from cross-fitted calibrators. */
  ece: number;
  /** Bootstrap 95% interval of `ece`. */
  eceInterval: [number, number];
  /** Suggestions with confidence in [0.9, 1.0]: how many, and the share that were right. */
  topBucket: { examples: number; accuracy: number };
  /** The 10 equal-width confidence bins behind `ece` (empty ones included). */
  bins: {
    lower: number;
    upper: number;
    examples: number;
    meanConfidence: number;
    accuracy: number;
  }[];
}

/** Confidence ceiling of any kind of action that has too little history to be calibrated. */
export const LOW_CONFIDENCE_CAP = 0.5;
