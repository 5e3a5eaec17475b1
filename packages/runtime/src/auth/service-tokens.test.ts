import { generateKeyPairSync } from "node:crypto";
import { exportJWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config.js";
import { createJwtVerifier } from "./jwt-verifier.js";
import {
  createServiceTokenMinter,
  createServiceTokenVerifier,
  parseServiceKeys,
  parseServiceSigningKey,
  SERVICE_TOKEN_TYPE,
  serviceIdentityFrom,
} from "./service-tokens.js";

const pem = (k: { export(o: object): string | Buffer }, type: "spki" | "pkcs8") =>
  k.export({ type, format: "pem" }).toString();

function serviceKey() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return { publicKey, privateKey, publicPem: pem(publicKey, "spki") };
}

describe("service tokens", () => {
  const ai = serviceKey();
  const autonomy = serviceKey();
  const keys = parseServiceKeys(JSON.stringify({ ai: ai.publicPem, autonomy: autonomy.publicPem }));

  it("mints a token the callee verifies as the calling service, and caches it", async () => {
    const minter = createServiceTokenMinter({ service: "ai", privateKey: ai.privateKey });
    const verifier = createServiceTokenVerifier({ audience: "core", keys });
    const token = await minter.token("core");
    expect(await verifier.verify(token)).toEqual({ service: "ai" });
    expect(await minter.token("core")).toBe(token);
    expect(await minter.token("learning")).not.toBe(token);
    // For another audience it is refused.
    const other = createServiceTokenVerifier({ audience: "learning", keys });
    await expect(other.verify(token)).rejects.toThrow();
  });

  it("mints again before the token expires", async () => {
    const minter = createServiceTokenMinter({
      service: "ai",
      privateKey: ai.privateKey,
      ttlSeconds: 10,
    });
    const first = await minter.token("core");
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + 6_000;
      expect(await minter.token("core")).not.toBe(first);
    } finally {
      Date.now = realNow;
    }
  });

  it("refuses a token signed by another service's key", async () => {
    const forged = createServiceTokenMinter({ service: "ai", privateKey: autonomy.privateKey });
    const verifier = createServiceTokenVerifier({ audience: "core", keys });
    await expect(verifier.verify(await forged.token("core"))).rejects.toThrow();
  });

  it("refuses long-lived, future-issued and untyped tokens", async () => {
    const verifier = createServiceTokenVerifier({ audience: "core", keys });
    const now = Math.floor(Date.now() / 1000);
    const sign = (iat: number, exp: number, typ = SERVICE_TOKEN_TYPE) =>
      new SignJWT({})
        .setProtectedHeader({ alg: "EdDSA", typ })
        .setIssuer("ai")
        .setSubject("ai")
        .setAudience("core")
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(ai.privateKey);
    expect(await verifier.verify(await sign(now, now + 60))).toEqual({ service: "ai" });
    await expect(verifier.verify(await sign(now, now + 3600))).rejects.toThrow();
    await expect(verifier.verify(await sign(now + 600, now + 660))).rejects.toThrow();
    await expect(verifier.verify(await sign(now, now + 60, "JWT"))).rejects.toThrow();
  });

  it("reads keys as a name → PEM map (with rotation lists) or a JWKS", async () => {
    const next = serviceKey();
    const map = parseServiceKeys(JSON.stringify({ ai: [ai.publicPem, next.publicPem] }));
    expect(map.get("ai")).toHaveLength(2);
    const jwks = parseServiceKeys(
      JSON.stringify({
        keys: [
          { ...(await exportJWK(ai.publicKey)), kid: "ai" },
          { ...(await exportJWK(next.publicKey)), kid: "ai:2026-05" },
          { ...(await exportJWK(autonomy.publicKey)), kid: "autonomy" },
        ],
      }),
    );
    expect(jwks.get("ai")).toHaveLength(2);
    expect(jwks.get("autonomy")).toHaveLength(1);
    const rotated = createServiceTokenMinter({ service: "ai", privateKey: next.privateKey });
    const verifier = createServiceTokenVerifier({ audience: "core", keys: jwks });
    expect(await verifier.verify(await rotated.token("core"))).toEqual({ service: "ai" });
  });

  it("refuses bad key configuration, naming the variable", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const bad = [
      "not json",
      "[]",
      JSON.stringify({ ai: 42 }),
      JSON.stringify({ ai: "not a pem" }),
      JSON.stringify({ ai: pem(rsa.publicKey, "spki") }),
      JSON.stringify({ "Bad Name": ai.publicPem }),
      JSON.stringify({ ai: Array(5).fill(ai.publicPem) }),
      JSON.stringify({ keys: [{ kty: "oct", k: "c2VjcmV0", kid: "ai" }] }),
      JSON.stringify({ keys: [{ kty: "OKP", crv: "Ed25519", x: "AAAA" }] }),
    ];
    for (const text of bad) {
      expect(() => parseServiceKeys(text), text).toThrow(/SERVICE_KEYS/);
    }
    expect(() => parseServiceSigningKey("nope")).toThrow(ConfigError);
    expect(() => parseServiceSigningKey(pem(rsa.privateKey, "pkcs8"))).toThrow(
      /SERVICE_SIGNING_KEY/,
    );
    expect(() =>
      createServiceTokenMinter({ service: "Bad Name", privateKey: ai.privateKey }),
    ).toThrow(ConfigError);
  });

  it("builds a service's identity from its configuration", async () => {
    const none = serviceIdentityFrom("core", {});
    expect(none.minter).toBeUndefined();
    expect(none.verifier).toBeUndefined();
    const ident = serviceIdentityFrom("ai", {
      SERVICE_SIGNING_KEY: pem(ai.privateKey, "pkcs8"),
      SERVICE_KEYS: JSON.stringify({ ai: ai.publicPem }),
    });
    const token = (await ident.minter?.token("ai")) ?? "";
    expect(await ident.verifier?.verify(token)).toEqual({ service: "ai" });
  });
});

describe("user tokens: iat", () => {
  it("refuses a token issued in the future beyond the clock skew, accepts one within it", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const verifier = createJwtVerifier({
      issuer: "https://issuer",
      audience: "glidepath",
      algorithms: ["EdDSA"],
      publicKey: pem(publicKey, "spki"),
    });
    const now = Math.floor(Date.now() / 1000);
    const sign = (iat: number) =>
      new SignJWT({})
        .setProtectedHeader({ alg: "EdDSA" })
        .setSubject("alice")
        .setIssuer("https://issuer")
        .setAudience("glidepath")
        .setIssuedAt(iat)
        .setExpirationTime(now + 3600)
        .sign(privateKey);
    expect((await verifier.verify(await sign(now + 10))).sub).toBe("alice");
    await expect(verifier.verify(await sign(now + 120))).rejects.toMatchObject({
      name: "JWTIssuedInFuture",
    });
    await expect(verifier.verify(await sign(now + 3000))).rejects.toThrow();
  });
});
