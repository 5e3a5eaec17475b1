import { PARSER_VERSION, parseQuickAdd, type TaskDraft } from "../domain/quick-add/index.js";
import {
  checkDraftForCreate,
  type ProjectResolution,
  resolveProject,
  sourceRecord,
} from "../domain/task-from-text.js";
import type { Caller, CoreGateway, NewTask } from "./ports.js";

export interface SentenceInput {
  text: string;
  timeZone: string;
  /** Local wall clock, `YYYY-MM-DDTHH:MM[:SS]`. */
  referenceTime: string;
}

/** A sentence as read: the parser's draft and the project its `#Project` names, if any. */
export interface ParsedSentence {
  draft: TaskDraft;
  projectResolution: ProjectResolution;
  projectId: string | null;
  parserVersion: string;
}

export interface QuickAddUseCases<T> {
  /** ParseTask: the draft, nothing written. */
  parse(caller: Caller, input: SentenceInput): Promise<ParsedSentence>;
  /** CreateTaskFromText: the draft, created in core as the caller. */
  create(
    caller: Caller,
    input: SentenceInput,
    requestId: string | undefined,
  ): Promise<{ task: T; parsed: ParsedSentence }>;
}

export function createQuickAddUseCases<T>(deps: { core: CoreGateway<T> }): QuickAddUseCases<T> {
  const parse = async (
    caller: Caller,
    input: SentenceInput,
    options: { confirmMisses?: boolean } = {},
  ): Promise<ParsedSentence> => {
    // Input errors (text, time zone, reference time) surface before core is asked anything.
    const draft = parseQuickAdd(input);
    let projects = draft.project ? await deps.core.listProjects(caller) : [];
    let { resolution, projectId } = resolveProject(draft.project, projects);
    if (options.confirmMisses && resolution !== "NONE" && resolution !== "MATCHED") {
      // The list may be a moment old: before filing a task in the inbox, ask core again.
      projects = await deps.core.listProjects(caller, { fresh: true });
      ({ resolution, projectId } = resolveProject(draft.project, projects));
    }
    return { draft, projectResolution: resolution, projectId, parserVersion: PARSER_VERSION };
  };
  return {
    parse: (caller, input) => parse(caller, input),
    async create(caller, input, requestId) {
      const parsed = await parse(caller, input, { confirmMisses: true });
      const { draft } = parsed;
      checkDraftForCreate(draft);
      const task: NewTask = {
        title: draft.title.trim(),
        priority: draft.priority,
        due:
          draft.due === null
            ? null
            : draft.due.kind === "date"
              ? { date: draft.due.date }
              : { date: draft.due.date, time: draft.due.time, timeZone: draft.due.timeZone },
        recurrence: draft.recurrence?.rrule ?? null,
        labels: draft.labels,
        projectId: parsed.projectId,
        durationMinutes: draft.durationMinutes,
        source: sourceRecord(input.text, input.referenceTime, input.timeZone, parsed.parserVersion),
      };
      return { task: await deps.core.createTask(caller, task, requestId), parsed };
    },
  };
}
