import type { Readable } from "node:stream";
import { type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type HandlerContext,
  type Interceptor,
  type ServiceImplSpec,
} from "@connectrpc/connect";
import {
  createAsyncIterable,
  invokeUnaryImplementation,
  transformInvokeImplementation,
} from "@connectrpc/connect/protocol";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import * as grpc from "@grpc/grpc-js";

// connect-node's gRPC path costs several times the CPU of @grpc/grpc-js per call, so the gRPC
// port is served by grpc-js. This adapter runs the same ServiceImpl through the same Connect
// interceptor chain, using Connect's own invoke helpers, so both transports behave alike.

export interface GrpcAdapterOptions {
  maxDeadlineMs: number;
  defaultDeadlineMs: number;
}

function headersFrom(metadata: grpc.Metadata): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(metadata.getMap())) {
    headers.set(key, typeof value === "string" ? value : value.toString("base64"));
  }
  return headers;
}

function metadataFrom(headers: Headers): grpc.Metadata {
  const metadata = new grpc.Metadata();
  headers.forEach((value, key) => {
    if (key === "grpc-status" || key === "grpc-message") return;
    if (key.endsWith("-bin")) metadata.set(key, Buffer.from(value, "base64"));
    else metadata.set(key, value);
  });
  return metadata;
}

function statusFrom(error: unknown, trailer: Headers): Partial<grpc.StatusObject> {
  const connectError = ConnectError.from(error);
  const headers = new Headers(trailer);
  connectError.metadata.forEach((value, key) => {
    headers.set(key, value);
  });
  setTrailerStatus(headers, connectError);
  return {
    code: connectError.code as number as grpc.status,
    details: connectError.rawMessage,
    metadata: metadataFrom(headers),
  };
}

// grpc-js answers a request it can't deserialize with INTERNAL, which is for server bugs.
// A malformed request is the client's: it gets INVALID_ARGUMENT, as the Connect port answers.
const undecodable = Symbol("undecodable request");

function decodeRequest(schema: DescMessage, bytes: Buffer): unknown {
  try {
    return fromBinary(schema, bytes);
  } catch {
    return undecodable;
  }
}

const undecodableError = () =>
  new ConnectError("invalid request: the message could not be decoded", Code.InvalidArgument);

async function* decoded(messages: AsyncIterable<unknown>) {
  for await (const message of messages) {
    if (message === undecodable) throw undecodableError();
    yield message;
  }
}

interface CallLike {
  metadata: grpc.Metadata;
  getDeadline(): grpc.Deadline;
  getPath(): string;
  on(event: "cancelled", listener: () => void): unknown;
  sendMetadata(metadata: grpc.Metadata): void;
}

/**
 * Aborts calls whose deadline has passed. One coarse timer for every call in flight instead of
 * a timer, two AbortControllers and an abort event per call (Connect's createHandlerContext):
 * at thousands of calls a second that bookkeeping cost more than the calls' own logic.
 */
