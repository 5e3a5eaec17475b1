import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { permissionTable } from "../src/adapters/rpc/permission-table.js";

/** A Markdown table's cells without the padding a formatter adds. */
const cells = (markdown: string) =>
  markdown
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) => line.replace(/\s*\|\s*/g, "|").replace(/-{3,}/g, "---"))
    .join("\n");

describe("docs/security.md", () => {
  it("carries the ai permission table the code enforces", () => {
    const doc = readFileSync(new URL("../../../docs/security.md", import.meta.url), "utf8");
    expect(cells(doc)).toContain(cells(permissionTable()));
  });
});
