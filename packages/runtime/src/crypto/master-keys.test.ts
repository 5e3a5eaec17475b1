import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, readConfig } from "../config.js";
import { masterKeysSetting, parseMasterKeys } from "./master-keys.js";

const b64 = () => randomBytes(32).toString("base64");

describe("master keys", () => {
  it("parses id:key entries, the first one current, base64 or base64url", () => {
    const url = randomBytes(32).toString("base64url");
    const keys = parseMasterKeys(`k2:${b64()}, k1:${url}\nold.0:${b64()}`);
    expect(keys.currentId).toBe("k2");
    expect(keys.ids).toEqual(["k2", "k1", "old.0"]);
    expect(keys.current().key.symmetricKeySize).toBe(32);
    expect(keys.get("k1")?.export().toString("base64url")).toBe(url);
    expect(keys.get("nope")).toBeUndefined();
  });

  it("refuses bad entries, naming the entry but never showing a key", () => {
    const short = randomBytes(16).toString("base64");
    const secret = b64();
    for (const [text, message] of [
      ["", /no master key/],
      [secret, /entry 1: expected id:base64key/],
      [`k1:${short}`, /entry 1 \("k1"\): the key must be 32 bytes/],
      [`k1:${secret}, k1:${b64()}`, /entry 2: master key id "k1" appears twice/],
      [`k1:${secret}, bad id:${b64()}`, /entry 2/],
      [`k1:${secret.slice(0, 40)}!!!=`, /entry 1/],
    ] as const) {
      expect(() => parseMasterKeys(text)).toThrow(message);
      try {
        parseMasterKeys(text);
      } catch (e) {
        expect(String(e)).not.toContain(secret);
      }
    }
  });

  it("shows only ids when logged or serialised", () => {
    const secret = b64();
    const keys = parseMasterKeys(`k1:${secret}`);
    expect(JSON.stringify({ keys })).toBe('{"keys":{"currentId":"k1","ids":["k1"]}}');
    expect(inspect(keys)).not.toContain(secret.slice(0, 10));
  });

  it("is a required setting, read from MASTER_KEYS or MASTER_KEYS_FILE, errors naming it", () => {
    const schema = z.object(masterKeysSetting);
    expect(() => readConfig(schema, {})).toThrow(ConfigError);
    expect(() => readConfig(schema, {})).toThrow(/MASTER_KEYS: required/);
    expect(() => readConfig(schema, { MASTER_KEYS: "k1:short" })).toThrow(
      /MASTER_KEYS: entry 1 \("k1"\)/,
    );
    expect(readConfig(schema, { MASTER_KEYS: `k1:${b64()}` }).MASTER_KEYS.currentId).toBe("k1");
  });
});
