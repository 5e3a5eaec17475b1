// Least privilege in the database (issue 3): one role per service that can use only its own
// schema. The roles are set up by the runtime's setupServiceRoles (what `npm start` and
// deploy/setup-roles.mjs run); core migrates and serves as its role, ai migrates as its role
// (through deploy/migrate.mjs, a separate process); then each role tries to read, write, create
// and take over in the other's schema and in `public`, and to become someone else: all refused.
//
// Roles are cluster-wide while each suite has its own database, and suites run in parallel
// processes: this suite's roles carry a random tag (and are dropped at the end), and one test
// shows setup with the same names running concurrently, in one database and in two.

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { WorkspaceService } from "@glidepath/contracts/core/v1";
import {
  databaseUrlFor,
  type RunningService,
  type ServiceRole,
  setupServiceRoles,
} from "@glidepath/runtime";
import {
  clientFor,
  createTestDatabase,
  createTestIssuer,
  serviceEnv,
  type TestIssuer,
  testServiceKeys,
} from "@glidepath/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readCoreConfig } from "../src/config.js";
import { startCore } from "../src/main.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));

function migrateWithDeployScript(service: string, databaseUrl: string) {
  return new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "deploy/migrate.mjs", service],
      { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" } },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
    );
  });
}

async function connect(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/**
 * Runs each statement as `client`'s role, each in its own transaction (rolled back, so one that
 * got through can't change what the next one meets); returns those that did not fail, and those
 * that failed for another reason than insufficient_privilege (42501).
 */
async function tryAll(client: pg.Client, statements: string[]) {
  const through: string[] = [];
  const otherErrors: string[] = [];
  for (const sql of statements) {
    await client.query("begin");
    try {
      await client.query(sql);
      through.push(sql);
    } catch (e) {
      const { code, message } = e as { code?: string; message: string };
      if (code !== "42501") otherErrors.push(`${sql} → ${code} ${message}`);
    } finally {
      await client.query("rollback");
    }
  }
  return { through, otherErrors };
}

/** What a role might try against another service's schema (`other`, with one of its tables). */
function crossSchema(other: string, table: string, me: string, them: string): string[] {
  return [
    `select * from ${other}.${table}`,
    `select count(*) from ${other}.mikro_orm_migrations`,
    `insert into ${other}.${table} default values`,
    `update ${other}.${table} set workspace_id = workspace_id`,
    `delete from ${other}.${table}`,
    `truncate ${other}.${table}`,
    `lock table ${other}.${table}`,
    `create table ${other}.intruder (x int)`,
    `create view ${other}.intruder_v as select 1 as x`,
    `create function ${other}.intruder_f() returns int language sql as 'select 1'`,
    `create index intruder_i on ${other}.${table} (workspace_id)`,
    `alter table ${other}.${table} add column intruder int`,
    `alter table ${other}.${table} owner to "${me}"`,
    `drop table ${other}.${table}`,
    `grant usage on schema ${other} to "${me}"`,
    `alter schema ${other} owner to "${me}"`,
    `drop schema ${other} cascade`,
    // public
    "select * from public.canary",
    "insert into public.canary values (2)",
    "update public.canary set x = 3",
    "delete from public.canary",
    "create table public.intruder (x int)",
    "create view public.intruder_v as select 1 as x",
    "create function public.intruder_f() returns int language sql as 'select 1'",
    // the database and other roles
    "create schema intruder",
    `set role "${them}"`,
    `alter role "${me}" superuser`,
    `alter role "${me}" createrole`,
    `grant "${them}" to "${me}"`,
  ];
}

describe("one database role per service, each confined to its own schema", () => {
  const tag = randomBytes(4).toString("hex");
  const roles = {
    core: { schema: "core", role: `gp_${tag}_core`, password: randomBytes(12).toString("hex") },
    ai: { schema: "ai", role: `gp_${tag}_ai`, password: randomBytes(12).toString("hex") },
  } satisfies Record<string, ServiceRole>;
  const adminUrl = () => database.url;
  let database: { url: string; drop(): Promise<void> };
  let issuer: TestIssuer;
  let core: RunningService;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase(inject("postgresAdminUrl"));
    issuer = await createTestIssuer();
    const results = await setupServiceRoles(adminUrl(), [roles.core, roles.ai]);
    expect(results.map((r) => r.role)).toEqual([roles.core.role, roles.ai.role]);
    admin = await connect(adminUrl());
    await admin.query("create table public.canary (x int); insert into public.canary values (1)");
    // core migrates its schema and serves as its own role; ai migrates as its own.
    core = await startCore(
      readCoreConfig(
        serviceEnv(databaseUrlFor(adminUrl(), roles.core.role, roles.core.password), issuer, {
          SERVICE_SIGNING_KEY: testServiceKeys().signingKeyPem("core"),
        }),
      ),
    );
    await migrateWithDeployScript(
      "ai",
      databaseUrlFor(adminUrl(), roles.ai.role, roles.ai.password),
    );
  }, 120_000);

  afterAll(async () => {
    await core?.stop();
    await admin?.end();
    await database?.drop();
    const cleanup = await connect(inject("postgresAdminUrl"));
    for (const { role } of Object.values(roles))
      await cleanup.query(`drop role if exists "${role}"`);
    await cleanup.end();
  });

  it("owns its schema and everything in it; core serves and migrates as its role", async () => {
    const client = clientFor(WorkspaceService, core, await issuer.mint("owner"));
    const { workspace } = await client.createWorkspace({ workspace: { displayName: "as a role" } });
    expect(workspace?.name).toMatch(/^workspaces\//);
    const owners = await admin.query<{ schema: string; owner: string; n: number }>(
      `select n.nspname as schema, pg_get_userbyid(c.relowner) as owner, count(*)::int as n
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('core', 'ai') group by 1, 2 order by 1, 2`,
    );
    expect(owners.rows.map((r) => [r.schema, r.owner])).toEqual([
      ["ai", roles.ai.role],
      ["core", roles.core.role],
    ]);
    const attributes = await admin.query(
      `select rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolinherit, rolcanlogin
         from pg_roles where rolname = $1`,
      [roles.core.role],
    );
    expect(attributes.rows[0]).toEqual({
      rolsuper: false,
      rolcreatedb: false,
      rolcreaterole: false,
      rolreplication: false,
      rolbypassrls: false,
      rolinherit: false,
      rolcanlogin: true,
    });
    // Its own schema is fully its own (a positive control for the refusals below).
    const asCore = await connect(databaseUrlFor(adminUrl(), roles.core.role, roles.core.password));
    try {
      expect((await asCore.query("select count(*)::int as n from core.workspaces")).rows[0].n).toBe(
        1,
      );
      await asCore.query("create table core.scratch (x int); insert into core.scratch values (1)");
      await asCore.query("drop table core.scratch");
      expect((await asCore.query("show search_path")).rows[0].search_path).toBe("core");
    } finally {
      await asCore.end();
    }
  });

  it("refuses every read, write, DDL and takeover in another service's schema and in public", async () => {
    const before = await admin.query(
      `select (select count(*) from core.workspaces)::int as workspaces,
              (select count(*) from ai.models)::int as models,
              (select count(*) from public.canary where x = 1)::int as canary,
              (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname in ('core', 'ai', 'public'))::int as relations`,
    );
    const report: string[] = [];
    for (const [me, them, other, table] of [
      [roles.core, roles.ai, "ai", "models"],
      [roles.ai, roles.core, "core", "workspaces"],
    ] as const) {
      const client = await connect(databaseUrlFor(adminUrl(), me.role, me.password));
      try {
        const statements = crossSchema(other, table, me.role, them.role);
        const { through, otherErrors } = await tryAll(client, statements);
        const label = `glidepath_${me.schema}`;
        console.log(
          `roles: tried ${statements.length} cross-schema operations as ${label} (${me.role}), succeeded ${through.length}`,
        );
        report.push(...through.map((s) => `${label}: ${s}`));
        expect(otherErrors, `${label}: refused, but not as a permission error`).toEqual([]);
      } finally {
        await client.end();
      }
    }
    expect(report).toEqual([]);
    const after = await admin.query(
      `select (select count(*) from core.workspaces)::int as workspaces,
              (select count(*) from ai.models)::int as models,
              (select count(*) from public.canary where x = 1)::int as canary,
              (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname in ('core', 'ai', 'public'))::int as relations`,
    );
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it("is idempotent and safe to run concurrently, and hands over a schema an administrator made", async () => {
    // Four setups at once in this database, with the same names: all succeed.
    const spec = [roles.core, roles.ai];
    await Promise.all([1, 2, 3, 4].map(() => setupServiceRoles(adminUrl(), spec)));

    // Another database of the same cluster, as a second suite or environment would have it:
    // its schemas made and migrated by the administrator (an existing `.glidepath/` data
    // directory), then set up with the same role names, concurrently with this one.
    const second = await createTestDatabase(inject("postgresAdminUrl"));
    try {
      await migrateWithDeployScript("core", second.url);
      const [, results] = await Promise.all([
        setupServiceRoles(adminUrl(), spec),
        setupServiceRoles(second.url, spec),
      ]);
      const handedOver = results.find((r) => r.schema === "core")?.reassigned ?? 0;
      expect(handedOver).toBeGreaterThan(5);
      const asCore = await connect(
        databaseUrlFor(second.url, roles.core.role, roles.core.password),
      );
      try {
        // The role now owns the administrator's tables and runs the migrations (nothing pending).
        await asCore.query(
          "insert into core.workspaces values (gen_random_uuid(), 'w', now(), now(), 1)",
        );
        const { through } = await tryAll(
          asCore,
          crossSchema("ai", "models", roles.core.role, roles.ai.role),
        );
        expect(through).toEqual([]);
      } finally {
        await asCore.end();
      }
      await migrateWithDeployScript(
        "core",
        databaseUrlFor(second.url, roles.core.role, roles.core.password),
      );
      console.log(
        `roles: setup ran 4× concurrently in one database and 2× across two, and handed ${handedOver} existing core objects over to the role`,
      );
    } finally {
      await second.drop();
    }
  });
});
