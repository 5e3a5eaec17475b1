// Security events: authentication failures, permission denials and rate-limit refusals are each
// one structured log line of a fixed shape (`event`, `principal`, `workspace`, `method`,
// `reason`, `trace_id`) and one count in glidepath_security_events_total{event, reason}. And
// logs never carry tokens, secrets, notes or raw text: canaries planted in requests and in the
// configuration are searched for in every captured line.

import { randomBytes } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import type { RunningService } from "@glidepath/runtime";
import { startTelemetry } from "@glidepath/runtime/telemetry";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Tracing (so events carry the caller's trace id) must start before `pg` loads.
const telemetry = startTelemetry({ serviceName: "core", exporters: [new InMemorySpanExporter()] });
const { ConnectError } = await import("@connectrpc/connect");
const { MemberService, Role, TaskService, WorkspaceService } = await import(
  "@glidepath/contracts/core/v1"
);
const { securityEventFields } = await import("@glidepath/runtime");
const { clientFor, serviceEnv, testServiceKeys } = await import("@glidepath/testkit");
const { startCoreHarness } = await import("./harness.js");
const { readCoreConfig } = await import("../src/config.js");
const { startCore } = await import("../src/main.js");
type Harness = Awaited<ReturnType<typeof startCoreHarness>>;

const canary = (what: string) => `canary-${what}-${randomBytes(9).toString("hex")}`;
const b64url = (s: string) => Buffer.from(s).toString("base64url");

/** A W3C traceparent with a fresh trace id; the id is what the event must carry. */
function traced() {
  const traceId = randomBytes(16).toString("hex");
  return {
    traceId,
    headers: { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` },
  };
}

const lineKeys = new Set([
  // pino's and the runtime logger's own fields
  "level",
  "time",
  "service",
  "message",
  "span_id",
  // the event's
  ...securityEventFields,
  "detail",
]);

describe("security events and log hygiene", () => {
  const lines: string[] = [];
  const destination = { write: (line: string) => void lines.push(line) };
  let core: Harness;
  let ws: string;
  const canaries: Record<string, string> = {};
  const READ_LIMIT = 30;

  const env = (): NodeJS.ProcessEnv => ({
    SERVICE_SIGNING_KEY: testServiceKeys().signingKeyPem("core"),
    LOG_LEVEL: "trace",
    MASTER_KEYS: `k1:${canaries.masterKey}`,
    RATE_LIMIT_READS: `${READ_LIMIT}/60`,
    RATE_LIMIT_WRITES: "1000/1",
  });
  let service: RunningService;
  const as = async <T extends DescService>(desc: T, user: string) =>
    clientFor(desc, service, await core.issuer.mint(user));

  beforeAll(async () => {
    // Secrets in the configuration: a master key, and a database password. The suite's
    // database URL gets a password of our own when it has none (trust authentication ignores
    // it); an embedded PostgreSQL's generated password is a secret already.
    canaries.masterKey = randomBytes(32).toString("base64");
    core = await startCoreHarness({ MASTER_KEYS: `k1:${canaries.masterKey}` });
    await core.service.stop();
    const url = new URL(core.databaseUrl);
    if (!url.password) url.password = canary("dbpassword");
    canaries.databasePassword = url.password;
    service = await startCore(readCoreConfig(serviceEnv(url.toString(), core.issuer, env())), {
      logDestination: destination,
    });
    const { workspace } = await (await as(WorkspaceService, "alice")).createWorkspace({
      workspace: { displayName: "events" },
    });
    ws = workspace?.name.split("/")[1] ?? "";
  });
  afterAll(async () => {
    await service?.stop();
    await core?.stop();
    await telemetry.shutdown();
  });

  const events = () =>
    lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === "security event");

  it("writes each kind with a stable shape and the caller's trace id", async () => {
    const wsName = `workspaces/${ws}`;
    const expected: Record<string, unknown>[] = [];

    // authentication_failed: no credentials, then a forged token full of canaries.
    const t1 = traced();
    await clientFor(WorkspaceService, service)
      .listWorkspaces({}, { headers: t1.headers })
      .catch(() => undefined);
    expected.push({
      event: "authentication_failed",
      principal: null,
      workspace: null,
      method: "glidepath.core.v1.WorkspaceService/ListWorkspaces",
      reason: "CREDENTIALS_MISSING",
      trace_id: t1.traceId,
    });
    canaries.forgedToken = `${b64url('{"alg":"EdDSA","typ":"JWT"}')}.${b64url(
      JSON.stringify({ sub: canary("sub"), note: canary("claim") }),
    )}.${b64url(canary("signature"))}`;
    const t2 = traced();
    await clientFor(WorkspaceService, service, canaries.forgedToken)
      .getWorkspace(
        { name: wsName },
        { headers: { ...t2.headers, cookie: `s=${canary("cookie")}` } },
      )
      .catch(() => undefined);
    expected.push({
      event: "authentication_failed",
      principal: null,
      workspace: null,
      method: "glidepath.core.v1.WorkspaceService/GetWorkspace",
      reason: "CREDENTIALS_INVALID",
      trace_id: t2.traceId,
    });

    // permission_denied: an outsider (workspace known), and a VIEWER writing.
    const t3 = traced();
    await (await as(WorkspaceService, "mallory"))
      .getWorkspace({ name: wsName }, { headers: t3.headers })
      .catch(() => undefined);
    expected.push({
      event: "permission_denied",
      principal: "mallory",
      workspace: ws,
      method: "glidepath.core.v1.WorkspaceService/GetWorkspace",
      reason: "NOT_A_MEMBER",
      trace_id: t3.traceId,
    });
    await (await as(MemberService, "alice")).createMember({
      parent: wsName,
      member: { user: "victor", role: Role.VIEWER },
    });
    const t4 = traced();
    canaries.viewerNotes = canary("viewer-notes");
    await (await as(TaskService, "victor"))
      .createTask(
        { parent: wsName, task: { title: "no", notes: canaries.viewerNotes } },
        { headers: t4.headers },
      )
      .catch(() => undefined);
    expected.push({
      event: "permission_denied",
      principal: "victor",
      workspace: ws,
      method: "glidepath.core.v1.TaskService/CreateTask",
      reason: "ROLE",
      trace_id: t4.traceId,
    });

    // rate_limited: one user past the read limit (30 a minute).
    const t5 = traced();
    const flooder = await as(WorkspaceService, "flo");
    const flood = await Promise.all(
      Array.from({ length: READ_LIMIT + 5 }, () =>
        flooder.listWorkspaces({}, { headers: t5.headers }).then(
          () => "ok",
          (e) => ConnectError.from(e).code,
        ),
      ),
    );
    const refused = flood.filter((c) => c !== "ok").length;
    expect(refused).toBeGreaterThanOrEqual(5);
    for (let i = 0; i < refused; i++) {
      expected.push({
        event: "rate_limited",
        principal: "flo",
        workspace: null,
        method: "glidepath.core.v1.WorkspaceService/ListWorkspaces",
        reason: "READ_LIMIT",
        trace_id: t5.traceId,
      });
    }

    const got = events();
    for (const line of got) {
      for (const key of Object.keys(line))
        expect(lineKeys, `unexpected field ${key}`).toContain(key);
      expect(line.level).toBe("warn");
    }
    const shape = (l: Record<string, unknown>) =>
      Object.fromEntries(securityEventFields.map((k) => [k, l[k]]));
    expect(got.map(shape)).toEqual(expected);
    // The authentication failures say why, in a word from a fixed vocabulary.
    expect(got[0]?.detail).toBe("no authorization header");
    expect(got[1]?.detail).toMatch(/^[A-Za-z ]+$/);

    // Every event counted once, by event and reason.
    const text = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
    const counted = new Map<string, number>();
    for (const m of text.matchAll(/^glidepath_security_events_total\{([^}]*)\} (\d+)/gm)) {
      const labels = Object.fromEntries(
        [...(m[1] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
      );
      counted.set(`${labels.event}/${labels.reason}`, Number(m[2]));
    }
    const logged = new Map<string, number>();
    for (const e of got) {
      const key = `${e.event}/${e.reason}`;
      logged.set(key, (logged.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(logged));
    console.log(
      `security events: ${got.length} lines (${[...logged].map(([k, n]) => `${k} ${n}`).join(", ")}), ` +
        `each exactly {${securityEventFields.join(", ")}} with the caller's trace id; metrics agree`,
    );
  });

  it("never logs a token, a secret, notes or raw text", async () => {
    // Successful calls carrying canaries: a valid token, notes, source text, odd headers.
    const token = await core.issuer.mint("alice");
    canaries.validToken = token;
    canaries.tokenSignature = token.split(".")[2] ?? "";
    canaries.notes = canary("notes");
    canaries.sourceText = canary("source-text");
    canaries.title = canary("title");
    canaries.apiKeyHeader = canary("x-api-key");
    const tasks = clientFor(TaskService, service, token);
    const { task } = await tasks.createTask(
      {
        parent: `workspaces/${ws}`,
        task: {
          title: canaries.title,
          notes: canaries.notes,
          source: { text: canaries.sourceText, parserVersion: "quick-add/1" },
        },
      },
      { headers: { "x-api-key": canaries.apiKeyHeader } },
    );
    canaries.updatedNotes = canary("updated-notes");
    await tasks.updateTask({
      task: { name: task?.name ?? "", notes: canaries.updatedNotes },
      updateMask: { paths: ["notes"] },
    });
    // Invalid input carrying canaries (refused by validation, after authentication).
    canaries.badLabel = canary("bad label with spaces");
    await tasks
      .createTask({ parent: `workspaces/${ws}`, task: { title: "x", labels: [canaries.badLabel] } })
      .catch(() => undefined);
    // A token with a canary subject: refused (malformed subject), never echoed.
    canaries.badSubject = `${canary("subject")} with spaces`;
    const badSubject = await core.issuer.mint(canaries.badSubject);
    canaries.badSubjectToken = badSubject;
    await clientFor(WorkspaceService, service, badSubject)
      .listWorkspaces({})
      .catch(() => undefined);

    // Stop the service so its shutdown lines are captured too.
    await service.stop();
    const planted = Object.entries(canaries).filter(([, v]) => v.length >= 16);
    const found = planted.filter(([, v]) => lines.some((l) => l.includes(v)));
    console.log(
      `logs: planted ${planted.length} canaries (${planted.map(([k]) => k).join(", ")}), searched ${lines.length} lines, found ${found.length}`,
    );
    expect(lines.length).toBeGreaterThan(20);
    expect(found.map(([k]) => k)).toEqual([]);
  });
});
