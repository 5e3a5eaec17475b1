import type { MikroORM } from "@mikro-orm/postgresql";

/** A PostgreSQL connection as knex (under MikroORM) hands it out: a node-postgres client. */
interface PgClient {
  query(config: {
    text: string;
    values?: unknown[];
    name?: string;
  }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/**
 * A statement PostgreSQL parses and plans once per connection, then only executes: for the
 * hot, fixed statements (dynamic SQL such as filters stays unnamed).
 */
export interface PreparedStatement {
  name: string;
  text: string;
}

export const prepare = (name: string, text: string): PreparedStatement => ({ name, text });

export interface Sql {
  /** Runs one statement with server-side parameters ($1, $2, ...); arrays bind as arrays. */
  query<R = Record<string, unknown>>(
    statement: string | PreparedStatement,
    values?: unknown[],
  ): Promise<R[]>;
  /** Like `query`, returning the number of rows affected. */
  execute(statement: string | PreparedStatement, values?: unknown[]): Promise<number>;
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
    const run = (statement: string | PreparedStatement, values: unknown[] = []) => {
      // Fields named, not `{ ...statement, values }`: on Node 20 a property added after a
      // spread costs about a microsecond, on every query.
      const config =
        typeof statement === "string"
          ? { text: statement, values }
          : { name: statement.name, text: statement.text, values };
      return conn ? conn.query(config) : onConnection((c) => c.query(config));
    };
    return {
      query: async <R>(statement: string | PreparedStatement, values?: unknown[]) =>
        (await run(statement, values)).rows as R[],
      execute: async (statement, values) => (await run(statement, values)).rowCount ?? 0,
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
