// Migrations are reversible (RELIABILITY.md promise 9): on a fresh database, up → down → up
// leaves exactly the schema the first up made, and down leaves nothing of core behind but
// the migrator's own bookkeeping table.

import { type MikroORM, migrateDownAll, migrateUp, openDatabase } from "@glidepath/runtime";
import { createTestDatabase } from "@glidepath/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { migrations } from "../src/adapters/db/migrations/index.js";

const schema = "core";
const bookkeeping = "mikro_orm_migrations";

/** Everything PostgreSQL knows about the schema, as sorted text: comparable between runs. */
async function captureSchema(client: pg.Client) {
  const q = async (text: string) =>
    (await client.query(text, [schema])).rows.map((r) => JSON.stringify(r)).sort();
  return {
    tables: await q(
      `select table_name, table_type from information_schema.tables where table_schema = $1`,
    ),
    columns: await q(
      `select table_name, column_name, ordinal_position, data_type, udt_name, is_nullable,
              column_default, character_maximum_length, numeric_precision, datetime_precision,
              is_identity, is_generated
       from information_schema.columns where table_schema = $1`,
    ),
    indexes: await q(`select tablename, indexname, indexdef from pg_indexes where schemaname = $1`),
    constraints: await q(
      `select cl.relname as table_name, c.conname, c.contype, c.condeferrable, c.condeferred,
              pg_get_constraintdef(c.oid, true) as definition
       from pg_constraint c
       join pg_namespace n on n.oid = c.connamespace
       left join pg_class cl on cl.oid = c.conrelid
       where n.nspname = $1`,
    ),
    sequences: await q(
      `select sequence_name, data_type, start_value, increment, maximum_value, cycle_option
       from information_schema.sequences where sequence_schema = $1`,
    ),
    sequenceOwners: await q(
      `select s.relname as sequence_name, t.relname as table_name, a.attname as column_name
       from pg_class s
       join pg_namespace n on n.oid = s.relnamespace
       join pg_depend d on d.objid = s.oid and d.deptype = 'a'
       join pg_class t on t.oid = d.refobjid
       join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
       where n.nspname = $1 and s.relkind = 'S'`,
    ),
    relations: await q(
      `select c.relname, c.relkind, c.relpersistence, c.relrowsecurity
       from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1`,
    ),
    triggers: await q(
      `select event_object_table, trigger_name, action_timing, event_manipulation, action_statement
       from information_schema.triggers where trigger_schema = $1`,
    ),
    functions: await q(
      `select p.proname, pg_get_function_identity_arguments(p.oid) as args
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = $1`,
    ),
    types: await q(
      `select t.typname, t.typtype from pg_type t join pg_namespace n on n.oid = t.typnamespace
       where n.nspname = $1 and t.typtype in ('e', 'd', 'r', 'm')`,
    ),
    views: await q(
      `select table_name, view_definition from information_schema.views where table_schema = $1`,
    ),
  };
}

describe("core migrations", () => {
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

  it("up → down → up leaves the same schema", async () => {
    // A fresh database: nothing of core yet.
    const empty = await captureSchema(client);
    expect(empty.tables).toEqual([]);

    await migrateUp(orm, schema);
    const first = await captureSchema(client);
    expect(await applied()).toHaveLength(migrations.length);
    const tables = first.tables.map((t) => JSON.parse(t).table_name).sort();
    expect(tables).toEqual(
      [
        "changes",
        "data_keys",
        "encryption_backfill",
        "members",
        bookkeeping,
        "projects",
        "rate_limits",
        "request_ids",
        "task_completions",
        "task_labels",
        "tasks",
        "workspaces",
      ].sort(),
    );
    expect(first.columns.length).toBeGreaterThan(60);
    expect(first.indexes.length).toBeGreaterThan(10);
    expect(first.constraints.length).toBeGreaterThan(15);

    // Applying again changes nothing.
    await migrateUp(orm, schema);
    expect(await captureSchema(client)).toEqual(first);

    await migrateDownAll(orm, schema);
    const down = await captureSchema(client);
    // Only the migrator's own table is left, and it records nothing.
    expect(down.tables.map((t) => JSON.parse(t).table_name)).toEqual([bookkeeping]);
    expect(await applied()).toEqual([]);
    const leftovers = Object.fromEntries(
      Object.entries(down).map(([kind, rows]) => [
        kind,
        rows.filter((r) => !r.includes(bookkeeping)),
      ]),
    );
    expect(leftovers).toEqual({
      tables: [],
      columns: [],
      indexes: [],
      constraints: [],
      sequences: [],
      sequenceOwners: [],
      relations: [],
      triggers: [],
      functions: [],
      types: [],
      views: [],
    });

    await migrateUp(orm, schema);
    const second = await captureSchema(client);
    expect(second).toEqual(first);
    expect(await applied()).toHaveLength(migrations.length);
    console.log(
      `migrations: up/down/up over ${migrations.length} migration(s): ${first.tables.length} tables, ${first.columns.length} columns, ${first.indexes.length} indexes, ${first.constraints.length} constraints identical`,
    );
  });

  it("leaves a schema the service works on after down and up", async () => {
    // Data written before a down is gone after it; the re-created tables take new data.
    await client.query(
      `insert into core.workspaces (workspace_id, display_name, create_time, update_time, version)
       values (gen_random_uuid(), 'w', now(), now(), 1)`,
    );
    await migrateDownAll(orm, schema);
    await migrateUp(orm, schema);
    expect((await client.query(`select count(*)::int as n from core.workspaces`)).rows[0].n).toBe(
      0,
    );
    const { rows } = await client.query(
      `insert into core.changes (workspace_id, kind, resource_type, resource_id, snapshot, actor, actor_user)
       values (gen_random_uuid(), 'CREATED', 'task', gen_random_uuid(), '{}', 'USER', 'u')
       returning id::text, txid::text, position`,
    );
    // The outbox's sequence starts over and the transaction id default works.
    expect(rows[0]).toMatchObject({ id: "1", position: null });
    expect(BigInt(rows[0].txid)).toBeGreaterThan(0n);
  });
});