function createDeadlineSweeper(periodMs = 25) {
  const calls = new Map<AbortController, number>();
  let timer: NodeJS.Timeout | undefined;
  const sweep = () => {
    const now = Date.now();
    for (const [controller, at] of calls) {
      if (at > now) continue;
      calls.delete(controller);
      controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
    }
    if (calls.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    add(controller: AbortController, at: number) {
      calls.set(controller, at);
      if (!timer) {
        timer = setInterval(sweep, periodMs);
        timer.unref();
      }
    },
    remove: (controller: AbortController) => calls.delete(controller),
  };
}

export function createGrpcJsAdapter(server: grpc.Server, options: GrpcAdapterOptions) {
  const deadlines = createDeadlineSweeper();
  /** The handler context of one call, and the function that retires it. */
  const contextFor = (spec: ServiceImplSpec["methods"][string], call: CallLike) => {
    const now = Date.now();
    const deadline = call.getDeadline();
    const requested = (deadline instanceof Date ? deadline.getTime() : Number(deadline)) - now;
    const timeoutMs = Number.isFinite(requested)
      ? Math.min(Math.max(requested, 1), options.maxDeadlineMs)
      : options.defaultDeadlineMs;
    const at = now + timeoutMs;
    const controller = new AbortController();
    let finished = false;
    deadlines.add(controller, at);
    // grpc-js also reports "cancelled" after every call it has answered; only an unfinished call
    // is really cancelled (and building the error costs a stack trace).
    call.on("cancelled", () => {
      if (!finished) controller.abort(new ConnectError("the call was cancelled", Code.Canceled));
    });
    const ctx: HandlerContext = {
      service: spec.method.parent,
      method: spec.method,
      protocolName: "grpc",
      requestMethod: "POST",
      url: call.getPath(),
      signal: controller.signal,
      timeoutMs: () => at - Date.now(),
      requestHeader: headersFrom(call.metadata),
      responseHeader: new Headers(),
      responseTrailer: new Headers(),
      values: createContextValues(),
    };
    const done = () => {
      finished = true;
      deadlines.remove(controller);
    };
    return { ctx, done };
  };
  const sendHeader = (call: CallLike, ctx: HandlerContext) => {
    if (!ctx.responseHeader.keys().next().done) call.sendMetadata(metadataFrom(ctx.responseHeader));
  };

  return {
    register(spec: ServiceImplSpec, interceptors: Interceptor[]) {
      const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
      const handlers: Record<string, grpc.UntypedHandleCall> = {};
      for (const [name, m] of Object.entries(spec.methods)) {
        const { method } = m;
        definition[name] = {
          path: `/${method.parent.typeName}/${method.name}`,
          requestStream: m.kind === "client_streaming" || m.kind === "bidi_streaming",
          responseStream: m.kind === "server_streaming" || m.kind === "bidi_streaming",
          requestSerialize: (msg) => Buffer.from(toBinary(method.input, msg as never)),
          requestDeserialize: (bytes) => decodeRequest(method.input, bytes),
          responseSerialize: (msg) => Buffer.from(toBinary(method.output, msg as never)),
          responseDeserialize: (bytes) => fromBinary(method.output, bytes),
        };
        if (m.kind === "unary") {
          handlers[name] = ((
            call: grpc.ServerUnaryCall<unknown, unknown>,
            callback: grpc.sendUnaryData<unknown>,
          ) => {
            if (call.request === undecodable) {
              callback(statusFrom(undecodableError(), new Headers()));
              return;
            }
            const { ctx, done } = contextFor(m, call);
            invokeUnaryImplementation(m, ctx, call.request as never, interceptors).then(
              (output) => {
                done();
                sendHeader(call, ctx);
                callback(null, output, metadataFrom(ctx.responseTrailer));
              },
              (error) => {
                done();
                callback(statusFrom(error, ctx.responseTrailer));
              },
            );
          }) as grpc.handleUnaryCall<unknown, unknown>;
          continue;
        }
        handlers[name] = (async (call: grpc.ServerWritableStream<unknown, unknown>) => {
          if (m.kind === "server_streaming" && call.request === undecodable) {
            call.emit("error", statusFrom(undecodableError(), new Headers()));
            return;
          }
          const { ctx, done } = contextFor(m, call);
          // Iterating a Node stream destroys it when the input ends; the call's writable side
          // must outlive its input, or the response and status of a bidi call never go out.
          const input: AsyncIterable<never> =
            m.kind === "server_streaming"
              ? createAsyncIterable([call.request as never])
              : (decoded(
                  (call as unknown as Readable).iterator({ destroyOnReturn: false }),
                ) as AsyncIterable<never>);
          try {
            let headerSent = false;
            for await (const output of transformInvokeImplementation(m, ctx, interceptors)(input)) {
              if (!headerSent) {
                sendHeader(call, ctx);
                headerSent = true;
              }
              if (!call.write(output)) {
                await new Promise((resolve) => call.once("drain", resolve));
              }
            }
            call.end(metadataFrom(ctx.responseTrailer));
          } catch (error) {
            call.emit("error", statusFrom(error, ctx.responseTrailer));
          } finally {
            done();
          }
        }) as grpc.handleServerStreamingCall<unknown, unknown>;
      }
      server.addService(definition as grpc.ServiceDefinition, handlers);
    },
  };
}
