import { type Migration, Migrator } from "@mikro-orm/migrations";
import { type EntitySchema, MikroORM } from "@mikro-orm/postgresql";
import { ConfigError } from "./config.js";
import { isPostgresTlsError, postgresSslFrom } from "./postgres-ssl.js";

export type { EntityManager, MikroORM } from "@mikro-orm/postgresql";

export interface DatabaseOptions {
  /** The service's own schema; every table of the service lives in it. */
  schema: string;
  url: string;
  entities: EntitySchema[];
  migrations: { name: string; class: new (...args: never[]) => Migration }[];
  poolMax: number;
  statementTimeoutMs: number;
}

/**
 * One MikroORM instance per service, bound to the service's schema. The URL's `sslmode`
 * (and `sslrootcert`, `sslcert`, `sslkey`) is honoured (see postgres-ssl.ts); a TLS failure
 * at start is a `ConfigError` naming DATABASE_URL.
 */
export async function openDatabase(options: DatabaseOptions): Promise<MikroORM> {
  const { mode, ssl } = postgresSslFrom(options.url);
  return MikroORM.init({
    clientUrl: options.url,
    schema: options.schema,
    entities: options.entities,
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: {
      migrationsList: options.migrations as never,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    pool: { min: 0, max: options.poolMax },
    driverOptions: { connection: { statement_timeout: options.statementTimeoutMs, ssl } },
    allowGlobalContext: false,
    debug: false,
  }).catch((e: unknown) => {
    if (!isPostgresTlsError(e)) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`DATABASE_URL: sslmode=${mode} doesn't work with this server: ${why}`);
  });
}

/** Applies pending migrations; an advisory lock keeps replicas from migrating at once. */
export async function migrateUp(orm: MikroORM, schema: string): Promise<void> {
  await withMigrationLock(orm, schema, () => orm.getMigrator().up());
}

/** Reverts every migration (tests prove each `down` works). */
export async function migrateDownAll(orm: MikroORM, schema: string): Promise<void> {
  await withMigrationLock(orm, schema, () => orm.getMigrator().down({ to: 0 }));
}

async function withMigrationLock(orm: MikroORM, schema: string, fn: () => Promise<unknown>) {
  const knex = orm.em.getConnection().getKnex();
  const key = `glidepath.migrations.${schema}`;
  // Session-level advisory locks need one connection held for the whole run.
  const conn = await knex.client.acquireConnection();
  try {
    await conn.query("select pg_advisory_lock(hashtext($1))", [key]);
    try {
      await fn();
    } finally {
      await conn.query("select pg_advisory_unlock(hashtext($1))", [key]);
    }
  } finally {
    await knex.client.releaseConnection(conn);
  }
}

/** True when the database answers a trivial query within `timeoutMs`. */
export async function probeDatabase(orm: MikroORM, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      orm.em
        .getConnection()
        .execute("select 1")
        .then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
