// Applies one service's pending database migrations, then exits (0 on success).
//
//   node --import tsx deploy/migrate.mjs core
//
// The Kubernetes migration Job (deploy/k8s/migration-job.yaml) and compose's `core-migrate` run
// this, so the serving pods run with MIGRATE_ON_START=false and, in production, with a database
// role that has no DDL rights. It reads DATABASE_URL (or DATABASE_URL_FILE) like the service, and
// takes the same advisory lock as MIGRATE_ON_START, so it is safe beside replicas that migrate.
// Every service keeps its migrations in services/<name>/src/adapters/db/migrations/index.ts.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  ConfigError,
  createLogger,
  migrateUp,
  openDatabase,
  readConfig,
  runtimeConfigSchema,
} from "@glidepath/runtime";

const service = process.argv[2] ?? "";
if (!/^[a-z][a-z0-9-]*$/.test(service)) {
  console.error("usage: node --import tsx deploy/migrate.mjs <service>");
  process.exit(2);
}
const index = new URL(
  `../services/${service}/src/adapters/db/migrations/index.ts`,
  import.meta.url,
);
if (!existsSync(fileURLToPath(index))) {
  console.error(`${service}: no migrations at ${fileURLToPath(index)}`);
  process.exit(2);
}

const logger = createLogger(`${service}-migrate`, process.env.LOG_LEVEL ?? "info");
let config;
try {
  config = readConfig(runtimeConfigSchema.pick({ DATABASE_URL: true }));
} catch (e) {
  console.error(e instanceof ConfigError ? `${service}-migrate: ${e.message}` : e);
  process.exit(1);
}
const { migrations } = await import(index.href);
const orm = await openDatabase({
  schema: service,
  url: config.DATABASE_URL,
  entities: [],
  migrations,
  poolMax: 2,
  // DDL on a big table can take long; 0 disables statement_timeout for this session only.
  statementTimeoutMs: Number(process.env.MIGRATE_STATEMENT_TIMEOUT_MS ?? 0),
});
const started = performance.now();
try {
  await migrateUp(orm, service);
  logger.info(
    {
      event: "migrated",
      schema: service,
      migrations: migrations.length,
      duration_ms: Math.round(performance.now() - started),
    },
    `${service} schema is up to date`,
  );
} catch (e) {
  logger.error({ event: "migration_failed", schema: service, err: e }, "migration failed");
  process.exitCode = 1;
} finally {
  await orm.close();
}
