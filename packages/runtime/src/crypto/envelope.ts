import { createCipheriv, createDecipheriv, type KeyObject, randomFillSync } from "node:crypto";

// AES-256-GCM with a 96-bit random IV and a 128-bit tag (NIST SP 800-38D). Random IVs keep a
// key safe for 2^32 messages; a data key serves one workspace, and the key version in every
// envelope leaves room to roll a workspace onto a new data key long before that.
const algorithm = "aes-256-gcm";
const ivBytes = 12;
const tagBytes = 16;

/** Why a stored value could not be decrypted. Never says more than this. */
export type DecryptionFailure = "MALFORMED" | "UNKNOWN_KEY" | "AUTHENTICATION_FAILED";

export class DecryptionError extends Error {
  override name = "DecryptionError";
  constructor(readonly reason: DecryptionFailure) {
    super(`decryption failed: ${reason}`);
  }
}

// IVs come from a pool refilled 4 KiB at a time: one getrandom call per 341 values instead of one
// each. Every 12 bytes are used once.
const pool = Buffer.alloc(4092);
let offset = pool.length;
function nextIv(): Buffer {
  if (offset + ivBytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += ivBytes;
  return pool.subarray(offset - ivBytes, offset);
}

/**
 * Associated data from its parts (e.g. workspace, table, row, column), joined with `|`; `%` and
 * `|` inside a part are escaped, so different parts never give the same bytes.
 */
export function associatedData(parts: readonly string[]): Buffer {
  const escaped = (p: string) =>
    p.includes("%") || p.includes("|") ? p.replaceAll("%", "%25").replaceAll("|", "%7C") : p;
  return Buffer.from(parts.map(escaped).join("|"), "utf8");
}

/** Encrypts `plaintext`; returns iv ‖ ciphertext ‖ tag. */
export function sealBytes(key: KeyObject, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const iv = nextIv();
  const cipher = createCipheriv(algorithm, key, iv, { authTagLength: tagBytes });
  cipher.setAAD(aad);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Decrypts iv ‖ ciphertext ‖ tag; throws DecryptionError when anything doesn't match. */
export function openBytes(key: KeyObject, sealed: Uint8Array, aad: Uint8Array): Buffer {
  if (sealed.length < ivBytes + tagBytes) throw new DecryptionError("MALFORMED");
  const iv = sealed.subarray(0, ivBytes);
  const tag = sealed.subarray(sealed.length - tagBytes);
  const decipher = createDecipheriv(algorithm, key, iv, { authTagLength: tagBytes });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([
      decipher.update(sealed.subarray(ivBytes, sealed.length - tagBytes)),
      decipher.final(),
    ]);
  } catch {
    throw new DecryptionError("AUTHENTICATION_FAILED");
  }
}

// The text envelope: `v1:<key version>:<iv>:<ciphertext ‖ tag>`, both base64url, unpadded.
const envelopePattern = /^v1:([1-9][0-9]{0,8}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})$/;

/** True when `value` has the shape of an envelope (says nothing about whether it decrypts). */
export const isEnvelope = (value: string): boolean => envelopePattern.test(value);

/** An envelope taken apart; undefined when `value` is not one (in its canonical encoding). */
export interface Envelope {
  keyVersion: number;
  iv: Buffer;
  /** Ciphertext ‖ tag. */
  body: Buffer;
}

export function parseEnvelope(value: string): Envelope | undefined {
  const m = envelopePattern.exec(value);
  if (!m) return undefined;
  const iv = Buffer.from(m[2] as string, "base64url");
  const body = Buffer.from(m[3] as string, "base64url");
  // Only the canonical encoding: the unused low bits of a last character must be zero, so one
  // ciphertext has exactly one stored form.
  if (iv.length !== ivBytes || body.length < tagBytes || body.toString("base64url") !== m[3]) {
    return undefined;
  }
  return { keyVersion: Number(m[1]), iv, body };
}

/** Encrypts text under the data key of version `keyVersion` into an envelope. */
export function sealText(
  key: KeyObject,
  keyVersion: number,
  plaintext: string,
  aad: Uint8Array,
): string {
  const iv = nextIv();
  const cipher = createCipheriv(algorithm, key, iv, { authTagLength: tagBytes });
  cipher.setAAD(aad);
  const body = Buffer.concat([
    cipher.update(plaintext, "utf8"),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return `v1:${keyVersion}:${iv.toString("base64url")}:${body.toString("base64url")}`;
}

/** Decrypts a parsed envelope; throws DecryptionError("AUTHENTICATION_FAILED") on any mismatch. */
export function openEnvelope(key: KeyObject, envelope: Envelope, aad: Uint8Array): string {
  const { iv, body } = envelope;
  const decipher = createDecipheriv(algorithm, key, iv, { authTagLength: tagBytes });
  decipher.setAAD(aad);
  decipher.setAuthTag(body.subarray(body.length - tagBytes));
  try {
    return (
      decipher.update(body.subarray(0, body.length - tagBytes), undefined, "utf8") +
      decipher.final("utf8")
    );
  } catch {
    throw new DecryptionError("AUTHENTICATION_FAILED");
  }
}

/** Decrypts an envelope made by sealText with the same key and associated data. */
export function openText(key: KeyObject, envelope: string, aad: Uint8Array): string {
  const parsed = parseEnvelope(envelope);
  if (!parsed) throw new DecryptionError("MALFORMED");
  return openEnvelope(key, parsed, aad);
}
