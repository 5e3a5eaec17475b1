// The ai schema's migrations are reversible (RELIABILITY.md promise 9): on a fresh database,
// up → down → up leaves exactly the schema the first up made, and down leaves nothing of ai
// behind but the migrator's own bookkeeping table.

import { type MikroORM, migrateDownAll, migrateUp, openDatabase } from "@glidepath/runtime";
import { createTestDatabase } from "@glidepath/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { migrations } from "../src/adapters/db/migrations/index.js";

const schema = "ai";
const bookkeeping = "mikro_orm_migrations";

async function captureSchema(client: pg.Client) {
  const q = async (text: string) =>
    (await client.query(text, [schema])).rows.map((r) => JSON.stringify(r)).sort();
  return {
    tables: await q(`select table_name from information_schema.tables where table_schema = $1`),
    columns: await q(
      `select table_name, column_name, ordinal_position, data_type, is_nullable, column_default
       from information_schema.columns where table_schema = $1`,
    ),
    indexes: await q(`select tablename, indexname, indexdef from pg_indexes where schemaname = $1`),
    constraints: await q(
      `select cl.relname as table_name, c.conname, c.contype, pg_get_constraintdef(c.oid, true) as definition
       from pg_constraint c join pg_namespace n on n.oid = c.connamespace
       left join pg_class cl on cl.oid = c.conrelid where n.nspname = $1`,
    ),
  };
}

describe("ai migrations", () => {
  let database: { url: string; drop(): Promise<void> };
  let orm: MikroORM;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase(inject("postgresAdminUrl"));
    orm = await openDatabase({
      schema,
      url: database.url,
      entities: [],
      migrations,
      poolMax: 2,
      statementTimeoutMs: 30_000,
    });
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await orm?.close(true);
    await database?.drop();
  });

  const applied = async () =>
    (await client.query(`select name from ${schema}.${bookkeeping} order by id`)).rows.map(
      (r) => r.name as string,
    );

  it("up → down → up leaves the same schema, and down leaves nothing of ai", async () => {
    expect((await captureSchema(client)).tables).toEqual([]);
    await migrateUp(orm, schema);
    const first = await captureSchema(client);
    expect(first.tables.map((t) => JSON.parse(t).table_name).sort()).toEqual(
      [bookkeeping, "model_calibrations", "models", "rate_limits"].sort(),
    );
    // Every table is keyed by workspace first (tenant isolation, the distribution key).
    for (const table of ["models", "model_calibrations"]) {
      const pk = first.constraints
        .map((c) => JSON.parse(c))
        .find((c) => c.table_name === table && c.contype === "p");
      expect(pk?.definition, table).toMatch(/^PRIMARY KEY \(workspace_id, /);
    }
    await migrateUp(orm, schema);
    expect(await captureSchema(client)).toEqual(first);

    await migrateDownAll(orm, schema);
    const down = await captureSchema(client);
    expect(down.tables.map((t) => JSON.parse(t).table_name)).toEqual([bookkeeping]);
    expect(down.indexes.filter((i) => !i.includes(bookkeeping))).toEqual([]);
    expect(await applied()).toEqual([]);

    await migrateUp(orm, schema);
    expect(await captureSchema(client)).toEqual(first);
    expect(await applied()).toHaveLength(migrations.length);
    console.log(
      `ai migrations: up/down/up over ${migrations.length} migration(s): ${first.tables.length} tables, ${first.columns.length} columns, ${first.indexes.length} indexes identical`,
    );
  });

  it("removes a model's calibration rows with it, and refuses rows of no model", async () => {
    const ws = "0190a4c2-0000-7000-8000-000000000001";
    await client.query(
      `insert into ai.models (workspace_id, version, create_time, example_count, model_version,
         time_zone, trained_by, training_millis, payload)
       values ($1, 1, now(), 0, 'suggest/1-x', 'UTC', 'u', 0, '\\x00')`,
      [ws],
    );
    await client.query(
      `insert into ai.model_calibrations (workspace_id, version, kind, status, examples, ece,
         ece_low, ece_high, report) values ($1, 1, 'cancel', 'not_learned', 0, 0, 0, 0, '{}')`,
      [ws],
    );
    await expect(
      client.query(
        `insert into ai.model_calibrations (workspace_id, version, kind, status, examples, ece,
           ece_low, ece_high, report) values ($1, 2, 'cancel', 'not_learned', 0, 0, 0, 0, '{}')`,
        [ws],
      ),
    ).rejects.toThrow(/foreign key/);
    await client.query("delete from ai.models where workspace_id = $1", [ws]);
    expect(
      (await client.query("select count(*)::int as n from ai.model_calibrations")).rows[0].n,
    ).toBe(0);
  });
});
