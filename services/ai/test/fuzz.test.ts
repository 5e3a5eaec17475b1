import { randomUUID } from "node:crypto";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AiHarness, startAiHarness } from "./harness.js";
import {
  aiMethods,
  Clients,
  createFixture,
  type Fixture,
  invoke,
  methodKey,
  type Outcome,
} from "./security-support.js";

// Thousands of random requests to every ai method over gRPC: emoji, right-to-left text, control
// characters, lone surrogates, huge and empty strings, unknown zones, impossible dates, forged
// names and tokens. Whatever comes in, the answer is a success or a client error: never
// INTERNAL or UNKNOWN (RELIABILITY.md promise 7).

const RUNS = Number(process.env.AI_FUZZ_RUNS ?? 300);

const samples = [
  "🎉🎂👩‍👩‍👧‍👦",
  "\u202eRTL override\u202c",
  "שלום עולם",
  "مرحبا بالعالم",
  "\u0000\u0001\u0007\u001b[31m",
  "\ud800\udc00\ud800",
  "\u200b\u200d\ufeff",
  "e\u0301\u0301\u0301",
  "#",
  "@",
  "p1 !!1 urgent:",
  "every",
  "between and",
  '"unterminated',
  "\\",
  "tomorrow at 25:99",
  "in 99999 years",
  "next 1000 months",
  "#Projekt_Ü @läbel",
];

const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.constantFrom(...samples),
  fc
    .array(fc.oneof(fc.constantFrom(...samples), fc.string({ maxLength: 20 })), { maxLength: 10 })
    .map((parts) => parts.join(" ")),
  fc.constantFrom("", " ", "a".repeat(2000), "😀".repeat(1001), "x".repeat(3000)),
);
// Mostly valid around the text, so that most requests reach the parsers, core and the models.
const zone = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      "Europe/Berlin",
      "UTC",
      "America/New_York",
      "Asia/Kolkata",
      "Pacific/Kiritimati",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("", "Mars/Olympus", "+01:00", "Etc/GMT+99", "../../etc/passwd"),
  },
);
const referenceTime = fc
  .oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom(
        "2026-11-27T09:00:00",
        "2026-02-28T23:59",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59",
      ),
    },
    fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
      )
      .map(([y, mo, d, h, mi]) => {
        const p = (n: number, w = 2) => String(n).padStart(w, "0");
        return `${p(y, 4)}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}`;
      }),
    fc.string({ maxLength: 30 }),
  )
  .map((v) => v as string);

function requestFor(method: DescMethod, fx: Fixture) {
  const parent = fc.oneof(
    { weight: 8, arbitrary: fc.constant(fx.parent) },
    { weight: 1, arbitrary: fc.constant(`workspaces/${randomUUID()}`) },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
  );
  const taskName = fc.oneof(
    { weight: 6, arbitrary: fc.constant(fx.openTask) },
    { weight: 2, arbitrary: fc.uuid().map((id) => `${fx.parent}/tasks/${id}`) },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
  );
  const modelName = fc.oneof(
    { weight: 3, arbitrary: fc.constant(fx.model) },
    // Training (which runs before) prunes all but the newest versions: some of these exist.
    {
      weight: 3,
      arbitrary: fc.integer({ min: 1, max: 250 }).map((v) => `${fx.parent}/models/${v}`),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: -5, max: 2_000_000_000 }).map((v) => `${fx.parent}/models/${v}`),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
  );
  const requestId = fc.oneof(
    { weight: 4, arbitrary: fc.constant("") },
    { weight: 4, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  );
  const pageToken = fc.oneof(
    { weight: 6, arbitrary: fc.constant("") },
    fc.string({ maxLength: 100 }),
    fc.base64String({ maxLength: 200 }),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? "").toString("base64url")),
  );
  const count = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 20 }) },
    { weight: 1, arbitrary: fc.integer({ min: -10, max: 2000 }) },
  );
  switch (method.name) {
    case "ParseTask":
    case "CreateTaskFromText":
      return fc.record({ parent, text, timeZone: zone, referenceTime, requestId });
    case "ParseQuery":
    case "SearchTasks":
      return fc.record({
        parent,
        query: text,
        timeZone: zone,
        referenceTime,
        pageSize: count,
        pageToken,
      });
    case "SuggestTaskChanges":
      return fc.record({ name: taskName, maxSuggestions: count, timeZone: zone });
    case "SuggestWorkspaceActions":
      return fc.record({ parent, maxSuggestions: count, timeZone: zone });
    case "TrainModels":
      return fc.record({ parent, requestId, timeZone: zone });
    case "GetModel":
      return fc.record({ name: modelName });
    case "ListModels":
      return fc.record({ parent, pageSize: count, pageToken });
    default:
      throw new Error(`no generator for ${method.name}`);
  }
}

describe("fuzzing every ai method", () => {
  let h: AiHarness;
  let fx: Fixture;
  let clients: Clients;

  beforeAll(async () => {
    h = await startAiHarness({ MODEL_VERSIONS_KEPT: "3" });
    clients = new Clients(h);
    fx = await createFixture(h, "fuzzer", "f-");
  }, 120_000);
  afterAll(() => h?.stop());

  it("never answers INTERNAL or UNKNOWN, whatever it is sent", async () => {
    const counts: Record<string, Record<string, number>> = {};
    const failures: string[] = [];
    let total = 0;
    for (const method of aiMethods()) {
      const key = methodKey(method);
      const client = (await clients.get(
        method.parent as DescService,
        fx.founder,
      )) as Client<DescService>;
      const seen: Record<string, number> = {};
      counts[key] = seen;
      await fc.assert(
        fc.asyncProperty(requestFor(method, fx), async (request) => {
          const outcome: Outcome = await invoke(client, method, request);
          total++;
          seen[outcome.code] = (seen[outcome.code] ?? 0) + 1;
          if (["Internal", "Unknown", "Unimplemented", "Unauthenticated"].includes(outcome.code)) {
            failures.push(
              `${key}: ${outcome.code} ${outcome.message} for ${JSON.stringify(request).slice(0, 300)}`,
            );
          }
          if (!outcome.ok) {
            expect(outcome.domains, key).toEqual(["ai.glidepath"]);
          }
        }),
        { numRuns: RUNS, seed: 20261127 },
      );
    }
    console.log(`ai fuzz: ${total} random requests over ${aiMethods().length} methods`);
    for (const [key, seen] of Object.entries(counts)) {
      console.log(`  ${key.replace("glidepath.ai.v1.", "")}: ${JSON.stringify(seen)}`);
    }
    expect(failures).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(1000);
  }, 600_000);
});
