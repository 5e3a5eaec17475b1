/**
 * Evaluates the quick-add parser on a JSONL file in the format of /work/shared/eval/README.md.
 *
 *   npm run eval:parse -- FILE.jsonl [--out predictions.jsonl] [--misses]
 *
 * Prints per-field accuracy, the all-fields-right share and the throughput (sentences/s in one
 * process: 20 repetitions of the file after a warm-up, median of 5 such rounds).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import {
  FIELDS,
  predict,
  readCases,
  score,
} from "../services/ai/src/domain/quick-add/evaluation.js";
import { PARSER_VERSION, parseQuickAdd } from "../services/ai/src/domain/quick-add/index.js";

const REPETITIONS = 20;
const ROUNDS = 5;
// V8 needs a while to optimise chrono's and our regex-heavy paths; measure the steady state.
const WARM_UP_MS = 1500;
const MIN_WARM_UP_REPETITIONS = 5;

function usage(message?: string): never {
  if (message) console.error(message);
  console.error("usage: npm run eval:parse -- FILE.jsonl [--out predictions.jsonl] [--misses]");
  process.exit(2);
}

function parseArgs(argv: string[]): { file: string; out?: string; misses: boolean } {
  let file: string | undefined;
  let out: string | undefined;
  let misses = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--out") {
      out = argv[++i];
      if (!out) usage("--out needs a file name");
    } else if (arg === "--misses") {
      misses = true;
    } else if (arg?.startsWith("--")) {
      usage(`unknown option ${arg}`);
    } else if (arg !== undefined) {
      if (file) usage("only one input file");
      file = arg;
    }
  }
  if (!file) usage();
  return out === undefined ? { file, misses } : { file, out, misses };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const cases = readCases(readFileSync(args.file, "utf8"));
  const predictions = cases.map(predict);
  const result = score(cases, predictions);

  console.log(`parser ${PARSER_VERSION} on ${args.file} (${result.total} sentences)`);
  for (const field of FIELDS) {
    console.log(`  ${field.padEnd(18)} ${percent(result.perField[field]).padStart(6)}`);
  }
  console.log(`  ${"all fields right".padEnd(18)} ${percent(result.allFieldsRight).padStart(6)}`);

  if (args.misses) {
    for (const miss of result.misses) {
      console.log(`\n✗ ${miss.text}  [${miss.fields.join(", ")}]`);
      for (const field of miss.fields) {
        console.log(`    expected ${field}: ${JSON.stringify(miss.expected[field])}`);
        console.log(`    got      ${field}: ${JSON.stringify(miss.predicted?.[field] ?? null)}`);
      }
    }
  }

  if (args.out) {
    const lines = cases.map((c, i) => JSON.stringify({ text: c.text, predict: predictions[i] }));
    writeFileSync(args.out, `${lines.join("\n")}\n`);
    console.log(`predictions written to ${args.out}`);
  }

  const inputs = cases.map((c) => ({
    text: c.text,
    referenceTime: c.reference_time,
    timeZone: c.time_zone,
  }));
  const runAll = () => {
    for (const input of inputs) {
      try {
        parseQuickAdd(input);
      } catch {
        // Input errors are part of the workload too.
      }
    }
  };
  const warmUpStarted = performance.now();
  for (
    let i = 0;
    i < MIN_WARM_UP_REPETITIONS || performance.now() - warmUpStarted < WARM_UP_MS;
    i++
  ) {
    runAll();
  }
  // Other processes on the machine make single timings noisy: report the median of 5 rounds.
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < REPETITIONS; i++) runAll();
    const seconds = (performance.now() - started) / 1000;
    rates.push((inputs.length * REPETITIONS) / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] ?? 0;
  console.log(
    `throughput: ${Math.round(median)} sentences/s (median of ${ROUNDS} rounds of ${REPETITIONS} repetitions x ${inputs.length} sentences; slowest round ${Math.round(rates[0] ?? 0)}/s)`,
  );
}

main();
