import { Code } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "@glidepath/contracts/google";
import { describe, expect, it } from "vitest";
import {
  AbortedError,
  DependencyUnavailableError,
  FailedPreconditionError,
  InvalidInputError,
  NotFoundError,
  PermissionDeniedError,
} from "../../domain/errors.js";
import { QuickAddInputError } from "../../domain/quick-add/index.js";
import { ModelFormatError, SuggestInputError } from "../../domain/suggest/index.js";
import { mapAiError } from "./error-table.js";

describe("the ai error table", () => {
  it.each([
    [InvalidInputError.field("query", "is empty"), Code.InvalidArgument, "INVALID_ARGUMENT"],
    [new NotFoundError("model"), Code.NotFound, "MODEL_NOT_FOUND"],
    [new PermissionDeniedError(), Code.PermissionDenied, "PERMISSION_DENIED"],
    [
      new FailedPreconditionError("REQUEST_ID_REUSED", "x"),
      Code.FailedPrecondition,
      "REQUEST_ID_REUSED",
    ],
    [new AbortedError("ETAG_MISMATCH", "x"), Code.Aborted, "ETAG_MISMATCH"],
    [new DependencyUnavailableError(), Code.Unavailable, "CORE_UNAVAILABLE"],
    [new QuickAddInputError("time_zone", "unknown"), Code.InvalidArgument, "INVALID_ARGUMENT"],
    [
      new SuggestInputError("INVALID_OPTION", "timeZone", "unknown"),
      Code.InvalidArgument,
      "INVALID_ARGUMENT",
    ],
  ])("%s → %s", (error, code, reason) => {
    const mapped = mapAiError(error);
    expect(mapped?.code).toBe(code);
    const [info] = mapped?.findDetails(ErrorInfoSchema) ?? [];
    expect(info).toMatchObject({ reason, domain: "ai.glidepath" });
  });

  it("names the field of input errors, and tells a caller when to retry", () => {
    const parse = mapAiError(new QuickAddInputError("reference_time", "bad"));
    expect(parse?.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe(
      "reference_time",
    );
    const option = mapAiError(new SuggestInputError("INVALID_OPTION", "timeZone", "bad"));
    expect(option?.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("time_zone");
    const unavailable = mapAiError(new DependencyUnavailableError(true));
    expect(unavailable?.findDetails(RetryInfoSchema)).toHaveLength(1);
    expect(unavailable?.rawMessage).toMatch(/in time/);
  });

  it("leaves bugs to the runtime's opaque INTERNAL", () => {
    expect(mapAiError(new Error("boom"))).toBeUndefined();
    expect(mapAiError(new ModelFormatError("MODEL_MALFORMED", "x"))).toBeUndefined();
    expect(
      mapAiError(new SuggestInputError("INVALID_TASK", "tasks[0].title", "x")),
    ).toBeUndefined();
  });
});
