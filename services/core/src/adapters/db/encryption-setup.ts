import {
  createDataKeyStore,
  createFieldCipher,
  type FieldRef,
  type MasterKeys,
  type Sql,
} from "@glidepath/runtime";
import { type BackfillCounts, encryptExistingData } from "./encrypt-existing.js";
import { type CoreEncryption, createCoreEncryption } from "./sealed-fields.js";

/**
 * Core's encryption at rest, ready before core serves: data keys in `core.data_keys` wrapped by
 * MASTER_KEYS (refusing to start when a stored data key's master key isn't configured), and any
 * text written before encryption was introduced encrypted now.
 */
export async function setUpEncryption(options: {
  sql: Sql;
  masterKeys: MasterKeys;
  /** A stored value failed to decrypt (told without the value). */
  onFailure: (field: FieldRef, reason: string) => void;
}): Promise<{ encryption: CoreEncryption; backfilled?: BackfillCounts }> {
  const keys = createDataKeyStore({
    sql: options.sql,
    schema: "core",
    masterKeys: options.masterKeys,
  });
  await keys.checkMasterKeys();
  const encryption = createCoreEncryption(
    createFieldCipher(keys, { onFailure: options.onFailure }),
  );
  const backfilled = await encryptExistingData(options.sql, encryption);
  return { encryption, backfilled };
}
