// Shared by the security, isolation, interop and limits suites: forged-token issuers, clients
// with arbitrary headers, outcome capture, contract-driven method enumeration, fixtures and one
// valid request per core method, and SQL snapshots of a workspace. Not a test file itself.

import { sign as cryptoSign, KeyObject, randomUUID } from "node:crypto";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import {
  type CallOptions,
  type Client,
  Code,
  ConnectError,
  createClient,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import {
  ChangeService,
  MemberService,
  ProjectService,
  Role,
  TaskService,
  WorkspaceService,
} from "@glidepath/contracts/core/v1";
import { BadRequestSchema, ErrorInfoSchema } from "@glidepath/contracts/google";
import type { Protocol, ServiceUrls, TestIssuer } from "@glidepath/testkit";
import {
  exportSPKI,
  generateKeyPair,
  type JWTHeaderParameters,
  type JWTPayload,
  SignJWT,
} from "jose";
import pg from "pg";
import type { CoreHarness } from "./harness.js";

// ---------------------------------------------------------------------------------------------
// Tokens

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
export type SigningKey = KeyPair["privateKey"] | KeyObject | Uint8Array;

export interface KeyedIssuer extends TestIssuer {
  keys: KeyPair;
  /** The claims of a valid token for `user`, to bend in negative tests. */
  claims(user: string): JWTPayload;
  /** Signs exactly `payload` with `header` (default: this issuer's EdDSA key). */
  sign(payload: JWTPayload, header?: JWTHeaderParameters, key?: SigningKey): Promise<string>;
  /** Signs any header and payload with this issuer's key, bypassing jose's own checks. */
  signRaw(header: Record<string, unknown>, payload: unknown): string;
}

/** An Ed25519 issuer like testkit's, but whose private key the test holds (to forge with). */
export async function createKeyedIssuer(
  issuer = "https://issuer.test",
  audience = "glidepath",
): Promise<KeyedIssuer> {
  const keys = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const claims = (user: string): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    return { sub: user, iss: issuer, aud: audience, iat: now, exp: now + 3600, jti: randomUUID() };
  };
  const sign: KeyedIssuer["sign"] = (payload, header = { alg: "EdDSA", typ: "JWT" }, key) =>
    new SignJWT(payload).setProtectedHeader(header).sign(key ?? keys.privateKey);
  const signRaw = (header: Record<string, unknown>, payload: unknown) => {
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const key = KeyObject.from(keys.privateKey as never);
    return `${input}.${b64url(cryptoSign(null, Buffer.from(input), key))}`;
  };
  return {
    issuer,
    audience,
    keys,
    signRaw,
    publicKeyPem: await exportSPKI(keys.publicKey),
    claims,
    sign,
    mint(user, extra = {}, options = {}) {
      const base = claims(user);
      const now = Math.floor(Date.now() / 1000);
      return sign({
        ...base,
        ...extra,
        iss: options.issuer ?? issuer,
        aud: options.audience ?? audience,
        exp: now + (options.expiresInSeconds ?? 3600),
      });
    },
  };
}

export const b64url = (value: string | Uint8Array) =>
  Buffer.from(typeof value === "string" ? Buffer.from(value, "utf8") : value).toString("base64url");

// ---------------------------------------------------------------------------------------------
// Clients

/** A transport that sends exactly `headers` (e.g. a malformed `authorization`) on every call. */
export function transportWith(
  urls: ServiceUrls,
  protocol: Protocol,
  headers: Record<string, string>,
): Transport {
  const set: Interceptor = (next) => (req) => {
    for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
    return next(req);
  };
  const interceptors = [set];
  switch (protocol) {
    case "grpc":
      return createGrpcTransport({ baseUrl: urls.grpcUrl, interceptors });
    case "connect":
      return createConnectTransport({
        baseUrl: urls.httpUrl,
        httpVersion: "1.1",
        interceptors,
        useBinaryFormat: false,
      });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl: urls.httpUrl, httpVersion: "1.1", interceptors });
  }
}

export function clientWith<T extends DescService>(
  service: T,
  urls: ServiceUrls,
  protocol: Protocol,
  headers: Record<string, string>,
): Client<T> {
  return createClient(service, transportWith(urls, protocol, headers));
}

/** Clients per (service, user, protocol), one token per user. */
export class Clients {
  private tokens = new Map<string, Promise<string>>();
  private clients = new Map<string, Client<DescService>>();
  constructor(private readonly core: CoreHarness) {}

  token(user: string): Promise<string> {
    let token = this.tokens.get(user);
    if (!token) {
      token = this.core.issuer.mint(user);
      this.tokens.set(user, token);
    }
    return token;
  }

