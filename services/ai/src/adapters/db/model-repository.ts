import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import type { Sql } from "@glidepath/runtime";
import type { ModelRecord, ModelRepository } from "../../app/ports.js";
import { ACTION_KINDS, type CalibrationReport } from "../../domain/suggest/index.js";

const zip = promisify(gzip);
const unzip = promisify(gunzip);

// Models in the ai schema: one row per (workspace, version) with the serialised model
// (gzip), one row per kind of action with its calibration report. Every query carries the
// workspace id.

interface ModelRow {
  workspace_id: string;
  version: number;
  /** MikroORM's pool hands timestamps back as text. */
  create_time: Date | string;
  example_count: number;
  model_version: string;
  time_zone: string;
  trained_by: string;
  training_millis: number;
  history_note: string | null;
}

interface ReportRow {
  version: number;
  report: CalibrationReport;
}

const modelColumns =
  "workspace_id, version, create_time, example_count, model_version, time_zone, trained_by, training_millis, history_note";

export function createModelRepository(sql: Sql): ModelRepository {
  const withReports = async (db: Sql, rows: ModelRow[]): Promise<ModelRecord[]> => {
    const first = rows[0];
    if (!first) return [];
    const reports = await db.query<ReportRow>(
      `select version, report from ai.model_calibrations
        where workspace_id = $1 and version = any($2::int[]) order by version, kind`,
      [first.workspace_id, rows.map((r) => r.version)],
    );
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      version: r.version,
      createTime: new Date(r.create_time),
      exampleCount: r.example_count,
      modelVersion: r.model_version,
      timeZone: r.time_zone,
      trainedBy: r.trained_by,
      trainingMillis: r.training_millis,
      historyNote: r.history_note,
      reports: reports
        .filter((x) => x.version === r.version)
        .map((x) => x.report)
        // In the engine's order of kinds, as training returned them.
        .sort((a, b) => ACTION_KINDS.indexOf(a.kind) - ACTION_KINDS.indexOf(b.kind)),
    }));
  };

  return {
    async latestVersion(workspaceId) {
      const [row] = await sql.query<{ version: number }>(
        "select max(version) as version from ai.models where workspace_id = $1",
        [workspaceId],
      );
      return row?.version ?? undefined;
    },

    async get(workspaceId, version) {
      const rows = await sql.query<ModelRow>(
        `select ${modelColumns} from ai.models where workspace_id = $1 and version = $2`,
        [workspaceId, version],
      );
      return (await withReports(sql, rows))[0];
    },

    async payload(workspaceId, version) {
      const [row] = await sql.query<{ payload: Buffer }>(
        "select payload from ai.models where workspace_id = $1 and version = $2",
        [workspaceId, version],
      );
      return row ? (await unzip(row.payload)).toString("utf8") : undefined;
    },

    async list(workspaceId, limit, before) {
      const rows = await sql.query<ModelRow>(
        `select ${modelColumns} from ai.models
          where workspace_id = $1 and ($2::int is null or version < $2)
          order by version desc limit $3`,
        [workspaceId, before ?? null, limit],
      );
      return withReports(sql, rows);
    },

    async findByRequest(workspaceId, user, requestId) {
      const rows = await sql.query<ModelRow>(
        `select ${modelColumns} from ai.models
          where workspace_id = $1 and trained_by = $2 and request_id = $3`,
        [workspaceId, user, requestId],
      );
      return (await withReports(sql, rows))[0];
    },

    async insert(record, keep) {
      const payload = await zip(Buffer.from(record.payload, "utf8"));
      return sql.transaction(async (tx) => {
        // One writer per workspace at a time: versions are numbered without gaps or clashes.
        await tx.query("select pg_advisory_xact_lock(hashtext($1))", [
          `ai.models:${record.workspaceId}`,
        ]);
        if (record.requestId) {
          const rows = await tx.query<ModelRow>(
            `select ${modelColumns} from ai.models
              where workspace_id = $1 and trained_by = $2 and request_id = $3`,
            [record.workspaceId, record.trainedBy, record.requestId],
          );
          const [existing] = await withReports(tx, rows);
          if (existing) return existing;
        }
        const [row] = await tx.query<ModelRow>(
          `insert into ai.models (workspace_id, version, create_time, example_count, model_version,
             time_zone, trained_by, training_millis, history_note, request_id, payload)
           select $1, coalesce(max(version), 0) + 1, clock_timestamp(), $2, $3, $4, $5, $6, $7, $8, $9
             from ai.models where workspace_id = $1
           returning ${modelColumns}`,
          [
            record.workspaceId,
            record.exampleCount,
            record.modelVersion,
            record.timeZone,
            record.trainedBy,
            Math.round(record.trainingMillis),
            record.historyNote,
            record.requestId,
            payload,
          ],
        );
        if (!row) throw new Error("insert into ai.models returned no row");
        await insertReports(tx, row, record.reports);
        await tx.execute("delete from ai.models where workspace_id = $1 and version <= $2", [
          record.workspaceId,
          row.version - keep,
        ]);
        return {
          workspaceId: row.workspace_id,
          version: row.version,
          createTime: new Date(row.create_time),
          exampleCount: row.example_count,
          modelVersion: row.model_version,
          timeZone: row.time_zone,
          trainedBy: row.trained_by,
          trainingMillis: row.training_millis,
          historyNote: row.history_note,
          reports: record.reports,
        };
      });
    },
  };
}

async function insertReports(tx: Sql, row: ModelRow, reports: readonly CalibrationReport[]) {
  if (reports.length === 0) return;
  await tx.execute(
    `insert into ai.model_calibrations
       (workspace_id, version, kind, status, examples, ece, ece_low, ece_high, report)
     select $1, $2, r.kind, r.status, r.examples, r.ece, r.ece_low, r.ece_high, r.report
       from jsonb_to_recordset($3::jsonb) as r(kind text, status text, examples int,
         ece double precision, ece_low double precision, ece_high double precision, report jsonb)`,
    [
      row.workspace_id,
      row.version,
      JSON.stringify(
        reports.map((r) => ({
          kind: r.kind,
          status: r.status,
          examples: r.examples,
          ece: finite(r.ece),
          ece_low: finite(r.eceInterval[0]),
          ece_high: finite(r.eceInterval[1]),
          report: r,
        })),
      ),
    ],
  );
}

const finite = (n: number) => (Number.isFinite(n) ? n : 0);
