export {
  aDueTask,
  aProject,
  aTask,
  aTimedTask,
  type ProjectInit,
  type TaskInit,
} from "./builders.js";
export {
  createTestCertificates,
  type TestCertificates,
  type TestKeyPair,
} from "./certificates.js";
export { clientFor, type Protocol, type ServiceUrls, transportFor } from "./clients.js";
export { freePort } from "./ports.js";
export { createTestDatabase, type PostgresServer, startPostgres } from "./postgres.js";
export { serviceEnv } from "./service-env.js";
export {
  createServiceKeyRing,
  meshServices,
  type ServiceKeyRing,
  serviceTokenHeader,
  serviceTokenType,
  testServiceKeys,
} from "./service-keys.js";
export { type SpawnedService, type SpawnOptions, spawnService } from "./spawn-service.js";
export { createTestIssuer, type TestIssuer } from "./tokens.js";