  async get<T extends DescService>(service: T, user: string, protocol: Protocol = "grpc") {
    const key = `${service.typeName}|${user}|${protocol}`;
    let client = this.clients.get(key);
    if (!client) {
      const token = await this.token(user);
      client = clientWith(service, this.core.service, protocol, {
        authorization: `Bearer ${token}`,
      }) as unknown as Client<DescService>;
      this.clients.set(key, client);
    }
    return client as unknown as Client<T>;
  }
}

// ---------------------------------------------------------------------------------------------
// Outcomes

export interface Outcome {
  ok: boolean;
  /** "OK" or the canonical code's name. */
  code: string;
  reasons: string[];
  domains: string[];
  message: string;
  /** BadRequest field violations, as `field: description`. */
  violations: string[];
  /** Metadata of the ErrorInfo details. */
  metadata: Record<string, string>[];
  response?: unknown;
  error?: ConnectError;
}

export const codeName = (code: Code) => Code[code] ?? `CODE_${code}`;

export function outcomeOf(error: unknown): Outcome {
  const e = ConnectError.from(error);
  const infos = e.findDetails(ErrorInfoSchema);
  return {
    ok: false,
    code: codeName(e.code),
    reasons: infos.map((i) => i.reason),
    domains: infos.map((i) => i.domain),
    message: e.rawMessage,
    violations: e
      .findDetails(BadRequestSchema)
      .flatMap((b) => b.fieldViolations.map((v) => `${v.field}: ${v.description}`)),
    metadata: infos.map((i) => ({ ...i.metadata })),
    error: e,
  };
}

const success = (response: unknown): Outcome => ({
  ok: true,
  code: "OK",
  reasons: [],
  domains: [],
  message: "",
  violations: [],
  metadata: [],
  response,
});

export async function attempt(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return success(await call());
  } catch (e) {
    return outcomeOf(e);
  }
}

/** What a client can tell apart between two error responses. */
export const fingerprintOf = (o: Outcome) =>
  JSON.stringify([o.code, o.reasons, o.domains, o.message, o.violations, o.metadata]);

/** JSON of anything (bigint, bytes), for scanning responses for data they must not carry. */
export function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
    return v;
  });
}

type AnyMethod = (request: unknown, options?: CallOptions) => unknown;

/**
 * Calls `method` on `client`. A server stream is read up to its first message (or `streamWaitMs`),
 * then cancelled; an empty stream cancelled by us counts as success.
 */
