import { describe, expect, it } from "vitest";
import { InvalidInputError } from "./errors.js";
import { requireName, requireText } from "./text.js";

function violation(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).violations;
  }
  throw new Error("expected an InvalidInputError");
}

describe("requireName", () => {
  it("trims and returns the name", () => {
    expect(requireName("  Home \n", "f", 10)).toBe("Home");
    expect(requireName("ünïcødé 日本", "f", 20)).toBe("ünïcødé 日本");
  });

  it("measures after trimming", () => {
    expect(requireName(`  ${"x".repeat(10)}  `, "f", 10)).toBe("x".repeat(10));
    expect(violation(() => requireName("x".repeat(11), "f", 10))).toEqual([
      { field: "f", description: "must be at most 10 characters" },
    ]);
  });

  it.each(["", " ", "\t\n"])("rejects the empty name %j", (value) => {
    expect(violation(() => requireName(value, "w.display_name", 10))).toEqual([
      { field: "w.display_name", description: "must not be empty" },
    ]);
  });

  it.each(["a\nb", "a\tb", "a\u0000", "a\u001fb", "a\u007f"])(
    "rejects control characters in %j",
    (value) => {
      expect(violation(() => requireName(value, "f", 10))).toEqual([
        { field: "f", description: "must not contain control characters" },
      ]);
    },
  );
});

describe("requireText", () => {
  it("keeps the text as written, line breaks and tabs included", () => {
    expect(requireText("", "f", 5)).toBe("");
    expect(requireText(" a\r\n\tb ", "f", 10)).toBe(" a\r\n\tb ");
  });

  it("limits the length", () => {
    expect(requireText("x".repeat(5), "f", 5)).toBe("xxxxx");
    expect(violation(() => requireText("x".repeat(6), "notes", 5))).toEqual([
      { field: "notes", description: "must be at most 5 characters" },
    ]);
  });

  it.each(["\u0000", "\u0008", "\u000b", "\u000c", "\u000e", "\u001b", "\u007f"])(
    "rejects the control character %j",
    (c) => {
      expect(violation(() => requireText(`a${c}b`, "notes", 10))).toEqual([
        { field: "notes", description: "must not contain control characters" },
      ]);
    },
  );
});

describe("InvalidInputError", () => {
  it("carries its violations, a stable reason and a readable message", () => {
    const error = new InvalidInputError([
      { field: "a", description: "is wrong" },
      { field: "b", description: "is worse" },
    ]);
    expect(error.reason).toBe("INVALID_ARGUMENT");
    expect(error.message).toBe("a: is wrong; b: is worse");
  });
});
