import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Action, ActionKind, ActionSchema } from "@glidepath/contracts/actions/v1";
import {
  CalibrationStatus,
  ElementKind,
  type ModelSchema,
  ProjectResolution,
  type SuggestionSchema,
  type TaskDraftSchema,
  type TaskQuerySchema,
} from "@glidepath/contracts/ai/v1";
import type { Priority } from "@glidepath/contracts/core/v1";
import type { ModelRecord } from "../../app/ports.js";
import type { ParsedSentence } from "../../app/quick-add.js";
import { modelName, projectName, taskName } from "../../domain/names.js";
import type { TaskQuery } from "../../domain/query/index.js";
import {
  type ElementKind as DomainElementKind,
  KEPT_IN_TITLE,
} from "../../domain/quick-add/index.js";
import type {
  CalibrationReport,
  ActionKind as DomainActionKind,
  DueDate,
  Suggestion,
} from "../../domain/suggest/index.js";
import type { ProjectResolution as DomainResolution } from "../../domain/task-from-text.js";

// Domain → proto. Generated types stop here: use cases see domain values only.

const elementKinds: Record<DomainElementKind, ElementKind> = {
  due: ElementKind.DUE,
  recurrence: ElementKind.RECURRENCE,
  priority: ElementKind.PRIORITY,
  label: ElementKind.LABEL,
  project: ElementKind.PROJECT,
  duration: ElementKind.DURATION,
  lead_in: ElementKind.LEAD_IN,
};

const resolutions: Record<DomainResolution, ProjectResolution> = {
  NONE: ProjectResolution.UNSPECIFIED,
  MATCHED: ProjectResolution.MATCHED,
  NOT_FOUND: ProjectResolution.NOT_FOUND,
  ARCHIVED: ProjectResolution.ARCHIVED,
  AMBIGUOUS: ProjectResolution.AMBIGUOUS,
};

const dateOf = (date: string) => {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  return { year, month, day };
};
const timeOf = (time: string) => {
  const [hours, minutes] = time.split(":").map(Number) as [number, number];
  return { hours, minutes };
};

export function draftToProto(
  parsed: ParsedSentence,
  workspaceId: string,
): MessageInitShape<typeof TaskDraftSchema> {
  const { draft } = parsed;
  return {
    title: draft.title,
    priority: draft.priority as Priority,
    due:
      draft.due === null
        ? undefined
        : draft.due.kind === "date"
          ? { date: dateOf(draft.due.date) }
          : {
              date: dateOf(draft.due.date),
              time: timeOf(draft.due.time),
              timeZone: draft.due.timeZone,
            },
    recurrence: draft.recurrence?.rrule ?? "",
    labels: draft.labels,
    projectDisplayName: draft.project ?? "",
    project: parsed.projectId ? projectName(workspaceId, parsed.projectId) : "",
    projectResolution: resolutions[parsed.projectResolution],
    duration:
      draft.durationMinutes === null ? undefined : { seconds: BigInt(draft.durationMinutes * 60) },
    elements: draft.elements.map((e) => ({
      kind: elementKinds[e.kind],
      start: e.start,
      end: e.end,
      text: e.text,
      value: e.value,
      confidence: e.confidence,
      alternatives: e.alternatives.map((a) => ({ value: a.value, confidence: a.confidence })),
      applied: e.value !== KEPT_IN_TITLE,
    })),
    parserVersion: parsed.parserVersion,
  };
}

export function queryToProto(query: TaskQuery): MessageInitShape<typeof TaskQuerySchema> {
  return {
    filter: query.filter,
    orderBy: query.orderBy,
    terms: query.terms.map((t) => ({ ...t })),
    notices: query.notices,
    confidence: query.confidence,
  };
}

const actionKinds: Record<DomainActionKind, ActionKind> = {
  set_priority: ActionKind.SET_PRIORITY,
  move_to_project: ActionKind.MOVE_TO_PROJECT,
  add_labels: ActionKind.ADD_LABELS,
  remove_labels: ActionKind.REMOVE_LABELS,
  set_due: ActionKind.SET_DUE,
  set_duration: ActionKind.SET_DURATION,
  mark_duplicate: ActionKind.MARK_DUPLICATE,
  reschedule: ActionKind.RESCHEDULE,
  cancel: ActionKind.CANCEL,
};

