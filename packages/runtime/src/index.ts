export { createJwtVerifier, type JwtVerifier, type VerifiedClaims } from "./auth/jwt-verifier.js";
export { type BatcherOptions, createBatcher } from "./batcher.js";
export { createServiceClient, type ServiceClientOptions } from "./client.js";
export { ConfigError, type RuntimeConfig, readConfig, runtimeConfigSchema } from "./config.js";
export {
  type DatabaseOptions,
  type EntityManager,
  type MikroORM,
  migrateDownAll,
  migrateUp,
  openDatabase,
  probeDatabase,
} from "./database.js";
export { createLogger, type Logger, redactedPaths } from "./logger.js";
export { createServiceMetrics, type ServiceMetrics } from "./metrics.js";
export { type Principal, principalKey, principalOf } from "./principal.js";
export { defaultReason, type FieldViolation, type RpcErrorInit, rpcError } from "./rpc-error.js";
export { createSql, type PreparedStatement, prepare, type Sql } from "./sql.js";
export {
  type RunningService,
  type ServiceDefinition,
  type ServiceDeps,
  type ServiceParts,
  startService,
} from "./start-service.js";
