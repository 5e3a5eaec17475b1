import { describe, expect, it } from "vitest";
import type { Actor } from "../domain/actor.js";
import { projectChange } from "../domain/change.js";
import { InvalidInputError } from "../domain/errors.js";
import { newProject } from "../domain/project.js";
import { createChangeUseCases, type FeedSignal, formatCursor, parseCursor } from "./changes.js";
import { createInMemoryUnitOfWork } from "./testing/in-memory.js";

const ws = "0190a000-0000-7000-8000-000000000001";
const otherWs = "0190a000-0000-7000-8000-000000000002";
const actor: Actor = { kind: "USER", user: "alice" };
const now = new Date("2024-03-01T10:00:00Z");

function setup() {
  const uow = createInMemoryUnitOfWork();
  const waits: string[] = [];
  let wake: () => void = () => {};
  const feed: FeedSignal = {
    wait(workspaceId, _timeoutMs, signal) {
      waits.push(workspaceId);
      return new Promise((resolve) => {
        wake = resolve;
        if (signal.aborted) resolve();
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    },
  };
  const append = async (workspaceId: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const project = newProject(
        { workspaceId, id: `0190a000-0000-7000-8000-${String(i).padStart(12, "0")}`, now },
        { displayName: `p${i}`, description: "" },
      );
      await uow.repos.changes.append(projectChange("CREATED", project, actor));
    }
  };
  return {
    uow,
    changes: createChangeUseCases(uow.repos.changes, feed),
    append,
    waits,
    wake: () => wake(),
  };
}

describe("cursors", () => {
  it.each([
    ["", 0n],
    ["0", 0n],
    ["42", 42n],
    ["9223372036854775807", 9_223_372_036_854_775_807n],
  ])("%j is position %s", (cursor, position) => {
    expect(parseCursor(cursor)).toBe(position);
  });

  it.each([
    "-1",
    "1.5",
    "abc",
    " 1",
    "0x10",
    "1e3",
    "12345678901234567890",
    "9223372036854775808",
    "9999999999999999999",
  ])("refuses %j", (cursor) => {
    try {
      parseCursor(cursor);
      throw new Error("expected a refusal");
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidInputError);
      expect((e as InvalidInputError).violations).toEqual([
        { field: "start_after", description: "is not a cursor from this change feed" },
      ]);
    }
  });

  it("formats positions as decimal text that parses back", () => {
    expect(formatCursor(123n)).toBe("123");
    expect(parseCursor(formatCursor(9_007_199_254_740_993n))).toBe(9_007_199_254_740_993n);
  });
});

describe("list", () => {
  it("pages through the workspace's changes in order, 100 by default", async () => {
    const { changes, append } = setup();
    await append(ws, 150);
    await append(otherWs, 5);
    const first = await changes.list(ws, "", 0);
    expect(first.changes).toHaveLength(100);
    expect(first.changes.every((c) => c.workspaceId === ws)).toBe(true);
    const second = await changes.list(ws, first.nextCursor, 0);
    expect(second.changes).toHaveLength(50);
    const positions = [...first.changes, ...second.changes].map((c) => c.position);
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(positions).size).toBe(150);
    expect(second.nextCursor).toBe(formatCursor(positions[149] as bigint));
  });

  it("keeps the cursor when nothing is new", async () => {
    const { changes, append } = setup();
    await append(ws, 2);
    const all = await changes.list(ws, "", 10);
    const empty = await changes.list(ws, all.nextCursor, 10);
    expect(empty).toEqual({ changes: [], nextCursor: all.nextCursor });
    expect(await changes.list(otherWs, "", 10)).toEqual({ changes: [], nextCursor: "" });
  });

  it("caps the page at 1000", async () => {
    const { changes, append } = setup();
    await append(ws, 1005);
    expect((await changes.list(ws, "", 5000)).changes).toHaveLength(1000);
    expect((await changes.list(ws, "", 3)).changes).toHaveLength(3);
  });

  it("refuses a malformed cursor", async () => {
    const { changes } = setup();
    await expect(changes.list(ws, "nope", 10)).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe("watch", () => {
  it("yields the backlog after the cursor, then new changes when the feed signals", async () => {
    const { changes, append, waits, wake } = setup();
    await append(ws, 3);
    const abort = new AbortController();
    const stream = changes.watch(ws, "1", abort.signal);
    const got: bigint[] = [];
    for (let i = 0; i < 2; i++) {
      const next = await stream.next();
      got.push((next.value as { position: bigint }).position);
    }
    expect(got).toEqual([2n, 3n]);
    const pending = stream.next();
    await new Promise((r) => setTimeout(r, 0));
    expect(waits).toEqual([ws]);
    await append(ws, 1);
    wake();
    expect(((await pending).value as { position: bigint }).position).toBe(4n);
    abort.abort();
    expect((await stream.next()).done).toBe(true);
  });

  it("reads big backlogs page by page without waiting in between", async () => {
    const { changes, append, waits } = setup();
    await append(ws, 1200);
    const abort = new AbortController();
    let count = 0;
    for await (const change of changes.watch(ws, "", abort.signal)) {
      count++;
      expect(change.position).toBe(BigInt(count));
      if (count === 1200) abort.abort();
    }
    expect(count).toBe(1200);
    // Two full pages of 500 went by without a wait; the short third page led to one.
    expect(waits.length).toBeLessThanOrEqual(1);
  });

  it("ends at once when already aborted", async () => {
    const { changes, append } = setup();
    await append(ws, 3);
    const abort = new AbortController();
    abort.abort();
    const seen = [];
    for await (const change of changes.watch(ws, "", abort.signal)) seen.push(change);
    expect(seen).toEqual([]);
  });

  it("refuses a malformed cursor before streaming", async () => {
    const { changes } = setup();
    await expect(
      changes.watch(ws, "x", new AbortController().signal).next(),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });
});
