import { isEnvelope, type Sql } from "@glidepath/runtime";
import type { RecordedResponse, RequestRecord } from "../../app/ports.js";
import type { ChangeSnapshot } from "../../domain/change.js";
import type { Project } from "../../domain/project.js";
import type { Task } from "../../domain/task.js";
import type { CoreEncryption, SealedFields } from "./sealed-fields.js";

// Text written before encryption at rest (migration 0003) is encrypted once, in batches, before
// core serves: migration 0003 leaves a marker row when the schema held data, and the marker
// goes when no plaintext is left. Replicas take turns under an advisory lock. Only values that
// aren't envelopes yet are encrypted, so a pass interrupted anywhere just continues.

/** SQL: `expr` holds text that isn't an envelope ($1 is the envelope pattern). */
const plain = (expr: string) => `(coalesce(${expr}, '') <> '' and ${expr} !~ $1)`;
const envelopePattern = "^v1:[1-9][0-9]{0,8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22,}$";

const keep = (before: string, sealed: string) => (isEnvelope(before) ? before : sealed);

async function sealTask(fields: SealedFields, task: Task): Promise<Task> {
  const sealed = await fields.sealTask(task);
  return {
    ...sealed,
    notes: keep(task.notes, sealed.notes),
    source: task.source && {
      ...task.source,
      text: keep(task.source.text, sealed.source?.text ?? ""),
    },
  };
}

async function sealProject(fields: SealedFields, project: Project): Promise<Project> {
  const sealed = await fields.sealProject(project);
  return { ...sealed, description: keep(project.description, sealed.description) };
}

async function sealSnapshot<S extends ChangeSnapshot | RecordedResponse>(
  fields: SealedFields,
  snapshot: S,
): Promise<S> {
  if (snapshot.type === "task") return { ...snapshot, task: await sealTask(fields, snapshot.task) };
  if (snapshot.type === "project") {
    return { ...snapshot, project: await sealProject(fields, snapshot.project) };
  }
  return snapshot;
}

async function tasks(tx: Sql, fields: SealedFields, limit: number): Promise<number> {
  const rows = await tx.query<{
    workspace_id: string;
    id: string;
    version: number;
    notes: string;
    source_text: string | null;
  }>(
    `select workspace_id, id, version, notes, source_text from core.tasks
     where ${plain("notes")} or ${plain("source_text")} limit $2 for update`,
    [envelopePattern, limit],
  );
  const sealed = await Promise.all(
    rows.map(async (r) => {
      const task = {
        workspaceId: r.workspace_id,
        id: r.id,
        version: r.version,
        notes: r.notes,
        source: r.source_text === null ? null : { text: r.source_text },
      } as Task;
      const s = await sealTask(fields, task);
      return {
        workspace_id: r.workspace_id,
        id: r.id,
        notes: s.notes,
        source_text: s.source?.text ?? null,
      };
    }),
  );
  if (sealed.length > 0) {
    await tx.execute(
      `update core.tasks t set notes = x.notes, source_text = x.source_text
       from jsonb_to_recordset($1::jsonb) as x(workspace_id uuid, id uuid, notes text, source_text text)
       where t.workspace_id = x.workspace_id and t.id = x.id`,
      [JSON.stringify(sealed)],
    );
  }
  return rows.length;
}

async function projects(tx: Sql, fields: SealedFields, limit: number): Promise<number> {
  const rows = await tx.query<{
    workspace_id: string;
    id: string;
    version: number;
    description: string;
  }>(
    `select workspace_id, id, version, description from core.projects
     where ${plain("description")} limit $2 for update`,
    [envelopePattern, limit],
  );
  const sealed = await Promise.all(
    rows.map(async (r) => {
      const project = {
        workspaceId: r.workspace_id,
        id: r.id,
        version: r.version,
        description: r.description,
      } as Project;
      const { description } = await sealProject(fields, project);
      return { workspace_id: r.workspace_id, id: r.id, description };
    }),
  );
  if (sealed.length > 0) {
    await tx.execute(
      `update core.projects p set description = x.description
       from jsonb_to_recordset($1::jsonb) as x(workspace_id uuid, id uuid, description text)
       where p.workspace_id = x.workspace_id and p.id = x.id`,
      [JSON.stringify(sealed)],
    );
  }
  return rows.length;
}

