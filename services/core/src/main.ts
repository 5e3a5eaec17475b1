import { randomFillSync } from "node:crypto";
import { createSql, type RunningService, startService } from "@glidepath/runtime";
import type { DestinationStream } from "pino";
import { v7 as uuidv7 } from "uuid";
import { startChangeRelay } from "./adapters/db/change-relay.js";
import { migrations } from "./adapters/db/migrations/index.js";
import { createUnitOfWork } from "./adapters/db/unit-of-work.js";
import { createAuthorizationInterceptor, createRoleCache } from "./adapters/rpc/authorization.js";
import { mapCoreError } from "./adapters/rpc/error-table.js";
import { createCoreServices } from "./adapters/rpc/services.js";
import { createChangeUseCases } from "./app/changes.js";
import { createProjectUseCases } from "./app/projects.js";
import { createTaskUseCases } from "./app/tasks.js";
import { createWorkspaceUseCases } from "./app/workspaces.js";
import type { CoreConfig } from "./config.js";

// uuid's default source makes a getRandomValues call per id; one call per 256 ids is enough.
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;
function pooledRandom(): Uint8Array {
  if (randomOffset + 16 > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  randomOffset += 16;
  return randomPool.subarray(randomOffset - 16, randomOffset);
}

/** Wires core: database adapters → use cases → RPC handlers, on the shared runtime. */
export function startCore(
  config: CoreConfig,
  options: { logDestination?: DestinationStream } = {},
): Promise<RunningService> {
  return startService({
    name: "core",
    config,
    database: { entities: [], migrations },
    mapError: mapCoreError,
    logDestination: options.logDestination,
    build: ({ orm, logger, metrics, stopping }) => {
      const sql = createSql(orm);
      const relay = startChangeRelay(sql, logger);
      const uow = createUnitOfWork(sql, relay.nudge);
      const clock = { now: () => new Date() };
      const ids = { next: () => uuidv7({ rng: pooledRandom }) };
      const roles = createRoleCache((workspaceId, user) =>
        uow.repos.members.role(workspaceId, user),
      );
      const useCases = {
        workspaces: createWorkspaceUseCases({
          uow,
          clock,
          ids,
          onMembershipChanged: (workspaceId, user) => roles.invalidate(workspaceId, user),
        }),
        projects: createProjectUseCases({ uow, clock, ids }),
        tasks: createTaskUseCases({ uow, clock, ids }),
        changes: createChangeUseCases(uow.repos.changes, relay.signal),
      };
      const authorization = createAuthorizationInterceptor(roles, (method, reason) => {
        metrics.recordSecurityEvent("permission_denied", reason);
        logger.warn({ event: "permission_denied", method, reason }, "permission denied");
      });
      return {
        services: createCoreServices(useCases, stopping),
        interceptors: [authorization],
        close: () => relay.stop(),
      };
    },
  });
}
