import { generateKeyPairSync, type KeyObject, randomUUID } from "node:crypto";
import { type JWTPayload, SignJWT } from "jose";

/** The mesh's services, each with a signing key in a test key ring. */
export const meshServices = ["core", "ai", "autonomy", "learning", "edge"] as const;

/** The header and `typ` of service tokens (as the runtime defines them). */
export const serviceTokenHeader = "x-glidepath-service-token";
export const serviceTokenType = "glidepath-service+jwt";

export interface ServiceKeyRing {
  /** SERVICE_KEYS: every service's public key, as a name → PEM map. */
  trusted: string;
  /** SERVICE_SIGNING_KEY of `service` (PEM, PKCS #8). */
  signingKeyPem(service: string): string;
  privateKey(service: string): KeyObject;
  /** A valid token of `service` for `audience`; `claims`/`header` bend it for negative tests. */
  mint(
    service: string,
    audience: string,
    options?: { claims?: JWTPayload; header?: Record<string, unknown>; ttlSeconds?: number },
  ): Promise<string>;
}

/** A fresh Ed25519 key per service: what `npm start` generates, for tests. */
export function createServiceKeyRing(services: readonly string[] = meshServices): ServiceKeyRing {
  const keys = new Map(services.map((s) => [s, generateKeyPairSync("ed25519")]));
  const pair = (service: string) => {
    const p = keys.get(service);
    if (!p) throw new Error(`no key for service ${service}`);
    return p;
  };
  const trusted = JSON.stringify(
    Object.fromEntries(
      [...keys].map(([s, k]) => [s, k.publicKey.export({ type: "spki", format: "pem" })]),
    ),
  );
  return {
    trusted,
    signingKeyPem: (service) =>
      pair(service).privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    privateKey: (service) => pair(service).privateKey,
    mint(service, audience, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: service,
        sub: service,
        aud: audience,
        iat: now,
        exp: now + (options.ttlSeconds ?? 60),
        jti: randomUUID(),
        ...options.claims,
      })
        .setProtectedHeader({ alg: "EdDSA", typ: serviceTokenType, ...options.header })
        .sign(pair(service).privateKey);
    },
  };
}

let shared: ServiceKeyRing | undefined;

/** This test process's key ring: serviceEnv trusts it, harnesses give each service its key. */
export function testServiceKeys(): ServiceKeyRing {
  shared ??= createServiceKeyRing();
  return shared;
}
