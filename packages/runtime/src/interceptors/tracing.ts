import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from "@opentelemetry/api";

const tracer = () => trace.getTracer("@glidepath/runtime");

const headerGetter: TextMapGetter<Headers> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key) ?? undefined,
};
const headerSetter: TextMapSetter<Headers> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

function finish(span: Span, error?: unknown) {
  if (error === undefined) {
    span.setAttribute("rpc.grpc.status_code", 0);
  } else {
    const code = ConnectError.from(error).code;
    span.setAttribute("rpc.grpc.status_code", code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: Code[code] });
  }
  span.end();
}

/** Runs every step of a response stream inside `ctx`, and ends the span when it finishes. */
async function* traced<T>(messages: AsyncIterable<T>, ctx: Context, span: Span) {
  const it = messages[Symbol.asyncIterator]();
  try {
    for (;;) {
      const step = await context.with(ctx, () => it.next());
      if (step.done) break;
      yield step.value;
    }
    finish(span);
  } catch (e) {
    finish(span, e);
    throw e;
  } finally {
    await it.return?.();
  }
}

function attributes(service: string, method: string) {
  return { "rpc.system": "grpc", "rpc.service": service, "rpc.method": method };
}

/**
 * Server side: continues the caller's W3C trace (traceparent/tracestate headers) with a SERVER
 * span per call, active while the handler (and its database calls) run.
 */
export function createServerTracingInterceptor(): Interceptor {
  return (next) => async (req) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.header, headerGetter);
    const span = tracer().startSpan(
      `${req.service.typeName}/${req.method.name}`,
      { kind: SpanKind.SERVER, attributes: attributes(req.service.typeName, req.method.name) },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    try {
      const res = await context.with(ctx, () => next(req));
      if (!res.stream) {
        finish(span);
        return res;
      }
      return { ...res, message: traced(res.message, ctx, span) };
    } catch (e) {
      finish(span, e);
      throw e;
    }
  };
}

/** Client side: a CLIENT span per call, its context sent along as `traceparent`. */
export function createClientTracingInterceptor(): Interceptor {
  return (next) => async (req) => {
    const span = tracer().startSpan(`${req.service.typeName}/${req.method.name}`, {
      kind: SpanKind.CLIENT,
      attributes: attributes(req.service.typeName, req.method.name),
    });
    const ctx = trace.setSpan(context.active(), span);
    propagation.inject(ctx, req.header, headerSetter);
    try {
      const res = await context.with(ctx, () => next(req));
      if (!res.stream) {
        finish(span);
        return res;
      }
      return { ...res, message: traced(res.message, ctx, span) };
    } catch (e) {
      finish(span, e);
      throw e;
    }
  };
}
