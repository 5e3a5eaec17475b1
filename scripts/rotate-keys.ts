// `npm run keys:rotate [-- --schema core] [-- --batch 500]`: re-wraps every data key under the
// current (first) master key of MASTER_KEYS (or MASTER_KEYS_FILE), online. The procedure
// (docs/security.md, "Encryption at rest"):
//
//   1. put the new master key first in MASTER_KEYS, keeping the old ones, and roll it out:
//      services now wrap new data keys with it and unwrap with any configured key;
//   2. run this with the same MASTER_KEYS and a DATABASE_URL that may update <schema>.data_keys;
//   3. once it reports 0 left, remove the old master key from MASTER_KEYS and roll out again
//      (a service refuses to start while a data key still needs a key it doesn't have).
//
// Without --schema, every schema that has a data_keys table is rotated. Exits 1 when a data key
// is left under another master key (e.g. one that isn't configured here).
import {
  ConfigError,
  createLogger,
  masterKeysSetting,
  readConfig,
  rewrapDataKeys,
  runtimeConfigSchema,
  securityEvent,
} from "@glidepath/runtime";
import pg from "pg";

const configSchema = runtimeConfigSchema
  .pick({ DATABASE_URL: true, LOG_LEVEL: true })
  .extend(masterKeysSetting);

function option(name: string): string[] {
  const values: string[] = [];
  const args = process.argv.slice(2);
  args.forEach((arg, i) => {
    if (arg === `--${name}` && args[i + 1]) values.push(args[i + 1] as string);
    else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
  });
  return values;
}

let config: ReturnType<typeof readConfig<typeof configSchema>>;
try {
  config = readConfig(configSchema);
} catch (e) {
  console.error(e instanceof ConfigError ? `keys:rotate: ${e.message}` : e);
  process.exit(2);
}
const logger = createLogger("keys", config.LOG_LEVEL);
const batchSize = Number(option("batch")[0] ?? 500);
const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 2 });
let failed = false;
try {
  const schemas = option("schema").length
    ? option("schema")
    : (
        await pool.query<{ schema: string }>(
          `select table_schema as schema from information_schema.tables
           where table_name = 'data_keys' order by 1`,
        )
      ).rows.map((r) => r.schema);
  if (schemas.length === 0) console.log("keys:rotate: no schema with a data_keys table");
  const sql = {
    query: async <R>(text: unknown, values?: unknown[]) =>
      (await pool.query(text as string, values)).rows as R[],
  };
  for (const schema of schemas) {
    const started = performance.now();
    const result = await rewrapDataKeys({ sql, schema, masterKeys: config.MASTER_KEYS, batchSize });
    const rewrapped = Object.values(result.rewrapped).reduce((a, n) => a + n, 0);
    securityEvent(logger, undefined, {
      event: "key_rotated",
      method: "rotate-keys",
      reason: result.remaining === 0 ? "DATA_KEYS_REWRAPPED" : "DATA_KEYS_LEFT",
      detail: schema,
    });
    logger.info(
      {
        event: "key_rotation",
        schema,
        master_key_id: result.masterKeyId,
        rewrapped: result.rewrapped,
        unreadable: result.unreadable,
        remaining: result.remaining,
        batches: result.batches,
        ms: Math.round(performance.now() - started),
      },
      "data keys re-wrapped",
    );
    const from = Object.entries(result.rewrapped).map(([id, n]) => `${n} from "${id}"`);
    console.log(
      `keys:rotate: ${schema}: ${rewrapped} data keys re-wrapped under "${result.masterKeyId}"` +
        `${from.length ? ` (${from.join(", ")})` : ""} in ${result.batches} batches, ${result.remaining} left`,
    );
    if (result.remaining > 0) {
      failed = true;
      const unreadable = Object.entries(result.unreadable).map(([id, n]) => `${n} under "${id}"`);
      console.error(
        `keys:rotate: ${schema}: ${result.remaining} data keys are not under "${result.masterKeyId}"` +
          `${unreadable.length ? ` (${unreadable.join(", ")} could not be unwrapped: is that master key in MASTER_KEYS?)` : " (made during this pass: run it again)"}`,
      );
    }
  }
} finally {
  await pool.end();
}
process.exit(failed ? 1 : 0);
