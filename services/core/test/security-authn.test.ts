import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { TaskService, WorkspaceService } from "@glidepath/contracts/core/v1";
import {
  Health,
  HealthCheckResponse_ServingStatus,
  ServerReflection,
} from "@glidepath/contracts/grpc";
import type { Protocol } from "@glidepath/testkit";
import { exportJWK, generateKeyPair, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";
import {
  attempt,
  b64url,
  clientWith,
  createKeyedIssuer,
  type KeyedIssuer,
  type Outcome,
} from "./security-support.js";

// Promise 2: every forged, stale or malformed credential is UNAUTHENTICATED, with a stable
// reason and a message that says nothing about why.

const protocols: Protocol[] = ["grpc", "connect", "grpc-web"];
const revealing =
  /expire|signature|audience|issuer|\balg|kid|jku|x5u|nbf|\bexp\b|claim|jw[tsk]|key|subject|sub\b|not.?before|before|hmac|none|bearer|malformed|decode/i;

interface Credential {
  name: string;
  /** The `authorization` header, or undefined to send none. */
  header: string | undefined;
  reason: "CREDENTIALS_MISSING" | "CREDENTIALS_INVALID";
}

describe("authentication", () => {
  let core: CoreHarness;
  let issuer: KeyedIssuer;
  let taskName: string;
  let jwksHits = 0;
  let jwks: Server;
  let jwksUrl: string;
  const credentials: Credential[] = [];

  beforeAll(async () => {
    issuer = await createKeyedIssuer();
    core = await startCoreHarness({}, { issuer });
    const ws = await core.workspace("alice");
    const tasks = await core.client(TaskService, "alice");
    const { task } = await tasks.createTask({ parent: `workspaces/${ws}`, task: { title: "t" } });
    taskName = task?.name ?? "";

    // An attacker's key and a listener that serves it (JWKS and "certificate"), counting hits.
    const attacker = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: "attacker", alg: "EdDSA" };
    jwks = createServer((_req, res) => {
      jwksHits++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [attackerJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;

    const now = Math.floor(Date.now() / 1000);
    const valid = issuer.claims("alice");
    const good = await issuer.sign(valid);
    const [head, body, signature] = good.split(".") as [string, string, string];
    const add = (name: string, header: string | undefined, reason?: Credential["reason"]) =>
      credentials.push({ name, header, reason: reason ?? "CREDENTIALS_INVALID" });
    const bearer = (name: string, token: string) => add(name, `Bearer ${token}`);
    const without = (claim: string): JWTPayload => {
      const copy = { ...issuer.claims("alice") };
      delete copy[claim];
      return copy;
    };

    // Transport-level shapes.
    add("no authorization header", undefined, "CREDENTIALS_MISSING");
    add("empty Bearer", "Bearer ");
    add("Basic scheme", `Basic ${b64url("alice:secret")}`);
    add("bare token, no scheme", good);
    add("Bearer with two tokens", `Bearer ${good} ${good}`);
    add("Bearer with junk characters", `Bearer ${good}!`);
    add("Token scheme", `Token ${good}`);
    bearer("not a JWT", "hello");
    bearer("two segments", `${head}.${body}`);
    bearer("four segments", `${good}.x`);
    bearer("header not JSON", `${b64url("{nope")}.${body}.${signature}`);
    bearer("payload not JSON", `${head}.${b64url("[1,2")}.${signature}`);

    // Algorithm attacks.
    for (const alg of ["none", "None", "NONE", "nOnE"]) {
      bearer(`alg: ${alg}`, `${b64url(JSON.stringify({ alg, typ: "JWT" }))}.${body}.`);
      bearer(
        `alg: ${alg} with the original signature`,
        `${b64url(JSON.stringify({ alg, typ: "JWT" }))}.${body}.${signature}`,
      );
    }
    const pem = new TextEncoder().encode(issuer.publicKeyPem);
    for (const alg of ["HS256", "HS384", "HS512"]) {
      bearer(`${alg} keyed with the public key PEM`, await issuer.sign(valid, { alg }, pem));
    }
    const der = Buffer.from(
      issuer.publicKeyPem.replace(/-----[^-]+-----|\s/g, ""),
      "base64",
    ) as Uint8Array;
    bearer("HS256 keyed with the public key DER", await issuer.sign(valid, { alg: "HS256" }, der));
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    bearer("RS256 by another key", await issuer.sign(valid, { alg: "RS256" }, rsa.privateKey));
    bearer("ES256 by another key", await issuer.sign(valid, { alg: "ES256" }, ec.privateKey));

    // Signatures.
    const sigBytes = Buffer.from(signature, "base64url");
    for (const i of [0, 31, 63]) {
      const flipped = Buffer.from(sigBytes);
      flipped[i] = (flipped[i] ?? 0) ^ 0x01;
      bearer(`signature bit flipped at byte ${i}`, `${head}.${body}.${b64url(flipped)}`);
    }
    bearer("signature truncated", `${head}.${body}.${signature.slice(0, -4)}`);
    bearer("signature empty", `${head}.${body}.`);
    bearer(
      "payload changed under a valid signature",
      `${head}.${b64url(JSON.stringify({ ...valid, sub: "mallory" }))}.${signature}`,
    );

    // Time.
    bearer("expired an hour ago", await issuer.sign({ ...valid, exp: now - 3600 }));
    bearer("expired beyond the skew", await issuer.sign({ ...valid, exp: now - 120 }));
    bearer("not valid for an hour", await issuer.sign({ ...valid, nbf: now + 3600 }));
    bearer("not valid beyond the skew", await issuer.sign({ ...valid, nbf: now + 120 }));
    bearer("exp not a number", await issuer.sign({ ...valid, exp: "never" as never }));

    // Required claims.
    bearer("no exp", await issuer.sign(without("exp")));
    bearer("no iss", await issuer.sign(without("iss")));
    bearer("no aud", await issuer.sign(without("aud")));
    bearer("no sub", await issuer.sign(without("sub")));
    bearer("wrong issuer", await issuer.sign({ ...valid, iss: "https://evil.test" }));
    bearer(
      "issuer with a trailing slash",
      await issuer.sign({ ...valid, iss: `${issuer.issuer}/` }),
    );
    bearer("wrong audience", await issuer.sign({ ...valid, aud: "someone-else" }));
    bearer("audience list without ours", await issuer.sign({ ...valid, aud: ["a", "b"] }));

    // Keys.
    bearer(
      "unknown kid, another key",
      await issuer.sign(valid, { alg: "EdDSA", kid: "unknown" }, attacker.privateKey),
    );
    bearer("another key, no kid", await issuer.sign(valid, { alg: "EdDSA" }, attacker.privateKey));
    bearer(
      "embedded jwk of the signer",
      await issuer.sign(
        valid,
        { alg: "EdDSA", jwk: await exportJWK(attacker.publicKey) },
        attacker.privateKey,
      ),
    );
    bearer(
      "jku pointing at the attacker's JWKS",
      await issuer.sign(
        valid,
        { alg: "EdDSA", kid: "attacker", jku: `${jwksUrl}/jwks.json` },
        attacker.privateKey,
      ),
    );
    bearer(
      "x5u pointing at the attacker's certificate",
      await issuer.sign(
        valid,
        { alg: "EdDSA", kid: "attacker", x5u: `${jwksUrl}/cert.pem` },
        attacker.privateKey,
      ),
    );
    bearer(
      "jku and x5u with the real kid",
      await issuer.sign(
        valid,
        { alg: "EdDSA", jku: `${jwksUrl}/jwks.json`, x5u: `${jwksUrl}/cert.pem` },
        attacker.privateKey,
      ),
    );
    bearer(
      "unknown critical header",
      issuer.signRaw({ alg: "EdDSA", crit: ["glidepath-x"], "glidepath-x": true }, valid),
    );

    // Subjects the service can't use as a user id.
    for (const [name, sub] of [
      ["empty sub", ""],
      ["sub with a space", "alice smith"],
      ["sub with a slash", "../workspaces"],
      ["sub with a newline", "alice\nadmin"],
      ["sub starting with a dot", ".alice"],
      ["sub of 129 characters", `a${"b".repeat(128)}`],
      ["sub with unicode", "ålice"],
      ["sub not a string", 42],
    ] as const) {
      bearer(name, await issuer.sign({ ...valid, sub: sub as string }));
    }
  });

  afterAll(async () => {
    await new Promise((resolve) => jwks?.close(resolve));
    await core?.stop();
  });

  const methods: [string, DescService, (c: Client<DescService>) => Promise<unknown>][] = [
    [
      "WorkspaceService/ListWorkspaces",
      WorkspaceService,
      (c) => (c as unknown as Client<typeof WorkspaceService>).listWorkspaces({}),
    ],
    [
      "TaskService/GetTask",
      TaskService,
      (c) => (c as unknown as Client<typeof TaskService>).getTask({ name: taskName }),
    ],
  ];

  it("the valid token works (the negative cases test something)", async () => {
    for (const protocol of protocols) {
      const token = await issuer.mint("alice");
      for (const [, service, call] of methods) {
        const client = clientWith(service, core.service, protocol, {
          authorization: `Bearer ${token}`,
        });
        const outcome = await attempt(() => call(client));
        expect(outcome.code, `${protocol}`).toBe("OK");
      }
    }
  });

  it("refuses every forged, stale or malformed credential, saying nothing about why", async () => {
    let tried = 0;
    let through = 0;
    const problems: string[] = [];
    const messages = new Set<string>();
    for (const credential of credentials) {
      for (const protocol of protocols) {
        for (const [method, service, call] of methods) {
          const headers: Record<string, string> =
            credential.header === undefined ? {} : { authorization: credential.header };
          const client = clientWith(service, core.service, protocol, headers);
          const outcome: Outcome = await attempt(() => call(client));
          tried++;
          const where = `${credential.name} / ${method} / ${protocol}`;
          if (outcome.ok) {
            through++;
            problems.push(`${where}: got through`);
            continue;
          }
          if (outcome.code !== "Unauthenticated") problems.push(`${where}: ${outcome.code}`);
          if (outcome.reasons.length !== 1 || outcome.reasons[0] !== credential.reason) {
            problems.push(`${where}: reasons ${JSON.stringify(outcome.reasons)}`);
          }
          if (revealing.test(outcome.message)) {
            problems.push(`${where}: message says why: ${outcome.message}`);
          }
          if (JSON.stringify(outcome.metadata).match(revealing)) {
            problems.push(`${where}: ErrorInfo metadata says why`);
          }
          messages.add(outcome.message);
        }
      }
    }
    console.log(`authn: tried ${tried} forged/invalid tokens, got through ${through}`);
    expect(problems).toEqual([]);
    expect(through).toBe(0);
    expect(tried).toBe(credentials.length * protocols.length * methods.length);
    // One message for every kind of failure: a client learns nothing from it.
    expect([...messages]).toHaveLength(1);
  });

  it("never fetches keys from jku / x5u URLs in a token", () => {
    expect(jwksHits).toBe(0);
  });

  it.each(["grpc", "connect", "grpc-web"] as const)(
    "serves health checks without a token over %s",
    async (protocol) => {
      const health = clientWith(Health, core.service, protocol, {});
      const whole = await health.check({ service: "" });
      expect(whole.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      const tasks = await health.check({ service: TaskService.typeName });
      expect(tasks.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    },
  );

  it("serves reflection without a token on both listeners", async () => {
    for (const baseUrl of [core.service.grpcUrl, core.service.httpUrl]) {
      const reflection = clientWith(
        ServerReflection,
        { grpcUrl: baseUrl, httpUrl: baseUrl },
        "grpc",
        {},
      );
      const names: string[] = [];
      async function* requests() {
        yield { messageRequest: { case: "listServices" as const, value: "" } };
      }
      for await (const res of reflection.serverReflectionInfo(requests())) {
        if (res.messageResponse.case === "listServicesResponse") {
          names.push(...res.messageResponse.value.service.map((s) => s.name));
        }
      }
      expect(names, baseUrl).toContain(TaskService.typeName);
      expect(names, baseUrl).toContain(Health.typeName);
    }
  });
});
