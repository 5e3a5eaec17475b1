import { randomUUID } from "node:crypto";
import { exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from "jose";

export interface TestIssuer {
  issuer: string;
  audience: string;
  /** PEM of the public key, for AUTH_PUBLIC_KEY. */
  publicKeyPem: string;
  /** A valid token for `user`; `claims` and `options` bend it for negative tests. */
  mint(
    user: string,
    claims?: JWTPayload,
    options?: { expiresInSeconds?: number; audience?: string; issuer?: string },
  ): Promise<string>;
}

/** An Ed25519 token issuer for tests, and the environment a service needs to trust it. */
export async function createTestIssuer(
  issuer = "https://issuer.test",
  audience = "glidepath",
): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", {
    crv: "Ed25519",
    extractable: true,
  });
  return {
    issuer,
    audience,
    publicKeyPem: await exportSPKI(publicKey),
    mint(user, claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: "EdDSA", typ: "JWT" })
        .setSubject(user)
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(now)
        .setJti(randomUUID())
        .setExpirationTime(now + (options.expiresInSeconds ?? 3600))
        .sign(privateKey);
    },
  };
}
