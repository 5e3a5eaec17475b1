import {
  createServer as createHttp1Server,
  type Server as Http1Server,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import { createValidator } from "@bufbuild/protovalidate";
import {
  type ConnectError,
  createServiceImplSpec,
  type Interceptor,
  type ServiceImplSpec,
} from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import { Health, ServerReflection } from "@glidepath/contracts/grpc";
import * as grpc from "@grpc/grpc-js";
import type { DestinationStream } from "pino";
import { createJwtVerifier } from "./auth/jwt-verifier.js";
import { type ServiceTokenMinter, serviceIdentityFrom } from "./auth/service-tokens.js";
import type { RuntimeConfig } from "./config.js";
import {
  type DatabaseOptions,
  type MikroORM,
  migrateUp,
  openDatabase,
  probeDatabase,
} from "./database.js";
import { createAccessLogInterceptor } from "./interceptors/access-log.js";
import { createAuthenticationInterceptor } from "./interceptors/authentication.js";
import { createErrorInterceptor } from "./interceptors/errors.js";
import { createServiceRateLimit } from "./interceptors/rate-limit.js";
import { createServerTracingInterceptor } from "./interceptors/tracing.js";
import { createLogger, type Logger } from "./logger.js";
import { createServiceMetrics, type ServiceMetrics } from "./metrics.js";
import type { RateLimitClass } from "./rate-limiter.js";
import { createRegexMatcher } from "./regex-matcher.js";
import { createConnectHandler } from "./server/connect-handler.js";
import { createGrpcJsAdapter } from "./server/grpc-js-adapter.js";
import { createHealthService } from "./server/health.js";
import { createHttpServer } from "./server/http-server.js";
import { createReflectionService } from "./server/reflection.js";
import { grpcServerCredentials, serverTlsFrom, tlsServerOptions } from "./tls.js";

export interface ServiceDeps {
  orm: MikroORM;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Aborted when shutdown begins: long-lived streams and background loops end on it. */
  stopping: AbortSignal;
  /** Mints this service's tokens for calling others; undefined without SERVICE_SIGNING_KEY. */
  serviceTokens?: ServiceTokenMinter;
}

export interface ServiceParts {
  services: ServiceImplSpec[];
  /** Service-specific interceptors; they run after validation, right before the handler. */
  interceptors?: Interceptor[];
  /** Stops background work; called after the servers have drained. */
  close?: () => Promise<void>;
  /**
   * Rate-limit classes by `package.Service/Method` (e.g. expensive AI calls); other methods are
   * reads when declared NO_SIDE_EFFECTS, else writes.
   */
  rateLimitClasses?: Readonly<Record<string, RateLimitClass>>;
}

export interface ServiceDefinition {
  /** Short name: `core`. Also the PostgreSQL schema and the ErrorInfo domain prefix. */
  name: string;
  config: RuntimeConfig;
  database: Pick<DatabaseOptions, "entities" | "migrations">;
  /** The service's table from domain errors to RPC errors. */
  mapError: (error: unknown) => ConnectError | undefined;
  build: (deps: ServiceDeps) => ServiceParts | Promise<ServiceParts>;
  /** Where logs go (default stdout); tests capture them. */
  logDestination?: DestinationStream;
}

export interface RunningService {
  name: string;
  grpcPort: number;
  httpPort: number;
  metricsPort: number;
  /** `http(s)://host:port` of the gRPC (grpc-js) listener (https when TLS is configured). */
  grpcUrl: string;
  /** `http(s)://host:port` of the Connect / gRPC-web / gRPC listener. */
  httpUrl: string;
  orm: MikroORM;
  logger: Logger;
  stop(): Promise<void>;
}

const listen = (server: { listen: Http1Server["listen"] }, port: number, host: string) =>
  new Promise<number>((resolve, reject) => {
    const s = server as Http1Server;
    s.once("error", reject);
    s.listen(port, host, () => resolve((s.address() as AddressInfo).port));
  });

/**
 * Starts a service: database (migrated), gRPC on grpc-js, Connect + gRPC-web on connect-node,
 * health, reflection, metrics, and one interceptor chain for every transport:
 * tracing → access log + metrics → error mapping → authentication → rate limit → validation →
 * service interceptors → handler.
 */
export async function startService(definition: ServiceDefinition): Promise<RunningService> {
  const { config, name } = definition;
  // TLS on every listener when a certificate is configured (checked before anything starts).
  const tls = serverTlsFrom(config);
  const logger = createLogger(name, config.LOG_LEVEL, definition.logDestination);
  const domain = `${name}.glidepath`;
  const metrics = createServiceMetrics(name);
  const verifier = createJwtVerifier({
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    algorithms: config.AUTH_ALGORITHMS,
    publicKey: config.AUTH_PUBLIC_KEY,
    jwksUrl: config.AUTH_JWKS_URL,
    jwksCooldownMs: config.AUTH_JWKS_COOLDOWN_MS,
  });
  // This service's own identity (tokens it mints) and the services it accepts tokens from.
  const identity = serviceIdentityFrom(name, config);

  const orm = await openDatabase({
    schema: name,
    url: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    ...definition.database,
  });
  try {
    if (config.MIGRATE_ON_START) await migrateUp(orm, name);
  } catch (e) {
    await orm.close();
    throw e;
  }

  const stopping = new AbortController();
  const parts = await definition.build({
    orm,
    logger,
    metrics,
    stopping: stopping.signal,
    serviceTokens: identity.minter,
  });
  const served: DescService[] = parts.services.map((s) => s.service);
  const standard = [
    createServiceImplSpec<typeof Health>(
      Health,
      createHealthService({
        services: served.map((s) => s.typeName),
        probe: () => probeDatabase(orm),
        stopping: stopping.signal,
      }),
    ),
    createServiceImplSpec<typeof ServerReflection>(
      ServerReflection,
      createReflectionService([...served, Health, ServerReflection]),
    ),
  ];

  const publicServices = new Set([Health.typeName, ServerReflection.typeName]);
  // Per principal and method class, after authentication (RATE_LIMIT_*; off when disabled).
  const rateLimit = createServiceRateLimit({
    config,
    schema: name,
    orm,
    logger,
    metrics,
    domain,
    exempt: publicServices,
    classes: parts.rateLimitClasses,
    stopping: stopping.signal,
  });
  const common: Interceptor[] = [
    createServerTracingInterceptor(),
    createAccessLogInterceptor(logger, metrics),
    createErrorInterceptor({ domain, mapError: definition.mapError, logger }),
    createAuthenticationInterceptor({
      verifier,
      serviceVerifier: identity.verifier,
      logger,
      domain,
      publicServices: new Set([Health.typeName, ServerReflection.typeName]),
      onFailure: (reason) => metrics.recordSecurityEvent("authentication_failed", reason),
    }),
    ...rateLimit,
    createValidateInterceptor({
      validator: createValidator({ regexMatch: createRegexMatcher() }),
    }),
  ];
  // Service interceptors (e.g. authorization) wrap the service's own methods only.
  const routes = [
    ...parts.services.map((spec) => ({
      spec,
      interceptors: [...common, ...(parts.interceptors ?? [])],
    })),
    ...standard.map((spec) => ({ spec, interceptors: common })),
  ];

  // gRPC: @grpc/grpc-js.
  const grpcServer = new grpc.Server({
    "grpc.max_receive_message_length": config.MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": config.MAX_MESSAGE_BYTES,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 10_000,
  });
  const adapter = createGrpcJsAdapter(grpcServer, {
    maxDeadlineMs: config.MAX_DEADLINE_MS,
    defaultDeadlineMs: config.DEFAULT_DEADLINE_MS,
  });
  for (const { spec, interceptors } of routes) adapter.register(spec, interceptors);
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync(
      `${config.HOST}:${config.GRPC_PORT}`,
      grpcServerCredentials(tls),
      (error, port) => (error ? reject(error) : resolve(port)),
    ),
  );

  // Connect, gRPC-web and gRPC over HTTP/1.1 and h2c: connect-node.
  const handler = createConnectHandler({
    domain,
    routes: (router) => {
      for (const { spec, interceptors } of routes) {
        for (const m of Object.values(spec.methods)) {
          router.rpc(m.method as never, m.impl as never, { interceptors });
        }
      }
    },
    readMaxBytes: config.MAX_MESSAGE_BYTES,
    writeMaxBytes: config.MAX_MESSAGE_BYTES,
    maxTimeoutMs: config.MAX_DEADLINE_MS,
  });
  const http = createHttpServer(handler, {
    corsOrigins: config.CORS_ORIGINS,
    maxDeadlineMs: config.MAX_DEADLINE_MS,
    tls,
  });
  const httpPort = await listen(http.server as never, config.HTTP_PORT, config.HOST);

  const metricsHandler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === "/metrics") return metrics.handle(req, res);
    res.statusCode = 404;
    res.end();
  };
  // TLS here too, but no client certificate: scrapers are not services (docs/security.md).
  const metricsServer = tls
    ? createHttpsServer(tlsServerOptions(tls, false), metricsHandler)
    : createHttp1Server(metricsHandler);
  const metricsPort = await listen(metricsServer, config.METRICS_PORT, config.HOST);

  logger.info(
    { event: "started", grpc_port: grpcPort, http_port: httpPort, metrics_port: metricsPort },
    `${name} serving`,
  );

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      logger.info({ event: "stopping" }, `${name} stopping`);
      stopping.abort();
      const grace = config.SHUTDOWN_GRACE_MS;
      const grpcDrained = new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          grpcServer.forceShutdown();
          resolve();
        }, grace);
        force.unref();
        grpcServer.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await Promise.all([grpcDrained, http.close(grace)]);
      metricsServer.closeAllConnections();
      await new Promise((resolve) => metricsServer.close(resolve));
      await parts.close?.();
      await metrics.shutdown();
      await orm.close();
      logger.info({ event: "stopped" }, `${name} stopped`);
    })();
    return stopped;
  };

  return {
    name,
    grpcPort,
    httpPort,
    metricsPort,
    grpcUrl: `${tls ? "https" : "http"}://${config.HOST}:${grpcPort}`,
    httpUrl: `${tls ? "https" : "http"}://${config.HOST}:${httpPort}`,
    orm,
    logger,
    stop,
  };
}