async function changes(tx: Sql, fields: SealedFields, limit: number): Promise<number> {
  const rows = await tx.query<{ workspace_id: string; id: string; snapshot: ChangeSnapshot }>(
    `select workspace_id, id::text as id, snapshot from core.changes
     where (resource_type = 'task' and (${plain("snapshot #>> '{task,notes}'")}
              or ${plain("snapshot #>> '{task,source,text}'")}))
        or (resource_type = 'project' and ${plain("snapshot #>> '{project,description}'")})
     limit $2 for update`,
    [envelopePattern, limit],
  );
  const sealed = await Promise.all(
    rows.map(async (r) => ({
      workspace_id: r.workspace_id,
      id: r.id,
      snapshot: await sealSnapshot(fields, r.snapshot),
    })),
  );
  if (sealed.length > 0) {
    await tx.execute(
      `update core.changes c set snapshot = x.snapshot
       from jsonb_to_recordset($1::jsonb) as x(workspace_id uuid, id bigint, snapshot jsonb)
       where c.workspace_id = x.workspace_id and c.id = x.id`,
      [JSON.stringify(sealed)],
    );
  }
  return rows.length;
}

async function requests(tx: Sql, fields: SealedFields, limit: number): Promise<number> {
  const rows = await tx.query<{
    workspace_id: string;
    principal: string;
    request_id: string;
    fingerprint: string;
    response: RecordedResponse;
  }>(
    `select workspace_id, principal, request_id, fingerprint, response from core.request_ids
     where response ->> 'type' in ('task', 'project') and fingerprint !~ $1 limit $2 for update`,
    [envelopePattern, limit],
  );
  const sealed = await Promise.all(
    rows.map(async (r) => {
      const record: RequestRecord = {
        workspaceId: r.workspace_id,
        principal: r.principal,
        requestId: r.request_id,
        fingerprint: r.fingerprint,
        response: r.response,
      };
      return {
        workspace_id: r.workspace_id,
        principal: r.principal,
        request_id: r.request_id,
        fingerprint: await fields.sealFingerprint(record),
        response: await sealSnapshot(fields, r.response),
      };
    }),
  );
  if (sealed.length > 0) {
    await tx.execute(
      `update core.request_ids q set fingerprint = x.fingerprint, response = x.response
       from jsonb_to_recordset($1::jsonb)
         as x(workspace_id uuid, principal text, request_id uuid, fingerprint text, response jsonb)
       where q.workspace_id = x.workspace_id and q.principal = x.principal and q.request_id = x.request_id`,
      [JSON.stringify(sealed)],
    );
  }
  return rows.length;
}

export interface BackfillCounts {
  tasks: number;
  projects: number;
  changes: number;
  requestIds: number;
}

/**
 * Encrypts every value written in plaintext before migration 0003, if any is left; returns
 * what it encrypted, or undefined when there was nothing to do.
 */
export async function encryptExistingData(
  sql: Sql,
  encryption: CoreEncryption,
  batchSize = 500,
): Promise<BackfillCounts | undefined> {
  const counts: BackfillCounts = { tasks: 0, projects: 0, changes: 0, requestIds: 0 };
  let worked = false;
  for (;;) {
    const state = await sql.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(hashtext('core.encryption_backfill'))`);
      const [marker] = await tx.query(`select 1 from core.encryption_backfill`);
      if (!marker) return "done";
      worked = true;
      const fields = encryption.on(tx);
      const n = {
        tasks: await tasks(tx, fields, batchSize),
        projects: await projects(tx, fields, batchSize),
        changes: await changes(tx, fields, batchSize),
        requestIds: await requests(tx, fields, batchSize),
      };
      for (const k of Object.keys(n) as (keyof BackfillCounts)[]) counts[k] += n[k];
      if (Object.values(n).some((c) => c > 0)) return "more";
      await tx.execute(`delete from core.encryption_backfill`);
      return "done";
    });
    if (state === "done") return worked ? counts : undefined;
  }
}
