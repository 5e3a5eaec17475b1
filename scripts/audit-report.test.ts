// The audit gate's decisions (scripts/audit-report.ts), on npm audit's JSON shape: high and
// critical advisories fail unless a live written waiver names them; an unreachable endpoint is
// NOT CHECKED, never "clean".
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { assess, type Waiver } from "./audit-report.js";

const report = {
  auditReportVersion: 2,
  vulnerabilities: {
    "left-pad": {
      severity: "high",
      via: [
        {
          source: 1001,
          name: "left-pad",
          title: "Prototype pollution",
          url: "https://github.com/advisories/GHSA-aaaa-bbbb-cccc",
          severity: "high",
        },
      ],
    },
    "uses-left-pad": { severity: "high", via: ["left-pad"] },
    "tiny-glob": {
      severity: "moderate",
      via: [{ source: 1002, name: "tiny-glob", title: "ReDoS", severity: "moderate" }],
    },
    "old-crypto": {
      severity: "critical",
      via: [
        {
          source: 1003,
          name: "old-crypto",
          title: "Weak IV",
          url: "https://github.com/advisories/GHSA-dddd-eeee-ffff",
          severity: "critical",
        },
      ],
    },
  },
  metadata: { vulnerabilities: { moderate: 1, high: 2, critical: 1, total: 4 } },
};

const waiver = (advisory: string, pkg: string, expires: string): Waiver => ({
  advisory,
  package: pkg,
  reason: "only reachable from a build-time code path we never call",
  approvedBy: "security",
  expires,
});

describe("audit gate", () => {
  it("fails on each unwaived high or critical advisory, once", () => {
    const r = assess(report, [], "2026-11-27");
    expect(r.checked).toBe(true);
    expect(r.failing).toEqual([
      "GHSA-aaaa-bbbb-cccc left-pad high: Prototype pollution",
      "GHSA-dddd-eeee-ffff old-crypto critical: Weak IV",
    ]);
  });

  it("honours a live waiver for that advisory and package only, and not an expired one", () => {
    const r = assess(
      report,
      [
        waiver("GHSA-aaaa-bbbb-cccc", "left-pad", "2027-01-01"),
        waiver("GHSA-dddd-eeee-ffff", "old-crypto", "2026-11-26"),
        waiver("1002", "other-package", "2027-01-01"),
      ],
      "2026-11-27",
    );
    expect(r.waived).toEqual(["GHSA-aaaa-bbbb-cccc left-pad high: Prototype pollution"]);
    expect(r.failing).toEqual(["GHSA-dddd-eeee-ffff old-crypto critical: Weak IV"]);
    expect(r.expiredWaivers).toEqual(["GHSA-dddd-eeee-ffff"]);
  });

  it("says NOT CHECKED when npm could not reach the audit endpoint", () => {
    const r = assess({ message: "405 Method Not Allowed", error: {} }, [], "2026-11-27");
    expect(r.checked).toBe(false);
    expect(assess({}, [], "2026-11-27").checked).toBe(false);
  });

  it("keeps every written waiver complete: advisory, package, reason, who, expiry", () => {
    const file = JSON.parse(
      readFileSync(resolve(import.meta.dirname, "..", "audit-waivers.json"), "utf8"),
    ) as { waivers: Waiver[] };
    for (const w of file.waivers) {
      expect(w.advisory).toMatch(/^(GHSA-[\w-]+|\d+)$/);
      expect(w.package).not.toBe("");
      expect(w.reason.length).toBeGreaterThan(20);
      expect(w.approvedBy).not.toBe("");
      expect(w.expires).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    console.log(`audit: ${file.waivers.length} written waivers`);
  });
});
