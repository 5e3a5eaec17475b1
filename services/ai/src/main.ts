import { createSql, type RunningService, startService } from "@glidepath/runtime";
import type { DestinationStream } from "pino";
import {
  createCoreClients,
  createCoreGateway,
  createCoreRoleLookup,
} from "./adapters/clients/core-gateway.js";
import { migrations } from "./adapters/db/migrations/index.js";
import { createModelRepository } from "./adapters/db/model-repository.js";
import { createAuthorizationInterceptor, createRoleCache } from "./adapters/rpc/authorization.js";
import { mapAiError } from "./adapters/rpc/error-table.js";
import { createAiServices } from "./adapters/rpc/services.js";
import { createModelUseCases } from "./app/models.js";
import { withProjectCache } from "./app/project-cache.js";
import { createQuickAddUseCases } from "./app/quick-add.js";
import { createSuggestionUseCases } from "./app/suggestions.js";
import { createTaskSearchUseCases } from "./app/task-search.js";
import type { AiConfig } from "./config.js";

/** Wires ai: core client + database adapters → use cases → RPC handlers, on the shared runtime. */
export function startAi(
  config: AiConfig,
  options: { logDestination?: DestinationStream } = {},
): Promise<RunningService> {
  return startService({
    name: "ai",
    config,
    database: { entities: [], migrations },
    mapError: mapAiError,
    logDestination: options.logDestination,
    build: ({ orm, logger, metrics }) => {
      const clients = createCoreClients(config.CORE_GRPC_URL, config.CORE_TIMEOUT_MS);
      const core = withProjectCache(createCoreGateway(clients), {
        ttlMs: config.PROJECTS_CACHE_MS,
        max: config.MODEL_CACHE_SIZE * 10,
      });
      const clock = { now: () => new Date() };
      const models = createModelUseCases({
        core,
        repository: createModelRepository(createSql(orm)),
        clock,
        cacheSize: config.MODEL_CACHE_SIZE,
        versionsKept: config.MODEL_VERSIONS_KEPT,
      });
      const roles = createRoleCache(createCoreRoleLookup(clients), config.ROLE_CACHE_TTL_MS);
      const authorization = createAuthorizationInterceptor(roles, (method, reason) => {
        metrics.recordSecurityEvent("permission_denied", reason);
        logger.warn({ event: "permission_denied", method, reason }, "permission denied");
      });
      return {
        services: createAiServices({
          quickAdd: createQuickAddUseCases({ core }),
          search: createTaskSearchUseCases({ core }),
          models,
          suggestions: createSuggestionUseCases({
            core,
            models,
            clock,
            snapshotTtlMs: config.OPEN_TASKS_CACHE_MS,
            snapshotCacheSize: config.MODEL_CACHE_SIZE,
          }),
        }),
        interceptors: [authorization],
      };
    },
  });
}
