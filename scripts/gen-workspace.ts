/**
 * Generates a synthetic workspace with known habits (see services/ai/src/domain/suggest/synthetic.ts).
 *
 *   npm run gen:workspace -- --tasks N --seed S [--out tasks.jsonl] [--truth truth.jsonl]
 *
 * Prints a summary; with --out, writes the tasks (one HistoryTask per line, oldest first); with
 * --truth, writes the ground truth of each task ({"id", ...TaskTruth} per line) and the projects.
 */
import { writeFileSync } from "node:fs";
import { generateWorkspace, STALE_DAYS } from "../services/ai/src/domain/suggest/index.js";

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(
    "usage: npm run gen:workspace -- --tasks N --seed S [--out tasks.jsonl] [--truth truth.jsonl]",
  );
  process.exit(2);
}

interface Args {
  tasks: number;
  seed: number;
  out?: string;
  truth?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Partial<Args> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[++i];
    if (value === undefined) usage(`${arg} needs a value`);
    if (arg === "--tasks" || arg === "--seed") {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || (arg === "--tasks" && (n < 1 || n > 1_000_000))) {
        usage(`${arg} needs a whole number${arg === "--tasks" ? " from 1 to 1,000,000" : ""}`);
      }
      args[arg === "--tasks" ? "tasks" : "seed"] = n;
    } else if (arg === "--out" || arg === "--truth") {
      args[arg === "--out" ? "out" : "truth"] = value;
    } else {
      usage(`unknown argument ${arg}`);
    }
  }
  if (args.tasks === undefined || args.seed === undefined) usage("--tasks and --seed are required");
  return args as Args;
}

const pct = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const workspace = generateWorkspace({ tasks: args.tasks, seed: args.seed });
  const { tasks, truth, projects } = workspace;
  const nowMs = Date.parse(workspace.now);
  const today = workspace.now.slice(0, 10);
  const open = tasks.filter((t) => t.state === "OPEN");
  const truths = tasks.map((t) => truth[t.id]).filter((t) => t !== undefined);

  console.log(`workspace: ${tasks.length} tasks, seed ${args.seed}, now ${workspace.now}`);
  console.log(
    `  ${tasks[0]?.createTime.slice(0, 10)} .. ${tasks.at(-1)?.createTime.slice(0, 10)}; ` +
      `open ${open.length}, done ${tasks.filter((t) => t.state === "DONE").length}, ` +
      `cancelled ${tasks.filter((t) => t.state === "CANCELLED").length}`,
  );
  console.log(
    `  open and overdue ${open.filter((t) => t.due !== null && t.due.date < today).length}, ` +
      `open and untouched ${STALE_DAYS}+ days ` +
      `${open.filter((t) => nowMs - Date.parse(t.updateTime) >= STALE_DAYS * 86_400_000).length}, ` +
      `in the inbox ${tasks.filter((t) => t.projectId === null).length}`,
  );
  console.log(
    `  noise: filed against the habit ${pct(truths.filter((t) => t.misfiled).length, tasks.length)}, ` +
      `near-duplicates ${truths.filter((t) => t.duplicateOf !== null).length}, ` +
      `abandoned ${truths.filter((t) => t.abandoned).length}`,
  );
  console.log("  project      tasks  misfiling  labels (share of its tasks)");
  for (const project of projects) {
    const own = tasks.filter((t) => t.projectId === project.id);
    const labelCounts = new Map<string, number>();
    for (const t of own)
      for (const l of t.labels) labelCounts.set(l, (labelCounts.get(l) ?? 0) + 1);
    const labels = [...labelCounts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([l, n]) => `@${l} ${pct(n, own.length)}`)
      .join(", ");
    console.log(
      `  ${project.name.padEnd(10)} ${String(own.length).padStart(7)}  ${pct(project.misfiling, 1).padStart(9)}  ${labels}`,
    );
  }

  if (args.out) {
    writeFileSync(args.out, `${tasks.map((t) => JSON.stringify(t)).join("\n")}\n`);
    console.log(`wrote ${tasks.length} tasks to ${args.out}`);
  }
  if (args.truth) {
    const lines = [
      JSON.stringify({ projects }),
      ...tasks.map((t) => JSON.stringify({ id: t.id, ...truth[t.id] })),
    ];
    writeFileSync(args.truth, `${lines.join("\n")}\n`);
    console.log(`wrote the ground truth to ${args.truth}`);
  }
}

main();
