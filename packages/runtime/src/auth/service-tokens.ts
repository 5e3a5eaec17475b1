import { createPrivateKey, createPublicKey, type KeyObject, randomUUID } from "node:crypto";
import {
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { LRUCache } from "lru-cache";
import { ConfigError } from "../config.js";

// Service identity: every service signs short-lived tokens with its own Ed25519 key
// (SERVICE_SIGNING_KEY) naming itself (`iss` = `sub` = its name) and the service it calls
// (`aud`). A callee trusts the public keys listed in SERVICE_KEYS, each bound to one service
// name. Tokens travel in their own header, beside the user's `authorization`, so a call made on
// behalf of a user carries both identities and neither can pass for the other (different
// header, key set, `typ`, issuer and audience).

/** The header a service token travels in. */
export const SERVICE_TOKEN_HEADER = "x-glidepath-service-token";
/** The `typ` of a service token (RFC 8725 §3.11: explicit typing). */
export const SERVICE_TOKEN_TYPE = "glidepath-service+jwt";

const serviceNamePattern = /^[a-z][a-z0-9-]{0,62}$/;
/** At most this many keys per service (rotation needs two). */
const maxKeysPerService = 4;

export interface ServiceTokenMinter {
  /** This service's name: the `iss` of its tokens. */
  readonly service: string;
  /** A token for calling `audience`, minted once and reused until it nears expiry. */
  token(audience: string): Promise<string>;
}

export interface ServiceTokenVerifier {
  /** The calling service of a valid token addressed to this service; rejects anything else. */
  verify(token: string): Promise<{ service: string }>;
}

export class ServiceTokenError extends Error {
  override name = "ServiceTokenInvalid";
}

function ed25519Public(text: string, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(text.trim());
  } catch {
    throw new ConfigError(`${where}: not a PEM public key`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new ConfigError(`${where}: not an Ed25519 key`);
  return key;
}

/** The service name a JWKS key belongs to: its `kid`, or the part of it before a `:`. */
const serviceOfKid = (kid: string) => kid.split(":")[0] ?? "";

/**
 * Parses SERVICE_KEYS: either a map from service name to a PEM public key (or a list of them,
 * during a rotation) — `{"ai": "-----BEGIN PUBLIC KEY-----…"}` — or a JWKS whose keys name
 * their service in `kid` (`ai`, or `ai:2026-05`). Only Ed25519 keys are accepted.
 */
export function parseServiceKeys(text: string): Map<string, KeyObject[]> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError("SERVICE_KEYS: not JSON (a name → PEM map or a JWKS)");
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new ConfigError("SERVICE_KEYS: not a name → PEM map or a JWKS");
  }
  const keys = new Map<string, KeyObject[]>();
  const add = (service: string, key: KeyObject) => {
    if (!serviceNamePattern.test(service)) {
      throw new ConfigError("SERVICE_KEYS: a service name must match [a-z][a-z0-9-]*");
    }
    const list = keys.get(service) ?? [];
    list.push(key);
    if (list.length > maxKeysPerService) {
      throw new ConfigError(`SERVICE_KEYS: more than ${maxKeysPerService} keys for one service`);
    }
    keys.set(service, list);
  };
  const jwks = (json as { keys?: unknown }).keys;
  if (Array.isArray(jwks)) {
    for (const jwk of jwks as JWK[]) {
      if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string" || jwk.d) {
        throw new ConfigError("SERVICE_KEYS: every JWKS key must be an Ed25519 public key");
      }
      if (typeof jwk.kid !== "string") throw new ConfigError("SERVICE_KEYS: a JWKS key has no kid");
      const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x }, format: "jwk" });
      add(serviceOfKid(jwk.kid), key);
    }
    return keys;
  }
  for (const [service, value] of Object.entries(json as Record<string, unknown>)) {
    const pems = Array.isArray(value) ? value : [value];
    for (const pem of pems) {
      if (typeof pem !== "string") throw new ConfigError("SERVICE_KEYS: values must be PEM text");
      add(service, ed25519Public(pem, `SERVICE_KEYS[${service}]`));
    }
  }
  return keys;
}

/** Parses SERVICE_SIGNING_KEY: this service's Ed25519 private key, PEM (PKCS #8). */
export function parseServiceSigningKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(text.trim());
  } catch {
    throw new ConfigError("SERVICE_SIGNING_KEY: not a PEM private key");
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new ConfigError("SERVICE_SIGNING_KEY: not an Ed25519 key");
  }
  return key;
}

/**
 * Mints this service's tokens: `ttlSeconds` long (default 60), cached per audience and minted
 * again once less than half their life is left, so a token in flight never expires on the way.
 */
