import { Migration } from "@mikro-orm/migrations";

/** Suggestion models per workspace, versioned, with their per-kind calibration reports. */
export class Migration0001Models extends Migration {
  override async up(): Promise<void> {
    // The schema normally exists, owned by the service's own role (runtime database-roles.ts),
    // which may not create schemas: CREATE SCHEMA IF NOT EXISTS would still check that right.
    this.addSql(
      `do $$ begin if to_regnamespace('ai') is null then create schema ai; end if; end $$`,
    );
    this.addSql(`
      create table ai.models (
        workspace_id uuid not null,
        version integer not null check (version > 0),
        create_time timestamptz not null,
        example_count integer not null check (example_count >= 0),
        model_version text not null,
        time_zone text not null,
        trained_by text not null,
        training_millis integer not null check (training_millis >= 0),
        history_note text,
        request_id uuid,
        payload bytea not null,
        primary key (workspace_id, version)
      )`);
    this.addSql(
      `create unique index models_by_request on ai.models (workspace_id, trained_by, request_id) where request_id is not null`,
    );
    this.addSql(`
      create table ai.model_calibrations (
        workspace_id uuid not null,
        version integer not null,
        kind text not null,
        status text not null check (status in ('calibrated', 'insufficient_history', 'not_learned')),
        examples integer not null check (examples >= 0),
        ece double precision not null,
        ece_low double precision not null,
        ece_high double precision not null,
        report jsonb not null,
        primary key (workspace_id, version, kind),
        foreign key (workspace_id, version) references ai.models (workspace_id, version)
          on delete cascade
      )`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists ai.model_calibrations`);
    this.addSql(`drop table if exists ai.models`);
  }
}
