import { dataKeysTableSql } from "@glidepath/runtime";
import { Migration } from "@mikro-orm/migrations";

/**
 * Encryption at rest: per-workspace data keys, wrapped by a master key (MASTER_KEYS), and a
 * marker telling core to encrypt the text written before this migration (encrypt-existing.ts).
 */
export class Migration0003DataKeys extends Migration {
  override async up(): Promise<void> {
    for (const statement of dataKeysTableSql("core")) this.addSql(statement);
    // One row while rows written in plaintext (before this migration) remain; a fresh schema
    // has none, so nothing to do.
    this.addSql(`
      create table core.encryption_backfill (
        pending boolean primary key default true check (pending),
        create_time timestamptz not null default now()
      )`);
    this.addSql(`
      insert into core.encryption_backfill (pending)
      select true where exists (select 1 from core.tasks) or exists (select 1 from core.projects)
        or exists (select 1 from core.changes) or exists (select 1 from core.request_ids)`);
  }

  override async down(): Promise<void> {
    // Dropping data keys would make every encrypted value unreadable for good (crypto-shredding):
    // refuse while any exist. A schema without encrypted data goes down as usual.
    this.addSql(`
      do $$ begin
        if to_regclass('core.data_keys') is not null and exists (select 1 from core.data_keys) then
          raise exception 'core.data_keys holds data keys: going down would destroy every encrypted value';
        end if;
      end $$`);
    this.addSql(`drop table if exists core.encryption_backfill`);
    this.addSql(`drop table if exists core.data_keys`);
  }
}
