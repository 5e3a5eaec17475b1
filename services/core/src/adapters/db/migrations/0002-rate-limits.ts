import { Migration } from "@mikro-orm/migrations";

/**
 * The runtime's shared rate-limit buckets (packages/runtime/src/rate-limiter.ts): one row per
 * principal and method class, shared by every replica of core. UNLOGGED (a bucket lost in a crash
 * starts full again) and with room for HOT updates.
 */
export class Migration0002RateLimits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create unlogged table core.rate_limits (
        key text primary key,
        tokens double precision not null,
        capacity double precision not null check (capacity >= 1),
        refill_per_ms double precision not null check (refill_per_ms > 0),
        updated_ms double precision not null,
        granted integer not null check (granted >= 0)
      ) with (fillfactor = 70)`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists core.rate_limits`);
  }
}
