import type { Change } from "../domain/change.js";
import { InvalidInputError } from "../domain/errors.js";
import { pageSize } from "./page-token.js";
import type { ChangeLog } from "./ports.js";

/** Cursors are feed positions written in decimal; opaque to clients. */
export function parseCursor(cursor: string): bigint {
  if (cursor === "") return 0n;
  // Positions are PostgreSQL bigints: a larger number is no cursor (and would fail in SQL).
  if (!/^[0-9]{1,19}$/.test(cursor) || BigInt(cursor) > 9_223_372_036_854_775_807n) {
    throw InvalidInputError.field("start_after", "is not a cursor from this change feed");
  }
  return BigInt(cursor);
}

export const formatCursor = (position: bigint) => position.toString();

/** Something that says when a workspace's feed may have grown. */
export interface FeedSignal {
  wait(workspaceId: string, timeoutMs: number, signal: AbortSignal): Promise<void>;
}

export function createChangeUseCases(changes: ChangeLog, feed: FeedSignal) {
  return {
    async list(workspaceId: string, startAfter: string, requestedSize: number) {
      const after = parseCursor(startAfter);
      const page = await changes.list(workspaceId, after, pageSize(requestedSize, 100));
      const last = page[page.length - 1];
      return { changes: page, nextCursor: last ? formatCursor(last.position) : startAfter };
    },

    /** Every workspace's changes after the cursor: for services that follow all of them. */
    async listAll(startAfter: string, requestedSize: number) {
      const after = parseCursor(startAfter);
      const page = await changes.listAll(after, pageSize(requestedSize, 100));
      const last = page[page.length - 1];
      return { changes: page, nextCursor: last ? formatCursor(last.position) : startAfter };
    },

    /** Every change after the cursor, then each new one as it commits, until `signal` aborts. */
    async *watch(
      workspaceId: string,
      startAfter: string,
      signal: AbortSignal,
    ): AsyncGenerator<Change> {
      let after = parseCursor(startAfter);
      while (!signal.aborted) {
        const page = await changes.list(workspaceId, after, 500);
        for (const change of page) {
          yield change;
          after = change.position;
        }
        if (page.length < 500) await feed.wait(workspaceId, 1_000, signal);
      }
    },
  };
}

export type ChangeUseCases = ReturnType<typeof createChangeUseCases>;
