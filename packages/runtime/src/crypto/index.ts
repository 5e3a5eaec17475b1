export {
  createDataKeyStore,
  type DataKey,
  type DataKeyRow,
  type DataKeyStore,
  type DataKeyStoreOptions,
  dataKeysTableSql,
} from "./data-keys.js";
export {
  associatedData,
  DecryptionError,
  type DecryptionFailure,
  isEnvelope,
  openText,
  sealText,
} from "./envelope.js";
export {
  createFieldCipher,
  DataCorruptedError,
  type FieldCipher,
  type FieldCipherOptions,
  type FieldRef,
} from "./field-cipher.js";
export { type MasterKeys, masterKeysSetting, parseMasterKeys } from "./master-keys.js";
export { type RewrapResult, rewrapDataKeys } from "./rotate.js";
