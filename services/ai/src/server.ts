// Process entry point: tracing starts before anything loads `pg`, then the service.
import { startTelemetry } from "@glidepath/runtime/telemetry";

const telemetry = startTelemetry({
  serviceName: "ai",
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
});
const { ConfigError } = await import("@glidepath/runtime");
const { readAiConfig } = await import("./config.js");
const { startAi } = await import("./main.js");

try {
  const service = await startAi(readAiConfig());
  const shutdown = async () => {
    await service.stop();
    await telemetry.shutdown();
    process.exit(0);
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
} catch (e) {
  console.error(e instanceof ConfigError ? `ai: ${e.message}` : e);
  process.exit(1);
}
