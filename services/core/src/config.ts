import { readConfig, runtimeConfigSchema } from "@glidepath/runtime";

/** Core reads only the runtime's settings (see the configuration table in README.md). */
export const coreConfigSchema = runtimeConfigSchema;

export const readCoreConfig = (env: NodeJS.ProcessEnv = process.env) =>
  readConfig(coreConfigSchema, env);
export type CoreConfig = ReturnType<typeof readCoreConfig>;
