import {
  ModelService,
  QuickAddService,
  SuggestionService,
  TaskSearchService,
} from "@glidepath/contracts/ai/v1";
import { rateLimitClassOf } from "@glidepath/runtime";
import { describe, expect, it } from "vitest";
import { expensiveMethods } from "./rate-limit-classes.js";

describe("ai rate-limit classes", () => {
  const methods = [QuickAddService, TaskSearchService, SuggestionService, ModelService].flatMap(
    (s) => s.methods,
  );

  it("names only methods the contracts have", () => {
    const known = new Set(methods.map((m) => `${m.parent.typeName}/${m.name}`));
    for (const name of Object.keys(expensiveMethods)) expect(known, name).toContain(name);
  });

  it("limits model fitting, suggestions, searches and writes through core as expensive", () => {
    const classes = Object.fromEntries(
      methods.map((m) => [m.name, rateLimitClassOf(m, expensiveMethods)]),
    );
    expect(classes).toEqual({
      ParseTask: "read",
      CreateTaskFromText: "expensive",
      ParseQuery: "read",
      SearchTasks: "expensive",
      SuggestTaskChanges: "expensive",
      SuggestWorkspaceActions: "expensive",
      TrainModels: "expensive",
      GetModel: "read",
      ListModels: "read",
    });
  });
});
