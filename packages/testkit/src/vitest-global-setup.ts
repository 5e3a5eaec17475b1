import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { startPostgres } from "./postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

/** One PostgreSQL for the whole run; every suite creates its own database in it. */
export default async function setup(project: TestProject) {
  const server = await startPostgres();
  project.provide("postgresAdminUrl", server.adminUrl);
  console.log(`tests use PostgreSQL: ${server.kind}`);
  return () => server.stop();
}
