import { describe, expect, it } from "vitest";
import { jaccard, modelTokens, trigrams, words } from "./text.js";

describe("words", () => {
  it("lower-cases, folds accents, drops stop words and one-letter words, strips plurals", () => {
    expect(words("Send the invoices to ACME, a client!")).toEqual([
      "send",
      "invoice",
      "acme",
      "client",
    ]);
    expect(words("Café crème brûlée")).toEqual(["cafe", "creme", "brulee"]);
    expect(words("Buy groceries; check glass status")).toEqual([
      "buy",
      "grocery",
      "check",
      "glass",
      "status",
    ]);
    expect(words("PR 123")).toEqual(["pr", "123"]);
  });
});

describe("modelTokens", () => {
  it("adds bigrams of words side by side, broken by stop words and numbers", () => {
    const tokens = modelTokens("Fix leaking tap in the kitchen");
    expect(tokens).toEqual(["fix", "leaking", "fix leaking", "tap", "leaking tap", "kitchen"]);
    expect(modelTokens("Review PR 123 today")).toEqual(["review", "pr", "review pr", "today"]);
  });

  it("adds distinct note words without bigrams, and no duplicates", () => {
    expect(modelTokens("Call Anna", "Anna asked about the invoice")).toEqual([
      "call",
      "anna",
      "call anna",
      "asked",
      "invoice",
    ]);
  });
});

describe("trigrams / jaccard", () => {
  it("makes typos look alike and different words not", () => {
    const a = trigrams(words("Book dentist appointment"));
    const typo = trigrams(words("Boko dentist appointment"));
    const other = trigrams(words("Pay electricity bill"));
    expect(jaccard(a, typo)).toBeGreaterThan(0.7);
    expect(jaccard(a, other)).toBeLessThan(0.1);
    expect(jaccard(new Set(), new Set())).toBe(0);
  });
});
