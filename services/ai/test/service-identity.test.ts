import { generateKeyPairSync, randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { QuickAddService } from "@glidepath/contracts/ai/v1";
import {
  Actor,
  ChangeService,
  MemberService,
  Role,
  TaskService,
} from "@glidepath/contracts/core/v1";
import type { RunningService } from "@glidepath/runtime";
import { clientFor, serviceEnv, serviceTokenHeader, testServiceKeys } from "@glidepath/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAiConfig } from "../src/config.js";
import { startAi } from "../src/main.js";
import { type AiHarness, startAiHarness } from "./harness.js";

// ai calls core on the caller's behalf with both identities: the caller's token (core authorises
// against the caller) and ai's own service token (core records the change as AI's, for the caller).

const reference = { timeZone: "Europe/Berlin", referenceTime: "2026-11-27T09:00:00" };

describe("ai's service identity in core", () => {
  let h: AiHarness;
  let parent: string;

  beforeAll(async () => {
    h = await startAiHarness();
    parent = `workspaces/${await h.workspace("olga")}`;
    const members = await h.coreClient(MemberService, "olga");
    await members.createMember({ parent, member: { user: "vera", role: Role.VIEWER } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("records a task created from text as made by AI (service ai) for the caller", async () => {
    const ai = await h.client(QuickAddService, "olga");
    const requestId = randomUUID();
    const { task } = await ai.createTaskFromText({
      parent,
      text: "Renew passport next friday p1",
      ...reference,
      requestId,
    });
    expect(task?.provenance).toMatchObject({ actor: Actor.AI, user: "olga", service: "ai" });
    // Core's own copy and its change feed say the same.
    const tasks = await h.coreClient(TaskService, "olga");
    const stored = (await tasks.getTask({ name: task?.name ?? "" })).task;
    expect(stored?.provenance).toMatchObject({ actor: Actor.AI, user: "olga", service: "ai" });
    const changes = await h.coreClient(ChangeService, "olga");
    let provenance: unknown;
    for (let i = 0; i < 100 && !provenance; i++) {
      const page = await changes.listChanges({ parent, pageSize: 1000 });
      provenance = page.changes.find((c) => c.resource === task?.name)?.provenance;
      if (!provenance) await new Promise((r) => setTimeout(r, 50));
    }
    expect(provenance).toMatchObject({ actor: Actor.AI, user: "olga", service: "ai" });
    // The retry with the same request id answers the same task (scoped to ai + the caller).
    const again = await ai.createTaskFromText({
      parent,
      text: "Renew passport next friday p1",
      ...reference,
      requestId,
    });
    expect(again.task?.name).toBe(task?.name);
  });

  it("still authorises against the caller: a VIEWER can't create through ai", async () => {
    const ai = await h.client(QuickAddService, "vera");
    await expect(
      ai.createTaskFromText({ parent, text: "Sneak a task in", ...reference }),
    ).rejects.toMatchObject({ code: 7 });
  });

  it("accepts no service alone on its user-facing methods, nor a token meant for core", async () => {
    const keys = testServiceKeys();
    const userToken = await h.issuer.mint("olga");
    const cases: [string, Record<string, string>, string][] = [
      [
        "autonomy alone",
        { [serviceTokenHeader]: await keys.mint("autonomy", "ai") },
        "PermissionDenied",
      ],
      [
        "autonomy with a token for core",
        {
          [serviceTokenHeader]: await keys.mint("autonomy", "core"),
          authorization: `Bearer ${userToken}`,
        },
        "Unauthenticated",
      ],
    ];
    for (const [name, headers, code] of cases) {
      const client = createClient(
        QuickAddService,
        createGrpcTransport({
          baseUrl: h.ai.grpcUrl,
          interceptors: [
            (next) => (req) => {
              for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
              return next(req);
            },
          ],
        }),
      );
      const error = await client
        .parseTask({ parent, text: "Anything", ...reference })
        .then(() => undefined, ConnectError.from);
      expect(error && Code[error.code], name).toBe(code);
    }
    // On a user's behalf, with a token meant for ai, the user's rights apply as usual.
    const onBehalf = createClient(
      QuickAddService,
      createGrpcTransport({
        baseUrl: h.ai.grpcUrl,
        interceptors: [
          (next) => async (req) => {
            req.header.set(serviceTokenHeader, await keys.mint("autonomy", "ai"));
            req.header.set("authorization", `Bearer ${userToken}`);
            return next(req);
          },
        ],
      }),
    );
    const { draft } = await onBehalf.parseTask({ parent, text: "Call mom", ...reference });
    expect(draft?.title).toBe("Call mom");
  });

  describe("an ai whose key core doesn't trust", () => {
    let rogue: RunningService;
    beforeAll(async () => {
      const untrusted = generateKeyPairSync("ed25519")
        .privateKey.export({ type: "pkcs8", format: "pem" })
        .toString();
      rogue = await startAi(
        readAiConfig(
          serviceEnv(h.databaseUrl, h.issuer, {
            CORE_GRPC_URL: h.core.grpcUrl,
            SERVICE_SIGNING_KEY: untrusted,
            MIGRATE_ON_START: "false",
          }),
        ),
      );
    });
    afterAll(async () => {
      await rogue?.stop();
    });

    it("gets nothing from core, even with a member's token", async () => {
      const client = clientFor(QuickAddService, rogue, await h.issuer.mint("olga"));
      await expect(
        client.createTaskFromText({ parent, text: "Should not exist", ...reference }),
      ).rejects.toMatchObject({ code: 7 });
      await expect(
        client.parseTask({ parent, text: "Nor this", ...reference }),
      ).rejects.toMatchObject({ code: 7 });
    });
  });
});
