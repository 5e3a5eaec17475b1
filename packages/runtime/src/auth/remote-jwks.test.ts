import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { createJwtVerifier } from "./jwt-verifier.js";

// Promise 2, keys from a JWKS URL: a real local key server that counts its hits.

const issuer = "https://issuer";
const audience = "glidepath";

interface KeyServer {
  url: string;
  hits(): number;
  /** What it serves: a key set, or an HTTP status. */
  serve(keys: JWK[] | number): void;
  close(): Promise<void>;
}

async function keyServer(): Promise<KeyServer> {
  let served: JWK[] | number = [];
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    if (typeof served === "number") {
      res.statusCode = served;
      res.end();
      return;
    }
    res.setHeader("content-type", "application/jwk-set+json");
    res.end(JSON.stringify({ keys: served }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    hits: () => hits,
    serve: (keys) => {
      served = keys;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function signingKey(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  const sign = (claims: Record<string, unknown> = {}, headerKid = kid) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", kid: headerKid })
      .setSubject("alice")
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
  return { jwk, sign };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("keys from a JWKS URL", () => {
  const servers: KeyServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const start = async () => {
    const s = await keyServer();
    servers.push(s);
    return s;
  };

  it("picks up a rotated key on its unknown kid, once the cooldown allows a fetch", async () => {
    const server = await start();
    const k1 = await signingKey("k1");
    const k2 = await signingKey("k2");
    server.serve([k1.jwk]);
    const verifier = createJwtVerifier({
      issuer,
      audience,
      algorithms: ["EdDSA"],
      jwksUrl: server.url,
      jwksCooldownMs: 300,
    });
    expect((await verifier.verify(await k1.sign())).sub).toBe("alice");
    expect(server.hits()).toBe(1);

    // The issuer rotates: k2 appears in the set, k1 stays for tokens still in flight.
    server.serve([k1.jwk, k2.jwk]);
    await sleep(350);
    expect((await verifier.verify(await k2.sign())).sub).toBe("alice");
    expect(server.hits()).toBe(2);
    // Known kids are served from the cache.
    for (let i = 0; i < 20; i++) await verifier.verify(await k1.sign({ n: i }));
    for (let i = 0; i < 20; i++) await verifier.verify(await k2.sign({ n: i }));
    expect(server.hits()).toBe(2);
    console.log(`jwks rotation: new kid accepted after ${server.hits()} fetches`);
  });

  it("rate-limits refreshes: a flood of unknown kids costs the key server at most one fetch per cooldown", async () => {
    const server = await start();
    const real = await signingKey("real");
    const attacker = await signingKey("attacker");
    server.serve([real.jwk]);
    const cooldownMs = 200;
    const verifier = createJwtVerifier({
      issuer,
      audience,
      algorithms: ["EdDSA"],
      jwksUrl: server.url,
      jwksCooldownMs: cooldownMs,
    });
    await verifier.verify(await real.sign());
    const started = Date.now();
    let tried = 0;
    let through = 0;
    // 1,000 tokens with random kids, in bursts of 50 concurrent, over about a second.
    for (let burst = 0; burst < 20; burst++) {
      const tokens = await Promise.all(
        Array.from({ length: 50 }, (_, i) => attacker.sign({ i }, `kid-${burst}-${i}`)),
      );
      const results = await Promise.allSettled(tokens.map((t) => verifier.verify(t)));
      tried += results.length;
      through += results.filter((r) => r.status === "fulfilled").length;
      await sleep(50);
    }
    const elapsed = Date.now() - started;
    const bound = 1 + Math.ceil(elapsed / cooldownMs) + 1;
    console.log(
      `jwks refresh limit: ${tried} unknown-kid tokens over ${elapsed} ms → ${server.hits()} fetches (bound ${bound}), got through ${through}`,
    );
    expect(through).toBe(0);
    expect(server.hits()).toBeLessThanOrEqual(bound);
    // The real key still works throughout.
    expect((await verifier.verify(await real.sign())).sub).toBe("alice");
  });

  it("refuses tokens while the endpoint is down or broken, and fetches at most once per cooldown", async () => {
    const server = await start();
    const key = await signingKey("k1");
    const url = server.url;
    await server.close();
    servers.pop();
    const verifier = createJwtVerifier({
      issuer,
      audience,
      algorithms: ["EdDSA"],
      jwksUrl: url,
      jwksCooldownMs: 10_000,
    });
    const token = await key.sign();
    for (let i = 0; i < 10; i++) {
      await expect(verifier.verify(token)).rejects.toMatchObject({ name: "JwksUnavailable" });
    }

    const broken = await start();
    const brokenVerifier = createJwtVerifier({
      issuer,
      audience,
      algorithms: ["EdDSA"],
      jwksUrl: broken.url,
      jwksCooldownMs: 10_000,
    });
    broken.serve(500);
    for (let i = 0; i < 50; i++) {
      await expect(brokenVerifier.verify(token)).rejects.toMatchObject({
        name: "JwksUnavailable",
      });
    }
    expect(broken.hits()).toBe(1);
  });

  it("never follows a redirect from the key server", async () => {
    const key = await signingKey("k1");
    const target = await start();
    target.serve([key.jwk]);
    let hits = 0;
    const redirect = createServer((_req, res) => {
      hits++;
      res.statusCode = 302;
      res.setHeader("location", target.url);
      res.end();
    });
    await new Promise<void>((resolve) => redirect.listen(0, "127.0.0.1", resolve));
    try {
      const verifier = createJwtVerifier({
        issuer,
        audience,
        algorithms: ["EdDSA"],
        jwksUrl: `http://127.0.0.1:${(redirect.address() as AddressInfo).port}/jwks`,
      });
      await expect(verifier.verify(await key.sign())).rejects.toThrow();
      expect(hits).toBe(1);
      expect(target.hits()).toBe(0);
    } finally {
      redirect.closeAllConnections();
      await new Promise((resolve) => redirect.close(resolve));
    }
  });
});
