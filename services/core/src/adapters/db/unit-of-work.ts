import type { Sql } from "@glidepath/runtime";
import type { Repositories, UnitOfWork } from "../../app/ports.js";
import { createChangeLog } from "./change-log.js";
import { createProjectRepository } from "./project-repository.js";
import { createRequestLog } from "./request-log.js";
import type { CoreEncryption } from "./sealed-fields.js";
import { createTaskRepository } from "./task-repository.js";
import { createMemberRepository, createWorkspaceRepository } from "./workspace-repository.js";

function repositories(sql: Sql, batched: boolean, encryption: CoreEncryption): Repositories {
  return {
    workspaces: createWorkspaceRepository(sql),
    members: createMemberRepository(sql),
    projects: createProjectRepository(sql, encryption),
    tasks: createTaskRepository(sql, { batched, encryption }),
    changes: createChangeLog(sql, encryption),
    requests: createRequestLog(sql, encryption),
  };
}

/**
 * Transactions over the repositories. `afterCommit` runs after every commit that may have
 * written changes (the relay uses it to publish them promptly).
 */
export function createUnitOfWork(
  sql: Sql,
  encryption: CoreEncryption,
  afterCommit: () => void = () => {},
): UnitOfWork {
  const repos = repositories(sql, true, encryption);
  return {
    repos: {
      ...repos,
      tasks: {
        ...repos.tasks,
        // The single-statement insert commits on its own.
        insert: async (...args) => {
          const inserted = await repos.tasks.insert(...args);
          afterCommit();
          return inserted;
        },
      },
    },
    run: async (work) => {
      const result = await sql.transaction((tx) => work(repositories(tx, false, encryption)));
      afterCommit();
      return result;
    },
  };
}
