import type { TestIssuer } from "./tokens.js";

/** The environment a service needs in tests: a database, a trusted issuer, ports 0. */
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
    ...extra,
  };
}