const statuses: Record<CalibrationReport["status"], CalibrationStatus> = {
  calibrated: CalibrationStatus.CALIBRATED,
  insufficient_history: CalibrationStatus.INSUFFICIENT_HISTORY,
  not_learned: CalibrationStatus.NOT_LEARNED,
};

/** The reliability diagram of a report (reports stored before it had one: its top bucket). */
function bucketsOf(r: CalibrationReport) {
  if (r.bins?.length) {
    return r.bins.map((b) => ({
      minConfidence: b.lower,
      maxConfidence: b.upper,
      exampleCount: b.examples,
      meanConfidence: finite(b.meanConfidence),
      accuracy: finite(b.accuracy),
    }));
  }
  return [
    {
      minConfidence: 0.9,
      maxConfidence: 1,
      exampleCount: r.topBucket.examples,
      accuracy: finite(r.topBucket.accuracy),
    },
  ];
}

/** No kind could be calibrated: every confidence is capped. */
export const insufficientHistory = (reports: readonly CalibrationReport[]) =>
  !reports.some((r) => r.status === "calibrated");

const finite = (n: number) => (Number.isFinite(n) ? n : 0);

export function modelToProto(record: ModelRecord): MessageInitShape<typeof ModelSchema> {
  return {
    name: modelName(record.workspaceId, record.version),
    createTime: timestampFromDate(record.createTime),
    exampleCount: record.exampleCount,
    calibrationReports: record.reports.map((r) => ({
      kind: actionKinds[r.kind] ?? ActionKind.UNSPECIFIED,
      status: statuses[r.status] ?? CalibrationStatus.UNSPECIFIED,
      reason: r.reason ?? "",
      method: r.method,
      exampleCount: r.examples,
      accuracy: finite(r.accuracy),
      expectedCalibrationError: finite(r.ece),
      eceIntervalLow: finite(r.eceInterval[0]),
      eceIntervalHigh: finite(r.eceInterval[1]),
      buckets: bucketsOf(r),
    })),
    insufficientHistory: insufficientHistory(record.reports),
    historyNote: record.historyNote ?? "",
    modelVersion: record.modelVersion,
    trainedBy: record.trainedBy,
    trainingMillis: Math.round(record.trainingMillis),
    timeZone: record.timeZone,
  };
}

/** A suggested due date as core's Due: a timed one is in the model's time zone. */
const dueOf = (due: DueDate, timeZone: string) =>
  due.time
    ? { date: dateOf(due.date), time: timeOf(due.time), timeZone }
    : { date: dateOf(due.date) };

export function actionToProto(
  s: Suggestion,
  workspaceId: string,
  timeZone: string,
  etag: string | undefined,
): Action {
  const a = s.action;
  const change = ((): MessageInitShape<typeof ActionSchema>["change"] => {
    switch (a.kind) {
      case "set_priority":
        return { case: "setPriority", value: { priority: a.priority as Priority } };
      case "move_to_project":
        return { case: "moveToProject", value: { project: projectName(workspaceId, a.projectId) } };
      case "add_labels":
        return { case: "addLabels", value: { labels: a.labels } };
      case "remove_labels":
        return { case: "removeLabels", value: { labels: a.labels } };
      case "set_due":
        return { case: "setDue", value: { due: dueOf(a.due, timeZone) } };
      case "set_duration":
        return { case: "setDuration", value: { duration: { seconds: BigInt(a.minutes * 60) } } };
      case "mark_duplicate":
        return {
          case: "markDuplicate",
          value: { duplicateOf: taskName(workspaceId, a.duplicateOf) },
        };
      case "reschedule":
        return { case: "reschedule", value: { due: dueOf(a.due, timeZone) } };
      case "cancel":
        return { case: "cancel", value: {} };
    }
  })();
  return create(ActionSchema, {
    task: taskName(workspaceId, s.taskId),
    taskEtag: etag ?? "",
    change,
  });
}

export function suggestionToProto(
  s: Suggestion,
  workspaceId: string,
  model: { name: string; timeZone: string },
  etags: ReadonlyMap<string, string>,
): MessageInitShape<typeof SuggestionSchema> {
  return {
    action: actionToProto(s, workspaceId, model.timeZone, etags.get(s.taskId)),
    kind: actionKinds[s.action.kind],
    confidence: s.confidence,
    explanation: s.explanation,
    evidence: s.evidence,
    model: model.name,
    modelVersion: s.modelVersion,
    caveat: s.caveat ?? "",
  };
}
