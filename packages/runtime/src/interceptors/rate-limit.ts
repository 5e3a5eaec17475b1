import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, type Interceptor } from "@connectrpc/connect";
import type { RuntimeConfig } from "../config.js";
import type { MikroORM } from "../database.js";
import type { Logger } from "../logger.js";
import type { ServiceMetrics } from "../metrics.js";
import { callerServiceKey, principalKey } from "../principal.js";
import {
  createPostgresBucketStore,
  createRateLimiter,
  type RateLimitClass,
  type RateLimiter,
} from "../rate-limiter.js";
import { rpcError } from "../rpc-error.js";
import { securityEvent } from "../security-events.js";
import { createSql } from "../sql.js";

export interface RateLimitOptions {
  limiter: RateLimiter;
  logger: Logger;
  metrics: Pick<ServiceMetrics, "recordSecurityEvent">;
  domain: string;
  /** Services that are never limited (health checks, reflection). */
  exempt: ReadonlySet<string>;
  /**
   * Classes by `package.Service/Method` (e.g. expensive AI calls); any other method is a read
   * when its contract declares `idempotency_level = NO_SIDE_EFFECTS`, else a write.
   */
  classes?: Readonly<Record<string, RateLimitClass>>;
}

const reasons: Record<RateLimitClass, string> = {
  read: "READ_LIMIT",
  write: "WRITE_LIMIT",
  expensive: "EXPENSIVE_LIMIT",
};

/** The class of a method: the override, else read (no side effects) or write. */
export function rateLimitClassOf(
  method: DescMethod,
  classes: Readonly<Record<string, RateLimitClass>> = {},
): RateLimitClass {
  const override = classes[`${method.parent.typeName}/${method.name}`];
  if (override) return override;
  return method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS ? "read" : "write";
}

/**
 * Per-principal, per-class token buckets, after authentication and before validation (a flood
 * of invalid requests is limited too). A refusal is RESOURCE_EXHAUSTED with ErrorInfo reason
 * RATE_LIMITED and a RetryInfo, plus a `retry-after` header/trailer in whole seconds (connect-node
 * answers HTTP 429 for RESOURCE_EXHAUSTED on the Connect protocol); and a security event.
 */
export function createRateLimitInterceptor(options: RateLimitOptions): Interceptor {
  const classOf = new Map<DescMethod, RateLimitClass>();
  return (next) => async (req) => {
    if (options.exempt.has(req.service.typeName)) return next(req);
    // Keyed by the end user; a service calling as itself (no user) by the service's name.
    // Authentication runs first and refuses anonymous calls to every other service.
    const user = req.contextValues.get(principalKey)?.user;
    const service = user ? undefined : req.contextValues.get(callerServiceKey);
    const who = user ?? (service ? `service/${service}` : undefined);
    if (!who) return next(req);
    let cls = classOf.get(req.method);
    if (!cls) {
      cls = rateLimitClassOf(req.method, options.classes);
      classOf.set(req.method, cls);
    }
    let decision = options.limiter.take(cls, who);
    if (decision instanceof Promise) decision = await decision;
    if (decision.allowed) return next(req);

    const retryAfterMs = decision.retryAfterMs;
    securityEvent(options.logger, options.metrics, {
      event: "rate_limited",
      principal: who,
      method: `${req.service.typeName}/${req.method.name}`,
      reason: reasons[cls],
    });
    const error = rpcError(options.domain, {
      code: Code.ResourceExhausted,
      reason: "RATE_LIMITED",
      message: "too many requests; retry later",
      metadata: { limit: cls },
      retryDelayMs: retryAfterMs,
    });
    error.metadata.set("retry-after", String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    throw error;
  };
}

export interface ServiceRateLimitOptions {
  config: Pick<
    RuntimeConfig,
    "RATE_LIMIT_ENABLED" | "RATE_LIMIT_READS" | "RATE_LIMIT_WRITES" | "RATE_LIMIT_EXPENSIVE"
  >;
  /** The service's schema: its buckets live in `<schema>.rate_limits` (its own migration). */
  schema: string;
  orm: MikroORM;
  logger: Logger;
  metrics: Pick<ServiceMetrics, "recordSecurityEvent">;
  domain: string;
  exempt: ReadonlySet<string>;
  classes?: Readonly<Record<string, RateLimitClass>>;
  stopping: AbortSignal;
}

/** The rate-limit step of a service's chain (none when RATE_LIMIT_ENABLED=false). */
export function createServiceRateLimit(options: ServiceRateLimitOptions): Interceptor[] {
  const { config, logger } = options;
  if (!config.RATE_LIMIT_ENABLED) {
    logger.warn({ event: "rate_limit_disabled" }, "rate limiting is off (RATE_LIMIT_ENABLED)");
    return [];
  }
  const limiter = createRateLimiter({
    store: createPostgresBucketStore(createSql(options.orm), options.schema),
    limits: {
      read: config.RATE_LIMIT_READS,
      write: config.RATE_LIMIT_WRITES,
      expensive: config.RATE_LIMIT_EXPENSIVE,
    },
    stopping: options.stopping,
    onStoreError: (error) =>
      logger.error(
        { event: "rate_limit_store_unavailable", err: error },
        "rate limit store unavailable; limiting per replica",
      ),
  });
  return [createRateLimitInterceptor({ ...options, limiter })];
}
