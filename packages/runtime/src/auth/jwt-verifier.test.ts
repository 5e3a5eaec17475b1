import { generateKeyPairSync } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config.js";
import { createJwtVerifier } from "./jwt-verifier.js";

const issuer = "https://issuer";
const audience = "glidepath";
const sign = (key: Parameters<SignJWT["sign"]>[0], alg: string, kid?: string, exp = "1h") =>
  new SignJWT({})
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setSubject("alice")
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key);

describe("createJwtVerifier", () => {
  it("pins each PEM key type to its one algorithm", async () => {
    const pairs = [
      ["EdDSA", generateKeyPairSync("ed25519")],
      ["ES256", generateKeyPairSync("ec", { namedCurve: "prime256v1" })],
      ["RS256", generateKeyPairSync("rsa", { modulusLength: 2048 })],
    ] as const;
    for (const [alg, { publicKey, privateKey }] of pairs) {
      const verifier = createJwtVerifier({
        issuer,
        audience,
        algorithms: ["EdDSA", "ES256", "RS256"],
        publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
      });
      const claims = await verifier.verify(await sign(privateKey, alg));
      expect(claims.sub).toBe("alice");
    }
  });

  it("takes a JWKS with kids, and rejects an unknown kid and an expired token", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
    const verifier = createJwtVerifier({
      issuer,
      audience,
      algorithms: ["ES256"],
      publicKey: JSON.stringify({ keys: [jwk] }),
    });
    expect((await verifier.verify(await sign(privateKey, "ES256", "k1"))).sub).toBe("alice");
    await expect(verifier.verify(await sign(privateKey, "ES256", "other"))).rejects.toThrow();
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setSubject("alice")
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
      .sign(privateKey);
    await expect(verifier.verify(expired)).rejects.toThrow();
  });

  it("refuses configurations without a key or with `none`", () => {
    expect(() => createJwtVerifier({ issuer, audience, algorithms: ["EdDSA"] })).toThrow(
      ConfigError,
    );
    expect(() =>
      createJwtVerifier({ issuer, audience, algorithms: ["EdDSA"], publicKey: "not a key" }),
    ).toThrow(ConfigError);
    const { publicKey } = generateKeyPairSync("ed25519");
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(() =>
      createJwtVerifier({ issuer, audience, algorithms: ["RS256"], publicKey: pem }),
    ).toThrow(ConfigError);
    expect(() =>
      createJwtVerifier({ issuer, audience, algorithms: ["none"], jwksUrl: "https://x/jwks" }),
    ).toThrow(ConfigError);
  });
});
