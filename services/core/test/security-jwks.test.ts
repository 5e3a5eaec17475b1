import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WorkspaceService } from "@glidepath/contracts/core/v1";
import { clientFor } from "@glidepath/testkit";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";
import { attempt, createKeyedIssuer } from "./security-support.js";

// Promise 2, user keys from a JWKS URL, end to end through core: an identity provider's key
// server that is down answers UNAUTHENTICATED (never INTERNAL), a rotated key is picked up on its
// unknown kid, and a flood of made-up kids costs the key server at most one fetch per cooldown.

const issuer = "https://issuer.test";
const audience = "glidepath";
const cooldownMs = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function key(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  const sign = (user = "alice", headerKid = kid) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: headerKid })
      .setSubject(user)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
  };
  return { jwk, sign };
}

describe("user keys from a JWKS URL (core)", () => {
  let core: CoreHarness;
  let server: Server | undefined;
  let port = 0;
  let hits = 0;
  let served: JWK[] | number = [];

  const up = () =>
    new Promise<void>((resolve) => {
      const s = createServer((_req, res) => {
        hits++;
        if (typeof served === "number") {
          res.statusCode = served;
          res.end();
          return;
        }
        res.setHeader("content-type", "application/jwk-set+json");
        res.end(JSON.stringify({ keys: served }));
      });
      server = s;
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as AddressInfo).port;
        resolve();
      });
    });
  const down = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
      server = undefined;
    });

  const call = async (token: string) =>
    attempt(() => clientFor(WorkspaceService, core.service, token).listWorkspaces({ pageSize: 1 }));

  beforeAll(async () => {
    // The key server's port is known, then it goes down before core starts.
    await up();
    await down();
    // The harness needs an issuer for its env; its PEM key is replaced by the JWKS URL.
    core = await startCoreHarness(
      {
        AUTH_PUBLIC_KEY: "",
        AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
        AUTH_JWKS_COOLDOWN_MS: String(cooldownMs),
      },
      { issuer: await createKeyedIssuer(issuer, audience) },
    );
  });

  afterAll(async () => {
    await down();
    await core?.stop();
  });

  it("answers UNAUTHENTICATED while the key server is down, then recovers on its own", async () => {
    const k1 = await key("k1");
    let tried = 0;
    const codes = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const outcome = await call(await k1.sign());
      tried++;
      codes.add(`${outcome.code} ${outcome.reasons.join(",")}`);
    }
    console.log(`jwks down: tried ${tried} valid tokens, answers ${[...codes].join("; ")}`);
    expect([...codes]).toEqual(["Unauthenticated CREDENTIALS_INVALID"]);

    // The key server comes back; after the cooldown the next token fetches the keys.
    served = [k1.jwk];
    await up();
    await sleep(cooldownMs + 50);
    expect((await call(await k1.sign())).code).toBe("OK");
    expect(hits).toBe(1);
  });

  it("picks up a rotated key on its unknown kid", async () => {
    const k2 = await key("k2");
    served = [...(served as JWK[]), k2.jwk];
    hits = 0;
    await sleep(cooldownMs + 50);
    expect((await call(await k2.sign("bob"))).code).toBe("OK");
    expect(hits).toBe(1);
    // Then every call with k2 is served from the cache.
    for (let i = 0; i < 20; i++) expect((await call(await k2.sign("bob"))).code).toBe("OK");
    expect(hits).toBe(1);
  });

  it("bounds key-server fetches under a flood of unknown kids, refusing every such token", async () => {
    const attacker = await key("attacker");
    await sleep(cooldownMs + 50);
    hits = 0;
    let tried = 0;
    let through = 0;
    const codes = new Set<string>();
    const started = Date.now();
    for (let burst = 0; burst < 10; burst++) {
      const tokens = await Promise.all(
        Array.from({ length: 40 }, (_, i) => attacker.sign("mallory", `made-up-${burst}-${i}`)),
      );
      const outcomes = await Promise.all(tokens.map(call));
      for (const o of outcomes) {
        tried++;
        if (o.ok) through++;
        else codes.add(o.code);
      }
      await sleep(100);
    }
    const elapsed = Date.now() - started;
    const bound = Math.ceil(elapsed / cooldownMs) + 1;
    console.log(
      `jwks flood (core): tried ${tried} unknown-kid tokens over ${elapsed} ms, got through ${through}; key server fetched ${hits} times (bound ${bound})`,
    );
    expect(through).toBe(0);
    expect([...codes]).toEqual(["Unauthenticated"]);
    expect(hits).toBeLessThanOrEqual(bound);
  });

  it("keeps known keys working when the key server breaks, and refuses new kids", async () => {
    const k3 = await key("k3");
    served = [k3.jwk];
    await sleep(cooldownMs + 50);
    expect((await call(await k3.sign())).code).toBe("OK");
    served = 500;
    await sleep(cooldownMs + 50);
    expect((await call(await k3.sign())).code).toBe("OK");
    const outcome = await call(await (await key("k9")).sign());
    expect(outcome.code).toBe("Unauthenticated");
  });
});
