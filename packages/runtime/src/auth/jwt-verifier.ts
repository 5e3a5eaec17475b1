import { createPublicKey, type KeyObject } from "node:crypto";
import {
  createLocalJWKSet,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import { LRUCache } from "lru-cache";
import { ConfigError } from "../config.js";
import { createRemoteJwks } from "./remote-jwks.js";

export interface JwtVerifierOptions {
  issuer: string;
  audience: string;
  /** Algorithms accepted at all; a key is further pinned to the algorithm of its type. */
  algorithms: string[];
  /** A PEM public key, a JWK or a JWKS (JSON). */
  publicKey?: string;
  /** A JWKS endpoint; keys are cached and refetched (rate-limited) on an unknown `kid`. */
  jwksUrl?: string;
  /** Least time between two fetches of `jwksUrl` (default 30 s). */
  jwksCooldownMs?: number;
  /** Allowed clock skew for `exp`, `nbf` and `iat`. */
  clockToleranceSeconds?: number;
}

export type VerifiedClaims = JWTPayload & { sub: string; exp: number };

export interface JwtVerifier {
  /** Resolves the claims of a valid token; rejects on anything else. */
  verify(token: string): Promise<VerifiedClaims>;
}

export class IssuedInFutureError extends Error {
  override name = "JWTIssuedInFuture";
}

/** The only algorithm a key of each type may be used with (no RS/HS confusion, no `none`). */
function algorithmFor(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === "ed25519") return "EdDSA";
  if (type === "rsa") return "RS256";
  if (type === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ES256";
  throw new ConfigError(`AUTH_PUBLIC_KEY: unsupported key type ${type ?? "unknown"}`);
}

function localKeys(text: string): { getKey: JWTVerifyGetKey | KeyObject; algorithms?: string[] } {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    const json = JSON.parse(trimmed) as { keys?: JWK[] } & JWK;
    const keys = json.keys ?? [json];
    return { getKey: createLocalJWKSet({ keys }) };
  }
  try {
    const key = createPublicKey(trimmed);
    return { getKey: key, algorithms: [algorithmFor(key)] };
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError("AUTH_PUBLIC_KEY: not a PEM public key, JWK or JWKS");
  }
}

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  let getKey: JWTVerifyGetKey | KeyObject;
  let algorithms = options.algorithms;
  if (options.publicKey) {
    const local = localKeys(options.publicKey);
    getKey = local.getKey;
    if (local.algorithms) algorithms = algorithms.filter((a) => local.algorithms?.includes(a));
  } else if (options.jwksUrl) {
    getKey = createRemoteJwks({
      url: options.jwksUrl,
      cooldownMs: options.jwksCooldownMs ?? 30_000,
      maxAgeMs: 10 * 60_000,
      timeoutMs: 5_000,
    }).getKey;
  } else {
    throw new ConfigError("set AUTH_PUBLIC_KEY (or AUTH_PUBLIC_KEY_FILE) or AUTH_JWKS_URL");
  }
  if (algorithms.length === 0 || algorithms.some((a) => a.toLowerCase() === "none")) {
    throw new ConfigError("AUTH_ALGORITHMS: no usable algorithm for the configured key");
  }
  // Verifying a signature costs far more than a map lookup; cache good tokens until they expire.
  const verified = new LRUCache<string, VerifiedClaims>({ max: 10_000, ttlAutopurge: false });
  const tolerance = options.clockToleranceSeconds ?? 30;

  return {
    async verify(token) {
      const hit = verified.get(token);
      if (hit) return hit;
      const { payload } = await jwtVerify(token, getKey as JWTVerifyGetKey, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms,
        requiredClaims: ["exp", "sub", "iss", "aud"],
        clockTolerance: tolerance,
      });
      const claims = payload as VerifiedClaims;
      // jose checks `iat` only against a maximum age: a token issued in the future is refused.
      if (claims.iat !== undefined && claims.iat > Date.now() / 1000 + tolerance) {
        throw new IssuedInFutureError("iat is in the future");
      }
      const nbfMs = claims.nbf === undefined ? 0 : (claims.nbf - tolerance) * 1000;
      // Only cache tokens already valid, and never past their expiry.
      if (nbfMs <= Date.now()) {
        const ttl = Math.min((claims.exp + tolerance) * 1000 - Date.now(), 5 * 60_000);
        if (ttl > 0) verified.set(token, claims, { ttl });
      }
      return claims;
    },
  };
}
