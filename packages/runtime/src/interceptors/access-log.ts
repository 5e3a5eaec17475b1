import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "../logger.js";
import type { ServiceMetrics } from "../metrics.js";
import { principalKey } from "../principal.js";

function codeName(error: unknown): string {
  if (error === undefined) return "ok";
  return Code[ConnectError.from(error).code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/** One structured log line and one metrics sample per call, with its outcome and duration. */
export function createAccessLogInterceptor(logger: Logger, metrics: ServiceMetrics): Interceptor {
  return (next) => async (req) => {
    const start = performance.now();
    const service = req.service.typeName;
    const method = req.method.name;
    const done = (error?: unknown) => {
      const seconds = (performance.now() - start) / 1000;
      const code = codeName(error);
      metrics.recordCall(service, method, code, seconds);
      const principal = req.contextValues.get(principalKey);
      const line = {
        event: "rpc",
        rpc: `${service}/${method}`,
        code,
        duration_ms: Math.round(seconds * 1e4) / 10,
        principal: principal?.user,
      };
      if (code === "internal" || code === "unknown") logger.error(line, "rpc failed");
      else logger.info(line, "rpc");
    };
    try {
      const res = await next(req);
      if (!res.stream) {
        done();
        return res;
      }
      const messages = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* messages;
            done();
          } catch (e) {
            done(e);
            throw e;
          }
        })(),
      };
    } catch (e) {
      done(e);
      throw e;
    }
  };
}
