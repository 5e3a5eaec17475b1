import { describe, expect, it } from "vitest";
import { createBatcher } from "./batcher.js";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("createBatcher", () => {
  it("sends a lone call at once, and gathers calls made while a batch runs", async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const load = createBatcher(
      async (items: number[]) => {
        batches.push(items);
        if (batches.length === 1) await new Promise<void>((r) => (release = r));
        return items.map((i) => i * 10);
      },
      { maxBatch: 3, maxConcurrent: 1 },
    );
    const first = load(1);
    await tick();
    expect(batches).toEqual([[1]]);
    const rest = [load(2), load(3), load(4), load(5)];
    await tick();
    expect(batches).toHaveLength(1);
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it("gathers calls made in the same turn of the event loop, even with slots free", async () => {
    const batches: number[][] = [];
    const load = createBatcher(
      async (items: number[]) => {
        batches.push(items);
        return items;
      },
      { maxBatch: 10, maxConcurrent: 4 },
    );
    expect(await Promise.all([load(1), load(2), load(3)])).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("runs up to maxConcurrent batches and rejects every call of a failed batch", async () => {
    let concurrent = 0;
    let peak = 0;
    const load = createBatcher(
      async (items: number[]) => {
        concurrent++;
        peak = Math.max(peak, concurrent);
        await tick();
        concurrent--;
        if (items.includes(13)) throw new Error("unlucky");
        return items;
      },
      { maxBatch: 2, maxConcurrent: 2 },
    );
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => load(i)));
    expect(peak).toBe(2);
    const rejected = results.flatMap((r, i) => (r.status === "rejected" ? [i] : []));
    expect(rejected).toContain(13);
    expect(rejected.length).toBeLessThanOrEqual(2);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(20 - rejected.length);
  });

  it("rejects when a batch answers the wrong number of results", async () => {
    const load = createBatcher(async () => [1, 2], { maxBatch: 5, maxConcurrent: 1 });
    await expect(load(1)).rejects.toThrow(/2 results for 1 items/);
  });
});
