import type { Sql } from "../sql.js";
import type { DataKeyStore } from "./data-keys.js";
import {
  associatedData,
  DecryptionError,
  type DecryptionFailure,
  openEnvelope,
  parseEnvelope,
  sealText,
} from "./envelope.js";

/**
 * Where a value lives: its workspace, table, row and column. All four are bound to the
 * ciphertext as associated data, so a value copied to another place fails to decrypt. `row` is
 * the row's key within the workspace (plus its version where the resource has one).
 */
export interface FieldRef {
  workspaceId: string;
  table: string;
  row: string;
  column: string;
}

/** A stored value that failed to decrypt: tampered with, moved, or its key is gone. */
export class DataCorruptedError extends Error {
  override name = "DataCorruptedError";
  constructor(
    readonly field: FieldRef,
    readonly reason: DecryptionFailure,
  ) {
    super(`stored ${field.table}.${field.column} of row ${field.row} failed to decrypt: ${reason}`);
  }
}

/** Encrypts and decrypts single text values with their workspace's data key. */
export interface FieldCipher {
  /** The envelope for `plaintext`; an empty string stays empty (its length shows anyway). */
  encrypt(field: FieldRef, plaintext: string, via?: Sql): Promise<string>;
  /** The plaintext of an envelope made for exactly this field; throws DataCorruptedError. */
  decrypt(field: FieldRef, stored: string, via?: Sql): Promise<string>;
}

export interface FieldCipherOptions {
  /** Told of every value that fails to decrypt (a security event), without the value. */
  onFailure?: (field: FieldRef, reason: DecryptionFailure) => void;
}

export const fieldAad = (f: FieldRef) => associatedData([f.workspaceId, f.table, f.row, f.column]);

/**
 * AES-256-GCM field encryption under per-workspace data keys (envelope encryption):
 * `v1:<data key version>:<iv>:<ciphertext ‖ tag>`, associated data `workspace|table|row|column`.
 */
export function createFieldCipher(
  keys: DataKeyStore,
  options: FieldCipherOptions = {},
): FieldCipher {
  const fail = (field: FieldRef, reason: DecryptionFailure): never => {
    options.onFailure?.(field, reason);
    throw new DataCorruptedError(field, reason);
  };
  return {
    async encrypt(field, plaintext, via) {
      if (plaintext === "") return "";
      const { version, key } = await keys.current(field.workspaceId, via);
      return sealText(key, version, plaintext, fieldAad(field));
    },

    async decrypt(field, stored, via) {
      if (stored === "") return "";
      const envelope = parseEnvelope(stored);
      if (!envelope) return fail(field, "MALFORMED");
      try {
        const key = await keys.get(field.workspaceId, envelope.keyVersion, via);
        return openEnvelope(key, envelope, fieldAad(field));
      } catch (e) {
        if (e instanceof DecryptionError) return fail(field, e.reason);
        throw e;
      }
    },
  };
}
