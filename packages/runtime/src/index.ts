export { createJwtVerifier, type JwtVerifier, type VerifiedClaims } from "./auth/jwt-verifier.js";
export {
  createServiceTokenMinter,
  createServiceTokenVerifier,
  parseServiceKeys,
  parseServiceSigningKey,
  SERVICE_TOKEN_HEADER,
  SERVICE_TOKEN_TYPE,
  type ServiceTokenMinter,
  type ServiceTokenVerifier,
  serviceIdentityFrom,
} from "./auth/service-tokens.js";
export { type BatcherOptions, createBatcher } from "./batcher.js";
export { createServiceClient, type ServiceClientOptions } from "./client.js";
export { ConfigError, type RuntimeConfig, readConfig, runtimeConfigSchema } from "./config.js";
export {
  createDataKeyStore,
  createFieldCipher,
  DataCorruptedError,
  type DataKeyStore,
  dataKeysTableSql,
  type FieldCipher,
  type FieldRef,
  isEnvelope,
  type MasterKeys,
  masterKeysSetting,
  parseMasterKeys,
  type RewrapResult,
  rewrapDataKeys,
} from "./crypto/index.js";
export {
  type DatabaseOptions,
  type EntityManager,
  type MikroORM,
  migrateDownAll,
  migrateUp,
  openDatabase,
  probeDatabase,
} from "./database.js";
export {
  databaseUrlFor,
  type ServiceRole,
  type ServiceRoleResult,
  serviceRoleName,
  setupServiceRoles,
} from "./database-roles.js";
export {
  createRateLimitInterceptor,
  type RateLimitOptions,
  rateLimitClassOf,
} from "./interceptors/rate-limit.js";
export { createLogger, type Logger, redactedPaths } from "./logger.js";
export { createServiceMetrics, type ServiceMetrics } from "./metrics.js";
export { isPostgresTlsError, type PostgresSsl, postgresSslFrom } from "./postgres-ssl.js";
export { callerServiceKey, type Principal, principalKey, principalOf } from "./principal.js";
export {
  createPostgresBucketStore,
  createRateLimiter,
  parseRateLimit,
  type RateLimit,
  type RateLimitClass,
  type RateLimiter,
} from "./rate-limiter.js";
export { defaultReason, type FieldViolation, type RpcErrorInit, rpcError } from "./rpc-error.js";
export {
  activeTraceId,
  type SecurityEvent,
  type SecurityEventName,
  securityEvent,
  securityEventFields,
} from "./security-events.js";
export { createSql, type PreparedStatement, prepare, type Sql } from "./sql.js";
export {
  type RunningService,
  type ServiceDefinition,
  type ServiceDeps,
  type ServiceParts,
  startService,
} from "./start-service.js";
export {
  type ClientTls,
  clientTlsFrom,
  grpcServerCredentials,
  type ServerTls,
  serverTlsFrom,
} from "./tls.js";
