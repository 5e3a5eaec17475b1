import {
  ConfigError,
  clientTlsFrom,
  createSql,
  type RunningService,
  securityEvent,
  startService,
} from "@glidepath/runtime";
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
import { expensiveMethods } from "./adapters/rpc/rate-limit-classes.js";
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
  // Core is called over TLS when CORE_GRPC_URL is https:// (verified against TLS_CA, or the
  // system's CAs; ai's TLS_CERT is its client certificate). With TLS_CA set, a plaintext URL
  // would skip that verification: refused.
  const coreTls = clientTlsFrom(config);
  if (config.TLS_CA && !config.CORE_GRPC_URL.startsWith("https:")) {
    return Promise.reject(new ConfigError("CORE_GRPC_URL: must be https:// when TLS_CA is set"));
  }
  return startService({
    name: "ai",
    config,
    database: { entities: [], migrations },
    mapError: mapAiError,
    logDestination: options.logDestination,
    build: ({ orm, logger, metrics, serviceTokens }) => {
      if (!serviceTokens) {
        logger.warn(
          { event: "no_service_identity" },
          "SERVICE_SIGNING_KEY is not set: core will record ai's writes as the user's own",
        );
      }
      const clients = createCoreClients(
        config.CORE_GRPC_URL,
        config.CORE_TIMEOUT_MS,
        coreTls,
        serviceTokens && (() => serviceTokens.token("core")),
      );
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
      const authorization = createAuthorizationInterceptor(roles, (method, reason, who) =>
        securityEvent(logger, metrics, { event: "permission_denied", method, reason, ...who }),
      );
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
        rateLimitClasses: expensiveMethods,
      };
    },
  });
}
