import { createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";
import { ConfigError } from "../config.js";
import type { Sql } from "../sql.js";
import { associatedData, DecryptionError, openBytes, sealBytes } from "./envelope.js";
import type { MasterKeys } from "./master-keys.js";

/** A workspace's data key of one version, unwrapped. */
export interface DataKey {
  version: number;
  key: KeyObject;
}

/**
 * Per-workspace data keys, kept in `<schema>.data_keys` wrapped by a master key and cached
 * unwrapped in memory.
 */
export interface DataKeyStore {
  /** The key new data is encrypted with; made (and stored wrapped) on a workspace's first use. */
  current(workspaceId: string, via?: Sql): Promise<DataKey>;
  /** The key of `version`; throws DecryptionError("UNKNOWN_KEY") when there is none. */
  get(workspaceId: string, version: number, via?: Sql): Promise<KeyObject>;
  /**
   * Fails (a ConfigError naming MASTER_KEYS) when a stored data key is wrapped by a master key
   * that isn't configured: run before serving, so a key removed too early stops the start
   * rather than failing reads one by one.
   */
  checkMasterKeys(): Promise<void>;
}

export interface DataKeyStoreOptions {
  /** Where data keys are created (outside any caller's transaction, so never rolled back). */
  sql: Sql;
  /** The service's schema, holding `data_keys`. */
  schema: string;
  masterKeys: MasterKeys;
  /** Workspaces whose keys stay unwrapped in memory (default 10,000). */
  cacheSize?: number;
}

/** The SQL that creates `<schema>.data_keys`; each service's migration runs it. */
export function dataKeysTableSql(schema: string): string[] {
  const s = checkSchema(schema);
  return [
    `create table ${s}.data_keys (
      workspace_id uuid not null,
      version integer not null check (version >= 1),
      wrapped_key bytea not null,
      master_key_id text not null,
      create_time timestamptz not null default now(),
      update_time timestamptz not null default now(),
      primary key (workspace_id, version)
    )`,
    `create index data_keys_by_master_key on ${s}.data_keys (master_key_id)`,
  ];
}

function checkSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  return schema;
}

/** A data key is bound to its schema, workspace and version: a wrapped key moved elsewhere fails. */
export const dataKeyAad = (schema: string, workspaceId: string, version: number) =>
  associatedData(["data-key", schema, workspaceId, String(version)]);

export interface DataKeyRow {
  workspace_id: string;
  version: number;
  wrapped_key: Buffer;
  master_key_id: string;
}

/** Unwraps a stored data key with whichever configured master key wrapped it. */
export function unwrapDataKey(schema: string, masterKeys: MasterKeys, row: DataKeyRow): KeyObject {
  const master = masterKeys.get(row.master_key_id);
  if (!master) throw new DecryptionError("UNKNOWN_KEY");
  const raw = openBytes(master, row.wrapped_key, dataKeyAad(schema, row.workspace_id, row.version));
  const key = createSecretKey(raw);
  raw.fill(0);
  return key;
}

/** Wraps raw key bytes with the current master key. */
export function wrapDataKey(
  schema: string,
  masterKeys: MasterKeys,
  workspaceId: string,
  version: number,
  raw: Uint8Array,
): { wrapped: Buffer; masterKeyId: string } {
  const { id, key } = masterKeys.current();
  return {
    wrapped: sealBytes(key, raw, dataKeyAad(schema, workspaceId, version)),
    masterKeyId: id,
  };
}

interface Entry {
  current?: DataKey;
  versions: Map<number, KeyObject>;
}

export function createDataKeyStore(options: DataKeyStoreOptions): DataKeyStore {
  const schema = checkSchema(options.schema);
  const { masterKeys, sql } = options;
  const cache = new LRUCache<string, Entry>({ max: options.cacheSize ?? 10_000 });
  const loading = new Map<string, Promise<unknown>>();
  const columns = "workspace_id, version, wrapped_key, master_key_id";

  const entry = (workspaceId: string) => {
    let e = cache.get(workspaceId);
    if (!e) {
      e = { versions: new Map() };
      cache.set(workspaceId, e);
    }
    return e;
  };
  // One load per key at a time, however many calls miss together.
  const once = <T>(id: string, load: () => Promise<T>): Promise<T> => {
    const running = loading.get(id) as Promise<T> | undefined;
    if (running) return running;
    const started = load().finally(() => loading.delete(id));
    loading.set(id, started);
    return started;
  };
  const remember = (row: DataKeyRow): DataKey => {
    const key = unwrapDataKey(schema, masterKeys, row);
    entry(row.workspace_id).versions.set(row.version, key);
    return { version: row.version, key };
  };

  const newest = async (workspaceId: string, via: Sql) =>
    (
      await via.query<DataKeyRow>(
        `select ${columns} from ${schema}.data_keys where workspace_id = $1 order by version desc limit 1`,
        [workspaceId],
      )
    )[0];

  async function loadCurrent(workspaceId: string, via: Sql): Promise<DataKey> {
    let row = await newest(workspaceId, via);
    if (!row) {
      // First use. Two processes may race: one insert wins, both use the winner's key. The key
      // is committed on its own before any data is encrypted with it.
      const raw = randomBytes(32);
      const { wrapped, masterKeyId } = wrapDataKey(schema, masterKeys, workspaceId, 1, raw);
      raw.fill(0);
      [row] = await sql.query<DataKeyRow>(
        `insert into ${schema}.data_keys (workspace_id, version, wrapped_key, master_key_id)
         values ($1, 1, $2, $3) on conflict do nothing returning ${columns}`,
        [workspaceId, wrapped, masterKeyId],
      );
      row ??= await newest(workspaceId, sql);
      if (!row) throw new Error("data key neither created nor found");
    }
    const key = remember(row);
    entry(workspaceId).current = key;
    return key;
  }

  return {
    current(workspaceId, via = sql) {
      const known = cache.get(workspaceId)?.current;
      if (known) return Promise.resolve(known);
      return once(`current/${workspaceId}`, () => loadCurrent(workspaceId, via));
    },

    get(workspaceId, version, via = sql) {
      const known = cache.get(workspaceId)?.versions.get(version);
      if (known) return Promise.resolve(known);
      return once(`${version}/${workspaceId}`, async () => {
        const [row] = await via.query<DataKeyRow>(
          `select ${columns} from ${schema}.data_keys where workspace_id = $1 and version = $2`,
          [workspaceId, version],
        );
        if (!row) throw new DecryptionError("UNKNOWN_KEY");
        return remember(row).key;
      });
    },

    async checkMasterKeys() {
      const rows = await sql.query<{ master_key_id: string; n: number }>(
        `select master_key_id, count(*)::int as n from ${schema}.data_keys
         where master_key_id <> all($1::text[]) group by master_key_id`,
        [masterKeys.ids],
      );
      if (rows.length > 0) {
        const missing = rows.map((r) => `"${r.master_key_id}" (${r.n} data keys)`).join(", ");
        throw new ConfigError(
          `MASTER_KEYS: data keys in ${schema}.data_keys are wrapped by master keys that are not configured: ${missing}; add them back, then run keys:rotate before removing a master key`,
        );
      }
    },
  };
}
