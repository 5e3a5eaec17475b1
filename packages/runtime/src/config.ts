import { readFileSync } from "node:fs";
import { z } from "zod";
import { rateLimitSetting } from "./rate-limiter.js";

/** A configuration problem, named by the environment variable that caused it. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Reads `schema` from the environment. Every key `FOO` may instead come from a file named by
 * `FOO_FILE` (mounted secrets); setting both is an error. Fails with a message naming each bad
 * variable, never its value.
 */
export function readConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const file = env[`${key}_FILE`];
    if (file !== undefined && env[key] !== undefined) {
      throw new ConfigError(`set either ${key} or ${key}_FILE, not both`);
    }
    if (file !== undefined) {
      try {
        raw[key] = readFileSync(file, "utf8").trim();
      } catch {
        throw new ConfigError(`${key}_FILE: cannot read the file it names`);
      }
    } else {
      raw[key] = env[key] === "" ? undefined : env[key];
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  return parsed.data;
}

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** Settings every service reads; a service extends this with its own. */
export const runtimeConfigSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(20),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  MIGRATE_ON_START: bool.default(true),
  HOST: z.string().default("127.0.0.1"),
  GRPC_PORT: port.default(0),
  HTTP_PORT: port.default(0),
  METRICS_PORT: port.default(0),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  AUTH_ISSUER: z.string().min(1),
  AUTH_AUDIENCE: z.string().min(1),
  AUTH_PUBLIC_KEY: z.string().min(1).optional(),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_ALGORITHMS: z
    .string()
    .default("EdDSA,ES256,RS256")
    .transform((s) => s.split(",").map((a) => a.trim())),
  /** Least time between two fetches of AUTH_JWKS_URL (refreshes on an unknown `kid`). */
  AUTH_JWKS_COOLDOWN_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  // Service identity (see auth/service-tokens.ts): PEM/JSON text, or `*_FILE` naming a file.
  /** This service's Ed25519 private key (PEM): it signs the service tokens it calls others with. */
  SERVICE_SIGNING_KEY: z.string().min(1).optional(),
  /** Services whose tokens this one accepts: a name → PEM public key map, or a JWKS. */
  SERVICE_KEYS: z.string().min(1).optional(),
  /** Lifetime of the service tokens this service mints. */
  SERVICE_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(300).default(60),
  MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  MAX_DEADLINE_MS: z.coerce.number().int().min(100).default(30_000),
  DEFAULT_DEADLINE_MS: z.coerce.number().int().min(100).default(10_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  CORS_ORIGINS: z
    .string()
    .default("")
    .transform((s) => s.split(",").filter(Boolean)),
  // Rate limits per principal and method class (see rate-limiter.ts): "<points>/<seconds>".
  RATE_LIMIT_ENABLED: bool.default(true),
  RATE_LIMIT_READS: rateLimitSetting("50/1"),
  RATE_LIMIT_WRITES: rateLimitSetting("20/1"),
  RATE_LIMIT_EXPENSIVE: rateLimitSetting("2/1"),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  // TLS in transit (see tls.ts): PEM text, or `*_FILE` naming a mounted PEM file.
  /** This service's certificate chain and key: every listener serves TLS when both are set. */
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
  /** CA(s) whose client certificates the gRPC and HTTP ports require (mutual TLS). */
  TLS_CLIENT_CA: z.string().min(1).optional(),
  /** CA(s) trusted when this service calls another over https:// (default: the system's). */
  TLS_CA: z.string().min(1).optional(),
});

export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;
