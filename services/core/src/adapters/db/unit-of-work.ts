import type { Sql } from "@glidepath/runtime";
import type { Repositories, UnitOfWork } from "../../app/ports.js";
import { createChangeLog } from "./change-log.js";
import { createProjectRepository } from "./project-repository.js";
import { createRequestLog } from "./request-log.js";
import { createTaskRepository } from "./task-repository.js";
import { createMemberRepository, createWorkspaceRepository } from "./workspace-repository.js";

function repositories(sql: Sql, batched: boolean): Repositories {
  return {
    workspaces: createWorkspaceRepository(sql),
    members: createMemberRepository(sql),
    projects: createProjectRepository(sql),
    tasks: createTaskRepository(sql, { batched }),
    changes: createChangeLog(sql),
    requests: createRequestLog(sql),
  };
}

/**
 * Transactions over the repositories. `afterCommit` runs after every commit that may have
 * written changes (the relay uses it to publish them promptly).
 */
export function createUnitOfWork(sql: Sql, afterCommit: () => void = () => {}): UnitOfWork {
  const repos = repositories(sql, true);
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
      const result = await sql.transaction((tx) => work(repositories(tx, false)));
      afterCommit();
      return result;
    },
  };
}
