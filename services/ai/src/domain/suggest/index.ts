/**
 * Suggestions (phase-3 domain logic of the ai service): per-workspace models learned from the
 * workspace's own task history, proposing changes to one task (SuggestTaskChanges) and triage for
 * a workspace (SuggestWorkspaceActions), each with a calibrated confidence and the facts behind it.
 * Pure: no I/O, no clock (callers pass `now`), deterministic for a given seed.
 *
 * Choices (each has a test):
 * - naive Bayes heads over title/notes words and bigrams plus the task's other fields (project,
 *   labels, priority) for project, priority, labels (one-vs-rest), duration and due-date habits
 *   ("N days after it was added", "the next Friday"); the inbox is no project class (it is where
 *   tasks wait to be filed);
 * - triage from a fate head (done within 60 days or not), learned from weekly snapshots of the
 *   past: cancel a task open and untouched a month when it is likelier dropped than done,
 *   reschedule an overdue one (to the day its due-date habit gives from today);
 * - duplicates by title similarity among open tasks, scored by a small logistic model (similarity,
 *   days apart, same project) learned from pairs where one twin was cancelled soon after the other
 *   appeared; the newer twin is marked the duplicate of the older;
 * - one isotonic calibrator per kind, fitted on the newest 20% of history (tasks by creation,
 *   snapshots by day) and reported with cross-fitted ECE; fewer than 30 held-out examples and the
 *   kind says "insufficient history" and caps its confidences at 0.5; remove_labels is never
 *   proposed (a task's current labels hold no sign of a wrong one: that needs feedback).
 */
export {
  DUPLICATE_MIN_SIMILARITY,
  type DuplicateEntry,
  indexOpenTasks,
  type OpenTaskIndex,
} from "./duplicates.js";
export {
  ModelFormatError,
  type ModelFormatReason,
  SuggestInputError,
  type SuggestInputReason,
} from "./errors.js";
export {
  type Evaluation,
  evaluateSuggestions,
  type KindEvaluation,
  splitWorkspace,
  type WorkspaceSplit,
} from "./evaluation.js";
export { FATE_HORIZON_DAYS, STALE_DAYS } from "./heads.js";
export {
  applyIsotonic,
  fitIsotonic,
  type IsotonicCalibrator,
  poolAdjacentViolators,
} from "./isotonic.js";
export {
  deserializeModel,
  type HistorySummary,
  MAX_CONFIDENCE,
  MODEL_FORMAT,
  type SuggestModel,
  serializeModel,
} from "./model.js";
export {
  bootstrapEceInterval,
  expectedCalibrationError,
  type ReliabilitySummary,
  reliabilityBins,
  type ScoredPrediction,
} from "./reliability.js";
export {
  DEFAULT_MIN_CONFIDENCE,
  type SuggestOptions,
  suggestTaskChanges,
  suggestWorkspaceActions,
} from "./suggest.js";
export {
  generateWorkspace,
  type SyntheticOptions,
  type SyntheticProject,
  type SyntheticWorkspace,
  snapshotAt,
  type TaskTruth,
} from "./synthetic.js";
export { MIN_CALIBRATION_EXAMPLES, type TrainOptions, trainWorkspaceModel } from "./train.js";
export {
  ACTION_KINDS,
  type ActionKind,
  type CalibrationReport,
  type DueDate,
  type HistoryTask,
  LOW_CONFIDENCE_CAP,
  type Priority,
  type SuggestedAction,
  type Suggestion,
  type TaskState,
} from "./types.js";