export function createServiceTokenMinter(options: {
  service: string;
  privateKey: KeyObject;
  ttlSeconds?: number;
}): ServiceTokenMinter {
  const { service, privateKey } = options;
  if (!serviceNamePattern.test(service)) throw new ConfigError(`bad service name ${service}`);
  const ttl = options.ttlSeconds ?? 60;
  const kid = exportJWK(createPublicKey(privateKey)).then((jwk) => calculateJwkThumbprint(jwk));
  const cache = new Map<string, { token: Promise<string>; renewAt: number }>();
  return {
    service,
    token(audience) {
      const now = Date.now();
      const hit = cache.get(audience);
      if (hit && hit.renewAt > now) return hit.token;
      const iat = Math.floor(now / 1000);
      const token = kid.then((k) =>
        new SignJWT({})
          .setProtectedHeader({ alg: "EdDSA", typ: SERVICE_TOKEN_TYPE, kid: `${service}:${k}` })
          .setIssuer(service)
          .setSubject(service)
          .setAudience(audience)
          .setIssuedAt(iat)
          .setExpirationTime(iat + ttl)
          .setJti(randomUUID())
          .sign(privateKey),
      );
      cache.set(audience, { token, renewAt: now + (ttl * 1000) / 2 });
      token.catch(() => cache.delete(audience));
      return token;
    },
  };
}

/**
 * Verifies service tokens addressed to `audience` (this service's name): EdDSA only, `typ`
 * pinned, `iss` a service of `keys` and signed by one of that service's keys, `sub` = `iss`,
 * `exp` and `iat` required, at most `maxLifetimeSeconds` long (default 300) and not issued in the
 * future beyond the skew. Good tokens are cached until they expire.
 */
export function createServiceTokenVerifier(options: {
  audience: string;
  keys: Map<string, KeyObject[]>;
  clockToleranceSeconds?: number;
  maxLifetimeSeconds?: number;
}): ServiceTokenVerifier {
  const tolerance = options.clockToleranceSeconds ?? 30;
  const maxLifetime = options.maxLifetimeSeconds ?? 300;
  const verified = new LRUCache<string, { service: string }>({ max: 1_000 });
  const fail = (why: string) => new ServiceTokenError(why);
  return {
    async verify(token) {
      const hit = verified.get(token);
      if (hit) return hit;
      let header: ReturnType<typeof decodeProtectedHeader>;
      let iss: unknown;
      try {
        header = decodeProtectedHeader(token);
        iss = decodeJwt(token).iss;
      } catch {
        throw fail("not a JWT");
      }
      if (header.alg !== "EdDSA") throw fail("algorithm");
      if (header.typ !== SERVICE_TOKEN_TYPE) throw fail("type");
      if (typeof iss !== "string") throw fail("no issuer");
      const keys = options.keys.get(iss);
      if (!keys) throw fail("unknown service");
      let last: unknown;
      for (const key of keys) {
        try {
          const { payload } = await jwtVerify(token, key, {
            algorithms: ["EdDSA"],
            typ: SERVICE_TOKEN_TYPE,
            issuer: iss,
            subject: iss,
            audience: options.audience,
            requiredClaims: ["exp", "iat", "iss", "sub", "aud"],
            clockTolerance: tolerance,
            maxTokenAge: maxLifetime,
          });
          const exp = payload.exp as number;
          const iat = payload.iat as number;
          if (iat > Date.now() / 1000 + tolerance) throw fail("issued in the future");
          if (exp - iat > maxLifetime) throw fail("lifetime too long");
          const result = { service: iss };
          const ttl = Math.min((exp + tolerance) * 1000 - Date.now(), maxLifetime * 1000);
          if (ttl > 0) verified.set(token, result, { ttl });
          return result;
        } catch (e) {
          last = e;
        }
      }
      throw last instanceof Error ? last : fail("verification failed");
    },
  };
}

/** A service's identity from its configuration: what it mints with, and whom it trusts. */
export function serviceIdentityFrom(
  service: string,
  config: {
    SERVICE_SIGNING_KEY?: string;
    SERVICE_KEYS?: string;
    SERVICE_TOKEN_TTL_SECONDS?: number;
  },
): { minter?: ServiceTokenMinter; verifier?: ServiceTokenVerifier } {
  return {
    minter: config.SERVICE_SIGNING_KEY
      ? createServiceTokenMinter({
          service,
          privateKey: parseServiceSigningKey(config.SERVICE_SIGNING_KEY),
          ttlSeconds: config.SERVICE_TOKEN_TTL_SECONDS,
        })
      : undefined,
    verifier: config.SERVICE_KEYS
      ? createServiceTokenVerifier({
          audience: service,
          keys: parseServiceKeys(config.SERVICE_KEYS),
        })
      : undefined,
  };
}
