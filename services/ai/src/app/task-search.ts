import { mayNameProject, parseTaskQuery, type TaskQuery } from "../domain/query/index.js";
import type { Caller, CoreGateway, TaskPage } from "./ports.js";

export interface QuestionInput {
  text: string;
  timeZone: string;
  referenceTime: string;
}

export interface TaskSearchUseCases<T> {
  /** ParseQuery: the question as a ListTasks filter and order. */
  parseQuery(caller: Caller, input: QuestionInput): Promise<TaskQuery>;
  /** SearchTasks: the same query, run against core as the caller. */
  search(
    caller: Caller,
    input: QuestionInput,
    page: { pageSize: number; pageToken: string },
  ): Promise<{ query: TaskQuery; page: TaskPage<T> }>;
}

export function createTaskSearchUseCases<T>(deps: { core: CoreGateway<T> }): TaskSearchUseCases<T> {
  const parseQuery = async (caller: Caller, input: QuestionInput) => {
    const base = {
      text: input.text,
      timeZone: input.timeZone,
      referenceTime: input.referenceTime,
      workspaceId: caller.workspaceId,
      user: caller.user,
    };
    // Checks the input (and reads it) before asking core for anything.
    const first = parseTaskQuery({ ...base, projects: [] });
    if (!mayNameProject(input.text)) return first;
    return parseTaskQuery({ ...base, projects: await deps.core.listProjects(caller) });
  };
  return {
    parseQuery,
    async search(caller, input, page) {
      const query = await parseQuery(caller, input);
      const result = await deps.core.listTasks(caller, {
        filter: query.filter,
        orderBy: query.orderBy,
        pageSize: page.pageSize,
        pageToken: page.pageToken,
      });
      return { query, page: result };
    },
  };
}
