import { Migration } from "@mikro-orm/migrations";

/** Workspaces, members, projects, tasks (+labels, completions), the change feed, request ids. */
export class Migration0001Initial extends Migration {
  override async up(): Promise<void> {
    // The schema normally exists, owned by the service's own role (runtime database-roles.ts),
    // which may not create schemas: CREATE SCHEMA IF NOT EXISTS would still check that right.
    this.addSql(
      `do $$ begin if to_regnamespace('core') is null then create schema core; end if; end $$`,
    );
    this.addSql(`
      create table core.workspaces (
        workspace_id uuid primary key,
        display_name text not null,
        create_time timestamptz not null,
        update_time timestamptz not null,
        version integer not null
      )`);
    this.addSql(`
      create table core.members (
        workspace_id uuid not null references core.workspaces (workspace_id) on delete cascade,
        user_id text not null,
        role text not null check (role in ('OWNER', 'ADMIN', 'MEMBER', 'VIEWER')),
        create_time timestamptz not null,
        update_time timestamptz not null,
        version integer not null,
        primary key (workspace_id, user_id)
      )`);
    this.addSql(`create index members_by_user on core.members (user_id, workspace_id)`);
    this.addSql(`
      create table core.projects (
        workspace_id uuid not null references core.workspaces (workspace_id) on delete cascade,
        id uuid not null,
        display_name text not null,
        description text not null default '',
        state text not null check (state in ('ACTIVE', 'ARCHIVED')),
        archive_time timestamptz,
        create_time timestamptz not null,
        update_time timestamptz not null,
        version integer not null,
        primary key (workspace_id, id)
      )`);
    this.addSql(
      `create index projects_by_creation on core.projects (workspace_id, create_time, id)`,
    );
    this.addSql(`
      create table core.tasks (
        workspace_id uuid not null references core.workspaces (workspace_id) on delete cascade,
        id uuid not null,
        title text not null,
        notes text not null default '',
        state text not null check (state in ('OPEN', 'DONE', 'CANCELLED')),
        priority smallint not null check (priority between 1 and 4),
        due_date date,
        due_time time,
        due_time_zone text,
        due_instant timestamptz,
        recurrence text,
        project_id uuid,
        duration_minutes integer check (duration_minutes between 1 and 43200),
        assignee text,
        actor text not null check (actor in ('USER', 'AI', 'AUTONOMY')),
        actor_user text not null,
        actor_service text,
        source_text text,
        source_reference_time text,
        source_time_zone text,
        source_parser_version text,
        create_time timestamptz not null,
        update_time timestamptz not null,
        complete_time timestamptz,
        delete_time timestamptz,
        completion_count integer not null default 0,
        version integer not null,
        primary key (workspace_id, id),
        foreign key (workspace_id, project_id) references core.projects (workspace_id, id)
          on delete set null (project_id),
        check ((due_time is null) = (due_time_zone is null)),
        check (due_time is null or due_date is not null),
        check (recurrence is null or due_date is not null)
      )`);
    this.addSql(`create index tasks_by_creation on core.tasks (workspace_id, create_time, id)`);
    this.addSql(`create index tasks_by_update on core.tasks (workspace_id, update_time, id)`);
    this.addSql(
      `create index tasks_by_due on core.tasks (workspace_id, (coalesce(due_date, 'infinity'::date)), id)`,
    );
    this.addSql(`create index tasks_by_priority on core.tasks (workspace_id, priority, id)`);
    this.addSql(
      `create index tasks_by_project on core.tasks (workspace_id, project_id) where project_id is not null`,
    );
    this.addSql(`
      create table core.task_labels (
        workspace_id uuid not null,
        task_id uuid not null,
        label text not null,
        primary key (workspace_id, task_id, label),
        foreign key (workspace_id, task_id) references core.tasks (workspace_id, id) on delete cascade
      )`);
    this.addSql(`create index task_labels_by_label on core.task_labels (workspace_id, label)`);
    this.addSql(`
      create table core.task_completions (
        workspace_id uuid not null,
        task_id uuid not null,
        completion integer not null,
        occurrence_date date,
        complete_time timestamptz not null,
        primary key (workspace_id, task_id, completion),
        foreign key (workspace_id, task_id) references core.tasks (workspace_id, id) on delete cascade
      )`);
    // The transactional outbox. Writers insert rows with their transaction id; the relay gives
    // each row a position once no older transaction is still running, so readers following
    // positions never skip a late commit.
    this.addSql(`
      create table core.changes (
        workspace_id uuid not null,
        id bigserial not null,
        txid xid8 not null default pg_current_xact_id(),
        position bigint,
        kind text not null,
        resource_type text not null check (resource_type in ('task', 'project')),
        resource_id uuid not null,
        snapshot jsonb not null,
        actor text not null,
        actor_user text not null,
        actor_service text,
        change_time timestamptz not null default clock_timestamp(),
        primary key (workspace_id, id)
      )`);
    this.addSql(`create index changes_unpositioned on core.changes (id) where position is null`);
    this.addSql(`create unique index changes_by_position on core.changes (position)`);
    this.addSql(
      `create index changes_feed on core.changes (workspace_id, position) where position is not null`,
    );
    this.addSql(`
      create table core.request_ids (
        workspace_id uuid not null,
        principal text not null,
        request_id uuid not null,
        fingerprint text not null,
        response jsonb not null,
        create_time timestamptz not null default now(),
        primary key (workspace_id, principal, request_id)
      )`);
    this.addSql(`create index request_ids_by_age on core.request_ids (create_time)`);
  }

  override async down(): Promise<void> {
    for (const table of [
      "request_ids",
      "changes",
      "task_completions",
      "task_labels",
      "tasks",
      "projects",
      "members",
      "workspaces",
    ]) {
      this.addSql(`drop table if exists core.${table}`);
    }
  }
}
