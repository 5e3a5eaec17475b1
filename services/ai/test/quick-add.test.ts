import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Code } from "@connectrpc/connect";
import {
  ElementKind,
  ProjectResolution,
  QuickAddService,
  type TaskDraft,
} from "@glidepath/contracts/ai/v1";
import {
  Actor,
  MemberService,
  Priority,
  ProjectService,
  Role,
  TaskService,
} from "@glidepath/contracts/core/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Expected, FIELDS, readCases, score } from "../src/domain/quick-add/evaluation.js";
import { type AiHarness, startAiHarness } from "./harness.js";
import { expectInvalidArgument, expectRpcError } from "./rpc-expect.js";

const reference = { timeZone: "Europe/Berlin", referenceTime: "2026-11-27T09:00:00" };

/** A ParseTask draft in the evaluation format of /work/shared/eval/README.md. */
function expectedOf(draft: TaskDraft | undefined): Expected | null {
  if (!draft) return null;
  const pad = (n: number) => String(n).padStart(2, "0");
  const d = draft.due?.date;
  const date = d ? `${String(d.year).padStart(4, "0")}-${pad(d.month)}-${pad(d.day)}` : "";
  const t = draft.due?.time;
  const rule = Object.fromEntries(
    draft.recurrence
      .split(";")
      .filter(Boolean)
      .map((part) => part.split("=") as [string, string]),
  );
  return {
    title: draft.title,
    due: !d ? null : t ? { datetime: `${date}T${pad(t.hours)}:${pad(t.minutes)}` } : { date },
    recurrence: draft.recurrence
      ? {
          freq: rule.FREQ ?? "",
          interval: Number(rule.INTERVAL ?? 1),
          ...(rule.BYDAY ? { by_day: rule.BYDAY.split(",") } : {}),
          ...(rule.BYMONTHDAY ? { by_month_day: rule.BYMONTHDAY.split(",").map(Number) } : {}),
        }
      : null,
    priority: draft.priority,
    labels: draft.labels,
    project: draft.projectDisplayName || null,
    duration_minutes: draft.duration ? Number(draft.duration.seconds) / 60 : null,
  };
}

