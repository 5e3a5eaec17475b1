import { randomBytes } from "node:crypto";
import { testServiceKeys } from "./service-keys.js";
import type { TestIssuer } from "./tokens.js";

/** A master key for encryption at rest, made per test process (never a constant in the tree). */
const testMasterKeys = `test:${randomBytes(32).toString("base64")}`;

/**
 * The environment a service needs in tests: a database, a trusted issuer, the test key ring's
 * service keys (SERVICE_KEYS; a harness adds the service's own SERVICE_SIGNING_KEY), ports 0.
 */
export function serviceEnv(
  databaseUrl: string,
  issuer: TestIssuer,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: databaseUrl,
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_PUBLIC_KEY: issuer.publicKeyPem,
    HOST: "127.0.0.1",
    GRPC_PORT: "0",
    HTTP_PORT: "0",
    METRICS_PORT: "0",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    DATABASE_POOL_MAX: "10",
    SHUTDOWN_GRACE_MS: "2000",
    // Suites call far faster than people do: limits this high never refuse, yet every call
    // still goes through the limiter. Suites about rate limits set their own.
    RATE_LIMIT_READS: "1000000/1",
    RATE_LIMIT_WRITES: "1000000/1",
    RATE_LIMIT_EXPENSIVE: "1000000/1",
    SERVICE_KEYS: testServiceKeys().trusted,
    MASTER_KEYS: testMasterKeys,
    ...extra,
  };
}
