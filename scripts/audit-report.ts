// Reads `npm audit --omit=dev --json` on stdin and decides, against the written waivers in
// audit-waivers.json: exit 0 when no high or critical advisory is left unwaived, 1 when one is,
// 3 when npm could not reach the registry's audit endpoint (NOT CHECKED; scripts/audit.sh
// decides what that means). A waiver names one advisory (GHSA id or npm advisory number), the
// package, why it doesn't apply or can't be fixed yet, who decided, and when it expires.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export interface Waiver {
  advisory: string;
  package: string;
  reason: string;
  approvedBy: string;
  /** YYYY-MM-DD; an expired waiver waives nothing. */
  expires: string;
}

interface Via {
  source?: number;
  name?: string;
  title?: string;
  url?: string;
  severity?: string;
}

interface AuditReport {
  error?: unknown;
  message?: string;
  vulnerabilities?: Record<string, { severity?: string; via?: (Via | string)[] }>;
  metadata?: { vulnerabilities?: Record<string, number> };
}

export interface Assessment {
  checked: boolean;
  counts: Record<string, number>;
  /** High and critical advisories: `id package severity title`. */
  failing: string[];
  waived: string[];
  expiredWaivers: string[];
}

const blocking = new Set(["high", "critical"]);

export function assess(report: AuditReport, waivers: Waiver[], today: string): Assessment {
  if (report.error !== undefined || !report.vulnerabilities) {
    return { checked: false, counts: {}, failing: [], waived: [], expiredWaivers: [] };
  }
  const live = waivers.filter((w) => w.expires >= today);
  const expiredWaivers = waivers.filter((w) => w.expires < today).map((w) => w.advisory);
  const seen = new Set<string>();
  const failing: string[] = [];
  const waived: string[] = [];
  for (const vulnerability of Object.values(report.vulnerabilities)) {
    for (const via of vulnerability.via ?? []) {
      if (typeof via === "string" || !blocking.has(via.severity ?? "")) continue;
      const ghsa = /GHSA-[\w-]+/.exec(via.url ?? "")?.[0];
      const id = ghsa ?? String(via.source ?? "unknown");
      const line = `${id} ${via.name ?? "?"} ${via.severity}: ${via.title ?? ""}`;
      if (seen.has(line)) continue;
      seen.add(line);
      const waiver = live.find(
        (w) => (w.advisory === ghsa || w.advisory === String(via.source)) && w.package === via.name,
      );
      (waiver ? waived : failing).push(line);
    }
  }
  return {
    checked: true,
    counts: report.metadata?.vulnerabilities ?? {},
    failing,
    waived,
    expiredWaivers,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(import.meta.dirname, "..");
  const input = readFileSync(0, "utf8");
  let report: AuditReport;
  try {
    report = JSON.parse(input) as AuditReport;
  } catch {
    report = { error: "npm audit printed no JSON" };
  }
  const waivers = JSON.parse(readFileSync(resolve(root, "audit-waivers.json"), "utf8"))
    .waivers as Waiver[];
  const result = assess(report, waivers, new Date().toISOString().slice(0, 10));
  if (!result.checked) {
    console.error("audit: the registry's audit endpoint did not answer; NOT CHECKED on this run");
    console.error(input.slice(0, 300));
    process.exit(3);
  }
  console.log(`audit: production dependencies: ${JSON.stringify(result.counts)}`);
  for (const line of result.waived) console.log(`audit: waived (audit-waivers.json): ${line}`);
  for (const id of result.expiredWaivers) console.log(`audit: waiver ${id} has expired`);
  for (const line of result.failing) console.log(`audit: NOT WAIVED: ${line}`);
  console.log(
    `audit: ${result.failing.length} high/critical advisories unwaived, ${result.waived.length} waived`,
  );
  process.exit(result.failing.length > 0 ? 1 : 0);
}
