import { createSecretKey, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  associatedData,
  DecryptionError,
  isEnvelope,
  openBytes,
  openText,
  parseEnvelope,
  sealBytes,
  sealText,
} from "./envelope.js";

const key = createSecretKey(randomBytes(32));
const otherKey = createSecretKey(randomBytes(32));
const aad = associatedData(["ws-1", "core.tasks", "task-1#1", "notes"]);

const failure = (run: () => unknown) => {
  try {
    run();
  } catch (e) {
    return e instanceof DecryptionError ? e.reason : `unexpected ${String(e)}`;
  }
  return "decrypted";
};

/** Flips one bit of the base64url character at `index` of the envelope. */
function flipChar(envelope: string, index: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const c = envelope[index] as string;
  const swapped = alphabet[alphabet.indexOf(c) ^ 1] as string;
  return envelope.slice(0, index) + swapped + envelope.slice(index + 1);
}

describe("envelope (AES-256-GCM)", () => {
  it("round-trips text, including non-ASCII, in the v1 format", () => {
    for (const text of ["x", "Buy milk 🥛 — für Oma", "a".repeat(20_000)]) {
      const sealed = sealText(key, 3, text, aad);
      expect(sealed).toMatch(/^v1:3:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
      expect(isEnvelope(sealed)).toBe(true);
      expect(parseEnvelope(sealed)?.keyVersion).toBe(3);
      expect(openText(key, sealed, aad)).toBe(text);
    }
  });

  it("uses a fresh IV each time: equal plaintexts give different ciphertexts", () => {
    const seen = new Set(Array.from({ length: 2000 }, () => sealText(key, 1, "same", aad)));
    expect(seen.size).toBe(2000);
    const ivs = new Set([...seen].map((s) => s.split(":")[2]));
    expect(ivs.size).toBe(2000);
  });

  it("detects any tampered byte of IV, ciphertext or tag", () => {
    const sealed = sealText(key, 1, "the secret note", aad);
    const start = "v1:1:".length;
    let tried = 0;
    let detected = 0;
    for (let i = start; i < sealed.length; i++) {
      if (sealed[i] === ":") continue;
      tried++;
      if (failure(() => openText(key, flipChar(sealed, i), aad)) !== "decrypted") detected++;
    }
    console.log(`envelope: tampered ${tried} positions, ${detected} detected`);
    expect(detected).toBe(tried);
  });

  it("refuses the wrong key and the wrong associated data", () => {
    const sealed = sealText(key, 1, "the secret note", aad);
    expect(failure(() => openText(otherKey, sealed, aad))).toBe("AUTHENTICATION_FAILED");
    for (const wrong of [
      ["ws-2", "core.tasks", "task-1#1", "notes"],
      ["ws-1", "core.projects", "task-1#1", "notes"],
      ["ws-1", "core.tasks", "task-2#1", "notes"],
      ["ws-1", "core.tasks", "task-1#2", "notes"],
      ["ws-1", "core.tasks", "task-1#1", "source_text"],
    ]) {
      expect(failure(() => openText(key, sealed, associatedData(wrong)))).toBe(
        "AUTHENTICATION_FAILED",
      );
    }
  });

  it("refuses malformed envelopes without trying to decrypt them", () => {
    const sealed = sealText(key, 1, "x", aad);
    for (const bad of [
      "",
      "plain text",
      sealed.replace("v1:", "v2:"),
      sealed.replace("v1:1:", "v1:0:"),
      sealed.replace("v1:1:", "v1:x:"),
      `${sealed}:`,
      sealed.slice(0, 30),
      sealed.replace(/:([^:]+)$/, ":AAAA"),
    ]) {
      expect(isEnvelope(bad)).toBe(false);
      expect(failure(() => openText(key, bad, aad))).toBe("MALFORMED");
    }
  });

  it("escapes separators in associated data, so parts can't be shifted", () => {
    expect(associatedData(["a|b", "c"]).equals(associatedData(["a", "b|c"]))).toBe(false);
    expect(associatedData(["a%7Cb"]).equals(associatedData(["a|b"]))).toBe(false);
  });

  it("seals raw bytes (wrapped keys) the same way", () => {
    const raw = randomBytes(32);
    const wrapped = sealBytes(key, raw, aad);
    expect(wrapped.length).toBe(12 + 32 + 16);
    expect(openBytes(key, wrapped, aad).equals(raw)).toBe(true);
    expect(failure(() => openBytes(key, wrapped.subarray(0, 20), aad))).toBe("MALFORMED");
    wrapped[20] = (wrapped[20] as number) ^ 1;
    expect(failure(() => openBytes(key, wrapped, aad))).toBe("AUTHENTICATION_FAILED");
  });
});
