// Creates or converges one PostgreSQL role per service, each owning its own schema and nothing
// else (packages/runtime/src/database-roles.ts), then exits. Run it with an administrator's URL
// once per environment and whenever a service is added, before the services' migrations:
//
//   DATABASE_ADMIN_URL_FILE=/run/secrets/admin-url \
//   DATABASE_PASSWORD_CORE_FILE=/run/secrets/core-password \
//   DATABASE_PASSWORD_AI_FILE=/run/secrets/ai-password \
//   node --import tsx deploy/setup-roles.mjs core ai
//
// List every service schema of the database: each role is kept out of the others'. A password
// left unset leaves the role's password as it is (e.g. certificate or IAM authentication). The
// services then connect as `glidepath_<service>` (their DATABASE_URL names that role). Safe to run
// again at any time and from several places at once; it never prints a password or URL.
import { ConfigError, createLogger, readConfig, setupServiceRoles } from "@glidepath/runtime";
import { z } from "zod";

const services = process.argv.slice(2);
if (services.length === 0 || !services.every((s) => /^[a-z][a-z0-9_]*$/.test(s))) {
  console.error("usage: node --import tsx deploy/setup-roles.mjs <service> [<service>...]");
  process.exit(2);
}
const passwordVar = (service) => `DATABASE_PASSWORD_${service.toUpperCase()}`;
const logger = createLogger("setup-roles", process.env.LOG_LEVEL ?? "info");
let config;
try {
  config = readConfig(
    z.object({
      DATABASE_ADMIN_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
      ...Object.fromEntries(services.map((s) => [passwordVar(s), z.string().min(16).optional()])),
    }),
  );
} catch (e) {
  console.error(e instanceof ConfigError ? `setup-roles: ${e.message}` : e);
  process.exit(1);
}
try {
  const results = await setupServiceRoles(
    config.DATABASE_ADMIN_URL,
    services.map((schema) => ({ schema, password: config[passwordVar(schema)] })),
  );
  for (const r of results) {
    logger.info(
      { event: "database_role_ready", role: r.role, schema: r.schema, reassigned: r.reassigned },
      `${r.role} owns schema ${r.schema} only`,
    );
  }
} catch (e) {
  logger.error({ event: "database_roles_failed", err: e }, "database role setup failed");
  process.exitCode = 1;
}
