import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { ErrorInfoSchema, StatusSchema } from "@glidepath/contracts/google";
import { contractImagePath } from "@glidepath/contracts/image";
import * as grpc from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer } from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";

// A stock client that knows nothing of Connect — @grpc/grpc-js with @grpc/proto-loader reading
// the published descriptor image — and `buf curl` with server reflection, against core.

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const buf = `${repoRoot}node_modules/.bin/buf`;

type Callback = (error: grpc.ServiceError | null, response: Record<string, unknown>) => void;
type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: Callback,
) => grpc.ClientUnaryCall;
type StockClient = grpc.Client & Record<string, UnaryMethod>;
type ClientConstructor = new (address: string, credentials: grpc.ChannelCredentials) => StockClient;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(buf, args, { cwd: repoRoot, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("interoperability with stock gRPC clients", () => {
  let core: CoreHarness;
  let address: string;
  let token: string;
  let services: Record<string, ClientConstructor>;
  const open: grpc.Client[] = [];

  beforeAll(async () => {
    core = await startCoreHarness();
    address = `127.0.0.1:${core.service.grpcPort}`;
    token = await core.issuer.mint("interop-user");
    // Loaded from a descriptor set, messages keep the .proto field names (snake_case).
    const definition = loadFileDescriptorSetFromBuffer(readFileSync(contractImagePath), {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      glidepath: { core: { v1: Record<string, ClientConstructor> } };
      grpc: { health: { v1: Record<string, ClientConstructor> } };
    };
    services = { ...loaded.glidepath.core.v1, Health: loaded.grpc.health.v1.Health as never };
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await core?.stop();
  });

  const client = (name: string) => {
    const Ctor = services[name];
    if (!Ctor) throw new Error(`no service ${name} in the image`);
    const c = new Ctor(address, grpc.credentials.createInsecure());
    open.push(c);
    return c;
  };
  const auth = () => {
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    return metadata;
  };
  const unary = (
    c: StockClient,
    method: string,
    request: unknown,
    metadata = auth(),
  ): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const fn = c[method];
      if (!fn) throw new Error(`no method ${method}`);
      fn.call(c, request, metadata, { deadline: Date.now() + 5_000 }, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });

  let parent = "";
  let taskName = "";

  it("creates a workspace and a task, reads and lists it", async () => {
    const workspaces = client("WorkspaceService");
    const { workspace } = (await unary(workspaces, "CreateWorkspace", {
      workspace: { display_name: "Interop" },
    })) as { workspace: { name: string; caller_role: string } };
    expect(workspace.name).toMatch(/^workspaces\/[0-9a-f-]{36}$/);
    expect(workspace.caller_role).toBe("ROLE_OWNER");
    parent = workspace.name;

    const tasks = client("TaskService");
    const { task } = (await unary(tasks, "CreateTask", {
      parent,
      task: {
        title: "From grpc-js",
        priority: "PRIORITY_P2",
        labels: ["interop"],
        due: { date: { year: 2031, month: 5, day: 17 } },
      },
    })) as { task: { name: string; title: string; state: string; etag: string } };
    expect(task.title).toBe("From grpc-js");
    expect(task.state).toBe("TASK_STATE_OPEN");
    taskName = task.name;

    const got = (await unary(tasks, "GetTask", { name: taskName })) as {
      task: { title: string; priority: string; labels: string[]; due: { date: { year: number } } };
    };
    expect(got.task.title).toBe("From grpc-js");
    expect(got.task.priority).toBe("PRIORITY_P2");
    expect(got.task.labels).toEqual(["interop"]);
    expect(got.task.due.date.year).toBe(2031);

    const listed = (await unary(tasks, "ListTasks", {
      parent,
      filter: 'label = "interop"',
      order_by: "due",
    })) as { tasks: { name: string }[]; next_page_token: string };
    expect(listed.tasks.map((t) => t.name)).toEqual([taskName]);
    expect(listed.next_page_token).toBe("");
  });

  it("streams WatchChanges until the client cancels", async () => {
    const changes = client("ChangeService");
    const call = (
      changes as unknown as Record<
        string,
        (req: unknown, md: grpc.Metadata) => grpc.ClientReadableStream<Record<string, unknown>>
      >
    ).WatchChanges?.({ parent }, auth());
    if (!call) throw new Error("no WatchChanges");
    const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no change within 5 s")), 5_000);
      call.once("data", (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      call.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const change = first.change as { kind: string; resource: string; task?: { name: string } };
    expect(change.kind).toBe("CHANGE_KIND_CREATED");
    expect(change.resource).toBe(taskName);
    const ended = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    call.on("error", () => {}); // the CANCELLED that cancel() causes
    call.cancel();
    const status = await ended;
    expect(status.code).toBe(grpc.status.CANCELLED);
  });

  it("answers errors with a status code and grpc-status-details-bin in the trailers", async () => {
    const tasks = client("TaskService");
    const missing = `${parent}/tasks/00000000-0000-4000-8000-000000000000`;
    const error = await unary(tasks, "GetTask", { name: missing }).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(error?.code).toBe(grpc.status.NOT_FOUND);
    const [details] = error?.metadata.get("grpc-status-details-bin") ?? [];
    expect(details).toBeInstanceOf(Buffer);
    const status = fromBinary(StatusSchema, details as Buffer);
    expect(status.code).toBe(grpc.status.NOT_FOUND);
    const infos = status.details
      .filter((d) => d.typeUrl.endsWith("/google.rpc.ErrorInfo"))
      .map((d) => fromBinary(ErrorInfoSchema, d.value));
    expect(infos).toHaveLength(1);
    expect(infos[0]?.reason).toBe("TASK_NOT_FOUND");
    expect(infos[0]?.domain).toBe("core.glidepath");

    const unauthenticated = await unary(tasks, "GetTask", { name: taskName }, new grpc.Metadata())
      .then(() => undefined)
      .catch((e: grpc.ServiceError) => e);
    expect(unauthenticated?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(unauthenticated?.metadata.get("grpc-status-details-bin")).toHaveLength(1);

    const invalid = await unary(tasks, "GetTask", { name: "tasks/nope" })
      .then(() => undefined)
      .catch((e: grpc.ServiceError) => e);
    expect(invalid?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const bad = fromBinary(
      StatusSchema,
      invalid?.metadata.get("grpc-status-details-bin")[0] as Buffer,
    );
    expect(bad.details.some((d) => d.typeUrl.endsWith("/google.rpc.BadRequest"))).toBe(true);
  });

  it("serves grpc.health.v1.Health/Check without a token", async () => {
    const health = client("Health");
    const whole = await unary(health, "Check", { service: "" }, new grpc.Metadata());
    expect(whole.status).toBe("SERVING");
    const tasks = await unary(
      health,
      "Check",
      { service: "glidepath.core.v1.TaskService" },
      new grpc.Metadata(),
    );
    expect(tasks.status).toBe("SERVING");
  });

  describe("buf curl with server reflection", () => {
    const listeners = () => [
      ["grpc-js port", core.service.grpcUrl],
      ["connect-node port (h2c)", core.service.httpUrl],
    ];

    it("lists every TaskService method", async () => {
      for (const [name, url] of listeners()) {
        const out = await run([
          "curl",
          "--protocol",
          "grpc",
          "--http2-prior-knowledge",
          "--reflect",
          "--list-methods",
          url as string,
        ]);
        expect(out.code, `${name}: ${out.stderr}`).toBe(0);
        const methods = out.stdout.trim().split("\n");
        for (const m of [
          "CreateTask",
          "GetTask",
          "BatchGetTasks",
          "ListTasks",
          "UpdateTask",
          "CompleteTask",
          "ReopenTask",
          "CancelTask",
          "DeleteTask",
          "UndeleteTask",
        ]) {
          expect(methods, name).toContain(`glidepath.core.v1.TaskService/${m}`);
        }
        expect(methods, name).toContain("grpc.health.v1.Health/Check");
      }
    });

    it("calls grpc.health.v1.Health/Check", async () => {
      for (const [name, url] of listeners()) {
        const out = await run([
          "curl",
          "--protocol",
          "grpc",
          "--http2-prior-knowledge",
          "--reflect",
          "-d",
          '{"service":""}',
          `${url}/grpc.health.v1.Health/Check`,
        ]);
        expect(out.code, `${name}: ${out.stderr}`).toBe(0);
        expect(JSON.parse(out.stdout), name).toEqual({ status: "SERVING" });
      }
    });

    it("calls an authenticated method, and is refused without a token", async () => {
      const url = core.service.grpcUrl;
      const ok = await run([
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "--reflect",
        "-H",
        `authorization: Bearer ${token}`,
        "-d",
        JSON.stringify({ name: taskName }),
        `${url}/glidepath.core.v1.TaskService/GetTask`,
      ]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout).task.title).toBe("From grpc-js");
      const refused = await run([
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "--reflect",
        "-d",
        JSON.stringify({ name: taskName }),
        `${url}/glidepath.core.v1.TaskService/GetTask`,
      ]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain("unauthenticated");
    });
  });
});
