import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createClientTracingInterceptor } from "./interceptors/tracing.js";

export interface ServiceClientOptions {
  /** `http://host:port` of the callee's gRPC listener. */
  baseUrl: string;
  /** Returns the bearer token to send with each call. */
  token?: () => string | Promise<string>;
  /** Deadline of each call unless the caller sets its own (default 5 s). */
  timeoutMs?: number;
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
    return next(req);
  };
  const transport = createGrpcTransport({
    baseUrl: options.baseUrl,
    defaultTimeoutMs: options.timeoutMs ?? 5_000,
    interceptors: [createClientTracingInterceptor(), credentials],
  });
  return createClient(service, transport);
}
