import { createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DataKey, DataKeyStore } from "./data-keys.js";
import { DecryptionError } from "./envelope.js";
import { createFieldCipher, DataCorruptedError, type FieldRef } from "./field-cipher.js";

/** Data keys in memory: one per workspace (version 1), made on first use. */
function memoryKeys(): DataKeyStore & { keys: Map<string, KeyObject> } {
  const keys = new Map<string, KeyObject>();
  const key = (ws: string) => {
    if (!keys.has(ws)) keys.set(ws, createSecretKey(randomBytes(32)));
    return keys.get(ws) as KeyObject;
  };
  return {
    keys,
    current: async (ws): Promise<DataKey> => ({ version: 1, key: key(ws) }),
    get: async (ws, version) => {
      if (version !== 1 || !keys.has(ws)) throw new DecryptionError("UNKNOWN_KEY");
      return key(ws);
    },
    checkMasterKeys: async () => {},
  };
}

const notes = (workspaceId: string, row: string): FieldRef => ({
  workspaceId,
  table: "core.tasks",
  row,
  column: "notes",
});

describe("field cipher", () => {
  it("round-trips, and leaves empty values empty", async () => {
    const cipher = createFieldCipher(memoryKeys());
    const sealed = await cipher.encrypt(notes("w1", "t1"), "call Alice");
    expect(sealed).toMatch(/^v1:1:/);
    expect(await cipher.decrypt(notes("w1", "t1"), sealed)).toBe("call Alice");
    expect(await cipher.encrypt(notes("w1", "t1"), "")).toBe("");
    expect(await cipher.decrypt(notes("w1", "t1"), "")).toBe("");
  });

  it("fails cleanly for a value moved to another row, column or workspace, and reports it", async () => {
    const failures: string[] = [];
    const keys = memoryKeys();
    const cipher = createFieldCipher(keys, {
      onFailure: (f, reason) => failures.push(`${f.workspaceId}/${f.row}/${f.column}: ${reason}`),
    });
    const sealed = await cipher.encrypt(notes("w1", "t1"), "call Alice");
    await cipher.encrypt(notes("w2", "t9"), "w2 has a key too");
    for (const where of [
      notes("w1", "t2"),
      { ...notes("w1", "t1"), column: "source_text" },
      notes("w2", "t1"),
      notes("w3", "t1"),
    ]) {
      const error = await cipher.decrypt(where, sealed).catch((e) => e);
      expect(error).toBeInstanceOf(DataCorruptedError);
      expect(String(error)).not.toContain("Alice");
    }
    expect(failures).toEqual([
      "w1/t2/notes: AUTHENTICATION_FAILED",
      "w1/t1/source_text: AUTHENTICATION_FAILED",
      "w2/t1/notes: AUTHENTICATION_FAILED",
      "w3/t1/notes: UNKNOWN_KEY",
    ]);
  });

  it("refuses plaintext where an envelope belongs", async () => {
    const cipher = createFieldCipher(memoryKeys());
    const error = await cipher.decrypt(notes("w1", "t1"), "not encrypted").catch((e) => e);
    expect(error).toBeInstanceOf(DataCorruptedError);
    expect((error as DataCorruptedError).reason).toBe("MALFORMED");
  });
});