export async function invoke(
  client: Client<DescService>,
  method: DescMethod,
  request: unknown,
  options: CallOptions & { streamWaitMs?: number } = {},
): Promise<Outcome> {
  const fn = (client as unknown as Record<string, AnyMethod>)[method.localName];
  if (!fn) throw new Error(`client has no method ${method.localName}`);
  if (method.methodKind === "unary") {
    return attempt(() => fn(request, options) as Promise<unknown>);
  }
  if (method.methodKind !== "server_streaming") {
    throw new Error(`${method.name}: only unary and server-streaming methods are supported`);
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.streamWaitMs ?? 3_000);
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
  try {
    const stream = fn(request, { ...options, signal }) as AsyncIterable<unknown>;
    const received: unknown[] = [];
    for await (const message of stream) {
      received.push(message);
      break;
    }
    return success(received);
  } catch (e) {
    const outcome = outcomeOf(e);
    if (abort.signal.aborted && outcome.code === "Canceled") return success([]);
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// The contract: every method of the core services

export const coreServices: DescService[] = [
  WorkspaceService,
  MemberService,
  ProjectService,
  TaskService,
  ChangeService,
];

export const methodKey = (m: DescMethod) => `${m.parent.typeName}/${m.name}`;

/** Every method of every core service, from the descriptors (new methods appear on their own). */
export const coreMethods = (): DescMethod[] => coreServices.flatMap((s) => s.methods);

// ---------------------------------------------------------------------------------------------
// Fixtures

export type RoleName = "OWNER" | "ADMIN" | "MEMBER" | "VIEWER";
export const roleNames: RoleName[] = ["OWNER", "ADMIN", "MEMBER", "VIEWER"];

export interface Fixture {
  ws: string;
  parent: string;
  /** Created the workspace; an OWNER. */
  founder: string;
  /** One user per role (OWNER besides the founder, so either may leave). */
  users: Record<RoleName, string>;
  /** A MEMBER that member-management calls act on. */
  target: string;
  project: string;
  archivedProject: string;
  openTask: string;
  doneTask: string;
  deletedTask: string;
  /** Marker in every title and name of this fixture: finding it elsewhere is a leak. */
  secret: string;
}

const roleEnum: Record<RoleName, Role> = {
  OWNER: Role.OWNER,
  ADMIN: Role.ADMIN,
  MEMBER: Role.MEMBER,
  VIEWER: Role.VIEWER,
};

/** A workspace with a user per role, a target member, projects and tasks in every state. */
export async function createFixture(
  clients: Clients,
  options: { founder: string; prefix: string; secret?: string },
): Promise<Fixture> {
  const { founder, prefix } = options;
  const secret = options.secret ?? `${prefix}secret-${randomUUID().slice(0, 8)}`;
  const workspaces = await clients.get(WorkspaceService, founder);
  const members = await clients.get(MemberService, founder);
  const projects = await clients.get(ProjectService, founder);
  const tasks = await clients.get(TaskService, founder);

  const { workspace } = await workspaces.createWorkspace({
    workspace: { displayName: `${secret} workspace` },
  });
  const parent = workspace?.name ?? "";
  const ws = parent.split("/")[1] ?? "";
  const users = {
    OWNER: `${prefix}owner`,
    ADMIN: `${prefix}admin`,
    MEMBER: `${prefix}member`,
    VIEWER: `${prefix}viewer`,
  };
  const target = `${prefix}target`;
  await Promise.all([
    ...roleNames.map((r) =>
      members.createMember({ parent, member: { user: users[r], role: roleEnum[r] } }),
    ),
    members.createMember({ parent, member: { user: target, role: Role.MEMBER } }),
  ]);
  const [project, archived] = await Promise.all([
    projects.createProject({
      parent,
      project: { displayName: `${secret} project`, description: `${secret} description` },
    }),
    projects.createProject({ parent, project: { displayName: `${secret} archived` } }),
  ]);
  const projectName = project.project?.name ?? "";
  const archivedName = archived.project?.name ?? "";
  const newTask = (title: string) =>
    tasks.createTask({
      parent,
      task: {
        title: `${secret} ${title}`,
        notes: `${secret} notes`,
        labels: [`${prefix}label`],
        project: projectName,
        assignee: users.MEMBER,
      },
    });
  const [open, done, deleted] = await Promise.all([
    newTask("open"),
    newTask("done"),
    newTask("deleted"),
    projects.archiveProject({ name: archivedName }),
  ]);
  const doneName = done.task?.name ?? "";
  const deletedName = deleted.task?.name ?? "";
  await Promise.all([
    tasks.completeTask({ name: doneName }),
    tasks.deleteTask({ name: deletedName }),
  ]);
  return {
    ws,
    parent,
    founder,
    users,
    target,
    project: projectName,
    archivedProject: archivedName,
    openTask: open.task?.name ?? "",
    doneTask: doneName,
    deletedTask: deletedName,
    secret,
  };
}

// ---------------------------------------------------------------------------------------------
// One valid request per method

export interface RequestBuilder {
  /** Success changes the fixture: give every call a fresh one. */
  fresh: boolean;
  /** A request that succeeds for a caller whose role allows the method. */
  build(fx: Fixture, caller: string): Record<string, unknown>;
}

const mask = (...paths: string[]) => ({ paths });

/**
 * Keyed by `package.Service/Method`. A method of the contract without an entry here fails the
 * suites that use it, so a new method can't go untested.
 */
export const requestBuilders: Record<string, RequestBuilder> = {
  "glidepath.core.v1.WorkspaceService/CreateWorkspace": {
    fresh: false,
    build: () => ({ workspace: { displayName: "Another workspace" } }),
  },
  "glidepath.core.v1.WorkspaceService/GetWorkspace": {
    fresh: false,
    build: (fx) => ({ name: fx.parent }),
  },
  "glidepath.core.v1.WorkspaceService/ListWorkspaces": {
    fresh: false,
    build: () => ({ pageSize: 10 }),
  },
  "glidepath.core.v1.WorkspaceService/UpdateWorkspace": {
    fresh: true,
    build: (fx) => ({
      workspace: { name: fx.parent, displayName: "Renamed" },
      updateMask: mask("display_name"),
    }),
  },
  "glidepath.core.v1.MemberService/CreateMember": {
    fresh: true,
    build: (fx) => ({
      parent: fx.parent,
      member: { user: `new-${randomUUID().slice(0, 8)}`, role: Role.MEMBER },
    }),
  },
  "glidepath.core.v1.MemberService/GetMember": {
    fresh: false,
    build: (fx) => ({ name: `${fx.parent}/members/${fx.target}` }),
  },
  "glidepath.core.v1.MemberService/ListMembers": {
    fresh: false,
    build: (fx) => ({ parent: fx.parent, pageSize: 3 }),
  },
  "glidepath.core.v1.MemberService/UpdateMember": {
    fresh: true,
    build: (fx) => ({
      member: { name: `${fx.parent}/members/${fx.target}`, role: Role.VIEWER },
      updateMask: mask("role"),
    }),
  },
  // Anyone may leave: the request a caller of any role can make is removing themselves.
  "glidepath.core.v1.MemberService/DeleteMember": {
    fresh: true,
    build: (fx, caller) => ({ name: `${fx.parent}/members/${caller}` }),
  },
  "glidepath.core.v1.ProjectService/CreateProject": {
    fresh: true,
    build: (fx) => ({ parent: fx.parent, project: { displayName: "New project" } }),
  },
  "glidepath.core.v1.ProjectService/GetProject": {
    fresh: false,
    build: (fx) => ({ name: fx.project }),
  },
  "glidepath.core.v1.ProjectService/ListProjects": {
    fresh: false,
    build: (fx) => ({ parent: fx.parent, showArchived: true }),
  },
  "glidepath.core.v1.ProjectService/UpdateProject": {
    fresh: true,
    build: (fx) => ({
      project: { name: fx.project, displayName: "Renamed project" },
      updateMask: mask("display_name"),
    }),
  },
  "glidepath.core.v1.ProjectService/ArchiveProject": {
    fresh: true,
    build: (fx) => ({ name: fx.project }),
  },
  "glidepath.core.v1.ProjectService/UnarchiveProject": {
    fresh: true,
    build: (fx) => ({ name: fx.archivedProject }),
  },
  "glidepath.core.v1.ProjectService/DeleteProject": {
    fresh: true,
    build: (fx) => ({ name: fx.project, force: true }),
  },
  "glidepath.core.v1.TaskService/CreateTask": {
    fresh: true,
    build: (fx) => ({
      parent: fx.parent,
      task: { title: "New task", project: fx.project, assignee: fx.users.MEMBER },
    }),
  },
  "glidepath.core.v1.TaskService/GetTask": {
    fresh: false,
    build: (fx) => ({ name: fx.openTask }),
  },
  "glidepath.core.v1.TaskService/BatchGetTasks": {
    fresh: false,
    build: (fx) => ({ parent: fx.parent, names: [fx.openTask, fx.doneTask] }),
  },
  "glidepath.core.v1.TaskService/ListTasks": {
    fresh: false,
    build: (fx) => ({ parent: fx.parent, filter: "state = OPEN", orderBy: "priority desc" }),
  },
  "glidepath.core.v1.TaskService/UpdateTask": {
    fresh: true,
    build: (fx) => ({
      task: { name: fx.openTask, title: "Changed", project: fx.project },
      updateMask: mask("title", "project"),
    }),
  },
  "glidepath.core.v1.TaskService/CompleteTask": {
    fresh: true,
    build: (fx) => ({ name: fx.openTask }),
  },
  "glidepath.core.v1.TaskService/ReopenTask": {
    fresh: true,
    build: (fx) => ({ name: fx.doneTask }),
  },
  "glidepath.core.v1.TaskService/CancelTask": {
    fresh: true,
    build: (fx) => ({ name: fx.openTask }),
  },
  "glidepath.core.v1.TaskService/DeleteTask": {
    fresh: true,
    build: (fx) => ({ name: fx.openTask }),
  },
  "glidepath.core.v1.TaskService/UndeleteTask": {
    fresh: true,
    build: (fx) => ({ name: fx.deletedTask }),
  },
  "glidepath.core.v1.ChangeService/ListChanges": {
    fresh: false,
    build: (fx) => ({ parent: fx.parent, pageSize: 5 }),
  },
  "glidepath.core.v1.ChangeService/WatchChanges": {
    fresh: false,
    build: (fx) => ({ parent: fx.parent }),
  },
};

// ---------------------------------------------------------------------------------------------
// The database, read directly (never mocked): what a workspace holds

export async function withDb<T>(url: string, fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

const workspaceTables = [
  "workspaces",
  "members",
  "projects",
  "tasks",
  "task_labels",
  "task_completions",
  "changes",
  "request_ids",
];

/** Every row of every core table that belongs to `workspaceId`, as one comparable string. */
export async function workspaceSnapshot(db: pg.Client, workspaceId: string): Promise<string> {
  const out: Record<string, unknown[]> = {};
  for (const table of workspaceTables) {
    const { rows } = await db.query<{ row: string }>(
      `select to_jsonb(t)::text as row from core.${table} t where workspace_id = $1 order by 1`,
      [workspaceId],
    );
    out[table] = rows.map((r) => r.row);
  }
  return JSON.stringify(out);
}

/** Waits until the change relay has positioned every change of `workspaceId`. */
export async function relaySettled(db: pg.Client, workspaceId: string, timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { rows } = await db.query<{ n: number }>(
      "select count(*)::int as n from core.changes where workspace_id = $1 and position is null",
      [workspaceId],
    );
    if (rows[0]?.n === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("change relay did not settle");
}

export const randomWorkspace = () => randomUUID();
