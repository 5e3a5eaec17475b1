import { Code } from "@connectrpc/connect";
import { QuickAddService, SuggestionService } from "@glidepath/contracts/ai/v1";
import { RetryInfoSchema } from "@glidepath/contracts/google";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AiHarness, startAiHarness } from "./harness.js";
import { expectRpcError } from "./rpc-expect.js";

// When core goes away, ai answers UNAVAILABLE (reason CORE_UNAVAILABLE, with a retry hint)
// within the caller's deadline: never INTERNAL, never a hang, nothing internal in the text.

describe("core unavailable", () => {
  let h: AiHarness;
  let parent: string;
  beforeAll(async () => {
    // No role cache, so every call asks core.
    h = await startAiHarness({ ROLE_CACHE_TTL_MS: "0", CORE_TIMEOUT_MS: "1000" });
    parent = `workspaces/${await h.workspace("alice")}`;
  });
  afterAll(() => h?.stop());

  it("answers UNAVAILABLE with a retry hint, quickly, while core is down", async () => {
    const client = await h.client(QuickAddService, "alice");
    const request = {
      parent,
      text: "Buy milk",
      timeZone: "UTC",
      referenceTime: "2026-11-27T09:00",
    };
    expect((await client.parseTask(request)).draft?.title).toBe("Buy milk");
    await h.core.stop();
    const started = Date.now();
    const err = await expectRpcError(
      client.parseTask(request),
      Code.Unavailable,
      "CORE_UNAVAILABLE",
    );
    expect(err.findDetails(RetryInfoSchema)).toHaveLength(1);
    await expectRpcError(
      (await h.client(SuggestionService, "alice")).suggestWorkspaceActions(
        { parent },
        { timeoutMs: 3000 },
      ),
      Code.Unavailable,
      "CORE_UNAVAILABLE",
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