describe("QuickAddService", () => {
  let h: AiHarness;
  let parent: string;
  let home: string;

  beforeAll(async () => {
    h = await startAiHarness();
    parent = `workspaces/${await h.workspace("alice")}`;
    const projects = await h.coreClient(ProjectService, "alice");
    const members = await h.coreClient(MemberService, "alice");
    home = (await projects.createProject({ parent, project: { displayName: "Home" } })).project
      ?.name as string;
    const old = await projects.createProject({ parent, project: { displayName: "Old" } });
    await projects.archiveProject({ name: old.project?.name ?? "" });
    await projects.createProject({ parent, project: { displayName: "Twin" } });
    await projects.createProject({ parent, project: { displayName: "twin" } });
    await members.createMember({ parent, member: { user: "vera", role: Role.VIEWER } });
    await members.createMember({ parent, member: { user: "max", role: Role.MEMBER } });
  });
  afterAll(() => h?.stop());

  describe("ParseTask", () => {
    it("reads a sentence: every element with its span, reading, confidence and alternatives", async () => {
      const client = await h.client(QuickAddService, "alice");
      const text = "Remind me to pay rent every 1st p1 #home @bills for 15 min";
      const { draft } = await client.parseTask({ parent, text, ...reference });
      expect(draft).toMatchObject({
        title: "pay rent",
        priority: Priority.P1,
        recurrence: "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1",
        labels: ["bills"],
        projectDisplayName: "home",
        project: home,
        projectResolution: ProjectResolution.MATCHED,
        parserVersion: "quick-add/1",
      });
      expect(draft?.due?.date).toMatchObject({ year: 2026, month: 12, day: 1 });
      expect(Number(draft?.duration?.seconds)).toBe(15 * 60);
      const kinds = draft?.elements.map((e) => ElementKind[e.kind]);
      expect(kinds).toEqual(["LEAD_IN", "RECURRENCE", "PRIORITY", "PROJECT", "LABEL", "DURATION"]);
      for (const e of draft?.elements ?? []) {
        expect(text.slice(e.start, e.end)).toBe(e.text);
        expect(e.confidence).toBeGreaterThan(0);
        expect(e.confidence).toBeLessThanOrEqual(1);
        expect(e.applied).toBe(true);
      }
    });

    it("lists what it considered and left in the title, with the readings it turned down", async () => {
      const client = await h.client(QuickAddService, "alice");
      const { draft } = await client.parseTask({
        parent,
        text: "Call May about the sun deck",
        ...reference,
      });
      expect(draft?.title).toBe("Call May about the sun deck");
      const kept = draft?.elements.filter((e) => !e.applied) ?? [];
      expect(kept.length).toBeGreaterThan(0);
      for (const e of kept) {
        expect(e.value).toBe("kept in title");
        expect(e.alternatives.length).toBeGreaterThan(0);
      }
    });

    it("gets at least 95% of the dev set fully right through the service", async () => {
      const client = await h.client(QuickAddService, "alice");
      const file = new URL("../src/domain/quick-add/testdata/parse-dev.jsonl", import.meta.url);
      const cases = readCases(readFileSync(file, "utf8"));
      const predictions = await Promise.all(
        cases.map(async (c) =>
          expectedOf(
            (
              await client.parseTask({
                parent,
                text: c.text,
                timeZone: c.time_zone,
                referenceTime: c.reference_time,
              })
            ).draft,
          ),
        ),
      );
      const result = score(cases, predictions);
      console.log(
        `ParseTask on the dev set: ${(result.allFieldsRight * 100).toFixed(1)}% of ${result.total} fully right`,
      );
      expect(result.allFieldsRight).toBeGreaterThanOrEqual(0.95);
      for (const field of FIELDS) expect(result.perField[field]).toBeGreaterThanOrEqual(0.95);
    });

    it("says what became of #Project: matched, not found, archived, ambiguous", async () => {
      const client = await h.client(QuickAddService, "alice");
      const cases: [string, ProjectResolution][] = [
        ["Fix sink #HOME", ProjectResolution.MATCHED],
        ["Fix sink #Garden", ProjectResolution.NOT_FOUND],
        ["Fix sink #old", ProjectResolution.ARCHIVED],
        ["Fix sink #Twin", ProjectResolution.AMBIGUOUS],
        ["Fix sink", ProjectResolution.UNSPECIFIED],
      ];
      for (const [text, resolution] of cases) {
        const { draft } = await client.parseTask({ parent, text, ...reference });
        expect(ProjectResolution[draft?.projectResolution ?? 0], text).toBe(
          ProjectResolution[resolution],
        );
        expect(draft?.project, text).toBe(resolution === ProjectResolution.MATCHED ? home : "");
      }
    });

    it("handles any Unicode: emoji, right-to-left text, control characters", async () => {
      const client = await h.client(QuickAddService, "alice");
      for (const text of [
        "🎉 Party planning tomorrow 🎂 @fun",
        "اتصل بأمي غدا p2",
        "שלום \u202eעולם\u202c tomorrow",
        "Tab\tand\u0000nul\u0007bell friday",
        "\ud800 lone surrogate",
        "e\u0301\u0301\u0301 zalgo ̸̢̛̗̝̈́͊",
      ]) {
        const { draft } = await client.parseTask({ parent, text, ...reference });
        expect(draft, text).toBeDefined();
      }
    });

    it("refuses bad input with INVALID_ARGUMENT naming the field", async () => {
      const client = await h.client(QuickAddService, "alice");
      const ok = { parent, text: "Buy milk", ...reference };
      await expectInvalidArgument(client.parseTask({ ...ok, text: "a".repeat(2001) }), "text");
      // 1,001 emoji: 1,001 characters but 2,002 UTF-16 units: the parser's own limit.
      await expectInvalidArgument(client.parseTask({ ...ok, text: "😀".repeat(1001) }), "text");
      await expectInvalidArgument(client.parseTask({ ...ok, text: "" }), "text");
      await expectInvalidArgument(client.parseTask({ ...ok, text: " \t\u0000 " }), "text");
      await expectInvalidArgument(
        client.parseTask({ ...ok, timeZone: "Mars/Olympus" }),
        "time_zone",
      );
      await expectInvalidArgument(client.parseTask({ ...ok, timeZone: "" }), "time_zone");
      await expectInvalidArgument(
        client.parseTask({ ...ok, referenceTime: "yesterday" }),
        "reference_time",
      );
      await expectInvalidArgument(
        client.parseTask({ ...ok, referenceTime: "2026-02-30T10:00:00" }),
        "reference_time",
      );
      await expectInvalidArgument(client.parseTask({ ...ok, parent: "workspaces/x" }), "parent");
      // Exactly 2,000 characters is fine.
      const { draft } = await client.parseTask({ ...ok, text: "a".repeat(2000) });
      expect(draft?.title).toHaveLength(2000);
    });

    it("answers over Connect JSON and gRPC-web the same way", async () => {
      for (const protocol of ["connect", "grpc-web"] as const) {
        const client = await h.client(QuickAddService, "alice", protocol);
        const { draft } = await client.parseTask({
          parent,
          text: "Buy milk tomorrow",
          ...reference,
        });
        expect(draft?.title, protocol).toBe("Buy milk");
        await expectInvalidArgument(
          client.parseTask({
            parent,
            text: "x",
            timeZone: "Nope/Nope",
            referenceTime: "2026-11-27T09:00",
          }),
          "time_zone",
        );
      }
    });
  });

  describe("CreateTaskFromText", () => {
    it("creates the task in core as the caller, with the sentence as its source", async () => {
      const client = await h.client(QuickAddService, "max");
      const text = "Water plants every friday at 5pm #Home @garden for 15 min p2";
      const { task, draft } = await client.createTaskFromText({ parent, text, ...reference });
      expect(draft?.projectResolution).toBe(ProjectResolution.MATCHED);
      const stored = (
        await (
          await h.coreClient(TaskService, "alice")
        ).getTask({
          name: task?.name ?? "",
        })
      ).task;
      expect(stored).toMatchObject({
        title: "Water plants",
        priority: Priority.P2,
        recurrence: "FREQ=WEEKLY;INTERVAL=1;BYDAY=FR",
        labels: ["garden"],
        project: home,
        source: {
          text,
          referenceTime: "2026-11-27T09:00:00",
          timeZone: "Europe/Berlin",
          parserVersion: "quick-add/1",
        },
      });
      expect(stored?.due?.time).toMatchObject({ hours: 17, minutes: 0 });
      expect(stored?.due?.timeZone).toBe("Europe/Berlin");
      expect(Number(stored?.duration?.seconds)).toBe(900);
      // On behalf of the caller, by ai: core records both identities (ai's service token).
      expect(stored?.provenance).toMatchObject({ actor: Actor.AI, user: "max", service: "ai" });
    });

    it("leaves the project unset, and says so, when #Project names none", async () => {
      const client = await h.client(QuickAddService, "alice");
      const { task, draft } = await client.createTaskFromText({
        parent,
        text: "Plant tulips #Garden",
        ...reference,
      });
      expect(draft?.projectResolution).toBe(ProjectResolution.NOT_FOUND);
      expect(draft?.projectDisplayName).toBe("Garden");
      expect(task?.project).toBe("");
      expect(task?.title).toBe("Plant tulips");
    });

    it("is idempotent with request_id: a retry returns the original task", async () => {
      const client = await h.client(QuickAddService, "alice");
      const requestId = randomUUID();
      const request = { parent, text: "Renew passport next monday p1", requestId, ...reference };
      const [a, b] = await Promise.all([
        client.createTaskFromText(request),
        client.createTaskFromText(request),
      ]);
      const c = await client.createTaskFromText(request);
      expect(b.task?.name).toBe(a.task?.name);
      expect(c.task?.name).toBe(a.task?.name);
      const tasks = await (await h.coreClient(TaskService, "alice")).listTasks({
        parent,
        filter: 'text = "Renew passport"',
      });
      expect(tasks.tasks).toHaveLength(1);
      await expectRpcError(
        client.createTaskFromText({ ...request, text: "Renew passport next tuesday p1" }),
        Code.FailedPrecondition,
        "REQUEST_ID_REUSED",
      );
    });

    it("refuses a sentence that leaves no title, creating nothing", async () => {
      const client = await h.client(QuickAddService, "alice");
      const before = (await (await h.coreClient(TaskService, "alice")).listTasks({ parent })).tasks
        .length;
      const err = await expectInvalidArgument(
        client.createTaskFromText({ parent, text: "tomorrow p1 @x", ...reference }),
        "text",
      );
      expect(err.rawMessage).toContain("no title");
      await expectInvalidArgument(
        client.createTaskFromText({ parent, text: "x", ...reference, timeZone: "Nope" }),
        "time_zone",
      );
      await expectInvalidArgument(
        client.createTaskFromText({ parent, text: "x", ...reference, requestId: "not-a-uuid" }),
        "request_id",
      );
      const after = (await (await h.coreClient(TaskService, "alice")).listTasks({ parent })).tasks
        .length;
      expect(after).toBe(before);
    });

    it("needs a writer: a VIEWER may parse but not create; outsiders may do neither", async () => {
      const viewer = await h.client(QuickAddService, "vera");
      const request = { parent, text: "Sneaky task", ...reference };
      expect((await viewer.parseTask(request)).draft?.title).toBe("Sneaky task");
      await expectRpcError(viewer.createTaskFromText(request), Code.PermissionDenied);
      const outsider = await h.client(QuickAddService, "mallory");
      await expectRpcError(outsider.parseTask(request), Code.PermissionDenied);
      await expectRpcError(outsider.createTaskFromText(request), Code.PermissionDenied);
      const nowhere = { ...request, parent: `workspaces/${randomUUID()}` };
      await expectRpcError(outsider.parseTask(nowhere), Code.PermissionDenied);
    });
  });
});
