import { randomUUID } from "node:crypto";
import { ModelService } from "@glidepath/contracts/ai/v1";
import type { Protocol } from "@glidepath/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { methodPermissions } from "../src/adapters/rpc/authorization.js";
import { type AiHarness, startAiHarness } from "./harness.js";
import {
  aiMethods,
  Clients,
  createFixture,
  type Fixture,
  fingerprintOf,
  invoke,
  methodKey,
  type Outcome,
  type RoleName,
  requestBuilders,
  roleNames,
  stringify,
  workspaceSnapshot,
} from "./security-support.js";

// Tenant isolation (RELIABILITY.md promise 1) and authorisation (promise 2) for the ai service:
// every ai method × every resource name in its request × another tenant's real ids, that
// tenant's workspace and random ids, over gRPC and Connect; then every method × every role.

const protocols: Protocol[] = ["grpc", "connect"];
const alice = "alice"; // OWNER of A
const bob = "bob"; // OWNER of B

type Json = Record<string, unknown>;
const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const namePattern = () =>
  new RegExp(`workspaces/(${uuid})(?:/(tasks|projects|models)/(${uuid}|[1-9][0-9]*))?`, "g");

interface Site {
  path: string;
  collection?: "tasks" | "projects" | "models";
}

function sitesOf(value: unknown, path = ""): Site[] {
  if (typeof value === "string") {
    return [...value.matchAll(namePattern())].map((m) => ({
      path,
      collection: m[2] as Site["collection"],
    }));
  }
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => sitesOf(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** The request with the resource name at `path` replaced. */
function replaced(request: Json, path: string, name: string): Json {
  const out = structuredClone(request);
  const keys = path.split(".");
  let node = out as Json;
  for (const key of keys.slice(0, -1)) node = node[key] as Json;
  const last = keys[keys.length - 1] as string;
  node[last] = (node[last] as string).replace(namePattern(), name);
  return out;
}

const tail = (name: string) => name.split("/").pop() as string;

describe("tenant isolation", () => {
  let h: AiHarness;
  let clients: Clients;
  let a: Fixture;
  let b: Fixture;
  let bIds: string[];

  beforeAll(async () => {
    h = await startAiHarness();
    clients = new Clients(h);
    [a, b] = await Promise.all([createFixture(h, alice, "a-"), createFixture(h, bob, "b-")]);
    bIds = [b.ws, tail(b.project), tail(b.openTask)];
  }, 120_000);
  afterAll(() => h?.stop());

  /** Another tenant's names for a site, each with a name nobody has in the same place. */
  function variantsOf(request: Json): { label: string; theirs: Json; missing: Json }[] {
    const out: { label: string; theirs: Json; missing: Json }[] = [];
    for (const site of sitesOf(request)) {
      const swap = (theirs: string, missing: string, label: string) =>
        out.push({
          label: `${site.path}: ${label}`,
          theirs: replaced(request, site.path, theirs),
          missing: replaced(request, site.path, missing),
        });
      const randomWs = randomUUID();
      if (!site.collection) {
        swap(`workspaces/${b.ws}`, `workspaces/${randomWs}`, "B's workspace");
      } else if (site.collection === "tasks") {
        const id = tail(b.openTask);
        const missing = randomUUID();
        swap(
          `workspaces/${a.ws}/tasks/${id}`,
          `workspaces/${a.ws}/tasks/${missing}`,
          "A + B's task",
        );
        swap(b.openTask, `workspaces/${randomWs}/tasks/${missing}`, "B's task");
      } else if (site.collection === "models") {
        swap(b.model, `workspaces/${randomWs}/models/1`, "B's model");
        swap(`workspaces/${b.ws}/models/999`, `workspaces/${randomWs}/models/999`, "B + no model");
      }
    }
    // A's own workspace, asking about B's project by name.
    const text = (request.text ?? request.query) as string | undefined;
    if (text?.includes(a.projectTag)) {
      const field = request.text !== undefined ? "text" : "query";
      out.push({
        label: `${field}: #B's project`,
        theirs: { ...request, [field]: text.replace(a.projectTag, b.projectTag) },
        missing: {
          ...request,
          [field]: text.replace(a.projectTag, `nobody${randomUUID().slice(0, 8)}`),
        },
      });
    }
    return out;
  }

  const leaks = (outcome: Outcome, request: Json): string[] => {
    const text = stringify(outcome.ok ? outcome.response : [outcome.message, outcome.violations]);
    const sent = stringify(request);
    const found: string[] = [];
    if (text.includes(b.secret) && !sent.includes(b.secret)) found.push("B's secret");
    for (const id of bIds) if (text.includes(id) && !sent.includes(id)) found.push(`B's id ${id}`);
    return found;
  };

  it("never reads, changes or reveals another workspace's data", async () => {
    let tried = 0;
    let through = 0;
    const unexpected: string[] = [];
    const leaked: string[] = [];
    const covered = new Set<string>();
    const bad = new Set(["Internal", "Unknown", "Unauthenticated", "Unimplemented"]);
    const before = await workspaceSnapshot(h.databaseUrl, b.ws);

    for (const method of aiMethods()) {
      const key = methodKey(method);
      const builder = requestBuilders[key];
      if (!builder) {
        unexpected.push(`${key}: no request builder`);
        continue;
      }
      for (const protocol of protocols) {
        const client = await clients.get(method.parent, alice, protocol);
        for (const variant of variantsOf(builder.build(a))) {
          const where = `${protocol} ${key} [${variant.label}]`;
          const theirs = await invoke(client, method, variant.theirs);
          const missing = await invoke(client, method, variant.missing);
          tried++;
          covered.add(key);
          const found = leaks(theirs, variant.theirs);
          if (found.length) {
            through++;
            leaked.push(`${where}: answer holds ${found.join(", ")}`);
          }
          if (bad.has(theirs.code)) unexpected.push(`${where}: ${theirs.code} ${theirs.message}`);
          if (theirs.ok !== missing.ok) {
            unexpected.push(`${where}: B's ${theirs.code}, missing ${missing.code}`);
          } else if (!theirs.ok && fingerprintOf(theirs) !== fingerprintOf(missing)) {
            unexpected.push(
              `${where}: distinguishable: ${fingerprintOf(theirs)} vs ${fingerprintOf(missing)}`,
            );
          }
        }
      }
    }
    const after = await workspaceSnapshot(h.databaseUrl, b.ws);
    if (after !== before) {
      through++;
      leaked.push("B's rows changed");
    }
    const notCovered = aiMethods()
      .map(methodKey)
      .filter((k) => !covered.has(k));
    console.log(
      `ai isolation: tried ${tried}, through ${through}, unexpected ${unexpected.length}`,
    );
    expect(leaked).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(through).toBe(0);
    expect(notCovered).toEqual([]);
  });

  it("checks the caller's role before anything else, for every method and role", async () => {
    let tried = 0;
    const wrong: string[] = [];
    const callers: [string, RoleName | "non-member"][] = [
      ...roleNames.map((r): [string, RoleName] => [a.users[r], r]),
      [b.users.OWNER, "non-member"],
    ];
    for (const method of aiMethods()) {
      const key = methodKey(method);
      const permission = methodPermissions[key];
      const builder = requestBuilders[key];
      if (!permission || !builder) {
        wrong.push(`${key}: not in the permission table or without a request builder`);
        continue;
      }
      for (const [user, role] of callers) {
        const client = await clients.get(method.parent, user);
        const outcome = await invoke(client, method, builder.build(a));
        tried++;
        const allowed = role !== "non-member" && roleAllows(role, permission);
        if (allowed && !outcome.ok)
          wrong.push(`${key} as ${role}: ${outcome.code} ${outcome.message}`);
        if (!allowed && outcome.code !== "PermissionDenied") {
          wrong.push(`${key} as ${role}: ${outcome.code} (expected PermissionDenied)`);
        }
      }
    }
    console.log(`ai authorization: tried ${tried} (method × role), wrong ${wrong.length}`);
    expect(wrong).toEqual([]);
  });
});

describe("page tokens and request ids grant nothing", () => {
  let h: AiHarness;
  beforeAll(async () => {
    h = await startAiHarness();
  });
  afterAll(() => h?.stop());

  it("binds ListModels tokens to their workspace and TrainModels request ids to theirs", async () => {
    // carol owns two workspaces: the one caller for whom tokens and ids could cross over.
    const x = `workspaces/${await h.workspace("carol")}`;
    const y = `workspaces/${await h.workspace("carol")}`;
    const models = await new Clients(h).get(ModelService, "carol");
    const requestId = randomUUID();
    const inX = await models.trainModels({ parent: x, requestId });
    await models.trainModels({ parent: x });
    const inY = await models.trainModels({ parent: y, requestId });
    expect(inY.model?.name).toBe(`${y}/models/1`);
    expect(inX.model?.name).toBe(`${x}/models/1`);
    const page = await models.listModels({ parent: x, pageSize: 1 });
    expect(page.nextPageToken).not.toBe("");
    const crossed = await invoke(
      (await new Clients(h).get(ModelService, "carol")) as never,
      ModelService.method.listModels,
      { parent: y, pageSize: 1, pageToken: page.nextPageToken },
    );
    expect(crossed.code).toBe("InvalidArgument");
    expect(crossed.violations.join()).toContain("page_token");
  });
});

function roleAllows(role: RoleName, permission: string): boolean {
  const writers: RoleName[] = ["OWNER", "ADMIN", "MEMBER"];
  return permission === "task.write" || permission === "model.train"
    ? writers.includes(role)
    : true;
}
