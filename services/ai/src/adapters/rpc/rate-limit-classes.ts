import type { RateLimitClass } from "@glidepath/runtime";

/**
 * ai methods limited as "expensive" (RATE_LIMIT_EXPENSIVE): they fit models, read a workspace's
 * open tasks or history through core, or write to core. The others are reads (cheap parsing,
 * model metadata) by their contract's idempotency level.
 */
export const expensiveMethods: Readonly<Record<string, RateLimitClass>> = {
  "glidepath.ai.v1.QuickAddService/CreateTaskFromText": "expensive",
  "glidepath.ai.v1.TaskSearchService/SearchTasks": "expensive",
  "glidepath.ai.v1.SuggestionService/SuggestTaskChanges": "expensive",
  "glidepath.ai.v1.SuggestionService/SuggestWorkspaceActions": "expensive",
  "glidepath.ai.v1.ModelService/TrainModels": "expensive",
};
