import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import {
  Actor,
  InternalChangeService,
  TaskService,
  WorkspaceService,
} from "@glidepath/contracts/core/v1";
import { type Protocol, serviceTokenHeader, testServiceKeys } from "@glidepath/testkit";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { internalMethodTable } from "../src/adapters/rpc/permission-table.js";
import { type CoreHarness, startCoreHarness } from "./harness.js";
import {
  attempt,
  b64url,
  clientWith,
  createKeyedIssuer,
  type KeyedIssuer,
  type Outcome,
} from "./security-support.js";

// Promise 2, service identity: each service signs its own short-lived tokens; core accepts a
// service token only from a service it trusts, addressed to core; a service token alone opens
// only the internal-only methods listed for that service; on a user's behalf, core authorises
// against the user and records the service. Every forged or misplaced credential is refused
// with UNAUTHENTICATED or PERMISSION_DENIED and nothing about why.

const protocols: Protocol[] = ["grpc", "connect", "grpc-web"];
const revealing =
  /expire|signature|audience|issuer|\balg|kid|jku|x5u|nbf|\bexp\b|claim|jw[tsk]|key|subject|sub\b|not.?before|hmac|none|bearer|malformed|decode|service|internal|typ\b|lifetime/i;
const stableReasons = new Set(["CREDENTIALS_MISSING", "CREDENTIALS_INVALID", "PERMISSION_DENIED"]);

type Headers = Record<string, string>;

interface Case {
  name: string;
  headers: Headers;
}

