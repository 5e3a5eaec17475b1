// ai's rate limits: SearchTasks (and the other model, suggestion and write-through methods) are
// "expensive", ParseQuery a read; the expensive bucket runs dry while reads still pass, and the
// refusal is RESOURCE_EXHAUSTED with RetryInfo in ai's own error domain.
import { durationMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { TaskSearchService } from "@glidepath/contracts/ai/v1";
import { ErrorInfoSchema, RetryInfoSchema } from "@glidepath/contracts/google";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AiHarness, startAiHarness } from "./harness.js";

describe("ai rate limits", () => {
  let h: AiHarness;
  let parent: string;

  beforeAll(async () => {
    h = await startAiHarness({ RATE_LIMIT_EXPENSIVE: "2/60", RATE_LIMIT_READS: "100/1" });
    parent = `workspaces/${await h.workspace("alice")}`;
  });
  afterAll(() => h?.stop());

  it("runs the expensive bucket dry while reads still pass", async () => {
    const client = await h.client(TaskSearchService, "alice");
    const question = {
      parent,
      query: "overdue p1 tasks",
      timeZone: "Europe/Berlin",
      referenceTime: "2026-11-27T09:00:00",
    };
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await client.searchTasks(question).then(() => undefined, ConnectError.from));
    }
    const refused = outcomes.filter((e) => e !== undefined);
    console.log(
      `ai rate limit: SearchTasks at 2/60: ${outcomes.length} sent, ${refused.length} refused; ParseQuery still answers`,
    );
    expect(outcomes.slice(0, 2)).toEqual([undefined, undefined]);
    expect(refused).toHaveLength(2);
    const error = refused[0] as ConnectError;
    expect(error.code).toBe(Code.ResourceExhausted);
    const info = error.findDetails(ErrorInfoSchema);
    expect(info.map((i) => [i.reason, i.domain, i.metadata.limit])).toEqual([
      ["RATE_LIMITED", "ai.glidepath", "expensive"],
    ]);
    const retry = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
    expect(retry && durationMs(retry)).toBeGreaterThan(20_000); // one token per 30 s
    await expect(client.parseQuery(question)).resolves.toBeDefined();
  });
});
