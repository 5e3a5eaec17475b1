import { Code } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "@glidepath/contracts/google";
import { describe, expect, it } from "vitest";
import { defaultReason, rpcError } from "./rpc-error.js";

describe("rpcError", () => {
  it("carries one ErrorInfo, BadRequest violations and RetryInfo (AIP-193)", () => {
    const e = rpcError("core.glidepath", {
      code: Code.InvalidArgument,
      reason: "INVALID_ARGUMENT",
      message: "bad",
      fieldViolations: [{ field: "task.title", description: "must not be empty" }],
      retryDelayMs: 1500,
    });
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.findDetails(ErrorInfoSchema)).toHaveLength(1);
    expect(e.findDetails(ErrorInfoSchema)[0]).toMatchObject({
      reason: "INVALID_ARGUMENT",
      domain: "core.glidepath",
    });
    expect(e.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("task.title");
    expect(Number(e.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds)).toBe(1);
  });

  it("names default reasons after the code", () => {
    expect(defaultReason(Code.ResourceExhausted)).toBe("RESOURCE_EXHAUSTED");
    expect(defaultReason(Code.DeadlineExceeded)).toBe("DEADLINE_EXCEEDED");
  });
});
