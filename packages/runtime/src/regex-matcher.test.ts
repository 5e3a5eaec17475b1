import { readFileSync } from "node:fs";
import { createFileRegistry, fromBinary, getOption } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { type FieldRules, field } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { RE2JS } from "@bufbuild/re2";
import { contractImagePath } from "@glidepath/contracts/image";
import { describe, expect, it } from "vitest";
import { createRegexMatcher, toPlatformRegex } from "./regex-matcher.js";

const re2Match = (pattern: string, against: string) => RE2JS.compile(pattern).test(against);

/** Every string.pattern rule in the published contracts (fields and repeated items). */
function contractPatterns(): string[] {
  const registry = createFileRegistry(
    fromBinary(FileDescriptorSetSchema, readFileSync(contractImagePath)),
  );
  const patterns = new Set<string>();
  const collect = (rules: FieldRules | undefined) => {
    if (rules?.type.case === "string" && rules.type.value.pattern) {
      patterns.add(rules.type.value.pattern);
    }
    if (rules?.type.case === "repeated") collect(rules.type.value.items);
  };
  for (const type of registry) {
    if (type.kind === "message") for (const f of type.fields) collect(getOption(f, field));
  }
  return [...patterns];
}

// Characters on which RE2 and V8 could read a pattern differently: line breaks, Unicode spaces
// (JavaScript's \s takes them, RE2's doesn't), controls, surrogate pairs, class syntax.
const tricky = [
  "\n",
  "\r",
  "\t",
  "\v",
  "\f",
  "\u0000",
  "\u001f",
  "\u007f",
  "\u00a0",
  "\u2028",
  "\u3000",
  "é",
  "😀",
  " ",
  "-",
  "]",
  "^",
  "_",
  ".",
  "/",
];

/** A matching example of each pattern shape we use, to mutate around. */
const uuid = "0192e4c5-7f6a-7b3c-8d9e-0f1a2b3c4d5e";
const seeds = [
  "",
  "a",
  "work",
  "abcc",
  "a5-z",
  `workspaces/${uuid}`,
  `workspaces/${uuid}/tasks/${uuid}`,
  `workspaces/${uuid}/projects/${uuid}`,
  `workspaces/${uuid}/members/user-1@example.com`,
  `workspaces/${uuid}/models/42`,
  "2026-12-04T09:30",
  "2026-12-04T09:30:15",
  "Write the quarterly report",
];

/** Every seed; each one the pattern matches also with one character deleted, replaced or inserted. */
function* corpus(pattern: string): Generator<string> {
  for (const seed of seeds) {
    yield seed;
    if (!re2Match(pattern, seed)) continue;
    const chars = [...seed];
    for (let i = 0; i <= chars.length; i++) {
      if (i < chars.length) yield [...chars.slice(0, i), ...chars.slice(i + 1)].join("");
      for (const c of tricky) {
        if (i < chars.length) yield [...chars.slice(0, i), c, ...chars.slice(i + 1)].join("");
        yield [...chars.slice(0, i), c, ...chars.slice(i)].join("");
      }
    }
  }
}

// Patterns beside the contracts', for the translation itself.
const translated = [
  "^[^\\s@#,\\x00-\\x1f\\x7f]{1,64}$",
  "^\\d{4}-\\w+$",
  "^[a-z-]+$",
  "^[-a-z]*$",
  "^[^-a]*$",
  "^[\\x20-\\x7e]{0,10}$",
  "^a\\.b\\/c\\-d$",
  "^x(:[0-9]{2})?$",
  "^é😀$",
  "^[a\\d-z]+$",
  "^(ab)?c{2,}$",
];
// Patterns that could backtrack badly, or that V8 reads differently: left to RE2.
const leftToRe2 = [
  "^(a+)+$",
  "^(a|b)*$",
  "^a*b*$",
  "^.*$",
  "^[[:alpha:]]+$",
  "^\\S+$",
  "^a*?$",
  "^\\pL+$",
  "^(?i)abc$",
  "a^b",
  "^(a?){3}$",
  "workspaces/",
  "^a?a?a?a?a?a?a?a?a?a?a?$",
  "^[a-z]{0,100}[a-z]{0,100}$",
];

describe("regex matcher", () => {
  it("runs every contract pattern on RegExp, agreeing with RE2 on every probe", () => {
    const patterns = contractPatterns();
    expect(patterns.length).toBeGreaterThan(5);
    const match = createRegexMatcher();
    let compared = 0;
    let matched = 0;
    const disagreements: string[] = [];
    for (const pattern of [...patterns, ...translated]) {
      expect(toPlatformRegex(pattern), pattern).not.toBeNull();
      for (const input of corpus(pattern)) {
        compared++;
        const expected = re2Match(pattern, input);
        if (expected) matched++;
        if (match(pattern, input) !== expected) disagreements.push(`${pattern} ~ ${input}`);
      }
    }
    console.log(
      `regex matcher: ${patterns.length} contract + ${translated.length} other patterns on RegExp; ` +
        `compared ${compared} inputs with RE2 (${matched} matching), disagreements ${disagreements.length}`,
    );
    expect(disagreements).toEqual([]);
  });

  it("leaves patterns that could backtrack badly, or read differently, to RE2", () => {
    for (const pattern of leftToRe2) expect(toPlatformRegex(pattern), pattern).toBeNull();
    // RE2's linear time still holds where RegExp would take exponential time (it would hang).
    const match = createRegexMatcher();
    expect(match("^(a+)+$", `${"a".repeat(40)}!`)).toBe(false);
  });
});
