import type { FieldCipher, FieldRef, Sql } from "@glidepath/runtime";
import type { RecordedResponse, RequestRecord } from "../../app/ports.js";
import type { ChangeSnapshot } from "../../domain/change.js";
import type { Project } from "../../domain/project.js";
import type { Task } from "../../domain/task.js";

// What core encrypts at rest, and how each value is bound (docs/security.md, "Encryption at
// rest"): the free text users write that no query needs — task notes, the sentence a task was
// parsed from, project descriptions — and the request fingerprint (a hash of a request that
// holds those texts, which would otherwise let anyone with the table confirm a guessed note).
// Titles, names and labels stay plaintext: ListTasks filters and sorts on them in SQL.
//
// A value is bound to the resource row it belongs to — workspace | core.tasks | <id>#<version> |
// column — wherever it is stored: the row itself, a change-feed snapshot or a request record
// carry the same ciphertext (encrypted once per write), so a value moved to another task,
// column, workspace or an older version of the same task fails to decrypt. The workspace is the
// one of the row that holds the value (for snapshots: the change's or request's own column).

const taskField = (workspaceId: string, task: Task, column: string): FieldRef => ({
  workspaceId,
  table: "core.tasks",
  row: `${task.id}#${task.version}`,
  column,
});

const projectField = (workspaceId: string, project: Project): FieldRef => ({
  workspaceId,
  table: "core.projects",
  row: `${project.id}#${project.version}`,
  column: "description",
});

const fingerprintField = (r: Pick<RequestRecord, "workspaceId" | "principal" | "requestId">) => ({
  workspaceId: r.workspaceId,
  table: "core.request_ids",
  row: `${r.principal}/${r.requestId}`,
  column: "fingerprint",
});

type Snapshot = ChangeSnapshot | RecordedResponse;

/** Core's encrypted fields, on one connection (a transaction's, or the pool). */
export interface SealedFields {
  /** The task as stored: notes and source text encrypted. */
  sealTask(task: Task): Promise<Task>;
  /** A stored task (from a row of `workspaceId`) with its text decrypted. */
  openTask(task: Task, workspaceId?: string): Promise<Task>;
  sealProject(project: Project): Promise<Project>;
  openProject(project: Project, workspaceId?: string): Promise<Project>;
  /** A change snapshot or recorded response as stored. */
  sealSnapshot<S extends Snapshot>(snapshot: S): Promise<S>;
  /** A stored snapshot from a row of `workspaceId`, decrypted. */
  openSnapshot<S extends Snapshot>(snapshot: S, workspaceId: string): Promise<S>;
  /** A request record's fingerprint as stored (encrypted unless the request names no text). */
  sealFingerprint(record: RequestRecord): Promise<string>;
  openFingerprint(record: RequestRecord): Promise<string>;
}

export interface CoreEncryption {
  /** The fields bound to `sql`: data keys are read on it (inside a transaction: its connection). */
  on(sql: Sql): SealedFields;
}

/** Workspace creations hold only the display name: nothing to hide, no data key needed. */
const holdsText = (response: RecordedResponse) => response.type !== "workspace";

export function createCoreEncryption(cipher: FieldCipher): CoreEncryption {
  // A task or project is immutable once made: its sealed form is computed once, however many
  // places (row, change, request record) store it.
  const sealedTasks = new WeakMap<Task, Promise<Task>>();
  const sealedProjects = new WeakMap<Project, Promise<Project>>();

  return {
    on(sql) {
      const fields: SealedFields = {
        sealTask(task) {
          let sealed = sealedTasks.get(task);
          if (!sealed) {
            sealed = (async () => {
              const ws = task.workspaceId;
              const [notes, text] = await Promise.all([
                cipher.encrypt(taskField(ws, task, "notes"), task.notes, sql),
                task.source &&
                  cipher.encrypt(taskField(ws, task, "source_text"), task.source.text, sql),
              ]);
              return {
                ...task,
                notes,
                source: task.source && { ...task.source, text: text as string },
              };
            })();
            sealedTasks.set(task, sealed);
            // A failure (e.g. the database down while making a key) isn't remembered.
            sealed.catch(() => sealedTasks.delete(task));
          }
          return sealed;
        },

        async openTask(task, workspaceId = task.workspaceId) {
          const [notes, text] = await Promise.all([
            cipher.decrypt(taskField(workspaceId, task, "notes"), task.notes, sql),
            task.source &&
              cipher.decrypt(taskField(workspaceId, task, "source_text"), task.source.text, sql),
          ]);
          return {
            ...task,
            notes,
            source: task.source && { ...task.source, text: text as string },
          };
        },

        sealProject(project) {
          let sealed = sealedProjects.get(project);
          if (!sealed) {
            sealed = cipher
              .encrypt(projectField(project.workspaceId, project), project.description, sql)
              .then((description) => ({ ...project, description }));
            sealedProjects.set(project, sealed);
            sealed.catch(() => sealedProjects.delete(project));
          }
          return sealed;
        },

        async openProject(project, workspaceId = project.workspaceId) {
          const description = await cipher.decrypt(
            projectField(workspaceId, project),
            project.description,
            sql,
          );
          return { ...project, description };
        },

        async sealSnapshot(snapshot) {
          switch (snapshot.type) {
            case "task":
              return { ...snapshot, task: await fields.sealTask(snapshot.task) };
            case "project":
              return { ...snapshot, project: await fields.sealProject(snapshot.project) };
            default:
              return snapshot;
          }
        },

        async openSnapshot(snapshot, workspaceId) {
          switch (snapshot.type) {
            case "task":
              return { ...snapshot, task: await fields.openTask(snapshot.task, workspaceId) };
            case "project":
              return {
                ...snapshot,
                project: await fields.openProject(snapshot.project, workspaceId),
              };
            default:
              return snapshot;
          }
        },

        sealFingerprint: (record) =>
          holdsText(record.response)
            ? cipher.encrypt(fingerprintField(record), record.fingerprint, sql)
            : Promise.resolve(record.fingerprint),

        openFingerprint: (record) =>
          holdsText(record.response)
            ? cipher.decrypt(fingerprintField(record), record.fingerprint, sql)
            : Promise.resolve(record.fingerprint),
      };
      return fields;
    },
  };
}
