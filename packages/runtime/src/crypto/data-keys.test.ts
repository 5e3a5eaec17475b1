// Data keys against a real PostgreSQL: made once per workspace (also when two processes race),
// stored only wrapped, bound to their workspace, re-wrapped online by a rotation.
import { randomBytes, randomUUID } from "node:crypto";
import { createTestDatabase } from "@glidepath/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ConfigError } from "../config.js";
import type { Sql } from "../sql.js";
import { createDataKeyStore, dataKeysTableSql } from "./data-keys.js";
import { createFieldCipher, DataCorruptedError, type FieldRef } from "./field-cipher.js";
import { parseMasterKeys } from "./master-keys.js";
import { rewrapDataKeys } from "./rotate.js";

const schema = "keys_test";
const master = (id: string) => `${id}:${randomBytes(32).toString("base64")}`;
const [k1, k2] = [master("k1"), master("k2")];

describe("data keys (PostgreSQL)", () => {
  let database: { url: string; drop(): Promise<void> };
  // One connection (its queries queue): stores racing still interleave their reads and inserts.
  let db: pg.Client;
  let sql: Sql;

  beforeAll(async () => {
    database = await createTestDatabase(inject("postgresAdminUrl"));
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    sql = {
      query: async (s, values) =>
        (await db.query(typeof s === "string" ? s : s.text, values)).rows as never,
      execute: async (s, values) =>
        (await db.query(typeof s === "string" ? s : s.text, values)).rowCount ?? 0,
      transaction: () => {
        throw new Error("not needed here");
      },
    };
    await db.query(`create schema ${schema}`);
    for (const statement of dataKeysTableSql(schema)) await db.query(statement);
  });
  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });

  const store = (keys: string) =>
    createDataKeyStore({ sql, schema, masterKeys: parseMasterKeys(keys) });
  const field = (workspaceId: string, row = "t1"): FieldRef => ({
    workspaceId,
    table: "t",
    row,
    column: "c",
  });
  const rows = async (ws: string) =>
    (
      await db.query(
        `select version, wrapped_key, master_key_id from ${schema}.data_keys where workspace_id = $1`,
        [ws],
      )
    ).rows;

  it("makes one data key per workspace on first use, even when processes race, stored wrapped", async () => {
    const ws = randomUUID();
    // Ten "processes" (stores with their own caches) ask at once.
    const stores = Array.from({ length: 10 }, () => store(k1));
    const keys = await Promise.all(stores.map((s) => s.current(ws)));
    const raw = keys.map((k) => k.key.export().toString("hex"));
    expect(new Set(raw).size).toBe(1);
    const stored = await rows(ws);
    expect(stored).toHaveLength(1);
    expect(stored[0].version).toBe(1);
    expect(stored[0].master_key_id).toBe("k1");
    expect(stored[0].wrapped_key).toHaveLength(60);
    expect(stored[0].wrapped_key.toString("hex")).not.toContain(raw[0]);
  });

  it("binds a wrapped key to its workspace", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const s = store(k1);
    const cipher = createFieldCipher(s);
    const sealed = await cipher.encrypt(field(a), "secret");
    await s.current(b);
    // Give workspace b a's wrapped key: b's data then fails, a's too after a restart.
    await db.query(
      `update ${schema}.data_keys set wrapped_key = (select wrapped_key from ${schema}.data_keys where workspace_id = $1) where workspace_id = $2`,
      [a, b],
    );
    const fresh = createFieldCipher(store(k1));
    expect(await fresh.decrypt(field(a), sealed)).toBe("secret");
    const error = await fresh
      .decrypt(field(b), await cipher.encrypt(field(b), "x"))
      .catch((e) => e);
    expect(error).toBeInstanceOf(DataCorruptedError);
    expect((error as DataCorruptedError).reason).toBe("AUTHENTICATION_FAILED");
    await db.query(`delete from ${schema}.data_keys where workspace_id = $1`, [b]);
  });

  it("rotates online: data stays readable, keys move to the new master key, the old one can go", async () => {
    const workspaces = Array.from({ length: 25 }, () => randomUUID());
    const before = createFieldCipher(store(k1));
    const sealed = await Promise.all(
      workspaces.map((ws) => before.encrypt(field(ws), `note ${ws}`)),
    );

    // Without the old master key, a service refuses to start (naming MASTER_KEYS).
    await expect(store(k2).checkMasterKeys()).rejects.toThrow(ConfigError);
    await expect(store(k2).checkMasterKeys()).rejects.toThrow(/^MASTER_KEYS: .*"k1"/);

    // The new key first, the old one kept: the running cipher (cached keys) keeps working.
    const result = await rewrapDataKeys({
      sql,
      schema,
      masterKeys: parseMasterKeys(`${k2},${k1}`),
      batchSize: 7,
    });
    const total = Number(
      (await db.query(`select count(*) from ${schema}.data_keys`)).rows[0].count,
    );
    expect(result.rewrapped).toEqual({ k1: total });
    expect(result.remaining).toBe(0);
    expect(result.batches).toBe(Math.ceil(total / 7));
    const ids = await db.query(`select distinct master_key_id from ${schema}.data_keys`);
    expect(ids.rows).toEqual([{ master_key_id: "k2" }]);
    expect(await before.decrypt(field(workspaces[0] as string), sealed[0] as string)).toBe(
      `note ${workspaces[0]}`,
    );

    // Now only the new key: everything still reads, and the old key alone no longer starts.
    const after = store(k2);
    await after.checkMasterKeys();
    const cipher = createFieldCipher(after);
    const read = await Promise.all(
      workspaces.map((ws, i) => cipher.decrypt(field(ws), sealed[i] as string)),
    );
    expect(read).toEqual(workspaces.map((ws) => `note ${ws}`));
    await expect(store(k1).checkMasterKeys()).rejects.toThrow(/"k2"/);

    // A second pass has nothing to do.
    const again = await rewrapDataKeys({ sql, schema, masterKeys: parseMasterKeys(k2) });
    expect(again.rewrapped).toEqual({});
    console.log(
      `data keys: rotated ${total} data keys in ${result.batches} batches, ${read.length}/${workspaces.length} workspaces read back under the new master key alone`,
    );
  });

  it("reports keys it can't unwrap instead of failing the whole rotation", async () => {
    const ws = randomUUID();
    await createFieldCipher(store(master("gone"))).encrypt(field(ws), "x");
    const result = await rewrapDataKeys({ sql, schema, masterKeys: parseMasterKeys(k2) });
    expect(result.unreadable).toEqual({ gone: 1 });
    expect(result.remaining).toBe(1);
    await db.query(`delete from ${schema}.data_keys where workspace_id = $1`, [ws]);
  });
});
