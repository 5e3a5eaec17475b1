import type { IncomingMessage, ServerResponse } from "node:http";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationType, MeterProvider } from "@opentelemetry/sdk-metrics";

/** Latency buckets in seconds, from 0.5 ms to 10 s. */
const latencyBuckets = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface ServiceMetrics {
  meterProvider: MeterProvider;
  /** Serves the Prometheus text format. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  recordCall(service: string, method: string, code: string, seconds: number): void;
  /** Counts a security event (authentication failure, denial, rate limit, ...). */
  recordSecurityEvent(event: string, reason: string): void;
  shutdown(): Promise<void>;
}

/** Per-service RPC metrics: request count and errors by code, and a latency histogram. */
export function createServiceMetrics(serviceName: string): ServiceMetrics {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    readers: [exporter],
    views: [
      {
        instrumentName: "glidepath_rpc_server_duration",
        aggregation: {
          type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
          options: { boundaries: latencyBuckets },
        },
      },
    ],
  });
  const meter = meterProvider.getMeter("@glidepath/runtime");
  const requests = meter.createCounter("glidepath_rpc_server_requests", {
    description: "RPCs handled, by service, method and status code",
  });
  const errors = meter.createCounter("glidepath_rpc_server_errors", {
    description: "RPCs that ended with a non-OK status, by service, method and code",
  });
  const duration = meter.createHistogram("glidepath_rpc_server_duration", {
    description: "RPC handling time",
    unit: "s",
  });
  const security = meter.createCounter("glidepath_security_events", {
    description:
      "Security events (authentication failures, denials, rate limits), by event and reason",
  });
  return {
    meterProvider,
    handle: (req, res) => exporter.getMetricsRequestHandler(req, res),
    recordCall(service, method, code, seconds) {
      const labels = { rpc_service: service, rpc_method: method, rpc_code: code };
      requests.add(1, labels);
      if (code !== "ok") errors.add(1, labels);
      duration.record(seconds, { rpc_service: service, rpc_method: method });
    },
    recordSecurityEvent(event, reason) {
      security.add(1, { event, reason });
    },
    shutdown: () => meterProvider.shutdown(),
  };
}
