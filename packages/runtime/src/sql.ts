import type { MikroORM } from "@mikro-orm/postgresql";

/** A PostgreSQL connection as knex (under MikroORM) hands it out: a node-postgres client. */
interface PgClient {
  query(config: {
    text: string;
    values?: unknown[];
    name?: string;
  }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

export interface Sql {
  /** Runs one statement with server-side parameters ($1, $2, ...); arrays bind as arrays. */
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /** Like `query`, returning the number of rows affected. */
  execute(text: string, values?: unknown[]): Promise<number>;
  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
}

/**
 * SQL over MikroORM's own connection pool. Repositories write SQL where one statement or one
 * transaction must carry a change and its change-feed row; the ORM owns the pool and migrations.
 */
export function createSql(orm: MikroORM): Sql {
  const client = orm.em.getConnection().getKnex().client as {
    acquireConnection(): Promise<PgClient>;
    releaseConnection(conn: PgClient): Promise<void>;
  };
  const onConnection = async <T>(work: (conn: PgClient) => Promise<T>): Promise<T> => {
    const conn = await client.acquireConnection();
    try {
      return await work(conn);
    } finally {
      await client.releaseConnection(conn);
    }
  };
  const bound = (conn: PgClient | undefined): Sql => {
    const run = (text: string, values: unknown[] = []) =>
      conn ? conn.query({ text, values }) : onConnection((c) => c.query({ text, values }));
    return {
      query: async <R>(text: string, values?: unknown[]) => (await run(text, values)).rows as R[],
      execute: async (text, values) => (await run(text, values)).rowCount ?? 0,
      transaction: (work) =>
        conn
          ? work(bound(conn))
          : onConnection(async (c) => {
              await c.query({ text: "begin" });
              try {
                const result = await work(bound(c));
                await c.query({ text: "commit" });
                return result;
              } catch (e) {
                await c.query({ text: "rollback" }).catch(() => undefined);
                throw e;
              }
            }),
    };
  };
  return bound(undefined);
}
