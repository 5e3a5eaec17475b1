import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import pg from "pg";

// Least privilege in the database: one login role per service, owning its own schema and
// nothing else. Run with an administrator's connection (a superuser, or a role with CREATEROLE
// on a managed PostgreSQL) by the launcher (`npm start`) and by `deploy/setup-roles.mjs`, before
// any service migrates. Idempotent (it converges an existing database, including one whose
// schemas an administrator created and owns) and safe to run from several processes at once.
//
// For each service `svc`, in the connected database:
//   - role `glidepath_svc`: LOGIN, NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
//     NOINHERIT, no memberships; its password is set (as a SCRAM verifier, so the password
//     itself never reaches the server's logs) when one is given;
//   - schema `svc` owned by it (created, or handed over with everything in it), nothing on it
//     for PUBLIC; its `search_path` in this database is its schema;
//   - CONNECT on the database (taken from PUBLIC), no CREATE on the database (no new schemas),
//     no CREATE on `public`, nothing on any other service's schema.
// The role runs its own migrations (it owns the schema) and its queries; it can't read, write,
// create or drop anything in another service's schema or in `public`.

export interface ServiceRole {
  /** The service's schema, e.g. `core`. */
  schema: string;
  /** Its login role; `glidepath_<schema>` by default. */
  role?: string;
  /** The role's password; left as it is when omitted (e.g. trust or certificate auth). */
  password?: string;
}

export interface ServiceRoleResult {
  schema: string;
  role: string;
  /** Objects in the schema whose ownership was handed to the role (upgrading a database). */
  reassigned: number;
}

/** `glidepath_<schema>`: the role of a service. */
export const serviceRoleName = (schema: string) => `glidepath_${schema}`;

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

/** A PostgreSQL SCRAM-SHA-256 verifier for `password` (what ALTER ROLE … PASSWORD stores). */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** `url` with another user and password: a service's own DATABASE_URL from the admin's. */
export function databaseUrlFor(adminUrl: string, role: string, password?: string): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(role);
  url.password = password ? encodeURIComponent(password) : "";
  return url.toString();
}

// Errors two sessions get when they change the same shared catalog row at once; retried.
const raceCodes = new Set(["XX000", "23505", "42710", "40001", "40P01"]);

async function retryingRaces<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const code = (e as { code?: string }).code ?? "";
      if (!raceCodes.has(code) || attempt >= 8) throw e;
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 40));
    }
  }
}

/**
 * Creates or converges the role of each service in the database `adminUrl` points at. `services`
 * must list every service schema of the database: each role is kept out of the others' schemas.
 */
