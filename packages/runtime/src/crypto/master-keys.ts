import { createSecretKey, type KeyObject } from "node:crypto";
import { inspect } from "node:util";
import { z } from "zod";

/**
 * The master keys that wrap data keys, by id. The first is current: new data keys are wrapped
 * with it. The others only unwrap, so that data keys wrapped before a rotation stay readable
 * until `keys:rotate` has re-wrapped them.
 */
export interface MasterKeys {
  readonly currentId: string;
  readonly ids: readonly string[];
  current(): { id: string; key: KeyObject };
  get(id: string): KeyObject | undefined;
}

const idPattern = /^[A-Za-z0-9._-]{1,64}$/;
const keyPattern = /^[A-Za-z0-9+/_-]{43}=?$/;

/**
 * Parses `id1:base64key,id2:base64key` (commas or whitespace between entries; the key in base64
 * or base64url, 32 bytes). Errors name the entry by position, never show a key.
 */
export function parseMasterKeys(text: string): MasterKeys {
  const entries = text.split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) throw new Error("no master key given (id:base64key,...)");
  const keys = new Map<string, KeyObject>();
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(":");
    const id = colon > 0 ? entry.slice(0, colon) : "";
    const encoded = entry.slice(colon + 1);
    const where = `entry ${i + 1}`;
    if (!idPattern.test(id)) {
      throw new Error(`${where}: expected id:base64key with an id of 1-64 of [A-Za-z0-9._-]`);
    }
    if (keys.has(id)) throw new Error(`${where}: master key id "${id}" appears twice`);
    const bytes = keyPattern.test(encoded)
      ? Buffer.from(encoded.replaceAll("-", "+").replaceAll("_", "/"), "base64")
      : undefined;
    if (bytes?.length !== 32) {
      throw new Error(`${where} ("${id}"): the key must be 32 bytes in base64 (44 characters)`);
    }
    keys.set(id, createSecretKey(bytes));
    bytes.fill(0);
  });
  const ids = [...keys.keys()];
  const currentId = ids[0] as string;
  const ring: MasterKeys = {
    currentId,
    ids,
    current: () => ({ id: currentId, key: keys.get(currentId) as KeyObject }),
    get: (id) => keys.get(id),
  };
  // Should the config object ever be logged or serialised, only the ids show.
  const shown = () => ({ currentId, ids });
  Object.defineProperty(ring, "toJSON", { value: shown });
  Object.defineProperty(ring, inspect.custom, { value: () => `MasterKeys ${inspect(shown())}` });
  return ring;
}

/**
 * The `MASTER_KEYS` setting (or `MASTER_KEYS_FILE`), for services that store sensitive text:
 * `configSchema.extend(masterKeysSetting)`. Required; a bad value fails the configuration with
 * a message naming the variable.
 */
export const masterKeysSetting = {
  MASTER_KEYS: z
    .string({
      error: "required: master keys for encryption at rest, id:base64key[,id:base64key...]",
    })
    .transform((text, ctx): MasterKeys => {
      try {
        return parseMasterKeys(text);
      } catch (e) {
        ctx.addIssue({ code: "custom", message: (e as Error).message });
        return z.NEVER;
      }
    }),
};
