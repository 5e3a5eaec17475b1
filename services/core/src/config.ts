import { masterKeysSetting, readConfig, runtimeConfigSchema } from "@glidepath/runtime";

/**
 * Core reads the runtime's settings and MASTER_KEYS (it stores sensitive text encrypted); see
 * the configuration table in README.md.
 */
export const coreConfigSchema = runtimeConfigSchema.extend(masterKeysSetting);

export const readCoreConfig = (env: NodeJS.ProcessEnv = process.env) =>
  readConfig(coreConfigSchema, env);
export type CoreConfig = ReturnType<typeof readCoreConfig>;
