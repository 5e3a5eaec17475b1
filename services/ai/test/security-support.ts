// Shared by the security, isolation and fuzz suites: the ai contract's methods (from the
// descriptors), one valid request per method, two tenants' fixtures, outcome capture, and SQL
// snapshots of what a workspace holds. Not a test file itself.

import { randomUUID } from "node:crypto";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { type Client, ConnectError } from "@connectrpc/connect";
import {
  ModelService,
  QuickAddService,
  SuggestionService,
  TaskSearchService,
} from "@glidepath/contracts/ai/v1";
import { MemberService, ProjectService, Role, TaskService } from "@glidepath/contracts/core/v1";
import { BadRequestSchema, ErrorInfoSchema } from "@glidepath/contracts/google";
import type { Protocol } from "@glidepath/testkit";
import pg from "pg";
import type { AiHarness } from "./harness.js";

export const aiServices: DescService[] = [
  QuickAddService,
  TaskSearchService,
  SuggestionService,
  ModelService,
];

export const methodKey = (m: DescMethod) => `${m.parent.typeName}/${m.name}`;

/** Every method of every ai service, from the descriptors (new methods appear on their own). */
export const aiMethods = (): DescMethod[] => aiServices.flatMap((s) => s.methods);

export type RoleName = "OWNER" | "ADMIN" | "MEMBER" | "VIEWER";
export const roleNames: RoleName[] = ["OWNER", "ADMIN", "MEMBER", "VIEWER"];

export interface Fixture {
  parent: string;
  ws: string;
  founder: string;
  users: Record<RoleName, string>;
  project: string;
  /** `#<projectTag>` names the project in a sentence. */
  projectTag: string;
  openTask: string;
  model: string;
  /** In every title and name of this fixture: finding it in another tenant's answer is a leak. */
  secret: string;
}

/** A workspace with a user per role, a project, open and done tasks, and a trained model. */
export async function createFixture(
  h: AiHarness,
  founder: string,
  prefix: string,
): Promise<Fixture> {
  const secret = `${prefix}secret${randomUUID().slice(0, 8)}`;
  const ws = await h.workspace(founder, `${secret} workspace`);
  const parent = `workspaces/${ws}`;
  const members = await h.coreClient(MemberService, founder);
  const users = {
    OWNER: `${prefix}owner`,
    ADMIN: `${prefix}admin`,
    MEMBER: `${prefix}member`,
    VIEWER: `${prefix}viewer`,
  };
  const roles = { OWNER: Role.OWNER, ADMIN: Role.ADMIN, MEMBER: Role.MEMBER, VIEWER: Role.VIEWER };
  await Promise.all(
    roleNames.map((r) =>
      members.createMember({ parent, member: { user: users[r], role: roles[r] } }),
    ),
  );
  const projectTag = `${secret}proj`;
  const project = (
    await (
      await h.coreClient(ProjectService, founder)
    ).createProject({
      parent,
      project: { displayName: projectTag },
    })
  ).project?.name as string;
  const tasks = await h.coreClient(TaskService, founder);
  const created = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      tasks.createTask({
        parent,
        task: { title: `${secret} task ${i}`, project, labels: [`${prefix}label`], priority: 1 },
      }),
    ),
  );
  await tasks.completeTask({ name: created[0]?.task?.name ?? "" });
  const { model } = await (await h.client(ModelService, founder)).trainModels({ parent });
  return {
    parent,
    ws,
    founder,
    users,
    project,
    projectTag,
    openTask: created[1]?.task?.name as string,
    model: model?.name as string,
    secret,
  };
}

const clock = { timeZone: "Europe/Berlin", referenceTime: "2026-11-27T09:00:00" };

export interface RequestBuilder {
  /** Success changes the fixture (creates a task, trains a model). */
  writes: boolean;
  build(fx: Fixture): Record<string, unknown>;
}

/**
 * One valid request per method, keyed by `package.Service/Method`. A method of the contract
 * without an entry here fails the suites that use it, so a new method can't go untested.
 */
