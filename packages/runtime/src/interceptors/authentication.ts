import { Code, type Interceptor } from "@connectrpc/connect";
import type { JwtVerifier } from "../auth/jwt-verifier.js";
import { SERVICE_TOKEN_HEADER, type ServiceTokenVerifier } from "../auth/service-tokens.js";
import type { Logger } from "../logger.js";
import { callerServiceKey, principalKey } from "../principal.js";
import { rpcError } from "../rpc-error.js";
import { securityEvent } from "../security-events.js";

const userIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:|@+-]{0,127}$/;

export interface AuthenticationOptions {
  verifier: JwtVerifier;
  /** Verifies service tokens (`x-glidepath-service-token`); without one, none is accepted. */
  serviceVerifier?: ServiceTokenVerifier;
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
    // Counted by onFailure; the principal is unknown (unverified claims are never logged).
    securityEvent(options.logger, undefined, {
      event: "authentication_failed",
      method,
      reason,
      detail: cause,
    });
    return rpcError(options.domain, {
      code: Code.Unauthenticated,
      reason,
      message: "missing or invalid credentials",
    });
  };
  return (next) => async (req) => {
    if (options.publicServices.has(req.service.typeName)) return next(req);
    const method = `${req.service.typeName}/${req.method.name}`;
    // A calling service's own identity, beside (or instead of) the user's.
    const service = await authenticateService(req.header.get(SERVICE_TOKEN_HEADER), options);
    if (service.refused) throw refuse("CREDENTIALS_INVALID", method, service.refused);
    if (service.name) req.contextValues.set(callerServiceKey, service.name);
    const header = req.header.get("authorization");
    // A service alone sets no principal: only the callee's internal-only methods accept that.
    if (!header && service.name) return next(req);
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
    req.contextValues.set(
      principalKey,
      service.name ? { user: sub, service: service.name } : { user: sub },
    );
    return next(req);
  };
}

/** The service named by a service token header, or why it was refused. */
async function authenticateService(
  header: string | null,
  options: AuthenticationOptions,
): Promise<{ name?: string; refused?: string }> {
  if (header === null) return {};
  if (!options.serviceVerifier) return { refused: "service tokens not accepted" };
  if (!/^[A-Za-z0-9._~+/=-]+$/.test(header)) return { refused: "malformed service token" };
  try {
    return { name: (await options.serviceVerifier.verify(header)).service };
  } catch (e) {
    return { refused: `service token: ${(e as Error).name || "verification failed"}` };
  }
}
