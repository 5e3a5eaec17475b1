import { readConfig, runtimeConfigSchema } from "@glidepath/runtime";
import { z } from "zod";

/** The runtime's settings plus the ai service's own (see the configuration table in README.md). */
export const aiConfigSchema = runtimeConfigSchema.extend({
  /** core's gRPC listener: every read and write of tasks goes through its RPCs. */
  CORE_GRPC_URL: z
    .url()
    .regex(/^https?:\/\/[^/?#]+\/?$/, "must be http(s)://host:port of core's gRPC listener"),
  /** Deadline of each call to core unless the caller's own deadline is shorter. */
  CORE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** How long a caller's role in a workspace (read from core) is trusted. */
  ROLE_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** How many workspaces' models stay deserialised in memory. */
  MODEL_CACHE_SIZE: z.coerce.number().int().min(1).max(100_000).default(200),
  /** How long a workspace's project list (for `#Project`) is reused between calls. */
  PROJECTS_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
  /** How long a workspace's open tasks (duplicate search, triage) are reused between calls. */
  OPEN_TASKS_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /** How many model versions each workspace keeps (older ones are pruned on training). */
  MODEL_VERSIONS_KEPT: z.coerce.number().int().min(1).max(1000).default(10),
});

export const readAiConfig = (env: NodeJS.ProcessEnv = process.env) =>
  readConfig(aiConfigSchema, env);
export type AiConfig = ReturnType<typeof readAiConfig>;
