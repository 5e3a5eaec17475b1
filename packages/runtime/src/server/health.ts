import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as Status,
} from "@glidepath/contracts/grpc";

export interface HealthOptions {
  /** Fully-qualified names of the services served; "" stands for the server as a whole. */
  services: string[];
  /** Resolves true when the service's dependencies (its database) answer. */
  probe: () => Promise<boolean>;
  /** Aborted when the server starts shutting down: from then on NOT_SERVING. */
  stopping: AbortSignal;
}

/** grpc.health.v1: SERVING only while the database really answers and no shutdown has begun. */
export function createHealthService(options: HealthOptions): ServiceImpl<typeof Health> {
  const known = new Set(["", ...options.services]);
  // Probes are cheap but not free; answer floods of checks from one recent probe.
  let last: { at: number; ok: Promise<boolean> } | undefined;
  const status = async (): Promise<Status> => {
    if (options.stopping.aborted) return Status.NOT_SERVING;
    const now = Date.now();
    if (!last || now - last.at > 500) last = { at: now, ok: options.probe().catch(() => false) };
    return (await last.ok) ? Status.SERVING : Status.NOT_SERVING;
  };
  const check = (service: string) => {
    if (!known.has(service)) {
      throw new ConnectError(`unknown service ${service}`, Code.NotFound);
    }
    return status();
  };
  return {
    async check(req) {
      return { status: await check(req.service) };
    },
    async list() {
      const s = await status();
      return {
        statuses: Object.fromEntries(
          [...known].map((name) => [name, create(HealthCheckResponseSchema, { status: s })]),
        ),
      };
    },
    async *watch(req, ctx) {
      let previous: Status | undefined;
      while (!ctx.signal.aborted) {
        const s = known.has(req.service) ? await status() : Status.SERVICE_UNKNOWN;
        if (s !== previous) {
          yield { status: s };
          previous = s;
        }
        if (options.stopping.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    },
  };
}
