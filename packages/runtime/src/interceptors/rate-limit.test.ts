import { create } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type Interceptor,
  type UnaryRequest,
} from "@connectrpc/connect";
import { GetTaskRequestSchema, TaskService } from "@glidepath/contracts/core/v1";
import { ErrorInfoSchema, RetryInfoSchema } from "@glidepath/contracts/google";
import { Health } from "@glidepath/contracts/grpc";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { callerServiceKey, principalKey } from "../principal.js";
import type { Decision, RateLimitClass } from "../rate-limiter.js";
import {
  createRateLimitInterceptor,
  createServiceRateLimit,
  rateLimitClassOf,
} from "./rate-limit.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger("test", "info", {
    write: (l: string) => void lines.push(JSON.parse(l)),
  });
  return { lines, logger };
}

const request = (
  service: typeof TaskService | typeof Health,
  method: string,
  values: { user?: string; service?: string },
) => {
  const contextValues = createContextValues();
  if (values.user) contextValues.set(principalKey, { user: values.user });
  if (values.service) contextValues.set(callerServiceKey, values.service);
  const desc = service.methods.find((m) => m.name === method);
  return {
    stream: false,
    service,
    method: desc,
    header: new Headers(),
    contextValues,
    message: create(GetTaskRequestSchema, {}),
  } as unknown as UnaryRequest;
};

describe("rate-limit interceptor", () => {
  it("classes methods by idempotency level, with overrides", () => {
    const m = (name: string) => TaskService.methods.find((x) => x.name === name) as never;
    expect(rateLimitClassOf(m("GetTask"))).toBe("read");
    expect(rateLimitClassOf(m("ListTasks"))).toBe("read");
    expect(rateLimitClassOf(m("CreateTask"))).toBe("write");
    expect(rateLimitClassOf(m("UpdateTask"))).toBe("write");
    expect(
      rateLimitClassOf(m("ListTasks"), { "glidepath.core.v1.TaskService/ListTasks": "expensive" }),
    ).toBe("expensive");
  });

  it("keys by user, or by a service calling as itself; exempts health and anonymous calls", async () => {
    const taken: [RateLimitClass, string][] = [];
    const limiter = {
      take: (cls: RateLimitClass, who: string): Decision => {
        taken.push([cls, who]);
        return { allowed: true };
      },
    };
    const { logger } = capture();
    const interceptor: Interceptor = createRateLimitInterceptor({
      limiter,
      logger,
      metrics: { recordSecurityEvent: () => undefined },
      domain: "test.glidepath",
      exempt: new Set([Health.typeName]),
    });
    const next = interceptor(async () => ({ stream: false }) as never);
    await next(request(TaskService, "GetTask", { user: "alice" }));
    await next(request(TaskService, "CreateTask", { user: "alice", service: "ai" }));
    await next(request(TaskService, "CreateTask", { service: "autonomy" }));
    await next(request(TaskService, "GetTask", {}));
    await next(request(Health, "Check", { user: "alice" }));
    expect(taken).toEqual([
      ["read", "alice"],
      ["write", "alice"],
      ["write", "service/autonomy"],
    ]);
  });

  it("refuses with RESOURCE_EXHAUSTED, RetryInfo, retry-after and a security event", async () => {
    const events: string[] = [];
    const { lines, logger } = capture();
    const interceptor = createRateLimitInterceptor({
      limiter: { take: async () => ({ allowed: false, retryAfterMs: 1_250 }) },
      logger,
      metrics: { recordSecurityEvent: (e, r) => void events.push(`${e}/${r}`) },
      domain: "test.glidepath",
      exempt: new Set(),
    });
    const error = await interceptor(async () => ({ stream: false }) as never)(
      request(TaskService, "CreateTask", { user: "bob" }),
    ).then(
      () => undefined,
      (e) => e as ConnectError,
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect(error?.code).toBe(Code.ResourceExhausted);
    expect(error?.findDetails(ErrorInfoSchema).map((i) => [i.reason, i.metadata.limit])).toEqual([
      ["RATE_LIMITED", "write"],
    ]);
    const delay = error?.findDetails(RetryInfoSchema)[0]?.retryDelay;
    expect([Number(delay?.seconds), delay?.nanos]).toEqual([1, 250_000_000]);
    expect(error?.metadata.get("retry-after")).toBe("2");
    expect(events).toEqual(["rate_limited/WRITE_LIMIT"]);
    expect(lines.at(-1)).toMatchObject({
      level: "warn",
      message: "security event",
      event: "rate_limited",
      principal: "bob",
      workspace: null,
      method: "glidepath.core.v1.TaskService/CreateTask",
      reason: "WRITE_LIMIT",
      trace_id: null,
    });
  });

  it("is left out of the chain when RATE_LIMIT_ENABLED=false, and says so", () => {
    const { lines, logger } = capture();
    const chain = createServiceRateLimit({
      config: {
        RATE_LIMIT_ENABLED: false,
        RATE_LIMIT_READS: { points: 1, seconds: 1 },
        RATE_LIMIT_WRITES: { points: 1, seconds: 1 },
        RATE_LIMIT_EXPENSIVE: { points: 1, seconds: 1 },
      },
      schema: "test",
      orm: {} as never,
      logger,
      metrics: { recordSecurityEvent: () => undefined },
      domain: "test.glidepath",
      exempt: new Set(),
      stopping: new AbortController().signal,
    });
    expect(chain).toEqual([]);
    expect(lines.map((l) => l.event)).toEqual(["rate_limit_disabled"]);
  });
});
