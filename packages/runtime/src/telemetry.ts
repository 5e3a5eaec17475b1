import { propagation } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`); traces are exported only when set. */
  otlpEndpoint?: string;
  /** Extra exporters, exported synchronously (tests read spans from memory). */
  exporters?: SpanExporter[];
}

let provider: NodeTracerProvider | undefined;

/**
 * Starts tracing for the process. Call it before `pg` is loaded (first thing in a service's
 * entry point) so database queries get spans of their own under the RPC span.
 */
export function startTelemetry(options: TelemetryOptions): { shutdown(): Promise<void> } {
  // OTEL_SDK_DISABLED is OpenTelemetry's standard switch: no spans, no pg instrumentation.
  if (provider || process.env.OTEL_SDK_DISABLED === "true")
    return { shutdown: () => Promise.resolve() };
  const spanProcessors: SpanProcessor[] = (options.exporters ?? []).map(
    (e) => new SimpleSpanProcessor(e),
  );
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/$/, "")}/v1/traces`;
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    spanProcessors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new PgInstrumentation({ requireParentSpan: true })],
  });
  const current = provider;
  return {
    shutdown: async () => {
      await current.shutdown();
      provider = undefined;
    },
  };
}