export async function setupServiceRoles(
  adminUrl: string,
  services: ServiceRole[],
): Promise<ServiceRoleResult[]> {
  const specs = services.map((s) => ({ ...s, role: s.role ?? serviceRoleName(s.schema) }));
  for (const s of specs) {
    if (!identifier.test(s.schema)) throw new Error(`not a plain schema name: ${s.schema}`);
    if (!identifier.test(s.role)) throw new Error(`not a plain role name: ${s.role}`);
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const id = (name: string) => client.escapeIdentifier(name);
  try {
    const { rows } = await client.query<{ db: string; me: string; superuser: boolean }>(
      `select current_database() as db, current_user as me,
              (select rolsuper from pg_roles where rolname = current_user) as superuser`,
    );
    const { db, me, superuser } = rows[0] as { db: string; me: string; superuser: boolean };

    // Cluster-wide: the roles themselves (shared by every database of the cluster).
    for (const s of specs) {
      await retryingRaces(async () => {
        const exists = await client.query("select 1 from pg_roles where rolname = $1", [s.role]);
        if (exists.rowCount === 0) await client.query(`create role ${id(s.role)}`);
      });
      // An ASCII password goes as its SCRAM verifier (what the server would store anyway), so it
      // never appears in the server's statement log; others as text (SASLprep is the server's).
      const password = s.password
        ? ` password ${client.escapeLiteral(
            /^[\x20-\x7e]+$/.test(s.password) ? scramVerifier(s.password) : s.password,
          )}`
        : "";
      await retryingRaces(() =>
        client.query(
          `alter role ${id(s.role)} login nosuperuser nocreatedb nocreaterole noreplication
             nobypassrls noinherit${password}`,
        ),
      );
      // A non-superuser administrator must be a member to hand a schema over to the role.
      if (!superuser) {
        const member = await client.query("select pg_has_role($1, $2, 'member') as m", [
          me,
          s.role,
        ]);
        if (!member.rows[0]?.m)
          await retryingRaces(() => client.query(`grant ${id(s.role)} to ${id(me)}`));
      }
    }

    // This database: one setup at a time (an advisory lock is per database).
    const results: ServiceRoleResult[] = [];
    await client.query("begin");
    try {
      await client.query("select pg_advisory_xact_lock(hashtext('glidepath.service-roles'))");
      await client.query(`revoke all on database ${id(db)} from public`);
      await client.query(`revoke create on schema public from public`);
      for (const s of specs) {
        await client.query(`grant connect on database ${id(db)} to ${id(s.role)}`);
        await client.query(`revoke create, temporary on database ${id(db)} from ${id(s.role)}`);
        await client.query(`revoke all on schema public from ${id(s.role)}`);
        const schema = await client.query<{ owner: string }>(
          "select pg_get_userbyid(nspowner) as owner from pg_namespace where nspname = $1",
          [s.schema],
        );
        if (schema.rowCount === 0) {
          await client.query(`create schema ${id(s.schema)} authorization ${id(s.role)}`);
        } else if (schema.rows[0]?.owner !== s.role) {
          await client.query(`alter schema ${id(s.schema)} owner to ${id(s.role)}`);
        }
        const reassigned = await handOver(client, s.schema, s.role);
        await client.query(`revoke all on schema ${id(s.schema)} from public`);
        await client.query(
          `alter role ${id(s.role)} in database ${id(db)} set search_path = ${id(s.schema)}`,
        );
        results.push({ schema: s.schema, role: s.role, reassigned });
      }
      // Nothing on another service's schema, whatever an earlier setup or a hand granted.
      for (const s of specs) {
        for (const other of specs) {
          if (other === s) continue;
          const exists = await client.query("select 1 from pg_namespace where nspname = $1", [
            other.schema,
          ]);
          if (exists.rowCount === 0) continue;
          await client.query(`revoke all on schema ${id(other.schema)} from ${id(s.role)}`);
          for (const kind of ["tables", "sequences", "functions"]) {
            await client.query(
              `revoke all on all ${kind} in schema ${id(other.schema)} from ${id(s.role)}`,
            );
          }
        }
      }
      await client.query("commit");
    } catch (e) {
      await client.query("rollback").catch(() => {});
      throw e;
    }
    return results;
  } finally {
    await client.end();
  }
}

/** Makes `role` the owner of every object in `schema` (a database set up before roles). */
async function handOver(client: pg.Client, schema: string, role: string): Promise<number> {
  const id = (name: string) => client.escapeIdentifier(name);
  const { rows } = await client.query<{ kind: string; name: string }>(
    `select case c.relkind when 'S' then 'sequence' when 'v' then 'view'
              when 'm' then 'materialized view' when 'f' then 'foreign table' else 'table' end as kind,
            c.oid::regclass::text as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
        and pg_get_userbyid(c.relowner) <> $2
        -- sequences of serial and identity columns move with their table
        and not (c.relkind = 'S' and exists (
          select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid
             and d.deptype in ('a', 'i')))
     union all
     select case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate'
              else 'function' end, p.oid::regprocedure::text
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = $1 and pg_get_userbyid(p.proowner) <> $2
     union all
     select 'type', t.oid::regtype::text
       from pg_type t join pg_namespace n on n.oid = t.typnamespace
      where n.nspname = $1 and pg_get_userbyid(t.typowner) <> $2
        and (t.typtype in ('e', 'd', 'r')
             or (t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c'))`,
    [schema, role],
  );
  for (const row of rows) {
    await client.query(`alter ${row.kind} ${row.name} owner to ${id(role)}`);
  }
  return rows.length;
}
