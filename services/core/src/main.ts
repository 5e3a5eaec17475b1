import { randomFillSync } from "node:crypto";
import { createSql, type RunningService, securityEvent, startService } from "@glidepath/runtime";
import type { DestinationStream } from "pino";
import { v7 as uuidv7 } from "uuid";
import { startChangeRelay } from "./adapters/db/change-relay.js";
import { setUpEncryption } from "./adapters/db/encryption-setup.js";
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
    build: async ({ orm, logger, metrics, stopping }) => {
      const sql = createSql(orm);
      const { encryption, backfilled } = await setUpEncryption({
        sql,
        masterKeys: config.MASTER_KEYS,
        onFailure: (field, reason) =>
          securityEvent(logger, metrics, {
            event: "decryption_failed",
            workspace: field.workspaceId,
            reason,
            detail: `${field.table}.${field.column}`,
          }),
      }).catch(async (e) => {
        await orm.close(); // e.g. a master key missing: the process doesn't start
        throw e;
      });
      if (backfilled) {
        logger.info({ event: "encryption_backfill", ...backfilled }, "encrypted existing text");
      }
      const relay = startChangeRelay(sql, logger);
      const uow = createUnitOfWork(sql, encryption, relay.nudge);
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
      const authorization = createAuthorizationInterceptor(roles, (method, reason, who) =>
        securityEvent(logger, metrics, { event: "permission_denied", method, reason, ...who }),
      );
      return {
        services: createCoreServices(useCases, stopping),
        interceptors: [authorization],
        close: () => relay.stop(),
      };
    },
  });
}
