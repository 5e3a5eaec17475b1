import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../domain/errors.js";
import {
  decodePageToken,
  encodePageToken,
  isDateKey,
  isTimestampKey,
  isUuidKey,
  pageSize,
} from "./page-token.js";

const ws = "0190a000-0000-7000-8000-000000000001";
const other = "0190a000-0000-7000-8000-000000000002";
type Key = { createTime: string; id: string };
const isKey = (k: unknown): k is Key =>
  typeof k === "object" && k !== null && typeof (k as Key).id === "string";
const key: Key = { createTime: "2024-03-01T10:00:00.000Z", id: "abc" };

function refusal(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).violations;
  }
  throw new Error("expected the token to be refused");
}

const refused = [{ field: "page_token", description: "is not a page token from this list" }];

describe("page tokens", () => {
  it("round-trip the key for the same scope and query", () => {
    const token = encodePageToken(ws, ["OPEN", "due desc"], key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token, ws, ["OPEN", "due desc"], isKey)).toEqual(key);
  });

  it("are no token when empty", () => {
    expect(decodePageToken("", ws, [], isKey)).toBeUndefined();
  });

  it("don't reveal the query they were made for", () => {
    const token = encodePageToken(ws, ['label = "secret-project"'], key);
    expect(Buffer.from(token, "base64url").toString()).not.toContain("secret-project");
  });

  it("are refused in another workspace (scope)", () => {
    const token = encodePageToken(ws, [], key);
    expect(refusal(() => decodePageToken(token, other, [], isKey))).toEqual(refused);
  });

  it("are refused for another query", () => {
    const token = encodePageToken(ws, ["state = OPEN", "", false], key);
    expect(refusal(() => decodePageToken(token, ws, ["state = DONE", "", false], isKey))).toEqual(
      refused,
    );
    expect(refusal(() => decodePageToken(token, ws, ["state = OPEN", "", true], isKey))).toEqual(
      refused,
    );
  });

  it("are refused when the key has the wrong shape", () => {
    const token = encodePageToken(ws, [], 42);
    expect(refusal(() => decodePageToken(token, ws, [], isKey))).toEqual(refused);
  });

  it.each([
    "!!!",
    "not-base64-json",
    Buffer.from("null").toString("base64url"),
    Buffer.from("[]").toString("base64url"),
    Buffer.from('{"w":1}').toString("base64url"),
    Buffer.from("{").toString("base64url"),
  ])("refuses the forged token %j", (token) => {
    expect(refusal(() => decodePageToken(token, ws, [], isKey))).toEqual(refused);
  });

  it("refuses a token whose scope was edited", () => {
    const body = JSON.parse(Buffer.from(encodePageToken(ws, [], key), "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...body, w: other })).toString("base64url");
    expect(refusal(() => decodePageToken(forged, ws, [], isKey))).toEqual(refused);
  });
});

describe("pageSize", () => {
  it.each([
    [0, 50],
    [-1, 50],
    [1, 1],
    [50, 50],
    [999, 999],
    [1000, 1000],
    [1001, 1000],
    [1_000_000, 1000],
  ])("%i → %i", (requested, size) => {
    expect(pageSize(requested)).toBe(size);
  });

  it("takes another default and maximum", () => {
    expect(pageSize(0, 100)).toBe(100);
    expect(pageSize(500, 100, 200)).toBe(200);
  });
});

describe("key shapes", () => {
  it("isUuidKey takes lower-case UUIDs only", () => {
    expect(isUuidKey("0190a000-0000-7000-8000-000000000001")).toBe(true);
    expect(isUuidKey("0190A000-0000-7000-8000-000000000001")).toBe(false);
    expect(isUuidKey("0190a000-0000-7000-8000-00000000000")).toBe(false);
    expect(isUuidKey("' or 1=1 --")).toBe(false);
    expect(isUuidKey(42)).toBe(false);
    expect(isUuidKey(null)).toBe(false);
  });

  it("isTimestampKey takes real instants as toISOString writes them", () => {
    expect(isTimestampKey("2024-03-01T10:00:00.000Z")).toBe(true);
    expect(isTimestampKey("2024-02-30T10:00:00.000Z")).toBe(false);
    expect(isTimestampKey("2024-03-01T10:00:00Z")).toBe(false);
    expect(isTimestampKey("2024-03-01T10:00:00.000+01:00")).toBe(false);
    expect(isTimestampKey("xxxx-xx-xxTxx:xx:xx.xxxZ")).toBe(false);
    expect(isTimestampKey(1_700_000_000_000)).toBe(false);
  });

  it("isDateKey takes real calendar days", () => {
    expect(isDateKey("2024-02-29")).toBe(true);
    expect(isDateKey("2023-02-29")).toBe(false);
    expect(isDateKey("2024-3-1")).toBe(false);
    expect(isDateKey("infinity")).toBe(false);
    expect(isDateKey(20240301)).toBe(false);
  });
});