export const requestBuilders: Record<string, RequestBuilder> = {
  "glidepath.ai.v1.QuickAddService/ParseTask": {
    writes: false,
    build: (fx) => ({
      parent: fx.parent,
      text: `Buy milk tomorrow #${fx.projectTag} @x`,
      ...clock,
    }),
  },
  "glidepath.ai.v1.QuickAddService/CreateTaskFromText": {
    writes: true,
    build: (fx) => ({ parent: fx.parent, text: `New thing friday #${fx.projectTag}`, ...clock }),
  },
  "glidepath.ai.v1.TaskSearchService/ParseQuery": {
    writes: false,
    build: (fx) => ({ parent: fx.parent, query: `p1 tasks in #${fx.projectTag}`, ...clock }),
  },
  "glidepath.ai.v1.TaskSearchService/SearchTasks": {
    writes: false,
    build: (fx) => ({ parent: fx.parent, query: `p1 tasks in #${fx.projectTag}`, ...clock }),
  },
  "glidepath.ai.v1.SuggestionService/SuggestTaskChanges": {
    writes: false,
    build: (fx) => ({ name: fx.openTask }),
  },
  "glidepath.ai.v1.SuggestionService/SuggestWorkspaceActions": {
    writes: false,
    build: (fx) => ({ parent: fx.parent }),
  },
  "glidepath.ai.v1.ModelService/TrainModels": {
    writes: true,
    build: (fx) => ({ parent: fx.parent }),
  },
  "glidepath.ai.v1.ModelService/GetModel": {
    writes: false,
    build: (fx) => ({ name: fx.model }),
  },
  "glidepath.ai.v1.ModelService/ListModels": {
    writes: false,
    build: (fx) => ({ parent: fx.parent }),
  },
};

export interface Outcome {
  ok: boolean;
  /** "OK" or the canonical code's name. */
  code: string;
  reasons: string[];
  domains: string[];
  message: string;
  violations: string[];
  response?: unknown;
}

export function outcomeOf(error: unknown): Outcome {
  const e = ConnectError.from(error);
  const infos = e.findDetails(ErrorInfoSchema);
  return {
    ok: false,
    code: (e.code as number) in codeNames ? (codeNames[e.code] as string) : `CODE_${e.code}`,
    reasons: infos.map((i) => i.reason),
    domains: infos.map((i) => i.domain),
    message: e.rawMessage,
    violations: e
      .findDetails(BadRequestSchema)
      .flatMap((b) => b.fieldViolations.map((v) => `${v.field}: ${v.description}`)),
  };
}

const codeNames: Record<number, string> = {
  1: "Canceled",
  2: "Unknown",
  3: "InvalidArgument",
  4: "DeadlineExceeded",
  5: "NotFound",
  6: "AlreadyExists",
  7: "PermissionDenied",
  8: "ResourceExhausted",
  9: "FailedPrecondition",
  10: "Aborted",
  11: "OutOfRange",
  12: "Unimplemented",
  13: "Internal",
  14: "Unavailable",
  15: "DataLoss",
  16: "Unauthenticated",
};

/** What a client can tell apart between two error responses. */
export const fingerprintOf = (o: Outcome) =>
  JSON.stringify([o.code, o.reasons, o.domains, o.message, o.violations]);

export async function invoke(
  client: Client<DescService>,
  method: DescMethod,
  request: unknown,
): Promise<Outcome> {
  const fn = (client as unknown as Record<string, (r: unknown) => Promise<unknown>>)[
    method.localName
  ];
  if (!fn) throw new Error(`client has no method ${method.localName}`);
  try {
    const response = await fn(request);
    return {
      ok: true,
      code: "OK",
      reasons: [],
      domains: [],
      message: "",
      violations: [],
      response,
    };
  } catch (e) {
    return outcomeOf(e);
  }
}

/** JSON of anything (bigint, bytes), for scanning responses for data they must not carry. */
export function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
    return v;
  });
}

/** Clients per (service, user, protocol), one token per user. */
export class Clients {
  private clients = new Map<string, Promise<Client<DescService>>>();
  constructor(private readonly h: AiHarness) {}
  get<T extends DescService>(service: T, user: string, protocol: Protocol = "grpc") {
    const key = `${service.typeName}|${user}|${protocol}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.h.client(service, user, protocol) as Promise<Client<DescService>>;
      this.clients.set(key, client);
    }
    return client as unknown as Promise<Client<T>>;
  }
}

const coreTables = ["workspaces", "members", "projects", "tasks", "task_labels", "changes"];

/** Every row a workspace holds, in core's and ai's tables, as one comparable string. */
export async function workspaceSnapshot(url: string, workspaceId: string): Promise<string> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const out: Record<string, unknown[]> = {};
    for (const table of [
      ...coreTables.map((t) => `core.${t}`),
      "ai.models",
      "ai.model_calibrations",
    ]) {
      const { rows } = await db.query<{ row: string }>(
        `select to_jsonb(t)::text as row from ${table} t where workspace_id = $1 order by 1`,
        [workspaceId],
      );
      out[table] = rows.map((r) => r.row);
    }
    return JSON.stringify(out);
  } finally {
    await db.end();
  }
}
