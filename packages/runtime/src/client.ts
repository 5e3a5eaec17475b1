import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SERVICE_TOKEN_HEADER } from "./auth/service-tokens.js";
import { createClientTracingInterceptor } from "./interceptors/tracing.js";
import { type ClientTls, minTlsVersion } from "./tls.js";

export interface ServiceClientOptions {
  /** `http://host:port` of the callee's gRPC listener. */
  baseUrl: string;
  /** Returns the bearer token to send with each call. */
  token?: () => string | Promise<string>;
  /** Returns this service's own token for the callee (`x-glidepath-service-token`). */
  serviceToken?: () => string | Promise<string>;
  /** Deadline of each call unless the caller sets its own (default 5 s). */
  timeoutMs?: number;
  /**
   * For an `https://` base URL: the CA(s) to verify the callee against (the system's when
   * unset) and this service's client certificate (mutual TLS). See `clientTlsFrom(config)`.
   */
  tls?: ClientTls;
}

/** A gRPC client for another service, with a deadline, trace propagation and credentials. */
export function createServiceClient<T extends DescService>(
  service: T,
  options: ServiceClientOptions,
): Client<T> {
  const credentials: Interceptor = (next) => async (req) => {
    if (options.token && !req.header.has("authorization")) {
      req.header.set("authorization", `Bearer ${await options.token()}`);
    }
    if (options.serviceToken) req.header.set(SERVICE_TOKEN_HEADER, await options.serviceToken());
    return next(req);
  };
  const transport = createGrpcTransport({
    baseUrl: options.baseUrl,
    defaultTimeoutMs: options.timeoutMs ?? 5_000,
    // The server's certificate is always verified (rejectUnauthorized stays on).
    ...(options.baseUrl.startsWith("https:") && options.tls
      ? { nodeOptions: { ...options.tls, minVersion: minTlsVersion } }
      : {}),
    interceptors: [createClientTracingInterceptor(), credentials],
  });
  return createClient(service, transport);
}