describe("service identity", () => {
  let core: CoreHarness;
  let issuer: KeyedIssuer;
  let aliceToken: string;
  let parent: string;
  let taskName: string;
  let hits = 0;
  let listener: Server;
  let listenerUrl: string;
  const keys = testServiceKeys();
  const cases: Case[] = [];
  /** Every attempt of this suite, for the closing count. */
  const total = { tried: 0, through: 0 };

  const service = (token: string): Headers => ({ [serviceTokenHeader]: token });
  const asUser = (token: string): Headers => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    issuer = await createKeyedIssuer();
    core = await startCoreHarness({}, { issuer });
    aliceToken = await issuer.mint("alice");
    parent = `workspaces/${await core.workspace("alice")}`;
    const tasks = await core.client(TaskService, "alice");
    taskName = (await tasks.createTask({ parent, task: { title: "t" } })).task?.name ?? "";

    // A listener that counts hits, for tokens whose jku / x5u point at it.
    const attacker = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: "autonomy" };
    listener = createServer((_req, res) => {
      hits++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [attackerJwk] }));
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;

    const now = Math.floor(Date.now() / 1000);
    const claims = (svc: string, extra: JWTPayload = {}): JWTPayload => ({
      iss: svc,
      sub: svc,
      aud: "core",
      iat: now,
      exp: now + 60,
      ...extra,
    });
    const typ = "glidepath-service+jwt";
    const signWith = (
      payload: JWTPayload,
      key: Parameters<SignJWT["sign"]>[0],
      header: Record<string, unknown> = {},
    ) =>
      new SignJWT(payload).setProtectedHeader({ alg: "EdDSA", typ, ...header } as never).sign(key);
    const valid = await keys.mint("autonomy", "core");
    const [head, body, signature] = valid.split(".") as [string, string, string];
    const without = (claim: string) => {
      const c = claims("autonomy");
      delete c[claim];
      return c;
    };
    const forged: [string, string][] = [];
    const forge = (name: string, token: string) => forged.push([name, token]);

    // Algorithms.
    for (const alg of ["none", "None", "NONE"]) {
      forge(`alg: ${alg}`, `${b64url(JSON.stringify({ alg, typ }))}.${body}.`);
      forge(
        `alg: ${alg} with the original signature`,
        `${b64url(JSON.stringify({ alg, typ }))}.${body}.${signature}`,
      );
    }
    const autonomyPublicPem = new TextEncoder().encode(
      (JSON.parse(keys.trusted) as Record<string, string>).autonomy,
    );
    forge(
      "HS256 keyed with autonomy's public key PEM",
      await new SignJWT(claims("autonomy"))
        .setProtectedHeader({ alg: "HS256", typ })
        .sign(autonomyPublicPem),
    );
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    forge(
      "RS256 by another key",
      await new SignJWT(claims("autonomy"))
        .setProtectedHeader({ alg: "RS256", typ })
        .sign(rsa.privateKey),
    );

    // Keys and signatures.
    forge("signed by an attacker's key", await signWith(claims("autonomy"), attacker.privateKey));
    forge("autonomy's name, ai's key", await signWith(claims("autonomy"), keys.privateKey("ai")));
    forge("a user-token issuer's key", await signWith(claims("autonomy"), issuer.keys.privateKey));
    const sig = Buffer.from(signature, "base64url");
    for (const i of [0, 63]) {
      const flipped = Buffer.from(sig);
      flipped[i] = (flipped[i] ?? 0) ^ 0x01;
      forge(`signature bit flipped at byte ${i}`, `${head}.${body}.${b64url(flipped)}`);
    }
    forge("signature empty", `${head}.${body}.`);
    forge(
      "issuer changed under a valid signature",
      `${head}.${b64url(JSON.stringify(claims("learning")))}.${signature}`,
    );

    // Audience, issuer, subject.
    forge("another service's audience (ai)", await keys.mint("autonomy", "ai"));
    forge("another service's audience (learning)", await keys.mint("autonomy", "learning"));
    forge("the user audience", await keys.mint("autonomy", "glidepath"));
    forge(
      "audience list without core",
      await keys.mint("autonomy", "ai", { claims: { aud: ["ai", "learning"] } }),
    );
    forge(
      "unknown service",
      await signWith(claims("billing"), generateKeyPairSync("ed25519").privateKey),
    );
    forge(
      "sub not the issuing service",
      await keys.mint("autonomy", "core", { claims: { sub: "learning" } }),
    );
    forge("no iss", await signWith(without("iss"), keys.privateKey("autonomy")));
    forge("no sub", await signWith(without("sub"), keys.privateKey("autonomy")));
    forge("no aud", await signWith(without("aud"), keys.privateKey("autonomy")));

    // Time.
    forge(
      "expired",
      await keys.mint("autonomy", "core", { claims: { iat: now - 300, exp: now - 120 } }),
    );
    forge("no exp", await signWith(without("exp"), keys.privateKey("autonomy")));
    forge("no iat", await signWith(without("iat"), keys.privateKey("autonomy")));
    forge(
      "issued in the future",
      await keys.mint("autonomy", "core", { claims: { iat: now + 600, exp: now + 660 } }),
    );
    forge("not valid yet", await keys.mint("autonomy", "core", { claims: { nbf: now + 600 } }));
    forge(
      "valid for a day",
      await keys.mint("autonomy", "core", { claims: { exp: now + 86_400 } }),
    );

    // Headers.
    forge(
      "typ JWT",
      await signWith(claims("autonomy"), keys.privateKey("autonomy"), { typ: "JWT" }),
    );
    forge(
      "no typ",
      await new SignJWT(claims("autonomy"))
        .setProtectedHeader({ alg: "EdDSA" })
        .sign(keys.privateKey("autonomy")),
    );
    forge(
      "jku pointing at a listener",
      await signWith(claims("autonomy"), attacker.privateKey, {
        kid: "autonomy",
        jku: `${listenerUrl}/jwks.json`,
      }),
    );
    forge(
      "x5u pointing at a listener",
      await signWith(claims("autonomy"), attacker.privateKey, { x5u: `${listenerUrl}/cert.pem` }),
    );
    forge(
      "embedded jwk of the signer",
      await signWith(claims("autonomy"), attacker.privateKey, {
        jwk: await exportJWK(attacker.publicKey),
      }),
    );

    // Not a service token at all.
    forge("the user's token", aliceToken);
    forge("not a JWT", "hello");
    forge("a service token with a Bearer prefix", `Bearer ${valid}`);

    // Each forgery alone (a service acting as itself) and beside a valid user token (on a
    // user's behalf): a bad service token taints the call, it is never just ignored.
    for (const [name, token] of forged) {
      cases.push({ name: `${name} (alone)`, headers: service(token) });
      cases.push({
        name: `${name} (with a user)`,
        headers: { ...service(token), ...asUser(aliceToken) },
      });
    }

    // Misplaced credentials.
    cases.push({ name: "service token in the user header", headers: asUser(valid) });
    cases.push({
      name: "service token in the user header, user token in the service header",
      headers: { ...asUser(valid), ...service(aliceToken) },
    });
    cases.push({
      name: "service token in both headers",
      headers: { ...asUser(valid), ...service(valid) },
    });
    cases.push({ name: "empty service header", headers: { [serviceTokenHeader]: "" } });
  });

  afterAll(async () => {
    if (listener) await new Promise((resolve) => listener.close(resolve));
    await core?.stop();
  });

  // Every method is tried with every case: an internal-only one, a workspace one, a signed-in one.
  const methods: [string, DescService, (c: Client<DescService>) => Promise<unknown>][] = [
    [
      "InternalChangeService/ListAllChanges",
      InternalChangeService,
      (c) => (c as unknown as Client<typeof InternalChangeService>).listAllChanges({}),
    ],
    [
      "TaskService/GetTask",
      TaskService,
      (c) => (c as unknown as Client<typeof TaskService>).getTask({ name: taskName }),
    ],
    [
      "WorkspaceService/ListWorkspaces",
      WorkspaceService,
      (c) => (c as unknown as Client<typeof WorkspaceService>).listWorkspaces({}),
    ],
  ];

  const call = (headers: Headers, protocol: Protocol, index: number) => {
    const [, desc, fn] = methods[index] as (typeof methods)[number];
    return attempt(() => fn(clientWith(desc, core.service, protocol, headers)));
  };

  it("lets the allowed services read every workspace's changes as themselves", async () => {
    const bobWs = `workspaces/${await core.workspace("bob")}`;
    const bobTasks = await core.client(TaskService, "bob");
    await bobTasks.createTask({ parent: bobWs, task: { title: "bob's" } });
    for (const svc of ["autonomy", "learning"]) {
      for (const protocol of protocols) {
        const internal = clientWith(InternalChangeService, core.service, protocol, {
          [serviceTokenHeader]: await keys.mint(svc, "core"),
        });
        // Wait for the relay to position both workspaces' changes.
        let resources: string[] = [];
        for (let i = 0; i < 100; i++) {
          const page = await internal.listAllChanges({ pageSize: 1000 });
          resources = page.changes.map((c) => c.resource);
          if (resources.some((r) => r.startsWith(bobWs))) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(
          resources.some((r) => r.startsWith(parent)),
          `${svc} ${protocol}`,
        ).toBe(true);
        expect(
          resources.some((r) => r.startsWith(bobWs)),
          `${svc} ${protocol}`,
        ).toBe(true);
        // Pages resume from a cursor, in feed order.
        const first = await internal.listAllChanges({ pageSize: 1 });
        const second = await internal.listAllChanges({
          startAfter: first.nextCursor,
          pageSize: 1,
        });
        expect(BigInt(second.changes[0]?.cursor ?? "0")).toBeGreaterThan(BigInt(first.nextCursor));
      }
    }
  });

  it("records a service acting on a user's behalf, and authorises against the user", async () => {
    for (const [svc, actor] of [
      ["ai", Actor.AI],
      ["autonomy", Actor.AUTONOMY],
    ] as const) {
      const tasks = clientWith(TaskService, core.service, "grpc", {
        ...asUser(aliceToken),
        ...service(await keys.mint(svc, "core")),
      });
      const { task } = await tasks.createTask({ parent, task: { title: `by ${svc}` } });
      expect(task?.provenance).toMatchObject({ actor, user: "alice", service: svc });
      // Alice's own calls stay hers.
      const own = await (await core.client(TaskService, "alice")).createTask({
        parent,
        task: { title: "by alice" },
      });
      expect(own.task?.provenance).toMatchObject({ actor: Actor.USER, user: "alice", service: "" });
    }
    // A trusted service on behalf of a user outside the workspace: the user's rights decide.
    const mallory = clientWith(TaskService, core.service, "grpc", {
      ...asUser(await issuer.mint("mallory")),
      ...service(await keys.mint("ai", "core")),
    });
    const outcome = await attempt(() => mallory.getTask({ name: taskName }));
    expect(outcome.code).toBe("PermissionDenied");
  });

  it("refuses every forged or misplaced service credential, saying nothing about why", async () => {
    let tried = 0;
    let through = 0;
    const problems: string[] = [];
    for (const c of cases) {
      for (const protocol of protocols) {
        for (let m = 0; m < methods.length; m++) {
          const outcome: Outcome = await call(c.headers, protocol, m);
          tried++;
          const where = `${c.name} / ${methods[m]?.[0]} / ${protocol}`;
          if (outcome.ok) {
            through++;
            problems.push(`${where}: got through`);
            continue;
          }
          // Refused at authentication, before any method's rules are looked at.
          if (outcome.code !== "Unauthenticated") problems.push(`${where}: ${outcome.code}`);
          check(outcome, where, problems);
        }
      }
    }
    console.log(
      `service identity (forged/misplaced tokens): tried ${tried}, got through ${through}`,
    );
    total.tried += tried;
    total.through += through;
    expect(problems).toEqual([]);
    expect(through).toBe(0);
  });

  it("opens internal-only methods to the listed services only, and never to users", async () => {
    const internal = 0;
    const denied: [string, Headers][] = [
      ["a user token", asUser(aliceToken)],
      ["another user's token", asUser(await issuer.mint("root"))],
      ["ai (not listed)", service(await keys.mint("ai", "core"))],
      ["core itself (not listed)", service(await keys.mint("core", "core"))],
      ["the edge (not listed)", service(await keys.mint("edge", "core"))],
      [
        "autonomy on a user's behalf",
        { ...service(await keys.mint("autonomy", "core")), ...asUser(aliceToken) },
      ],
      [
        "learning on a user's behalf",
        { ...service(await keys.mint("learning", "core")), ...asUser(aliceToken) },
      ],
    ];
    // And a service alone on every user-facing method it tried.
    const userFacing: [string, Headers][] = [
      ["autonomy alone", service(await keys.mint("autonomy", "core"))],
      ["ai alone", service(await keys.mint("ai", "core"))],
    ];
    let tried = 0;
    let through = 0;
    const problems: string[] = [];
    const expectDenied = (outcome: Outcome, where: string) => {
      tried++;
      if (outcome.ok) {
        through++;
        problems.push(`${where}: got through`);
        return;
      }
      if (outcome.code !== "PermissionDenied") problems.push(`${where}: ${outcome.code}`);
      check(outcome, where, problems);
    };
    for (const protocol of protocols) {
      for (const [name, headers] of denied) {
        expectDenied(await call(headers, protocol, internal), `${name} / internal / ${protocol}`);
      }
      for (const [name, headers] of userFacing) {
        for (let m = 1; m < methods.length; m++) {
          expectDenied(
            await call(headers, protocol, m),
            `${name} / ${methods[m]?.[0]} / ${protocol}`,
          );
        }
        // Writes too: a service alone can't create anything in a workspace.
        const tasks = clientWith(TaskService, core.service, protocol, headers);
        expectDenied(
          await attempt(() => tasks.createTask({ parent, task: { title: "x" } })),
          `${name} / CreateTask / ${protocol}`,
        );
      }
    }
    console.log(`service identity (internal-only table): tried ${tried}, got through ${through}`);
    total.tried += tried;
    total.through += through;
    expect(problems).toEqual([]);
    expect(through).toBe(0);
  });

  it("refuses user tokens issued in the future beyond the clock skew", async () => {
    const now = Math.floor(Date.now() / 1000);
    const valid = issuer.claims("alice");
    const within = await issuer.sign({ ...valid, iat: now + 10 });
    const future = [now + 120, now + 3600, now + 86_400 * 365].map((iat) =>
      issuer.sign({ ...valid, iat, exp: iat + 3600 }),
    );
    let tried = 0;
    let through = 0;
    for (const protocol of protocols) {
      expect((await call(asUser(within), protocol, 2)).code, protocol).toBe("OK");
      for (const token of await Promise.all(future)) {
        for (const m of [1, 2]) {
          const outcome = await call(asUser(token), protocol, m);
          tried++;
          if (outcome.ok) through++;
          else expect(outcome.code).toBe("Unauthenticated");
        }
      }
    }
    console.log(`user tokens issued in the future: tried ${tried}, got through ${through}`);
    total.tried += tried;
    total.through += through;
    expect(through).toBe(0);
  });

  it("never fetches keys from jku / x5u URLs in a service token", () => {
    console.log(
      `service identity: tried ${total.tried}, got through ${total.through}; jku/x5u listener hits ${hits}`,
    );
    expect(total.through).toBe(0);
    expect(hits).toBe(0);
  });

  it("documents the internal-only table the code enforces", async () => {
    const { readFileSync } = await import("node:fs");
    const doc = readFileSync(new URL("../../../docs/security.md", import.meta.url), "utf8");
    const cells = (markdown: string) =>
      markdown
        .split("\n")
        .filter((line) => line.startsWith("|"))
        .map((line) => line.replace(/\s*\|\s*/g, "|").replace(/-{3,}/g, "---"))
        .join("\n");
    expect(cells(doc)).toContain(cells(internalMethodTable()));
  });
});

function check(outcome: Outcome, where: string, problems: string[]) {
  if (outcome.code !== "Unauthenticated" && outcome.code !== "PermissionDenied") {
    problems.push(`${where}: ${outcome.code}`);
  }
  if (outcome.reasons.length !== 1 || !stableReasons.has(outcome.reasons[0] ?? "")) {
    problems.push(`${where}: reasons ${JSON.stringify(outcome.reasons)}`);
  }
  if (revealing.test(outcome.message))
    problems.push(`${where}: message says why: ${outcome.message}`);
  if (JSON.stringify(outcome.metadata).match(revealing)) {
    problems.push(`${where}: ErrorInfo metadata says why`);
  }
}
