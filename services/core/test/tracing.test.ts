import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { startTelemetry } from "@glidepath/runtime/telemetry";
import { context, SpanKind, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Tracing must start before `pg` loads, so everything else is imported after it.
const memory = new InMemorySpanExporter();
const received: Buffer[] = [];
const collector = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    if (req.url === "/v1/traces" && req.headers["content-type"] === "application/x-protobuf") {
      received.push(Buffer.concat(chunks));
    }
    res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
  });
});
await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
const telemetry = startTelemetry({
  serviceName: "core",
  otlpEndpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
  exporters: [memory],
});
const { TaskService, WorkspaceService } = await import("@glidepath/contracts/core/v1");
const { createServiceClient } = await import("@glidepath/runtime");
const { startCoreHarness } = await import("./harness.js");
type Harness = Awaited<ReturnType<typeof startCoreHarness>>;

describe("tracing", () => {
  let core: Harness;
  beforeAll(async () => {
    core = await startCoreHarness();
  });
  afterAll(async () => {
    await core.stop();
    await telemetry.shutdown();
    collector.close();
  });

  it("links client, server and database spans in one trace, and exports OTLP", async () => {
    const token = await core.issuer.mint("tracer");
    const options = { baseUrl: core.service.grpcUrl, token: () => token };
    const workspaces = createServiceClient(WorkspaceService, options);
    const tasks = createServiceClient(TaskService, options);
    const { workspace } = await workspaces.createWorkspace({
      workspace: { displayName: "traced" },
    });
    memory.reset();

    const root = trace.getTracer("test").startSpan("test-root");
    await context.with(trace.setSpan(context.active(), root), () =>
      tasks.createTask({ parent: workspace?.name ?? "", task: { title: "traced task" } }),
    );
    root.end();

    const spans = memory.getFinishedSpans();
    const traceId = root.spanContext().traceId;
    console.log(
      spans
        .map(
          (s) =>
            `${s.name} ${s.kind} ${s.spanContext().traceId} ${s.spanContext().spanId} <- ${s.parentSpanContext?.spanId}`,
        )
        .join("\n"),
      "root",
      traceId,
      root.spanContext().spanId,
    );
    const client = spans.find(
      (s) => s.kind === SpanKind.CLIENT && s.name.endsWith("TaskService/CreateTask"),
    );
    const server = spans.find(
      (s) => s.kind === SpanKind.SERVER && s.name.endsWith("TaskService/CreateTask"),
    );
    expect(client?.spanContext().traceId).toBe(traceId);
    expect(server?.spanContext().traceId).toBe(traceId);
    expect(server?.parentSpanContext?.spanId).toBe(client?.spanContext().spanId);
    expect(server?.attributes["rpc.grpc.status_code"]).toBe(0);
    const queries = spans.filter(
      (s) => s.attributes["db.system"] === "postgresql" || s.name.startsWith("pg."),
    );
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) {
      expect(q.spanContext().traceId).toBe(traceId);
    }
    expect(queries.some((q) => q.parentSpanContext?.spanId === server?.spanContext().spanId)).toBe(
      true,
    );

    await telemetry.shutdown();
    const otlp = Buffer.concat(received).toString("latin1");
    expect(received.length).toBeGreaterThan(0);
    expect(otlp).toContain("glidepath.core.v1.TaskService/CreateTask");
  });
});
