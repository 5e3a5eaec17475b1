import { Code, type Interceptor } from "@connectrpc/connect";
import type { JwtVerifier } from "../auth/jwt-verifier.js";
import type { Logger } from "../logger.js";
import { principalKey } from "../principal.js";
import { rpcError } from "../rpc-error.js";

const userIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:|@+-]{0,127}$/;

export interface AuthenticationOptions {
  verifier: JwtVerifier;
  logger: Logger;
  /** Services callable without a token (health checks, reflection). */
  publicServices: ReadonlySet<string>;
  domain: string;
  /** Counts failures by reason (metrics). */
  onFailure?: (reason: string) => void;
}

/**
 * Requires a valid bearer token on every call but those to public services. Failures answer
 * UNAUTHENTICATED with a stable reason and nothing about why the token was refused; the
 * why goes to the security log.
 */
export function createAuthenticationInterceptor(options: AuthenticationOptions): Interceptor {
  const refuse = (reason: string, method: string, cause: string) => {
    options.onFailure?.(reason);
    options.logger.warn(
      { event: "authentication_failed", method, reason, cause },
      "authentication failed",
    );
    return rpcError(options.domain, {
      code: Code.Unauthenticated,
      reason,
      message: "missing or invalid credentials",
    });
  };
  return (next) => async (req) => {
    if (options.publicServices.has(req.service.typeName)) return next(req);
    const method = `${req.service.typeName}/${req.method.name}`;
    const header = req.header.get("authorization");
    if (!header) throw refuse("CREDENTIALS_MISSING", method, "no authorization header");
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header);
    if (!match?.[1]) throw refuse("CREDENTIALS_INVALID", method, "not a bearer token");
    let sub: unknown;
    try {
      sub = (await options.verifier.verify(match[1])).sub;
    } catch (e) {
      throw refuse("CREDENTIALS_INVALID", method, (e as Error).name || "verification failed");
    }
    // `sub` is a JSON string (RFC 7519); a number would pass the pattern as its decimal text.
    if (typeof sub !== "string" || !userIdPattern.test(sub)) {
      throw refuse("CREDENTIALS_INVALID", method, "malformed subject");
    }
    req.contextValues.set(principalKey, { user: sub });
    return next(req);
  };
}
