import { createServiceImplSpec, type ServiceImpl, type ServiceImplSpec } from "@connectrpc/connect";
import {
  ModelService,
  QuickAddService,
  SuggestionService,
  TaskSearchService,
} from "@glidepath/contracts/ai/v1";
import type { Task } from "@glidepath/contracts/core/v1";
import type { ModelUseCases } from "../../app/models.js";
import type { QuickAddUseCases } from "../../app/quick-add.js";
import type { SuggestionResult, SuggestionUseCases } from "../../app/suggestions.js";
import type { TaskSearchUseCases } from "../../app/task-search.js";
import { modelName, parseChildName, parseModelName } from "../../domain/names.js";
import { callerOf } from "./authorization.js";
import {
  draftToProto,
  insufficientHistory,
  modelToProto,
  queryToProto,
  suggestionToProto,
} from "./mapping.js";

export interface AiUseCases {
  quickAdd: QuickAddUseCases<Task>;
  search: TaskSearchUseCases<Task>;
  models: ModelUseCases;
  suggestions: SuggestionUseCases;
}

const sentence = (req: { text: string; timeZone: string; referenceTime: string }) => ({
  text: req.text,
  timeZone: req.timeZone,
  referenceTime: req.referenceTime,
});

function suggestionsToProto(workspaceId: string, result: SuggestionResult) {
  const { record, model } = result.current;
  const name = modelName(workspaceId, record.version);
  return {
    suggestions: result.suggestions.map((s) =>
      suggestionToProto(s, workspaceId, { name, timeZone: model.timeZone }, result.etags),
    ),
    model: name,
    insufficientHistory: insufficientHistory(record.reports),
    historyNote: record.historyNote ?? "",
  };
}

/** Handlers: parse the request, call one use case, map the result. Nothing else. */
export function createAiServices(uc: AiUseCases): ServiceImplSpec[] {
  const quickAdd: ServiceImpl<typeof QuickAddService> = {
    async parseTask(req, ctx) {
      const caller = callerOf(ctx);
      const parsed = await uc.quickAdd.parse(caller, sentence(req));
      return { draft: draftToProto(parsed, caller.workspaceId) };
    },
    async createTaskFromText(req, ctx) {
      const caller = callerOf(ctx);
      const { task, parsed } = await uc.quickAdd.create(
        caller,
        sentence(req),
        req.requestId || undefined,
      );
      return { task, draft: draftToProto(parsed, caller.workspaceId) };
    },
  };

  const search: ServiceImpl<typeof TaskSearchService> = {
    async parseQuery(req, ctx) {
      const caller = callerOf(ctx);
      const query = await uc.search.parseQuery(caller, {
        ...sentence({ ...req, text: req.query }),
      });
      return { query: queryToProto(query) };
    },
    async searchTasks(req, ctx) {
      const caller = callerOf(ctx);
      const { query, page } = await uc.search.search(
        caller,
        sentence({ ...req, text: req.query }),
        {
          pageSize: req.pageSize,
          pageToken: req.pageToken,
        },
      );
      return {
        tasks: page.tasks,
        nextPageToken: page.nextPageToken,
        query: queryToProto(query),
      };
    },
  };

  const suggestions: ServiceImpl<typeof SuggestionService> = {
    async suggestTaskChanges(req, ctx) {
      const caller = callerOf(ctx);
      const { id } = parseChildName(req.name, "tasks", "name");
      const result = await uc.suggestions.forTask(caller, id, {
        limit: req.maxSuggestions || 5,
        timeZone: req.timeZone || undefined,
      });
      return suggestionsToProto(caller.workspaceId, result);
    },
    async suggestWorkspaceActions(req, ctx) {
      const caller = callerOf(ctx);
      const result = await uc.suggestions.forWorkspace(caller, {
        limit: req.maxSuggestions || 20,
        timeZone: req.timeZone || undefined,
      });
      return suggestionsToProto(caller.workspaceId, result);
    },
  };

  const models: ServiceImpl<typeof ModelService> = {
    async trainModels(req, ctx) {
      const caller = callerOf(ctx);
      const record = await uc.models.train(caller, {
        requestId: req.requestId || undefined,
        timeZone: req.timeZone || undefined,
      });
      return { model: modelToProto(record) };
    },
    async getModel(req, ctx) {
      const caller = callerOf(ctx);
      const { version } = parseModelName(req.name, "name");
      return { model: modelToProto(await uc.models.get(caller, version)) };
    },
    async listModels(req, ctx) {
      const caller = callerOf(ctx);
      const page = await uc.models.list(caller, req);
      return { models: page.models.map(modelToProto), nextPageToken: page.nextPageToken };
    },
  };

  return [
    createServiceImplSpec<typeof QuickAddService>(QuickAddService, quickAdd),
    createServiceImplSpec<typeof TaskSearchService>(TaskSearchService, search),
    createServiceImplSpec<typeof SuggestionService>(SuggestionService, suggestions),
    createServiceImplSpec<typeof ModelService>(ModelService, models),
  ];
}
