/**
 * Evaluates the suggestion models on a synthetic workspace with known habits.
 *
 *   npm run eval:suggest -- [--tasks 10000] [--seed 1]
 *
 * Generates the workspace, trains on it as it stood when its newest 20% of tasks had not been
 * added yet (timed), and prints: held-out project and label accuracy on those newer tasks, the
 * model's own calibration report (cross-fitted on its held-out history), the reliability of the
 * served confidences on the newer tasks and on the triage of the workspace at the cut-off (judged
 * by what happened later), the 0.9-1.0 bucket per kind and overall, training time (on the 80% and
 * on all tasks), and SuggestTaskChanges latency over 1,000 tasks. Figures are printed, not
 * asserted.
 */
import { performance } from "node:perf_hooks";
import {
  type CalibrationReport,
  evaluateSuggestions,
  generateWorkspace,
  indexOpenTasks,
  type ReliabilitySummary,
  serializeModel,
  splitWorkspace,
  suggestTaskChanges,
  trainWorkspaceModel,
} from "../services/ai/src/domain/suggest/index.js";

const LATENCY_TASKS = 1000;

function usage(message?: string): never {
  if (message) console.error(message);
  console.error("usage: npm run eval:suggest -- [--tasks N] [--seed S]");
  process.exit(2);
}

function parseArgs(argv: string[]): { tasks: number; seed: number } {
  const out = { tasks: 10_000, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = Number(argv[i + 1]);
    if (arg === "--tasks" || arg === "--seed") {
      if (!Number.isSafeInteger(value) || (arg === "--tasks" && value < 10)) {
        usage(`${arg} needs a whole number${arg === "--tasks" ? " of at least 10" : ""}`);
      }
      out[arg === "--tasks" ? "tasks" : "seed"] = value;
      i++;
    } else {
      usage(`unknown argument ${arg}`);
    }
  }
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);
const num = (x: number) => x.toFixed(3);

function reliabilityLine(label: string, r: ReliabilitySummary): string {
  const top = r.topBucket.examples
    ? `${pct(r.topBucket.accuracy)} of ${r.topBucket.examples}`
    : "empty";
  return (
    `  ${label.padEnd(16)} n=${String(r.examples).padStart(6)}  right ${pct(r.accuracy)}  ` +
    `ECE ${num(r.ece)} [${num(r.eceInterval[0])}, ${num(r.eceInterval[1])}]  0.9-1.0: ${top}`
  );
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const workspace = generateWorkspace({ tasks: args.tasks, seed: args.seed });
  const split = splitWorkspace(workspace);
  const names = Object.fromEntries(workspace.projects.map((p) => [p.id, p.name]));
  console.log(
    `workspace: ${args.tasks} tasks, seed ${args.seed}; trained on ${split.history.length} as of ` +
      `${split.at.toISOString()}, ${split.unseen.length} added later are held out`,
  );

  const started = performance.now();
  const model = trainWorkspaceModel(split.history, { now: split.at, seed: args.seed });
  const trainMs = performance.now() - started;
  console.log(
    `training: ${(trainMs / 1000).toFixed(2)} s  (model ${model.version}, ${(serializeModel(model).length / 1024).toFixed(0)} KiB JSON)`,
  );
  if (model.history.notice) console.log(`notice: ${model.history.notice}`);
  const fullStarted = performance.now();
  trainWorkspaceModel(workspace.tasks, { now: new Date(workspace.now), seed: args.seed });
  console.log(
    `training on all ${workspace.tasks.length} tasks (as of ${workspace.now}): ` +
      `${((performance.now() - fullStarted) / 1000).toFixed(2)} s`,
  );

  console.log("\nmodel report (isotonic, cross-fitted on the newest 20% of its history):");
  for (const r of model.reports) console.log(reportLine(r));

  const evaluation = evaluateSuggestions(model, workspace, split, args.seed);
  const { project, labels } = evaluation;
  console.log(`\nheld-out tasks (${split.unseen.length} added after the cut-off):`);
  console.log(
    `  project accuracy ${pct(project.accuracy)} of ${project.tasks} filed tasks ` +
      `(majority baseline ${pct(project.majorityBaseline)}; against the habit ${pct(project.habitAccuracy)})`,
  );
  console.log(
    `  labels: exact-set accuracy ${pct(labels.exactSetAccuracy)}, micro-F1 ${num(labels.microF1)} ` +
      `(predicted set: labels at confidence >= 0.5, over ${labels.tasks} tasks)`,
  );
  console.log(
    `\nserved confidences (changes on held-out tasks vs what was recorded; ${evaluation.triage} triage` +
      " suggestions at the cut-off vs what happened later):",
  );
  for (const k of evaluation.kinds) console.log(reliabilityLine(k.kind, k));
  console.log(reliabilityLine("overall", evaluation.overall));

  // Latency: one SuggestTaskChanges per task, against an index of the open tasks built once (as
  // a cache would hold it) and against the plain list (indexed on every call).
  const open = split.history.filter((t) => t.state === "OPEN");
  const index = indexOpenTasks(open);
  const probe = split.unseen.slice(0, LATENCY_TASKS);
  const options = { now: split.at, projectNames: names };
  for (const [label, openTasks] of [
    ["prebuilt index", index],
    ["list of open tasks", open],
  ] as const) {
    for (const task of probe.slice(0, 200)) suggestTaskChanges(model, task, openTasks, options);
    const times: number[] = [];
    for (const task of probe) {
      const t0 = performance.now();
      suggestTaskChanges(model, task, openTasks, options);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(
      `${label === "prebuilt index" ? "\n" : ""}SuggestTaskChanges over ${times.length} tasks, ${open.length} open (${label}): ` +
        `p50 ${percentile(times, 0.5).toFixed(2)} ms, p99 ${percentile(times, 0.99).toFixed(2)} ms`,
    );
  }

  const example = probe.find((t) => t.projectId !== null) ?? probe[0];
  if (example) {
    console.log(`\nexample: “${example.title}” (inbox) →`);
    for (const s of suggestTaskChanges(model, { ...example, projectId: null }, index, options)) {
      console.log(`  ${s.confidence.toFixed(2)} ${JSON.stringify(s.action)}  ${s.explanation}`);
    }
  }
}

function reportLine(r: CalibrationReport): string {
  if (r.status === "not_learned") return `  ${r.kind.padEnd(16)} ${r.reason}`;
  const line = reliabilityLine(r.kind, r);
  return r.status === "calibrated" ? line : `${line}  (${r.reason})`;
}

main();
